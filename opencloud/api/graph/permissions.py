"""LibreGraph space membership (``/graph/v1beta1/drives/{id}/root/…``) and
role definitions (``/graph/v1beta1/roleManagement/permissions/roleDefinitions``).

- ``POST …/root/invite`` ``{"recipients": [{"objectId", "@libre.graph.recipient.type":
  "user"|"group"}], "roles": [<space role id>], "expirationDateTime"?}`` →
  200 ``{"value": [permission…]}``. Managers, admins and space admins only.
  A role that is not a space role, an unknown user or group, inviting
  oneself or someone already a member: 4xx, and nobody is added.
- ``GET …/root/permissions`` → ``{"value": [permission…],
  "@libre.graph.permissions.roles.allowedValues": [role…],
  "@libre.graph.permissions.actions.allowedValues": […]}`` for whoever sees
  the space. ``allowedValues`` offers the space roles not beyond the caller's
  own rights (all three to who manages the members), least powerful first.
- ``PATCH …/root/permissions/{u:<id>|g:<id>}`` ``{"roles": [id],
  "expirationDateTime": … | null}`` → 200 with the permission;
  ``DELETE …/root/permissions/{id}`` → 204. A space always keeps a Manager
  without an expiry: demoting, expiring or removing the last one is 409.

A disabled space's members cannot be changed until it is restored.
"""

from __future__ import annotations

import time

import msgspec
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response

from opencloud.api.graph import links as public_links
from opencloud.api.graph.common import read_json
from opencloud.api.graph.drives import member_names, parse_drive_id, visible_space
from opencloud.api.graph.members import (
    ACTIONS,
    Permission,
    RoleDefinition,
    allowed_space_roles,
    only_roles_selected,
    parse_expiry,
    parse_permission_id,
    patch_expiry,
    permission_json,
    role_definition,
    role_definitions,
)
from opencloud.api.http import context
from opencloud.api.http.responses import json_response
from opencloud.core.errors import AlreadyExists, InvalidInput, NotFound, PermissionDenied
from opencloud.core.ids import SpaceId
from opencloud.services.auth.service import AuthService
from opencloud.services.auth.types import Principal
from opencloud.services.shares.types import GranteeKind
from opencloud.services.spaces.roles import ROLES, Role, role
from opencloud.services.spaces.service import Grant, SpacesService

MAX_RECIPIENTS = 100


class Recipient(
    msgspec.Struct,
    kw_only=True,
    rename={"object_id": "objectId", "recipient_type": "@libre.graph.recipient.type"},
):
    object_id: str
    recipient_type: str = "user"


class Invite(
    msgspec.Struct,
    kw_only=True,
    rename={
        "recipients": "recipients",
        "roles": "roles",
        "expiration_date_time": "expirationDateTime",
        "actions": "@libre.graph.permissions.actions",
    },
):
    recipients: list[Recipient]
    roles: list[str] | None = None
    expiration_date_time: str | None = None
    actions: list[str] | None = None


class PermissionPatch(msgspec.Struct, kw_only=True, rename="camel"):
    roles: list[str] | None = None
    #: null clears the expiry; absent leaves it
    expiration_date_time: str | msgspec.UnsetType | None = msgspec.UNSET


class PermissionList(
    msgspec.Struct,
    frozen=True,
    kw_only=True,
    rename={
        "value": "value",
        "allowed_roles": "@libre.graph.permissions.roles.allowedValues",
        "allowed_actions": "@libre.graph.permissions.actions.allowedValues",
    },
):
    value: list[Permission | public_links.LinkPermission] | msgspec.UnsetType
    allowed_roles: list[RoleDefinition]
    allowed_actions: list[str] | msgspec.UnsetType = msgspec.UNSET


class PermissionValues(msgspec.Struct, frozen=True, kw_only=True):
    value: list[Permission]


def _space_role(roles: list[str] | None, actions: list[str] | None) -> Role:
    if not roles:
        if actions:
            raise InvalidInput("space members take a role, not @libre.graph.permissions.actions")
        raise InvalidInput("roles must name one role")
    if len(roles) != 1:
        raise InvalidInput("roles must name exactly one role")
    return role(roles[0], for_="space")


def _require_members_manager(spaces: SpacesService, who: Principal, space: SpaceId) -> None:
    """Only managers, admins and space admins change the members, and only
    while the space is enabled. Call after ``visible_space`` (404 first)."""
    if spaces.is_disabled(space):
        raise PermissionDenied("the space is disabled: restore it first")
    if not (spaces.rights(who, space).share or spaces.administers(who)):
        raise PermissionDenied("only the space's managers may change its members")


def _project(spaces: SpacesService, who: Principal, space: SpaceId) -> None:
    if visible_space(spaces, who, space).kind != "project":
        raise InvalidInput("a personal space has no members: share its folders instead")


def _member(spaces: SpacesService, space: SpaceId, permission: str) -> Grant:
    kind, member = parse_permission_id(permission)
    for grant in spaces.members(space):
        if grant.kind == kind and grant.id == member:
            return grant
    raise NotFound(f"no permission {permission[:80]!r} on this space")


