"""LibreGraph shares of files and folders
(``/graph/v1beta1/drives/{driveId}/items/{itemId}/…``, reference §2.6).

``itemId`` is a resource id ``storage$space!node`` in the drive ``driveId``;
an item id that is the drive's root goes to the space members
(``permissions.py``), as OpenCloud's web client expects.

- ``POST …/invite`` ``{"recipients": [{"objectId", "@libre.graph.recipient.type":
  "user"|"group"}], "roles": [<item role id>], "expirationDateTime"?}`` →
  200 ``{"value": [permission…]}``: one share per recipient.
- ``GET …/permissions`` → ``{"value": [permission…],
  "@libre.graph.permissions.roles.allowedValues": [role…],
  "@libre.graph.permissions.actions.allowedValues": […]}``.
- ``PATCH …/permissions/{shareId}`` ``{"roles"?, "expirationDateTime"?: …|null}``
  → 200 with the permission; ``DELETE …/permissions/{shareId}`` → 204.

A permission is a share: ``id`` is the share id (``storage:space:uuid``),
``roles`` its role's GUID, ``grantedToV2`` the recipient, ``invitation`` who
shared it. Only who may share in the space (a personal space's owner, a
project's Managers) shares, changes and removes shares (``SharesService``);
whoever can read the item lists them (a recipient: the shares to them). An
item the caller cannot see is 404; one they see but may not share is 403;
bad input is 400 and changes nothing.
"""

from __future__ import annotations

import time
from collections.abc import Iterable

import msgspec
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response

from opencloud.api.graph import links as public_links
from opencloud.api.graph import permissions as space_members
from opencloud.api.graph.common import read_json
from opencloud.api.graph.drives import Identity, item_ids, member_names
from opencloud.api.graph.items import rfc3339
from opencloud.api.graph.members import (
    ACTIONS,
    GrantedTo,
    Names,
    RoleDefinition,
    format_expiry,
    granted_to,
    only_roles_selected,
    patch_expiry,
    role_definition,
    within,
)
from opencloud.api.graph.permissions import Invite, PermissionPatch, invitation
from opencloud.api.http import context
from opencloud.api.http.responses import json_response
from opencloud.core.errors import AlreadyExists, InvalidInput, NotFound, PermissionDenied
from opencloud.core.ids import NodeId, SpaceId
from opencloud.services.auth.types import Principal
from opencloud.services.files.service import FilesService
from opencloud.services.shares.service import SharesService
from opencloud.services.shares.types import Share
from opencloud.services.spaces.rights import Rights, union
from opencloud.services.spaces.roles import ROLES, AppliesTo, Role, role
from opencloud.services.spaces.service import SpacesService
from opencloud.storage.types import NodeInfo

# ---------------------------------------------------------------- JSON


class InvitedBy(msgspec.Struct, frozen=True, kw_only=True):
    user: Identity


class Invitation(msgspec.Struct, frozen=True, kw_only=True, rename="camel"):
    invited_by: InvitedBy


class SharePermission(msgspec.Struct, frozen=True, kw_only=True, rename="camel"):
    id: str
    roles: list[str]
    granted_to_v2: GrantedTo
    expiration_date_time: str | msgspec.UnsetType = msgspec.UNSET
    created_date_time: str
    invitation: Invitation


class SharePermissionList(
    msgspec.Struct,
    frozen=True,
    kw_only=True,
    rename={
        "value": "value",
        "allowed_roles": "@libre.graph.permissions.roles.allowedValues",
        "allowed_actions": "@libre.graph.permissions.actions.allowedValues",
    },
):
    value: list[SharePermission | public_links.LinkPermission] | msgspec.UnsetType
    allowed_roles: list[RoleDefinition]
    allowed_actions: list[str] | msgspec.UnsetType = msgspec.UNSET


class SharePermissionValues(msgspec.Struct, frozen=True, kw_only=True):
    value: list[SharePermission]


def share_permission(share: Share, names: Names) -> SharePermission:
    """A share as a LibreGraph permission."""
    return SharePermission(
        id=share.id,
        roles=[share.role],
        granted_to_v2=granted_to(share.grantee_kind, share.grantee, names),
        expiration_date_time=format_expiry(share.expires) if share.expires else msgspec.UNSET,
        created_date_time=rfc3339(share.created),
        invitation=Invitation(
            invited_by=InvitedBy(
                user=Identity(id=share.creator, display_name=names("u", share.creator))
            )
        ),
    )


def share_permissions(shares: Iterable[Share], names: Names) -> list[SharePermission]:
    """Oldest first, as they were given."""
    return [share_permission(s, names) for s in sorted(shares, key=lambda s: (s.created, s.id))]


def item_kind(node: NodeInfo) -> AppliesTo:
    return "file" if node.kind == "file" else "folder"


def allowed_item_roles(kind: AppliesTo, rights: Rights, *, all_roles: bool) -> list[RoleDefinition]:
    """The item roles offered for an item of ``kind`` (file: Viewer,
    FileEditor; folder: Viewer, Uploader, Editor): all of them to who may
    share, else those not beyond the caller's own rights. Least powerful first."""
    found = [
        role_definition(r, permissions=False)
        for r in ROLES.values()
        if kind in r.applies_to and (all_roles or within(rights, r))
    ]
    return sorted(found, key=lambda d: d.weight)


# ---------------------------------------------------------------- helpers


def _visible(
    files: FilesService,
    spaces: SpacesService,
    shares: SharesService,
    who: Principal,
    *,
    space: SpaceId,
    node: NodeId,
) -> tuple[NodeInfo, Rights, bool]:
    """The item, the caller's rights on it and whether they hold them only
    through shares to them (a recipient, who never shares on). NotFound
    unless they may read it (the same answer as for an item that does not
    exist)."""
    rights = spaces.rights(who, space)
    if rights.read:
        return files.stat_id(space, node), rights, False
    try:
        info = files.stat_id(space, node)
    except NotFound:
        raise NotFound("no such item") from None
    covering = shares.covering(who, info)
    if not covering:
        raise NotFound("no such item")
    return info, union(*(granted for granted, _ in covering)), True


