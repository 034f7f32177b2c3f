"""Growing metadata: dead properties, grants, tags.

Kept as one msgpack map (key → bytes) in the ``user.oc.ext`` attribute while it
is small, and moved to ``.oc-nodes/ab/cd/<id>.mpk`` once it would exceed the
inline limit, because ext4 fits *all* attributes of an inode in one ~4 KB block
and a full block fails every later write with ENOSPC. The node record's
``offloaded`` flag says where the map is; the side file is written atomically.
"""

from __future__ import annotations

import contextlib
import os
import uuid

import msgspec

from opencloud_driver_posix import xattrs
from opencloud_driver_posix.attrs import EXT_ATTR, NodeAttrs, write_node
from opencloud_driver_posix.layout import nodes_dir

_codec_enc = msgspec.msgpack.Encoder()
_codec_dec = msgspec.msgpack.Decoder(dict[str, bytes])


def side_file(space_dir: str, node_id: str) -> str:
    return os.path.join(nodes_dir(space_dir, node_id), f"{node_id}.mpk")


def read_ext(path: str, space_dir: str, attrs: NodeAttrs) -> dict[str, bytes]:
    """The node's metadata map (empty when it has none)."""
    if attrs.offloaded:
        try:
            with open(side_file(space_dir, attrs.id), "rb") as src:
                raw: bytes | None = src.read()
        except FileNotFoundError:
            raw = None
    else:
        raw = xattrs.get(path, EXT_ATTR)
    if not raw:
        return {}
    try:
        return _codec_dec.decode(raw)
    except (msgspec.DecodeError, msgspec.ValidationError):
        return {}


def write_ext(
    path: str, space_dir: str, attrs: NodeAttrs, values: dict[str, bytes], inline_limit: int
) -> None:
    """Store ``values`` inline or in the side file, whichever fits; updates the
    node record's ``offloaded`` flag (the caller holds the node's lock)."""
    data = _codec_enc.encode(values) if values else b""
    offload = len(data) > inline_limit
    if offload:
        target = side_file(space_dir, attrs.id)
        os.makedirs(os.path.dirname(target), exist_ok=True)
        tmp = f"{target}.{uuid.uuid4().hex}.tmp"
        with open(tmp, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        os.replace(tmp, target)
        if not attrs.offloaded:
            attrs.offloaded = True
            write_node(path, attrs)
        xattrs.remove(path, EXT_ATTR)
        return
    if data:
        xattrs.set(path, EXT_ATTR, data)
    else:
        xattrs.remove(path, EXT_ATTR)
    if attrs.offloaded:
        attrs.offloaded = False
        write_node(path, attrs)
        with contextlib.suppress(FileNotFoundError):
            os.unlink(side_file(space_dir, attrs.id))