def resolve_recipient(
    auth: AuthService, who: Principal, recipient: Recipient
) -> tuple[GranteeKind, str]:
    """(kind, id) of an invitation's recipient (space members and item shares
    alike); InvalidInput for an unknown one or oneself."""
    key = recipient.object_id.strip()
    if not key:
        raise InvalidInput("a recipient needs an objectId")
    try:
        if recipient.recipient_type == "user":
            user = auth.get_user(key)
            if user.id == who.id:
                raise InvalidInput("you cannot invite or share with yourself")
            return "u", user.id
        if recipient.recipient_type == "group":
            return "g", auth.get_group(key).id
    except NotFound as exc:
        # OpenCloud answers an unknown recipient with invalidRequest "itemNotFound: …"
        raise InvalidInput(f"itemNotFound: {exc.message}") from exc
    raise InvalidInput(
        f"unknown @libre.graph.recipient.type {recipient.recipient_type[:40]!r} (user or group)"
    )


def invitation(
    auth: AuthService, who: Principal, body: Invite
) -> tuple[list[tuple[GranteeKind, str]], int]:
    """The recipients of an invitation (space members and item shares alike),
    each once, and its expiry (0: none). InvalidInput for no recipients, too
    many, an unknown one or oneself; checked before anything changes."""
    if not body.recipients:
        raise InvalidInput("recipients must name at least one user or group")
    if len(body.recipients) > MAX_RECIPIENTS:
        raise InvalidInput(f"at most {MAX_RECIPIENTS} recipients at a time")
    expires = (
        parse_expiry(body.expiration_date_time, now_ns=time.time_ns())
        if body.expiration_date_time
        else 0
    )
    targets: list[tuple[GranteeKind, str]] = []
    for recipient in body.recipients:
        target = resolve_recipient(auth, who, recipient)
        if target not in targets:
            targets.append(target)
    return targets, expires


async def invite(request: Request) -> Response:
    who, spaces, auth = context.principal(request), context.spaces(request), context.auth(request)
    space = parse_drive_id(request.path_params["drive_id"], spaces.storage_id)
    body = await read_json(request, Invite)
    names = member_names(request)

    def work() -> PermissionValues:
        _project(spaces, who, space)
        _require_members_manager(spaces, who, space)
        given = _space_role(body.roles, body.actions)
        members = {(g.kind, g.id) for g in spaces.members(space)}
        targets, expires = invitation(auth, who, body)
        for target in targets:
            if target in members:
                raise AlreadyExists(
                    f"{names(*target)} is already a member of this space: change their role instead"
                )
        granted = [
            spaces.set_member(space, kind, member, given, creator=who.id, expires=expires)
            for kind, member in targets
        ]
        return PermissionValues(value=[permission_json(g, names) for g in granted])

    return json_response(await run_in_threadpool(work))


async def list_permissions(request: Request) -> Response:
    who, spaces = context.principal(request), context.spaces(request)
    space = parse_drive_id(request.path_params["drive_id"], spaces.storage_id)
    only_roles = only_roles_selected(request.query_params.get("$select", ""))
    names = member_names(request)

    def work() -> PermissionList:
        info = visible_space(spaces, who, space)
        rights = spaces.rights(who, space)
        manages = (rights.share or spaces.administers(who)) and not spaces.is_disabled(space)
        project = info.kind == "project"
        allowed = allowed_space_roles(rights, all_roles=manages) if project else []
        if only_roles:
            return PermissionList(value=msgspec.UNSET, allowed_roles=allowed)
        grants = spaces.members(space) if project else []
        shown = public_links.listed_links(request, space, space, may_share=rights.share)
        return PermissionList(
            value=[*(permission_json(g, names) for g in grants), *shown],
            allowed_roles=allowed,
            allowed_actions=list(ACTIONS) if manages else [],
        )

    return json_response(await run_in_threadpool(work))


async def update_permission(request: Request) -> Response:
    if public_links.is_link_id(request.path_params["permission_id"]):
        return await public_links.update_link(request)
    who, spaces = context.principal(request), context.spaces(request)
    space = parse_drive_id(request.path_params["drive_id"], spaces.storage_id)
    body = await read_json(request, PermissionPatch)
    names = member_names(request)

    def work() -> Permission:
        _project(spaces, who, space)
        _require_members_manager(spaces, who, space)
        grant = _member(spaces, space, request.path_params["permission_id"])
        given = _space_role(body.roles, None) if body.roles is not None else role(grant.role)
        expires = patch_expiry(body.expiration_date_time, now_ns=time.time_ns())
        if expires is None:
            expires = grant.expires
        updated = spaces.set_member(
            space, grant.kind, grant.id, given, creator=grant.creator, expires=expires
        )
        return permission_json(updated, names)

    return json_response(await run_in_threadpool(work))


async def delete_permission(request: Request) -> Response:
    if public_links.is_link_id(request.path_params["permission_id"]):
        return await public_links.delete_link(request)
    who, spaces = context.principal(request), context.spaces(request)
    space = parse_drive_id(request.path_params["drive_id"], spaces.storage_id)

    def work() -> None:
        _project(spaces, who, space)
        _require_members_manager(spaces, who, space)
        grant = _member(spaces, space, request.path_params["permission_id"])
        spaces.remove_member(space, grant.kind, grant.id)

    await run_in_threadpool(work)
    return Response(status_code=204)


async def list_role_definitions(request: Request) -> Response:
    """A bare JSON array (OpenCloud's web client expects no ``value`` wrapper)."""
    return json_response(role_definitions())


async def get_role_definition(request: Request) -> Response:
    found = ROLES.get(request.path_params["role_id"])
    if found is None:
        raise NotFound(f"no role {request.path_params['role_id'][:64]!r}")
    return json_response(role_definition(found))
