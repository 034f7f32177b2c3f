"""Following outside changes: inotify (pyinotify) or periodic rescans.

``changes`` first makes sure nothing is missed: it sets up the watches, then scans
the whole tree (what changed while the server was down), then processes events.
Events are debounced per path and processed in batches: created, written and
moved-in entries first (parents before children), then folders that lost
entries. The server's own writes arrive here too and are recognised as such by
the scanner (record and index match), so they are not processed twice.

Internal folders (``.oc-nodes``, ``.oc-tmp``, ``.Trash``, ``state``) are never
watched: staging files and versions cause no events at all.
"""

from __future__ import annotations

import logging
import os
import threading
import time
import warnings
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from opencloud.core.ids import SpaceId
from opencloud.core.paths import RESERVED_ROOT_NAMES
from opencloud.storage.types import Change
from opencloud_driver_posix import scanner
from opencloud_driver_posix.attrs import read_node
from opencloud_driver_posix.debounce import Debouncer
from opencloud_driver_posix.layout import KIND_DIRS
from opencloud_driver_posix.tree import Located, Tree, remove_path

with warnings.catch_warnings():
    # pyinotify 0.9.6 imports asyncore (deprecated in 3.11; pyasyncore on 3.12+)
    warnings.simplefilter("ignore", DeprecationWarning)
    import pyinotify

if TYPE_CHECKING:
    from opencloud_driver_posix.driver import PosixDriver

log = logging.getLogger(__name__)

MASK = (
    pyinotify.IN_CREATE
    | pyinotify.IN_CLOSE_WRITE
    | pyinotify.IN_MOVED_FROM
    | pyinotify.IN_MOVED_TO
    | pyinotify.IN_DELETE
    | pyinotify.IN_ATTRIB
    | pyinotify.IN_Q_OVERFLOW
)

_POLL_MS = 100


def changes(driver: PosixDriver, stop: threading.Event) -> Iterator[Change]:
    """See ``opencloud.storage.protocol.Watchable.changes``."""
    tree = driver.tree
    mode = tree.options.watch
    remove_stale_temps(tree, driver.started_ns)
    if mode == "inotify":
        yield from _inotify(driver, stop)
        return
    yield from _scan(driver)
    if mode == "poll":
        while not stop.wait(tree.options.scan_interval):
            yield from _scan(driver)
    else:
        stop.wait()


def _scan(driver: PosixDriver) -> Iterator[Change]:
    with driver.scan_lock:
        yield from scanner.full_scan(driver.tree)


def remove_stale_temps(tree: Tree, before_ns: int) -> list[str]:
    """Delete staging files older than this process: uploads a crash interrupted."""
    removed = list(tree.stale_temps(before_ns))
    for path in removed:
        remove_path(path)
    return removed


class _Collector(pyinotify.ProcessEvent):  # type: ignore[misc]
    def my_init(self, **kwargs: Any) -> None:
        self.events: list[Any] = []

    def process_default(self, event: Any) -> None:
        self.events.append(event)


class _Paths:
    """Absolute paths ↔ (space, path in space), and what is internal."""

    def __init__(self, tree: Tree) -> None:
        self.tree = tree
        self.root = tree.layout.root.rstrip("/")
        self.kinds = set(KIND_DIRS.values())

    def parts(self, path: str) -> list[str]:
        rel = os.path.relpath(path, self.root)
        return [] if rel == "." else rel.split(os.sep)

    def internal(self, path: str) -> bool:
        parts = self.parts(path)
        if not parts or parts[0] == "..":
            return True
        if parts[0] not in self.kinds:
            return True  # state/ and anything else beside the space folders
        return len(parts) >= 3 and parts[2] in RESERVED_ROOT_NAMES

    def locate(self, path: str) -> Located | None:
        parts = self.parts(path)
        if len(parts) < 2 or parts[0] not in self.kinds or self.internal(path):
            return None
        space_dir = self.tree.index.spaces.get(parts[1])
        if space_dir is None:
            return None
        return Located(SpaceId(parts[1]), space_dir, "/" + "/".join(parts[2:]))


