"""The storage driver contract.

A driver holds bytes and metadata; policy (who may do what, events, sharing)
lives in the services above it. The core Protocol is what every backend must do;
what a backend may lack is a separate ``runtime_checkable`` capability Protocol,
and the services fall back or report "not supported" when it is missing.

Rules every driver MUST follow:

- Raise only ``opencloud.core.errors`` types. Never let ``OSError`` (or a vendor
  error) escape: translate it at the edge, in one function.
- Validate every name with ``opencloud.core.paths`` before touching storage.
- Be thread-safe: the HTTP side calls from a thread pool while the watcher runs.
- Make every write atomic to readers: after a crash a path holds the old or the
  new content, never a mix, and a partial upload is never visible under its name.
- After every change, keep folder sizes, tree mtimes and etags correct up to the
  space root (propagation), so that polling a space root's etag sees every change.
"""

from __future__ import annotations

import threading
from collections.abc import Collection, Iterator, Mapping
from typing import BinaryIO, ClassVar, Protocol, Self, runtime_checkable

from opencloud.core.ids import NodeId, SpaceId
from opencloud.storage.types import (
    Change,
    Finding,
    NodeInfo,
    Quota,
    Ref,
    SpaceInfo,
    SpaceKind,
    TrashItem,
    Version,
)


class Upload(Protocol):
    """A staged write. Nothing is visible at the target until ``commit``.

    ``write`` MUST raise QuotaExceeded as soon as the bytes written exceed what
    the space can take (so a hostile client cannot fill the disk before commit).
    After ``commit`` or ``abort`` the upload is finished; calling either again is
    an error. A driver MUST clean up staged bytes on ``abort``.
    """

    def write(self, chunk: bytes) -> None: ...

    def commit(
        self,
        *,
        mtime_ns: int | None = None,
        checksum: tuple[str, str] | None = None,
    ) -> NodeInfo:
        """Place the content atomically and return the new state.

        ``mtime_ns`` sets the file's mtime (``X-OC-Mtime``); default now.
        ``checksum`` is ``(algorithm, hex)`` announced by the client: on mismatch
        raise ChecksumMismatch and store nothing. The If-Match / If-None-Match
        conditions given to ``begin_upload`` are checked here, under the node's
        lock. Overwriting keeps the previous content as a version.
        """
        ...

    def abort(self) -> None: ...


class StorageDriver(Protocol):
    """The core contract every driver implements."""

    name: ClassVar[str]

    @classmethod
    def from_options(cls, options: Mapping[str, object]) -> Self:
        """Build a driver from its options (strings allowed, as from env).

        MUST raise ConfigError naming the option for an unknown or ill-typed one,
        and StorageUnavailable with a clear reason if the backend cannot work
        (e.g. a filesystem without user extended attributes).
        """
        ...

    def close(self) -> None:
        """Release resources and persist derived state (indexes). Idempotent."""
        ...

    # ---- spaces
    def create_space(
        self,
        space: SpaceId,
        *,
        kind: SpaceKind,
        name: str,
        owner: str,
        quota_bytes: int = 0,
    ) -> SpaceInfo:
        """Create a space. A personal space that already exists is returned as is
        (idempotent, so provisioning a user twice is harmless); any other existing
        space raises AlreadyExists."""
        ...

    def list_spaces(self) -> Iterator[SpaceInfo]: ...

    def get_space(self, space: SpaceId) -> SpaceInfo: ...

    def set_quota(self, space: SpaceId, quota_bytes: int) -> SpaceInfo: ...

    def set_space_name(self, space: SpaceId, name: str) -> SpaceInfo:
        """Rename a space (its display name; the id never changes). The name is
        kept with the space's own record, so every message that names the
        space (a quota refusal) uses the current one."""
        ...

    def quota(self, space: SpaceId) -> Quota: ...

    def delete_space(self, space: SpaceId) -> None:
        """Remove a space and everything in it, trash and versions included."""
        ...

    # ---- read
    def stat(self, ref: Ref) -> NodeInfo:
        """NotFound when the item, or any folder on its path, does not exist.
        (Writes through a missing folder raise Conflict instead.)"""
        ...

    def stat_id(self, space: SpaceId, node: NodeId) -> NodeInfo:
        """Find a node by id wherever it lives now (ids are stable across moves)."""
        ...

    def list(self, ref: Ref) -> Iterator[NodeInfo]:
        """The children of a folder, in no particular order, without the server's
        internal entries. Raises Conflict when ``ref`` is a file."""
        ...

    def open_read(self, ref: Ref) -> BinaryIO:
        """A binary file object for reading; the caller closes it."""
        ...

    # ---- write
    def mkdir(self, ref: Ref) -> NodeInfo:
        """Create one folder. AlreadyExists if the name is taken, Conflict if the
        parent is missing or not a folder."""
        ...

    def begin_upload(
        self,
        ref: Ref,
        *,
        size: int | None = None,
        if_match: str | None = None,
        if_none_match: str | None = None,
    ) -> Upload:
        """Start a write to ``ref`` (new or existing file).

        ``if_match`` is an etag the current file must have; ``if_none_match`` is
        ``"*"`` (the file must not exist) or an etag it must not have. Both are
        checked again at commit under the node's lock. A known ``size`` is
        checked against the quota now.
        """
        ...

    def move(self, src: Ref, dst: Ref, *, overwrite: bool = False) -> NodeInfo:
        """Rename or move within a space; the node keeps its id. An existing
        target is trashed first when ``overwrite``, else AlreadyExists. Moves
        between spaces raise NotSupported; a space root cannot be moved or
        replaced (PermissionDenied); a folder into itself is a Conflict."""
        ...

    def copy(self, src: Ref, dst: Ref, *, overwrite: bool = False) -> NodeInfo:
        """Copy a file or folder tree; the copy gets new ids. With ``overwrite``,
        a file copied onto a file is an overwrite (the target keeps its id and
        its old content becomes a version, as ownCloud does for WebDAV COPY);
        any other existing target is trashed first. Arbitrary metadata is not
        copied (the service decides what follows a copy)."""
        ...

    def delete(self, ref: Ref) -> TrashItem | None:
        """Delete a file or folder: into the space's trash when the driver has one
        (returned), else for good (None). The space root cannot be deleted
        (PermissionDenied)."""
        ...

    # ---- arbitrary metadata (dead properties, grants, tags)
    def get_meta(self, ref: Ref, keys: Collection[str] | None = None) -> dict[str, bytes]: ...

    def set_meta(
        self, ref: Ref, values: Mapping[str, bytes], *, remove: Collection[str] = ()
    ) -> None:
        """Set and remove metadata entries. Keys are short printable names
        (``prop:{ns}name``, ``grant:u:id``); values are opaque bytes. There is no
        fixed size budget: a driver moves large sets aside itself."""
        ...


