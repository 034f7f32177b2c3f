"""The trash's bookkeeping files: ``.Trash/info/<key>.trashinfo``, freedesktop style.

::

    [Trash Info]
    Path=docs/report%202024.odt
    DeletionDate=2026-05-01T12:00:00Z
    NodeId=0b7c…
    Kind=file
    Size=12345

``Path`` is relative to the space root and percent-encoded, ``DeletionDate`` is UTC
(the freedesktop format, with an explicit ``Z``); the last three lines are ours.
An item is an info file with its ``.Trash/files/<key>.trashitem`` next to it.
"""

from __future__ import annotations

import calendar
import os
import re
import stat as statmod
import time
from urllib.parse import quote, unquote_to_bytes

from opencloud.core import errors
from opencloud.core.ids import NodeId, SpaceId
from opencloud.storage.types import NodeKind, TrashItem

ITEM_SUFFIX = ".trashitem"
INFO_SUFFIX = ".trashinfo"
_HEADER = "[Trash Info]"
_SIZE_LINE = re.compile(rb"^Size=\d*$", re.MULTILINE)


def format_info(
    original_path: str, deleted_ns: int, node_id: str, kind: NodeKind, size: int
) -> bytes:
    """The ``.trashinfo`` content for an item deleted from ``original_path``
    (canonical, ``/``-rooted) at ``deleted_ns``."""
    relative = os.fsencode(original_path.lstrip("/"))
    date = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(deleted_ns // 1_000_000_000))
    return (
        f"{_HEADER}\nPath={quote(relative, safe='/')}\nDeletionDate={date}\n"
        f"NodeId={node_id}\nKind={'dir' if kind == 'dir' else 'file'}\nSize={size}\n"
    ).encode("ascii")


def with_size(data: bytes, size: int) -> bytes:
    """``data`` (an info file) with its ``Size`` line set to ``size``; every other
    line, the deletion date included, is kept byte for byte."""
    line = b"Size=%d" % max(size, 0)
    if _SIZE_LINE.search(data):
        return _SIZE_LINE.sub(line, data, count=1)
    return data.rstrip(b"\n") + b"\n" + line + b"\n"


def parse_info(data: bytes) -> dict[str, str] | None:
    """The key=value lines of a ``.trashinfo`` file (``Path`` decoded to a
    canonical ``/``-rooted path); None when it is not one of ours or is damaged."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return None
    lines = text.splitlines()
    if not lines or lines[0].strip() != _HEADER:
        return None
    values: dict[str, str] = {}
    for line in lines[1:]:
        key, sep, value = line.partition("=")
        if sep:
            values[key.strip()] = value.strip()
    if "Path" not in values:
        return None
    values["Path"] = "/" + os.fsdecode(unquote_to_bytes(values["Path"])).strip("/")
    return values


def _parse_date(value: str) -> int:
    """DeletionDate → ns since the epoch; a date without zone is read as UTC."""
    try:
        parsed = time.strptime(value.rstrip("Z"), "%Y-%m-%dT%H:%M:%S")
    except ValueError:
        return 0
    return calendar.timegm(parsed) * 1_000_000_000


def check_key(key: str) -> str:
    """A key as listed; anything that could name another file is NotFound."""
    if not key or "/" in key or "\0" in key or key in (".", "..") or key.startswith("."):
        raise errors.NotFound(f"no trash item {key!r}")
    return key


def read_item(space: SpaceId, files_dir: str, info_dir: str, key: str) -> TrashItem | None:
    """Item ``key`` as listed, or None when its info file or its item is missing
    or damaged (``check`` reports those)."""
    try:
        with open(os.path.join(info_dir, key + INFO_SUFFIX), "rb") as src:
            values = parse_info(src.read(64 * 1024))
        st = os.lstat(os.path.join(files_dir, key + ITEM_SUFFIX))
    except OSError:
        return None
    if values is None or not (statmod.S_ISDIR(st.st_mode) or statmod.S_ISREG(st.st_mode)):
        return None
    kind: NodeKind = "dir" if statmod.S_ISDIR(st.st_mode) else "file"
    node_id = values.get("NodeId") or key.partition(".")[0]
    try:
        size = int(values.get("Size", ""))
    except ValueError:
        size = st.st_size if kind == "file" else 0
    return TrashItem(
        key=key,
        space=space,
        node_id=NodeId(node_id),
        original_path=values["Path"],
        kind=kind,
        size=size,
        deleted_ns=_parse_date(values.get("DeletionDate", "")),
    )
