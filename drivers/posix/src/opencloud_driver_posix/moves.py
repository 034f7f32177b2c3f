"""Move and copy (in progress)."""

from __future__ import annotations

import shutil

from opencloud.storage.types import NodeInfo, Ref
from opencloud_driver_posix.tree import Tree


def move(tree: Tree, src: Ref, dst: Ref, *, overwrite: bool) -> NodeInfo:
    raise NotImplementedError


def copy(tree: Tree, src: Ref, dst: Ref, *, overwrite: bool) -> NodeInfo:
    raise NotImplementedError


def remove_tree(path: str) -> None:
    shutil.rmtree(path)
