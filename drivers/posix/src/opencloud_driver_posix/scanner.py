"""Reconciling the tree with its records: what other programs did.

Three entry points share one set of rules:

- ``full_scan``: walk every space (at startup, in poll mode, for ``check``).
  Assimilates new entries, recomputes changed files' checksums, fixes parent
  links and folder sizes bottom-up, tells copies from moves, rebuilds the index.
- ``check_entry``: one path the watcher saw created, written or moved in.
- ``refresh_dir``: one folder whose entries may have vanished.

The rules: an entry without a record (or with another space's) is new. A record
whose id the index places elsewhere is a move if the old place no longer holds
that id, and a copy (``cp -a``, ``rsync -X``) if it still does; a copy gets new
ids. A file whose size or mtime differs from its record changed content. The
server's own writes always match their records and index entries, so they
are recognised and cost one ``lstat`` and one ``getxattr``.

Every fix is also a ``Finding``, so ``opencloud check`` reports exactly what a
scan would repair, and ``check --repair`` is a scan.
"""

from __future__ import annotations

import os
import stat as statmod
from collections.abc import Callable, Generator, Iterator

import msgspec

from opencloud.core.ids import NodeId, SpaceId, new_node_id
from opencloud.core.paths import RESERVED_ROOT_NAMES
from opencloud.storage.types import Change, ChangeKind, Finding, NodeInfo
from opencloud_driver_posix.attrs import (
    NodeAttrs,
    content_changed,
    next_tmtime,
    read_node,
    read_space,
    to_info,
    write_node,
)
from opencloud_driver_posix.index import NodeIndex
from opencloud_driver_posix.tree import Located, Tree

Report = Callable[[Finding], None]


def register_spaces(tree: Tree) -> None:
    """Find every space root on disk (one level: cheap) and index it."""
    found: dict[str, str] = {}
    for _kind, parent in tree.layout.kind_dirs():
        try:
            names = os.listdir(parent)
        except FileNotFoundError:
            continue
        for name in names:
            space_dir = os.path.join(parent, name)
            attrs = read_node(space_dir) if os.path.isdir(space_dir) else None
            if attrs is not None and attrs.id == name and read_space(space_dir) is not None:
                found[name] = space_dir
    for space in set(tree.index.spaces) - set(found):
        # Created after the listing above (a user provisioned during startup):
        # look again before forgetting a space the index knows.
        known = tree.index.spaces.get(space)
        if known is not None and os.path.isdir(known) and read_space(known) is not None:
            continue
        tree.index.remove_space(space)
    for space, space_dir in found.items():
        tree.index.add_space(space, space_dir)


def _info(where: Located, attrs: NodeAttrs) -> NodeInfo | None:
    try:
        st = os.lstat(where.abs)
    except FileNotFoundError:
        return None
    return to_info(attrs, st, path=where.path, name=where.name)


def _change(
    kind: ChangeKind, where: Located, record: NodeAttrs, *, old_path: str = "", old_parent: str = ""
) -> Change:
    """The change ``kind`` of the node ``record`` describes, now at ``where``."""
    return Change(
        kind=kind,
        space=where.space,
        node_id=NodeId(record.id),
        parent_id=NodeId(record.parentid),
        path=where.path,
        node=_info(where, record),
        old_path=old_path,
        old_parent_id=NodeId(old_parent) if old_parent else "",
    )


def created_change(where: Located, attrs: NodeAttrs) -> Change:
    """The change that announces an entry another program made."""
    return _change("created", where, attrs)


_created = created_change


def _is_node(st: os.stat_result) -> bool:
    return statmod.S_ISDIR(st.st_mode) or statmod.S_ISREG(st.st_mode)


def _entries(where: Located) -> list[tuple[str, os.stat_result]]:
    """A folder's regular files and folders (no symlinks, no server folders)."""
    found: list[tuple[str, os.stat_result]] = []
    at_root = where.path == "/"
    try:
        with os.scandir(where.abs) as entries:
            for entry in entries:
                if at_root and entry.name in RESERVED_ROOT_NAMES:
                    continue
                try:
                    st = entry.stat(follow_symlinks=False)
                except FileNotFoundError:
                    continue
                if _is_node(st):
                    found.append((entry.name, st))
    except (FileNotFoundError, NotADirectoryError):
        pass
    return found


