"""Move and copy.

**Move** is one ``rename`` inside a space: the inode travels with its record, so
the node keeps its id, and a folder's subtree is neither walked nor rewritten.
Only the moved node's record (``parentid``) and its one index entry change;
its descendants resolve through it. Moves between spaces raise NotSupported:
spaces may sit on different filesystems, and ids, quota and trash are per space.

**Copy** builds the whole result in the destination space's ``.oc-tmp`` (fresh
ids and complete records on every node) and puts it in place with one exclusive
rename, so readers see all of the copy or none of it.

Overwriting (``overwrite=True`` with the destination taken):

- move: the destination goes to the trash first, so nothing is lost;
- copy, file onto file: an *overwrite* of the destination, exactly like a PUT
  (it goes through ``upload``): the destination keeps its id, its metadata and
  gets its previous content kept as a version. This is what ownCloud/OpenCloud
  do for WebDAV COPY with ``Overwrite: T`` (reva's ocdav uploads onto the
  existing file), and what sync clients expect: a file id survives an overwrite;
- copy, any other combination (a folder on either side): the destination is
  trashed first and the copy placed with new ids (RFC 4918 §9.8.4: the
  destination is replaced).
"""

from __future__ import annotations

import contextlib
import errno
import os
import shutil
import stat as statmod
import time

from opencloud.core import errors
from opencloud.core.ids import new_node_id
from opencloud.core.paths import RESERVED_ROOT_NAMES
from opencloud.storage.types import NodeInfo, Ref
from opencloud_driver_posix import checksums, trash, upload
from opencloud_driver_posix.attrs import (
    NodeAttrs,
    content_changed,
    file_attrs,
    read_node,
    write_node,
)
from opencloud_driver_posix.errnos import os_errors
from opencloud_driver_posix.renames import rename_noreplace
from opencloud_driver_posix.tree import Located, Tree, check_quota

_ATTEMPTS = 3  # a destination that keeps reappearing between trash and rename
_CHUNK = 1 << 20
_NO_FAST_COPY = {errno.EXDEV, errno.EINVAL, errno.ENOSYS, errno.EOPNOTSUPP, errno.ENOTSUP}

Entry = tuple[str, str, str]  # (node id, parent id, name) for the index


# ---------------------------------------------------------------- move
def move(tree: Tree, src: Ref, dst: Ref, *, overwrite: bool) -> NodeInfo:
    """Rename or move ``src`` to ``dst`` in the same space; returns the node at
    its new place, with its id unchanged.

    Raises NotSupported across spaces, PermissionDenied for a space root (as
    source or destination), Conflict when the source and destination are the
    same, when a folder would go into itself or the destination contains the
    source, or when the destination's parent is missing or not a folder;
    AlreadyExists when the destination is taken and not ``overwrite`` (with
    ``overwrite`` it is trashed first); NotFound when there is no source.

    Locking: the lock of the folder that holds the *source* name is held around
    the rename, and no other lock. That is the name that disappears, and every
    writer that could act on it (an upload replacing the file and reusing its
    id, a delete, another move) takes that same lock; without it an upload could
    give the moved node's id to new content at the old path. The destination
    side needs no lock because the rename is exclusive (RENAME_NOREPLACE): if a
    writer created the name meanwhile, the move fails (or, with ``overwrite``,
    trashes the newcomer and retries). Taking both parents' locks would break
    the one-lock-at-a-time rule that keeps the striped locks deadlock-free.

    Propagation runs after the lock is released: within one folder the folder
    gets a new tree mtime (size unchanged); across folders the old parent chain
    loses the node's size (file blobsize or folder treesize) and the new one
    gains it.
    """
    if src.space != dst.space:
        raise errors.NotSupported(
            "moves across spaces are not supported; copy the item and delete the original"
        )
    s, d = tree.locate(src), tree.locate(dst, write=True)
    _refuse_overlap(s, d, verb="move")
    tree.node(s)  # NotFound without a source; records one made by another program
    src_parent, dst_parent = s.parent(), d.parent()
    sp_attrs, _ = tree.folder(src_parent)
    dp_attrs, _ = tree.folder(dst_parent)
    for _attempt in range(_ATTEMPTS):
        if os.path.lexists(d.abs):
            if not overwrite:
                raise errors.AlreadyExists(f"{d.path}: already exists")
            with contextlib.suppress(errors.NotFound):
                trash.delete(tree, dst)
        placed = _rename_node(tree, s, d, sp_attrs.id, dp_attrs.id)
        if placed is not None:
            attrs, st = placed
            break
    else:
        raise errors.Conflict(f"{d.path}: the destination kept changing; try again")
    if sp_attrs.id == dp_attrs.id:
        tree.propagate(dst_parent, 0)
    else:
        size = attrs.treesize if statmod.S_ISDIR(st.st_mode) else attrs.blobsize
        tree.propagate(src_parent, -size)
        tree.propagate(dst_parent, size)
    return tree.info(d, attrs, st)


