"""Per-node locks for one server process.

A fixed set of re-entrant locks, picked by hashing the node id: bounded memory
whatever the tree size, no lock files in the user's tree (OpenCloud's visible
``.mlock`` files caused watcher storms), and no unlink races on lock files.
Operations take one node's lock at a time (propagation goes hand over hand),
so two ids sharing a stripe can never deadlock. Several processes writing one
tree need the process-level server lock (``state/server.lock``) on top.
"""

from __future__ import annotations

import threading
import zlib
from contextlib import AbstractContextManager

STRIPES = 1024


class NodeLocks:
    def __init__(self, stripes: int = STRIPES) -> None:
        self._locks = [threading.RLock() for _ in range(stripes)]

    def __call__(self, node_id: str) -> AbstractContextManager[bool]:
        """The lock for ``node_id``, as a context manager."""
        return self._locks[zlib.crc32(node_id.encode()) % len(self._locks)]
