"""Versions: earlier contents of a file, kept when it is overwritten.

A version is a hard link to the replaced inode, named
``.oc-nodes/ab/cd/<node-id>.REV.<mtime, RFC 3339 UTC with nanoseconds>``: keeping
one costs no copy, and the inode keeps its own record (checksums, mtime, size).
Versions are not counted against the quota (as in OpenCloud). Retention:
``versions_keep`` and ``versions_max_age_days``.
"""

from __future__ import annotations

import contextlib
import os
import time

from opencloud_driver_posix.attrs import NodeAttrs
from opencloud_driver_posix.layout import nodes_dir
from opencloud_driver_posix.tree import Located, Tree

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
    """Keys of a node's versions, oldest first."""
    prefix = f"{node_id}{REV}"
    try:
        names = os.listdir(nodes_dir(space_dir, node_id))
    except FileNotFoundError:
        return []
    return sorted(n[len(prefix):] for n in names if n.startswith(prefix))


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
