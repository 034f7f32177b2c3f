"""LibreGraph users: ``/graph/v1.0/users`` and ``/graph/v1.0/users/{id}``.

Administrators list, read, create, change and delete users. Other signed-in
users may look users up (the share dialog does): ``GET /users`` with a
``$search`` of at least 3 characters, and ``GET /users/{id}``, both without
``accountEnabled``. ``{id}`` is a user id or a username.

Create ``{"onPremisesSamAccountName", "displayName", "mail",
"passwordProfile": {"password"}, "accountEnabled"}`` → 201 with the user;
``PATCH`` takes the same fields (each optional) → 200; ``DELETE`` → 204: the
shares and links of the user's personal space end, each logged, and the space
is purged (``services/shares/deprovision.py``); shares they made in project
spaces stay. ``$expand=memberOf`` adds the groups. The
password is never returned.
"""

from __future__ import annotations

from functools import partial

import msgspec
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response

from opencloud.api.graph.common import (
    GraphUser,
    expansions,
    read_json,
    require_admin,
    search_term,
    user_json,
)
from opencloud.api.http import context
from opencloud.api.http.responses import json_response
from opencloud.core.errors import InvalidInput, PermissionDenied
from opencloud.services.auth.records import User
from opencloud.services.shares.deprovision import UserRemoval

MIN_SEARCH = 3  # GRAPH_IDENTITY_SEARCH_MIN_LENGTH


class PasswordProfile(msgspec.Struct, kw_only=True, rename="camel"):
    password: str | None = None
    force_change_password_next_sign_in: bool | None = None


class UserCreate(msgspec.Struct, kw_only=True, rename="camel"):
    on_premises_sam_account_name: str
    display_name: str | None = None
    mail: str | None = None
    password_profile: PasswordProfile | None = None
    account_enabled: bool = True


class UserPatch(msgspec.Struct, kw_only=True, rename="camel"):
    on_premises_sam_account_name: str | None = None
    display_name: str | None = None
    mail: str | None = None
    password_profile: PasswordProfile | None = None
    account_enabled: bool | None = None


async def _view(request: Request, user: User, *, full: bool) -> Response:
    auth = context.auth(request)
    expand = "memberOf" in expansions(request)
    groups = await run_in_threadpool(auth.groups_of, user.id) if expand else None
    return json_response(user_json(user, groups=groups, full=full))


async def list_users(request: Request) -> Response:
    who = context.principal(request)
    auth = context.auth(request)
    term = search_term(request)
    full = who.role == "admin"
    if not full and len(term) < MIN_SEARCH:
        raise InvalidInput(f"$search needs at least {MIN_SEARCH} characters")
    expand = "memberOf" in expansions(request)

    def work() -> list[GraphUser]:
        # the directory may be re-read from the storage: never on the event loop
        return [
            user_json(u, groups=auth.groups_of(u.id) if expand else None, full=full)
            for u in auth.list_users(term)
        ]

    return json_response({"value": await run_in_threadpool(work)})


async def get_user(request: Request) -> Response:
    who = context.principal(request)
    auth = context.auth(request)
    user = await run_in_threadpool(auth.get_user, request.path_params["user_id"])
    return await _view(request, user, full=who.role == "admin" or who.id == user.id)


async def create_user(request: Request) -> Response:
    require_admin(context.principal(request))
    body = await read_json(request, UserCreate)
    auth = context.auth(request)
    password = body.password_profile.password if body.password_profile else None
    user = await run_in_threadpool(
        partial(
            auth.create_user,
            body.on_premises_sam_account_name,
            password or "",
            display_name=body.display_name or "",
            mail=body.mail or "",
            enabled=body.account_enabled,
        )
    )
    response = await _view(request, user, full=True)
    response.status_code = 201
    return response


async def update_user(request: Request) -> Response:
    require_admin(context.principal(request))
    body = await read_json(request, UserPatch)
    auth = context.auth(request)
    password = body.password_profile.password if body.password_profile else None
    user = await run_in_threadpool(
        partial(
            auth.update_user,
            request.path_params["user_id"],
            username=body.on_premises_sam_account_name,
            display_name=body.display_name,
            mail=body.mail,
            password=password,
            enabled=body.account_enabled,
        )
    )
    return await _view(request, user, full=True)


async def delete_user(request: Request) -> Response:
    caller = context.principal(request)
    require_admin(caller)
    auth = context.auth(request)
    target = await run_in_threadpool(auth.get_user, request.path_params["user_id"])
    if target.id == caller.id:
        # as OpenCloud: an admin cannot remove their own account (and with it
        # the session that is asking)
        raise PermissionDenied("you cannot delete your own account")
    removal = UserRemoval(
        context.auth(request),
        context.spaces(request),
        context.shares(request),
        context.links(request),
    )
    await run_in_threadpool(removal.delete_user, request.path_params["user_id"])
    return Response(status_code=204)
