"""The trash of a space over WebDAV (reva's ``trashbin.go``).

URLs (``/remote.php`` optional):

- ``/dav/spaces/trash-bin/{storage$space}/[{key}[/{path}]]``: any space the
  caller can see;
- ``/dav/trash-bin/{username}/[{key}[/{path}]]``: the caller's own personal
  space (legacy; another user's name is 404, as if there were no such trash).

``{key}`` names an item of the bin; ``{path}`` an entry inside a trashed folder,
relative to it, as OpenCloud's recycle API takes a key and a relative path.
``..`` in it (however encoded) is a 400, never resolved.

Methods, each needing the caller's rights in the space (``Rights``):

- ``PROPFIND`` (``trash``): Depth 0 the bin itself, Depth 1 the bin and its
  items; on ``{key}[/{path}]``, that item or entry, and with Depth 1 the
  entries directly inside it (``oc:trashbin-original-location`` of each is
  where it lived before its folder was deleted);
- ``MOVE {key}[/{path}]`` with ``Destination`` (``trash`` here, ``create`` at
  the destination): restore to that path in the same space. 201, or 204 when
  the name was taken and the holder went to the trash (``Overwrite: F``
  makes that a 412); 409 when the destination's parent folder is missing, as
  in OpenCloud (which checks the parent and answers FAILED_PRECONDITION):
  restoring an entry of a trashed folder to where it was needs that folder
  back first, or another destination. The node keeps its id;
  ``item-restored`` is published. An entry leaves the rest of its folder in
  the trash;
- ``DELETE {key}[/{path}]`` purges one item or entry, ``DELETE`` on the bin
  empties it (``purge``). A purged entry stays gone when its folder is
  restored.

A space the caller may not see answers 404; one they see but may not act in,
403; nothing is changed either way.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response

from opencloud.api.http.errors import ErrorInfo, error_response
from opencloud.api.webdav import multistatus as ms
from opencloud.api.webdav.headers import node_headers
from opencloud.api.webdav.propfind import parse_propfind
from opencloud.api.webdav.props import content_type, http_date
from opencloud.api.webdav.target import DavTarget, split_dav_path, stat_or_none
from opencloud.api.webdav.transfer import RawResponse
from opencloud.core.errors import (
    Conflict,
    InvalidInput,
    Locked,
    NotFound,
    PreconditionFailed,
)
from opencloud.core.ids import SpaceId
from opencloud.core.paths import parent_path, split_relative
from opencloud.services.auth.types import Principal
from opencloud.services.files.service import FilesService
from opencloud.services.spaces.rights import Rights
from opencloud.services.spaces.service import SpacesService
from opencloud.storage.types import NodeInfo, Ref, TrashItem

OC = "{http://owncloud.org/ns}"
ORIGINAL_FILENAME = OC + "trashbin-original-filename"
ORIGINAL_LOCATION = OC + "trashbin-original-location"
DELETE_TIMESTAMP = OC + "trashbin-delete-timestamp"
DELETE_DATETIME = OC + "trashbin-delete-datetime"
SPACEID = OC + "spaceid"
SIZE = OC + "size"
RESOURCETYPE = "{DAV:}resourcetype"
LENGTH = "{DAV:}getcontentlength"
CONTENT_TYPE = "{DAV:}getcontenttype"

#: What an ``allprop`` (or empty) PROPFIND of the trash returns.
ALLPROP = (
    ORIGINAL_FILENAME,
    ORIGINAL_LOCATION,
    DELETE_TIMESTAMP,
    DELETE_DATETIME,
    SPACEID,
    RESOURCETYPE,
    SIZE,
    LENGTH,
    CONTENT_TYPE,
)

ALLOW = "OPTIONS, PROPFIND, MOVE, DELETE"

#: Keys as drivers hand them out (the posix driver: ``<node-id>[.<ns>]``);
#: anything else (separators, dot names, control characters) is refused
#: before it reaches the driver.
_KEY = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9._:@+=-]{0,199}$")

Resolve = Callable[[str], DavTarget]
IsLocked = Callable[[Request, Ref], bool]


def is_trash_url(namespace: str, rest: str) -> bool:
    """Whether a DAV URL (split by ``split_dav_path``) names a trash bin."""
    return namespace == "trash-bin" or (
        namespace == "spaces" and rest.partition("/")[0] == "trash-bin"
    )


class _Bin:
    """A resolved trash URL: the space, the caller's rights there, the decoded
    URL path of the bin as the client wrote it, the item key (if any) and the
    checked path of an entry inside it (``""`` for the item itself)."""

    def __init__(self, space: SpaceId, rights: Rights, base: str, key: str, path: str) -> None:
        self.space = space
        self.rights = rights
        self.base = base
        self.key = key
        self.path = path

    def item_href(self, item: TrashItem) -> str:
        below = f"/{item.path}" if item.path else ""
        return ms.href(f"{self.base}/{item.key}{below}", collection=item.kind == "dir")


def _resolve(url_path: str, user: Principal, files: FilesService, spaces: SpacesService) -> _Bin:
    namespace, rest = split_dav_path(url_path)
    prefix = url_path[: len(url_path) - len(rest)].rstrip("/")
    if namespace == "spaces":
        prefix += "/trash-bin"
        rest = rest[len("trash-bin") :]
    head, _, tail = rest.lstrip("/").partition("/")
    if not head:
        raise NotFound("name a trash bin: /dav/spaces/trash-bin/{space-id}/")
    if namespace == "trash-bin":
        if head != user.username:
            raise NotFound(f"no trash bin of {head!r} visible to you")
        space = spaces.personal_id(user)
    else:
        storage, dollar, space_part = head.partition("$")
        if not dollar or storage != files.storage_id or not space_part or "!" in space_part:
            raise NotFound(f"no space {head!r}")
        space = SpaceId(space_part)
    rights = spaces.rights(user, space)
    if not rights.read:
        raise NotFound(f"no space {head!r}")
    key, _, below = tail.strip("/").partition("/")
    if key and not _KEY.match(key):
        raise InvalidInput(f"malformed trash item key {key[:80]!r}")
    path = "/".join(split_relative(below))  # PathEscapes (400) for any '..'
    return _Bin(space, rights, prefix + "/" + head, key, path)


async def handle(
    request: Request,
    *,
    user: Principal,
    files: FilesService,
    spaces: SpacesService,
    resolve: Resolve,
    locked: IsLocked,
    initiator: str,
) -> Response | RawResponse:
    url_path = request.scope["path"]
    method = request.scope["method"]
    trash = _resolve(url_path, user, files, spaces)
    if method == "PROPFIND":
        # whoever may read the space may list its trash (OpenCloud gives every
        # space role ListRecycle, the Space Viewer too); restoring needs more
        trash.rights.require("read", "see this space's trash")
        return await _propfind(request, files, trash)
    if method == "MOVE" and trash.key:
        trash.rights.require("trash", "restore from this space's trash")
        return await _restore(
            request, files, trash, resolve=resolve, locked=locked, initiator=initiator
        )
    if method == "DELETE":
        trash.rights.require("purge", "remove items from this space's trash for good")
        await run_in_threadpool(
            lambda: files.purge_trash(trash.space, trash.key or None, path=trash.path)
        )
        return RawResponse(204, {"Content-Length": "0"})
    return error_response(
        ErrorInfo(405, "notAllowed"),
        f"{method} is not allowed here; the trash takes {ALLOW}"
        + (" (MOVE needs an item key)" if method == "MOVE" else ""),
        path=url_path,
        headers={"Allow": ALLOW},
    )


async def _propfind(request: Request, files: FilesService, trash: _Bin) -> Response:
    depth = ms.parse_depth(request.headers.get("depth"), infinity=True)
    parsed = parse_propfind(await ms.small_body(request))
    minimal = ms.prefers_minimal(request)
    space_id = files.space_id(trash.space)
    entries: list[ms.Entry] = []
    if trash.key:
        found, inside = await run_in_threadpool(_item_and_inside, files, trash, depth)
        entries += [(trash.item_href(i), _item_values(i, space_id)) for i in (found, *inside)]
    else:
        items = await run_in_threadpool(files.list_trash, trash.space)
        root_values: dict[str, str | None] = {
            RESOURCETYPE: "<d:resourcetype><d:collection/></d:resourcetype>",
            SPACEID: ms.prop(SPACEID, space_id),
        }
        entries.append((ms.href(trash.base, collection=True), root_values))
        if depth == "1":
            entries += [(trash.item_href(i), _item_values(i, space_id)) for i in items]
    return ms.response(ms.render(parsed, ALLPROP, entries, minimal=minimal), minimal=minimal)


def _item_and_inside(
    files: FilesService, trash: _Bin, depth: str
) -> tuple[TrashItem, list[TrashItem]]:
    """The item or entry a keyed URL names and, below Depth 0, the entries
    directly inside it (one level, for Depth infinity too, as for the bin)."""
    found = files.stat_trash(trash.space, trash.key, trash.path)
    if depth == "0" or found.kind != "dir":
        return found, []
    return found, files.list_trash_folder(trash.space, trash.key, trash.path)


def _item_values(item: TrashItem, space_id: str) -> dict[str, str | None]:
    name = item.original_path.rsplit("/", 1)[-1]
    is_file = item.kind == "file"
    return {
        ORIGINAL_FILENAME: ms.prop(ORIGINAL_FILENAME, name),
        # no leading slash: OpenCloud's clients join it to the space root themselves
        ORIGINAL_LOCATION: ms.prop(ORIGINAL_LOCATION, item.original_path.lstrip("/")),
        DELETE_TIMESTAMP: ms.prop(DELETE_TIMESTAMP, str(item.deleted_ns // 1_000_000_000)),
        DELETE_DATETIME: ms.prop(DELETE_DATETIME, _rfc1123z(item.deleted_ns)),
        SPACEID: ms.prop(SPACEID, space_id),
        RESOURCETYPE: (
            "<d:resourcetype/>" if is_file else "<d:resourcetype><d:collection/></d:resourcetype>"
        ),
        SIZE: ms.prop(SIZE, str(item.size)),
        LENGTH: ms.prop(LENGTH, str(item.size)) if is_file else None,
        CONTENT_TYPE: ms.prop(CONTENT_TYPE, content_type(name)) if is_file else None,
    }


def _rfc1123z(ns: int) -> str:
    """Go's ``time.RFC1123Z`` in UTC: ``Mon, 02 Jan 2006 15:04:05 +0000``."""
    return http_date(ns).removesuffix(" GMT") + " +0000"


