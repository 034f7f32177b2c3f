"""Summaries of repeated measurements: the median, with the spread beside it."""

from __future__ import annotations

import statistics
from collections.abc import Sequence

import msgspec


class Summary(msgspec.Struct, frozen=True, kw_only=True):
    """Median, lowest and highest of ``n`` samples (same unit as the samples)."""

    median: float
    low: float
    high: float
    n: int
    samples: list[float]

    @classmethod
    def of(cls, samples: Sequence[float]) -> Summary:
        if not samples:
            raise ValueError("no samples to summarise")
        values = [float(s) for s in samples]
        return cls(
            median=statistics.median(values),
            low=min(values),
            high=max(values),
            n=len(values),
            samples=values,
        )


def ratio(ours: float, reference: float) -> float:
    """``ours / reference``; infinity when the reference is zero."""
    return ours / reference if reference else float("inf")
