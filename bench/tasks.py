"""What the orchestrator asks a worker process to do, and what it answers (JSON)."""

from __future__ import annotations

import msgspec

from bench.listing import ListVariant
from bench.uploads import UploadVariant


class ListTask(msgspec.Struct, frozen=True, kw_only=True, tag="list"):
    """List ``folder`` (``folder_abs`` on disk) ``warmup`` times untimed, then
    ``repeats`` times timed."""

    variant: ListVariant
    root: str
    space: str
    folder: str
    folder_abs: str
    warmup: int
    repeats: int


class UploadTask(msgspec.Struct, frozen=True, kw_only=True, tag="upload"):
    """Create the new folder ``folder`` in the space, then place ``count`` seeded
    files in it, timed as one run."""

    variant: UploadVariant
    root: str
    space: str
    space_abs: str
    folder: str
    count: int
    seed: int
    fsync: bool


Task = ListTask | UploadTask


class WorkerResult(msgspec.Struct, frozen=True, kw_only=True):
    """One duration per timed run (ns) and the entries or files each run handled."""

    samples_ns: list[int]
    count: int


task_decoder = msgspec.json.Decoder(Task)
result_decoder = msgspec.json.Decoder(WorkerResult)
