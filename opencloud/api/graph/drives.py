"""LibreGraph drives (spaces): ``/me/drives``, ``/me/drive``, ``/drives``, ``/drives/{id}``.

A drive is a space as clients see it. The desktop client polls
``/graph/v1.0/me/drives`` every 30 s and starts a sync when a drive's
``root.eTag`` changed, so that etag is read fresh from the storage on every
request and is exactly the root's ``getetag`` in PROPFIND. ``root.webDavUrl``
is where the client syncs.

A user reaches their personal space and the project spaces they are a
member of (``SpacesService``); ``GET /drives`` adds every project space for
admins and space admins. Project drives carry their members in
``root.permissions`` and, once disabled, ``root.deleted.state = "trashed"``;
they have no ``owner``. Writes (create, change, disable, delete) are in
``spaces.py``, membership in ``permissions.py``. Every user also has the
virtual "Shares" drive (the share jail, ``shares_drive``); received and
given shares are in ``sharing.py`` and ``shared.py``. A space the caller
cannot reach answers 404, the same as one that does not exist.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime
from urllib.parse import quote

import msgspec
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response

from opencloud.api.graph.members import Names, Permission, permission_json
from opencloud.api.http import context
from opencloud.api.http.responses import json_response
from opencloud.core.errors import InvalidInput, NotFound
from opencloud.core.ids import NodeId, SpaceId, is_uuid, parse_resource_id
from opencloud.services.auth.service import AuthService
from opencloud.services.auth.types import Principal
from opencloud.services.files.service import FilesService
from opencloud.services.shares.service import SharesService
from opencloud.services.shares.types import SHARE_JAIL
from opencloud.services.spaces.service import SpacesService
from opencloud.storage.types import Ref, SpaceInfo

# ---- JSON


class Identity(msgspec.Struct, frozen=True, kw_only=True, rename="camel"):
    id: str
    display_name: str


class IdentitySet(msgspec.Struct, frozen=True, kw_only=True):
    user: Identity


class DriveQuota(msgspec.Struct, frozen=True, kw_only=True):
    total: int
    used: int
    remaining: int
    state: str


class Deleted(msgspec.Struct, frozen=True, kw_only=True):
    state: str


class DriveRoot(msgspec.Struct, frozen=True, kw_only=True, rename="camel"):
    id: str
    web_dav_url: str
    e_tag: str
    #: project drives: the members (personal drives have none)
    permissions: list[Permission] | msgspec.UnsetType = msgspec.UNSET
    #: a disabled project drive: ``{"state": "trashed"}``
    deleted: Deleted | msgspec.UnsetType = msgspec.UNSET


class Drive(msgspec.Struct, frozen=True, kw_only=True, rename="camel"):
    id: str
    drive_type: str
    drive_alias: str
    name: str
    description: str | msgspec.UnsetType = msgspec.UNSET
    #: personal drives only: project drives belong to no one
    owner: IdentitySet | msgspec.UnsetType = msgspec.UNSET
    #: none on the virtual Shares drive
    quota: DriveQuota | msgspec.UnsetType = msgspec.UNSET
    root: DriveRoot
    web_url: str
    last_modified_date_time: str


class DriveList(msgspec.Struct, frozen=True, kw_only=True):
    value: list[Drive]


def quota_state(total: int, used: int) -> str:
    """OpenCloud's ``calculateQuotaState``: normal up to 75 %, nearing up to
    90 %, critical up to 99 %, else exceeded; an unlimited quota is normal."""
    if total <= 0:
        return "normal"
    percent = used / total * 100
    if percent <= 75:
        return "normal"
    if percent <= 90:
        return "nearing"
    if percent <= 99:
        return "critical"
    return "exceeded"


def rfc3339(mtime_ns: int) -> str:
    """``2024-05-01T10:11:12.123456789Z``, as Go's RFC3339Nano writes it."""
    seconds, nanos = divmod(mtime_ns, 1_000_000_000)
    text = datetime.fromtimestamp(seconds, UTC).strftime("%Y-%m-%dT%H:%M:%S")
    if nanos:
        text += f".{nanos:09d}".rstrip("0")
    return text + "Z"


