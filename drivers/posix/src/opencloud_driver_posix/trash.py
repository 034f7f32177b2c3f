"""The trash of a space, freedesktop style (``.Trash/files`` and ``.Trash/info``).

Deleting is one ``rename``, whatever the size of the tree: the node (with its
record, and a folder with everything below it) moves to
``.Trash/files/<key>.trashitem``; nothing below it is walked or rewritten. Next to
it, ``.Trash/info/<key>.trashinfo`` says where it came from (``trash_info``).
The key is the node id (``<id>.<time_ns>`` if that is taken), so an administrator
can find an item by the id a client shows.

The info file is written first and the item renamed second: a crash in between
leaves an info file without item, which listings skip and ``check`` reports; the
reverse order could leave an item nobody can list.

Restoring is one ``rename`` too, of the whole item or of one entry inside a
trashed folder (``trash_inside``): the entry's record is pointed at its new
parent while it is still in the trash (where nobody sees it), the index learns
it, and the exclusive rename puts it in place. That rename is the only step a
reader can observe, so a crash leaves the entry either wholly in the trash or
wholly restored, never a folder half in each; what follows it (dropping the info
file, shrinking the recorded sizes of a folder an entry left) is bookkeeping that
a crash at worst leaves stale in the trash.

Versions and side files stay in ``.oc-nodes`` while an item is in the trash
(they are keyed by node id), so a restore brings them back; purging removes them.
Trashed nodes are dropped from the id index: their descendants resolve to
nothing until the item is restored, which re-adds the one top entry.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import stat as statmod
import time
from collections.abc import Iterator

from opencloud.core import errors
from opencloud.core.ids import NodeId, SpaceId
from opencloud.core.paths import check_name, split_path, split_relative
from opencloud.storage.types import NodeInfo, NodeKind, Ref, TrashItem
from opencloud_driver_posix import ext, versions
from opencloud_driver_posix.attrs import NodeAttrs, read_node, write_node
from opencloud_driver_posix.errnos import os_errors
from opencloud_driver_posix.layout import trash_dirs
from opencloud_driver_posix.renames import rename_noreplace
from opencloud_driver_posix.trash_info import (
    INFO_SUFFIX,
    ITEM_SUFFIX,
    check_key,
    format_info,
    read_item,
)
from opencloud_driver_posix.trash_inside import (
    entry_item,
    list_folder,
    locate_entry,
    shrink,
)
from opencloud_driver_posix.tree import Located, Tree, check_quota


# ---------------------------------------------------------------- delete
def delete(tree: Tree, ref: Ref) -> TrashItem:
    """Move the file or folder at ``ref`` into its space's trash and return the item.

    Refuses the space root (PermissionDenied). One rename under the lock of the
    folder that holds the name; the index forgets the node before the rename (and
    learns it back if the rename fails), and the parent chain loses ``size``
    afterwards. Raises NotFound when nothing is at ``ref``.
    """
    where = tree.locate(ref)
    if where.path == "/":
        raise errors.PermissionDenied("a space root cannot be deleted")
    attrs, _ = tree.node(where)
    parent = where.parent()
    parent_attrs, _ = tree.folder(parent)
    files_dir, info_dir = trash_dirs(where.space_dir)
    with tree.locks(parent_attrs.id), os_errors(where.path):
        st = os.lstat(where.abs)
        attrs = read_node(where.abs) or attrs
        kind: NodeKind = "dir" if statmod.S_ISDIR(st.st_mode) else "file"
        size = attrs.treesize if kind == "dir" else attrs.blobsize
        deleted_ns = time.time_ns() // 1_000_000_000 * 1_000_000_000  # as the info file says
        info = format_info(where.path, deleted_ns, attrs.id, kind, size)
        key = attrs.id
        entry = tree.index.get(attrs.id)
        if entry != (parent_attrs.id, where.name):
            entry = None  # the id is indexed elsewhere (an outside copy): leave that be
        for _attempt in range(100):
            info_path = os.path.join(info_dir, key + INFO_SUFFIX)
            if not _write_exclusive(tree, where.space_dir, info_path, info):
                key = f"{attrs.id}.{time.time_ns()}"
                continue
            if entry is not None:
                tree.index.remove(attrs.id)
            try:
                rename_noreplace(where.abs, os.path.join(files_dir, key + ITEM_SUFFIX))
            except BaseException as exc:
                if entry is not None:
                    tree.index.add(attrs.id, *entry)
                with contextlib.suppress(OSError):
                    os.unlink(info_path)
                if not isinstance(exc, FileExistsError):
                    raise
                key = f"{attrs.id}.{time.time_ns()}"
                continue  # an item without info holds the key: check reports it
            break
        else:
            raise errors.StorageUnavailable(f"{where.path}: no free key in the trash")
    tree.propagate(parent, -size)
    return TrashItem(
        key=key,
        space=where.space,
        node_id=NodeId(attrs.id),
        original_path=where.path,
        kind=kind,
        size=size,
        deleted_ns=deleted_ns,
    )


def _write_exclusive(tree: Tree, space_dir: str, path: str, data: bytes) -> bool:
    """Write ``path`` atomically (temp file in ``.oc-tmp``, then an exclusive
    rename); False if ``path`` already exists."""
    temp = tree.temp_path(space_dir)
    fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        os.write(fd, data)
        if tree.options.fsync:
            os.fsync(fd)
    finally:
        os.close(fd)
    try:
        rename_noreplace(temp, path)
    except FileExistsError:
        os.unlink(temp)
        return False
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temp)
        raise
    return True


# ---------------------------------------------------------------- list
def list_items(tree: Tree, space: SpaceId) -> list[TrashItem]:
    """Every restorable item of ``space``, newest deletion first.

    An item is an info file with its ``.trashitem`` next to it; either one alone
    is skipped here (``check`` reports it). Costs one read and one ``lstat`` per
    item; nothing inside a trashed folder is looked at.
    """
    space_dir = tree.space_dir(space)
    files_dir, info_dir = trash_dirs(space_dir)
    items: list[TrashItem] = []
    with os_errors(f"trash of space {space}"):
        try:
            names = os.listdir(info_dir)
        except FileNotFoundError:
            return []
    for name in names:
        if not name.endswith(INFO_SUFFIX) or name.startswith("."):
            continue
        key = name[: -len(INFO_SUFFIX)]
        item = read_item(space, files_dir, info_dir, key)
        if item is not None:
            items.append(item)
    items.sort(key=lambda i: (i.deleted_ns, i.key), reverse=True)
    return items


# ---------------------------------------------------------------- entries
def stat_entry(tree: Tree, space: SpaceId, key: str, path: str = "") -> TrashItem:
    """Item ``key``, or the entry at ``path`` inside it (NotFound if unknown)."""
    top, item_path, names = _open(tree, space, key, path)
    if not names:
        return top
    return entry_item(top, names, *locate_entry(item_path, names))


def list_entries(tree: Tree, space: SpaceId, key: str, path: str = "") -> list[TrashItem]:
    """The entries directly inside trashed folder ``key`` (or its folder ``path``)."""
    top, item_path, names = _open(tree, space, key, path)
    return list_folder(top, item_path, names)


def _open(tree: Tree, space: SpaceId, key: str, path: str) -> tuple[TrashItem, str, list[str]]:
    """Item ``key`` as listed, the path of its ``.trashitem`` and the checked
    names of ``path`` inside it."""
    space_dir = tree.space_dir(space)
    check_key(key)
    names = split_relative(path)
    files_dir, info_dir = trash_dirs(space_dir)
    top = read_item(space, files_dir, info_dir, key)
    if top is None:
        raise errors.NotFound(f"no trash item {key!r} in space {space}")
    return top, os.path.join(files_dir, key + ITEM_SUFFIX), names


# ---------------------------------------------------------------- restore
def restore(
    tree: Tree, space: SpaceId, key: str, *, path: str = "", dst: Ref | None = None
) -> NodeInfo:
    """Put item ``key`` (or the entry at ``path`` inside it) back at ``dst`` or,
    by default, where it was deleted from.

    Restoring to the original place recreates missing parent folders (with new
    ids), so nothing is lost when the folder went away meanwhile; an explicit
    ``dst`` needs an existing parent folder (Conflict otherwise) in the same space
    (NotSupported otherwise). A taken name gives ``name (1).ext``, ``name (2).ext``…
    The node keeps its id. QuotaExceeded if the space cannot take it back;
    NotFound for an unknown key or path.

    Crash safety: the record is pointed at the new parent while the node is
    still in the trash, the index learns it, and one exclusive rename moves it
    into place; that rename is the only step anyone can observe. A folder moves
    with everything below it in that one step, so a crash never leaves part of
    it restored and part in the trash. Folders recreated on the way are
    complete (``Tree.create_folder``) and merely empty if the rename never
    happens. After the rename the item's info file is removed (whole item),
    the live tree is propagated, and last the trashed folder an entry left is
    made smaller: a crash there leaves only sizes in the trash stale, and a
    folder restore recounts those.
    """
    top, item_path, names = _open(tree, space, key, path)
    space_dir = tree.space_dir(space)
    source, st = locate_entry(item_path, names)
    found = entry_item(top, names, source, st) if names else top
    with os_errors(f"trash item {key}"):
        attrs = read_node(source)
    if attrs is None:
        raise errors.Conflict(f"trash item {key} has no node record; run 'opencloud check'")
    if dst is not None and dst.space != space:
        raise errors.NotSupported("restoring into another space is not supported")
    target_path = dst.path if dst is not None else found.original_path
    target_names = split_path(target_path)
    if not target_names:
        raise errors.InvalidInput("cannot restore over a space root")
    if found.kind == "dir":
        # recounted, not trusted: a crash may have left the recorded size stale
        attrs.treesize = _index_below(tree, source, attrs.id, space)
    size = attrs.treesize if found.kind == "dir" else attrs.blobsize
    check_quota(tree, Located(space, space_dir, "/"), size)
    if dst is not None:
        target = tree.locate(Ref(space, target_path), write=True)
        parent_attrs, _ = tree.folder(target.parent())
    else:
        target = Located(space, space_dir, "/" + "/".join(target_names))
        parent_attrs = ensure_folders(tree, target.parent())
    parent = target.parent()
    with tree.locks(parent_attrs.id), os_errors(target.path):
        for name in free_names(target.name):
            place = parent.child(name)
            attrs.parentid = parent_attrs.id
            write_node(source, attrs)
            tree.index.add(attrs.id, parent_attrs.id, name)
            try:
                rename_noreplace(source, place.abs)
            except FileExistsError:
                tree.index.remove(attrs.id)
                continue
            except BaseException:
                tree.index.remove(attrs.id)
                raise
            break
        else:
            raise errors.AlreadyExists(f"{target.path}: no free name left")
        if not names:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(os.path.join(trash_dirs(space_dir)[1], key + INFO_SUFFIX))
    tree.propagate(parent, size)
    if names:
        with os_errors(f"trash item {key}"):
            shrink(tree, space_dir, key, names, size)
    return tree.stat(place)


def _index_below(tree: Tree, folder_path: str, node_id: str, space: str) -> int:
    """Index every node below a trashed folder about to be restored, and return
    the size of the files recorded there (what the folder brings back).

    The folder's own entry brings back the descendants the index still has, but
    a full scan that ran while it was in the trash forgot them (scans do not
    walk the trash). Done before the rename, like every index change, so the
    watcher sees known nodes arrive; while the folder itself is not indexed
    these entries resolve to nothing. One ``getxattr`` per entry: a restore is
    rare, and ids that cannot be found are worse. The size is summed on the way
    because the folder's recorded tree size may be stale (an entry restored out
    of it, then a crash before its size was taken off).
    """
    total = 0
    pending = [(folder_path, node_id)]
    while pending:
        folder, folder_id = pending.pop()
        try:
            listing = os.scandir(folder)
        except OSError:
            continue
        with listing:
            for entry in listing:
                try:
                    is_dir = entry.is_dir(follow_symlinks=False)
                    is_file = not is_dir and entry.is_file(follow_symlinks=False)
                    record = read_node(entry.path) if is_dir or is_file else None
                except OSError:
                    continue
                if record is None or record.spaceid != space:
                    continue  # the watcher or the next scan adopts it
                tree.index.add(record.id, folder_id, entry.name)
                if is_dir:
                    pending.append((entry.path, record.id))
                else:
                    total += record.blobsize
    return total


def free_names(name: str) -> Iterator[str]:
    """``name``, then ``name (1).ext``, ``name (2).ext``… up to ``(9999)``, each
    shortened to fit the 255-byte limit (the extension is kept)."""
    stem, dot, suffix = name.rpartition(".")
    if not stem or not dot:  # no extension, or a dot-file like ".profile"
        stem, suffix = name, ""
    ext_part = f".{suffix}" if suffix else ""
    yield name
    for n in range(1, 10_000):
        marker = f" ({n})"
        base = stem
        while base and len(f"{base}{marker}{ext_part}".encode("utf-8", "surrogateescape")) > 255:
            base = base[:-1]
        yield check_name(f"{base}{marker}{ext_part}")


def ensure_folders(tree: Tree, where: Located) -> NodeAttrs:
    """The record of folder ``where``, creating it and any missing ancestor
    (each with a fresh id and record, as mkdir does). Conflict when a file is in
    the way. Nothing is propagated: the caller propagates from below."""
    current = Located(where.space, where.space_dir, "/")
    attrs, _ = tree.folder(current)
    for name in split_path(where.path):
        child = current.child(name)
        try:
            attrs, _ = tree.folder(child)
        except errors.Conflict:
            if os.path.lexists(child.abs):
                raise errors.Conflict(f"{child.path}: not a folder") from None
            attrs = _mkdir(tree, child, attrs.id)
        current = child
    return attrs


def _mkdir(tree: Tree, where: Located, parent_id: str) -> NodeAttrs:
    """Create one missing folder; one that appeared meanwhile is used as is."""
    created = tree.create_folder(where, parent_id)
    if created is not None:
        return created
    found, _ = tree.folder(where)
    return found


# ---------------------------------------------------------------- purge
def purge(tree: Tree, space: SpaceId, key: str | None = None, *, path: str = "") -> None:
    """Remove item ``key`` (NotFound if there is neither item nor info file), the
    entry at ``path`` inside it, or, with None, everything in the trash, for
    good: the tree, its info file (a whole item), and for every node inside it
    its versions and side file.

    The item or entry is first renamed into ``.oc-tmp`` (one atomic step: it
    leaves the trash listing at once, and a concurrent restore or purge of the
    same key finds nothing), then its info file goes (or, for an entry, the
    folder it left is made smaller), then the tree is walked and removed. A
    purged entry is gone from the folder for good: restoring the folder later
    brings back the rest.
    """
    space_dir = tree.space_dir(space)
    files_dir, info_dir = trash_dirs(space_dir)
    if key is None:
        if split_relative(path):
            raise errors.InvalidInput("a path in the trash needs the key of its item")
        with os_errors(f"trash of space {space}"):
            keys = {n[: -len(ITEM_SUFFIX)] for n in _listdir(files_dir) if n.endswith(ITEM_SUFFIX)}
            keys |= {n[: -len(INFO_SUFFIX)] for n in _listdir(info_dir) if n.endswith(INFO_SUFFIX)}
        for found in sorted(keys):
            _purge_key(tree, space_dir, files_dir, info_dir, found)
        return
    check_key(key)
    if split_relative(path):
        _purge_entry(tree, space, key, path)
    elif not _purge_key(tree, space_dir, files_dir, info_dir, key):
        raise errors.NotFound(f"no trash item {key!r} in space {space}")


def _purge_entry(tree: Tree, space: SpaceId, key: str, path: str) -> None:
    top, item_path, names = _open(tree, space, key, path)
    space_dir = tree.space_dir(space)
    source, st = locate_entry(item_path, names)
    size = entry_item(top, names, source, st).size
    claimed = tree.temp_path(space_dir)
    with os_errors(f"trash item {key}"):
        try:
            os.rename(source, claimed)
        except FileNotFoundError:
            raise errors.NotFound(f"{path}: not in trash item {key}") from None
        shrink(tree, space_dir, key, names, size)
        remove_with_side_data(tree, space_dir, claimed)


def _listdir(path: str) -> list[str]:
    try:
        return os.listdir(path)
    except FileNotFoundError:
        return []


def _purge_key(tree: Tree, space_dir: str, files_dir: str, info_dir: str, key: str) -> bool:
    """Purge one key; False when neither item nor info file exists."""
    item_path = os.path.join(files_dir, key + ITEM_SUFFIX)
    info_path = os.path.join(info_dir, key + INFO_SUFFIX)
    claimed = tree.temp_path(space_dir)
    with os_errors(f"trash item {key}"):
        try:
            os.rename(item_path, claimed)
        except FileNotFoundError:
            claimed = ""
        try:
            os.unlink(info_path)
            had_info = True
        except FileNotFoundError:
            had_info = False
        if claimed:
            remove_with_side_data(tree, space_dir, claimed)
    return bool(claimed) or had_info


def remove_with_side_data(tree: Tree, space_dir: str, path: str) -> None:
    """Delete the file or tree at ``path`` (a claimed trash item) and, for every
    node recorded in it, its versions, its side file and its index entry.

    A node whose id is live elsewhere in the tree (an outside copy that carried
    the id along) keeps its versions and side file: they belong to the live
    one. Symlinks are removed, never followed.
    """
    st = os.lstat(path)
    if not statmod.S_ISDIR(st.st_mode):
        _drop_side_data(tree, space_dir, path)
        os.unlink(path)
        return
    for top, _dirs, files in os.walk(path, followlinks=False):
        _drop_side_data(tree, space_dir, top)
        for name in files:
            _drop_side_data(tree, space_dir, os.path.join(top, name))
    shutil.rmtree(path)


def _drop_side_data(tree: Tree, space_dir: str, path: str) -> None:
    try:
        attrs = read_node(path)
    except OSError:
        return  # a symlink or special file: nothing of ours hangs off it
    if attrs is None or tree.index.resolve(attrs.id) is not None:
        return
    tree.index.remove(attrs.id)
    versions.remove_all(space_dir, attrs.id)
    with contextlib.suppress(FileNotFoundError):
        os.unlink(ext.side_file(space_dir, attrs.id))
