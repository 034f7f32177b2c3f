"""WebDAV locks, kept on the storage.

The lock table is one small msgpack document in the ``locks`` system space,
rewritten atomically (a staged upload) on every LOCK, UNLOCK and refresh, and
read back at startup, so locks survive a restart like any other data. Active
locks are few; lookups use the in-memory copy.

The document's shape is owned by the WebDAV adapter (it is WsgiDAV's lock
dictionary); this module only keeps it safe and durable.
"""

from __future__ import annotations

import threading
from typing import Any

import msgspec

from opencloud.core.errors import NotFound
from opencloud.core.ids import SpaceId
from opencloud.storage.protocol import StorageDriver
from opencloud.storage.records import ensure_system_space, write_file
from opencloud.storage.types import Ref

LOCKS_SPACE = SpaceId("locks")
_DOCUMENT = Ref(LOCKS_SPACE, "/locks.mpk")


class LockTable:
    """A durable map (msgpack: lock owners are raw XML bytes); thread-safe."""

    def __init__(self, driver: StorageDriver) -> None:
        self._driver = driver
        self._lock = threading.Lock()

    def load(self) -> dict[str, Any]:
        """The stored table; empty when there is none (or it is unreadable,
        which is logged by the caller: losing locks loses no data)."""
        with self._lock:
            ensure_system_space(self._driver, LOCKS_SPACE, "locks")
            try:
                with self._driver.open_read(_DOCUMENT) as handle:
                    data = msgspec.msgpack.decode(handle.read() or b"\x80")
            except NotFound:
                return {}
            except msgspec.DecodeError:
                return {}
            return data if isinstance(data, dict) else {}

    def save(self, table: dict[str, Any]) -> None:
        body = msgspec.msgpack.encode(table)
        with self._lock:
            ensure_system_space(self._driver, LOCKS_SPACE, "locks")
            write_file(self._driver, _DOCUMENT, body)
