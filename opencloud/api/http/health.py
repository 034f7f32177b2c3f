"""What ``/readyz`` reports, and the source the composition root provides.

The app layer owns the driver and the worker supervisor; the status adapter
only needs to ask "are you ready, and if not, why". That question is this
Protocol, so the adapter never imports the app.
"""

from __future__ import annotations

from typing import Literal, Protocol, runtime_checkable

import msgspec

WorkerState = Literal["running", "restarting", "finished", "stopped"]


class WorkerHealth(msgspec.Struct, frozen=True, kw_only=True):
    """One background worker. ``restarts`` counts restarts after a crash;
    ``last_error`` is the last crash's exception, for the administrator."""

    name: str
    state: WorkerState
    alive: bool
    restarts: int
    last_error: str = ""


class Readiness(msgspec.Struct, frozen=True, kw_only=True):
    """Whether the server can do its work; ``reasons`` says why not."""

    ready: bool
    reasons: list[str] = []
    workers: list[WorkerHealth] = []


@runtime_checkable
class HealthSource(Protocol):
    """Implemented by the composition root; cheap enough to call per probe."""

    def readiness(self) -> Readiness: ...
