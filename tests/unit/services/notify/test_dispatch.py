"""The dispatcher: bus → audience → streams, robust against lost events and bad items."""

from __future__ import annotations

import asyncio
import threading
import time
from typing import TYPE_CHECKING

import msgspec

from opencloud.services.events.bus import InProcessBus
from opencloud.services.events.types import FolderCreated
from opencloud.services.notify.dispatch import POLL_SECONDS, Dispatcher
from opencloud.services.notify.streams import StreamHub
from opencloud.storage.types import Ref

if TYPE_CHECKING:
    from .conftest import World


def _parse(message: bytes) -> tuple[str, dict[str, object]]:
    head, _, data = message.partition(b"\ndata: ")
    payload: dict[str, object] = msgspec.json.decode(data.strip())
    return head.removeprefix(b"event: ").decode(), payload


def test_a_change_reaches_the_connected_users_who_may_see_it(w: World) -> None:
    async def scenario() -> None:
        hub = StreamHub()
        alan, mary, zoe = hub.open(w.alan), hub.open(w.mary), hub.open(w.zoe)
        dispatcher = Dispatcher(w.bus, w.audience, hub)
        subscription = w.bus.subscribe("test")
        w.files.mkdir(Ref(w.home, "/docs/new"), initiator="tab-1")
        event = subscription.get(1)
        assert event is not None
        assert dispatcher.dispatch(event) == 2
        for stream in (alan, mary):
            batch = await stream.next(1)
            assert batch is not None
            (message,), _ = batch
            name, data = _parse(message)
            assert name == "folder-created"
            assert data["initiatorid"] == "tab-1"
            assert data["affecteduserids"] is None
        assert await zoe.next(0.01) == ([], 0)

    asyncio.run(scenario())


def test_nobody_connected_means_no_lookups(w: World) -> None:
    class Refusing:
        def users(self, event: object) -> set[str]:
            raise AssertionError("the audience was asked although nobody listens")

    dispatcher = Dispatcher(w.bus, Refusing(), StreamHub())  # type: ignore[arg-type]
    assert dispatcher.dispatch(FolderCreated(itemid="a", parentitemid="b", spaceid="c")) == 0


def test_an_item_that_cannot_be_looked_up_is_skipped_not_fatal(w: World) -> None:
    class Failing:
        def users(self, event: object) -> set[str]:
            raise OSError("disk went away")

    async def scenario() -> None:
        hub = StreamHub()
        hub.open(w.alan)
        dispatcher = Dispatcher(w.bus, Failing(), hub)  # type: ignore[arg-type]
        assert dispatcher.dispatch(FolderCreated(itemid="a", parentitemid="b", spaceid="c")) == 0

    asyncio.run(scenario())


def test_a_dispatcher_that_fell_behind_tells_every_stream_to_resync(w: World) -> None:
    async def scenario() -> None:
        bus = InProcessBus()
        hub = StreamHub()
        stream = hub.open(w.alan)
        dispatcher = Dispatcher(bus, w.audience, hub, backlog=2)
        stop = threading.Event()
        # hold the dispatcher's audience so the bus backs up behind it
        gate = threading.Event()
        real = w.audience.users

        def slow(event: object) -> set[str]:
            gate.wait(5)
            return real(event)  # type: ignore[arg-type]

        w.audience.users = slow  # type: ignore[method-assign]
        worker = threading.Thread(target=dispatcher.run, args=(stop,))
        worker.start()
        await asyncio.sleep(0.2)  # subscribed
        for n in range(10):
            bus.publish(FolderCreated(itemid=f"st$x!{n}", parentitemid="", spaceid="st$x"))
        gate.set()
        seen: list[str] = []
        for _ in range(20):
            batch = await stream.next(0.5)
            if batch:
                seen += [_parse(m)[0] for m in batch[0]]
            if "resync" in seen:
                break
        stop.set()
        worker.join(5)
        assert "resync" in seen

    asyncio.run(scenario())


def test_the_worker_stops_when_told(w: World) -> None:
    stop = threading.Event()
    worker = threading.Thread(target=Dispatcher(w.bus, w.audience, StreamHub()).run, args=(stop,))
    worker.start()
    stop.set()
    worker.join(5)
    assert not worker.is_alive()


def test_closing_the_hub_stops_the_worker_without_waiting_for_a_poll(w: World) -> None:
    hub = StreamHub()
    stop = threading.Event()
    worker = threading.Thread(target=Dispatcher(w.bus, w.audience, hub).run, args=(stop,))
    worker.start()
    time.sleep(0.05)  # waiting on the bus
    started = time.monotonic()
    hub.close()
    worker.join(5)
    assert not worker.is_alive()
    assert time.monotonic() - started < POLL_SECONDS / 2