def _require_share(rights: Rights) -> None:
    if not rights.share:
        raise PermissionDenied("you may not share this item")


def _item_role(roles: list[str] | None, actions: list[str] | None, kind: AppliesTo) -> Role:
    """The one item role a request names, by GUID, or by exactly the actions
    of such a role (``@libre.graph.permissions.actions``)."""
    if roles:
        if len(roles) != 1:
            raise InvalidInput("roles must name exactly one role")
        return role(roles[0], for_=kind)
    if actions:
        wanted = set(actions)
        for candidate in ROLES.values():
            if kind not in candidate.applies_to:
                continue
            shown = role_definition(candidate).role_permissions
            if (
                isinstance(shown, list)
                and shown
                and set(shown[0].allowed_resource_actions) == wanted
            ):
                return candidate
        raise InvalidInput("these @libre.graph.permissions.actions match no role: name a role")
    raise InvalidInput("roles must name one role")


def _share_of(shares: SharesService, space: SpaceId, node: NodeId, permission: str) -> Share:
    for share in shares.of_node(space, node):
        if share.id == permission:
            return share
    raise NotFound(f"no permission {permission[:120]!r} on this item")


def _is_root(space: SpaceId, node: NodeId) -> bool:
    return str(node) == str(space)  # a space's root node has the space's id


# ---------------------------------------------------------------- handlers


async def invite(request: Request) -> Response:
    who, files, spaces = context.principal(request), context.files(request), context.spaces(request)
    space, node = item_ids(request, spaces.storage_id)
    if _is_root(space, node):
        return await space_members.invite(request)
    shares, auth = context.shares(request), context.auth(request)
    body = await read_json(request, Invite)
    names = member_names(request)

    def work() -> SharePermissionValues:
        info, rights, _ = _visible(files, spaces, shares, who, space=space, node=node)
        _require_share(rights)
        given = _item_role(body.roles, body.actions, item_kind(info))
        targets, expires = invitation(auth, who, body)
        existing = {(s.grantee_kind, s.grantee) for s in shares.of_node(space, node)}
        for target in targets:
            if target in existing:
                raise AlreadyExists(
                    f"this item is already shared with {names(*target)}: change the share instead"
                )
        created = [
            shares.create(
                who, space, node, grantee_kind=kind, grantee=grantee, given=given, expires=expires
            )
            for kind, grantee in targets
        ]
        return SharePermissionValues(value=[share_permission(s, names) for s in created])

    return json_response(await run_in_threadpool(work))


async def list_permissions(request: Request) -> Response:
    who, files, spaces = context.principal(request), context.files(request), context.spaces(request)
    space, node = item_ids(request, spaces.storage_id)
    if _is_root(space, node):
        return await space_members.list_permissions(request)
    shares = context.shares(request)
    only_roles = only_roles_selected(request.query_params.get("$select", ""))
    names = member_names(request)

    def work() -> SharePermissionList:
        info, rights, recipient = _visible(files, spaces, shares, who, space=space, node=node)
        allowed = allowed_item_roles(item_kind(info), rights, all_roles=rights.share)
        if only_roles:
            return SharePermissionList(value=msgspec.UNSET, allowed_roles=allowed)
        given = shares.of_node(space, node)
        if recipient:
            # OpenCloud's item roles cannot list grants: a recipient sees the
            # shares to them (or their groups), not who else was invited
            mine = {s.id for s in shares.shared_with(who)}
            given = [s for s in given if s.id in mine]
        shown = public_links.listed_links(request, space, node, may_share=rights.share)
        return SharePermissionList(
            value=[*share_permissions(given, names), *shown],
            allowed_roles=allowed,
            allowed_actions=list(ACTIONS) if rights.share else [],
        )

    return json_response(await run_in_threadpool(work))


async def update_permission(request: Request) -> Response:
    who, files, spaces = context.principal(request), context.files(request), context.spaces(request)
    space, node = item_ids(request, spaces.storage_id)
    if _is_root(space, node):
        return await space_members.update_permission(request)
    if public_links.is_link_id(request.path_params["permission_id"]):
        return await public_links.update_link(request)
    shares = context.shares(request)
    body = await read_json(request, PermissionPatch)
    names = member_names(request)

    def work() -> SharePermission:
        info, rights, _ = _visible(files, spaces, shares, who, space=space, node=node)
        _require_share(rights)
        share = _share_of(shares, space, node, request.path_params["permission_id"])
        given = _item_role(body.roles, None, item_kind(info)) if body.roles is not None else None
        expires = patch_expiry(body.expiration_date_time, now_ns=time.time_ns())
        return share_permission(shares.update(who, share.id, given=given, expires=expires), names)

    return json_response(await run_in_threadpool(work))


async def delete_permission(request: Request) -> Response:
    who, files, spaces = context.principal(request), context.files(request), context.spaces(request)
    space, node = item_ids(request, spaces.storage_id)
    if _is_root(space, node):
        return await space_members.delete_permission(request)
    if public_links.is_link_id(request.path_params["permission_id"]):
        return await public_links.delete_link(request)
    shares = context.shares(request)

    def work() -> None:
        _, rights, _ = _visible(files, spaces, shares, who, space=space, node=node)
        _require_share(rights)
        share = _share_of(shares, space, node, request.path_params["permission_id"])
        shares.delete(who, share.id)

    await run_in_threadpool(work)
    return Response(status_code=204)
