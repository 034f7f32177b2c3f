"""The connected clients: one bounded queue per stream, woken on the event loop.

The dispatcher thread ``deliver``s an encoded message to users; each of their
open streams queues it. The SSE handler awaits ``Stream.next`` on the event
loop. Delivery never blocks and never grows without bound: a stream holds at
most ``queue_size`` messages, and when full the *oldest* is dropped and
counted, so the handler can tell its client to resynchronise. A slow or
vanished client therefore costs at most its queue, and never slows an upload
or another stream.

Every write to a client costs the event loop the same whether it carries one
message or twenty, and the loop also serves the uploads. So a stream writes
at most once per ``flush_interval`` (setting ``sse.flush_interval``, 0.2 s):
a message after a quiet spell goes out at once, messages close behind it
wait for the rest of the interval and leave together. At 100 changes a
second seen by 200 streams that is at most 1,000 writes a second instead of
up to 20,000, for at most 0.2 s more latency (the benchmark, ``bench/sse``,
measures both). The dispatcher wakes all the streams an event reaches with
one call to their loop, not one each.

Streams that hear of the same events would otherwise write in the same loop
tick: one event wakes them all together, and each then waits the same
interval. Two hundred writes in a row stall every upload on that loop for
tens of milliseconds, five times a second. So each stream has its own phase
in the interval (spread evenly over the streams as they open) and, while
messages keep coming, writes only on its own beat: the writes are spread
over the whole interval instead. In the benchmark that cut the p99 of an
upload while 200 streams watch from about 60 ms to about 40 ms (the
median of six runs each; the upload rate itself moved within the noise).

A user may hold ``max_per_user`` streams at once (browser tabs, devices);
beyond that a new one is refused rather than an old one cut, so one
misbehaving client cannot push the others off.

``close`` (server shutdown) ends every stream at once and refuses new ones,
so clients see a clean end and reconnect to whichever server comes up next.
"""

from __future__ import annotations

import asyncio
import contextlib
import math
import threading
from collections import deque
from collections.abc import Callable, Iterable

from opencloud.core.errors import ServiceUnavailable, Throttled

#: The fractional part of the golden ratio: n * _GOLDEN mod 1 spreads the
#: phases of the n-th stream evenly, whatever n ends up being.
_GOLDEN = (math.sqrt(5) - 1) / 2


class Stream:
    """One client connection's queue. Written from any thread, read on its loop."""

    def __init__(
        self,
        user_id: str,
        loop: asyncio.AbstractEventLoop,
        queue_size: int,
        flush_interval: float = 0.0,
        phase: float = 0.0,
    ) -> None:
        self.user_id = user_id
        self._loop = loop
        self._queue_size = queue_size
        self._flush_interval = flush_interval
        self._phase = phase * flush_interval  # this stream's beat: phase + k * interval
        self._flushed = -flush_interval  # loop time of the last batch with messages
        self._items: deque[bytes] = deque()
        self._lock = threading.Lock()
        self._ready = asyncio.Event()  # touched only on the loop
        self._ended = asyncio.Event()  # set by close(); touched only on the loop
        self._woken = False  # a wake-up is scheduled and not yet consumed
        self._closed = False
        self._dropped = 0

    def put(self, message: bytes) -> None:
        """Queue ``message``; drops the oldest when full. Thread-safe, never blocks."""
        if self._queue(message):
            self._wake()

    def _queue(self, message: bytes) -> bool:
        """Queue ``message``; True when the reader must be woken (the caller does it)."""
        with self._lock:
            if self._closed:
                return False
            if len(self._items) >= self._queue_size:
                self._items.popleft()
                self._dropped += 1
            self._items.append(message)
            wake = not self._woken
            self._woken = True
        return wake

    def close(self) -> None:
        """End the stream: ``next`` returns None at once, queued messages are
        dropped (a closing server does not wait for slow clients; a client
        re-lists what it shows when it reconnects)."""
        with self._lock:
            if self._closed:
                return
            self._closed = True
            self._items.clear()
        self._wake()
        with contextlib.suppress(RuntimeError):  # a closed loop: nobody waits any more
            self._loop.call_soon_threadsafe(self._ended.set)

    @property
    def closed(self) -> bool:
        return self._closed

    async def next(self, timeout: float) -> tuple[list[bytes], int] | None:
        """Wait up to ``timeout`` seconds for messages. Returns the queued
        messages (possibly none: the wait timed out, time for a keep-alive) and
        how many were dropped since the last call; None once the stream is closed.
        Messages wait until ``flush_interval`` has passed since the last batch,
        and then for this stream's next beat."""
        if not self._has_work():
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._ready.wait(), timeout)
        now = self._loop.time()
        due = self._due(now)
        if due > now and self._items and not self._closed:
            # more may come meanwhile (put() does not wake us again); close() ends it
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._ended.wait(), due - now)
        self._ready.clear()
        with self._lock:
            if self._closed:
                return None
            items = list(self._items)
            self._items.clear()
            dropped, self._dropped = self._dropped, 0
            self._woken = False
        if items:
            # the beat, not the moment the loop got round to it: the next
            # write then falls on the next beat, not one later
            self._flushed = due
        return items, dropped

    def _due(self, now: float) -> float:
        """When this stream may write next: at once after a quiet spell, else
        on its first beat at least ``flush_interval`` after the last batch
        (so at most one write per interval, on its own beat)."""
        interval = self._flush_interval
        earliest = self._flushed + interval
        if earliest <= now:
            return now
        beats = math.ceil((earliest - self._phase) / interval - 1e-9)  # float slack
        return self._phase + beats * interval

    def _has_work(self) -> bool:
        with self._lock:
            return bool(self._items) or self._closed or self._dropped > 0

    def _wake(self) -> None:
        with contextlib.suppress(RuntimeError):  # a closed loop: nobody waits any more
            self._loop.call_soon_threadsafe(self._ready.set)