# ------------------------------------------------------------------ full scan
class _Suspect(msgspec.Struct):
    """A node whose inode differs from its record: a copy, or restored/moved
    across filesystems. Decided once every original id is known."""

    where: Located
    attrs: NodeAttrs
    st: os.stat_result


class FullScan:
    """One walk over every space. ``fix`` False only reports (``opencloud check``)."""

    def __init__(self, tree: Tree, *, fix: bool, report: Report | None = None) -> None:
        self.tree = tree
        self.fix = fix
        self._report = report
        self._seen: set[str] = set()
        self._suspects: list[_Suspect] = []
        self._before = NodeIndex()

    def seen_ids(self) -> set[str]:
        """Every id found in the tree by this scan."""
        return set(self._seen)

    def finding(self, code: str, path: str, message: str, severity: str = "error") -> None:
        if self._report is not None:
            self._report(
                Finding(
                    code=code,
                    path=path,
                    message=message,
                    severity="warning" if severity == "warning" else "error",
                    repaired=self.fix,
                )
            )

    def run(self) -> Iterator[Change]:
        tree = self.tree
        register_spaces(tree)
        spaces, nodes = tree.index.snapshot()
        self._before.replace_all(spaces, nodes)
        tree.index.begin_tracking()
        try:
            for space, space_dir in sorted(spaces.items()):
                root = read_node(space_dir)
                if root is None:
                    continue
                self._seen.add(space)
                yield from self._dir(Located(SpaceId(space), space_dir, "/"), root)
            yield from self._decide_suspects()
            yield from self._forget_vanished()
        finally:
            touched = tree.index.end_tracking()
        if self.fix:
            tree.index.scanned = True
        del touched

    def _dir(self, where: Located, attrs: NodeAttrs) -> Generator[Change, None, tuple[int, bool]]:
        total = 0
        changed = False
        for name, st in _entries(where):
            child = where.child(name)
            size, child_changed = yield from self._entry(child, attrs, st)
            total += size
            changed = changed or child_changed
        if attrs.treesize != total:
            self.finding(
                "treesize",
                where.abs,
                f"folder size is recorded as {attrs.treesize}, contents add up to {total}",
            )
        if self.fix and (attrs.treesize != total or changed):
            with self.tree.locks(attrs.id):
                current = read_node(where.abs) or attrs
                current.treesize = total
                current.tmtime = next_tmtime(current.tmtime)
                write_node(where.abs, current)
        return total, changed or attrs.treesize != total

    def _entry(
        self, where: Located, parent: NodeAttrs, st: os.stat_result
    ) -> Generator[Change, None, tuple[int, bool]]:
        tree = self.tree
        record = read_node(where.abs)
        if record is None or record.spaceid != where.space:
            self.finding("unassimilated", where.abs, "no record: added by another program")
            if not self.fix:
                return (st.st_size if statmod.S_ISREG(st.st_mode) else 0), True
            adopted = tree.adopt(where, parent.id, st, new_ids=True)
            for node_where, node_attrs in adopted.created:
                self._seen.add(node_attrs.id)
                yield _created(node_where, node_attrs)
            return adopted.size, True
        if record.ino != st.st_ino:
            self._suspects.append(_Suspect(where=where, attrs=record, st=st))
        else:
            self._seen.add(record.id)
        changed = False
        if record.parentid != parent.id:
            self.finding(
                "parent-link", where.abs, f"parent recorded as {record.parentid}, is {parent.id}"
            )
            changed = True
            if self.fix:
                record.parentid = parent.id
                write_node(where.abs, record)
        if record.ino == st.st_ino:
            changed = (yield from self._place(where, record)) or changed
        if statmod.S_ISDIR(st.st_mode):
            size, below = yield from self._dir(where, record)
            return size, changed or below
        if content_changed(record, st):
            self.finding("content", where.abs, "content changed by another program")
            if self.fix:
                record = tree.file_record(where.abs, record.id, parent.id, where.space)
                yield _change("modified", where, record)
            return st.st_size, True
        return record.blobsize, changed

    def _place(self, where: Located, record: NodeAttrs) -> Generator[Change, None, bool]:
        """Index a known node where it is; report a move if it was elsewhere."""
        tree = self.tree
        before = self._before.get(record.id)
        now = (record.parentid, where.name)
        if before == now:
            return False
        if before is not None:
            self.finding("index", where.abs, "the index placed this item elsewhere", "warning")
        if not self.fix:
            return False
        tree.index.add(record.id, record.parentid, where.name)
        old = self._before.resolve(record.id)
        if before is not None and old is not None:
            yield _change("moved", where, record, old_path=old[1], old_parent=before[0])
        return before is not None

    def _decide_suspects(self) -> Iterator[Change]:
        """Copies get new ids; the rest (restored, moved across filesystems) keep
        theirs and get their inode number updated. Walk order: parents first."""
        tree = self.tree
        for suspect in self._suspects:
            where, record = suspect.where, suspect.attrs
            parent = read_node(os.path.dirname(where.abs))
            parent_id = parent.id if parent is not None else record.parentid
            if record.id in self._seen:
                self.finding(
                    "duplicate-id",
                    where.abs,
                    f"id {record.id} also used elsewhere: a copy made outside the server",
                )
                if not self.fix:
                    continue
                new = new_node_id()
                record = msgspec.structs.replace(
                    record, id=new, parentid=parent_id, ino=suspect.st.st_ino
                )
                write_node(where.abs, record)
                for name, child_st in (
                    _entries(where) if statmod.S_ISDIR(suspect.st.st_mode) else []
                ):
                    child = read_node(os.path.join(where.abs, name))
                    if child is not None:
                        child.parentid = new
                        write_node(os.path.join(where.abs, name), child)
                        if child.ino == child_st.st_ino:  # suspects are decided in their turn
                            tree.index.add(child.id, new, name)
                tree.index.add(new, parent_id, where.name)
                self._seen.add(new)
                yield _created(where, record)
                continue
            self._seen.add(record.id)
            self.finding("inode", where.abs, "inode changed (restored or copied back)", "warning")
            if self.fix:
                record.ino = suspect.st.st_ino
                record.parentid = parent_id
                write_node(where.abs, record)
                yield from self._place(where, record)

    def _forget_vanished(self) -> Iterator[Change]:
        tree = self.tree
        _, nodes = tree.index.snapshot()
        touched = tree.index.tracked()
        for node, (parent, _name) in nodes.items():
            if node in self._seen or node in touched or parent == "":
                continue
            old = self._before.resolve(node)
            if old is not None:
                self.finding(
                    "index", old[1], f"the index lists {node}, which no longer exists", "warning"
                )
            if not self.fix:
                continue
            tree.index.remove(node)
            if old is not None:
                yield Change(
                    kind="deleted",
                    space=SpaceId(old[0]),
                    node_id=NodeId(node),
                    parent_id=NodeId(parent),
                    path=old[1],
                )


