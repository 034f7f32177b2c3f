"""The live-updates benchmark: a real server, a thousand open event streams,
paced changes, and the upload rate with and without the streams.

Called by ``python -m bench.run`` (``make bench``; ``--only sse`` for this part
alone). The server runs pinned to CPU 0 (as in the WebDAV benchmark), this
process, the load generator, on CPU 1. ``report.py`` says what each phase does.
"""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import tempfile
import time
import urllib.parse
from collections.abc import Awaitable, Callable
from pathlib import Path

import msgspec

from bench.machine import describe
from bench.sse import clients, report
from bench.sse.clients import EventStream, LagProbe, PutLog, Tally, Uploader
from bench.sse.results import Phase, SseResults, Workload, workload_from_env
from bench.webdav import servers
from bench.webdav.client import Connection, basic_auth

SPACE_VIEWER = "a8d5fe5e-96e3-418d-825b-534dbdf22b99"
PASSWORD = "Bench-sse-pass-123"
OPEN_AT_ONCE = 100
OPEN_TIMEOUT_S = 30.0
STRAGGLERS_S = 3.0  # after the paced phase
BLAST_STRAGGLERS_S = 2.0
WARM_UP_S = 3.0
_CLK_TCK = os.sysconf("SC_CLK_TCK")
#: The server's password cache outlasts the run: an entry expiring mid-phase
#: makes every upload connection check the admin's password with argon2 at
#: once (64 MiB and tens of ms of CPU each), which is not what is measured here.
SERVER_SETTINGS = {"OC_AUTH__PASSWORD_CACHE_SECONDS": "3600"}


def log(message: str) -> None:
    print(f"[bench sse {time.strftime('%H:%M:%S')}] {message}", flush=True)


