"""The WebDAV benchmark: every server in turn, the same workloads, one table.

Called by ``python -m bench.run`` (``make bench``; ``--only webdav`` for this part
alone). Servers run pinned to CPU 0, this process and wrk on CPU 1.
"""

from __future__ import annotations

import os
import shutil
import signal
import tempfile
import time
from pathlib import Path

import msgspec

from bench.machine import describe
from bench.webdav import report, servers
from bench.webdav.results import ServerRun, Sizes, WebdavResults
from bench.webdav.workloads import Bench, log, sizes_from_env


def _chosen(specs: list[servers.Spec]) -> list[servers.Spec]:
    wanted = os.environ.get("BENCH_WEBDAV_SERVERS", "").replace(" ", "")
    if not wanted:
        return specs
    keys = set(wanted.split(","))
    unknown = keys - {s.key for s in specs}
    if unknown:
        raise SystemExit(
            f"BENCH_WEBDAV_SERVERS: unknown {', '.join(sorted(unknown))}; "
            f"known: {', '.join(s.key for s in specs)}"
        )
    return [s for s in specs if s.key in keys]


def _one(spec: servers.Spec, base: Path, sizes: Sizes) -> ServerRun:
    log(f"{spec.label} {spec.version}")
    if spec.missing:
        log(f"  skipped: {spec.missing}")
        return ServerRun(
            key=spec.key, label=spec.label, version=spec.version, reason=spec.missing, cells={}
        )
    try:
        running = servers.start(spec, base)
    except (RuntimeError, OSError, TimeoutError) as exc:
        log(f"  did not start: {exc}")
        return ServerRun(
            key=spec.key,
            label=spec.label,
            version=spec.version,
            reason=f"did not start: {exc}",
            cells={},
        )
    exit_code: int | None = None
    try:
        scratch = base / "scratch"
        scratch.mkdir()
        bench = Bench(running, sizes, scratch)
        reason = bench.run()
        if running.process.poll() is not None:
            log(f"  exited with {running.process.returncode} during the run: {running.log_tail()}")
            reason = reason or f"exited with {running.process.returncode} during the run"
    finally:
        exit_code = servers.stop(running)
    if exit_code not in (0, -signal.SIGTERM, None) and not reason:
        log(f"  exit code {exit_code} after SIGTERM; log: {running.log_tail(500)}")
    if any(cell.value is None for cell in bench.cells.values()):
        log(f"  rows failed; the end of its log:\n{running.log_tail(1500)}")
    return ServerRun(
        key=spec.key,
        label=spec.label,
        version=spec.version,
        reason=reason,
        cells=bench.cells,
        exit_code=exit_code,
    )


def run(*, tmp: str, repo: Path, results_dir: Path) -> tuple[WebdavResults, str]:
    """Run every server; returns the results and the docs section."""
    started = time.perf_counter()
    sizes = sizes_from_env()
    specs = _chosen(servers.specs())
    affinity = os.sched_getaffinity(0)
    work = Path(tempfile.mkdtemp(prefix="opencloud-bench-webdav-", dir=tmp))
    try:
        machine = describe(str(work), str(repo))
        pinning = servers.pin_client()
        log(f"pinning: {pinning}; sizes: {msgspec.json.encode(sizes).decode()}")
        runs: list[ServerRun] = []
        for spec in specs:
            base = work / spec.key
            runs.append(_one(spec, base, sizes))
            shutil.rmtree(base, ignore_errors=True)  # free the big files before the next
    finally:
        os.sched_setaffinity(0, affinity)
        shutil.rmtree(work, ignore_errors=True)
    results = WebdavResults(
        date_utc=machine.date_utc,
        cpu=machine.cpu,
        nproc=machine.nproc,
        kernel=machine.kernel,
        python=machine.python,
        filesystem=machine.filesystem,
        commit=machine.commit,
        pinning=pinning,
        sizes=sizes,
        servers=runs,
        runtime_s=time.perf_counter() - started,
    )
    results_dir.mkdir(parents=True, exist_ok=True)
    stamp = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime())
    raw = results_dir / f"webdav-{stamp}.json"
    raw.write_bytes(msgspec.json.format(msgspec.json.encode(results)) + b"\n")
    log(f"raw results: {raw}")
    return results, report.render(results)
