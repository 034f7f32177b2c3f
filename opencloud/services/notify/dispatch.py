"""The dispatcher: events from the bus to the streams of who may see them.

One worker thread reads the bus, asks ``Audience`` who may hear of each
event, and queues the encoded message on those users' open streams. It does
the storage lookups (the walk up to shared folders) off the event loop and
only when someone is connected at all. When its own bus subscription
overflowed, every stream gets a resync hint: the lost events are unknown, so
everyone might have missed one.
"""

from __future__ import annotations

import logging
import threading

from opencloud.services.events.bus import EventBus
from opencloud.services.events.types import Event, GranteeEvent
from opencloud.services.notify.audience import Audience
from opencloud.services.notify.messages import event_message, resync_message
from opencloud.services.notify.streams import StreamHub

log = logging.getLogger(__name__)

#: How long the worker waits on the bus before looking at ``stop`` again.
POLL_SECONDS = 0.5


class Dispatcher:
    """A worker (``name``, ``run(stop)``) for the app's supervisor."""

    name = "live-updates"

    def __init__(
        self, bus: EventBus, audience: Audience, hub: StreamHub, *, backlog: int = 10_000
    ) -> None:
        self._bus = bus
        self._audience = audience
        self._hub = hub
        self._backlog = backlog

    def run(self, stop: threading.Event) -> None:
        subscription = self._bus.subscribe(self.name, maxsize=self._backlog)
        self._hub.on_close(subscription.close)  # shutdown: stop waiting at once
        seen_dropped = 0
        try:
            while not stop.is_set() and not self._hub.closed:
                event = subscription.get(POLL_SECONDS)
                if subscription.dropped != seen_dropped:
                    lost = subscription.dropped - seen_dropped
                    seen_dropped = subscription.dropped
                    log.warning("live updates fell %d events behind; clients resync", lost)
                    self._hub.broadcast(resync_message(lost))
                if event is not None:
                    self.dispatch(event)
        finally:
            subscription.close()

    def dispatch(self, event: Event) -> int:
        """Send ``event`` to every connected user who may see it; how many streams got it."""
        connected = self._hub.connected()
        if not connected:
            return 0  # nobody listens: skip the audience lookups
        try:
            users = self._audience.users(event) & connected
            affected = (
                sorted(self._audience.grantee_users(event.grantee_kind, event.grantee))
                if isinstance(event, GranteeEvent)
                else None
            )
        except Exception:
            # one unreadable item must not stop live updates for everyone
            log.exception("cannot tell who may see %s %s", type(event).__name__, event.itemid)
            return 0
        if not users:
            return 0
        return self._hub.deliver(users, event_message(event, affected))
