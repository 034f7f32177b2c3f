"""``GET /graph/v1.0/me``: the signed-in user, as LibreGraph describes a user.

The desktop client calls it right after login to validate the connection (a
401 means wrong credentials), the web client to learn the user's id, which it
compares with ``owner.user.id`` of the drives to find the personal one.
``$expand=memberOf`` adds the user's groups; other expansions are ignored, as
OpenCloud does.
"""

from __future__ import annotations

import msgspec
from starlette.requests import Request
from starlette.responses import Response

from opencloud.api.http import context
from opencloud.api.http.responses import json_response
from opencloud.services.auth.types import Principal


class GroupRef(msgspec.Struct, frozen=True, kw_only=True, rename="camel"):
    id: str
    display_name: str


class User(msgspec.Struct, frozen=True, kw_only=True, rename="camel"):
    id: str
    display_name: str
    #: left out when the user has no address, as OpenCloud does
    mail: str | msgspec.UnsetType = msgspec.UNSET
    on_premises_sam_account_name: str
    user_type: str = "Member"
    account_enabled: bool = True
    member_of: list[GroupRef] | msgspec.UnsetType = msgspec.UNSET


def expansions(request: Request) -> set[str]:
    """The names in ``$expand`` (comma-separated)."""
    return {part.strip() for part in request.query_params.get("$expand", "").split(",")}


def groups_of(who: Principal) -> list[GroupRef]:
    """The principal's groups: ids with their names (the id where no name is known)."""
    names = who.group_names if len(who.group_names) == len(who.groups) else who.groups
    return [GroupRef(id=g, display_name=n) for g, n in zip(who.groups, names, strict=True)]


def user_json(who: Principal, *, member_of: bool = False) -> User:
    """The principal as a Graph user."""
    return User(
        id=who.id,
        display_name=who.display_name,
        mail=who.mail or msgspec.UNSET,
        on_premises_sam_account_name=who.username,
        member_of=groups_of(who) if member_of else msgspec.UNSET,
    )


async def me(request: Request) -> Response:
    who = context.principal(request)
    return json_response(user_json(who, member_of="memberOf" in expansions(request)))
