"""PosixDriver: the embedded default storage driver.

A plain tree an administrator can read, back up and restore with ordinary tools;
metadata in ``user.oc.*`` extended attributes (see attrs.py); everything else
derived. The operations live in one module each (upload, moves, trash, versions,
scanner, watcher, check); this class wires them to the storage Protocols.
"""

from __future__ import annotations

import builtins
import contextlib
import fcntl
import os
import stat as statmod
import threading
import time
from collections.abc import Collection, Iterator, Mapping
from typing import BinaryIO, ClassVar, Self

import msgspec

from opencloud.core import errors
from opencloud.core.ids import NodeId, SpaceId
from opencloud.core.paths import RESERVED_ROOT_NAMES, check_name
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
from opencloud_driver_posix import check as check_mod
from opencloud_driver_posix import moves, scanner, trash, upload, versions, watcher, xattrs
from opencloud_driver_posix.attrs import (
    NodeAttrs,
    SpaceAttrs,
    read_node,
    read_space,
    to_info,
    write_node,
    write_space,
)
from opencloud_driver_posix.errnos import os_errors
from opencloud_driver_posix.ext import read_ext, write_ext
from opencloud_driver_posix.layout import Layout, ensure_space_dirs
from opencloud_driver_posix.options import PosixOptions, parse_options, resolve_root
from opencloud_driver_posix.tree import Located, Tree, disk_free, remove_path


