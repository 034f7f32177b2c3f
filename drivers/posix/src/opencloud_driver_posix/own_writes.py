"""The server's own file placements, so the watcher can drop their events
without touching the disk.

Every upload ends with a rename into the tree, which inotify reports as
``IN_MOVED_TO``. The watcher would tell it from an outside write by reading
the file's record (an ``lstat`` and two ``getxattr`` under a lock) after the
debounce delay; on a busy server that costs a third of a core. Instead the
upload notes the path just before its rename, and the watcher takes the note
when the event arrives: one dictionary lookup.

Only the watcher's own event is dropped: the note is taken once, so a write
by another program to the same path a moment later still has its own event.
Notes are kept only while a watcher runs, at most ``CAPACITY`` of them, and
expire after ``TTL`` seconds (an event that never came, e.g. after an
overflow rescan, must not shadow a later one).
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict

CAPACITY = 100_000
TTL = 30.0


class OwnWrites:
    def __init__(self) -> None:
        self._notes: OrderedDict[str, float] = OrderedDict()
        self._lock = threading.Lock()
        self.active = False  # set while a watcher consumes the notes

    def note(self, path: str) -> None:
        if not self.active:
            return
        now = time.monotonic()
        with self._lock:
            self._notes.pop(path, None)
            self._notes[path] = now
            while len(self._notes) > CAPACITY:
                self._notes.popitem(last=False)

    def take(self, path: str) -> bool:
        """True once per note of ``path`` that is still fresh."""
        with self._lock:
            noted = self._notes.pop(path, None)
        return noted is not None and time.monotonic() - noted < TTL

    def clear(self) -> None:
        with self._lock:
            self._notes.clear()
