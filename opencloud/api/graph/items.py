"""Pieces every LibreGraph DriveItem is made of: its ``parentReference``,
the ``file``/``folder`` facets and OpenCloud's timestamps.

A file's ``mimeType`` is guessed from its name, as OpenCloud's storage does
for items it did not see uploaded with a type.
"""

from __future__ import annotations

import mimetypes
from datetime import UTC, datetime

import msgspec

from opencloud.storage.types import NodeInfo


class ParentReference(msgspec.Struct, frozen=True, kw_only=True, rename="camel"):
    """Where an item is: its drive, and its parent folder when it has one."""

    drive_id: str
    drive_type: str
    id: str | msgspec.UnsetType = msgspec.UNSET
    name: str | msgspec.UnsetType = msgspec.UNSET
    path: str | msgspec.UnsetType = msgspec.UNSET


class FileFacet(msgspec.Struct, frozen=True, kw_only=True, rename="camel"):
    mime_type: str


class FolderFacet(msgspec.Struct, frozen=True):
    pass


def facets(
    node: NodeInfo,
) -> tuple[FileFacet | msgspec.UnsetType, FolderFacet | msgspec.UnsetType]:
    """``(file, folder)``: exactly one of them is set."""
    if node.kind == "file":
        guessed, _ = mimetypes.guess_type(node.name, strict=False)
        return FileFacet(mime_type=guessed or "application/octet-stream"), msgspec.UNSET
    return msgspec.UNSET, FolderFacet()


def rfc3339(mtime_ns: int) -> str:
    """``2024-05-01T10:11:12.123456789Z``, as Go's RFC3339Nano writes it."""
    seconds, nanos = divmod(mtime_ns, 1_000_000_000)
    text = datetime.fromtimestamp(seconds, UTC).strftime("%Y-%m-%dT%H:%M:%S")
    if nanos:
        text += f".{nanos:09d}".rstrip("0")
    return text + "Z"