def rss_kib(pid: int) -> int:
    """VmRSS of ``pid`` in KiB (0 if it is gone)."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of ``pid`` (all its threads)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / _CLK_TCK  # utime, stime


class _Graph:
    """Blocking JSON calls as the admin, for the setup."""

    def __init__(self, port: int) -> None:
        self.conn = Connection(
            "127.0.0.1", port, authorization=basic_auth("admin", servers.ADMIN_PASSWORD)
        )

    def call(
        self, method: str, path: str, body: object = None, *, ok: int = 200
    ) -> dict[str, object]:
        payload = json.dumps(body).encode() if body is not None else b""
        headers = {"Content-Type": "application/json"} if body is not None else {}
        reply = self.conn.request(method, path, headers=headers, body=payload)
        if reply.status != ok:
            raise RuntimeError(f"{method} {path}: {reply.status} {reply.body[:300]!r}")
        result: dict[str, object] = json.loads(reply.body) if reply.body else {}
        return result


class Setup(msgspec.Struct, frozen=True):
    users: list[str]  # usernames; the first ``members`` are in the space
    space_dav: str  # /dav/spaces/<drive id> (quoted)
    home_dav: str  # the admin's own WebDAV root


def _setup(running: servers.Running, w: Workload) -> Setup:
    graph = _Graph(running.port)
    names = [f"sse{i:03}" for i in range(w.users)]
    ids = []
    for name in names:
        body = {
            "onPremisesSamAccountName": name,
            "displayName": name,
            "mail": f"{name}@example.org",
            "passwordProfile": {"password": PASSWORD},
        }
        ids.append(str(graph.call("POST", "/graph/v1.0/users", body, ok=201)["id"]))
    drive = str(graph.call("POST", "/graph/v1.0/drives", {"name": "Live updates"}, ok=201)["id"])
    quoted = urllib.parse.quote(drive, safe="")
    for user_id in ids[: w.members]:
        invite = {
            "recipients": [{"objectId": user_id, "@libre.graph.recipient.type": "user"}],
            "roles": [SPACE_VIEWER],
        }
        graph.call("POST", f"/graph/v1beta1/drives/{quoted}/root/invite", invite)
    space_dav = f"/dav/spaces/{quoted}"
    for folder in ("paced", "watched"):
        reply = graph.conn.request("MKCOL", f"{space_dav}/{folder}")
        if reply.status != 201:
            raise RuntimeError(f"MKCOL {folder}: {reply.status}")
    home_dav = running.spec.dav_root.rstrip("/")
    for folder in ("before", "unwatched", "after"):
        reply = graph.conn.request("MKCOL", f"{home_dav}/{folder}")
        if reply.status != 201:
            raise RuntimeError(f"MKCOL {folder}: {reply.status}")
    graph.conn.close()
    return Setup(users=names, space_dav=space_dav, home_dav=home_dav)


def _warm_logins(port: int, users: list[str]) -> None:
    """One request per user, one at a time: the server's password cache then
    holds every user, and opening a thousand streams does not run a thousand
    argon2 checks at once (64 MiB each)."""
    for name in users:
        with Connection("127.0.0.1", port, authorization=basic_auth(name, PASSWORD)) as conn:
            reply = conn.request("GET", "/graph/v1.0/me")
            if reply.status != 200:
                raise RuntimeError(f"{name}: GET /me answered {reply.status}")


class _Bench:
    """The async part: streams, uploads, phases."""

    def __init__(self, running: servers.Running, w: Workload, setup: Setup) -> None:
        self.running = running
        self.w = w
        self.setup = setup
        self.pid = running.process.pid
        self.tally = Tally()
        self.streams: list[EventStream] = []
        self.body = os.urandom(w.file_kib * 1024)
        self.admin = basic_auth("admin", servers.ADMIN_PASSWORD)
        self.probe = LagProbe()
        self.phases: list[Phase] = []
        self.open_s = 0.0
        self.open_failed = 0
        self.rss: dict[str, int] = {}

    def uploaders(self, n: int) -> list[Uploader]:
        return [Uploader("127.0.0.1", self.running.port, self.admin) for _ in range(n)]

    async def run(self) -> None:
        w, s = self.w, self.setup
        await self._warm_up(f"{s.home_dav}/before")
        await self._blast(report.IDLE, f"{s.home_dav}/before", watched=False)
        await asyncio.sleep(1.0)
        self.rss["before"] = rss_kib(self.pid)
        await self._open_streams()
        await asyncio.sleep(2.0)
        self.rss["streams"] = rss_kib(self.pid)
        log(f"RSS {self.rss['before'] / 1024:.1f} → {self.rss['streams'] / 1024:.1f} MiB")
        await self._paced()
        await self._blast(report.WITH_IDLE, f"{s.home_dav}/unwatched", watched=False)
        await self._blast(report.WITH_WATCHED, f"{s.space_dav}/watched", watched=True)
        self.rss["after"] = rss_kib(self.pid)
        for stream in self.streams:
            stream.close()
        self.streams = []
        await asyncio.sleep(2.0)
        self.rss["closed"] = rss_kib(self.pid)
        await self._blast(report.IDLE_AFTER, f"{s.home_dav}/after", watched=False)
        del w

    async def _warm_up(self, folder: str) -> None:
        """Uploads not measured: a fresh server is slower at first."""
        uploaders = self.uploaders(self.w.connections)
        try:
            await clients.flat_out(
                uploaders,
                seconds=WARM_UP_S,
                path=lambda i: f"{folder}/w{i:06}.bin",
                body=self.body,
                prefix="warm-",
                tally=Tally(),
            )
        finally:
            for u in uploaders:
                u.close()

    async def _open_streams(self) -> None:
        w = self.w
        gate = asyncio.Semaphore(OPEN_AT_ONCE)
        members = set(self.setup.users[: w.members])

        async def one(name: str) -> EventStream | None:
            async with gate:
                try:
                    return await clients.open_stream(
                        "127.0.0.1",
                        self.running.port,
                        basic_auth(name, PASSWORD),
                        self.tally,
                        watching=name in members,
                        timeout=OPEN_TIMEOUT_S,
                    )
                except (OSError, TimeoutError, ConnectionError) as exc:
                    log(f"stream for {name} did not open: {exc!r}")
                    return None

        # interleaved by user, so the members' streams are not all opened first
        order = [name for _ in range(w.streams_per_user) for name in self.setup.users]
        started = time.monotonic()
        opened = await asyncio.gather(*(one(name) for name in order))
        self.open_s = time.monotonic() - started
        self.streams = [s for s in opened if s is not None]
        self.open_failed = len(order) - len(self.streams)
        log(
            f"{len(self.streams):,} streams open in {self.open_s:.1f} s ({self.open_failed} failed)"
        )

    async def _paced(self) -> None:
        w = self.w
        log(f"paced: {w.rate:.0f} changes/s for {w.seconds:.0f} s")
        folder = f"{self.setup.space_dav}/paced"

        async def work() -> PutLog:
            uploaders = self.uploaders(w.connections)
            try:
                return await clients.paced(
                    uploaders,
                    rate=w.rate,
                    seconds=w.seconds,
                    path=lambda i: f"{folder}/p{i:06}.bin",
                    body=self.body,
                    prefix="paced-",
                    tally=self.tally,
                )
            finally:
                for u in uploaders:
                    u.close()

        await self._phase(report.PACED, work, watched=True, stragglers=STRAGGLERS_S)

    async def _blast(self, name: str, folder: str, *, watched: bool) -> None:
        w = self.w
        log(f"{name}: {w.connections} connections for {w.blast_seconds:.0f} s")

        async def work() -> PutLog:
            uploaders = self.uploaders(w.connections)
            try:
                return await clients.flat_out(
                    uploaders,
                    seconds=w.blast_seconds,
                    path=lambda i: f"{folder}/b{i:06}.bin",
                    body=self.body,
                    prefix=f"{folder.rsplit('/', 1)[1]}-",
                    tally=self.tally,
                )
            finally:
                for u in uploaders:
                    u.close()

        await self._phase(
            name, work, watched=watched, stragglers=BLAST_STRAGGLERS_S if self.streams else 0.0
        )

    async def _phase(
        self,
        name: str,
        work: Callable[[], Awaitable[PutLog]],
        *,
        watched: bool,
        stragglers: float,
    ) -> None:
        self.tally.reset()
        self.probe.start()
        cpu_server, cpu_client = cpu_seconds(self.pid), time.process_time()
        started = time.monotonic()
        puts: PutLog = await work()
        wall = time.monotonic() - started
        server_cpu = (cpu_seconds(self.pid) - cpu_server) / wall
        client_cpu = (time.process_time() - cpu_client) / wall
        await asyncio.sleep(stragglers)
        lags = sorted(self.probe.stop())
        tally = self.tally
        watching = sum(1 for s in self.streams if s.watching) if watched else 0
        phase = Phase(
            name=name,
            streams_open=len(self.streams),
            wall_s=wall,
            puts_ok=puts.ok,
            puts_failed=puts.failed,
            put_rate=puts.ok / wall,
            put_latency=report.summarize(puts.durations),
            expected=puts.ok * watching,
            delivered=len(tally.delays),
            delivery=report.summarize(tally.delays),
            fanout=report.summarize(list(tally.last.values())),
            resyncs=tally.resyncs,
            resync_dropped=tally.resync_dropped,
            leaked=tally.leaked,
            unmatched=tally.unmatched,
            other_events=dict(tally.other),
            streams_ended=tally.ended,
            reads=tally.reads,
            server_cpu=server_cpu,
            client_cpu=client_cpu,
            client_lag_p99=report.percentile(lags, 0.99) if lags else 0.0,
            pacing_late_p99=report.percentile(sorted(puts.late), 0.99) if puts.late else 0.0,
        )
        self.phases.append(phase)
        failed = {k: v for k, v in puts.statuses.items() if not 200 <= k < 300}
        log(
            f"  {phase.put_rate:.0f} PUT/s ({phase.puts_failed} failed {failed or ''}); "
            f"delivered {phase.delivered:,}/{phase.expected:,}, p50/p99/max "
            f"{report.ms(phase.delivery, 'p50')}/{report.ms(phase.delivery, 'p99')}/"
            f"{report.ms(phase.delivery, 'max')} ms; resyncs {phase.resyncs}; "
            f"leaked {phase.leaked}; reads {phase.reads:,}; "
            f"CPU server {server_cpu:.0%} client {client_cpu:.0%}"
        )


def run(*, tmp: str, repo: Path, results_dir: Path) -> tuple[SseResults, str]:
    """Run the benchmark; returns the results and the docs section."""
    started = time.perf_counter()
    w = workload_from_env()
    server_key = os.environ.get("BENCH_SSE_SERVER", "ours-hypercorn")
    spec = next(s for s in servers.specs() if s.key == server_key)
    if spec.missing:
        raise SystemExit(f"bench sse: {spec.missing}")
    load_before = list(os.getloadavg())
    affinity = os.sched_getaffinity(0)
    work = Path(tempfile.mkdtemp(prefix="opencloud-bench-sse-", dir=tmp))
    try:
        machine = describe(str(work), str(repo))
        pinning = servers.pin_client()
        log(f"pinning: {pinning}; workload: {msgspec.json.encode(w).decode()}")
        running = servers.start(spec, work / "server", settings=SERVER_SETTINGS)
        try:
            setup = _setup(running, w)
            _warm_logins(running.port, setup.users)
            bench = _Bench(running, w, setup)
            asyncio.run(bench.run())
            if running.process.poll() is not None:
                raise RuntimeError(f"the server exited during the run: {running.log_tail()}")
        finally:
            servers.stop(running)
    finally:
        os.sched_setaffinity(0, affinity)
        shutil.rmtree(work, ignore_errors=True)
    results = SseResults(
        date_utc=machine.date_utc,
        cpu=machine.cpu,
        nproc=machine.nproc,
        kernel=machine.kernel,
        python=machine.python,
        filesystem=machine.filesystem,
        commit=machine.commit,
        server=f"opencloud {spec.version}",
        pinning=pinning,
        load_before=load_before,
        load_after=list(os.getloadavg()),
        workload=w,
        open_s=bench.open_s,
        open_failed=bench.open_failed,
        rss_before_kib=bench.rss["before"],
        rss_streams_kib=bench.rss["streams"],
        rss_after_kib=bench.rss["after"],
        rss_closed_kib=bench.rss["closed"],
        phases=bench.phases,
        runtime_s=time.perf_counter() - started,
    )
    results_dir.mkdir(parents=True, exist_ok=True)
    stamp = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime())
    raw = results_dir / f"sse-{stamp}.json"
    raw.write_bytes(msgspec.json.format(msgspec.json.encode(results)) + b"\n")
    log(f"raw results: {raw}")
    return results, report.render(results)
