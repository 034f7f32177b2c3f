"""The worker supervisor: crashes are logged and restarted, stop joins."""

from __future__ import annotations

import logging
import threading

import pytest

from opencloud.app.workers import Supervisor

WAIT = 10.0  # generous upper bound; every wait ends on an event well before it


class Flaky:
    """Crashes on its first run, then runs until stopped."""

    name = "flaky"

    def __init__(self) -> None:
        self.runs = 0
        self.second_run = threading.Event()

    def run(self, stop: threading.Event) -> None:
        self.runs += 1
        if self.runs == 1:
            raise RuntimeError("boom")
        self.second_run.set()
        stop.wait()


class Steady:
    name = "steady"

    def __init__(self) -> None:
        self.started = threading.Event()

    def run(self, stop: threading.Event) -> None:
        self.started.set()
        stop.wait()


class Stubborn:
    """Ignores stop until released."""

    name = "stubborn"

    def __init__(self) -> None:
        self.started = threading.Event()
        self.release = threading.Event()

    def run(self, stop: threading.Event) -> None:
        self.started.set()
        self.release.wait()


class Done:
    """Has nothing to do (a watcher on a driver told not to watch)."""

    name = "done"

    def __init__(self) -> None:
        self.runs = 0
        self.ran = threading.Event()

    def run(self, stop: threading.Event) -> None:
        self.runs += 1
        self.ran.set()


def test_crashing_worker_is_logged_and_restarted(caplog: pytest.LogCaptureFixture) -> None:
    flaky = Flaky()
    supervisor = Supervisor([flaky], initial_backoff=0.01)
    with caplog.at_level(logging.ERROR, logger="opencloud.app.workers"):
        supervisor.start()
        assert flaky.second_run.wait(WAIT)
    (health,) = supervisor.health()
    assert health.name == "flaky"
    assert health.alive
    assert health.state == "running"
    assert health.restarts == 1
    assert health.last_error == "RuntimeError: boom"
    (record,) = [r for r in caplog.records if "crashed" in r.getMessage()]
    assert "flaky" in record.getMessage()
    assert record.exc_info is not None
    assert "boom" in caplog.text  # the traceback is in the log
    assert supervisor.stop() == []
    assert supervisor.health()[0].state == "stopped"


def test_stop_joins_every_worker() -> None:
    a, b = Steady(), Steady()
    b.name = "steady2"
    supervisor = Supervisor([a, b])
    supervisor.start()
    assert a.started.wait(WAIT)
    assert b.started.wait(WAIT)
    assert all(h.alive for h in supervisor.health())
    assert supervisor.stop() == []
    assert [h.state for h in supervisor.health()] == ["stopped", "stopped"]
    assert not any(h.alive for h in supervisor.health())


def test_stop_gives_up_on_a_worker_that_ignores_it(caplog: pytest.LogCaptureFixture) -> None:
    stubborn = Stubborn()
    supervisor = Supervisor([stubborn], join_timeout=0.05)
    supervisor.start()
    assert stubborn.started.wait(WAIT)
    try:
        with caplog.at_level(logging.WARNING, logger="opencloud.app.workers"):
            assert supervisor.stop() == ["stubborn"]
        assert "did not stop" in caplog.text
    finally:
        stubborn.release.set()


def test_worker_that_returns_is_not_restarted() -> None:
    done = Done()
    supervisor = Supervisor([done], initial_backoff=0.01)
    supervisor.start()
    assert done.ran.wait(WAIT)
    assert supervisor.stop() == []
    (health,) = supervisor.health()
    assert done.runs == 1
    assert health.restarts == 0
    assert health.state in ("finished", "stopped")


def test_stop_wakes_a_worker_waiting_to_restart() -> None:
    class AlwaysCrashes:
        name = "crashy"

        def __init__(self) -> None:
            self.crashed = threading.Event()

        def run(self, stop: threading.Event) -> None:
            self.crashed.set()
            raise RuntimeError("again")

    crashy = AlwaysCrashes()
    supervisor = Supervisor([crashy], initial_backoff=60.0, join_timeout=WAIT)
    supervisor.start()
    assert crashy.crashed.wait(WAIT)
    assert supervisor.stop() == []  # did not sit out the 60 s backoff
    (health,) = supervisor.health()
    assert not health.alive
    assert health.state == "stopped"


def test_no_workers_is_fine() -> None:
    supervisor = Supervisor([])
    supervisor.start()
    assert supervisor.health() == []
    assert supervisor.stop() == []
