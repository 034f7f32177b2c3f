"""What one WebDAV run measured, as written to bench/results/webdav-*.json."""

from __future__ import annotations

import msgspec


class Sizes(msgspec.Struct, frozen=True, kw_only=True):
    """The workload sizes (``BENCH_WEBDAV_*`` variables change them)."""

    large_mib: int = 256  # the big file PUT and GET
    small_kib: int = 16  # each file of the many-small-PUTs row
    connections: int = 8  # wrk connections for the small-request rows
    seconds: float = 3.0  # how long each wrk row runs
    repeats: int = 3  # timed samples of the big transfers and listings (median shown)
    folders: list[int] = msgspec.field(default_factory=lambda: [1_000, 10_000])


class Cell(msgspec.Struct, frozen=True, kw_only=True):
    """One server's value on one row; ``value`` None means n/a for ``note``."""

    value: float | None
    note: str = ""
    samples: list[float] = msgspec.field(default_factory=list)
    extra: dict[str, float] = msgspec.field(default_factory=dict)


class ServerRun(msgspec.Struct, frozen=True, kw_only=True):
    key: str
    label: str
    version: str
    reason: str  # "" when it ran; else why every row is n/a
    cells: dict[str, Cell]
    exit_code: int | None = None  # after SIGTERM; None: killed or never started


class WebdavResults(msgspec.Struct, frozen=True, kw_only=True):
    date_utc: str
    cpu: str
    nproc: int
    kernel: str
    python: str
    filesystem: str
    commit: str
    pinning: str
    sizes: Sizes
    servers: list[ServerRun]
    runtime_s: float
