"""The files service: reads and writes through the storage driver, and an event
after every write.

It is deliberately thin. The driver already enforces names, atomicity and
propagation; what this layer adds is the one place where a change becomes an
event, so every API (WebDAV, Graph, WOPI) and the watcher report changes the
same way, with ids in the form clients read (``storage$space!node``).

Events are published *after* the driver call returned: a consumer never hears
of a change it cannot yet read. A driver error propagates unchanged (a
``core.errors`` type) and publishes nothing.

Permissions are not checked here yet; they arrive with the auth service and sit
in front of these calls.
"""

from __future__ import annotations

import builtins
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping
from typing import BinaryIO, TypeVar

from opencloud.core.errors import NotFound, NotSupported
from opencloud.core.ids import NodeId, SpaceId, format_resource_id, format_space_id
from opencloud.services.events.build import node_event
from opencloud.services.events.bus import EventBus
from opencloud.services.events.types import (
    Event,
    FileLocked,
    FileTouched,
    FileUnlocked,
    FolderCreated,
    ItemEvent,
    ItemMoved,
    ItemRenamed,
    ItemRestored,
    ItemTrashed,
    PostprocessingFinished,
)
from opencloud.storage.protocol import HasTrash, HasVersions, StorageDriver, Upload
from opencloud.storage.types import Change, NodeInfo, Ref, TrashItem, Version

_E = TypeVar("_E", bound=ItemEvent)


