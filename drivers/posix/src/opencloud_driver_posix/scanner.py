"""Scanning the tree: registering spaces, full scans (startup, poll mode, index
rebuild) and single-folder refreshes (the watcher's unit of work)."""

from __future__ import annotations

import os
from collections.abc import Iterator

from opencloud.storage.types import Change
from opencloud_driver_posix.attrs import read_node, read_space
from opencloud_driver_posix.tree import Tree


def register_spaces(tree: Tree) -> None:
    """Find every space root on disk (cheap: one level) and index it."""
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
        tree.index.remove_space(space)
    for space, space_dir in found.items():
        tree.index.add_space(space, space_dir)


def full_scan(tree: Tree) -> Iterator[Change]:
    """Walk every space, assimilate and reconcile; rebuild the index. (stub)"""
    register_spaces(tree)
    tree.index.scanned = True
    return iter(())
