"""The measured process: ``python -m bench.worker '<task JSON>'``.

It does one task (see tasks.py) and prints a WorkerResult as JSON. The
orchestrator starts it pinned (``taskset -c 1``) and, to count syscalls, under
``strace -f -c``; so everything untimed (imports, opening the driver, making
contents) happens before the timed loops, and the same work happens whatever the
repeat count, which lets two runs be subtracted.
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Callable

import msgspec

from bench import listing, uploads
from bench.fixture import open_driver
from bench.tasks import ListTask, Task, UploadTask, WorkerResult, task_decoder
from bench.workload import payloads, records
from opencloud.core.ids import SpaceId
from opencloud.storage.types import Ref
from opencloud_driver_posix.layout import tmp_dir


def _list_once(task: ListTask) -> tuple[Callable[[], int], Callable[[], None]]:
    """The listing to time, and how to clean up after it."""
    if task.variant == "driver":
        driver = open_driver(task.root)
        ref = Ref(SpaceId(task.space), task.folder)
        return (lambda: listing.driver_listing(driver, ref)), driver.close
    loops = {
        "floor-os": listing.floor_os,
        "floor-pyxattr": listing.floor_pyxattr,
        "stat": listing.stat_only,
    }
    loop = loops[task.variant]
    return (lambda: loop(task.folder_abs)), (lambda: None)


def run_list(task: ListTask) -> WorkerResult:
    once, close = _list_once(task)
    count = 0
    try:
        for _ in range(task.warmup):
            count = once()
        samples: list[int] = []
        for _ in range(task.repeats):
            start = time.perf_counter_ns()
            count = once()
            samples.append(time.perf_counter_ns() - start)
    finally:
        close()
    return WorkerResult(samples_ns=samples, count=count)


def run_upload(task: UploadTask) -> WorkerResult:
    contents = payloads(task.count, task.seed)
    space = SpaceId(task.space)
    if task.variant == "driver":
        driver = open_driver(task.root, fsync=task.fsync)
        try:
            driver.mkdir(Ref(space, task.folder))
            start = time.perf_counter_ns()
            uploads.driver_uploads(driver, space, task.folder, contents)
            elapsed = time.perf_counter_ns() - start
        finally:
            driver.close()
    else:
        folder_abs = task.space_abs + task.folder
        os.mkdir(folder_abs)
        values = records(task.count, task.seed)
        start = time.perf_counter_ns()
        uploads.floor_uploads(
            folder_abs, tmp_dir(task.space_abs), contents, values, fsync=task.fsync
        )
        elapsed = time.perf_counter_ns() - start
    return WorkerResult(samples_ns=[elapsed], count=len(contents))


def run(task: Task) -> WorkerResult:
    if isinstance(task, ListTask):
        return run_list(task)
    return run_upload(task)


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print("usage: python -m bench.worker '<task JSON>'", file=sys.stderr)
        return 2
    result = run(task_decoder.decode(argv[0]))
    sys.stdout.write(msgspec.json.encode(result).decode() + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
