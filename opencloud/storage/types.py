"""Values that cross the storage port. All frozen msgspec Structs.

Paths inside a space are canonical (``opencloud.core.paths.normalize_path``): ``/``
for the root, ``/a/b`` below it. Sizes are bytes, times are integer nanoseconds
since the epoch (UTC), checksums are lower-case hex keyed by algorithm
(``sha1``, ``md5``, ``adler32``).
"""

from __future__ import annotations

from typing import Literal

import msgspec

from opencloud.core.ids import NodeId, SpaceId

NodeKind = Literal["file", "dir"]
#: ``system`` spaces hold the server's own records (the user directory, locks,
#: upload sessions); they are never listed to clients as drives.
SpaceKind = Literal["personal", "project", "system"]


class Ref(msgspec.Struct, frozen=True):
    """A place in a space: the space and a canonical path within it."""

    space: SpaceId
    path: str = "/"


class NodeInfo(msgspec.Struct, frozen=True, kw_only=True):
    """What a driver knows about one file or folder.

    ``size`` is the tree size for folders, kept by propagation. ``mtime_ns`` is the
    file's mtime, or the folder's tree mtime (it moves whenever anything below
    changes). ``etag`` is quoted and changes whenever the content (files) or
    anything below (folders) changes. ``parent_id`` is empty for a space root.
    """

    id: NodeId
    parent_id: NodeId | Literal[""]
    space: SpaceId
    path: str
    name: str
    kind: NodeKind
    size: int
    mtime_ns: int
    etag: str
    checksums: dict[str, str] = {}


class SpaceInfo(msgspec.Struct, frozen=True, kw_only=True):
    """A space as the storage sees it. The space id is also its root node's id."""

    id: SpaceId
    kind: SpaceKind
    name: str
    owner: str
    quota_bytes: int  # 0: unlimited
    root: NodeInfo


class Quota(msgspec.Struct, frozen=True, kw_only=True):
    """Usage of a space; ``total`` 0 means unlimited, then ``remaining`` is the free disk."""

    total: int
    used: int
    remaining: int


class TrashItem(msgspec.Struct, frozen=True, kw_only=True):
    """Something deleted, kept until restored or purged. ``key`` names it in the trash.

    An entry *inside* a trashed folder is described the same way: ``key`` is the
    folder's, ``path`` its place below it (``"sub/f.txt"``; ``""`` for the item
    itself), ``original_path`` where it lived before the folder was deleted, and
    ``deleted_ns`` the folder's deletion time.
    """

    key: str
    space: SpaceId
    node_id: NodeId
    original_path: str
    kind: NodeKind
    size: int
    deleted_ns: int
    path: str = ""


class Version(msgspec.Struct, frozen=True, kw_only=True):
    """An earlier content of a file. ``key`` names it among the file's versions."""

    key: str
    node_id: NodeId
    size: int
    mtime_ns: int
    etag: str
    checksums: dict[str, str] = {}


ChangeKind = Literal["created", "modified", "moved", "deleted"]


class Change(msgspec.Struct, frozen=True, kw_only=True):
    """A change made to the tree by another program, found by a watcher or a scan.

    It is reported after the driver has assimilated it (ids assigned, checksums
    computed, sizes propagated), so ``node`` is the state a client would now read.
    ``node`` is None for ``deleted``; ``old_path``/``old_parent_id`` are set for
    ``moved``.
    """

    kind: ChangeKind
    space: SpaceId
    node_id: NodeId
    parent_id: NodeId | Literal[""]
    path: str
    node: NodeInfo | None = None
    old_path: str = ""
    old_parent_id: NodeId | Literal[""] = ""


Severity = Literal["error", "warning"]


class Finding(msgspec.Struct, frozen=True, kw_only=True):
    """One problem found by a consistency check, and whether repair fixed it."""

    code: str  # stable, e.g. "duplicate-id", "treesize", "stale-temp"
    path: str  # path on the storage, for the administrator
    message: str
    severity: Severity = "error"
    repaired: bool = False
