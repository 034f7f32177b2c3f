"""Failed-login throttling, per username and per client address.

After ``attempts`` failures within ``window`` seconds, every further attempt for
that key is refused with ``Throttled`` (HTTP 429, ``Retry-After``) until the
oldest of those failures is ``window`` seconds old, even with the right
password: otherwise the refusal itself would tell a guesser when they hit.
Refused attempts do not count as new failures. A success resets the username's
count (not the address's, which many users may share behind one NAT).

Memory is bounded: each table keeps at most ``capacity`` keys, dropping the
least recently failed ones first.
"""

from __future__ import annotations

import math
import threading
import time
from collections import OrderedDict, deque
from collections.abc import Callable

from opencloud.core.errors import Throttled


class Throttle:
    def __init__(
        self,
        *,
        attempts: int,
        window: float,
        capacity: int = 10_000,
        what: str = "this account",
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.attempts = max(1, attempts)
        self.window = window
        self.capacity = capacity
        self._what = what
        self._monotonic = monotonic
        self._failures: OrderedDict[str, deque[float]] = OrderedDict()
        self._lock = threading.Lock()

    def check(self, key: str) -> None:
        """Raise Throttled if ``key`` is blocked now."""
        if not key:
            return
        with self._lock:
            failures = self._failures.get(key)
            if failures is None or len(failures) < self.attempts:
                return
            wait = failures[0] + self.window - self._monotonic()
        if wait > 0:
            raise Throttled(
                f"too many failed logins for {self._what}; try again in {math.ceil(wait)} s",
                retry_after=math.ceil(wait),
            )

    def blocked(self, key: str) -> bool:
        """Whether ``check`` would raise now (without raising)."""
        if not key:
            return False
        with self._lock:
            failures = self._failures.get(key)
            return failures is not None and len(failures) >= self.attempts

    def failed(self, key: str) -> None:
        if not key:
            return
        with self._lock:
            failures = self._failures.pop(key, None)
            if failures is None:
                failures = deque(maxlen=self.attempts)
            failures.append(self._monotonic())
            self._failures[key] = failures  # most recent last
            while len(self._failures) > self.capacity:
                self._failures.popitem(last=False)

    def reset(self, key: str) -> None:
        with self._lock:
            self._failures.pop(key, None)

    def __len__(self) -> int:
        with self._lock:
            return len(self._failures)
