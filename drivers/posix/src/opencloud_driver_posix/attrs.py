"""The node record kept in one extended attribute per file and folder.

``user.oc.node`` holds everything a listing needs as compact JSON, so listing a
folder costs one ``stat`` and one ``getxattr`` per entry (OpenCloud spreads the
same facts over a dozen attributes and pays a syscall for each). JSON keeps it
readable for an administrator: ``getfattr -n user.oc.node --only-values FILE``.

Space roots also carry ``user.oc.space`` (kind, name, owner, quota).
Growing metadata (dead properties, grants, tags) lives in ``user.oc.ext`` or, once
large, in a side file (see ``ext.py``).
"""

from __future__ import annotations

import hashlib
import os
import stat as statmod
import time

import msgspec

from opencloud.core.ids import NodeId, SpaceId
from opencloud.storage.types import NodeInfo, NodeKind, SpaceKind
from opencloud_driver_posix import xattrs

NODE_ATTR = "user.oc.node"
SPACE_ATTR = "user.oc.space"
EXT_ATTR = "user.oc.ext"


class NodeAttrs(msgspec.Struct, kw_only=True, omit_defaults=True):
    """The facts recorded for one node. Field names follow OpenCloud's attributes.

    ``mtime``/``blobsize``/``ino`` are the inode's mtime, size and number as the
    server last wrote or saw them: when the inode disagrees, another program
    changed the file (content) or copied it (inode). Folders keep ``tmtime`` and
    ``treesize``, maintained by propagation.
    """

    id: str
    parentid: str = ""
    spaceid: str
    mtime: int = 0
    blobsize: int = 0
    ino: int = 0
    tmtime: int = 0
    treesize: int = 0
    sha1: str = ""
    md5: str = ""
    adler32: str = ""
    offloaded: bool = False  # growing metadata lives in the side file


class SpaceAttrs(msgspec.Struct, kw_only=True, omit_defaults=True):
    """Space-level facts, on the space root only."""

    kind: SpaceKind
    name: str
    owner: str = ""
    quota: int = 0  # bytes; 0 = unlimited


_node_decoder = msgspec.json.Decoder(NodeAttrs)
_space_decoder = msgspec.json.Decoder(SpaceAttrs)
_encoder = msgspec.json.Encoder()


def read_node(target: xattrs.Target) -> NodeAttrs | None:
    """The node record, or None if the entry has none (or an unreadable one:
    an unparseable record is treated like a missing one and re-assimilated)."""
    raw = xattrs.get(target, NODE_ATTR)
    if raw is None:
        return None
    try:
        return _node_decoder.decode(raw)
    except msgspec.DecodeError:
        return None


def write_node(target: xattrs.Target, attrs: NodeAttrs) -> None:
    xattrs.set(target, NODE_ATTR, _encoder.encode(attrs))


def read_space(target: xattrs.Target) -> SpaceAttrs | None:
    raw = xattrs.get(target, SPACE_ATTR)
    if raw is None:
        return None
    try:
        return _space_decoder.decode(raw)
    except msgspec.DecodeError:
        return None


def write_space(target: xattrs.Target, attrs: SpaceAttrs) -> None:
    xattrs.set(target, SPACE_ATTR, _encoder.encode(attrs))


def etag_for(attrs: NodeAttrs, *, is_dir: bool) -> str:
    """Quoted etag. Folders: f(id, tree mtime), so it changes when anything below
    changes. Files: f(id, mtime, size, sha1), so new content changes it even if a
    client sets the same mtime again."""
    if is_dir:
        basis = f"{attrs.id}:{attrs.tmtime}"
    else:
        basis = f"{attrs.id}:{attrs.mtime}:{attrs.blobsize}:{attrs.sha1}"
    return '"' + hashlib.md5(basis.encode(), usedforsecurity=False).hexdigest() + '"'


def content_changed(attrs: NodeAttrs, st: os.stat_result) -> bool:
    """True when a file's inode no longer matches what the server recorded."""
    return attrs.mtime != st.st_mtime_ns or attrs.blobsize != st.st_size


def to_info(attrs: NodeAttrs, st: os.stat_result, *, path: str, name: str) -> NodeInfo:
    """The NodeInfo for an entry whose record and stat we hold.

    A file changed by another program and not yet assimilated is reported as the
    inode says (size, mtime, an etag that differs), without checksums, which are
    stale; the watcher recomputes them moments later.
    """
    kind: NodeKind = "dir" if statmod.S_ISDIR(st.st_mode) else "file"
    checksums: dict[str, str] = {}
    if kind == "dir":
        size, mtime, etag = (
            max(0, attrs.treesize),
            attrs.tmtime or st.st_mtime_ns,
            etag_for(attrs, is_dir=True),
        )
    elif content_changed(attrs, st):
        size, mtime = st.st_size, st.st_mtime_ns
        basis = f"{attrs.id}:{mtime}:{size}:stale"
        etag = '"' + hashlib.md5(basis.encode(), usedforsecurity=False).hexdigest() + '"'
    else:
        size, mtime, etag = attrs.blobsize, attrs.mtime, etag_for(attrs, is_dir=False)
        if attrs.sha1:
            checksums = {"sha1": attrs.sha1, "md5": attrs.md5, "adler32": attrs.adler32}
    return NodeInfo(
        id=NodeId(attrs.id),
        parent_id=NodeId(attrs.parentid) if attrs.parentid else "",
        space=SpaceId(attrs.spaceid),
        path=path,
        name=name,
        kind=kind,
        size=size,
        mtime_ns=mtime,
        etag=etag,
        checksums=checksums,
    )


def file_attrs(
    node: str, parent_id: str, space: str, st: os.stat_result, sums: dict[str, str]
) -> NodeAttrs:
    """The record of a file whose inode is ``st`` and content hashes ``sums``."""
    return NodeAttrs(
        id=node,
        parentid=parent_id,
        spaceid=space,
        mtime=st.st_mtime_ns,
        blobsize=st.st_size,
        ino=st.st_ino,
        sha1=sums["sha1"],
        md5=sums["md5"],
        adler32=sums["adler32"],
    )


def next_tmtime(previous: int) -> int:
    """A tree mtime later than ``previous``: server time, but strictly increasing,
    so a folder's etag changes on every change even within one clock tick."""
    return max(time.time_ns(), previous + 1)
