"""A project space's special items in LibreGraph: its ``image`` and its ``readme``.

They are ordinary files inside the space. The web UI uploads them through
WebDAV (``.space/readme.md``, ``.space/<picture>``), then names them with
``PATCH /drives/{id}`` ``{"special": [{"specialFolder": {"name": "image"},
"id": "<item id>"}]}``; the space keeps their node ids in its root's
metadata (``SpacesService.set_special``). ``POST /drives?template=default``
does both at once, as OpenCloud does: ``.space/image.png`` and
``.space/readme.md`` (``Here you can add a description for this Space.``).

A drive lists them in ``special[]`` (image first, then readme), read fresh
from the storage; one whose file was deleted or moved out of the space is
left out until it is set again.
"""

from __future__ import annotations

import functools
import struct
import zlib
from urllib.parse import quote

import msgspec

from opencloud.api.graph.items import FileFacet, ParentReference, facets, rfc3339
from opencloud.core.errors import InvalidInput, NotFound
from opencloud.core.ids import NodeId, SpaceId, parse_resource_id
from opencloud.services.files.service import FilesService
from opencloud.services.spaces.service import SPECIAL_FOLDERS, SpacesService
from opencloud.storage.types import Ref, SpaceInfo

#: The folder the web UI and the default template keep special items in.
SPACE_FOLDER = "/.space"
README_TEXT = "Here you can add a description for this Space."

# ---------------------------------------------------------------- JSON


class SpecialFolder(msgspec.Struct, frozen=True):
    name: str


class SpecialItem(msgspec.Struct, frozen=True, kw_only=True, rename="camel"):
    id: str
    name: str
    e_tag: str
    size: int
    last_modified_date_time: str
    parent_reference: ParentReference
    file: FileFacet | msgspec.UnsetType
    special_folder: SpecialFolder
    web_dav_url: str


class SpecialRef(msgspec.Struct, kw_only=True, rename="camel"):
    """One entry of ``special`` in a PATCH body."""

    id: str
    special_folder: SpecialFolder


def special_items(
    files: FilesService,
    info: SpaceInfo,
    special: dict[str, NodeId],
    base_url: str,
) -> list[SpecialItem]:
    """The special items of ``info`` (``SpaceDetails.special``) as a drive lists them."""
    drive_id = files.space_id(info.id)
    found: list[SpecialItem] = []
    for folder in SPECIAL_FOLDERS:
        node_id = special.get(folder)
        if node_id is None:
            continue
        try:
            node = files.stat_id(info.id, node_id)
        except NotFound:
            continue  # deleted (or purged) since: nothing to show
        if node.kind != "file":
            continue
        file, _ = facets(node)
        parent = node.path.rsplit("/", 1)[0] or "/"
        found.append(
            SpecialItem(
                id=files.resource_id(info.id, node.id),
                name=node.name,
                e_tag=node.etag,
                size=node.size,
                last_modified_date_time=rfc3339(node.mtime_ns),
                parent_reference=ParentReference(
                    drive_id=drive_id,
                    drive_type=info.kind,
                    id=files.resource_id(info.id, node.parent_id or info.id),
                    name=parent.rsplit("/", 1)[-1] or "/",
                    path=parent,
                ),
                file=file,
                special_folder=SpecialFolder(folder),
                web_dav_url=f"{base_url}/dav/spaces/{quote(drive_id, safe='')}" + quote(node.path),
            )
        )
    return found


def parse_special(refs: list[SpecialRef], storage_id: str, space: SpaceId) -> dict[str, NodeId]:
    """``special`` of a PATCH body → folder name → node id. A malformed id or
    an unknown folder name is InvalidInput (400); an item of another drive is
    NotFound (404). Whether the node exists is ``SpacesService``'s to check."""
    chosen: dict[str, NodeId] = {}
    for ref in refs:
        folder = ref.special_folder.name
        if folder not in SPECIAL_FOLDERS:
            raise InvalidInput(f"unknown special folder {folder[:40]!r} (image or readme)")
        if folder in chosen:
            raise InvalidInput(f"the special folder {folder!r} is given twice")
        storage, item_space, node = parse_resource_id(ref.id)
        if storage != storage_id or item_space != space:
            raise NotFound(f"no item {ref.id[:120]!r} in this drive")
        chosen[folder] = node
    return chosen


# ---------------------------------------------------------------- the default template


def apply_default_template(
    files: FilesService, spaces: SpacesService, space: SpaceId, *, initiator: str = ""
) -> None:
    """``?template=default``: a picture and a readme in ``.space/``, set as
    the new space's ``image`` and ``readme``."""
    files.mkdir(Ref(space, SPACE_FOLDER), initiator=initiator)
    image = files.upload(
        Ref(space, f"{SPACE_FOLDER}/image.png"), [default_image()], initiator=initiator
    )
    readme = files.upload(
        Ref(space, f"{SPACE_FOLDER}/readme.md"), [README_TEXT.encode()], initiator=initiator
    )
    spaces.set_special(space, {"image": image.id, "readme": readme.id})


@functools.cache
def default_image(width: int = 320, height: int = 180) -> bytes:
    """A plain PNG (a soft diagonal gradient) for a new space's picture,
    drawn here rather than shipped as a file."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    rows = bytearray()
    for y in range(height):
        rows.append(0)  # filter: none
        for x in range(width):
            t = (x + y) / (width + height)
            rows += bytes((int(40 + 60 * t), int(110 + 70 * t), int(160 + 60 * t)))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)  # 8-bit RGB
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(bytes(rows), 9))
        + chunk(b"IEND", b"")
    )
