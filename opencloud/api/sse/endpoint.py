"""``GET /ocs/v2.php/apps/notifications/api/v1/notifications/sse``: one user's
live updates as ``text/event-stream``.

The stream carries OpenCloud's clientlog events (``services/notify/messages.py``)
for everything the signed-in user may see, from the moment it opens: nothing
is replayed, so a reconnecting client is never flooded (it re-reads what it
shows, as after any gap). An idle stream gets a keep-alive comment every
``sse.keepalive`` seconds; a client that fell behind gets ``event: resync``
with how many messages it lost. The stream ends when the client goes away or
the server shuts down. Each user may hold ``sse.max_streams_per_user``
streams; more answer 429.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable

from starlette.requests import Request
from starlette.responses import Response, StreamingResponse

from opencloud.api.http.context import auth, principal, sse_keepalive, streams
from opencloud.services.notify.messages import KEEP_ALIVE, resync_message
from opencloud.services.notify.streams import Stream, StreamHub

#: What a proxy or browser must not do with the stream: cache or buffer it.
HEADERS = {"Cache-Control": "no-cache", "X-Accel-Buffering": "no"}


async def notifications_sse(request: Request) -> Response:
    user = principal(request)
    hub = streams(request)
    users = auth(request)
    stream = hub.open(user.id)  # Throttled / ServiceUnavailable → 429 / 503
    return StreamingResponse(
        _messages(hub, stream, sse_keepalive(request), lambda: users.is_active(user.id)),
        media_type="text/event-stream",
        headers=HEADERS,
    )


async def _messages(
    hub: StreamHub, stream: Stream, keepalive: float, still_allowed: Callable[[], bool]
) -> AsyncIterator[bytes]:
    """The body. Starlette stops iterating (and runs ``finally``) when the
    client disconnects, so the stream is released however it ends.

    A stream outlives the request that signed in: every ``keepalive``
    seconds the user is checked again, and the stream of a user disabled or
    deleted since ends (its client then fails to reconnect)."""
    clock = asyncio.get_running_loop().time
    checked = clock()
    try:
        yield KEEP_ALIVE  # the headers and a first byte go out now: the client knows it is live
        while True:
            batch = await stream.next(keepalive)
            if batch is None:
                return  # the server is shutting down: a clean end of the body
            if clock() - checked >= keepalive:
                if not still_allowed():
                    return  # the account was disabled or deleted meanwhile
                checked = clock()
            messages, dropped = batch
            out = resync_message(dropped) if dropped else b""
            out += b"".join(messages)
            yield out or KEEP_ALIVE
    finally:
        hub.release(stream)
