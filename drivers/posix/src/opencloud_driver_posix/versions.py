"""Versions: earlier contents of a file, kept when it is overwritten.

A version is a hard link to the replaced inode, named
``.oc-nodes/ab/cd/<node-id>.REV.<mtime, RFC 3339 UTC with nanoseconds>``: keeping
one costs no copy, and the inode keeps its own record (checksums, mtime, size).
Versions are not counted against the quota (as in OpenCloud). Retention:
``versions_keep`` and ``versions_max_age_days``.

Listing reads each version's own record (the inode keeps the record it had
when it was current), so a version's etag is the etag the file had then.
Restoring is a rename, not a copy: the version's inode becomes the live file
(the current one is kept as a version first), so it is atomic and O(1) where
OpenCloud copies the bytes back in place.
"""

from __future__ import annotations

import contextlib
import os
import stat as statmod
import time
from typing import BinaryIO

from opencloud.core import errors
from opencloud.core.ids import NodeId
from opencloud.storage.types import NodeInfo, Ref, Version
from opencloud_driver_posix import checksums, xattrs
from opencloud_driver_posix.attrs import (
    EXT_ATTR,
    NodeAttrs,
    content_changed,
    etag_for,
    read_node,
    write_node,
)
from opencloud_driver_posix.errnos import os_errors, translate_os_error
from opencloud_driver_posix.layout import nodes_dir
from opencloud_driver_posix.tree import Located, Tree, check_quota

REV = ".REV."


def version_key(mtime_ns: int) -> str:
    """RFC 3339 UTC with nanoseconds: sortable, and readable for an administrator."""
    seconds, nanos = divmod(mtime_ns, 1_000_000_000)
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(seconds)) + f".{nanos:09d}Z"


def version_path(space_dir: str, node_id: str, key: str) -> str:
    return os.path.join(nodes_dir(space_dir, node_id), f"{node_id}{REV}{key}")


def keep(tree: Tree, where: Located, old: NodeAttrs, st: os.stat_result) -> str:
    """Keep the inode now at ``where`` as a version of ``old.id``; returns its key.

    The caller holds the lock of the folder holding the file and is about to
    replace it. Two versions with the same mtime get ``.1``, ``.2``… suffixes.
    """
    folder = nodes_dir(where.space_dir, old.id)
    os.makedirs(folder, exist_ok=True)
    base = version_key(st.st_mtime_ns)
    key = base
    for n in range(1, 10_000):
        try:
            os.link(where.abs, version_path(where.space_dir, old.id, key))
            break
        except FileExistsError:
            key = f"{base}.{n}"
    apply_retention(tree, where.space_dir, old.id)
    return key


def version_keys(space_dir: str, node_id: str) -> list[str]:
    """Keys of a node's versions, oldest first (``….Z.2`` after ``….Z.1``, and
    ``….Z.10`` after ``….Z.9``)."""
    prefix = f"{node_id}{REV}"
    try:
        names = os.listdir(nodes_dir(space_dir, node_id))
    except FileNotFoundError:
        return []
    return sorted((n[len(prefix) :] for n in names if n.startswith(prefix)), key=_key_order)


def _key_order(key: str) -> tuple[str, int]:
    base, sep, suffix = key.rpartition("Z.")
    if sep and suffix.isdigit():
        return base + "Z", int(suffix)
    return key, 0


def apply_retention(tree: Tree, space_dir: str, node_id: str) -> None:
    keep_count = tree.options.versions_keep
    max_age = tree.options.versions_max_age_days
    if not keep_count and not max_age:
        return
    keys = version_keys(space_dir, node_id)
    doomed = set(keys[:-keep_count]) if keep_count and len(keys) > keep_count else set()
    if max_age:
        horizon = time.time() - max_age * 86400
        for key in keys:
            path = version_path(space_dir, node_id, key)
            with contextlib.suppress(FileNotFoundError):
                if os.lstat(path).st_mtime < horizon:
                    doomed.add(key)
    for key in doomed:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(version_path(space_dir, node_id, key))


def remove_all(space_dir: str, node_id: str) -> None:
    """Drop every version of a node (purge)."""
    for key in version_keys(space_dir, node_id):
        with contextlib.suppress(FileNotFoundError):
            os.unlink(version_path(space_dir, node_id, key))


# ---------------------------------------------------------------- the API side
def _file(tree: Tree, ref: Ref) -> tuple[Located, NodeAttrs]:
    """The file at ``ref`` and its record; Conflict for a folder."""
    where = tree.locate(ref)
    attrs, st = tree.node(where)
    if not statmod.S_ISREG(st.st_mode):
        raise errors.Conflict(f"{where.path}: only files have versions")
    return where, attrs


def _check_key(space_dir: str, node_id: str, key: str) -> str:
    """``key`` if it names one of the node's versions, else NotFound (a key that
    could name another file, with ``/`` or NUL in it, never gets that far)."""
    if not key or "/" in key or "\0" in key or key not in version_keys(space_dir, node_id):
        raise errors.NotFound(f"no version {key[:80]!r}")
    return key


def list_versions(tree: Tree, ref: Ref) -> list[Version]:
    """The versions of the file at ``ref``, **newest first** (the order clients
    show them in). Each is described by the version inode's own record: size,
    mtime, checksums and the etag the file had when that content was current.
    A version whose inode no longer matches its record (changed by another
    program) is described by its inode, without checksums. Conflict for a
    folder, NotFound when nothing is at ``ref``."""
    where, attrs = _file(tree, ref)
    found: list[Version] = []
    for key in reversed(version_keys(where.space_dir, attrs.id)):
        path = version_path(where.space_dir, attrs.id, key)
        try:
            st = os.lstat(path)
            record = read_node(path)
        except FileNotFoundError:
            continue  # dropped by retention or a restore meanwhile
        except OSError as exc:
            raise translate_os_error(exc, where.path) from exc
        found.append(_describe(attrs.id, key, record, st))
    return found


