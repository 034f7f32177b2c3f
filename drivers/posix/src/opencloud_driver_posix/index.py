"""The id index: node id → (parent id, name), and each folder's children.

Derived, never the truth: every entry is checked against the tree when used
(the node at the resolved path must carry the id), and the whole index is
rebuilt by a scan when it is missing. It is saved to ``state/index.mpk`` when
the driver closes, so a restart need not wait for a full walk.

Storing parent links rather than full paths keeps a folder move O(1): only the
moved node's entry changes, and its descendants resolve through it. A trashed
node's entry is removed; its descendants then resolve to nothing (they are in
the trash) until it is restored, and a later scan drops them.
"""

from __future__ import annotations

import contextlib
import os
import threading

import msgspec

_FORMAT = 1


class _Saved(msgspec.Struct):
    format: int
    spaces: dict[str, str]  # space id -> space dir
    nodes: dict[str, tuple[str, str]]  # node id -> (parent id, name)


class NodeIndex:
    """Thread-safe. Space roots are entries with parent ``""`` and name = space id."""

    def __init__(self) -> None:
        self._lock = threading.RLock()
        self.spaces: dict[str, str] = {}
        self._nodes: dict[str, tuple[str, str]] = {}
        self._children: dict[str, dict[str, str]] = {}
        self.scanned = False  # a full scan has run in this process
        self._tracking: set[str] | None = None

    def __len__(self) -> int:
        return len(self._nodes)

    def add_space(self, space: str, space_dir: str) -> None:
        with self._lock:
            self.spaces[space] = space_dir
            self._nodes[space] = ("", space)

    def remove_space(self, space: str) -> None:
        with self._lock:
            self.spaces.pop(space, None)
            self._nodes.pop(space, None)

    def add(self, node: str, parent: str, name: str) -> None:
        """Record (or move) ``node`` to ``parent``/``name``."""
        with self._lock:
            old = self._nodes.get(node)
            if old is not None:
                siblings = self._children.get(old[0])
                if siblings is not None and siblings.get(old[1]) == node:
                    del siblings[old[1]]
            self._nodes[node] = (parent, name)
            self._children.setdefault(parent, {})[name] = node
            if self._tracking is not None:
                self._tracking.add(node)

    def remove(self, node: str) -> None:
        """Forget ``node`` (its descendants become unreachable until it returns)."""
        with self._lock:
            old = self._nodes.pop(node, None)
            if old is not None:
                siblings = self._children.get(old[0])
                if siblings is not None and siblings.get(old[1]) == node:
                    del siblings[old[1]]

    def begin_tracking(self) -> None:
        """Remember every node added from now on (a scan must not forget nodes
        the server created while it walked)."""
        with self._lock:
            self._tracking = set()

    def tracked(self) -> set[str]:
        with self._lock:
            return set(self._tracking or ())

    def end_tracking(self) -> set[str]:
        with self._lock:
            found, self._tracking = self._tracking or set(), None
            return found

    def get(self, node: str) -> tuple[str, str] | None:
        return self._nodes.get(node)

    def child(self, parent: str, name: str) -> str | None:
        siblings = self._children.get(parent)
        return siblings.get(name) if siblings else None

    def children(self, parent: str) -> dict[str, str]:
        with self._lock:
            return dict(self._children.get(parent, {}))

    def resolve(self, node: str) -> tuple[str, str] | None:
        """(space id, canonical path) of ``node``, or None if unreachable."""
        names: list[str] = []
        current = node
        with self._lock:
            for _ in range(4096):  # deeper than any real tree; guards against a loop
                entry = self._nodes.get(current)
                if entry is None:
                    return None
                parent, name = entry
                if parent == "":
                    if current not in self.spaces:
                        return None
                    return current, "/" + "/".join(reversed(names))
                names.append(name)
                current = parent
        return None

    def replace_all(self, spaces: dict[str, str], nodes: dict[str, tuple[str, str]]) -> None:
        """Swap in a freshly scanned index."""
        children: dict[str, dict[str, str]] = {}
        for node, (parent, name) in nodes.items():
            children.setdefault(parent, {})[name] = node
        with self._lock:
            self.spaces = dict(spaces)
            self._nodes = dict(nodes)
            for space in spaces:
                self._nodes[space] = ("", space)
            self._children = children
            self.scanned = True

    def snapshot(self) -> tuple[dict[str, str], dict[str, tuple[str, str]]]:
        with self._lock:
            return dict(self.spaces), dict(self._nodes)

    # ---- persistence
    def save(self, path: str) -> None:
        """Write atomically (temp file + rename)."""
        with self._lock:
            data = msgspec.msgpack.encode(_Saved(_FORMAT, self.spaces, self._nodes))
        tmp = f"{path}.{os.getpid()}.tmp"
        with open(tmp, "wb") as out:
            out.write(data)
        os.replace(tmp, path)

    def load(self, path: str) -> bool:
        """Load a saved index; False (and nothing loaded) if missing or unreadable."""
        try:
            with open(path, "rb") as src:
                saved = msgspec.msgpack.decode(src.read(), type=_Saved)
        except (OSError, msgspec.DecodeError, msgspec.ValidationError):
            return False
        if saved.format != _FORMAT:
            return False
        known = dict(self.spaces)
        self.replace_all({**saved.spaces, **known}, saved.nodes)
        self.scanned = False  # loaded, not yet verified against the tree
        return True

    @staticmethod
    def discard(path: str) -> None:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(path)
