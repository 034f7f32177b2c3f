"""WsgiDAV's lock storage, made durable through the files service's LockTable.

WsgiDAV's in-memory ``LockStorageDict`` does the lock bookkeeping (tokens,
depth, scopes, expiry); we give it a dictionary loaded from the storage and
write the dictionary back whenever it changes (``_flush``). Every writer
consults the same manager: WsgiDAV's own methods, and the native PUT and TUS
handlers through ``covering_locks`` before they write.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any
from urllib.parse import quote

from wsgidav.lock_man.lock_manager import LockManager
from wsgidav.lock_man.lock_storage import LockStorageDict
from wsgidav.rw_lock import ReadWriteLock

from opencloud.api.webdav.provider import canonical_url
from opencloud.core.ids import SpaceId
from opencloud.services.files.locks import LockTable

log = logging.getLogger(__name__)


class DurableLockStorage(LockStorageDict):  # type: ignore[misc]
    """``on_change(url, locked)`` hears of every lock taken and released
    (explicitly; an expired lock passes silently), after it is stored: the
    live updates ``file-locked`` and ``file-unlocked``."""

    def __init__(
        self, table: LockTable, on_change: Callable[[str, bool], None] | None = None
    ) -> None:
        super().__init__()
        self._table = table
        self._on_change = on_change

    def create(self, path: str, lock: dict[str, Any]) -> dict[str, Any]:
        created: dict[str, Any] = super().create(path, lock)
        self._announce(path, locked=True)
        return created

    def delete(self, token: str) -> bool:
        held = self.get(token)
        deleted: bool = super().delete(token)
        if deleted and held is not None:
            self._announce(held["root"], locked=False)
        return deleted

    def _announce(self, url: str, *, locked: bool) -> None:
        if self._on_change is None:
            return
        try:
            self._on_change(url, locked)
        except Exception:  # a live update must never fail a LOCK or UNLOCK
            log.exception("could not announce the lock change on %s", url)

    def open(self) -> None:
        self._lock = ReadWriteLock()
        try:
            self._dict = self._table.load()
        except Exception:  # a broken lock file must not stop the server
            log.exception("could not read the lock table; starting without locks")
            self._dict = {}

    def close(self) -> None:
        """Nothing to do: every change was written when it happened (and
        WsgiDAV calls this from a finaliser, possibly after the storage closed)."""

    def _flush(self) -> None:
        if self._dict is not None:
            self._table.save(dict(self._dict))

    def is_empty(self) -> bool:
        return not self._dict


def covering_locks(
    manager: LockManager, storage_id: str, space: SpaceId, path: str
) -> list[dict[str, Any]]:
    """Locks on ``path`` in ``space`` or on a folder above it with depth
    infinity: a write there needs one of their tokens. Without any lock (the
    usual case) this costs no URL building: every PUT asks."""
    storage = manager.storage
    if isinstance(storage, DurableLockStorage) and storage.is_empty():
        return []
    url = quote(canonical_url(storage_id, space, path))
    result: list[dict[str, Any]] = manager.get_indirect_url_lock_list(url)
    return result