async def _restore(
    request: Request,
    files: FilesService,
    trash: _Bin,
    *,
    resolve: Resolve,
    locked: IsLocked,
    initiator: str,
) -> RawResponse:
    destination = request.headers.get("destination")
    if destination is None or not destination.strip():
        raise InvalidInput("restoring needs a Destination header naming the path to restore to")
    replace = ms.overwrite(request)

    def restore() -> tuple[int, NodeInfo, Rights]:
        dest = resolve(destination)
        if dest.space != trash.space:
            raise InvalidInput("a trash item can only be restored into its own space")
        dest.rights.require("create", "restore items into this space")
        if dest.path == "/":
            raise Conflict("cannot restore over the root of a space")
        files.stat_trash(trash.space, trash.key, trash.path)  # NotFound before anything changes
        try:
            parent = files.stat(Ref(trash.space, parent_path(dest.path)))
        except NotFound:
            raise Conflict(f"the folder to restore into does not exist: {dest.path}") from None
        if parent.kind != "dir":
            raise Conflict(f"cannot restore below a file: {dest.path}")
        ref = Ref(trash.space, dest.path)
        if locked(request, ref):
            raise Locked(f"{dest.path} is locked")
        existing = stat_or_none(files, ref)
        if existing is not None:
            if not replace:
                raise PreconditionFailed(f"{dest.path} exists and Overwrite is F")
            dest.rights.require("delete", "replace what holds the name")
            files.delete(ref, initiator=initiator)  # the holder of the name goes to the trash
        node = files.restore_trash(
            trash.space, trash.key, path=trash.path, dst=ref, initiator=initiator
        )
        return (204 if existing is not None else 201), node, dest.rights

    status, node, rights = await run_in_threadpool(restore)
    headers = node_headers(files, node, rights)
    headers["Content-Length"] = "0"
    return RawResponse(status, headers)
