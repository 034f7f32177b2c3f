"""The three measurements: each schedules worker runs and summarises them.

Variants are interleaved round by round (A B C, then B C A, …) so that drift
over time (page cache, journal, a noisy neighbour) spreads over all of them.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence
from typing import TypeVar

from bench.fixture import Fixture
from bench.listing import LIST_VARIANTS, ListVariant
from bench.results import ListingRow, SyscallRow, UploadRow
from bench.spawn import run_worker
from bench.stats import Summary, ratio
from bench.syscalls import parse_summary, rate
from bench.tasks import ListTask, UploadTask
from bench.uploads import UPLOAD_VARIANTS, UploadVariant
from bench.workload import SEED

T = TypeVar("T")


def log(message: str) -> None:
    print(f"bench: {message}", file=sys.stderr, flush=True)


def rotated(items: Sequence[T], by: int) -> list[T]:
    shift = by % len(items)
    return [*items[shift:], *items[:shift]]


def _list_task(fx: Fixture, variant: ListVariant, *, warmup: int, repeats: int) -> ListTask:
    return ListTask(
        variant=variant,
        root=fx.root,
        space=fx.space,
        folder=fx.folder,
        folder_abs=fx.folder_abs,
        warmup=warmup,
        repeats=repeats,
    )


def time_listings(fx: Fixture, *, rounds: int, repeats: int) -> list[ListingRow]:
    """Warm-cache listing time of the whole folder, ms per listing."""
    samples: dict[ListVariant, list[float]] = {v: [] for v in LIST_VARIANTS}
    for round_no in range(rounds):
        for variant in rotated(LIST_VARIANTS, round_no):
            result = run_worker(_list_task(fx, variant, warmup=1, repeats=repeats))
            if result.count != fx.entries:
                raise RuntimeError(f"{variant} listed {result.count} of {fx.entries} entries")
            samples[variant] += [ns / 1e6 for ns in result.samples_ns]
        log(f"listing round {round_no + 1}/{rounds} done")
    summary = {v: Summary.of(s) for v, s in samples.items()}
    return [
        ListingRow(
            variant=v,
            ms=summary[v],
            vs_floor_os=ratio(summary[v].median, summary["floor-os"].median),
            vs_floor_pyxattr=ratio(summary[v].median, summary["floor-pyxattr"].median),
            vs_stat=ratio(summary[v].median, summary["stat"].median),
        )
        for v in LIST_VARIANTS
    ]


def count_listing_syscalls(fx: Fixture, *, extra: int, scratch: str) -> list[SyscallRow]:
    """Syscalls per listed entry: a worker listing once and one listing
    ``1 + extra`` times, under strace; the difference over ``extra * entries``."""
    rows = []
    for variant in LIST_VARIANTS:
        counts = []
        for repeats in (1, 1 + extra):
            out = os.path.join(scratch, f"strace-list-{variant}-{repeats}.txt")
            run_worker(_list_task(fx, variant, warmup=0, repeats=repeats), strace_to=out)
            with open(out) as summary:
                counts.append(parse_summary(summary.read()))
        rows.append(
            SyscallRow(
                variant=variant, fsync=None, per_unit=rate(counts[0], counts[1], extra * fx.entries)
            )
        )
        log(f"syscalls of listing ({variant}) counted")
    return rows


def _upload_task(
    fx: Fixture, variant: UploadVariant, folder: str, *, count: int, fsync: bool
) -> UploadTask:
    return UploadTask(
        variant=variant,
        root=fx.root,
        space=fx.space,
        space_abs=fx.space_abs,
        folder=folder,
        count=count,
        seed=SEED + 1,
        fsync=fsync,
    )


def time_uploads(fx: Fixture, *, count: int, rounds: int) -> list[UploadRow]:
    """Files per second placing ``count`` new small files into a new folder."""
    samples: dict[tuple[UploadVariant, bool], list[float]] = {
        (v, f): [] for v in UPLOAD_VARIANTS for f in (True, False)
    }
    for round_no in range(rounds):
        for fsync in (True, False):
            for variant in rotated(UPLOAD_VARIANTS, round_no):
                folder = f"/upload-{round_no}-{'fsync' if fsync else 'nofsync'}-{variant}"
                result = run_worker(_upload_task(fx, variant, folder, count=count, fsync=fsync))
                samples[variant, fsync].append(result.count / (result.samples_ns[0] / 1e9))
        log(f"upload round {round_no + 1}/{rounds} done")
    summary = {key: Summary.of(s) for key, s in samples.items()}
    return [
        UploadRow(
            variant=v,
            fsync=f,
            files_per_s=summary[v, f],
            vs_floor=ratio(summary[v, f].median, summary["floor", f].median),
        )
        for f in (True, False)
        for v in UPLOAD_VARIANTS
    ]


def count_upload_syscalls(
    fx: Fixture, *, small: int, large: int, fsync: bool, scratch: str
) -> list[SyscallRow]:
    """Syscalls per committed file: ``small`` and ``large`` files under strace,
    the difference over ``large - small``."""
    rows = []
    for variant in UPLOAD_VARIANTS:
        counts = []
        for count in (small, large):
            out = os.path.join(scratch, f"strace-upload-{variant}-{count}.txt")
            folder = f"/strace-{variant}-{count}"
            run_worker(_upload_task(fx, variant, folder, count=count, fsync=fsync), strace_to=out)
            with open(out) as summary:
                counts.append(parse_summary(summary.read()))
        rows.append(
            SyscallRow(
                variant=variant, fsync=fsync, per_unit=rate(counts[0], counts[1], large - small)
            )
        )
        log(f"syscalls of uploads ({variant}) counted")
    return rows
