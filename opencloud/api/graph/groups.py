"""LibreGraph groups: ``/graph/v1.0/groups[/{id}[/members[/{member}]/$ref]]``.

Administrators manage groups; other signed-in users may look them up
(``$search`` of at least 3 characters, or one group by id). ``{id}`` is a group
id or a group name.

- ``POST /groups`` ``{"displayName", "description", "members@odata.bind": [url…]}`` → 201
- ``PATCH /groups/{id}`` the same fields, each optional (members are added) → 204
- ``DELETE /groups/{id}`` → 204
- ``GET /groups/{id}/members`` → ``{"value": [user…]}``
- ``POST /groups/{id}/members/$ref`` ``{"@odata.id": ".../users/{user id}"}`` → 204
- ``DELETE /groups/{id}/members/{user id}/$ref`` → 204

``$expand=members`` adds the members to group objects.
"""

from __future__ import annotations

from functools import partial

import msgspec
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response

from opencloud.api.graph.common import (
    GraphGroup,
    expansions,
    group_json,
    odata_id,
    read_json,
    require_admin,
    search_term,
    user_json,
)
from opencloud.api.http import context
from opencloud.api.http.responses import json_response
from opencloud.core.errors import InvalidInput

MIN_SEARCH = 3


class GroupCreate(msgspec.Struct, kw_only=True, rename="camel"):
    display_name: str
    description: str = ""
    members_bind: list[str] = msgspec.field(default_factory=list, name="members@odata.bind")


class GroupPatch(msgspec.Struct, kw_only=True, rename="camel"):
    display_name: str | None = None
    description: str | None = None
    members_bind: list[str] = msgspec.field(default_factory=list, name="members@odata.bind")


class MemberRef(msgspec.Struct, kw_only=True):
    odata_id: str = msgspec.field(name="@odata.id")


async def list_groups(request: Request) -> Response:
    who = context.principal(request)
    auth = context.auth(request)
    term = search_term(request)
    if who.role != "admin" and len(term) < MIN_SEARCH:
        raise InvalidInput(f"$search needs at least {MIN_SEARCH} characters")
    expand = "members" in expansions(request)

    def work() -> list[GraphGroup]:
        # the directory may be re-read from the storage: never on the event loop
        return [
            group_json(g, members=auth.members(g.id) if expand else None)
            for g in auth.list_groups(term)
        ]

    return json_response({"value": await run_in_threadpool(work)})


async def get_group(request: Request) -> Response:
    context.principal(request)
    auth = context.auth(request)
    expand = "members" in expansions(request)

    def work() -> GraphGroup:
        group = auth.get_group(request.path_params["group_id"])
        return group_json(group, members=auth.members(group.id) if expand else None)

    return json_response(await run_in_threadpool(work))


async def create_group(request: Request) -> Response:
    require_admin(context.principal(request))
    body = await read_json(request, GroupCreate)
    auth = context.auth(request)
    members = [odata_id(url) for url in body.members_bind]
    group = await run_in_threadpool(
        partial(auth.create_group, body.display_name, description=body.description, members=members)
    )
    return json_response(group_json(group), status_code=201)


async def update_group(request: Request) -> Response:
    require_admin(context.principal(request))
    body = await read_json(request, GroupPatch)
    auth = context.auth(request)
    key = request.path_params["group_id"]

    def apply() -> None:
        group = auth.update_group(key, name=body.display_name, description=body.description)
        for url in body.members_bind:
            auth.add_member(group.id, odata_id(url))

    await run_in_threadpool(apply)
    return Response(status_code=204)


async def delete_group(request: Request) -> Response:
    require_admin(context.principal(request))
    auth = context.auth(request)
    await run_in_threadpool(auth.delete_group, request.path_params["group_id"])
    return Response(status_code=204)


async def list_members(request: Request) -> Response:
    who = context.principal(request)
    auth = context.auth(request)
    members = await run_in_threadpool(auth.members, request.path_params["group_id"])
    full = who.role == "admin"
    return json_response({"value": [user_json(u, full=full) for u in members]})


async def add_member(request: Request) -> Response:
    require_admin(context.principal(request))
    body = await read_json(request, MemberRef)
    auth = context.auth(request)
    await run_in_threadpool(
        auth.add_member, request.path_params["group_id"], odata_id(body.odata_id)
    )
    return Response(status_code=204)


async def remove_member(request: Request) -> Response:
    require_admin(context.principal(request))
    auth = context.auth(request)
    await run_in_threadpool(
        auth.remove_member, request.path_params["group_id"], request.path_params["member_id"]
    )
    return Response(status_code=204)
