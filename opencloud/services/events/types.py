"""Events: one msgspec Struct per kind, tagged with the name clients see.

The tag is OpenCloud's SSE event name (``services/clientlog``), so the SSE
adapter sends ``event: <tag>`` and the Struct's fields as ``data`` unchanged.
Ids are in the form clients read (``storage$space!node``). ``initiatorid`` is
the ``Initiator-ID`` header of the request that caused the change (empty for
changes made outside the server), so a client can ignore its own changes.
``path`` and ``oldpath`` are for server-side consumers (search, audit); the SSE
adapter leaves them out.
"""

from __future__ import annotations

import msgspec


class ItemEvent(msgspec.Struct, frozen=True, kw_only=True, tag_field="event"):
    """A change to one file or folder."""

    itemid: str
    parentitemid: str
    spaceid: str
    etag: str = ""
    initiatorid: str = ""
    path: str = ""


class FolderCreated(ItemEvent, frozen=True, tag="folder-created"):
    """A folder was created."""


class FileTouched(ItemEvent, frozen=True, tag="file-touched"):
    """An empty file was created."""


class PostprocessingFinished(ItemEvent, frozen=True, tag="postprocessing-finished"):
    """A file's new content is in place and readable (upload done, outside write seen)."""


class ItemRenamed(ItemEvent, frozen=True, tag="item-renamed"):
    """An item got a new name in the same folder."""

    oldpath: str = ""


class ItemMoved(ItemEvent, frozen=True, tag="item-moved"):
    """An item moved to another folder."""

    oldparentitemid: str = ""
    oldpath: str = ""


class ItemTrashed(ItemEvent, frozen=True, tag="item-trashed"):
    """An item was deleted (into the trash, or for good by an outside program)."""


class ItemRestored(ItemEvent, frozen=True, tag="item-restored"):
    """An item came back from the trash, or a version was restored."""


Event = (
    FolderCreated
    | FileTouched
    | PostprocessingFinished
    | ItemRenamed
    | ItemMoved
    | ItemTrashed
    | ItemRestored
)

#: Every event class, for docs and tests.
EVENT_TYPES: tuple[type[ItemEvent], ...] = (
    FolderCreated,
    FileTouched,
    PostprocessingFinished,
    ItemRenamed,
    ItemMoved,
    ItemTrashed,
    ItemRestored,
)


def event_name(event: ItemEvent) -> str:
    """The tag: the name clients see."""
    return str(type(event).__struct_config__.tag)


def encode(event: Event) -> bytes:
    """JSON with the tag in ``event``: the wire form for a NATS bus or a log."""
    return msgspec.json.encode(event)


def decode(data: bytes) -> Event:
    """Inverse of ``encode``; raises msgspec.ValidationError on anything else."""
    event: Event = msgspec.json.decode(data, type=Event)
    return event
