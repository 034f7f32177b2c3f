"""The worker supervisor: background jobs in threads that cannot take the server down.

A worker is anything with a ``name`` and ``run(stop)``; ``run`` blocks until
``stop`` is set. The supervisor gives each worker a daemon thread. A worker
that raises is logged with its traceback and restarted after a backoff (0.5 s,
doubling, at most 30 s; back to 0.5 s once a run outlived the maximum), so a
flapping backend is retried without a busy loop and the HTTP side keeps
serving. A worker that returns before ``stop`` is set has nothing (more) to
do, e.g. a watcher on a driver configured not to watch: it is not restarted.

Threads, not asyncio tasks: workers call the synchronous driver and block in
it (inotify reads, tree scans).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterable
from typing import Protocol

from opencloud.api.http.health import WorkerHealth, WorkerState

log = logging.getLogger(__name__)


class Worker(Protocol):
    """A background job. ``run`` MUST return soon after ``stop`` is set."""

    @property
    def name(self) -> str: ...

    def run(self, stop: threading.Event) -> None: ...


class _Slot:
    """One worker's thread and what the supervisor knows of it."""

    def __init__(self, worker: Worker) -> None:
        self.worker = worker
        self.thread = threading.Thread(name=f"opencloud-{worker.name}", daemon=True)
        self.state: WorkerState = "running"
        self.restarts = 0
        self.last_error = ""

    def health(self) -> WorkerHealth:
        state = self.state
        return WorkerHealth(
            name=self.worker.name,
            state=state,
            alive=state == "running" and self.thread.is_alive(),
            restarts=self.restarts,
            last_error=self.last_error,
        )


class Supervisor:
    """Starts, restarts and stops workers. ``start`` and ``stop`` once each."""

    def __init__(
        self,
        workers: Iterable[Worker],
        *,
        initial_backoff: float = 0.5,
        max_backoff: float = 30.0,
        join_timeout: float = 5.0,
    ) -> None:
        self._slots = [_Slot(worker) for worker in workers]
        self._stop = threading.Event()
        self._initial = initial_backoff
        self._max = max_backoff
        self._join_timeout = join_timeout

    def start(self) -> None:
        for slot in self._slots:
            slot.thread = threading.Thread(
                target=self._supervise, args=(slot,), name=slot.thread.name, daemon=True
            )
            slot.thread.start()

    def stop(self) -> list[str]:
        """Ask every worker to stop and wait up to ``join_timeout`` seconds in all.

        Returns the names of workers still running (logged too); their daemon
        threads do not keep the process alive.
        """
        self._stop.set()
        deadline = time.monotonic() + self._join_timeout
        stuck: list[str] = []
        for slot in self._slots:
            if slot.thread.ident is None:
                continue  # never started
            slot.thread.join(max(0.0, deadline - time.monotonic()))
            if slot.thread.is_alive():
                stuck.append(slot.worker.name)
        if stuck:
            log.warning("workers did not stop in %.1f s: %s", self._join_timeout, ", ".join(stuck))
        return stuck

    def health(self) -> list[WorkerHealth]:
        return [slot.health() for slot in self._slots]

    def _supervise(self, slot: _Slot) -> None:
        name = slot.worker.name
        delay = self._initial
        while not self._stop.is_set():
            slot.state = "running"
            began = time.monotonic()
            try:
                slot.worker.run(self._stop)
            except Exception as exc:  # the outermost layer of a worker thread
                if time.monotonic() - began > self._max:
                    delay = self._initial  # it had been healthy a while: a fresh failure
                slot.last_error = f"{type(exc).__name__}: {exc}"
                slot.state = "restarting"
                log.exception("worker %s crashed; restarting in %.1f s", name, delay)
            else:
                if not self._stop.is_set():
                    slot.state = "finished"
                    log.info("worker %s finished", name)
                    return
                break
            if self._stop.wait(delay):
                break
            slot.restarts += 1
            delay = min(delay * 2, self._max)
        slot.state = "stopped"
