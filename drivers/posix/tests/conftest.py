"""Fixtures for the posix driver's own tests: a real driver on a real filesystem."""

from __future__ import annotations

import queue
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from opencloud.core.ids import SpaceId, new_space_id
from opencloud.storage.types import Change
from opencloud_driver_posix.driver import PosixDriver


@pytest.fixture
def make_driver(tmp_path: Path) -> Iterator[Callable[..., PosixDriver]]:
    made: list[PosixDriver] = []

    def make(**options: object) -> PosixDriver:
        opts: dict[str, object] = {"root": str(tmp_path / "root"), "watch": "off", **options}
        driver = PosixDriver.from_options(opts)
        made.append(driver)
        return driver

    yield make
    for driver in made:
        driver.close()


@pytest.fixture
def driver(make_driver: Callable[..., PosixDriver]) -> PosixDriver:
    return make_driver()


@pytest.fixture
def space(driver: PosixDriver) -> SpaceId:
    space = new_space_id()
    driver.create_space(space, kind="project", name="test", owner="tester")
    return space


class Watch:
    """A running ``changes()`` loop whose changes land in a queue."""

    def __init__(self, driver: PosixDriver) -> None:
        self.driver = driver
        self.stop = threading.Event()
        self.queue: queue.Queue[Change] = queue.Queue()
        self.errors: list[BaseException] = []
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self) -> None:
        try:
            for change in self.driver.changes(self.stop):
                self.queue.put(change)
        except BaseException as exc:  # surfaced by the test through .errors
            self.errors.append(exc)

    def wait_idle(self, quiet: float = 0.6, timeout: float = 20.0) -> list[Change]:
        """Collect changes until none arrived for ``quiet`` seconds."""
        got: list[Change] = []
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                got.append(self.queue.get(timeout=quiet))
            except queue.Empty:
                return got
        raise AssertionError(f"changes kept coming for {timeout}s: {len(got)}")

    def wait_for(
        self, accept: Callable[[Change], bool], timeout: float = 10.0
    ) -> tuple[Change, float]:
        """The first change ``accept`` takes, and how long it took to arrive."""
        start = time.monotonic()
        while True:
            left = start + timeout - time.monotonic()
            if left <= 0:
                raise AssertionError("expected change did not arrive")
            try:
                change = self.queue.get(timeout=left)
            except queue.Empty:
                continue
            if accept(change):
                return change, time.monotonic() - start

    def close(self) -> None:
        self.stop.set()
        self.thread.join(timeout=10)
        assert not self.thread.is_alive(), "watcher did not stop"
        assert not self.errors, self.errors


@pytest.fixture
def watch(make_driver: Callable[..., PosixDriver]) -> Iterator[Callable[..., Watch]]:
    started: list[Watch] = []

    def start(driver: PosixDriver) -> Watch:
        w = Watch(driver)
        started.append(w)
        w.wait_idle(quiet=0.5)  # the startup scan
        return w

    yield start
    for w in started:
        w.close()
