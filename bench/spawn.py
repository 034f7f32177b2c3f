"""Starting a worker process: pinned to one CPU, optionally under ``strace -c``.

Pinning: the measured process runs under ``taskset -c 1`` (§6.1 of the
performance notes: the system under test on CPU 1, everything else free to use
CPU 0), so that it does not migrate between the two cores mid-run. The kernel's
own work (journal commits, writeback) still runs wherever the kernel puts it.
Without taskset, or with fewer than two CPUs, workers run unpinned and the
report says so.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import msgspec

from bench.tasks import Task, WorkerResult, result_decoder

REPO = Path(__file__).resolve().parent.parent
PIN_CPU = 1
WORKER_TIMEOUT_S = 300


def pinning() -> list[str]:
    """The ``taskset`` prefix, or nothing where pinning is not possible."""
    if shutil.which("taskset") is None or PIN_CPU not in os.sched_getaffinity(0):
        return []
    return ["taskset", "-c", str(PIN_CPU)]


def describe_pinning() -> str:
    prefix = pinning()
    return " ".join(prefix) if prefix else "none (taskset or CPU 1 unavailable)"


def run_worker(task: Task, *, strace_to: str | None = None) -> WorkerResult:
    """Run ``task`` in a fresh interpreter and return its result.

    With ``strace_to``, the worker runs under ``strace -f -c -o strace_to``
    (threads included), which writes the per-syscall summary there.
    """
    command = [*pinning()]
    if strace_to is not None:
        command += ["strace", "-f", "-c", "-o", strace_to, "--"]
    command += [sys.executable, "-m", "bench.worker", msgspec.json.encode(task).decode()]
    done = subprocess.run(
        command, capture_output=True, text=True, cwd=REPO, timeout=WORKER_TIMEOUT_S, check=False
    )
    if done.returncode != 0:
        raise RuntimeError(
            f"worker failed ({done.returncode}): {' '.join(command[:8])} …\n{done.stderr[-4000:]}"
        )
    lines = done.stdout.strip().splitlines()
    if not lines:
        raise RuntimeError(f"worker printed nothing\n{done.stderr[-4000:]}")
    return result_decoder.decode(lines[-1])
