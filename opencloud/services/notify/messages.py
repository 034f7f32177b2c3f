"""What a client reads: OpenCloud's clientlog messages in the SSE wire form.

Every event is sent as ``event: <name>`` and one ``data:`` line of JSON with
OpenCloud's ``FileEvent`` fields: ``parentitemid``, ``itemid``, ``spaceid``,
``initiatorid``, ``etag`` and ``affecteduserids`` (the users a share or
membership change concerns; ``null`` for other events, as OpenCloud sends it).
Server-side fields (paths, grantee kinds) stay out.

A message is encoded once per event, not once per stream.
"""

from __future__ import annotations

import msgspec

from opencloud.services.events.types import Event, GranteeEvent, event_name

#: Sent when a stream's queue overflowed or the dispatcher fell behind:
#: events were lost, the client should re-read what it shows.
RESYNC = "resync"

#: A comment line: keeps proxies and clients from timing the stream out.
KEEP_ALIVE = b": keep-alive\n\n"


class FileEvent(msgspec.Struct, kw_only=True):
    """The JSON of every file, share and link event (OpenCloud's clientlog)."""

    parentitemid: str
    itemid: str
    spaceid: str
    initiatorid: str
    etag: str
    affecteduserids: list[str] | None = None


def event_message(event: Event, affected: list[str] | None = None) -> bytes:
    """``event`` as one SSE message; ``affected``: the grantee's user ids."""
    data = FileEvent(
        parentitemid=event.parentitemid,
        itemid=event.itemid,
        spaceid=event.spaceid,
        initiatorid=event.initiatorid,
        etag=event.etag,
        affecteduserids=sorted(affected) if isinstance(event, GranteeEvent) and affected else None,
    )
    return frame(event_name(event), msgspec.json.encode(data))


def resync_message(dropped: int) -> bytes:
    """The hint that ``dropped`` events were lost on the way to this client."""
    return frame(RESYNC, msgspec.json.encode({"dropped": dropped}))


def frame(name: str, data: bytes) -> bytes:
    """One SSE message. ``data`` is single-line JSON (msgspec never emits a
    raw newline), so one ``data:`` line carries it."""
    return b"event: " + name.encode() + b"\ndata: " + data + b"\n\n"
