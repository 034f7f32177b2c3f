"""The in-process bus: bounded drop-oldest queues, close ends consumers, thread-safe."""

from __future__ import annotations

import threading
from typing import cast

import pytest

from opencloud.services.events.bus import InProcessBus
from opencloud.services.events.types import (
    EVENT_TYPES,
    Event,
    FolderCreated,
    GranteeEvent,
    ItemEvent,
    ItemMoved,
    decode,
    encode,
    event_name,
)


def _event(n: int) -> FolderCreated:
    return FolderCreated(itemid=f"s$p!{n}", parentitemid="s$p!p", spaceid="s$p")


def test_subscribers_each_get_every_event_in_order() -> None:
    bus = InProcessBus()
    a, b = bus.subscribe("a"), bus.subscribe("b")
    for n in range(3):
        bus.publish(_event(n))
    for sub in (a, b):
        assert [sub.get(0) for _ in range(3)] == [_event(0), _event(1), _event(2)]
        assert sub.get(0) is None


def test_subscription_sees_only_later_events() -> None:
    bus = InProcessBus()
    bus.publish(_event(0))
    sub = bus.subscribe("late")
    assert sub.get(0) is None


def test_full_queue_drops_oldest_and_counts() -> None:
    bus = InProcessBus()
    sub = bus.subscribe("slow", maxsize=2)
    for n in range(5):
        bus.publish(_event(n))
    assert sub.dropped == 3
    assert [sub.get(0), sub.get(0), sub.get(0)] == [_event(3), _event(4), None]


def test_maxsize_must_be_positive() -> None:
    with pytest.raises(ValueError, match="maxsize"):
        InProcessBus().subscribe("x", maxsize=0)


def test_close_wakes_a_waiting_consumer() -> None:
    bus = InProcessBus()
    sub = bus.subscribe("waiting")
    got: list[Event | None] = []
    consumer = threading.Thread(target=lambda: got.append(sub.get()))
    consumer.start()
    bus.close()
    consumer.join(5)
    assert not consumer.is_alive()
    assert got == [None]


@pytest.mark.timeout(5)
def test_closed_bus_gives_closed_subscriptions_and_ignores_publish() -> None:
    bus = InProcessBus()
    bus.close()
    sub = bus.subscribe("after")
    bus.publish(_event(1))
    assert sub.get() is None  # returns at once: closed, no timeout needed


def test_closing_one_subscription_leaves_the_others() -> None:
    bus = InProcessBus()
    a, b = bus.subscribe("a"), bus.subscribe("b")
    a.close()
    bus.publish(_event(1))
    assert a.get(0) is None
    assert b.get(0) == _event(1)


def test_iterating_a_subscription_ends_at_close() -> None:
    bus = InProcessBus()
    sub = bus.subscribe("it")
    bus.publish(_event(1))
    bus.publish(_event(2))
    sub.close()
    assert list(sub) == [_event(1), _event(2)]  # what was queued is delivered, then the end
    other = bus.subscribe("it2")
    bus.publish(_event(3))
    bus.close()
    assert list(other) == [_event(3)]


def test_concurrent_publishers_lose_nothing_below_maxsize() -> None:
    bus = InProcessBus()
    sub = bus.subscribe("all", maxsize=10_000)
    per_thread, threads = 500, 8
    start = threading.Barrier(threads)

    def publish(t: int) -> None:
        start.wait()
        for n in range(per_thread):
            bus.publish(_event(t * per_thread + n))

    workers = [threading.Thread(target=publish, args=(t,)) for t in range(threads)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    seen = set()
    while (event := sub.get(0)) is not None:
        seen.add(event.itemid)
    assert len(seen) == per_thread * threads
    assert sub.dropped == 0


def test_concurrent_publish_and_subscribe_churn() -> None:
    bus = InProcessBus()
    stop = threading.Event()

    def churn() -> None:
        while not stop.is_set():
            bus.subscribe("churn", maxsize=1).close()

    churners = [threading.Thread(target=churn) for _ in range(4)]
    for c in churners:
        c.start()
    steady = bus.subscribe("steady", maxsize=5000)
    for n in range(2000):
        bus.publish(_event(n))
    stop.set()
    for c in churners:
        c.join()
    assert sum(1 for _ in iter(lambda: steady.get(0), None)) == 2000


@pytest.mark.parametrize("cls", EVENT_TYPES)
def test_events_round_trip_with_their_tag(cls: type[ItemEvent]) -> None:
    extra = {"grantee_kind": "g", "grantee": "staff"} if issubclass(cls, GranteeEvent) else {}
    event = cast(
        Event, cls(itemid="s$p!n", parentitemid="s$p!q", spaceid="s$p", etag='"e"', **extra)
    )
    assert decode(encode(event)) == event
    assert f'"event":"{event_name(event)}"'.encode() in encode(event)


def test_moved_event_carries_old_parent() -> None:
    event = ItemMoved(itemid="a", parentitemid="b", spaceid="s", oldparentitemid="c", oldpath="/x")
    assert decode(encode(event)) == event