def full_scan(tree: Tree, *, fix: bool = True, report: Report | None = None) -> Iterator[Change]:
    """Walk every space, repair (unless ``fix`` is False) and yield what changed."""
    return FullScan(tree, fix=fix, report=report).run()


# ------------------------------------------------------------------ watcher units
def check_entry(tree: Tree, where: Located) -> list[Change]:
    """Handle one path another program created, wrote, or moved in."""
    try:
        st = os.lstat(where.abs)
    except (FileNotFoundError, NotADirectoryError):
        return []  # gone again: the folder refresh handles it
    if not _is_node(st) or where.path == "/":
        return []
    parent_where = where.parent()
    parent = read_node(parent_where.abs)
    if parent is None or parent.spaceid != where.space:
        return check_entry(tree, parent_where) if parent_where.path != "/" else []
    with tree.locks(parent.id):
        record = read_node(where.abs)
        if record is None or record.spaceid != where.space:
            adopted = tree.adopt(where, parent.id, st, new_ids=True)
            changes = [_created(w, a) for w, a in adopted.created]
            size_diff, moved_from = adopted.size, None
        else:
            changes, size_diff, moved_from = _known_entry(tree, where, parent, record, st)
    if moved_from is not None:
        tree.propagate(moved_from, -size_diff)
    if changes:
        tree.propagate(parent_where, size_diff)
    return changes


