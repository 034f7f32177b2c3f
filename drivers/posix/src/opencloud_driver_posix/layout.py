"""Where things live in the tree.

::

    <root>/users/<space-id>/…          personal spaces (space id = user id)
    <root>/projects/<space-id>/…       project spaces
    <root>/system/<space-id>/…         the server's own records (users, groups, locks)
    <root>/state/index.mpk             the derived id index (deleted = rebuilt)
    <root>/state/server.lock           held (shared) by every process using the tree
    <space>/.oc-nodes/ab/cd/<id>.mpk   growing metadata moved out of the xattrs
    <space>/.oc-nodes/ab/cd/<id>.REV.<time>  versions (hard links to old inodes)
    <space>/.oc-tmp/                   staging for atomic writes (same filesystem)
    <space>/.Trash/files|info/         the trash, freedesktop style

The dot-folders at a space root are reserved: clients can neither see nor create
them (``opencloud.core.paths.RESERVED_ROOT_NAMES``).
"""

from __future__ import annotations

import os
from pathlib import Path

from opencloud.storage.types import SpaceKind

KIND_DIRS: dict[SpaceKind, str] = {"personal": "users", "project": "projects", "system": "system"}
NODES_DIR = ".oc-nodes"
TMP_DIR = ".oc-tmp"
TRASH_DIR = ".Trash"


class Layout:
    def __init__(self, root: Path) -> None:
        self.root = str(root)
        self.state = os.path.join(self.root, "state")
        self.index_file = os.path.join(self.state, "index.mpk")
        self.lock_file = os.path.join(self.state, "server.lock")

    def ensure(self) -> None:
        for sub in (*KIND_DIRS.values(), "state"):
            os.makedirs(os.path.join(self.root, sub), exist_ok=True)

    def space_dir(self, kind: SpaceKind, space: str) -> str:
        return os.path.join(self.root, KIND_DIRS[kind], space)

    def kind_dirs(self) -> list[tuple[SpaceKind, str]]:
        return [(kind, os.path.join(self.root, sub)) for kind, sub in KIND_DIRS.items()]


def nodes_dir(space_dir: str, node_id: str) -> str:
    """The side folder for a node's files: two levels of fan-out by id."""
    return os.path.join(space_dir, NODES_DIR, node_id[:2], node_id[2:4])


def tmp_dir(space_dir: str) -> str:
    return os.path.join(space_dir, TMP_DIR)


def trash_dirs(space_dir: str) -> tuple[str, str]:
    """(files, info) folders of the space's trash."""
    base = os.path.join(space_dir, TRASH_DIR)
    return os.path.join(base, "files"), os.path.join(base, "info")


def ensure_space_dirs(space_dir: str) -> None:
    for sub in (os.path.join(space_dir, NODES_DIR), tmp_dir(space_dir), *trash_dirs(space_dir)):
        os.makedirs(sub, exist_ok=True)
