"""LibreGraph JSON for space members and roles: ``Permission`` objects and
``UnifiedRoleDefinition``s (reference §2.6).

A space member is a grant on the space root (``SpacesService``); as a Graph
permission its id is ``u:<user-id>`` or ``g:<group-id>``, the form OpenCloud's
acceptance tests address space members by. ``roles`` holds the role's GUID;
under ``/graph/v1.0`` (the drive listings of the old API) it holds the legacy
name instead (``viewer``, ``editor``, ``manager``), as OpenCloud does.

Role definitions carry OpenCloud's descriptions, ``@libre.graph.weight`` and
``rolePermissions`` (the ``libre.graph/driveItem/...`` actions of the CS3
permissions behind each role, in OpenCloud's order), so a client that builds
its role picker from them shows what OpenCloud's would.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

import msgspec

from opencloud.core.errors import InvalidInput, NotFound
from opencloud.services.spaces.rights import Rights
from opencloud.services.spaces.roles import ROLES, SPACE_ROLES, Role
from opencloud.services.spaces.service import Grant

# ---------------------------------------------------------------- roles

_A = "libre.graph/driveItem/"
#: Every action, in the order OpenCloud lists them (CS3 permission order).
ACTIONS = tuple(
    _A + a
    for a in (
        "permissions/create",
        "children/create",
        "standard/delete",
        "path/read",
        "quota/read",
        "content/read",
        "upload/create",
        "permissions/read",
        "children/read",
        "versions/read",
        "deleted/read",
        "path/update",
        "permissions/delete",
        "deleted/delete",
        "versions/update",
        "deleted/update",
        "basic/read",
        "permissions/update",
        "permissions/deny",
    )
)


def _actions(*names: str) -> tuple[str, ...]:
    wanted = {_A + n for n in names}
    unknown = wanted - set(ACTIONS)
    assert not unknown, unknown
    return tuple(a for a in ACTIONS if a in wanted)


_VIEW = ("path/read", "quota/read", "content/read", "children/read", "deleted/read", "basic/read")
_EDIT = (
    *_VIEW,
    "children/create",
    "standard/delete",
    "upload/create",
    "path/update",
    "deleted/update",
)

_ROOT = "exists @Resource.Root"
_FOLDER = "exists @Resource.Folder"
_FILE = "exists @Resource.File"
_FEDERATED = ' && @Subject.UserType=="Federated"'


class _Presentation(msgspec.Struct, frozen=True):
    description: str
    weight: int
    actions: tuple[str, ...]
    conditions: tuple[str, ...]


#: OpenCloud's presentation of each role (``unifiedrole/roles.go``), by GUID.
_PRESENTATION: dict[str, _Presentation] = {
    "b1e2218d-eef8-4d4c-b82d-0f1a1b48f3b5": _Presentation(
        "View and download.",
        10,
        _actions(*_VIEW),
        (_FILE, _FOLDER, _FILE + _FEDERATED, _FOLDER + _FEDERATED),
    ),
    "a8d5fe5e-96e3-418d-825b-534dbdf22b99": _Presentation(
        "View and download.", 40, _actions(*_VIEW, "permissions/read"), (_ROOT,)
    ),
    "1c996275-f1c9-4e71-abdf-a42f6495e960": _Presentation(
        "View, download and upload.",
        50,
        _actions(
            "children/create",
            "path/read",
            "content/read",
            "upload/create",
            "children/read",
            "path/update",
            "basic/read",
        ),
        (_FOLDER,),
    ),
    "fb6c3e19-e378-47e5-b277-9732f9de6e21": _Presentation(
        "View, download, upload, edit, add and delete.",
        60,
        _actions(*_EDIT),
        (_FOLDER, _FOLDER + _FEDERATED),
    ),
    "58c63c02-1d89-4572-916a-870abc5a1b7d": _Presentation(
        "View, download, upload, edit, add, delete including the history.",
        90,
        _actions(*_EDIT, "permissions/read", "versions/read", "versions/update"),
        (_ROOT,),
    ),
    "2d00ce52-1fc2-4dbc-8b95-a73b73395f5a": _Presentation(
        "View, download and edit.",
        100,
        _actions(*_VIEW, "upload/create", "deleted/update"),
        (_FILE, _FILE + _FEDERATED),
    ),
    "312c0871-5ef7-4b3a-85b6-0e4074c64049": _Presentation(
        "View, download, upload, edit, add, delete and manage members.",
        120,
        ACTIONS,
        (_ROOT,),
    ),
}
assert set(_PRESENTATION) == set(ROLES), "every role needs its Graph presentation"


class RolePermission(msgspec.Struct, frozen=True, kw_only=True, rename="camel"):
    allowed_resource_actions: list[str]
    condition: str


class RoleDefinition(
    msgspec.Struct,
    frozen=True,
    kw_only=True,
    rename={
        "id": "id",
        "description": "description",
        "display_name": "displayName",
        "weight": "@libre.graph.weight",
        "role_permissions": "rolePermissions",
    },
):
    id: str
    description: str
    display_name: str
    weight: int
    #: left out in a listing's ``allowedValues``, as OpenCloud does
    role_permissions: list[RolePermission] | msgspec.UnsetType = msgspec.UNSET


def role_definition(role: Role, *, permissions: bool = True) -> RoleDefinition:
    shown = _PRESENTATION[role.id]
    return RoleDefinition(
        id=role.id,
        description=shown.description,
        display_name=role.display_name,
        weight=shown.weight,
        role_permissions=[
            RolePermission(allowed_resource_actions=list(shown.actions), condition=c)
            for c in shown.conditions
        ]
        if permissions
        else msgspec.UNSET,
    )


def role_definitions() -> list[RoleDefinition]:
    """Every role this server knows, in OpenCloud's order (by weight)."""
    return [role_definition(r) for r in sorted(ROLES.values(), key=_weight)]


