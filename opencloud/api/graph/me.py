"""``GET /graph/v1.0/me``: the signed-in user, as LibreGraph describes a user.

The desktop client calls it right after login to validate the connection (a
401 means wrong credentials), the web client to learn the user's id, which it
compares with ``owner.user.id`` of the drives to find the personal one.
``$expand=memberOf`` adds the user's groups; other expansions are ignored, as
OpenCloud does. The shape is ``common.GraphUser``, the one ``/users`` answers.
"""

from __future__ import annotations

import msgspec
from starlette.requests import Request
from starlette.responses import Response

from opencloud.api.graph.common import GraphUser, GroupRef, expansions
from opencloud.api.http import context
from opencloud.api.http.responses import json_response
from opencloud.services.auth.types import Principal


def groups_of(who: Principal) -> list[GroupRef]:
    """The principal's groups: ids with their names (the id where no name is known)."""
    names = who.group_names if len(who.group_names) == len(who.groups) else who.groups
    return [GroupRef(id=g, display_name=n) for g, n in zip(who.groups, names, strict=True)]


def user_json(who: Principal, *, member_of: bool = False) -> GraphUser:
    """The principal as a Graph user (signed in, so its account is enabled)."""
    return GraphUser(
        id=who.id,
        display_name=who.display_name,
        mail=who.mail or msgspec.UNSET,
        on_premises_sam_account_name=who.username,
        account_enabled=True,
        member_of=groups_of(who) if member_of else msgspec.UNSET,
    )


async def me(request: Request) -> Response:
    who = context.principal(request)
    return json_response(user_json(who, member_of="memberOf" in expansions(request)))
