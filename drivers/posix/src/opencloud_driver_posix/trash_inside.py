"""Entries inside a trashed folder: addressing them, listing them, and the
bookkeeping when one leaves the folder on its own (restored or purged).

A trashed folder stays one item, ``.Trash/files/<key>.trashitem``, with its tree
intact below it. An entry inside is addressed as OpenCloud's recycle API does it:
the item's key plus a path relative to the folder (``<key>`` + ``sub/f.txt``).
The path is checked name by name (``core.paths.split_relative``: ``..`` is
PathEscapes, a bad name InvalidName) and resolved with ``lstat`` at every level,
so neither ``..`` nor a symlink an outside program left in the trash can lead
out of the item.

An entry that leaves the folder takes its size along: the folders above it in
the item, and the item's info file, are made smaller afterwards, so that the
folder's listed size and the size it brings back on restore stay right. That
step comes *after* the rename that moves the entry (the rename is what must be
atomic); a crash in between leaves sizes in the trash that are too large, which
only shows in the trash listing: a folder restore recounts its size from the
records it indexes anyway.
"""

from __future__ import annotations

import contextlib
import os
import stat as statmod

from opencloud.core import errors
from opencloud.core.ids import NodeId
from opencloud.storage.types import NodeKind, TrashItem
from opencloud_driver_posix.attrs import read_node, write_node
from opencloud_driver_posix.errnos import os_errors
from opencloud_driver_posix.layout import trash_dirs
from opencloud_driver_posix.trash_info import INFO_SUFFIX, ITEM_SUFFIX, with_size
from opencloud_driver_posix.tree import Tree


def locate_entry(item_path: str, names: list[str]) -> tuple[str, os.stat_result]:
    """Absolute path and ``lstat`` of the entry ``names`` below ``item_path``.

    Every level is a real folder (no symlink followed) and the entry itself a
    regular file or folder; anything else is NotFound.
    """
    missing = f"{'/'.join(names) or 'the item'}: not in the trash"
    current = item_path
    try:
        st = os.lstat(current)
        for name in names:
            if not statmod.S_ISDIR(st.st_mode):
                raise errors.NotFound(missing)
            current = os.path.join(current, name)
            st = os.lstat(current)
    except (FileNotFoundError, NotADirectoryError):
        raise errors.NotFound(missing) from None
    if not (statmod.S_ISDIR(st.st_mode) or statmod.S_ISREG(st.st_mode)):
        raise errors.NotFound(missing)
    return current, st


def entry_item(top: TrashItem, names: list[str], abs_path: str, st: os.stat_result) -> TrashItem:
    """The entry at ``names`` inside item ``top``, described as a TrashItem.

    Costs one ``getxattr``; an entry without a record (another program put it
    there) is listed with an empty node id and its byte size.
    """
    with os_errors("/".join(names)):
        attrs = read_node(abs_path)
    kind: NodeKind = "dir" if statmod.S_ISDIR(st.st_mode) else "file"
    if attrs is not None:
        size = attrs.treesize if kind == "dir" else attrs.blobsize
    else:
        size = st.st_size if kind == "file" else 0
    relative = "/".join(names)
    return TrashItem(
        key=top.key,
        space=top.space,
        node_id=NodeId(attrs.id if attrs is not None else ""),
        original_path=f"{top.original_path.rstrip('/')}/{relative}",
        kind=kind,
        size=max(size, 0),
        deleted_ns=top.deleted_ns,
        path=relative,
    )


def list_folder(top: TrashItem, item_path: str, names: list[str]) -> list[TrashItem]:
    """The entries directly inside the folder at ``names`` of item ``top``, by
    name. One ``lstat`` and one ``getxattr`` per entry; symlinks and special
    files are left out. Conflict when ``names`` is a file."""
    folder, st = locate_entry(item_path, names)
    if not statmod.S_ISDIR(st.st_mode):
        raise errors.Conflict(f"{'/'.join(names) or top.original_path}: not a folder")
    found: list[TrashItem] = []
    with os_errors("/".join(names) or top.original_path):
        children = sorted(os.listdir(folder))
    for name in children:
        try:
            child_st = os.lstat(os.path.join(folder, name))
        except FileNotFoundError:
            continue
        if statmod.S_ISDIR(child_st.st_mode) or statmod.S_ISREG(child_st.st_mode):
            found.append(entry_item(top, [*names, name], os.path.join(folder, name), child_st))
    return found


def shrink(tree: Tree, space_dir: str, key: str, names: list[str], size: int) -> None:
    """After the entry at ``names`` left item ``key``: take ``size`` off the
    recorded tree size of every folder above it in the item, and off the info
    file's ``Size``.

    Each folder is updated under its own lock, one at a time (as propagation
    does). The info file is rewritten through a temp file and a rename, and only
    while the item is still there: a folder restored or purged meanwhile keeps
    no info file.
    """
    if size <= 0 or not names:
        return
    files_dir, info_dir = trash_dirs(space_dir)
    item_path = os.path.join(files_dir, key + ITEM_SUFFIX)
    info_path = os.path.join(info_dir, key + INFO_SUFFIX)
    current = item_path
    for name in ["", *names[:-1]]:
        current = os.path.join(current, name) if name else current
        with contextlib.suppress(FileNotFoundError):
            attrs = read_node(current)
            if attrs is None:
                continue
            with tree.locks(attrs.id):
                attrs = read_node(current)
                if attrs is not None:
                    attrs.treesize = max(attrs.treesize - size, 0)
                    write_node(current, attrs)
    try:
        with open(info_path, "rb") as src:
            data = src.read(64 * 1024)
    except FileNotFoundError:
        return
    temp = tree.temp_path(space_dir)
    with open(temp, "wb") as out:
        out.write(with_size(data, _size_of(data) - size))
        if tree.options.fsync:
            out.flush()
            os.fsync(out.fileno())
    if os.path.lexists(info_path) and os.path.lexists(item_path):
        os.replace(temp, info_path)
    else:
        os.unlink(temp)


def _size_of(info: bytes) -> int:
    for line in info.splitlines():
        if line.startswith(b"Size="):
            with contextlib.suppress(ValueError):
                return int(line[len(b"Size=") :])
    return 0
