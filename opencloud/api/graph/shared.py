"""Shares as their recipients and sharers see them in LibreGraph, and the
share jail (the virtual "Shares" drive) as a drive with items.

- ``GET /graph/v1beta1/me/drive/sharedWithMe``: one DriveItem per item shared
  with the caller (directly or through a group; expired shares are gone),
  its shares in ``remoteItem.permissions``. ``@client.synchronize`` is true
  while it is accepted (mounted in the Shares drive; shares are accepted
  unless declined), ``@UI.Hidden`` when the recipient hid it. ``id`` is the
  item in the Shares drive, ``a0ca…$a0ca…!{share id}``, ``name`` its mount
  name; ``remoteItem`` is the shared item itself.
- ``GET /graph/v1beta1/me/drive/sharedByMe``: one DriveItem per item the
  caller shared or made a public link of, its shares and then its links
  (with their ``link`` facet) in ``permissions``.
- The share jail: ``POST /drives/{jail}/root/children`` ``{"remoteItem":
  {"id": <shared item>}, "name"?}`` accepts (mounts) the caller's shares of
  that item → 201 with the item; ``DELETE /drives/{jail}/items/{jail item}``
  declines (unmounts) them → 204; ``PATCH /drives/{jail}/items/{jail item}``
  ``{"@UI.Hidden"?: bool, "name"?: str}`` hides, shows or renames the mount →
  200; ``GET`` reads it. A share the caller does not receive is 404.

Several shares of one item with the caller (their own and a group's) are one
item, answered together: accepting, declining or hiding applies to all.
"""

from __future__ import annotations

from collections.abc import Callable

import msgspec
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response

from opencloud.api.graph.common import read_json
from opencloud.api.graph.drives import (
    SHARES_DRIVE,
    Identity,
    IdentitySet,
    member_names,
    parse_drive_id,
    visible_space,
)
from opencloud.api.graph.items import FileFacet, FolderFacet, ParentReference, facets, rfc3339
from opencloud.api.graph.links import LinkPermission, link_permission
from opencloud.api.graph.members import Names
from opencloud.api.graph.sharing import SharePermission, share_permissions
from opencloud.api.http import context
from opencloud.api.http.responses import json_response
from opencloud.core.errors import AlreadyExists, InvalidInput, NotFound, NotSupported
from opencloud.core.ids import SpaceId, parse_resource_id
from opencloud.core.paths import check_name
from opencloud.services.auth.types import Principal
from opencloud.services.files.service import FilesService
from opencloud.services.shares.links import Link, LinksService
from opencloud.services.shares.service import SharesService
from opencloud.services.shares.types import SHARE_JAIL, Share
from opencloud.services.spaces.service import SpacesService
from opencloud.storage.types import NodeInfo

#: The root of the Shares drive, the parent of every item in it.
SHARES_ROOT = f"{SHARES_DRIVE}!{SHARE_JAIL}"

# ---------------------------------------------------------------- JSON

_SPECIAL = {
    "synchronize": "@client.synchronize",
    "hidden": "@UI.Hidden",
}


def _graph_name(field: str) -> str:
    if field in _SPECIAL:
        return _SPECIAL[field]
    head, *rest = field.split("_")
    return head + "".join(part.title() for part in rest)


class RemoteItem(msgspec.Struct, frozen=True, kw_only=True, rename=_graph_name):
    id: str
    name: str
    e_tag: str
    size: int
    last_modified_date_time: str
    parent_reference: ParentReference
    file: FileFacet | msgspec.UnsetType = msgspec.UNSET
    folder: FolderFacet | msgspec.UnsetType = msgspec.UNSET
    created_by: IdentitySet
    permissions: list[SharePermission]


class DriveItem(msgspec.Struct, frozen=True, kw_only=True, rename=_graph_name):
    id: str
    name: str
    e_tag: str
    size: int
    last_modified_date_time: str
    parent_reference: ParentReference
    file: FileFacet | msgspec.UnsetType = msgspec.UNSET
    folder: FolderFacet | msgspec.UnsetType = msgspec.UNSET
    created_by: IdentitySet | msgspec.UnsetType = msgspec.UNSET
    remote_item: RemoteItem | msgspec.UnsetType = msgspec.UNSET
    permissions: list[SharePermission | LinkPermission] | msgspec.UnsetType = msgspec.UNSET
    synchronize: bool | msgspec.UnsetType = msgspec.UNSET
    hidden: bool | msgspec.UnsetType = msgspec.UNSET


class DriveItemList(msgspec.Struct, frozen=True, kw_only=True):
    value: list[DriveItem]


class RemoteRef(msgspec.Struct, kw_only=True):
    id: str


class MountRequest(msgspec.Struct, kw_only=True, rename="camel"):
    remote_item: RemoteRef
    name: str | None = None


class JailItemPatch(msgspec.Struct, kw_only=True, rename=_graph_name):
    hidden: bool | None = None
    name: str | None = None


def _person(names: Names, user_id: str) -> IdentitySet:
    return IdentitySet(user=Identity(id=user_id, display_name=names("u", user_id)))