def _inotify(driver: PosixDriver, stop: threading.Event) -> Iterator[Change]:
    tree = driver.tree
    paths = _Paths(tree)
    manager = pyinotify.WatchManager()
    collector = _Collector()
    notifier = pyinotify.Notifier(manager, collector, timeout=_POLL_MS)
    exclude = paths.internal
    for _kind, folder in tree.layout.kind_dirs():
        manager.add_watch(
            folder, MASK, rec=True, auto_add=True, exclude_filter=exclude, quiet=False
        )
    debouncer = Debouncer(tree.options.debounce)
    tree.own_writes.active = True
    try:
        yield from _scan(driver)  # after the watches: nothing falls between the two
        while not stop.is_set():
            if notifier.check_events(timeout=_POLL_MS):
                notifier.read_events()
                notifier.process_events()
            now = time.monotonic()
            rescan = False
            for event in collector.events:
                overflow = _enqueue(event, paths, debouncer, manager, exclude=exclude, now=now)
                rescan = rescan or overflow
            collector.events.clear()
            if rescan:
                log.warning("inotify queue overflowed: rescanning the whole tree")
                yield from _scan(driver)
                continue
            batch = debouncer.ready(now)
            if batch:
                yield from _process(tree, paths, batch)
            while tree.discovered:
                yield scanner.created_change(*tree.discovered.popleft())
    finally:
        tree.own_writes.active = False
        tree.own_writes.clear()
        tree.discovered.clear()
        notifier.stop()


def _enqueue(
    event: Any, paths: _Paths, debouncer: Debouncer, manager: Any, *, exclude: Any, now: float
) -> bool:
    """Queue the work an event calls for; True when the whole tree needs a rescan."""
    mask = event.mask
    if mask & pyinotify.IN_Q_OVERFLOW:
        return True
    if mask & pyinotify.IN_ATTRIB and mask & pyinotify.IN_ISDIR:
        # Folders' attributes change on every propagation (ours), space roots
        # included: decided first, it costs nothing per write.
        return False
    path = event.pathname
    own = mask & pyinotify.IN_MOVED_TO and not mask & pyinotify.IN_ISDIR
    if own and paths.tree.own_writes.take(path):
        return False  # an upload of ours landing (own_writes.py)
    if not path or paths.internal(path):
        return False
    parts = paths.parts(path)
    if len(parts) <= 2:  # a space folder itself appeared or went
        scanner.register_spaces(paths.tree)
        return False
    parent, name = os.path.split(path)
    if mask & (pyinotify.IN_DELETE | pyinotify.IN_MOVED_FROM):
        debouncer.add("dir", parent, now, name)
        return False
    if (
        mask & pyinotify.IN_MOVED_TO
        and mask & pyinotify.IN_ISDIR
        and not getattr(event, "src_pathname", None)
    ):
        manager.add_watch(path, MASK, rec=True, auto_add=True, exclude_filter=exclude)
    debouncer.add("entry", path, now)
    return False


def _process(tree: Tree, paths: _Paths, batch: list[tuple[str, str, set[str]]]) -> Iterator[Change]:
    entries = sorted((p for kind, p, _ in batch if kind == "entry"), key=lambda p: p.count("/"))
    for path in entries:
        where = paths.locate(path)
        if where is not None:
            yield from _guarded(scanner.check_entry, tree, where)
    for kind, path, names in batch:
        if kind != "dir":
            continue
        where = paths.locate(path)
        if where is None or not _lost_known(tree, where, names):
            continue
        yield from _guarded(scanner.refresh_dir, tree, where)


def _lost_known(tree: Tree, where: Located, names: set[str]) -> bool:
    """True if a vanished name is still in the index (so someone else removed it;
    the server's own deletes and moves update the index first)."""
    attrs = read_node(where.abs) if os.path.isdir(where.abs) else None
    if attrs is None:
        return where.path != "/"
    return any(tree.index.child(attrs.id, name) is not None for name in names) or not names


def _guarded(func: Any, tree: Tree, where: Located) -> list[Change]:
    """One path's failure (it vanished, permissions) must not stop the watcher."""
    try:
        result: list[Change] = func(tree, where)
        return result
    except Exception:  # a path that changed under us; the next scan repairs it
        log.exception("could not process outside change at %s", where.abs)
        return []
