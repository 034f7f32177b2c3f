"""The shared context of every posix operation: where a ref lives on disk, how a
node's record is read (assimilating what other programs put there), and how
changes propagate to the space root.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import stat as statmod
import time
import uuid
from collections import deque
from collections.abc import Iterator

import msgspec

from opencloud.core import errors
from opencloud.core.ids import NodeId, SpaceId, new_node_id
from opencloud.core.paths import base_name, join_path, normalize_path, parent_path, split_path
from opencloud.storage.types import NodeInfo, Ref
from opencloud_driver_posix import checksums
from opencloud_driver_posix.attrs import (
    NodeAttrs,
    SpaceAttrs,
    content_changed,
    file_attrs,
    next_tmtime,
    read_node,
    read_space,
    to_info,
    write_node,
)
from opencloud_driver_posix.errnos import os_errors
from opencloud_driver_posix.index import NodeIndex
from opencloud_driver_posix.layout import Layout, tmp_dir
from opencloud_driver_posix.locks import NodeLocks
from opencloud_driver_posix.options import PosixOptions
from opencloud_driver_posix.own_writes import OwnWrites
from opencloud_driver_posix.renames import rename_noreplace

#: How many read-discovered entries wait for the watcher at most.
DISCOVERED_MAX = 10_000


class Located:
    """A ref resolved to disk: ``abs`` is the absolute path (str, byte-exact names)."""

    __slots__ = ("abs", "path", "space", "space_dir")

    def __init__(self, space: SpaceId, space_dir: str, path: str) -> None:
        self.space = space
        self.space_dir = space_dir
        self.path = path
        self.abs = space_dir if path == "/" else space_dir + path

    def child(self, name: str) -> Located:
        return Located(self.space, self.space_dir, join_path(self.path, name))

    def parent(self) -> Located:
        return Located(self.space, self.space_dir, parent_path(self.path))

    @property
    def name(self) -> str:
        return base_name(self.path)


class Adopted:
    """What ``Tree.adopt`` recorded: the top record, its size, and every node
    recorded (top first), for the changes a watcher reports."""

    __slots__ = ("attrs", "created", "size")

    def __init__(self) -> None:
        self.attrs = NodeAttrs(id="", spaceid="")
        self.size = 0
        self.created: list[tuple[Located, NodeAttrs]] = []


class Tree:
    def __init__(self, layout: Layout, options: PosixOptions) -> None:
        self.layout = layout
        self.options = options
        self.index = NodeIndex()
        self.locks = NodeLocks()
        self.own_writes = OwnWrites()
        #: entries other programs made that a read found before the watcher did
        #: (``assimilate``); the watcher announces them, since by the time its
        #: own event is handled the entry looks known and would pass unheard.
        #: Filled only while a watcher runs; bounded (an overflow rescan is the
        #: watcher's remedy for anything lost).
        self.discovered: deque[tuple[Located, NodeAttrs]] = deque(maxlen=DISCOVERED_MAX)

    # ---- locating
    def space_dir(self, space: str) -> str:
        found = self.index.spaces.get(space)
        if found is None:
            found = self._space_on_disk(space)
        if found is None:
            raise errors.NotFound(f"space {space} not found")
        return found

    def _space_on_disk(self, space: str) -> str | None:
        """A space another process created (``opencloud users add`` while the
        server runs) is not in this process's index yet: look for it on disk,
        and index it when it is a complete space."""
        if not space or "/" in space or space in (".", ".."):
            return None
        for _kind, parent in self.layout.kind_dirs():
            candidate = os.path.join(parent, space)
            attrs = read_node(candidate) if os.path.isdir(candidate) else None
            if attrs is not None and attrs.id == space and read_space(candidate) is not None:
                self.index.add_space(space, candidate)
                return candidate
        return None

    def locate(self, ref: Ref, *, write: bool = False) -> Located:
        """Resolve a ref, refusing bad names and any path through a symlink.

        Intermediate folders are checked with ``lstat``: the kernel would follow a
        symlink another program put in the tree, and that must never lead a client
        outside its space. A missing or non-folder ancestor is NotFound for a read
        (GET/PROPFIND answer 404) and Conflict for a write (``write``: MKCOL and
        PUT answer 409, RFC 4918).
        """
        missing: type[errors.OpenCloudError] = errors.Conflict if write else errors.NotFound
        names = split_path(ref.path)
        where = Located(ref.space, self.space_dir(ref.space), "/" + "/".join(names))
        current = where.space_dir
        for name in names[:-1]:
            current = os.path.join(current, name)
            try:
                st = os.lstat(current)
            except FileNotFoundError:
                raise missing(f"{parent_path(where.path)}: parent folder not found") from None
            except NotADirectoryError:
                raise missing(f"{where.path}: a parent is not a folder") from None
            if not statmod.S_ISDIR(st.st_mode):
                raise missing(f"{where.path}: a parent is not a folder")
        return where

    # ---- reading records
    def lstat(self, where: Located) -> os.stat_result:
        """lstat of a regular file or folder; anything else counts as not found."""
        with os_errors(where.path):
            st = os.lstat(where.abs)
        if not (statmod.S_ISDIR(st.st_mode) or statmod.S_ISREG(st.st_mode)):
            raise errors.NotFound(f"{where.path}: not found")
        return st

    def record(self, where: Located, st: os.stat_result) -> NodeAttrs:
        """The node record at ``where``, assimilating the entry if it has none."""
        with os_errors(where.path):
            attrs = read_node(where.abs)
        if attrs is None or attrs.spaceid != where.space:
            attrs = self.assimilate(where, st)
        return attrs

    def node(self, where: Located) -> tuple[NodeAttrs, os.stat_result]:
        st = self.lstat(where)
        return self.record(where, st), st

    def info(self, where: Located, attrs: NodeAttrs, st: os.stat_result) -> NodeInfo:
        return to_info(attrs, st, path=where.path, name=where.name)

    def stat(self, where: Located) -> NodeInfo:
        attrs, st = self.node(where)
        return self.info(where, attrs, st)

    def folder(self, where: Located) -> tuple[NodeAttrs, os.stat_result]:
        """The record of a folder that must exist (Conflict when missing: a parent)."""
        try:
            attrs, st = self.node(where)
        except errors.NotFound:
            raise errors.Conflict(f"{where.path}: parent folder not found") from None
        if not statmod.S_ISDIR(st.st_mode):
            raise errors.Conflict(f"{where.path}: not a folder")
        return attrs, st

    # ---- assimilation of entries made by other programs
    def assimilate(self, where: Located, st: os.stat_result) -> NodeAttrs:
        """Give an entry without a record (or with another space's) a new id and
        record, under its parent's lock. Folders are assimilated recursively."""
        if where.path == "/":
            raise errors.StorageUnavailable(f"space root {where.space_dir} has no record")
        parent_where = where.parent()
        parent_attrs, _ = self.folder(parent_where)
        with self.locks(parent_attrs.id):
            current = read_node(where.abs)
            if current is not None and current.spaceid == where.space:
                return current  # another thread won
            attrs, size = self._assimilate_one(where, parent_attrs.id, st)
        self.propagate(parent_where, size)
        return attrs

    def _assimilate_one(
        self, where: Located, parent_id: str, st: os.stat_result
    ) -> tuple[NodeAttrs, int]:
        adopted = self.adopt(where, parent_id, st, new_ids=True)
        if self.own_writes.active:  # a watcher runs and will announce them
            self.discovered.extend(adopted.created)
        return adopted.attrs, adopted.size

    def adopt(
        self, where: Located, parent_id: str, st: os.stat_result, *, new_ids: bool
    ) -> Adopted:
        """Record an entry found on disk, and everything below it if a folder.

        Each node keeps the id its record carries unless ``new_ids`` (a copy made
        by another program: the copy must not share the original's ids) or it has
        no record of this space. Checksums are recomputed only for files whose
        content no longer matches their record. Every node is indexed; nothing is
        propagated (the caller adds ``size`` to the parent).
        """
        record = read_node(where.abs)
        usable = record is not None and record.spaceid == where.space
        node = record.id if usable and not new_ids and record is not None else new_node_id()
        adopted = Adopted()
        if statmod.S_ISDIR(st.st_mode):
            total = 0
            with os.scandir(where.abs) as entries:
                for entry in entries:
                    child_st = entry.stat(follow_symlinks=False)
                    if not (statmod.S_ISDIR(child_st.st_mode) or statmod.S_ISREG(child_st.st_mode)):
                        continue
                    child = self.adopt(where.child(entry.name), node, child_st, new_ids=new_ids)
                    total += child.size
                    adopted.created += child.created
            attrs = NodeAttrs(
                id=node,
                parentid=parent_id,
                spaceid=where.space,
                ino=st.st_ino,
                tmtime=next_tmtime(record.tmtime if usable and record else 0),
                treesize=total,
            )
            if usable and record is not None:
                attrs.offloaded = record.offloaded
            write_node(where.abs, attrs)
        elif usable and record is not None and not content_changed(record, st):
            attrs = msgspec.structs.replace(record, id=node, parentid=parent_id, ino=st.st_ino)
            write_node(where.abs, attrs)
            total = attrs.blobsize
        else:
            attrs = self.file_record(where.abs, node, parent_id, where.space)
            total = attrs.blobsize
        self.index.add(node, parent_id, where.name)
        adopted.attrs = attrs
        adopted.size = total
        adopted.created.insert(0, (where, attrs))
        return adopted

    def file_record(self, abs_path: str, node: str, parent_id: str, space: str) -> NodeAttrs:
        """Checksum a file in place and write its record (keeping its id)."""
        fd = os.open(abs_path, os.O_RDONLY | os.O_NOFOLLOW)
        try:
            sums = checksums.hash_fd(fd)
            st = os.fstat(fd)
            attrs = file_attrs(node, parent_id, space, st, sums)
            write_node(fd, attrs)
        finally:
            os.close(fd)
        return attrs

    # ---- propagation
    def propagate(self, start: Located, size_diff: int, *, start_id: str | None = None) -> None:
        """Update tree mtime and tree size of ``start`` and every ancestor up to
        the space root, one level at a time, each under its own lock.

        ``start_id`` (the caller usually knows it) saves reading the first record
        twice; above it, each level's id is the ``parentid`` just read under the
        lock, so every level costs one read and one write. A folder that vanished
        meanwhile ends the walk: the next scan repairs what is above it (there is
        no cross-folder transaction, as in OpenCloud).
        """
        where: Located | None = start
        node_id = start_id
        while where is not None:
            try:
                if node_id is None:
                    found = read_node(where.abs)
                    if found is None:
                        return
                    node_id = found.id
                with self.locks(node_id):
                    attrs = read_node(where.abs)
                    if attrs is None:
                        return
                    if attrs.id != node_id:  # the path holds another folder now
                        node_id = None
                        continue
                    attrs.tmtime = next_tmtime(attrs.tmtime)
                    # Not clamped: concurrent writers propagate in any order, and a
                    # diff that arrives early (-a before +a) must not be lost.
                    # Readers clamp (to_info).
                    attrs.treesize += size_diff
                    write_node(where.abs, attrs)
            except FileNotFoundError:
                return
            node_id = attrs.parentid or None
            where = None if where.path == "/" else where.parent()

    # ---- creating folders
    def create_folder(self, where: Located, parent_id: str) -> NodeAttrs | None:
        """Create one folder with its record in one visible step, or None when
        the name is taken.

        The folder is made in ``.oc-tmp``, given its record, indexed, and renamed
        into place with RENAME_NOREPLACE under its parent's lock: no program (the
        watcher included) ever sees it without its record, and two creators
        cannot both succeed. Nothing is propagated; the caller does that.
        """
        temp = self.temp_path(where.space_dir)
        with os_errors(where.path):
            os.mkdir(temp, 0o755)
            attrs = NodeAttrs(
                id=new_node_id(),
                parentid=parent_id,
                spaceid=where.space,
                ino=os.lstat(temp).st_ino,
                tmtime=time.time_ns(),
            )
            write_node(temp, attrs)
            with self.locks(parent_id):
                self.index.add(attrs.id, parent_id, where.name)
                try:
                    rename_noreplace(temp, where.abs)
                except BaseException as exc:
                    self.index.remove(attrs.id)
                    os.rmdir(temp)
                    if isinstance(exc, FileExistsError):
                        return None
                    raise
        return attrs

    # ---- staging
    def stale_temps(self, before_ns: int) -> Iterator[str]:
        """Staging entries (files or folders) last changed before ``before_ns``:
        what interrupted writes left behind."""
        for space_dir in list(self.index.spaces.values()):
            with contextlib.suppress(FileNotFoundError), os.scandir(tmp_dir(space_dir)) as entries:
                for entry in entries:
                    with contextlib.suppress(FileNotFoundError):
                        if entry.stat(follow_symlinks=False).st_mtime_ns < before_ns:
                            yield entry.path

    def temp_path(self, space_dir: str) -> str:
        return os.path.join(tmp_dir(space_dir), uuid.uuid4().hex)

    def ref_of(self, space: SpaceId, node: NodeId) -> Ref | None:
        found = self.index.resolve(node)
        if found is None or found[0] != space:
            return None
        return Ref(space, normalize_path(found[1]))


def remove_path(path: str) -> None:
    """Remove a file or a whole tree (never following symlinks); gone is fine."""
    with contextlib.suppress(FileNotFoundError):
        if statmod.S_ISDIR(os.lstat(path).st_mode):
            shutil.rmtree(path)
        else:
            os.unlink(path)


def disk_free(path: str) -> int:
    st = os.statvfs(path)
    return st.f_bavail * st.f_frsize


def over_quota(where: Located, detail: str) -> errors.QuotaExceeded:
    """The refusal, naming the space as it is called now (its record) and by id."""
    attrs = read_space(where.space_dir)
    name = f"{attrs.name!r} " if attrs is not None and attrs.name else ""
    return errors.QuotaExceeded(
        f"space {name}({where.space}) is over its quota: {detail}", space=where.space
    )


def check_quota(
    tree: Tree,
    where: Located,
    adding: int,
    *,
    disk: bool = True,
    records: tuple[SpaceAttrs | None, NodeAttrs | None] | None = None,
) -> None:
    """Raise QuotaExceeded if ``adding`` more bytes would exceed the space's quota
    or (``disk``) the free disk. ``adding`` may be negative (an overwrite with less).
    ``records``: the space's record and its root's, when the caller has just
    read them (two attribute reads fewer)."""
    if adding <= 0:
        return
    if records is None:
        records = read_space(where.space_dir), read_node(where.space_dir)
    space_attrs, root = records
    if space_attrs is None or root is None:
        raise errors.StorageUnavailable(f"space {where.space} has no root record")
    quota, used = space_attrs.quota, root.treesize
    if quota > 0 and used + adding > quota:
        raise over_quota(where, f"{adding} bytes needed, {max(0, quota - used)} left of {quota}")
    if disk and adding > disk_free(where.space_dir):
        raise errors.QuotaExceeded(
            f"not enough free disk for space {where.space}", space=where.space
        )
