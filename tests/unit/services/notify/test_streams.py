"""The stream hub: bounded drop-oldest queues per stream, limits, a clean close."""

from __future__ import annotations

import asyncio
import itertools
import threading
from collections.abc import Coroutine
from typing import Any

import pytest

from opencloud.core.errors import ServiceUnavailable, Throttled
from opencloud.services.notify.streams import Stream, StreamHub


def run(coro: Coroutine[Any, Any, None]) -> None:
    asyncio.run(coro)


def test_a_delivered_message_reaches_every_stream_of_that_user_only() -> None:
    async def scenario() -> None:
        hub = StreamHub()
        a1, a2, b = hub.open("alan"), hub.open("alan"), hub.open("bob")
        assert hub.deliver(["alan"], b"m1") == 2
        assert await a1.next(1) == ([b"m1"], 0)
        assert await a2.next(1) == ([b"m1"], 0)
        assert await b.next(0.01) == ([], 0)  # timed out: nothing for bob
        assert hub.connected() == {"alan", "bob"}

    run(scenario())


def test_a_message_from_another_thread_wakes_the_waiting_stream() -> None:
    async def scenario() -> None:
        hub = StreamHub()
        stream = hub.open("alan")
        timer = threading.Timer(0.05, hub.deliver, args=(["alan"], b"late"))
        timer.start()
        loop = asyncio.get_running_loop()
        started = loop.time()
        assert await stream.next(10) == ([b"late"], 0)
        assert loop.time() - started < 5  # woken, not timed out
        timer.join()

    run(scenario())


def test_a_full_queue_drops_the_oldest_and_counts_them() -> None:
    async def scenario() -> None:
        hub = StreamHub(queue_size=3)
        stream = hub.open("alan")
        for n in range(10):
            hub.deliver(["alan"], f"m{n}".encode())
        assert await stream.next(1) == ([b"m7", b"m8", b"m9"], 7)
        assert await stream.next(0.01) == ([], 0)  # the count was reported once

    run(scenario())


def test_a_user_holds_at_most_max_per_user_streams() -> None:
    async def scenario() -> None:
        hub = StreamHub(max_per_user=2)
        first = hub.open("alan")
        hub.open("alan")
        with pytest.raises(Throttled, match="max_streams_per_user"):
            hub.open("alan")
        hub.open("bob")  # others are not affected
        hub.release(first)
        hub.open("alan")  # a released slot is free again
        assert hub.count() == 3

    run(scenario())


def test_release_forgets_the_stream_and_is_idempotent() -> None:
    async def scenario() -> None:
        hub = StreamHub()
        stream = hub.open("alan")
        hub.release(stream)
        hub.release(stream)
        assert hub.connected() == frozenset()
        assert hub.deliver(["alan"], b"m") == 0
        assert await stream.next(0.01) is None

    run(scenario())


def test_close_ends_every_stream_at_once_and_refuses_new_ones() -> None:
    async def scenario() -> None:
        hub = StreamHub()
        stream = hub.open("alan")
        waiter = asyncio.create_task(stream.next(30))
        await asyncio.sleep(0.01)
        threading.Thread(target=hub.close).start()
        assert await asyncio.wait_for(waiter, 5) is None
        with pytest.raises(ServiceUnavailable):
            hub.open("alan")
        assert hub.count() == 0

    run(scenario())


def test_a_broadcast_reaches_everyone() -> None:
    async def scenario() -> None:
        hub = StreamHub()
        streams = [hub.open(user) for user in ("a", "b", "c")]
        hub.broadcast(b"resync")
        for stream in streams:
            assert await stream.next(1) == ([b"resync"], 0)

    run(scenario())


def test_limits_must_be_positive() -> None:
    with pytest.raises(ValueError):
        StreamHub(queue_size=0)
    with pytest.raises(ValueError):
        StreamHub(max_per_user=0)


def test_messages_close_behind_a_batch_wait_and_leave_together() -> None:
    async def scenario() -> None:
        hub = StreamHub(flush_interval=30)
        stream = hub.open("alan")
        hub.deliver(["alan"], b"m1")
        assert await stream.next(1) == ([b"m1"], 0)  # after a quiet spell: at once
        hub.deliver(["alan"], b"m2")
        waiter = asyncio.create_task(stream.next(1))
        await asyncio.sleep(0)  # the reader now holds m2 for the rest of the interval
        hub.deliver(["alan"], b"m3")
        assert not waiter.done()
        hub.release(stream)  # a close does not wait for the interval to pass
        assert await asyncio.wait_for(waiter, 5) is None

    run(scenario())


def test_without_a_flush_interval_every_batch_leaves_at_once() -> None:
    async def scenario() -> None:
        hub = StreamHub(flush_interval=0)
        stream = hub.open("alan")
        for n in range(3):
            hub.deliver(["alan"], f"m{n}".encode())
            assert await stream.next(1) == ([f"m{n}".encode()], 0)

    run(scenario())


def test_one_delivery_from_another_thread_wakes_every_stream_it_reaches() -> None:
    async def scenario() -> None:
        hub = StreamHub()
        streams = [hub.open("alan"), hub.open("alan"), hub.open("bob")]
        waiters = [asyncio.create_task(s.next(10)) for s in streams]
        await asyncio.sleep(0.01)
        sender = threading.Thread(target=hub.deliver, args=(["alan", "bob"], b"m"))
        sender.start()
        done = await asyncio.wait_for(asyncio.gather(*waiters), 5)
        assert done == [([b"m"], 0)] * 3
        sender.join()

    run(scenario())


def test_a_negative_flush_interval_is_refused() -> None:
    with pytest.raises(ValueError):
        StreamHub(flush_interval=-1)


def test_streams_opened_one_after_another_get_beats_spread_over_the_interval() -> None:
    async def scenario() -> None:
        hub = StreamHub(flush_interval=1.0)
        phases = sorted(hub.open(f"u{n}")._phase for n in range(20))
        gaps = [b - a for a, b in itertools.pairwise(phases)] + [1 + phases[0] - phases[-1]]
        assert all(0 <= p < 1 for p in phases)
        assert max(gaps) < 0.1  # 20 streams: no tenth of the interval is left without a beat

    run(scenario())


def test_while_messages_keep_coming_a_stream_writes_on_its_own_beat() -> None:
    async def scenario() -> None:
        stream = Stream("alan", asyncio.get_running_loop(), 8, flush_interval=1.0, phase=0.25)
        stream._flushed = 20.0  # a batch after a quiet spell, off the beat
        assert stream._due(20.1) == 21.25  # the first beat at least an interval later
        stream._flushed = 21.25  # written on that beat (however late the loop got to it)
        assert stream._due(21.3) == 22.25  # the next beat, not one later
        assert stream._due(30.0) == 30.0  # after a quiet spell: at once

    run(scenario())
