"""Staged, atomic writes.

1. ``begin``: check the name, the parent and (when the size is known) the quota;
   open a temp file in the space's ``.oc-tmp`` (same filesystem, so the final
   step is a rename, and outside the watched tree).
2. ``write``: append, hash (sha1, md5, adler32) as the bytes pass, stop at quota.
3. ``commit``: fsync; verify the client's checksum; then, under the lock of the
   folder that holds the name: check If-Match / If-None-Match against the
   current file, keep the current inode as a version (a hard link: no copy),
   set the mtime and the node record on the temp inode, and rename it over the
   name. A new name is placed with RENAME_NOREPLACE; if it appeared meanwhile
   the commit becomes an overwrite (the last writer wins, the earlier content
   is a version), unless If-None-Match: * forbids that.

A crash at any point leaves the old file or the new one under the name, never a
partial one; what is left in ``.oc-tmp`` is removed at the next start.
"""

from __future__ import annotations

import contextlib
import os
import stat as statmod
import time

from opencloud.core import errors
from opencloud.core.ids import new_node_id
from opencloud.storage.types import NodeInfo, Ref
from opencloud_driver_posix import versions
from opencloud_driver_posix.attrs import (
    NodeAttrs,
    etag_for,
    file_attrs,
    read_node,
    read_space,
    write_node,
)
from opencloud_driver_posix.checksums import ALGORITHMS, Hasher
from opencloud_driver_posix.errnos import os_errors, translate_os_error
from opencloud_driver_posix.renames import rename_noreplace
from opencloud_driver_posix.tree import Located, Tree, check_quota, over_quota


def begin(
    tree: Tree,
    ref: Ref,
    *,
    size: int | None,
    if_match: str | None,
    if_none_match: str | None,
) -> PosixUpload:
    where = tree.locate(ref, write=True)
    if where.path == "/":
        raise errors.Conflict("cannot write file content to a space root")
    if size is not None and size < 0:
        raise errors.InvalidInput("a size cannot be negative")
    tree.folder(where.parent())
    existing = _existing(where)
    if existing is not None and statmod.S_ISDIR(existing.st_mode):
        raise errors.Conflict(f"{where.path}: is a folder")
    record = read_node(where.abs) if existing is not None and (if_match or if_none_match) else None
    _check_conditions(where, existing, record, if_match, if_none_match)
    replaced = existing.st_size if existing is not None else 0
    space, root = read_space(where.space_dir), read_node(where.space_dir)
    allowance = None
    if space is not None and root is not None and space.quota > 0:
        allowance = max(0, space.quota - root.treesize + replaced)
    if size is not None:
        check_quota(tree, where, size - replaced, records=(space, root))
    return PosixUpload(
        tree,
        where,
        size=size,
        if_match=if_match,
        if_none_match=if_none_match,
        replaced=replaced,
        allowance=allowance,
        keep_versions=space is None or space.kind != "system",
    )


def _existing(where: Located) -> os.stat_result | None:
    try:
        return os.lstat(where.abs)
    except FileNotFoundError:
        return None


def _check_conditions(
    where: Located,
    st: os.stat_result | None,
    attrs: NodeAttrs | None,
    if_match: str | None,
    if_none_match: str | None,
) -> None:
    """``attrs`` is the current file's record (None when there is no file)."""
    current = etag_for(attrs, is_dir=False) if attrs is not None else None
    if if_match is not None:
        wanted = {t.strip() for t in if_match.split(",")}
        if st is None or (wanted != {"*"} and current not in wanted):
            raise errors.PreconditionFailed(f"{where.path}: the file changed (If-Match)")
    if if_none_match is not None and st is not None:
        unwanted = {t.strip() for t in if_none_match.split(",")}
        if "*" in unwanted or current in unwanted:
            raise errors.PreconditionFailed(f"{where.path}: the file exists (If-None-Match)")


