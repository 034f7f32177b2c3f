"""The outermost middleware: a request id for every request, and the last line
of defence against unexpected exceptions.

The id is the client's ``X-Request-ID`` when it is sane (OpenCloud clients send
one for tracing), else a fresh one; either way it is echoed in the response
and stored as ``request.state.request_id``. An exception nothing else handled
is logged here once, with its traceback and the id, and becomes a 500 whose
body carries the id, so a user's report leads straight to the log line.
Starlette's own ServerErrorMiddleware would log it and re-raise to the server,
which logs it again; catching it here keeps it to one.
"""

from __future__ import annotations

import logging
import re
import uuid

from starlette.datastructures import Headers, MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from opencloud.api.http.errors import unexpected_response

log = logging.getLogger(__name__)

HEADER = "X-Request-ID"

# Printable, short, no spaces: it ends up in log lines and response headers.
_SANE = re.compile(r"^[A-Za-z0-9._:+/=-]{1,128}$")


def incoming_or_new(value: str | None) -> str:
    """The client's id when it is safe to log and echo, else a new random one."""
    if value and _SANE.match(value):
        return value
    return uuid.uuid4().hex


class RequestIdMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        rid = incoming_or_new(Headers(scope=scope).get(HEADER))
        scope.setdefault("state", {})["request_id"] = rid
        started = False

        async def send_with_id(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
                MutableHeaders(scope=message)[HEADER] = rid
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        except Exception:  # the outermost layer: everything unforeseen ends here
            log.exception(
                "unexpected error in %s %s (request id %s)", scope["method"], scope["path"], rid
            )
            if not started:
                await unexpected_response(rid, path=scope["path"])(scope, receive, send_with_id)