class _Items:
    """Builds DriveItems for one request, looking each space up once."""

    def __init__(self, files: FilesService, spaces: SpacesService, names: Names) -> None:
        self.files, self.spaces, self.names = files, spaces, names
        self._kinds: dict[str, str] = {}
        self._mounted: dict[str, str] | None = None  # share id -> mount name

    def _drive_type(self, space: str) -> str:
        if space not in self._kinds:
            self._kinds[space] = self.spaces.info(SpaceId(space)).kind
        return self._kinds[space]

    def remote(self, group: list[Share], node: NodeInfo) -> RemoteItem:
        file, folder = facets(node)
        first = group[0]
        return RemoteItem(
            id=self.files.resource_id(node.space, node.id),
            name=node.name,
            e_tag=node.etag,
            size=node.size,
            last_modified_date_time=rfc3339(node.mtime_ns),
            parent_reference=ParentReference(
                drive_id=self.files.space_id(node.space),
                drive_type=self._drive_type(node.space),
            ),
            file=file,
            folder=folder,
            created_by=_person(self.names, first.owner or first.creator),
            permissions=share_permissions(group, self.names),
        )

    def received(
        self, shares: SharesService, who: Principal, group: list[Share], node: NodeInfo
    ) -> DriveItem:
        """The caller's shares of one item as an item of their Shares drive."""
        first = group[0]
        accepted = [s for s in group if shares.state(who, s) == "accepted"]
        if self._mounted is None:  # once per request: it reads every mounted item
            self._mounted = {s.id: name for s, _, name in shares.mounts(who)}
        mounted = self._mounted
        name = next((mounted[s.id] for s in accepted if s.id in mounted), node.name)
        file, folder = facets(node)
        return DriveItem(
            id=f"{SHARES_DRIVE}!{(accepted or group)[0].id}",
            name=name,
            e_tag=node.etag,
            size=node.size,
            last_modified_date_time=rfc3339(node.mtime_ns),
            parent_reference=ParentReference(
                drive_id=SHARES_DRIVE, drive_type="virtual", id=SHARES_ROOT
            ),
            file=file,
            folder=folder,
            created_by=_person(self.names, first.creator),
            remote_item=self.remote(group, node),
            synchronize=bool(accepted),
            hidden=any(s.hidden.get(who.id, False) for s in group),
        )

    def given(
        self, group: list[Share], node: NodeInfo, links: list[LinkPermission] | None = None
    ) -> DriveItem:
        """An item the caller shared, with its shares and then its links."""
        file, folder = facets(node)
        return DriveItem(
            id=self.files.resource_id(node.space, node.id),
            name=node.name,
            e_tag=node.etag,
            size=node.size,
            last_modified_date_time=rfc3339(node.mtime_ns),
            parent_reference=ParentReference(
                drive_id=self.files.space_id(node.space),
                drive_type=self._drive_type(node.space),
                id=self.files.resource_id(node.space, node.parent_id or node.id),
            ),
            file=file,
            folder=folder,
            permissions=[*share_permissions(group, self.names), *(links or [])],
        )


def _by_item(shares: SharesService, found: list[Share]) -> list[tuple[list[Share], NodeInfo]]:
    """Shares grouped by the item they share, newest first; items that are
    gone (purged) are left out."""
    groups: dict[tuple[str, str], list[Share]] = {}
    for share in found:
        groups.setdefault((share.space, share.node), []).append(share)
    out: list[tuple[list[Share], NodeInfo]] = []
    for group in groups.values():
        try:
            out.append((group, shares.node(group[0])))
        except NotFound:
            continue
    return out


def _received_of(
    shares: SharesService,
    who: Principal,
    space: str,
    node: str,
    received: list[Share] | None = None,
) -> list[Share]:
    """The caller's received shares of one item (``received``: their
    ``shared_with``, when already read)."""
    if received is None:
        received = shares.shared_with(who)
    found = [s for s in received if s.space == space and s.node == node and s.creator != who.id]
    if not found:
        raise NotFound("nothing is shared with you under this id")
    return found


# ---------------------------------------------------------------- listings


def _context(request: Request) -> tuple[Principal, SharesService, _Items]:
    items = _Items(context.files(request), context.spaces(request), member_names(request))
    return context.principal(request), context.shares(request), items


async def shared_with_me(request: Request) -> Response:
    who, shares, items = _context(request)

    def work() -> DriveItemList:
        received = [s for s in shares.shared_with(who) if s.creator != who.id]
        found = _by_item(shares, received)
        return DriveItemList(value=[items.received(shares, who, g, n) for g, n in found])

    return json_response(await run_in_threadpool(work))


async def shared_by_me(request: Request) -> Response:
    who, shares, items = _context(request)

    links = _links_or_none(request)
    base = context.base_url(request)

    def work() -> DriveItemList:
        found = _given(shares, links, who)
        value = [
            items.given(group, node, [link_permission(x, base) for x in made])
            for group, made, node in found
        ]
        return DriveItemList(value=value)

    return json_response(await run_in_threadpool(work))


def _links_or_none(request: Request) -> LinksService | None:
    try:
        return context.links(request)
    except RuntimeError:  # a state without links (some unit tests)
        return None


