"""Per-path debouncing of watcher events.

A path is processed once it has been quiet for ``delay`` seconds, or at the latest
``max_wait`` seconds after its first event, so a burst (a program writing a file
in many small chunks, ``rsync`` of a thousand files) is handled once, and a file
written continuously is still picked up within ``max_wait`` seconds.
"""

from __future__ import annotations

import msgspec


class Pending(msgspec.Struct):
    first: float
    last: float
    names: set[str]


class Debouncer:
    def __init__(self, delay: float, max_wait: float = 1.0) -> None:
        self.delay = delay
        self.max_wait = max(max_wait, delay)
        self._pending: dict[tuple[str, str], Pending] = {}

    def __len__(self) -> int:
        return len(self._pending)

    def add(self, kind: str, path: str, now: float, name: str = "") -> None:
        item = self._pending.get((kind, path))
        if item is None:
            self._pending[(kind, path)] = Pending(first=now, last=now, names={name} - {""})
        else:
            item.last = now
            if name:
                item.names.add(name)

    def ready(self, now: float) -> list[tuple[str, str, set[str]]]:
        """Items due now, removed from the pending set."""
        due = [
            key
            for key, item in self._pending.items()
            if now - item.last >= self.delay or now - item.first >= self.max_wait
        ]
        return [(kind, path, self._pending.pop((kind, path)).names) for kind, path in due]