def _known_entry(
    tree: Tree, where: Located, parent: NodeAttrs, record: NodeAttrs, st: os.stat_result
) -> tuple[list[Change], int, Located | None]:
    """A path with a record of this space: own write, content change, move or copy.
    Returns the changes, the size added under the parent, and the old parent of a
    move (which loses that size). Called under the parent's lock."""
    is_dir = statmod.S_ISDIR(st.st_mode)
    here = (parent.id, where.name)
    known = tree.index.get(record.id)
    if known == here and record.parentid == parent.id:
        if is_dir or not content_changed(record, st):
            if record.ino != st.st_ino:
                record.ino = st.st_ino
                write_node(where.abs, record)
            return [], 0, None  # our own write, or nothing that matters
        old_size = record.blobsize
        record = tree.file_record(where.abs, record.id, parent.id, where.space)
        return (
            [_change("modified", where, record)],
            record.blobsize - old_size,
            None,
        )
    old = tree.index.resolve(record.id) if known is not None else None
    if old is not None and old[1] != where.path:
        old_where = Located(SpaceId(old[0]), tree.index.spaces[old[0]], old[1])
        try:
            holder = read_node(old_where.abs)
        except (FileNotFoundError, NotADirectoryError):
            holder = None
        if holder is not None and holder.id == record.id:  # the original is still there
            adopted = tree.adopt(where, parent.id, st, new_ids=True)
            return [_created(w, a) for w, a in adopted.created], adopted.size, None
        size = record.treesize if is_dir else record.blobsize
        if not is_dir and content_changed(record, st):
            record = tree.file_record(where.abs, record.id, parent.id, where.space)
        record.parentid, record.ino = parent.id, st.st_ino
        write_node(where.abs, record)
        tree.index.add(record.id, parent.id, where.name)
        change = _change(
            "moved", where, record, old_path=old[1], old_parent=known[0] if known else ""
        )
        if old[0] != where.space:
            return [change], size, None
        return [change], size, old_where.parent()
    # an id the index does not know (moved in with its records): adopt, keeping ids
    adopted = tree.adopt(where, parent.id, st, new_ids=False)
    return [_created(w, a) for w, a in adopted.created], adopted.size, None


def refresh_dir(tree: Tree, where: Located) -> list[Change]:
    """Reconcile one folder's entries with the index: what vanished is forgotten
    (and reported deleted), what is new is assimilated, and the folder's size is
    recomputed from its entries and propagated."""
    try:
        st = os.lstat(where.abs)
    except (FileNotFoundError, NotADirectoryError):
        return []
    if not statmod.S_ISDIR(st.st_mode):
        return []
    attrs = read_node(where.abs)
    if attrs is None or attrs.spaceid != where.space:
        return check_entry(tree, where)
    on_disk = dict(_entries(where))
    changes: list[Change] = []
    for name, node in tree.index.children(attrs.id).items():
        if name in on_disk:
            continue
        old = tree.index.resolve(node)
        tree.index.remove(node)
        changes.append(
            Change(
                kind="deleted",
                space=where.space,
                node_id=NodeId(node),
                parent_id=NodeId(attrs.id),
                path=old[1] if old else where.path,
            )
        )
    for name, child_st in on_disk.items():
        record = read_node(os.path.join(where.abs, name))
        if (
            record is None
            or record.spaceid != where.space
            or tree.index.child(attrs.id, name) != record.id
            or (statmod.S_ISREG(child_st.st_mode) and content_changed(record, child_st))
        ):
            changes += check_entry(tree, where.child(name))
    total = 0
    for name, child_st in _entries(where):
        record = read_node(os.path.join(where.abs, name))
        if record is None:
            total += child_st.st_size if statmod.S_ISREG(child_st.st_mode) else 0
        else:
            total += record.treesize if statmod.S_ISDIR(child_st.st_mode) else record.blobsize
    with tree.locks(attrs.id):
        current = read_node(where.abs) or attrs
        diff = total - current.treesize
        if diff or changes:
            current.treesize = total
            current.tmtime = next_tmtime(current.tmtime)
            write_node(where.abs, current)
    if (diff or changes) and where.path != "/":
        tree.propagate(where.parent(), diff)
    return changes
