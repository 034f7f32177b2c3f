"""Request bodies read with a bound, for the JSON and form APIs (Graph, OCS).

A body over the limit is refused with TooLarge (413) before it is read in
full: by its ``Content-Length`` when declared, else as soon as the stream
passes the limit.
"""

from __future__ import annotations

from starlette.requests import Request

from opencloud.core.errors import TooLarge


async def read_body(request: Request, limit: int) -> bytes:
    """The whole body of ``request``, at most ``limit`` bytes; TooLarge otherwise."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise TooLarge(f"the request body is larger than {limit} bytes")
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > limit:
            raise TooLarge(f"the request body is larger than {limit} bytes")
    return bytes(body)