class PosixUpload:
    """One staged write; see the module docstring for the protocol."""

    def __init__(
        self,
        tree: Tree,
        where: Located,
        *,
        size: int | None,
        if_match: str | None,
        if_none_match: str | None,
        replaced: int,
        allowance: int | None,
        keep_versions: bool = True,
    ) -> None:
        """``replaced``: bytes of the file this write replaces; ``allowance``: bytes
        the space's quota lets it write (None: no quota). Both read by ``begin``
        once, so writing costs no metadata reads; commit checks exactly.
        ``keep_versions`` is off in system spaces: the server's own records (the
        user directory with its password hashes, locks) keep no history."""
        self._keep_versions = keep_versions
        self._tree = tree
        self._where = where
        self._size = size
        self._if_match = if_match
        self._if_none_match = if_none_match
        self._hasher = Hasher()
        self._written = 0
        self._done = False
        self._replaced = replaced
        self._quota_left = allowance
        self._temp = tree.temp_path(where.space_dir)
        with os_errors(where.path):
            self._fd = os.open(self._temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)

    def write(self, chunk: bytes) -> None:
        if self._done:
            raise errors.Conflict("upload already finished")
        if not chunk:
            return
        self._written += len(chunk)
        if self._size is not None and self._written > self._size:
            self.abort()
            raise errors.InvalidInput(
                f"{self._where.path}: more bytes than the announced {self._size}"
            )
        if self._quota_left is not None and self._written > self._quota_left:
            self.abort()
            raise over_quota(self._where, f"{self._where.path} does not fit")
        if (self._written & 0xFFFFFF) < len(chunk):
            # every 16 MiB: re-check the running size (the disk may fill up)
            try:
                check_quota(self._tree, self._where, self._written - self._replaced)
            except errors.QuotaExceeded:
                self.abort()
                raise
        try:
            view = memoryview(chunk)
            while view:
                view = view[os.write(self._fd, view) :]
        except OSError as exc:
            self.abort()
            raise translate_os_error(exc, self._where.path) from exc
        self._hasher.update(chunk)

    def abort(self) -> None:
        if self._done:
            return
        self._done = True
        with contextlib.suppress(OSError):
            os.close(self._fd)
        with contextlib.suppress(OSError):
            os.unlink(self._temp)

    def commit(
        self, *, mtime_ns: int | None = None, checksum: tuple[str, str] | None = None
    ) -> NodeInfo:
        if self._done:
            raise errors.Conflict("upload already finished")
        try:
            return self._commit(mtime_ns, checksum)
        except OSError as exc:
            raise translate_os_error(exc, self._where.path) from exc
        finally:
            self.abort()  # closes and removes the temp file unless it was placed

    def _commit(self, mtime_ns: int | None, checksum: tuple[str, str] | None) -> NodeInfo:
        where, tree = self._where, self._tree
        if self._size is not None and self._written != self._size:
            raise errors.InvalidInput(
                f"{where.path}: got {self._written} bytes of the announced {self._size}"
            )
        sums = self._hasher.hexdigests()
        if checksum is not None:
            algorithm, expected = checksum[0].lower(), checksum[1].strip().lower()
            if algorithm not in ALGORITHMS:
                raise errors.InvalidInput(f"unsupported checksum algorithm {checksum[0]!r}")
            if sums[algorithm] != expected:
                raise errors.ChecksumMismatch(
                    f"{where.path}: {algorithm} checksum mismatch "
                    f"(expected {expected}, got {sums[algorithm]}); nothing was stored"
                )
        if tree.options.fsync:
            os.fsync(self._fd)
        mtime = mtime_ns if mtime_ns is not None else time.time_ns()
        os.utime(self._fd, ns=(time.time_ns(), mtime))
        parent = where.parent()
        parent_attrs, _ = tree.folder(parent)
        with tree.locks(parent_attrs.id):
            for _attempt in range(3):
                existing = _existing(where)
                if existing is not None and statmod.S_ISDIR(existing.st_mode):
                    raise errors.Conflict(f"{where.path}: is a folder")
                old = read_node(where.abs) if existing is not None else None
                _check_conditions(where, existing, old, self._if_match, self._if_none_match)
                old_size = existing.st_size if existing is not None else 0
                if self._quota_left is not None:  # the disk already holds the bytes
                    check_quota(tree, where, self._written - old_size, disk=False)
                node = old.id if old is not None else new_node_id()
                st = os.fstat(self._fd)
                attrs = file_attrs(node, parent_attrs.id, where.space, st, sums)
                if old is not None and old.offloaded:
                    attrs.offloaded = True
                write_node(self._fd, attrs)
                if existing is None:
                    tree.index.add(node, parent_attrs.id, where.name)
                    tree.own_writes.note(where.abs)
                    try:
                        rename_noreplace(self._temp, where.abs)
                    except FileExistsError:
                        tree.own_writes.take(where.abs)
                        tree.index.remove(node)
                        continue  # someone created it meanwhile: overwrite instead
                    except BaseException:
                        tree.own_writes.take(where.abs)
                        raise
                    break
                if old is not None:
                    _copy_ext_attr(where.abs, self._fd)
                    if self._keep_versions:
                        versions.keep(tree, where, old, existing)
                tree.index.add(node, parent_attrs.id, where.name)
                tree.own_writes.note(where.abs)
                try:
                    os.rename(self._temp, where.abs)
                except BaseException:
                    tree.own_writes.take(where.abs)
                    raise
                break
            else:
                raise errors.Conflict(f"{where.path}: changed too often while writing")
        self._done = True
        os.close(self._fd)
        tree.propagate(parent, self._written - old_size, start_id=parent_attrs.id)
        return tree.info(where, attrs, st)


def _copy_ext_attr(src: str, fd: int) -> None:
    """Carry the growing metadata (properties, grants) over to the new inode."""
    from opencloud_driver_posix import xattrs  # noqa: PLC0415
    from opencloud_driver_posix.attrs import EXT_ATTR  # noqa: PLC0415

    value = xattrs.get(src, EXT_ATTR)
    if value is not None:
        xattrs.set(fd, EXT_ATTR, value)