def _rename_node(
    tree: Tree, s: Located, d: Located, src_parent_id: str, dst_parent_id: str
) -> tuple[NodeAttrs, os.stat_result] | None:
    """The rename itself, under the source parent's lock; None when the
    destination name was taken meanwhile. Record and index change first and
    are reverted when the rename fails."""
    with tree.locks(src_parent_id), os_errors(s.path):
        os.lstat(s.abs)  # NotFound if someone else moved or deleted it meanwhile
        attrs = read_node(s.abs)
        if attrs is None:
            raise errors.Conflict(f"{s.path}: changed while being moved; try again")
        _check_parent(d, dst_parent_id)
        old_parent = attrs.parentid
        old_entry = tree.index.get(attrs.id)
        if old_parent != dst_parent_id:
            attrs.parentid = dst_parent_id
            write_node(s.abs, attrs)
        tree.index.add(attrs.id, dst_parent_id, d.name)
        try:
            rename_noreplace(s.abs, d.abs)
        except BaseException as exc:
            if old_entry is not None:
                tree.index.add(attrs.id, *old_entry)
            else:
                tree.index.remove(attrs.id)
            if old_parent != dst_parent_id:
                attrs.parentid = old_parent
                write_node(s.abs, attrs)
            if isinstance(exc, FileExistsError):
                return None
            raise
        return attrs, os.lstat(d.abs)


def _check_parent(d: Located, parent_id: str) -> None:
    """Conflict if the destination's parent folder is no longer the one resolved
    earlier (moved or replaced meanwhile): the record would name a wrong parent."""
    current = read_node(d.parent().abs)
    if current is None or current.id != parent_id:
        raise errors.Conflict(f"{d.parent().path}: the destination folder changed; try again")


def _below(path: str, ancestor: str) -> bool:
    return path.startswith(ancestor.rstrip("/") + "/")


def _refuse_overlap(s: Located, d: Located, *, verb: str) -> None:
    """The checks move and copy share: no space root as destination (or as a
    moved source), and within one space no overlap of source and destination."""
    if d.path == "/":
        raise errors.PermissionDenied("a space root cannot be replaced")
    if verb == "move" and s.path == "/":
        raise errors.PermissionDenied("a space root cannot be moved")
    if s.space != d.space:
        return
    if d.path == s.path:
        raise errors.Conflict(f"cannot {verb} {s.path} onto itself")
    if _below(d.path, s.path):
        raise errors.Conflict(f"cannot {verb} the folder {s.path} into itself")
    if _below(s.path, d.path):
        raise errors.Conflict(f"cannot {verb} {s.path} over {d.path}, which contains it")


# ---------------------------------------------------------------- copy
def copy(tree: Tree, src: Ref, dst: Ref, *, overwrite: bool) -> NodeInfo:
    """Copy the file or folder tree at ``src`` to ``dst`` (any space); returns
    the copy. Every new node gets a new id; file mtimes and content are kept.
    Growing metadata (dead properties, grants) is not copied: the service
    decides what a copy inherits.

    Raises PermissionDenied for a space root as destination, Conflict for a copy
    onto itself, into itself or over a folder that contains the source, and for
    a missing destination parent; AlreadyExists when the destination is taken
    and not ``overwrite``; QuotaExceeded (checked before any byte is copied)
    when the destination space cannot take it. Overwrite semantics: see the
    module docstring.
    """
    s, d = tree.locate(src), tree.locate(dst, write=True)
    _refuse_overlap(s, d, verb="copy")
    src_attrs, src_st = tree.node(s)
    dp_attrs, _ = tree.folder(d.parent())
    existing = _lstat(d.abs)
    if existing is not None and not overwrite:
        raise errors.AlreadyExists(f"{d.path}: already exists")
    is_dir = statmod.S_ISDIR(src_st.st_mode)
    if not is_dir and existing is not None and statmod.S_ISREG(existing.st_mode):
        return _copy_over_file(tree, s, dst)
    with os_errors(d.path):
        replaced = read_node(d.abs) if existing is not None else None
    freed = 0 if replaced is None else replaced.treesize or replaced.blobsize
    check_quota(tree, d, (src_attrs.treesize if is_dir else src_st.st_size) - freed)
    temp = tree.temp_path(d.space_dir)
    node = new_node_id()
    try:
        with os_errors(d.path):
            if is_dir:
                attrs, entries = _copy_tree(
                    tree,
                    s,
                    temp,
                    node=node,
                    parent_id=dp_attrs.id,
                    space=d.space,
                    skip_reserved=s.path == "/",
                )
                size = attrs.treesize
            else:
                attrs = _copy_file(
                    tree, s.abs, temp, node=node, parent_id=dp_attrs.id, space=d.space
                )
                entries, size = [], attrs.blobsize
            entries.insert(0, (node, dp_attrs.id, d.name))
        for _attempt in range(_ATTEMPTS):
            if existing is not None:
                with contextlib.suppress(errors.NotFound):
                    trash.delete(tree, dst)
            st = _place(tree, d, dp_attrs.id, temp, entries)
            if st is not None:
                break
            if not overwrite:
                raise errors.AlreadyExists(f"{d.path}: already exists")
            existing = _lstat(d.abs)
        else:
            raise errors.Conflict(f"{d.path}: the destination kept changing; try again")
    except BaseException:
        _remove_quietly(temp)
        raise
    tree.propagate(d.parent(), size)
    return tree.info(d, attrs, st)


