"""``opencloud check [--repair]``: verify the tree against its records.

What is checked (each problem is a Finding with a stable code):

- every entry has a record, each id is unique (``duplicate-id``: a copy made
  outside the server), parent links and space ids are right, folder sizes add up
  (``treesize``), files still match their checksums' size and mtime (``content``),
  and the saved index agrees with the tree (``index``) — all by one full scan;
- staging files left by an interrupted write (``stale-temp``);
- inodes whose attributes exceed the xattr budget (``xattr-budget``);
- trash entries missing their item or their info file (``trash``);
- side files and versions of nodes that no longer exist (``orphan``).

``--repair`` needs the tree to itself: it takes the exclusive lock on
``state/server.lock`` and refuses while a server (or another check) holds it.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import time
from collections.abc import Generator, Iterator
from typing import TYPE_CHECKING

from opencloud.core import errors
from opencloud.core.paths import RESERVED_ROOT_NAMES
from opencloud.storage.types import Finding
from opencloud_driver_posix import xattrs
from opencloud_driver_posix.attrs import EXT_ATTR, read_node
from opencloud_driver_posix.ext import read_ext, write_ext
from opencloud_driver_posix.layout import NODES_DIR, trash_dirs
from opencloud_driver_posix.scanner import FullScan
from opencloud_driver_posix.tree import Tree, remove_path

if TYPE_CHECKING:
    from opencloud_driver_posix.driver import PosixDriver

STALE_TEMP_SECONDS = 24 * 3600


def check(driver: PosixDriver, *, repair: bool) -> Iterator[Finding]:
    alone = _try_exclusive(driver)
    if repair and not alone:
        raise errors.Locked(
            f"{driver.layout.root} is in use by a running server; stop it before --repair"
        )
    try:
        yield from _check(driver, repair=repair, alone=alone)
    finally:
        if alone:
            fcntl.flock(driver.lock_fd, fcntl.LOCK_SH)


def _try_exclusive(driver: PosixDriver) -> bool:
    """Swap our shared lock for an exclusive one if nobody else holds the tree."""
    try:
        fcntl.flock(driver.lock_fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    return True


def _check(driver: PosixDriver, *, repair: bool, alone: bool) -> Iterator[Finding]:
    tree = driver.tree
    found: list[Finding] = []
    yield from _stale_temps(tree, repair=repair, alone=alone)
    with driver.scan_lock:
        scan = FullScan(tree, fix=repair, report=found.append)
        for _change in scan.run():
            yield from found
            found.clear()
        yield from found
        found.clear()
    live = scan.seen_ids()
    yield from _budget(tree, repair=repair)
    trashed = yield from _trash(tree, repair=repair)
    yield from _orphans(tree, live | trashed, repair=repair)
    if repair:
        tree.index.save(tree.layout.index_file)


def _stale_temps(tree: Tree, *, repair: bool, alone: bool) -> Iterator[Finding]:
    horizon_ns = time.time_ns() - (0 if alone else STALE_TEMP_SECONDS * 1_000_000_000)
    for path in tree.stale_temps(horizon_ns):
        if repair:
            remove_path(path)
        yield Finding(
            code="stale-temp",
            path=path,
            repaired=repair,
            message="staging file left by an interrupted write",
        )


def _walk(tree: Tree) -> Iterator[str]:
    """Every file and folder path in every space, the space roots included."""
    for space_dir in tree.index.spaces.values():
        yield space_dir
        for folder, dirs, files in os.walk(space_dir):
            if folder == space_dir:
                dirs[:] = [d for d in dirs if d not in RESERVED_ROOT_NAMES]
            for name in (*dirs, *files):
                path = os.path.join(folder, name)
                if not os.path.islink(path):
                    yield path


def _budget(tree: Tree, *, repair: bool) -> Iterator[Finding]:
    budget = tree.options.xattr_budget
    for path in _walk(tree):
        try:
            size = xattrs.total_size(path)
        except FileNotFoundError:
            continue
        if size <= budget:
            continue
        fixed = False
        attrs = read_node(path)
        if repair and attrs is not None and xattrs.get(path, EXT_ATTR) is not None:
            space_dir = tree.index.spaces.get(attrs.spaceid, "")
            with tree.locks(attrs.id):
                values = read_ext(path, space_dir, attrs)
                write_ext(path, space_dir, attrs, values, inline_limit=0)
            fixed = xattrs.total_size(path) <= budget
        yield Finding(
            code="xattr-budget",
            path=path,
            repaired=fixed,
            message=f"attributes take {size} bytes, more than the {budget} budget",
        )


def _trash(tree: Tree, *, repair: bool) -> Generator[Finding, None, set[str]]:
    """Report broken trash entries; returns the ids of everything in the trash
    (so their versions and side files are not orphans)."""
    ids: set[str] = set()
    for space_dir in tree.index.spaces.values():
        files, infos = trash_dirs(space_dir)
        items = {n.removesuffix(".trashitem") for n in _listdir(files) if n.endswith(".trashitem")}
        notes = {n.removesuffix(".trashinfo") for n in _listdir(infos) if n.endswith(".trashinfo")}
        for key in sorted(notes - items):
            path = os.path.join(infos, f"{key}.trashinfo")
            if repair:
                os.unlink(path)
            yield Finding(
                code="trash", path=path, repaired=repair, message="trash info without its item"
            )
        for key in sorted(items - notes):
            path = os.path.join(files, f"{key}.trashitem")
            if repair:
                with open(os.path.join(infos, f"{key}.trashinfo"), "w", encoding="utf-8") as out:
                    out.write(
                        f"[Trash Info]\nPath=/{key}\nDeletionDate="
                        f"{time.strftime('%Y-%m-%dT%H:%M:%S', time.gmtime())}\n"
                    )
            yield Finding(
                code="trash",
                path=path,
                repaired=repair,
                message="trash item without its info file (restorable as /<key>)",
            )
        for key in items:
            item = os.path.join(files, f"{key}.trashitem")
            ids.update(_ids_below(item))
    return ids


def _ids_below(path: str) -> set[str]:
    found: set[str] = set()
    paths = [path]
    if os.path.isdir(path) and not os.path.islink(path):
        for folder, dirs, names in os.walk(path):
            paths += [os.path.join(folder, n) for n in (*dirs, *names)]
    for item in paths:
        with contextlib.suppress(OSError):
            attrs = read_node(item)
            if attrs is not None:
                found.add(attrs.id)
    return found


def _orphans(tree: Tree, known: set[str], *, repair: bool) -> Iterator[Finding]:
    for space_dir in tree.index.spaces.values():
        for folder, _dirs, names in os.walk(os.path.join(space_dir, NODES_DIR)):
            for name in names:
                node = name.split(".", 1)[0]
                if node in known:
                    continue
                path = os.path.join(folder, name)
                if repair:
                    with contextlib.suppress(FileNotFoundError):
                        os.unlink(path)
                yield Finding(
                    code="orphan",
                    path=path,
                    repaired=repair,
                    severity="warning",
                    message=f"metadata or version of {node}, which no longer exists",
                )


def _listdir(path: str) -> list[str]:
    try:
        return os.listdir(path)
    except FileNotFoundError:
        return []