def _given(
    shares: SharesService, links: LinksService | None, who: Principal
) -> list[tuple[list[Share], list[Link], NodeInfo]]:
    """What the caller shared and linked, grouped by item (items with shares
    first, newest first); items that are gone are left out."""
    groups: dict[tuple[str, str], tuple[list[Share], list[Link]]] = {}
    for share in shares.shared_by(who):
        groups.setdefault((share.space, share.node), ([], []))[0].append(share)
    for link in links.created_by(who) if links is not None else []:
        groups.setdefault((link.space, link.node), ([], []))[1].append(link)
    out: list[tuple[list[Share], list[Link], NodeInfo]] = []
    for group, made in groups.values():
        made.sort(key=lambda x: (x.created, x.id))
        try:
            if group:
                node = shares.node(group[0])
            else:
                assert links is not None  # a link-only item came from them
                node = links.node(made[0])
        except NotFound:
            continue
        out.append((group, made, node))
    return out


# ---------------------------------------------------------------- the share jail


def _require_jail(request: Request, spaces: SpacesService, who: Principal) -> Callable[[], None]:
    """Only the Shares drive has items here. Another drive's id: malformed
    400, unknown 404 (checked in the returned work), else 501."""
    drive_id = request.path_params["drive_id"]
    if drive_id == SHARES_DRIVE:
        return lambda: None
    space = parse_drive_id(drive_id, spaces.storage_id)

    def check() -> None:
        visible_space(spaces, who, space)
        raise NotSupported("only the Shares drive's items are served here")

    return check


def _jail_share(shares: SharesService, who: Principal, item_id: str) -> tuple[Share, list[Share]]:
    """The share behind an item of the Shares drive (``jail$jail!{share id}``),
    if the caller receives it, and all their shares of its item (one read of
    what they receive)."""
    drive, bang, share_id = item_id.partition("!")
    if drive != SHARES_DRIVE or not bang or share_id.count(":") != 2:
        raise InvalidInput(f"not an item of the Shares drive: {item_id[:120]!r}")
    share = shares.get(share_id)
    received = shares.shared_with(who)
    if share.creator == who.id or all(s.id != share.id for s in received):
        raise NotFound(f"no share {share_id[:120]!r} with you")
    return share, _received_of(shares, who, share.space, share.node, received)


def _taken_names(shares: SharesService, who: Principal, node: str) -> set[str]:
    """Mount names in the caller's Shares drive, but those of ``node``."""
    return {name for s, _, name in shares.mounts(who) if s.node != node}


async def mount(request: Request) -> Response:
    """``POST /drives/{jail}/root/children``: accept (mount) a share."""
    who, shares, items = _context(request)
    check = _require_jail(request, items.spaces, who)
    body = await read_json(request, MountRequest)

    def work() -> DriveItem:
        check()
        storage, space, node = parse_resource_id(body.remote_item.id)
        if storage != items.spaces.storage_id:
            raise NotFound("nothing is shared with you under this id")
        group = _received_of(shares, who, space, node)
        name = body.name
        if name is not None:
            check_name(name.strip())
            if name.strip() in _taken_names(shares, who, node):
                raise AlreadyExists(f"{name.strip()!r} is taken in your Shares drive")
        for share in group:
            shares.answer(who, share.id, "accepted", mount=name.strip() if name else None)
        return items.received(shares, who, group, shares.node(group[0]))

    return json_response(await run_in_threadpool(work), status_code=201)


async def get_item(request: Request) -> Response:
    who, shares, items = _context(request)
    check = _require_jail(request, items.spaces, who)

    def work() -> DriveItem:
        check()
        share, group = _jail_share(shares, who, request.path_params["item_id"])
        return items.received(shares, who, group, shares.node(share))

    return json_response(await run_in_threadpool(work))


async def update_item(request: Request) -> Response:
    """``PATCH /drives/{jail}/items/{id}``: hide, show or rename a mount."""
    who, shares, items = _context(request)
    check = _require_jail(request, items.spaces, who)
    body = await read_json(request, JailItemPatch)

    def work() -> DriveItem:
        check()
        share, group = _jail_share(shares, who, request.path_params["item_id"])
        name = body.name.strip() if body.name is not None else None
        if name is not None:
            check_name(name)
            if name in _taken_names(shares, who, share.node):
                raise AlreadyExists(f"{name!r} is taken in your Shares drive")
        for each in group:
            if body.hidden is not None:
                shares.hide(who, each.id, body.hidden)
            if name is not None:
                shares.answer(who, each.id, shares.state(who, each), mount=name)
        return items.received(shares, who, group, shares.node(share))

    return json_response(await run_in_threadpool(work))


async def delete_item(request: Request) -> Response:
    """``DELETE /drives/{jail}/items/{id}``: decline (unmount) a share."""
    who, shares, items = _context(request)
    check = _require_jail(request, items.spaces, who)

    def work() -> None:
        check()
        _, group = _jail_share(shares, who, request.path_params["item_id"])
        for each in group:
            shares.answer(who, each.id, "declined")

    await run_in_threadpool(work)
    return Response(status_code=204)