def _lstat(path: str) -> os.stat_result | None:
    try:
        return os.lstat(path)
    except FileNotFoundError:
        return None


def _remove_quietly(path: str) -> None:
    """Remove a staged file or tree (already placed: gone from here, fine)."""
    with contextlib.suppress(OSError):
        if statmod.S_ISDIR(os.lstat(path).st_mode):
            shutil.rmtree(path)
        else:
            os.unlink(path)


def _place(
    tree: Tree, d: Located, parent_id: str, temp: str, entries: list[Entry]
) -> os.stat_result | None:
    """Put the staged ``temp`` at ``d`` with one exclusive rename, under the
    destination parent's lock, indexing every new node first (and forgetting
    them again if the rename fails). None when the name was taken meanwhile."""
    with tree.locks(parent_id), os_errors(d.path):
        _check_parent(d, parent_id)
        for node, parent, name in entries:
            tree.index.add(node, parent, name)
        try:
            rename_noreplace(temp, d.abs)
        except BaseException as exc:
            for node, _parent, _name in entries:
                tree.index.remove(node)
            if isinstance(exc, FileExistsError):
                return None
            raise
        return os.lstat(d.abs)


def _copy_over_file(tree: Tree, s: Located, dst: Ref) -> NodeInfo:
    """File onto an existing file: an overwrite through ``upload``, so the target
    keeps its id and metadata and its old content becomes a version, with the
    same checks (quota, a folder appearing meanwhile) as a PUT."""
    with os_errors(s.path):
        fd = os.open(s.abs, os.O_RDONLY | os.O_NOFOLLOW)
    try:
        with os_errors(s.path):
            st = os.fstat(fd)
        staged = upload.begin(tree, dst, size=st.st_size, if_match=None, if_none_match=None)
        try:
            offset = 0
            while offset < st.st_size:
                with os_errors(s.path):
                    chunk = os.pread(fd, min(_CHUNK, st.st_size - offset), offset)
                if not chunk:
                    break
                staged.write(chunk)
                offset += len(chunk)
            if offset != st.st_size:
                raise errors.Conflict(f"{s.path}: changed while being copied; try again")
        except BaseException:
            staged.abort()
            raise
        return staged.commit(mtime_ns=st.st_mtime_ns)
    finally:
        os.close(fd)


def _copy_file(
    tree: Tree, src_abs: str, dst_abs: str, *, node: str, parent_id: str, space: str
) -> NodeAttrs:
    """Copy one file's bytes to the new file ``dst_abs`` and write its record.

    The mtime is kept. Checksums come from the source's record when that record
    still describes the bytes copied (same mtime and size before and after the
    copy); otherwise they are computed from the copy. OSError escapes (callers
    translate it).
    """
    src_fd = os.open(src_abs, os.O_RDONLY | os.O_NOFOLLOW)
    try:
        before = os.fstat(src_fd)
        if not statmod.S_ISREG(before.st_mode):
            raise errors.Conflict(f"{src_abs}: not a file")
        record = read_node(src_fd)
        dst_fd = os.open(dst_abs, os.O_RDWR | os.O_CREAT | os.O_EXCL, 0o644)
        try:
            copy_bytes(src_fd, dst_fd)
            after = os.fstat(src_fd)
            os.utime(dst_fd, ns=(time.time_ns(), before.st_mtime_ns))
            same = (after.st_mtime_ns, after.st_size) == (before.st_mtime_ns, before.st_size)
            if record is not None and record.sha1 and same and not content_changed(record, before):
                sums = {"sha1": record.sha1, "md5": record.md5, "adler32": record.adler32}
            else:
                sums = checksums.hash_fd(dst_fd)
            attrs = file_attrs(node, parent_id, space, os.fstat(dst_fd), sums)
            write_node(dst_fd, attrs)
            if tree.options.fsync:
                os.fsync(dst_fd)
        finally:
            os.close(dst_fd)
    finally:
        os.close(src_fd)
    return attrs


