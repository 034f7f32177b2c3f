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


class FileLocked(ItemEvent, frozen=True, tag="file-locked"):
    """A WebDAV lock was taken on the item."""


class FileUnlocked(ItemEvent, frozen=True, tag="file-unlocked"):
    """A WebDAV lock on the item was released."""


class GranteeEvent(ItemEvent, frozen=True):
    """A change of who may see an item: a share, or a space membership.

    ``grantee_kind`` (``u`` user, ``g`` group) and ``grantee`` name who gained or
    lost access; the SSE adapter resolves a group to its members and sends
    them as ``affecteduserids``. Besides everyone who may see the item, they
    hear of it too, even when the change took their access away.
    """

    grantee_kind: str
    grantee: str


class ShareCreated(GranteeEvent, frozen=True, tag="share-created"):
    """A file or folder was shared with a user or a group."""


class ShareUpdated(GranteeEvent, frozen=True, tag="share-updated"):
    """A share's role or expiry changed."""


class ShareRemoved(GranteeEvent, frozen=True, tag="share-removed"):
    """A share was removed: its recipients no longer see the item."""


class SpaceMemberAdded(GranteeEvent, frozen=True, tag="space-member-added"):
    """A user or group became a member of a project space (``itemid``: its root)."""


class SpaceShareUpdated(GranteeEvent, frozen=True, tag="space-share-updated"):
    """A space member's role or expiry changed."""


class SpaceMemberRemoved(GranteeEvent, frozen=True, tag="space-member-removed"):
    """A user or group left a project space."""


class LinkCreated(ItemEvent, frozen=True, tag="link-created"):
    """A public link to the item was created."""


class LinkUpdated(ItemEvent, frozen=True, tag="link-updated"):
    """A public link's type, password or expiry changed."""


class LinkRemoved(ItemEvent, frozen=True, tag="link-removed"):
    """A public link was removed."""


Event = (
    FolderCreated
    | FileTouched
    | PostprocessingFinished
    | ItemRenamed
    | ItemMoved
    | ItemTrashed
    | ItemRestored
    | FileLocked
    | FileUnlocked
    | ShareCreated
    | ShareUpdated
    | ShareRemoved
    | SpaceMemberAdded
    | SpaceShareUpdated
    | SpaceMemberRemoved
    | LinkCreated
    | LinkUpdated
    | LinkRemoved
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
    FileLocked,
    FileUnlocked,
    ShareCreated,
    ShareUpdated,
    ShareRemoved,
    SpaceMemberAdded,
    SpaceShareUpdated,
    SpaceMemberRemoved,
    LinkCreated,
    LinkUpdated,
    LinkRemoved,
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