def _describe(node_id: str, key: str, record: NodeAttrs | None, st: os.stat_result) -> Version:
    if record is None or content_changed(record, st):
        record = NodeAttrs(id=node_id, spaceid="", mtime=st.st_mtime_ns, blobsize=st.st_size)
    sums = (
        {"sha1": record.sha1, "md5": record.md5, "adler32": record.adler32} if record.sha1 else {}
    )
    return Version(
        key=key,
        node_id=NodeId(node_id),
        size=record.blobsize,
        mtime_ns=record.mtime,
        etag=etag_for(record, is_dir=False),
        checksums=sums,
    )


def open_version(tree: Tree, ref: Ref, key: str) -> BinaryIO:
    """A binary file object reading version ``key`` of the file at ``ref``; the
    caller closes it. NotFound for a key that is not one of the listed ones."""
    where, attrs = _file(tree, ref)
    _check_key(where.space_dir, attrs.id, key)
    with os_errors(f"{where.path} (version {key})"):
        fd = os.open(version_path(where.space_dir, attrs.id, key), os.O_RDONLY | os.O_NOFOLLOW)
        return os.fdopen(fd, "rb")


def restore_version(tree: Tree, ref: Ref, key: str) -> NodeInfo:
    """Make version ``key`` the current content of the file at ``ref``; returns
    the file. The id stays; the replaced content becomes a version; the restored
    version is consumed (as in OpenCloud); the mtime is now.

    Atomic and O(1), under the lock of the folder holding the file: the version
    inode is renamed into ``.oc-tmp``, given the node's record (checksums from
    its own record, metadata from the live file) and a new mtime, the current
    inode is kept as a version (a hard link), and the temp is renamed over the
    live name. A failure on the way puts the version back as it was.
    Raises NotFound (no file, unknown key), Conflict (a folder, or the file
    changed meanwhile), QuotaExceeded (the version is bigger than what is left).
    """
    where, attrs = _file(tree, ref)
    _check_key(where.space_dir, attrs.id, key)
    parent = where.parent()
    parent_attrs, _ = tree.folder(parent)
    vpath = version_path(where.space_dir, attrs.id, key)
    with tree.locks(parent_attrs.id), os_errors(where.path):
        st = os.lstat(where.abs)
        current = read_node(where.abs)
        if not statmod.S_ISREG(st.st_mode) or current is None or current.id != attrs.id:
            raise errors.Conflict(f"{where.path}: changed meanwhile; try again")
        try:
            vst = os.lstat(vpath)
        except FileNotFoundError:
            raise errors.NotFound(f"{where.path}: no version {key!r}") from None
        check_quota(tree, where, vst.st_size - current.blobsize)
        temp = tree.temp_path(where.space_dir)
        os.rename(vpath, temp)  # claims the version: a concurrent restore gets NotFound
        vrecord = read_node(temp)
        kept = ""
        try:
            restored = _adopt_version(
                temp,
                where.abs,
                current=current,
                parent_id=parent_attrs.id,
                vrecord=vrecord,
                vst=vst,
            )
            kept = keep(tree, where, current, st)
            os.rename(temp, where.abs)
            new_st = os.lstat(where.abs)
        except BaseException:
            with contextlib.suppress(OSError):
                if kept:
                    os.unlink(version_path(where.space_dir, attrs.id, kept))
                os.utime(temp, ns=(vst.st_atime_ns, vst.st_mtime_ns))
                if vrecord is not None:
                    write_node(temp, vrecord)
                os.rename(temp, vpath)
            raise
    tree.propagate(parent, restored.blobsize - current.blobsize)
    return tree.info(where, restored, new_st)


def _adopt_version(
    temp: str,
    live: str,
    *,
    current: NodeAttrs,
    parent_id: str,
    vrecord: NodeAttrs | None,
    vst: os.stat_result,
) -> NodeAttrs:
    """Turn the claimed version inode at ``temp`` into the live node: mtime now,
    the node's record (id, parent, metadata flag) with the version's checksums
    (recomputed if its record no longer matches), and the live file's metadata."""
    now = time.time_ns()
    fd = os.open(temp, os.O_RDONLY | os.O_NOFOLLOW)
    try:
        os.utime(fd, ns=(now, now))
        st = os.fstat(fd)
        if vrecord is not None and vrecord.sha1 and not content_changed(vrecord, vst):
            sha1, md5, adler32 = vrecord.sha1, vrecord.md5, vrecord.adler32
        else:
            sums = checksums.hash_fd(fd)
            sha1, md5, adler32 = sums["sha1"], sums["md5"], sums["adler32"]
        attrs = NodeAttrs(
            id=current.id,
            parentid=parent_id,
            spaceid=current.spaceid,
            mtime=st.st_mtime_ns,
            blobsize=st.st_size,
            ino=st.st_ino,
            sha1=sha1,
            md5=md5,
            adler32=adler32,
            offloaded=current.offloaded,
        )
        write_node(fd, attrs)
        metadata = xattrs.get(live, EXT_ATTR)  # properties belong to the node, not the content
        if metadata is None:
            xattrs.remove(fd, EXT_ATTR)
        else:
            xattrs.set(fd, EXT_ATTR, metadata)
    finally:
        os.close(fd)
    return attrs
