"""The user directory on the storage: one JSON file per user, group and app token.

Everything lives in one system space (``system-directory``, never shown to
clients)::

    /users/<user-id>.json
    /groups/<group-id>.json
    /tokens/<token-id>.json

Files are written through the driver (``begin_upload``/``commit``: atomic, a
reader sees the old or the new record) and read through ``list``/``open_read``.
There is no database: the files are the truth, and this class keeps a cache of
them in memory that it can always rebuild.

Other processes (the ``opencloud users`` CLI while a server runs, a second
server on the same storage) write the same files. ``refresh`` picks their changes
up cheaply: one ``stat`` of the space root, whose etag changes whenever anything
below changes (propagation); only when it moved are the folders listed, and only
files whose etag changed are read again. The service calls ``refresh`` at most
once per ``refresh_interval`` seconds, so a change made elsewhere is seen within
that time.

Overwritten records keep no versions (system spaces never do); deleted records
are purged from the space's trash at once.
"""

from __future__ import annotations

import contextlib
import logging
import threading
import time
from collections.abc import Callable, Iterator
from typing import Generic, TypeVar

import msgspec

from opencloud.core.errors import AlreadyExists, NotFound
from opencloud.core.ids import SpaceId
from opencloud.services.auth.records import AppToken, Group, User
from opencloud.storage.protocol import HasTrash, StorageDriver
from opencloud.storage.records import ensure_system_space, write_json
from opencloud.storage.types import Ref

log = logging.getLogger(__name__)

#: The system space holding the directory.
DIRECTORY_SPACE = SpaceId("system-directory")

_R = TypeVar("_R", bound=User | Group | AppToken)


class _Folder(Generic[_R]):
    """One folder of records: id → (etag, record)."""

    def __init__(self, name: str, kind: type[_R]) -> None:
        self.name = name
        self.kind: type[_R] = kind
        self.entries: dict[str, tuple[str, _R]] = {}

    def path(self, record_id: str) -> str:
        return f"/{self.name}/{record_id}.json"


class Directory:
    """The storage-backed record store with its in-memory cache. Thread-safe."""

    def __init__(
        self,
        driver: StorageDriver,
        *,
        refresh_interval: float = 2.0,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self._driver = driver
        self._interval = refresh_interval
        self._monotonic = monotonic
        self.lock = threading.RLock()
        self.users: _Folder[User] = _Folder("users", User)
        self.groups: _Folder[Group] = _Folder("groups", Group)
        self.tokens: _Folder[AppToken] = _Folder("tokens", AppToken)
        self._root_etag: str | None = None
        self._checked = float("-inf")
        #: Called (under the lock) after records changed, with the folder name.
        self.on_change: Callable[[str], None] = lambda _folder: None
        self._ensure_space()
        self.refresh(force=True)

    # ------------------------------------------------------------ loading
    def _ensure_space(self) -> None:
        ensure_system_space(self._driver, DIRECTORY_SPACE, "directory")
        for folder in ("users", "groups", "tokens"):
            with contextlib.suppress(AlreadyExists):
                self._driver.mkdir(Ref(DIRECTORY_SPACE, f"/{folder}"))

    def refresh_due(self) -> bool:
        """True when the next ``refresh`` would look at the storage."""
        return self._monotonic() - self._checked >= self._interval

    def refresh(self, *, force: bool = False) -> None:
        """Pick up changes other processes made; at most once per interval
        unless ``force``."""
        with self.lock:
            now = self._monotonic()
            if not force and now - self._checked < self._interval:
                return
            self._checked = now
            root = self._driver.stat(Ref(DIRECTORY_SPACE, "/")).etag
            if root == self._root_etag and not force:
                return
            if self._reload(self.users):
                self.on_change("users")
            if self._reload(self.groups):
                self.on_change("groups")
            if self._reload(self.tokens):
                self.on_change("tokens")
            self._root_etag = root  # stat'd before listing: a later change is seen next time

    def _reload(self, folder: _Folder[_R]) -> bool:
        seen: dict[str, tuple[str, _R]] = {}
        changed = False
        for info in self._driver.list(Ref(DIRECTORY_SPACE, f"/{folder.name}")):
            if info.kind != "file" or not info.name.endswith(".json"):
                continue
            record_id = info.name[: -len(".json")]
            cached = folder.entries.get(record_id)
            if cached is not None and cached[0] == info.etag:
                seen[record_id] = cached
                continue
            record = self._read(folder, record_id)
            if record is not None:
                seen[record_id] = (info.etag, record)
                changed = True
        if seen.keys() != folder.entries.keys():
            changed = True
        folder.entries = seen
        return changed

    def _read(self, folder: _Folder[_R], record_id: str) -> _R | None:
        path = folder.path(record_id)
        try:
            with self._driver.open_read(Ref(DIRECTORY_SPACE, path)) as handle:
                data = handle.read()
            record: _R = msgspec.json.decode(data, type=folder.kind)
        except NotFound:
            return None  # removed while we listed
        except (msgspec.DecodeError, UnicodeDecodeError) as exc:
            log.warning("directory record %s is unreadable and ignored: %s", path, exc)
            return None
        if record.id != record_id:
            log.warning("directory record %s holds id %s and is ignored", path, record.id)
            return None
        return record

    # ------------------------------------------------------------ access
    def all(self, folder: _Folder[_R]) -> list[_R]:
        with self.lock:
            return [record for _etag, record in folder.entries.values()]

    def get(self, folder: _Folder[_R], record_id: str) -> _R | None:
        with self.lock:
            entry = folder.entries.get(record_id)
            return entry[1] if entry is not None else None

    def iter(self, folder: _Folder[_R]) -> Iterator[_R]:
        return iter(self.all(folder))

    # ------------------------------------------------------------ writing
    def put(self, folder: _Folder[_R], record: _R) -> None:
        """Write a record atomically and update the cache."""
        with self.lock:
            info = write_json(self._driver, Ref(DIRECTORY_SPACE, folder.path(record.id)), record)
            folder.entries[record.id] = (info.etag, record)
            self.on_change(folder.name)

    def remove(self, folder: _Folder[_R], record_id: str) -> None:
        """Delete a record for good (out of the trash too). Missing is fine."""
        with self.lock:
            try:
                item = self._driver.delete(Ref(DIRECTORY_SPACE, folder.path(record_id)))
            except NotFound:
                item = None
            if item is not None and isinstance(self._driver, HasTrash):
                with contextlib.suppress(NotFound):
                    self._driver.purge_trash(DIRECTORY_SPACE, item.key)
            folder.entries.pop(record_id, None)
            self.on_change(folder.name)