class PosixDriver:
    """Implements StorageDriver, HasTrash, HasVersions, Watchable and Checkable."""

    name: ClassVar[str] = "posix"

    def __init__(self, options: PosixOptions) -> None:
        self.options = options
        self.layout = Layout(resolve_root(options))
        with os_errors(f"storage root {self.layout.root}"):
            self.layout.ensure()
        self._check_xattrs()
        self.lock_fd = os.open(self.layout.lock_file, os.O_RDWR | os.O_CREAT, 0o600)
        fcntl.flock(self.lock_fd, fcntl.LOCK_SH)
        self.tree = Tree(self.layout, options)
        self.scan_lock = threading.Lock()
        self.started_ns = time.time_ns()
        self._closed = False
        self.tree.index.load(self.layout.index_file)
        scanner.register_spaces(self.tree)

    @classmethod
    def from_options(cls, options: Mapping[str, object]) -> Self:
        return cls(parse_options(options))

    def _check_xattrs(self) -> None:
        probe = os.path.join(self.layout.state, f".xattr-probe-{os.getpid()}")
        with open(probe, "wb"):
            pass
        try:
            reason = xattrs.supported(probe)
        finally:
            os.unlink(probe)
        if reason is not None:
            raise errors.StorageUnavailable(
                f"the filesystem of {self.layout.root} does not support user extended "
                f"attributes ({reason}); opencloud keeps its metadata there. Use ext4, xfs, "
                "btrfs or CephFS, or mount with user_xattr."
            )

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        if self.tree.index.scanned:
            with contextlib.suppress(OSError):  # derived data: the next start rebuilds it
                self.tree.index.save(self.layout.index_file)
        os.close(self.lock_fd)

    # ---------------------------------------------------------------- spaces
    def create_space(
        self, space: SpaceId, *, kind: SpaceKind, name: str, owner: str, quota_bytes: int = 0
    ) -> SpaceInfo:
        check_name(space)
        if space.startswith("."):
            raise errors.InvalidName(f"{space!r} is not a valid space id")
        if quota_bytes < 0:
            raise errors.InvalidInput("a quota cannot be negative")
        existing = self.tree.index.spaces.get(space)
        if existing is not None:
            if kind == "personal" and existing == self.layout.space_dir(kind, space):
                return self.get_space(space)
            raise errors.AlreadyExists(f"space {space} already exists")
        space_dir = self.layout.space_dir(kind, space)
        with os_errors(f"space {space}"):
            os.mkdir(space_dir, 0o750)
            ensure_space_dirs(space_dir)
            write_node(
                space_dir,
                NodeAttrs(
                    id=space, spaceid=space, ino=os.lstat(space_dir).st_ino, tmtime=time.time_ns()
                ),
            )
            write_space(space_dir, SpaceAttrs(kind=kind, name=name, owner=owner, quota=quota_bytes))
        self.tree.index.add_space(space, space_dir)
        return self.get_space(space)

    def list_spaces(self) -> Iterator[SpaceInfo]:
        for space in sorted(self.tree.index.spaces):
            try:
                yield self.get_space(SpaceId(space))
            except errors.NotFound:
                continue

    def get_space(self, space: SpaceId) -> SpaceInfo:
        space_dir = self.tree.space_dir(space)
        with os_errors(f"space {space}"):
            attrs = read_space(space_dir)
            if attrs is None:
                raise errors.NotFound(f"space {space} not found")
            root = self.tree.stat(Located(space, space_dir, "/"))
        return SpaceInfo(
            id=space,
            kind=attrs.kind,
            name=attrs.name,
            owner=attrs.owner,
            quota_bytes=attrs.quota,
            root=root,
        )

    def set_quota(self, space: SpaceId, quota_bytes: int) -> SpaceInfo:
        if quota_bytes < 0:
            raise errors.InvalidInput("a quota cannot be negative")
        return self._change_space(space, quota=quota_bytes)

    def set_space_name(self, space: SpaceId, name: str) -> SpaceInfo:
        return self._change_space(space, name=name)

    def _change_space(self, space: SpaceId, **changes: object) -> SpaceInfo:
        """Rewrite fields of the space's record under its lock."""
        space_dir = self.tree.space_dir(space)
        with self.tree.locks(space), os_errors(f"space {space}"):
            attrs = read_space(space_dir)
            if attrs is None:
                raise errors.NotFound(f"space {space} not found")
            write_space(space_dir, msgspec.structs.replace(attrs, **changes))
        return self.get_space(space)

    def quota(self, space: SpaceId) -> Quota:
        info = self.get_space(space)
        used = info.root.size
        if info.quota_bytes:
            return Quota(
                total=info.quota_bytes, used=used, remaining=max(0, info.quota_bytes - used)
            )
        return Quota(total=0, used=used, remaining=disk_free(self.tree.space_dir(space)))

    def delete_space(self, space: SpaceId) -> None:
        space_dir = self.tree.space_dir(space)
        with self.tree.locks(space):
            remove_path(space_dir)
            self.tree.index.remove_space(space)

    # ---------------------------------------------------------------- read
    def stat(self, ref: Ref) -> NodeInfo:
        return self.tree.stat(self.tree.locate(ref))

    def stat_id(self, space: SpaceId, node: NodeId) -> NodeInfo:
        for attempt in range(2):
            ref = self.tree.ref_of(space, node)
            if ref is not None:
                try:
                    info = self.stat(ref)
                except (errors.NotFound, errors.Conflict):
                    info = None
                if info is not None and info.id == node:
                    return info
            if attempt == 0 and not self.ensure_scanned():
                break
        raise errors.NotFound(f"no item with id {node} in space {space}")

    def ensure_scanned(self) -> bool:
        """Run a full scan if none ran yet in this process; True if one ran now.

        This is what makes the index complete after a crash or a first start;
        concurrent callers wait for the one scan in progress.
        """
        with self.scan_lock:
            if self.tree.index.scanned:
                return False
            for _ in scanner.full_scan(self.tree):
                pass
            return True

    def list(self, ref: Ref) -> Iterator[NodeInfo]:
        where = self.tree.locate(ref)
        _attrs, st = self.tree.node(where)
        if not statmod.S_ISDIR(st.st_mode):
            raise errors.Conflict(f"{where.path}: not a folder")
        at_root = where.path == "/"
        with os_errors(where.path), os.scandir(where.abs) as entries:
            for entry in entries:
                if at_root and entry.name in RESERVED_ROOT_NAMES:
                    continue
                try:
                    child_st = entry.stat(follow_symlinks=False)
                    if not (statmod.S_ISREG(child_st.st_mode) or statmod.S_ISDIR(child_st.st_mode)):
                        continue  # symlinks, fifos, devices: never shown, never followed
                    child = where.child(entry.name)
                    child_attrs = read_node(entry.path)
                    if child_attrs is None or child_attrs.spaceid != where.space:
                        child_attrs = self.tree.assimilate(child, child_st)
                except FileNotFoundError:
                    continue  # removed while we listed
                yield to_info(child_attrs, child_st, path=child.path, name=entry.name)

    def open_read(self, ref: Ref) -> BinaryIO:
        where = self.tree.locate(ref)
        with os_errors(where.path):
            fd = os.open(where.abs, os.O_RDONLY | os.O_NOFOLLOW)
            st = os.fstat(fd)
            if not statmod.S_ISREG(st.st_mode):
                os.close(fd)
                raise errors.Conflict(f"{where.path}: not a file")
            return os.fdopen(fd, "rb")

    # ---------------------------------------------------------------- write
    def mkdir(self, ref: Ref) -> NodeInfo:
        where = self.tree.locate(ref, write=True)
        if where.path == "/":
            raise errors.AlreadyExists("the space root already exists")
        parent = where.parent()
        parent_attrs, _ = self.tree.folder(parent)
        attrs = self.tree.create_folder(where, parent_attrs.id)
        if attrs is None:
            raise errors.AlreadyExists(f"{where.path}: already exists")
        self.tree.propagate(parent, 0, start_id=parent_attrs.id)
        with os_errors(where.path):
            return self.tree.info(where, attrs, os.lstat(where.abs))

    def begin_upload(
        self,
        ref: Ref,
        *,
        size: int | None = None,
        if_match: str | None = None,
        if_none_match: str | None = None,
    ) -> upload.PosixUpload:
        return upload.begin(
            self.tree, ref, size=size, if_match=if_match, if_none_match=if_none_match
        )

    def move(self, src: Ref, dst: Ref, *, overwrite: bool = False) -> NodeInfo:
        return moves.move(self.tree, src, dst, overwrite=overwrite)

    def copy(self, src: Ref, dst: Ref, *, overwrite: bool = False) -> NodeInfo:
        return moves.copy(self.tree, src, dst, overwrite=overwrite)

    def delete(self, ref: Ref) -> TrashItem | None:
        return trash.delete(self.tree, ref)

    # ---------------------------------------------------------------- metadata
    def get_meta(self, ref: Ref, keys: Collection[str] | None = None) -> dict[str, bytes]:
        where = self.tree.locate(ref)
        attrs, _ = self.tree.node(where)
        with os_errors(where.path):
            values = read_ext(where.abs, where.space_dir, attrs)
        return values if keys is None else {k: v for k, v in values.items() if k in keys}

    def set_meta(
        self, ref: Ref, values: Mapping[str, bytes], *, remove: Collection[str] = ()
    ) -> None:
        for key in [*values, *remove]:
            if not key or len(key) > 1024 or not key.isprintable():
                raise errors.InvalidInput(f"invalid metadata key {key[:64]!r}")
        where = self.tree.locate(ref)
        attrs, _ = self.tree.node(where)
        with self.tree.locks(attrs.id), os_errors(where.path):
            attrs = read_node(where.abs) or attrs
            current = read_ext(where.abs, where.space_dir, attrs)
            current.update(values)
            for key in remove:
                current.pop(key, None)
            write_ext(where.abs, where.space_dir, attrs, current, self.options.ext_inline_limit)

    # ---------------------------------------------------------------- trash
    def list_trash(self, space: SpaceId) -> builtins.list[TrashItem]:
        return trash.list_items(self.tree, space)

    def stat_trash(self, space: SpaceId, key: str, path: str = "") -> TrashItem:
        return trash.stat_entry(self.tree, space, key, path)

    def list_trash_folder(
        self, space: SpaceId, key: str, path: str = ""
    ) -> builtins.list[TrashItem]:
        return trash.list_entries(self.tree, space, key, path)

    def restore_trash(
        self, space: SpaceId, key: str, *, path: str = "", dst: Ref | None = None
    ) -> NodeInfo:
        return trash.restore(self.tree, space, key, path=path, dst=dst)

    def purge_trash(self, space: SpaceId, key: str | None = None, *, path: str = "") -> None:
        trash.purge(self.tree, space, key, path=path)

    # ---------------------------------------------------------------- versions
    def list_versions(self, ref: Ref) -> builtins.list[Version]:
        return versions.list_versions(self.tree, ref)

    def open_version(self, ref: Ref, key: str) -> BinaryIO:
        return versions.open_version(self.tree, ref, key)

    def restore_version(self, ref: Ref, key: str) -> NodeInfo:
        return versions.restore_version(self.tree, ref, key)

    # ---------------------------------------------------------------- outside changes
    def changes(self, stop: threading.Event) -> Iterator[Change]:
        return watcher.changes(self, stop)

    def check(self, *, repair: bool = False) -> Iterator[Finding]:
        return check_mod.check(self, repair=repair)
