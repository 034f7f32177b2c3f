"""What one live-updates run measured, as written to bench/results/sse-*.json.

Times are in seconds, memory in KiB, CPU as a share of one core (1.0 = busy
all the time).
"""

from __future__ import annotations

import os

import msgspec


class Workload(msgspec.Struct, frozen=True, kw_only=True):
    """The run's shape; ``BENCH_SSE_*`` variables change it."""

    users: int = 50
    streams_per_user: int = 20
    members: int = 10  # of the users, members of the space the changes are made in
    rate: float = 100.0  # changes per second in the paced phase
    seconds: float = 20.0  # length of the paced phase
    blast_seconds: float = 10.0  # each upload-rate phase
    connections: int = 8  # upload connections in the upload-rate phases
    file_kib: int = 16

    @property
    def streams(self) -> int:
        return self.users * self.streams_per_user

    @property
    def watching(self) -> int:
        """Streams that may see the changes made in the space."""
        return self.members * self.streams_per_user


def workload_from_env(env: dict[str, str] | None = None) -> Workload:
    source = os.environ if env is None else env
    base = Workload()
    fields = {
        "users": int,
        "streams_per_user": int,
        "members": int,
        "rate": float,
        "seconds": float,
        "blast_seconds": float,
        "connections": int,
        "file_kib": int,
    }
    values: dict[str, int | float] = {}
    for name, kind in fields.items():
        raw = source.get(f"BENCH_SSE_{name.upper()}")
        values[name] = kind(raw) if raw else getattr(base, name)
    workload = Workload(**values)  # type: ignore[arg-type]
    if not 0 < workload.members <= workload.users:
        raise SystemExit("BENCH_SSE_MEMBERS must be between 1 and BENCH_SSE_USERS")
    return workload


class Latency(msgspec.Struct, frozen=True, kw_only=True):
    n: int
    p50: float
    p90: float
    p99: float
    max: float
    mean: float


class Phase(msgspec.Struct, frozen=True, kw_only=True):
    """One timed phase: uploads made, and what the open streams heard of them."""

    name: str
    streams_open: int
    wall_s: float
    puts_ok: int
    puts_failed: int
    put_rate: float  # successful PUTs per second of the phase
    put_latency: Latency | None  # request sent to response read
    expected: int  # successful PUTs x streams watching the folder written to
    delivered: int  # events matched to one of this phase's PUTs
    delivery: Latency | None  # PUT sent to event read, over every delivery
    fanout: Latency | None  # per change: PUT sent to its last stream reached
    resyncs: int  # resync hints read
    resync_dropped: int  # messages they said were lost
    leaked: int  # events read on streams of users outside the space (must be 0)
    unmatched: int  # change events whose initiator id no PUT sent
    other_events: dict[str, int]  # event name -> count, beside postprocessing-finished
    streams_ended: int  # streams the server ended during the phase
    reads: int  # socket reads on the client that carried messages (about the server's writes)
    server_cpu: float
    client_cpu: float
    client_lag_p99: float  # how late the load generator's 10 ms ticks ran (p99)
    pacing_late_p99: float = 0.0  # paced phase: how late PUTs went out against the schedule


class SseResults(msgspec.Struct, frozen=True, kw_only=True):
    date_utc: str
    cpu: str
    nproc: int
    kernel: str
    python: str
    filesystem: str
    commit: str
    server: str  # e.g. "opencloud 0.1.0, hypercorn 0.18.0"
    pinning: str
    load_before: list[float]  # os.getloadavg() before the run: how busy the machine was
    load_after: list[float]
    workload: Workload
    open_s: float  # opening every stream, until each had its first byte
    open_failed: int
    rss_before_kib: int  # the server, warmed up, no stream open
    rss_streams_kib: int  # with every stream open
    rss_after_kib: int  # with every stream open, after the phases with streams
    rss_closed_kib: int  # every stream closed again
    phases: list[Phase]
    runtime_s: float
