"""OCS ``tokeninfo``: what a public link's token leads to, as reva answers it.

- ``GET /ocs/v{1,2}.php/apps/files_sharing/api/v1/tokeninfo/unprotected/{token}``
  needs no login (OpenCloud's proxy lets it through). A password-protected
  link says only ``password_protected: true``, unless the request carries the
  link's password as Basic auth (any username); a wrong one counts against
  the link's throttle like any other.
- ``…/tokeninfo/protected/{token}`` needs a signed-in user; the Basic auth
  there is the user's own, so a password-protected link says only that. For a
  link the caller can reach anyway (their own space, a project they belong
  to) it adds where the item lives: ``space_path``, ``space_alias``,
  ``space_url``, ``space_type``.

``{token, link_url: "/s/{token}", password_protected, alias_link, id,
storage_id, space_id, opaque_id, path, space_path, space_alias, space_url,
space_type}``, every field present (reva's ``TokenInfo``); ``alias_link`` is
true for an internal link (it gives nothing by itself).

reva answers an unknown token with a bare 500 so as to tell nothing; here an
unknown, expired or deleted token, and one whose item is gone, is a 404 (OCS
998) with one message for all: the same answer the link's WebDAV URL gives.
"""

from __future__ import annotations

import msgspec
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response

from opencloud.api.http import context
from opencloud.api.http.auth import parse_authorization
from opencloud.api.ocs.endpoints import ocs_response
from opencloud.core.errors import NotFound, Unauthenticated
from opencloud.core.ids import SpaceId
from opencloud.services.auth.types import Principal
from opencloud.services.shares.links import NO_LINK, Link


class TokenInfo(msgspec.Struct, kw_only=True):
    token: str
    link_url: str
    password_protected: bool
    alias_link: bool
    id: str = ""
    storage_id: str = ""
    space_id: str = ""
    opaque_id: str = ""
    path: str = ""
    space_path: str = ""
    space_alias: str = ""
    space_url: str = ""
    space_type: str = ""


async def unprotected(request: Request) -> Response:
    password: str | None = None
    value = request.headers.get("authorization")
    if value is not None:
        creds = parse_authorization(value)  # a malformed header is a 401
        password = creds.secret if creds.scheme == "basic" else None
    client = request.scope.get("client")
    address = str(client[0]) if client else ""
    info = await run_in_threadpool(_info, request, password, address, None)
    return ocs_response(request, info)


async def protected(request: Request) -> Response:
    who = context.principal(request)
    info = await run_in_threadpool(_info, request, None, "", who)
    return ocs_response(request, info)


def _info(request: Request, password: str | None, address: str, who: Principal | None) -> TokenInfo:
    token = request.path_params["token"]
    links, files = context.links(request), context.files(request)
    link = links.by_token(token)  # NotFound: the same message for every reason
    try:
        node = links.node(link)
    except NotFound:
        raise NotFound(NO_LINK) from None
    info = TokenInfo(
        token=token,
        link_url=f"/s/{token}",
        password_protected=link.has_password,
        alias_link=link.type == "internal",
    )
    if link.has_password:
        if password is None:
            return info
        try:
            links.check_access(link, password, address)  # Throttled: 429
        except Unauthenticated:
            return info  # a wrong password: as if none was given (reva)
        info.password_protected = False
    info.id = files.resource_id(SpaceId(link.space), node.id)
    info.storage_id = files.storage_id
    info.space_id = link.space
    info.opaque_id = node.id
    if who is not None:
        _where(request, info, link, node.path, who)
    return info


def _where(request: Request, info: TokenInfo, link: Link, path: str, who: Principal) -> None:
    """Where the item lives, for a caller who can reach its space anyway."""
    spaces = context.spaces(request)
    space = SpaceId(link.space)
    if not spaces.rights(who, space).read:
        return
    found = spaces.info(space)
    if found.kind == "project":
        alias = f"project/{found.name.lower()}"
    else:
        try:
            alias = f"personal/{context.auth(request).get_user(found.owner).username}"
        except NotFound:
            alias = f"personal/{found.owner}"
    info.space_path = path
    info.space_alias = alias
    info.space_url = f"{alias}/{info.opaque_id}"
    info.space_type = found.kind
