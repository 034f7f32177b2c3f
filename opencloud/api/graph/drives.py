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

Each accepted share is also a drive of its own (``driveType: mountpoint``,
``mountpoint_drives``), as OpenCloud lists them: id ``{jail}${jail}!{share
id}``, named after its mount in the Shares drive, with the shared item in
``root.remoteItem`` and no quota. The desktop client skips these; the web UI
uses them to find a share's mount. Project drives list their ``image`` and
``readme`` in ``special[]`` (``special.py``).

Listing is on every poll, so a drive costs one read of its root's metadata
(name, description and special items together, ``SpacesService.details``)
and one quota read; the root's etag comes with the space record.
"""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import quote

import msgspec
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response

from opencloud.api.graph.items import FileFacet, FolderFacet, facets

# moved to items.py and odata.py; links.py and tests still import them from here
from opencloud.api.graph.items import rfc3339 as rfc3339  # noqa: PLC0414
from opencloud.api.graph.members import Names, Permission, permission_json
from opencloud.api.graph.odata import Filter
from opencloud.api.graph.odata import parse_filter as parse_filter  # noqa: PLC0414
from opencloud.api.graph.special import SpecialItem, special_items
from opencloud.api.http import context
from opencloud.api.http.responses import json_response
from opencloud.core.errors import InvalidInput, NotFound
from opencloud.core.ids import NodeId, SpaceId, is_uuid, parse_resource_id
from opencloud.services.auth.service import AuthService
from opencloud.services.auth.types import Principal
from opencloud.services.files.service import FilesService
from opencloud.services.shares.service import SharesService
from opencloud.services.shares.types import SHARE_JAIL, Share
from opencloud.services.spaces.service import SpacesService
from opencloud.storage.types import NodeInfo, SpaceInfo

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


class MountedItem(msgspec.Struct, frozen=True, kw_only=True, rename="camel"):
    """``root.remoteItem`` of a mountpoint drive: the shared item itself."""

    id: str
    name: str
    e_tag: str
    size: int
    last_modified_date_time: str
    path: str
    #: the shared item's space root, and that space's alias
    root_id: str
    drive_alias: str
    web_dav_url: str
    file: FileFacet | msgspec.UnsetType = msgspec.UNSET
    folder: FolderFacet | msgspec.UnsetType = msgspec.UNSET


class DriveRoot(msgspec.Struct, frozen=True, kw_only=True, rename="camel"):
    id: str
    web_dav_url: str
    e_tag: str
    #: project drives: the members (personal drives have none)
    permissions: list[Permission] | msgspec.UnsetType = msgspec.UNSET
    #: a disabled project drive: ``{"state": "trashed"}``
    deleted: Deleted | msgspec.UnsetType = msgspec.UNSET
    #: mountpoint drives: the shared item
    remote_item: MountedItem | msgspec.UnsetType = msgspec.UNSET


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
    #: project drives: their ``image`` and ``readme``
    special: list[SpecialItem] | msgspec.UnsetType = msgspec.UNSET


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
    """The drive for ``space`` (blocking: reads the metadata and the quota
    now). ``space`` must be fresh (just read): its root's etag is the
    drive's. ``owner`` is the caller, who owns the personal drives they are
    shown; ``names`` resolves the members of a project drive
    (``member_names``); ``legacy_roles``: the members' roles by their v1.0 names."""
    root = space.root
    details = spaces.details(space)
    quota = spaces.quota(space.id)
    drive_id = files.space_id(space.id)
    root_id = files.resource_id(space.id, root.id)
    project = space.kind == "project"
    permissions: list[Permission] | msgspec.UnsetType = msgspec.UNSET
    deleted: Deleted | msgspec.UnsetType = msgspec.UNSET
    special: list[SpecialItem] | msgspec.UnsetType = msgspec.UNSET
    if project:
        names = names or (lambda kind, member: member)
        permissions = [
            permission_json(g, names, legacy_roles=legacy_roles) for g in spaces.members(space.id)
        ]
        if spaces.is_disabled(space.id):
            deleted = Deleted(state="trashed")  # OpenCloud shows no special items then
        elif details.special:
            special = special_items(files, space, details.special, base_url) or msgspec.UNSET
    return Drive(
        id=drive_id,
        drive_type=space.kind,
        drive_alias=details.alias if project else f"personal/{owner.username}",
        name=details.name,
        description=details.description or msgspec.UNSET,
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
        special=special,
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


#: Drive ids of mountpoints start with this (the share id follows).
MOUNTPOINT_PREFIX = f"{SHARES_DRIVE}!"


def mountpoint_drives(
    files: FilesService,
    spaces: SpacesService,
    shares: SharesService,
    who: Principal,
    base_url: str,
    *,
    names: Names,
    usernames: Callable[[str], str],
) -> list[Drive]:
    """One ``mountpoint`` drive per share the caller accepted (declined and
    pending ones are not mounted), named as it is mounted in their Shares
    drive (``SharesService.mounts``). ``usernames`` turns an owner's id into
    the username of their personal drive's alias."""
    aliases: dict[str, str] = {}  # space → alias, looked up once per request
    drives: list[Drive] = []
    for share, node, name in shares.mounts(who):
        if node.space not in aliases:
            info = spaces.info(node.space)
            aliases[node.space] = (
                spaces.details(info).alias
                if info.kind == "project"
                else f"personal/{usernames(info.owner)}"
            )
        drives.append(
            _mountpoint(
                files,
                share=share,
                node=node,
                name=name,
                alias=aliases[node.space],
                base_url=base_url,
                names=names,
            )
        )
    return drives


def _mountpoint(
    files: FilesService,
    *,
    share: Share,
    node: NodeInfo,
    name: str,
    alias: str,
    base_url: str,
    names: Names,
) -> Drive:
    drive_id = f"{MOUNTPOINT_PREFIX}{share.id}"
    item_id = files.resource_id(node.space, node.id)
    file, folder = facets(node)
    return Drive(
        id=drive_id,
        drive_type="mountpoint",
        drive_alias="mountpoint/" + name.lower().replace(" ", "-"),
        name=name,
        owner=IdentitySet(user=Identity(id=share.owner, display_name=names("u", share.owner)))
        if share.owner
        else msgspec.UNSET,
        root=DriveRoot(
            id=drive_id,
            web_dav_url=f"{base_url}/dav/spaces/{quote(drive_id, safe='')}",
            e_tag=node.etag,
            remote_item=MountedItem(
                id=item_id,
                name=node.name,
                e_tag=node.etag,
                size=node.size,
                last_modified_date_time=rfc3339(node.mtime_ns),
                # from the shared item on, as the recipient sees it (reva's
                # GetPath stops above it): never the owner's folders above
                path="/" + node.name,
                root_id=files.resource_id(node.space, node.space),
                drive_alias=alias,
                # by its id, as OpenCloud builds it: the recipient may open
                # that, not the owner's space (nor learn its folders above)
                web_dav_url=f"{base_url}/dav/spaces/{quote(item_id, safe='')}",
                file=file,
                folder=folder,
            ),
        ),
        web_url=f"{base_url}/f/{quote(drive_id, safe='')}",
        last_modified_date_time=rfc3339(node.mtime_ns),
    )


def usernames(request: Request) -> Callable[[str], str]:
    """Usernames by user id, looked up once per request; the id itself for
    a user who no longer exists."""
    auth: AuthService | None
    try:
        auth = context.auth(request)
    except RuntimeError:  # a state without the auth service (some unit tests)
        auth = None
    seen: dict[str, str] = {}

    def username(user: str) -> str:
        if user not in seen:
            try:
                seen[user] = auth.get_user(user).username if auth is not None else user
            except NotFound:
                seen[user] = user
        return seen[user]

    return username


def _shares(request: Request) -> SharesService | None:
    try:
        return context.shares(request)
    except RuntimeError:  # a state without the shares service (some unit tests)
        return None


# ---- $filter and $orderby


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
    shares, username = _shares(request), usernames(request)

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
            drives += mountpoint_drives(
                files, spaces, shares, who, base_url, names=names, usernames=username
            )
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
    if request.path_params["drive_id"].startswith(MOUNTPOINT_PREFIX) and shares is not None:
        return json_response(await run_in_threadpool(_one_mountpoint(request, shares)))
    space_id = parse_drive_id(request.path_params["drive_id"], spaces.storage_id)

    names, legacy = member_names(request), legacy_roles(request)

    def work() -> Drive:
        info = visible_space(spaces, who, space_id)
        return drive_json(files, spaces, info, who, base_url, names=names, legacy_roles=legacy)

    return json_response(await run_in_threadpool(work))


def _one_mountpoint(request: Request, shares: SharesService) -> Callable[[], Drive]:
    """``GET /drives/{jail$jail!share}``: one of the caller's mountpoints."""
    files, spaces = context.files(request), context.spaces(request)
    who, base_url = context.principal(request), context.public_url(request)
    wanted = request.path_params["drive_id"]
    names, username = member_names(request), usernames(request)

    def work() -> Drive:
        found = mountpoint_drives(
            files, spaces, shares, who, base_url, names=names, usernames=username
        )
        for mounted in found:
            if mounted.id == wanted:
                return mounted
        raise NotFound(f"no drive {wanted[:120]!r}")

    return work
