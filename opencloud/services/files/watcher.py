"""The watcher worker: outside changes to the tree become events.

The driver does the hard part (noticing, assigning ids, propagating); this
worker only turns each ``Change`` it yields into the event an API write would
have published. It runs under the app's worker supervisor, which restarts it
if the driver's iterator raises.
"""

from __future__ import annotations

import threading

from opencloud.services.files.service import FilesService
from opencloud.storage.protocol import Watchable


class WatchWorker:
    """``run`` blocks until ``stop`` is set, publishing every outside change."""

    name = "watcher"

    def __init__(self, driver: Watchable, files: FilesService) -> None:
        self._driver = driver
        self._files = files

    def run(self, stop: threading.Event) -> None:
        for change in self._driver.changes(stop):
            self._files.publish_change(change)