def copy_bytes(src_fd: int, dst_fd: int) -> None:
    """Copy everything from ``src_fd`` (from offset 0, to its end) into the empty
    ``dst_fd``: ``copy_file_range`` (in-kernel; reflinks where the filesystem
    can), else ``sendfile``, else ``pread``/``write``. A method the kernel or
    filesystem refuses is dropped for the next, starting over."""
    for method in (_by_copy_file_range, _by_sendfile):
        try:
            method(src_fd, dst_fd)
            return
        except OSError as exc:
            if exc.errno not in _NO_FAST_COPY:
                raise
            os.ftruncate(dst_fd, 0)
            os.lseek(dst_fd, 0, os.SEEK_SET)
    _by_read_write(src_fd, dst_fd)


def _by_copy_file_range(src_fd: int, dst_fd: int) -> None:
    offset = 0
    while n := os.copy_file_range(src_fd, dst_fd, 1 << 30, offset, offset):
        offset += n


def _by_sendfile(src_fd: int, dst_fd: int) -> None:
    offset = 0
    while n := os.sendfile(dst_fd, src_fd, offset, 1 << 30):
        offset += n


def _by_read_write(src_fd: int, dst_fd: int) -> None:
    offset = 0
    while chunk := os.pread(src_fd, _CHUNK, offset):
        view = memoryview(chunk)
        while view:
            view = view[os.write(dst_fd, view) :]
        offset += len(chunk)


class _Folder:
    """One folder of a tree being copied."""

    __slots__ = ("dst", "id", "parent", "src", "total")

    def __init__(self, src: str, dst: str, node: str, parent: _Folder | None) -> None:
        self.src, self.dst, self.id, self.parent = src, dst, node, parent
        self.total = 0


def _copy_tree(
    tree: Tree,
    s: Located,
    temp: str,
    *,
    node: str,
    parent_id: str,
    space: str,
    skip_reserved: bool,
) -> tuple[NodeAttrs, list[Entry]]:
    """Copy the folder ``s`` to the new folder ``temp`` with fresh ids.

    Iterative (a hostile client can nest folders deeper than Python recurses).
    Folders are created top-down; their records, with exact tree sizes, are
    written bottom-up once everything below is copied. Symlinks and special
    files are skipped, never followed. Returns the top record and the index
    entries of every node below it. OSError escapes.
    """
    top = _Folder(s.abs, temp, node, None)
    os.mkdir(temp, 0o755)
    pending, done = [top], []
    entries: list[Entry] = []
    while pending:
        folder = pending.pop()
        done.append(folder)
        with os.scandir(folder.src) as listing:
            for entry in listing:
                if skip_reserved and folder is top and entry.name in RESERVED_ROOT_NAMES:
                    continue
                st = entry.stat(follow_symlinks=False)
                target = os.path.join(folder.dst, entry.name)
                child_id = new_node_id()
                if statmod.S_ISDIR(st.st_mode):
                    os.mkdir(target, 0o755)
                    pending.append(_Folder(entry.path, target, child_id, folder))
                elif statmod.S_ISREG(st.st_mode):
                    attrs = _copy_file(
                        tree, entry.path, target, node=child_id, parent_id=folder.id, space=space
                    )
                    folder.total += attrs.blobsize
                else:
                    continue
                entries.append((child_id, folder.id, entry.name))
    top_attrs = NodeAttrs(id=node, spaceid=space)
    for folder in reversed(done):  # children were created after their parents
        attrs = NodeAttrs(
            id=folder.id,
            parentid=folder.parent.id if folder.parent else parent_id,
            spaceid=space,
            ino=os.lstat(folder.dst).st_ino,
            tmtime=time.time_ns(),
            treesize=folder.total,
        )
        write_node(folder.dst, attrs)
        if folder.parent is not None:
            folder.parent.total += folder.total
        else:
            top_attrs = attrs
    return top_attrs, entries