def drive_json(
    files: FilesService,
    spaces: SpacesService,
    space: SpaceInfo,
    owner: Principal,
    base_url: str,
    *,
    names: Names | None = None,
    legacy_roles: bool = False,
) -> Drive:
    """The drive for ``space`` (blocking: reads the root and the quota now).
    ``owner`` is the caller, who owns the personal drives they are shown;
    ``names`` resolves the members of a project drive (``member_names``);
    ``legacy_roles``: the members' roles by their v1.0 names."""
    root = files.stat(Ref(space.id, "/"))
    quota = spaces.quota(space.id)
    drive_id = files.space_id(space.id)
    root_id = files.resource_id(space.id, root.id)
    project = space.kind == "project"
    permissions: list[Permission] | msgspec.UnsetType = msgspec.UNSET
    deleted: Deleted | msgspec.UnsetType = msgspec.UNSET
    if project:
        names = names or (lambda kind, member: member)
        permissions = [
            permission_json(g, names, legacy_roles=legacy_roles) for g in spaces.members(space.id)
        ]
        if spaces.is_disabled(space.id):
            deleted = Deleted(state="trashed")
    return Drive(
        id=drive_id,
        drive_type=space.kind,
        # a project's alias keeps the name it was created with (renames do not move it)
        drive_alias=f"project/{space.name.lower()}" if project else f"personal/{owner.username}",
        name=spaces.display_name(space) if project else space.name,
        description=(spaces.description(space.id) or msgspec.UNSET) if project else msgspec.UNSET,
        owner=msgspec.UNSET
        if project
        else IdentitySet(user=Identity(id=space.owner, display_name=owner.display_name)),
        quota=DriveQuota(
            total=quota.total,
            used=quota.used,
            remaining=quota.remaining,
            state=quota_state(quota.total, quota.used),
        ),
        root=DriveRoot(
            id=root_id,
            web_dav_url=f"{base_url}/dav/spaces/{quote(drive_id, safe='')}",
            e_tag=root.etag,
            permissions=permissions,
            deleted=deleted,
        ),
        web_url=f"{base_url}/f/{quote(root_id, safe='')}",
        last_modified_date_time=rfc3339(root.mtime_ns),
    )


#: The virtual Shares drive (the share jail), the same for every user.
SHARES_DRIVE = f"{SHARE_JAIL}${SHARE_JAIL}"


def shares_drive(shares: SharesService, who: Principal, base_url: str) -> Drive:
    """The caller's virtual "Shares" drive (``driveType: virtual``), which
    OpenCloud lists to every user; its ``root.eTag`` changes with every
    accepted share (``SharesService.jail_root``). No quota, no owner."""
    etag, mtime_ns = shares.jail_root(who)
    return Drive(
        id=SHARES_DRIVE,
        drive_type="virtual",
        drive_alias="virtual/shares",
        name="Shares",
        root=DriveRoot(
            id=f"{SHARES_DRIVE}!{SHARE_JAIL}",
            web_dav_url=f"{base_url}/dav/spaces/{SHARES_DRIVE}",
            e_tag=etag,
        ),
        web_url=f"{base_url}/f/{quote(SHARES_DRIVE, safe='')}",
        last_modified_date_time=rfc3339(mtime_ns),
    )


def _shares(request: Request) -> SharesService | None:
    try:
        return context.shares(request)
    except RuntimeError:  # a state without the shares service (some unit tests)
        return None


# ---- $filter and $orderby

#: One token: a quoted string (``''`` escapes a quote), a word, or any other character.
_TOKEN = re.compile(r"\s*(?:'((?:[^']|'')*)'|([^\s()']+)|(\S))")
_FILTERABLE = ("driveType", "id")

#: An OData ``$filter`` over drives: OR of ANDs of ``(property, value)``.
Filter = list[list[tuple[str, str]]]


