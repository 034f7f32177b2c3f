"""LibreGraph public links (reference §2.6, §2.13), on items and space roots.

- ``POST /graph/v1beta1/drives/{driveId}/items/{itemId}/createLink`` and
  ``POST …/drives/{driveId}/root/createLink`` ``{"type", "password"?,
  "expirationDateTime"?, "displayName"?, "@libre.graph.quickLink"?}`` (explicit
  ``null`` means "not given") → 200 with the link permission.
- ``POST …/permissions/{linkId}/setPassword`` ``{"password"}`` → 200.
- ``PATCH …/permissions/{linkId}`` ``{"link"?: {"type"?,
  "@libre.graph.displayName"?}, "expirationDateTime"?: …|null,
  "displayName"?}`` → 200; ``DELETE`` → 204 (through ``sharing.py`` and
  ``permissions.py``, which hand link ids here).
- Links are listed in ``…/permissions`` ``value[]`` for who may share.

A link permission: ``{"id", "link": {"type", "webUrl": "{OC_URL}/s/{token}",
"preventsDownload": false, "@libre.graph.displayName",
"@libre.graph.quickLink"}, "hasPassword", "expirationDateTime"?,
"createdDateTime"}``.
"""

from __future__ import annotations

import re
import time

import msgspec
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response

from opencloud.api.graph.common import read_json
from opencloud.api.graph.drives import item_ids, rfc3339
from opencloud.api.graph.members import format_expiry, parse_expiry, patch_expiry
from opencloud.api.http import context
from opencloud.api.http.responses import json_response
from opencloud.core.errors import InvalidInput, NotFound
from opencloud.core.ids import NodeId, SpaceId
from opencloud.services.shares.links import ID_LENGTH, Link, LinksService

_LINK_ID = re.compile(rf"^[A-Za-z]{{{ID_LENGTH}}}$")


def is_link_id(value: str) -> bool:
    return bool(_LINK_ID.match(value))


# ---------------------------------------------------------------- JSON


class SharingLink(
    msgspec.Struct,
    frozen=True,
    kw_only=True,
    rename={
        "type": "type",
        "web_url": "webUrl",
        "prevents_download": "preventsDownload",
        "display_name": "@libre.graph.displayName",
        "quick_link": "@libre.graph.quickLink",
    },
):
    type: str
    web_url: str
    prevents_download: bool = False
    display_name: str = ""
    quick_link: bool = False


class LinkPermission(msgspec.Struct, frozen=True, kw_only=True, rename="camel"):
    id: str
    link: SharingLink
    has_password: bool
    expiration_date_time: str | msgspec.UnsetType = msgspec.UNSET
    created_date_time: str


def link_permission(link: Link, public_url: str) -> LinkPermission:
    return LinkPermission(
        id=link.id,
        link=SharingLink(
            type=link.type,
            web_url=f"{public_url}/s/{link.token}",
            display_name=link.display_name,
            quick_link=link.quick_link,
        ),
        has_password=link.has_password,
        expiration_date_time=format_expiry(link.expires) if link.expires else msgspec.UNSET,
        created_date_time=rfc3339(link.created),
    )


def link_permissions(
    links: LinksService, space: str, node: str, public_url: str
) -> list[LinkPermission]:
    return [link_permission(x, public_url) for x in links.of_node(space, node)]


class CreateLink(
    msgspec.Struct,
    kw_only=True,
    rename={
        "type": "type",
        "password": "password",
        "expiration_date_time": "expirationDateTime",
        "display_name": "displayName",
        "quick_link": "@libre.graph.quickLink",
    },
):
    type: str | None = None
    password: str | None = None
    expiration_date_time: str | None = None
    display_name: str | None = None
    quick_link: bool | None = None


class SetPassword(msgspec.Struct, kw_only=True):
    password: str | None = None


class LinkPatchBody(
    msgspec.Struct,
    kw_only=True,
    rename={"type": "type", "display_name": "@libre.graph.displayName"},
):
    type: str | None = None
    display_name: str | None = None


class LinkPatch(msgspec.Struct, kw_only=True, rename="camel"):
    link: LinkPatchBody | None = None
    #: absent: unchanged; null: no expiry
    expiration_date_time: str | msgspec.UnsetType | None = msgspec.UNSET
    display_name: str | None = None


# ---------------------------------------------------------------- helpers


def listed_links(
    request: Request, space: str, node: str, *, may_share: bool
) -> list[LinkPermission]:
    """The links of an item as ``…/permissions`` lists them: only for who
    may share there (a link may give more than the caller's own rights)."""
    if not may_share:
        return []
    try:
        links = context.links(request)
    except RuntimeError:  # a state without links (some unit tests)
        return []
    return link_permissions(links, space, node, context.base_url(request))


def _link_of(links: LinksService, space: SpaceId, node: NodeId, link_id: str) -> Link:
    for link in links.of_node(space, node):
        if link.id == link_id:
            return link
    raise NotFound(f"no permission {link_id[:120]!r} on this item")


def _expiry(value: str | None) -> int:
    return parse_expiry(value, now_ns=time.time_ns()) if value else 0


# ---------------------------------------------------------------- handlers


async def create_link(request: Request) -> Response:
    who, files, links = context.principal(request), context.files(request), context.links(request)
    space, node = item_ids(request, files.storage_id)
    body = await read_json(request, CreateLink)
    base = context.base_url(request)

    def work() -> LinkPermission:
        if not body.type:
            raise InvalidInput("type must name a link type")
        link = links.create(
            who,
            space,
            node,
            link_type=body.type,
            password=body.password or "",
            expires=_expiry(body.expiration_date_time),
            display_name=body.display_name or "",
            quick_link=bool(body.quick_link),
        )
        return link_permission(link, base)

    return json_response(await run_in_threadpool(work))


async def set_password(request: Request) -> Response:
    who, files, links = context.principal(request), context.files(request), context.links(request)
    space, node = item_ids(request, files.storage_id)
    body = await read_json(request, SetPassword)
    base = context.base_url(request)

    def work() -> LinkPermission:
        link = _link_of(links, space, node, request.path_params["permission_id"])
        return link_permission(links.set_password(who, link.id, body.password or ""), base)

    return json_response(await run_in_threadpool(work))


async def update_link(request: Request) -> Response:
    who, files, links = context.principal(request), context.files(request), context.links(request)
    space, node = item_ids(request, files.storage_id)
    body = await read_json(request, LinkPatch)
    base = context.base_url(request)

    def work() -> LinkPermission:
        link = _link_of(links, space, node, request.path_params["permission_id"])
        expires = patch_expiry(body.expiration_date_time, now_ns=time.time_ns())
        display_name = body.display_name
        if body.link is not None and body.link.display_name is not None:
            display_name = body.link.display_name
        changed = links.update(
            who,
            link.id,
            link_type=body.link.type if body.link is not None else None,
            expires=expires,
            display_name=display_name,
        )
        return link_permission(changed, base)

    return json_response(await run_in_threadpool(work))


async def delete_link(request: Request) -> Response:
    who, files, links = context.principal(request), context.files(request), context.links(request)
    space, node = item_ids(request, files.storage_id)

    def work() -> None:
        link = _link_of(links, space, node, request.path_params["permission_id"])
        links.delete(who, link.id)

    await run_in_threadpool(work)
    return Response(status_code=204)
