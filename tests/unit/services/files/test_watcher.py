"""The watch worker over the real posix driver and real inotify: a file written
straight into the tree becomes the same event an upload would publish."""

from __future__ import annotations

import threading
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from opencloud.core.ids import SpaceId
from opencloud.services.events.bus import InProcessBus
from opencloud.services.events.types import PostprocessingFinished
from opencloud.services.files.service import FilesService
from opencloud.services.files.watcher import WatchWorker
from opencloud.storage.protocol import StorageDriver, Watchable
from opencloud.storage.registry import load_driver
from opencloud.storage.types import Ref


@pytest.fixture
def watching_driver(data_path: Path) -> Iterator[StorageDriver]:
    drv = load_driver(
        "posix", {"base_data_path": str(data_path), "watch": "inotify", "debounce": "0"}
    )
    yield drv
    drv.close()


def test_outside_write_is_published(watching_driver: StorageDriver, data_path: Path) -> None:
    assert isinstance(watching_driver, Watchable)
    user = str(uuid.uuid4())
    space = SpaceId(user)
    watching_driver.create_space(space, kind="personal", name="bob", owner=user)
    bus = InProcessBus()
    events = bus.subscribe("test")
    files = FilesService(watching_driver, bus, "storage")
    stop = threading.Event()
    worker = WatchWorker(watching_driver, files)
    thread = threading.Thread(target=worker.run, args=(stop,))
    thread.start()
    try:
        # The posix layout keeps personal spaces under users/<user-id>/ (ARCHITECTURE.md §2).
        (data_path / "storage" / "users" / "users" / user / "outside.txt").write_bytes(b"hi")
        event = events.get(timeout=10)
        while event is not None and event.path != "/outside.txt":
            event = events.get(timeout=10)
    finally:
        stop.set()
        thread.join(10)
    assert not thread.is_alive()
    assert isinstance(event, PostprocessingFinished)
    assert event.initiatorid == ""
    node = files.stat(Ref(space, "/outside.txt"))
    assert event.itemid == files.resource_id(space, node.id)
    assert event.etag == node.etag