class FilesService:
    """Synchronous file operations over one driver; thread-safe as the driver is.

    ``initiator`` on every write is the client's ``Initiator-ID`` header, echoed
    in the event's ``initiatorid`` so that client can ignore its own change.
    """

    def __init__(self, driver: StorageDriver, bus: EventBus, storage_id: str) -> None:
        self._driver = driver
        self._bus = bus
        self._storage_id = storage_id
        self._space_kinds: dict[str, str] = {}  # kinds never change

    # ---- ids
    @property
    def storage_id(self) -> str:
        """The id of the storage this service writes to (the first part of every id)."""
        return self._storage_id

    def resource_id(self, space: SpaceId, node: NodeId | str) -> str:
        """``storage$space!node``; empty for an empty node id (a space root's parent)."""
        return format_resource_id(self._storage_id, space, node) if node else ""

    def space_id(self, space: SpaceId) -> str:
        """``storage$space``, the drive id."""
        return format_space_id(self._storage_id, space)

    # ---- reads
    def stat(self, ref: Ref) -> NodeInfo:
        return self._driver.stat(ref)

    def stat_id(self, space: SpaceId, node: NodeId) -> NodeInfo:
        return self._driver.stat_id(space, node)

    def list(self, ref: Ref) -> Iterator[NodeInfo]:
        return self._driver.list(ref)

    def open_read(self, ref: Ref) -> BinaryIO:
        return self._driver.open_read(ref)

    # ---- arbitrary metadata (dead properties, favorites)
    def get_meta(self, ref: Ref, keys: Collection[str] | None = None) -> dict[str, bytes]:
        return self._driver.get_meta(ref, keys)

    def set_meta(
        self, ref: Ref, values: Mapping[str, bytes], *, remove: Collection[str] = ()
    ) -> None:
        """Metadata is not content: no event, the etag stays."""
        self._driver.set_meta(ref, values, remove=remove)

    # ---- writes
    def mkdir(self, ref: Ref, *, initiator: str = "") -> NodeInfo:
        """Create one folder; publishes ``folder-created``."""
        node = self._driver.mkdir(ref)
        self._publish(self._event(FolderCreated, node, initiator))
        return node

    def begin_upload(
        self,
        ref: Ref,
        *,
        size: int | None = None,
        if_match: str | None = None,
        if_none_match: str | None = None,
        initiator: str = "",
    ) -> Upload:
        """A staged write whose ``commit`` publishes ``postprocessing-finished``,
        or ``file-touched`` when the committed file is empty."""
        upload = self._driver.begin_upload(
            ref, size=size, if_match=if_match, if_none_match=if_none_match
        )
        return _PublishingUpload(upload, lambda node: self._publish(self._created(node, initiator)))

    def upload(
        self,
        ref: Ref,
        chunks: Iterable[bytes],
        *,
        size: int | None = None,
        if_match: str | None = None,
        if_none_match: str | None = None,
        mtime_ns: int | None = None,
        checksum: tuple[str, str] | None = None,
        initiator: str = "",
    ) -> NodeInfo:
        """Write ``chunks`` and commit; on any failure the upload is aborted and
        nothing is visible at ``ref``."""
        upload = self.begin_upload(
            ref, size=size, if_match=if_match, if_none_match=if_none_match, initiator=initiator
        )
        try:
            for chunk in chunks:
                upload.write(chunk)
        except BaseException:
            upload.abort()
            raise
        return upload.commit(mtime_ns=mtime_ns, checksum=checksum)

    def move(self, src: Ref, dst: Ref, *, overwrite: bool = False, initiator: str = "") -> NodeInfo:
        """Rename or move; publishes ``item-renamed`` when the parent stayed the
        same, else ``item-moved``. An overwritten target is reported as
        ``item-trashed`` first."""
        old = self._driver.stat(src)
        replaced = self._existing(dst) if overwrite else None
        node = self._driver.move(src, dst, overwrite=overwrite)
        if replaced is not None:
            self._publish(self._event(ItemTrashed, replaced, initiator))
        self._publish(self._moved(node, old.parent_id, old.path, initiator))
        return node

    def copy(self, src: Ref, dst: Ref, *, overwrite: bool = False, initiator: str = "") -> NodeInfo:
        """Copy a file or tree; the copy is announced like a new item. A target it
        replaced is announced as trashed, unless the driver kept it (file onto
        file keeps the target's id: its content changed, nothing was trashed)."""
        replaced = self._existing(dst) if overwrite else None
        node = self._driver.copy(src, dst, overwrite=overwrite)
        if replaced is not None and replaced.id != node.id:
            self._publish(self._event(ItemTrashed, replaced, initiator))
        self._publish(self._created(node, initiator))
        return node

    def delete(self, ref: Ref, *, initiator: str = "") -> TrashItem | None:
        """Delete into the trash (or for good without one); publishes ``item-trashed``."""
        node = self._driver.stat(ref)
        item = self._driver.delete(ref)
        self._publish(self._event(ItemTrashed, node, initiator))
        return item

    # ---- trash and versions (optional driver capabilities)
    def list_trash(self, space: SpaceId) -> builtins.list[TrashItem]:
        return self._trash().list_trash(space)

    def stat_trash(self, space: SpaceId, key: str, path: str = "") -> TrashItem:
        """A trash item, or the entry at ``path`` inside a trashed folder."""
        return self._trash().stat_trash(space, key, path)

    def list_trash_folder(
        self, space: SpaceId, key: str, path: str = ""
    ) -> builtins.list[TrashItem]:
        """The entries inside a trashed folder (or inside its folder ``path``)."""
        return self._trash().list_trash_folder(space, key, path)

    def restore_trash(
        self,
        space: SpaceId,
        key: str,
        *,
        path: str = "",
        dst: Ref | None = None,
        initiator: str = "",
    ) -> NodeInfo:
        """Bring an item (or the entry at ``path`` inside it) back; publishes
        ``item-restored``."""
        node = self._trash().restore_trash(space, key, path=path, dst=dst)
        self._publish(self._event(ItemRestored, node, initiator))
        return node

    def purge_trash(self, space: SpaceId, key: str | None = None, *, path: str = "") -> None:
        self._trash().purge_trash(space, key, path=path)

    def list_versions(self, ref: Ref) -> builtins.list[Version]:
        return self._versions().list_versions(ref)

    def open_version(self, ref: Ref, key: str) -> BinaryIO:
        return self._versions().open_version(ref, key)

    def restore_version(self, ref: Ref, key: str, *, initiator: str = "") -> NodeInfo:
        """Make an earlier content current; publishes ``item-restored``."""
        node = self._versions().restore_version(ref, key)
        self._publish(self._event(ItemRestored, node, initiator))
        return node

    # ---- locks
    def announce_lock(self, ref: Ref, *, locked: bool, initiator: str = "") -> None:
        """Publish ``file-locked`` or ``file-unlocked`` for the item at ``ref``
        (the lock itself is kept by the WebDAV lock table); nothing when the
        item is gone already."""
        try:
            node = self._driver.stat(ref)
        except NotFound:
            return
        if locked:
            self._publish(self._event(FileLocked, node, initiator))
        else:
            self._publish(self._event(FileUnlocked, node, initiator))

    # ---- outside changes
    def publish_change(self, change: Change) -> Event | None:
        """Announce a change another program made, as if it came through the API.

        Returns the event published, or None for changes clients do not hear
        about (a folder's own ``modified``: its size and etag moved because of
        something below, which was reported itself).
        """
        node = change.node
        event: Event | None = None
        if self._is_system(change.space):
            return None  # the server's own records (users, locks, uploads): no client sees them
        if change.kind == "deleted":
            event = ItemTrashed(
                itemid=self.resource_id(change.space, change.node_id),
                parentitemid=self.resource_id(change.space, change.parent_id),
                spaceid=self.space_id(change.space),
                path=change.path,
            )
        elif node is None:
            event = None  # a driver that did not tell the new state: nothing to say
        elif change.kind == "moved":
            event = self._moved(node, change.old_parent_id, change.old_path, "")
        elif change.kind == "created":
            event = self._created(node, "")
        elif node.kind == "file":
            event = self._event(PostprocessingFinished, node, "")
        if event is not None:
            self._publish(event)
        return event

    # ---- internals
    def _is_system(self, space: SpaceId) -> bool:
        kind = self._space_kinds.get(space)
        if kind is None:
            try:
                kind = self._driver.get_space(space).kind
            except NotFound:
                return False  # gone already; nothing to protect
            self._space_kinds[space] = kind
        return kind == "system"

    def _created(self, node: NodeInfo, initiator: str) -> Event:
        if node.kind == "dir":
            return self._event(FolderCreated, node, initiator)
        if node.size == 0:
            return self._event(FileTouched, node, initiator)
        return self._event(PostprocessingFinished, node, initiator)

    def _moved(self, node: NodeInfo, old_parent: str, old_path: str, initiator: str) -> Event:
        if old_parent == node.parent_id:
            return self._event(ItemRenamed, node, initiator, oldpath=old_path)
        return self._event(
            ItemMoved,
            node,
            initiator,
            oldpath=old_path,
            oldparentitemid=self.resource_id(node.space, old_parent),
        )

    def _event(self, cls: type[_E], node: NodeInfo, initiator: str, **extra: str) -> _E:
        return node_event(cls, self._storage_id, node, initiator=initiator, **extra)

    def _existing(self, ref: Ref) -> NodeInfo | None:
        try:
            return self._driver.stat(ref)
        except NotFound:
            return None

    def _publish(self, event: Event) -> None:
        self._bus.publish(event)

    def _trash(self) -> HasTrash:
        if not isinstance(self._driver, HasTrash):
            raise NotSupported(f"the {self._driver.name} driver keeps no trash")
        return self._driver

    def _versions(self) -> HasVersions:
        if not isinstance(self._driver, HasVersions):
            raise NotSupported(f"the {self._driver.name} driver keeps no versions")
        return self._driver


class _PublishingUpload:
    """An Upload that announces its file once committed."""

    def __init__(self, upload: Upload, on_commit: Callable[[NodeInfo], None]) -> None:
        self._upload = upload
        self._on_commit = on_commit

    def write(self, chunk: bytes) -> None:
        self._upload.write(chunk)

    def commit(
        self, *, mtime_ns: int | None = None, checksum: tuple[str, str] | None = None
    ) -> NodeInfo:
        node = self._upload.commit(mtime_ns=mtime_ns, checksum=checksum)
        self._on_commit(node)
        return node

    def abort(self) -> None:
        self._upload.abort()