def _weight(role: Role) -> int:
    return _PRESENTATION[role.id].weight


def allowed_space_roles(rights: Rights, *, all_roles: bool) -> list[RoleDefinition]:
    """The space roles a caller may see offered (``allowedValues``): those not
    beyond their own rights (OpenCloud's ``GetRolesByPermissions``); all three
    for someone who manages the members. Least powerful first."""
    roles = [r for r in SPACE_ROLES if all_roles or within(rights, r)]
    return [role_definition(r, permissions=False) for r in sorted(roles, key=_weight)]


# ---------------------------------------------------------------- permissions


class PermissionUser(
    msgspec.Struct,
    frozen=True,
    kw_only=True,
    rename={"id": "id", "display_name": "displayName", "user_type": "@libre.graph.userType"},
):
    id: str
    display_name: str
    user_type: str = "Member"


class PermissionGroup(msgspec.Struct, frozen=True, kw_only=True, rename="camel"):
    id: str
    display_name: str


class GrantedTo(msgspec.Struct, frozen=True, kw_only=True):
    user: PermissionUser | msgspec.UnsetType = msgspec.UNSET
    group: PermissionGroup | msgspec.UnsetType = msgspec.UNSET


class Permission(msgspec.Struct, frozen=True, kw_only=True, rename="camel"):
    id: str
    roles: list[str]
    granted_to_v2: GrantedTo
    expiration_date_time: str | msgspec.UnsetType = msgspec.UNSET


#: ``(kind, id) -> display name``; the id itself for a user or group that is gone.
Names = Callable[[str, str], str]


def permission_id(grant: Grant) -> str:
    return f"{grant.kind}:{grant.id}"


def parse_permission_id(value: str) -> tuple[str, str]:
    """``u:<id>`` / ``g:<id>`` → (kind, id); anything else is NotFound (no
    such permission)."""
    kind, sep, member = value.partition(":")
    if not sep or kind not in ("u", "g") or not member or len(member) > 255:
        raise NotFound(f"no permission {value[:80]!r}")
    return kind, member


def granted_to(kind: str, member: str, names: Names) -> GrantedTo:
    """``grantedToV2`` of a space member or a share's recipient (``u`` or ``g``)."""
    name = names(kind, member)
    if kind == "u":
        return GrantedTo(user=PermissionUser(id=member, display_name=name))
    return GrantedTo(group=PermissionGroup(id=member, display_name=name))


def within(rights: Rights, role: Role) -> bool:
    """True when ``role`` gives nothing beyond ``rights`` (OpenCloud's
    ``GetRolesByPermissions``): the roles a caller may see offered."""
    return all(getattr(rights, f) or not getattr(role.rights, f) for f in Rights.__struct_fields__)


def only_roles_selected(select: str) -> bool:
    """``$select=@libre.graph.permissions.roles.allowedValues`` alone: a
    ``…/permissions`` listing without its ``value``."""
    fields = {s.strip() for s in select.split(",") if s.strip()}
    return fields == {"@libre.graph.permissions.roles.allowedValues"}


def permission_json(grant: Grant, names: Names, *, legacy_roles: bool = False) -> Permission:
    role = ROLES.get(grant.role)
    role_name = (role.legacy if legacy_roles else role.id) if role else grant.role
    return Permission(
        id=permission_id(grant),
        roles=[role_name],
        granted_to_v2=granted_to(grant.kind, grant.id, names),
        expiration_date_time=format_expiry(grant.expires) if grant.expires else msgspec.UNSET,
    )


def format_expiry(ns: int) -> str:
    return datetime.fromtimestamp(ns / 1e9, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_expiry(value: str, *, now_ns: int) -> int:
    """An RFC 3339 ``expirationDateTime`` → ns since the epoch (UTC when no
    offset is given). InvalidInput when malformed or not in the future."""
    try:
        when = datetime.fromisoformat(value.strip())
    except ValueError as exc:
        raise InvalidInput(f"invalid expirationDateTime {value[:64]!r}") from exc
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    try:
        when = when.astimezone(UTC)  # beyond year 9999 in UTC: could not be shown again
    except OverflowError as exc:
        raise InvalidInput(f"expirationDateTime out of range {value[:64]!r}") from exc
    ns = int(when.timestamp() * 1_000_000_000)
    if ns <= now_ns:
        raise InvalidInput("expirationDateTime must be in the future")
    return ns


def patch_expiry(value: str | msgspec.UnsetType | None, *, now_ns: int) -> int | None:
    """The ``expirationDateTime`` of a PATCH: absent → None (unchanged);
    ``null`` or ``""`` → 0 (no expiry); else ``parse_expiry``."""
    if isinstance(value, msgspec.UnsetType):
        return None
    if not value:
        return 0
    return parse_expiry(value, now_ns=now_ns)
