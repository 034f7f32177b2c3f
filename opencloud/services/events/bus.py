"""The event bus: the interface, and the in-process implementation.

The interface is deliberately small (``publish``, ``subscribe``, ``close``) and
speaks only in ``Event`` values, so a NATS JetStream implementation can replace
the in-process one for several server processes without touching publishers
or consumers.

Publishing never blocks and never fails because of a consumer: every
subscription has a bounded queue, and when it is full the *oldest* event is
dropped and counted. A consumer that sees ``dropped`` grow knows it missed
events and must resynchronise (an SSE client re-lists the folder). A slow
consumer therefore never slows down an upload.
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Callable, Iterator
from typing import Protocol

from opencloud.services.events.types import Event


class Subscription(Protocol):
    """One consumer's view of the bus."""

    @property
    def dropped(self) -> int:
        """How many events this subscription lost to a full queue."""
        ...

    def get(self, timeout: float | None = None) -> Event | None:
        """The next event, waiting up to ``timeout`` seconds; None on timeout or close."""
        ...

    def close(self) -> None: ...


class EventBus(Protocol):
    """Carries events from publishers to every current subscriber."""

    def publish(self, event: Event) -> None:
        """Deliver to every subscriber. Thread-safe; never blocks."""
        ...

    def subscribe(self, name: str, *, maxsize: int = 1000) -> Subscription:
        """A new subscription seeing events published from now on."""
        ...

    def close(self) -> None:
        """End every subscription (their ``get`` returns None)."""
        ...


class _Queue:
    """A bounded drop-oldest queue with a condition to wait on."""

    def __init__(self, name: str, maxsize: int, on_close: Callable[[_Queue], None]) -> None:
        self.name = name
        self._items: deque[Event] = deque()
        self._maxsize = maxsize
        self._cond = threading.Condition()
        self._closed = False
        self._dropped = 0
        self._on_close = on_close

    @property
    def dropped(self) -> int:
        return self._dropped

    def put(self, event: Event) -> None:
        with self._cond:
            if self._closed:
                return
            if len(self._items) >= self._maxsize:
                self._items.popleft()
                self._dropped += 1
            self._items.append(event)
            self._cond.notify()

    def get(self, timeout: float | None = None) -> Event | None:
        with self._cond:
            if not self._items and not self._closed:
                self._cond.wait(timeout)
            return self._items.popleft() if self._items else None

    def close(self) -> None:
        with self._cond:
            if self._closed:
                return
            self._closed = True
            self._cond.notify_all()
        self._on_close(self)

    def __iter__(self) -> Iterator[Event]:
        while (event := self.get()) is not None:
            yield event


class InProcessBus:
    """The default bus: subscribers in this process, bounded queues, thread-safe."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._queues: list[_Queue] = []
        self._closed = False

    def publish(self, event: Event) -> None:
        with self._lock:
            queues = list(self._queues)
        for queue in queues:
            queue.put(event)

    def subscribe(self, name: str, *, maxsize: int = 1000) -> _Queue:
        if maxsize < 1:
            raise ValueError("maxsize must be at least 1")
        queue = _Queue(name, maxsize, self._forget)
        with self._lock:
            closed = self._closed
            if not closed:
                self._queues.append(queue)
        if closed:
            queue.close()  # outside the lock: close() calls back into _forget
        return queue

    def _forget(self, queue: _Queue) -> None:
        with self._lock:
            if queue in self._queues:
                self._queues.remove(queue)

    def close(self) -> None:
        with self._lock:
            self._closed = True
            queues = list(self._queues)
        for queue in queues:
            queue.close()