class StreamHub:
    """Every open stream, by user. Thread-safe."""

    def __init__(
        self, *, queue_size: int = 256, max_per_user: int = 32, flush_interval: float = 0.05
    ) -> None:
        if queue_size < 1 or max_per_user < 1:
            raise ValueError("queue_size and max_per_user must be at least 1")
        if flush_interval < 0:
            raise ValueError("flush_interval must not be negative")
        self._queue_size = queue_size
        self._flush_interval = flush_interval
        self._max_per_user = max_per_user
        self._lock = threading.Lock()
        self._by_user: dict[str, set[Stream]] = {}
        self._opened = 0
        self._closed = False
        self._on_close: list[Callable[[], None]] = []

    def on_close(self, hook: Callable[[], None]) -> None:
        """Run ``hook`` when the hub closes (at once if it is closed already):
        the dispatcher stops waiting on the bus at that moment, not a poll later."""
        with self._lock:
            if not self._closed:
                self._on_close.append(hook)
                return
        hook()

    def open(self, user_id: str) -> Stream:
        """A new stream for ``user_id``, read on the running event loop.
        Throttled past ``max_per_user``; ServiceUnavailable once closed."""
        with self._lock:
            # golden-ratio steps: however many streams are open, their beats
            # stay spread evenly over the interval
            self._opened += 1
            phase = (self._opened * _GOLDEN) % 1.0
        stream = Stream(
            user_id, asyncio.get_running_loop(), self._queue_size, self._flush_interval, phase
        )
        with self._lock:
            if self._closed:
                raise ServiceUnavailable("the server is shutting down; reconnect shortly")
            mine = self._by_user.setdefault(user_id, set())
            if len(mine) >= self._max_per_user:
                raise Throttled(
                    f"already {len(mine)} open event streams for this user "
                    f"(sse.max_streams_per_user); close one first",
                    retry_after=30,
                )
            mine.add(stream)
        return stream

    def release(self, stream: Stream) -> None:
        """Forget a stream whose client went away (idempotent)."""
        stream.close()
        with self._lock:
            mine = self._by_user.get(stream.user_id)
            if mine is not None:
                mine.discard(stream)
                if not mine:
                    del self._by_user[stream.user_id]

    def connected(self) -> frozenset[str]:
        """Users with at least one open stream."""
        with self._lock:
            return frozenset(self._by_user)

    def count(self) -> int:
        with self._lock:
            return sum(len(s) for s in self._by_user.values())

    def deliver(self, user_ids: Iterable[str], message: bytes) -> int:
        """Queue ``message`` on every stream of these users; how many got it."""
        with self._lock:
            targets = [s for u in user_ids for s in self._by_user.get(u, ())]
        _wake_all([s for s in targets if s._queue(message)])
        return len(targets)

    def broadcast(self, message: bytes) -> None:
        """Queue ``message`` on every stream (a resynchronisation hint after the
        dispatcher itself lost events)."""
        with self._lock:
            targets = [s for mine in self._by_user.values() for s in mine]
        _wake_all([s for s in targets if s._queue(message)])

    @property
    def closed(self) -> bool:
        return self._closed

    def close(self) -> None:
        """End every stream and refuse new ones (idempotent)."""
        with self._lock:
            self._closed = True
            targets = [s for mine in self._by_user.values() for s in mine]
            self._by_user.clear()
            hooks, self._on_close = self._on_close, []
        for stream in targets:
            stream.close()
        for hook in hooks:
            hook()


def _wake_all(streams: list[Stream]) -> None:
    """Wake these streams' readers with one call per event loop (each call
    from another thread writes to the loop's wake-up pipe)."""
    by_loop: dict[asyncio.AbstractEventLoop, list[Stream]] = {}
    for stream in streams:
        by_loop.setdefault(stream._loop, []).append(stream)
    for loop, group in by_loop.items():
        with contextlib.suppress(RuntimeError):  # a closed loop: nobody waits any more
            loop.call_soon_threadsafe(_set_ready, group)


def _set_ready(streams: list[Stream]) -> None:
    for stream in streams:
        stream._ready.set()