def parse_filter(text: str) -> Filter:
    """``driveType eq 'personal'``, ``id eq '…'``, joined by ``and``/``or``.
    Anything else is InvalidInput (400 invalidRequest)."""
    tokens: list[tuple[str, bool]] = []  # (text, quoted)
    pos = 0
    text = text.strip()
    while pos < len(text):
        match = _TOKEN.match(text, pos)
        if match is None or match.end() == pos:
            break
        quoted, word, other = match.groups()
        if other is not None:
            raise InvalidInput(f"unsupported $filter: unexpected {other!r}")
        tokens.append((quoted.replace("''", "'"), True) if quoted is not None else (word, False))
        pos = match.end()
    if not tokens:
        return []
    ors: Filter = [[]]
    index = 0
    while True:
        if index + 3 > len(tokens):
            raise InvalidInput(f"unsupported $filter {text!r}")
        (prop, prop_quoted), (op, op_quoted), (value, _) = tokens[index : index + 3]
        if prop_quoted or prop not in _FILTERABLE:
            raise InvalidInput(f"unsupported $filter property {prop!r}")
        if op_quoted or op.lower() != "eq":
            raise InvalidInput(f"unsupported $filter operator {op!r}")
        ors[-1].append((prop, value))
        index += 3
        if index == len(tokens):
            return ors
        joiner, joiner_quoted = tokens[index]
        if joiner_quoted or joiner.lower() not in ("and", "or"):
            raise InvalidInput(f"unsupported $filter {text!r}")
        if joiner.lower() == "or":
            ors.append([])
        index += 1


def _matches(drive: Drive, conditions: Filter) -> bool:
    if not conditions:
        return True
    fields = {"driveType": drive.drive_type, "id": drive.id}
    return any(all(fields[prop] == value for prop, value in group) for group in conditions)


_ORDER_KEYS: dict[str, Callable[[Drive], str]] = {
    "name": lambda d: d.name.lower(),
    "lastModifiedDateTime": lambda d: d.last_modified_date_time,
}


def parse_orderby(text: str) -> tuple[Callable[[Drive], str], bool] | None:
    """``name``/``lastModifiedDateTime`` with ``asc`` (default) or ``desc``."""
    words = text.split()
    if not words:
        return None
    if len(words) > 2 or words[0] not in _ORDER_KEYS:
        raise InvalidInput(f"unsupported $orderby {text!r}")
    direction = words[1].lower() if len(words) == 2 else "asc"
    if direction not in ("asc", "desc"):
        raise InvalidInput(f"unsupported $orderby direction {words[1]!r}")
    return _ORDER_KEYS[words[0]], direction == "desc"


# ---- handlers


def member_names(request: Request) -> Names:
    """Display names of space members, looked up once per request; the id for
    a user or group that no longer exists (its grant stays until a manager
    removes it)."""
    auth: AuthService | None
    try:
        auth = context.auth(request)
    except RuntimeError:  # a state without the auth service (some unit tests)
        auth = None
    seen: dict[tuple[str, str], str] = {}

    def name(kind: str, member: str) -> str:
        key = (kind, member)
        if key not in seen:
            try:
                if auth is None:
                    seen[key] = member
                elif kind == "u":
                    seen[key] = auth.get_user(member).display_name
                else:
                    seen[key] = auth.get_group(member).name
            except NotFound:
                seen[key] = member
        return seen[key]

    return name


def legacy_roles(request: Request) -> bool:
    """The v1.0 API names space roles ``viewer``/``editor``/``manager``."""
    return request.url.path.startswith("/graph/v1.0/")


def visible_space(
    spaces: SpacesService, who: Principal, space: SpaceId, *, any_personal: bool = False
) -> SpaceInfo:
    """The space if ``who`` may see it: a member (a disabled space: its
    managers), or an admin / space admin for any project space (and, with
    ``any_personal``, any personal space). NotFound otherwise, as for a space
    that does not exist."""
    rights = spaces.rights(who, space)
    if rights.read or rights.manage:
        return spaces.info(space)
    if spaces.administers(who):
        try:
            info = spaces.info(space)
        except NotFound:
            pass
        else:
            if info.kind == "project" or (any_personal and info.kind == "personal"):
                return info
    raise NotFound(f"no drive {space!r}")