@runtime_checkable
class HasTrash(Protocol):
    """A driver that keeps deleted items until restored or purged.

    Inside a trashed folder, ``path`` names an entry relative to the folder
    (``"sub/f.txt"``; ``""`` is the item itself). Drivers MUST resolve it without
    following symlinks and MUST refuse ``..`` (PathEscapes) and malformed names
    (InvalidName) before touching storage; an unknown key or path is NotFound.
    """

    def list_trash(self, space: SpaceId) -> list[TrashItem]:
        """The space's deleted items, most recently deleted first."""
        ...

    def stat_trash(self, space: SpaceId, key: str, path: str = "") -> TrashItem:
        """Item ``key``, or the entry at ``path`` inside it."""
        ...

    def list_trash_folder(self, space: SpaceId, key: str, path: str = "") -> list[TrashItem]:
        """The entries directly inside trashed folder ``key`` (or inside the folder
        at ``path`` in it), by name. Conflict when that is a file."""
        ...

    def restore_trash(
        self, space: SpaceId, key: str, *, path: str = "", dst: Ref | None = None
    ) -> NodeInfo:
        """Put a deleted item (or the entry at ``path`` inside it) back at ``dst``
        or, by default, where it was. When that name is taken, the item gets a
        free name ("name (1).ext"); missing folders on the way back to the
        original place are recreated, while an explicit ``dst`` needs its parent
        (Conflict). The node keeps its id.

        MUST be one rename of the item into place: a crash leaves it either in
        the trash or restored whole, never half of a folder in each. Restoring an
        entry leaves the rest of the folder in the trash, restorable later.
        """
        ...

    def purge_trash(self, space: SpaceId, key: str | None = None, *, path: str = "") -> None:
        """Remove one item (``key``), one entry inside it (``key`` and ``path``) or
        the whole trash (None) for good. A purged entry stays gone when its folder
        is restored later."""
        ...


@runtime_checkable
class HasVersions(Protocol):
    """A driver that keeps earlier contents of overwritten files."""

    def list_versions(self, ref: Ref) -> list[Version]:
        """A file's earlier contents, newest first."""
        ...

    def open_version(self, ref: Ref, key: str) -> BinaryIO: ...

    def restore_version(self, ref: Ref, key: str) -> NodeInfo:
        """Make a version the current content; the current content becomes a
        version. Atomic, like any write."""
        ...


@runtime_checkable
class Watchable(Protocol):
    """A driver whose tree other programs may change (posix, CephFS)."""

    def changes(self, stop: threading.Event) -> Iterator[Change]:
        """Find outside changes, assimilate them, and yield them as they happen.

        Blocks; returns when ``stop`` is set. Starts with a scan of the whole
        tree (what changed while the server was down), then follows
        notifications or, where there are none, rescans periodically. The
        server's own writes MUST NOT be reported.
        """
        ...


@runtime_checkable
class Checkable(Protocol):
    """A driver that can verify (and repair) its own consistency."""

    def check(self, *, repair: bool = False) -> Iterator[Finding]: ...