def _list(request: Request, *, every_project: bool = False) -> Callable[[], list[Drive]]:
    """The work of a listing, checked before any storage is touched.
    ``every_project``: admins and space admins see all project spaces."""
    conditions = parse_filter(request.query_params.get("$filter", ""))
    order = parse_orderby(request.query_params.get("$orderby", ""))
    files, spaces = context.files(request), context.spaces(request)
    who, base_url = context.principal(request), context.public_url(request)
    names, legacy = member_names(request), legacy_roles(request)
    shares = _shares(request)

    def work() -> list[Drive]:
        found = spaces.list_reachable(who)
        if every_project and spaces.administers(who):
            seen = {s.id for s in found}
            found += [s for s in spaces.list_projects() if s.id not in seen]
        drives = [
            drive_json(files, spaces, space, who, base_url, names=names, legacy_roles=legacy)
            for space in found
            if space.kind != "system"
        ]
        if shares is not None:
            drives.append(shares_drive(shares, who, base_url))
        drives = [d for d in drives if _matches(d, conditions)]
        if order is not None:
            key, reverse = order
            drives.sort(key=key, reverse=reverse)
        return drives

    return work


async def my_drives(request: Request) -> Response:
    """``GET /me/drives``: every drive the caller reaches, ``$filter``/``$orderby`` honoured."""
    return json_response(DriveList(value=await run_in_threadpool(_list(request))))


async def all_drives(request: Request) -> Response:
    """``GET /drives``: for admins and space admins every project space (and
    their own drives); for others the same as ``/me/drives``."""
    work = _list(request, every_project=True)
    return json_response(DriveList(value=await run_in_threadpool(work)))


async def my_drive(request: Request) -> Response:
    """``GET /me/drive``: the caller's personal drive."""
    files, spaces = context.files(request), context.spaces(request)
    who, base_url = context.principal(request), context.public_url(request)

    def work() -> Drive:
        return drive_json(files, spaces, spaces.personal(who), who, base_url)

    return json_response(await run_in_threadpool(work))


def parse_drive_id(value: str, storage_id: str) -> SpaceId:
    """``storage$space`` → the space id. Malformed: InvalidInput (400); another
    storage: NotFound (nothing there this caller can reach)."""
    storage, sep, space = value.partition("$")
    if not sep or not storage or not is_uuid(space):
        raise InvalidInput(f"invalid drive id {value!r}")
    if storage != storage_id:
        raise NotFound(f"no drive {value!r}")
    return SpaceId(space)


def item_ids(request: Request, storage_id: str) -> tuple[SpaceId, NodeId]:
    """The space of ``{drive_id}`` and the node of ``{item_id}`` (the space's
    root without one: ``…/root/…``). Malformed ids are 400; an item of
    another drive (or storage) is 404."""
    space = parse_drive_id(request.path_params["drive_id"], storage_id)
    item = request.path_params.get("item_id")
    if item is None:
        return space, NodeId(space)  # a space's root node has the space's id
    storage, item_space, node = parse_resource_id(item)
    if storage != storage_id or item_space != space:
        raise NotFound(f"no item {item[:120]!r} in this drive")
    return space, node


async def drive(request: Request) -> Response:
    """``GET /drives/{id}``: a drive the caller reaches; 404 itemNotFound otherwise."""
    files, spaces = context.files(request), context.spaces(request)
    who, base_url = context.principal(request), context.public_url(request)
    shares = _shares(request)
    if request.path_params["drive_id"] == SHARES_DRIVE and shares is not None:
        return json_response(await run_in_threadpool(shares_drive, shares, who, base_url))
    space_id = parse_drive_id(request.path_params["drive_id"], spaces.storage_id)

    names, legacy = member_names(request), legacy_roles(request)

    def work() -> Drive:
        info = visible_space(spaces, who, space_id)
        return drive_json(files, spaces, info, who, base_url, names=names, legacy_roles=legacy)

    return json_response(await run_in_threadpool(work))
