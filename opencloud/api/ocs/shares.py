"""The OCS share API (``/ocs/v{1,2}.php/apps/files_sharing/api/v1/shares``), for
clients that predate LibreGraph sharing (pyocclient, ownCloud 10-era scripts).

A thin adapter over ``SharesService``, which decides everything (who may
share, roles, expiry, recipients); this module only translates:

- ``POST /shares`` (form or JSON body; query parameters count too): ``path``
  (in the caller's personal space, or relative to ``space_ref``
  ``storage$space[!node]``), ``shareType`` 0 user / 1 group, ``shareWith``
  (login name, group name, or id), ``permissions`` (bits) or ``role``,
  ``expireDate``. Answers the new share.
- ``GET /shares``: the caller's shares (``path``, ``share_types`` filters);
  ``shared_with_me=true``: the shares they received (``state``: ``0``
  accepted (default), ``1`` pending, ``2`` declined, ``all``).
- ``GET /shares/{id}`` (a list of one), ``PUT /shares/{id}`` (``permissions``,
  ``role``, ``expireDate``; ``""`` clears it), ``DELETE /shares/{id}``.
- ``POST /shares/pending/{id}`` accepts, ``DELETE`` declines (as a recipient).
- Public links: ``shareType`` 3 with ``password``, ``expireDate``, ``name``
  and the link type from ``permissions`` or ``publicUpload``
  (``link_type_for``); answers add ``token`` and ``url``. A link's ``{id}``
  is its 15-letter id (``LinksService`` decides the rules).

Permission bits (1 read, 2 update, 4 create, 8 delete, 16 share) become the
smallest role that covers them (reva's ``RoleFromOCSPermissions``): 1 Viewer;
on a file, anything with update FileEditor; on a folder, update or delete
Editor, create alone (4, or 5) Uploader. 16 (share) is ignored: resharing is
off, as OpenCloud's default. Answers show the bits of the role given, so a
client sees what it got.

Share ids: each share also has a number (``id`` in the answers), because
ownCloud 10-era clients parse share ids as integers (pyocclient refuses to
update or delete a share whose id is not one). Every ``{id}`` takes either
the number or OpenCloud's ``storage:space:uuid`` (Graph's permission id).
"""

from __future__ import annotations

import mimetypes
import posixpath
import time
from datetime import UTC, date, datetime, timedelta
from typing import TypedDict
from urllib.parse import parse_qsl

import msgspec
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response

from opencloud.api.http import context
from opencloud.api.http.body import read_body
from opencloud.api.ocs.endpoints import ocs_response
from opencloud.core.errors import (
    InvalidInput,
    NotFound,
    NotSupported,
    PermissionDenied,
)
from opencloud.core.ids import SpaceId, format_resource_id, format_space_id
from opencloud.core.ids import parse_resource_id as parse_id
from opencloud.core.paths import normalize_path
from opencloud.services.auth.service import AuthService
from opencloud.services.auth.types import Principal
from opencloud.services.files.service import FilesService
from opencloud.services.shares.links import ID_LENGTH, Link
from opencloud.services.shares.service import SharesService
from opencloud.services.shares.types import Share, ShareState
from opencloud.services.spaces.roles import (
    EDITOR,
    FILE_EDITOR,
    ROLES,
    SPACE_ROLES,
    UPLOADER,
    VIEWER,
    Role,
)
from opencloud.services.spaces.service import SpacesService
from opencloud.storage.types import NodeInfo, Ref

#: Where received shares are mounted in a recipient's namespace.
SHARES_FOLDER = "/Shares"
MAX_BODY = 64 * 1024

# OCS permission bits
READ, UPDATE, CREATE, DELETE, SHARE = 1, 2, 4, 8, 16
ALL = READ | UPDATE | CREATE | DELETE | SHARE

#: OCS bits of each item role (what OpenCloud answers for it).
ROLE_BITS: dict[str, int] = {
    VIEWER.id: READ,
    FILE_EDITOR.id: READ | UPDATE,
    EDITOR.id: READ | UPDATE | CREATE | DELETE,
    UPLOADER.id: CREATE,
}

_STATES: dict[ShareState, int] = {"accepted": 0, "pending": 1, "declined": 2}
_STATE_FILTER: dict[str, ShareState] = {"0": "accepted", "1": "pending", "2": "declined"}


class ShareData(msgspec.Struct, frozen=True, kw_only=True):
    """One share, with reva's field names and order (``conversions.ShareData``)."""

    id: str
    share_type: int
    uid_owner: str
    displayname_owner: str
    additional_info_owner: str
    permissions: int
    stime: int
    parent: str = ""
    expiration: str
    token: str = ""
    uid_file_owner: str
    displayname_file_owner: str
    additional_info_file_owner: str
    state: int
    path: str
    item_type: str
    mimetype: str
    space_id: str
    space_alias: str = ""
    storage_id: str
    storage: int = 0
    item_source: str
    file_source: str
    file_parent: str
    file_target: str
    share_with: str
    share_with_user_type: int = 0
    share_with_displayname: str
    share_with_additional_info: str
    mail_send: int = 0
    name: str = ""
    #: public links: ``{OC_URL}/s/{token}``
    url: str | msgspec.UnsetType = msgspec.UNSET
    hidden: bool = False


# ---------------------------------------------------------------- ids


def ocs_id(share: Share) -> str:
    """The share's id as OCS clients read it: its number (``Share.number``)."""
    return str(share.number)


def find_share(shares: SharesService, key: str) -> Share:
    """A share by its number or its OpenCloud id; NotFound otherwise."""
    if ":" in key:
        return shares.get(key)
    if key.isdigit() and len(key) <= 16:
        return shares.by_number(int(key))
    raise NotFound(f"no share {key[:80]!r}")


# ---------------------------------------------------------------- parameters


async def parameters(request: Request) -> dict[str, str]:
    """Query parameters overlaid with the body's (form or JSON), as Go's
    ``FormValue`` sees them. Values are strings; JSON numbers and booleans
    are turned into their text."""
    params = dict(request.query_params)
    body = await read_body(request, MAX_BODY)
    if not body.strip():
        return params
    if "json" in request.headers.get("content-type", ""):
        try:
            decoded = msgspec.json.decode(body)
        except msgspec.DecodeError as exc:
            raise InvalidInput(f"the request body is not valid JSON: {exc}") from exc
        if not isinstance(decoded, dict):
            raise InvalidInput("the request body must be a JSON object")
        for key, value in decoded.items():
            if isinstance(value, bool):
                params[str(key)] = "true" if value else "false"
            elif value is None:
                params[str(key)] = ""
            elif isinstance(value, str | int | float):
                params[str(key)] = str(value)
            else:
                raise InvalidInput(f"{key} must be a string or a number")
        return params
    try:
        text = body.decode()
    except UnicodeDecodeError as exc:
        raise InvalidInput("the request body is not UTF-8") from exc
    params.update(parse_qsl(text, keep_blank_values=True))
    return params


def parse_permissions(value: str) -> int:
    """OCS permission bits: an integer from 1 to 31."""
    try:
        bits = int(value.strip())
    except ValueError:
        raise InvalidInput(f"permissions must be a number, not {value[:40]!r}") from None
    if not 1 <= bits <= ALL:
        raise InvalidInput("permissions must be between 1 and 31")
    return bits


def role_for_bits(bits: int, kind: str) -> Role:
    """The smallest item role that covers ``bits`` on a file or a folder."""
    bits &= ~SHARE  # resharing is off: nobody passes a share on
    if kind == "file":
        bits &= READ | UPDATE  # files never carry create or delete
        if bits & UPDATE:
            return FILE_EDITOR
        if bits == READ:
            return VIEWER
        raise InvalidInput("a file is shared with read (1) or read and update (3)")
    if bits & (UPDATE | DELETE):
        return EDITOR
    if bits & CREATE:
        return UPLOADER
    if bits == READ:
        return VIEWER
    raise InvalidInput("these permissions give no access: include read (1) or create (4)")


def role_by_name(value: str, kind: str) -> Role:
    """A role by GUID, OpenCloud name (``Editor``) or reva's name (``editor``,
    ``uploader``…); it must apply to a ``kind`` item."""
    key = value.strip()
    found = ROLES.get(key)
    if found is None:
        lowered = key.lower()
        aliases = {"uploader": UPLOADER, "file-editor": FILE_EDITOR}
        found = aliases.get(lowered)
        for item in (VIEWER, FILE_EDITOR, EDITOR, UPLOADER):
            if found is None and lowered in (item.name.lower(), item.legacy.lower()):
                # "editor" means the file editor on a file, as reva does
                found = FILE_EDITOR if item is EDITOR and kind == "file" else item
    if found is None or found in SPACE_ROLES:
        raise InvalidInput(f"unknown role {key[:64]!r}")
    target = "file" if kind == "file" else "folder"
    if target not in found.applies_to:
        raise InvalidInput(f"the role {found.name} cannot be given on a {target}")
    return found


def given_role(params: dict[str, str], kind: str, *, default: bool) -> Role | None:
    """The role asked for by ``role`` or ``permissions`` (both: they must agree);
    with neither, all permissions (``default``) or None."""
    by_name = role_by_name(params["role"], kind) if params.get("role", "").strip() else None
    raw = params.get("permissions")
    by_bits = role_for_bits(parse_permissions(raw), kind) if raw is not None else None
    if by_name is not None and by_bits is not None and by_name.id != by_bits.id:
        raise InvalidInput("role and permissions ask for different rights")
    chosen = by_name or by_bits
    if chosen is None and default:
        return role_for_bits(ALL, kind)
    return chosen


_FORMATS = ("%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%dT%H:%M:%SZ")


def parse_expiry(value: str, *, now: float | None = None) -> int:
    """``expireDate`` as ns since the epoch; 0 for ``""`` (no expiry). A date
    alone means the end of that day (UTC), as OpenCloud does. InvalidInput
    for a malformed date or one in the past."""
    text = value.strip()
    if not text:
        return 0
    moment: datetime | None = None
    try:
        day = date.fromisoformat(text)
    except ValueError:
        day = None
    if day is not None and len(text) == 10:
        moment = datetime(day.year, day.month, day.day, 23, 59, 59, tzinfo=UTC)
    else:
        try:
            moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
        except ValueError:
            for fmt in _FORMATS:
                try:
                    moment = datetime.strptime(text, fmt)
                    break
                except ValueError:
                    continue
    if moment is None:
        raise InvalidInput(f"expireDate is not a date: {text[:40]!r}")
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    try:
        moment = moment.astimezone(UTC)  # beyond year 9999 in UTC: could not be shown again
    except OverflowError:
        raise InvalidInput(f"expireDate is out of range: {text[:40]!r}") from None
    current = time.time() if now is None else now
    if moment.timestamp() <= current:
        raise InvalidInput("expireDate is in the past")
    return int(moment.timestamp()) * 1_000_000_000


def format_expiry(ns: int) -> str:
    """reva's ISO 8601 form (``2006-01-02T15:04:05Z``); "" for none."""
    if not ns:
        return ""
    moment = datetime(1970, 1, 1, tzinfo=UTC) + timedelta(microseconds=ns // 1000)
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def truthy(value: str | None) -> bool:
    return (value or "").strip().lower() in ("true", "1", "yes")


# ---------------------------------------------------------------- paths


def resolve_item(
    spaces: SpacesService, files: FilesService, who: Principal, params: dict[str, str]
) -> NodeInfo:
    """The item ``path`` names: in the caller's personal space, or relative to
    ``space_ref`` (``storage$space`` or ``storage$space!node``). NotFound for
    what the caller cannot see."""
    space_ref = params.get("space_ref", "").strip()
    raw_path = params.get("path", "")
    if not space_ref and not raw_path.strip():
        raise InvalidInput("path or space_ref is required")
    if not space_ref:
        space = spaces.personal_id(who)
        return files.stat(Ref(space, normalize_path(raw_path)))
    storage, space, node = parse_id(space_ref)
    if storage != spaces.storage_id or not spaces.rights(who, space).read:
        raise NotFound(f"no space {space_ref[:80]!r}")
    base = "/"
    if "!" in space_ref:
        base = files.stat_id(space, node).path
    return files.stat(Ref(space, normalize_path(base + "/" + raw_path)))


# ---------------------------------------------------------------- answers


class _Names:
    """Login and display names by user or group id, looked up once per answer."""

    def __init__(self, auth: AuthService) -> None:
        self._auth = auth
        self._users: dict[str, tuple[str, str, str]] = {}
        self._groups: dict[str, str] = {}

    def user(self, user_id: str) -> tuple[str, str, str]:
        """(login name, display name, mail); the id for a deleted user."""
        if user_id not in self._users:
            try:
                found = self._auth.get_user(user_id)
                self._users[user_id] = (found.username, found.display_name, found.mail)
            except NotFound:
                self._users[user_id] = (user_id, user_id, "")
        return self._users[user_id]

    def group(self, group_id: str) -> str:
        if group_id not in self._groups:
            try:
                self._groups[group_id] = self._auth.get_group(group_id).name
            except NotFound:
                self._groups[group_id] = group_id
        return self._groups[group_id]


def mimetype(node: NodeInfo) -> str:
    if node.kind == "dir":
        return "httpd/unix-directory"
    guessed, _ = mimetypes.guess_type(node.name, strict=False)
    return guessed or "application/octet-stream"


class _ItemFields(TypedDict):
    item_type: str
    mimetype: str
    space_id: str
    storage_id: str
    item_source: str
    file_source: str
    file_parent: str


def _item_fields(node: NodeInfo, storage_id: str, space: str) -> _ItemFields:
    """The fields of ShareData that describe the shared item (shares and links)."""
    space_id = format_space_id(storage_id, space)
    source = format_resource_id(storage_id, space, node.id)
    parent = format_resource_id(storage_id, space, node.parent_id) if node.parent_id else ""
    return _ItemFields(
        item_type="folder" if node.kind == "dir" else "file",
        mimetype=mimetype(node),
        space_id=space_id,
        storage_id=space_id,
        item_source=source,
        file_source=source,
        file_parent=parent,
    )


def share_data(
    share: Share,
    node: NodeInfo,
    names: _Names,
    storage_id: str,
    *,
    recipient: Principal | None = None,
    shares: SharesService | None = None,
) -> ShareData:
    """``share`` as OCS shows it: to its sharer (``recipient`` None: ``path`` is
    the item's path in its space) or to one of its recipients (``path`` is its
    mount in their Shares folder, ``state`` their answer)."""
    creator = names.user(share.creator)
    owner = names.user(share.owner) if share.owner else creator
    if share.grantee_kind == "u":
        with_login, with_name, with_mail = names.user(share.grantee)
    else:
        with_login = with_name = names.group(share.grantee)
        with_mail = ""
    mount = node.name
    state = 0
    if recipient is not None and shares is not None:
        mount = shares.mount_name(recipient, share, node)
        state = _STATES[shares.state(recipient, share)]
    target = posixpath.join(SHARES_FOLDER, mount)
    return ShareData(
        id=ocs_id(share),
        share_type=0 if share.grantee_kind == "u" else 1,
        uid_owner=creator[0],
        displayname_owner=creator[1],
        additional_info_owner=creator[2],
        permissions=ROLE_BITS.get(share.role, READ),
        stime=share.created // 1_000_000_000,
        expiration=format_expiry(share.expires),
        uid_file_owner=owner[0],
        displayname_file_owner=owner[1],
        additional_info_file_owner=owner[2],
        state=state,
        path=target if recipient is not None else node.path,
        **_item_fields(node, storage_id, share.space),
        file_target=target,
        share_with=with_login,
        share_with_displayname=with_name,
        share_with_additional_info=with_mail,
    )


def _receives(user: Principal, share: Share) -> bool:
    if share.grantee_kind == "u":
        return share.grantee == user.id
    return share.grantee in user.groups


class _Ctx:
    """What a handler needs, taken from the request once."""

    def __init__(self, request: Request) -> None:
        self.who = context.principal(request)
        self.shares = context.shares(request)
        self.spaces = context.spaces(request)
        self.auth = context.auth(request)
        self.files = context.files(request)
        self.storage_id = self.spaces.storage_id
        self.links = context.links(request)
        self.base = context.base_url(request)
        #: one cache of names for the whole answer (a listing names the same users often)
        self.names = _Names(self.auth)

    def data(self, share: Share, *, received: bool = False) -> ShareData:
        node = self.shares.node(share)
        return share_data(
            share,
            node,
            self.names,
            self.storage_id,
            recipient=self.who if received else None,
            shares=self.shares,
        )

    def visible(self, key: str) -> tuple[Share, bool]:
        """The share and whether the caller sees it as a recipient; NotFound
        unless they created it, may share in its space, or received it."""
        share = find_share(self.shares, key)
        if share.creator == self.who.id or self.spaces.rights(self.who, SpaceId(share.space)).share:
            return share, False
        if _receives(self.who, share) and share.active(time.time_ns()):
            return share, True
        raise NotFound(f"no share {key[:80]!r}")


# ---------------------------------------------------------------- handlers


def _share_type(params: dict[str, str]) -> int:
    raw = params.get("shareType", "").strip()
    if not raw:
        raise InvalidInput("shareType is required")
    try:
        kind = int(raw)
    except ValueError:
        raise InvalidInput(f"shareType must be a number, not {raw[:20]!r}") from None
    if kind == 6:
        raise NotSupported("federated sharing is not enabled")
    if kind in (7, 8):
        raise NotSupported("space members are managed through Graph (root/invite)")
    if kind not in (0, 1, LINK):
        raise InvalidInput(f"unknown shareType {kind}")
    return kind


# ---------------------------------------------------------------- public links

LINK = 3
#: OCS bits of each link type (``publicUpload`` means ``upload``)
LINK_BITS = {
    "internal": 0,
    "view": READ,
    "upload": READ | CREATE,
    "createOnly": CREATE,
    "edit": READ | UPDATE | CREATE | DELETE,
}


def is_link_key(key: str) -> bool:
    return len(key) == ID_LENGTH and key.isascii() and key.isalpha()


def link_type_for(params: dict[str, str], kind: str, *, default: str | None) -> str | None:
    """The link type ``permissions`` (bits) or ``publicUpload`` ask for:
    0 internal, 1 view, 4 create only (file drop), 5 upload, anything with
    update or delete edit; ``publicUpload=true`` upload."""
    raw = params.get("permissions")
    if raw is not None and raw.strip():
        try:
            bits = int(raw.strip())
        except ValueError:
            raise InvalidInput(f"permissions must be a number, not {raw[:40]!r}") from None
        if not 0 <= bits <= ALL:
            raise InvalidInput("permissions must be between 0 and 31")
        bits &= ~SHARE
        if bits == 0:
            return "internal"
        if bits & (UPDATE | DELETE):
            return "edit"
        if bits == CREATE:
            return "createOnly"
        if bits & CREATE:
            return "upload"
        return "view"
    if "publicUpload" in params:
        return "upload" if truthy(params["publicUpload"]) else "view"
    return default


def link_data(link: Link, node: NodeInfo, names: _Names, storage_id: str, base: str) -> ShareData:
    creator = names.user(link.creator)
    return ShareData(
        id=link.id,
        share_type=LINK,
        uid_owner=creator[0],
        displayname_owner=creator[1],
        additional_info_owner=creator[2],
        permissions=LINK_BITS.get(link.type, READ),
        stime=link.created // 1_000_000_000,
        expiration=format_expiry(link.expires),
        token=link.token,
        uid_file_owner=creator[0],
        displayname_file_owner=creator[1],
        additional_info_file_owner=creator[2],
        state=0,
        path=node.path,
        **_item_fields(node, storage_id, link.space),
        file_target=posixpath.join("/", node.name),
        share_with="***redacted***" if link.has_password else "",
        share_with_displayname="***redacted***" if link.has_password else "",
        share_with_additional_info="",
        name=link.display_name,
        url=f"{base}/s/{link.token}",
    )


def _link_datas(ctx: _Ctx, found: list[Link]) -> list[ShareData]:
    out = []
    for link in found:
        try:
            node = ctx.links.node(link)
        except NotFound:
            continue  # the item is gone
        out.append(link_data(link, node, ctx.names, ctx.storage_id, ctx.base))
    return out


def _visible_link(ctx: _Ctx, key: str) -> Link:
    """A link its caller may manage (who may share in its space)."""
    try:
        link = ctx.links.get(key)
    except NotFound:
        raise NotFound(f"no share {key[:80]!r}") from None
    if link.creator != ctx.who.id and not ctx.spaces.rights(ctx.who, SpaceId(link.space)).share:
        raise NotFound(f"no share {key[:80]!r}")
    return link


def _create_link(ctx: _Ctx, params: dict[str, str]) -> ShareData:
    node = resolve_item(ctx.spaces, ctx.files, ctx.who, params)
    kind = "file" if node.kind == "file" else "folder"
    link_type = link_type_for(params, kind, default="view")
    assert link_type is not None
    link = ctx.links.create(
        ctx.who,
        node.space,
        node.id,
        link_type=link_type,
        password=params.get("password", ""),
        expires=parse_expiry(params.get("expireDate", "")),
        display_name=params.get("name", "").strip(),
        quick_link=truthy(params.get("quicklink")),
    )
    return _link_datas(ctx, [link])[0]


def _update_link(ctx: _Ctx, key: str, params: dict[str, str]) -> ShareData:
    link = _visible_link(ctx, key)
    kind = "file" if ctx.links.node(link).kind == "file" else "folder"
    link_type = link_type_for(params, kind, default=None)
    expires = parse_expiry(params["expireDate"]) if "expireDate" in params else None
    name = params.get("name")
    password = params.get("password")
    if link_type is None and expires is None and name is None and password is None:
        raise InvalidInput("give permissions, publicUpload, password, name or expireDate")
    if link_type is not None or expires is not None or name is not None:
        link = ctx.links.update(
            ctx.who,
            link.id,
            link_type=link_type,
            expires=expires,
            display_name=name.strip() if name is not None else None,
        )
    if password is not None:
        link = ctx.links.set_password(ctx.who, link.id, password)
    return _link_datas(ctx, [link])[0]


async def create_share(request: Request) -> Response:
    params = await parameters(request)
    ctx = _Ctx(request)

    def work() -> ShareData:
        kind = _share_type(params)
        if kind == LINK:
            return _create_link(ctx, params)
        with_whom = params.get("shareWith", "").strip()
        if not with_whom:
            raise InvalidInput("shareWith is required")
        node = resolve_item(ctx.spaces, ctx.files, ctx.who, params)
        given = given_role(params, node.kind, default=True)
        assert given is not None
        expires = parse_expiry(params.get("expireDate", ""))
        lookup = ctx.auth.get_user if kind == 0 else ctx.auth.get_group
        grantee = lookup(with_whom).id
        share = ctx.shares.create(
            ctx.who,
            node.space,
            node.id,
            grantee_kind="u" if kind == 0 else "g",
            grantee=grantee,
            given=given,
            expires=expires,
        )
        return ctx.data(share)

    return ocs_response(request, await run_in_threadpool(work))


def _type_filter(params: dict[str, str]) -> set[int] | None:
    raw = params.get("share_types", "").strip()
    if not raw:
        return None
    try:
        return {int(part) for part in raw.split(",") if part.strip()}
    except ValueError:
        raise InvalidInput("share_types must be numbers separated by commas") from None


async def list_shares(request: Request) -> Response:
    params = dict(request.query_params)
    ctx = _Ctx(request)

    def work() -> list[ShareData]:
        types = _type_filter(params)
        if truthy(params.get("shared_with_me")):
            return received(params, types)
        found = ctx.shares.shared_by(ctx.who)
        links = ctx.links.created_by(ctx.who)
        if params.get("path", "").strip() or params.get("space_ref", "").strip():
            item = resolve_item(ctx.spaces, ctx.files, ctx.who, params)
            found = [s for s in ctx.shares.of_node(item.space, item.id) if _managed(ctx, s)]
            may_share = ctx.spaces.rights(ctx.who, item.space).share
            links = ctx.links.of_node(item.space, item.id) if may_share else []
        out = _link_datas(ctx, links) if types is None or LINK in types else []
        for share in found:
            if types is not None and (0 if share.grantee_kind == "u" else 1) not in types:
                continue
            try:
                out.append(ctx.data(share))
            except NotFound:
                continue  # the item is gone (purged from the trash)
        return out

    def received(params: dict[str, str], types: set[int] | None) -> list[ShareData]:
        wanted = params.get("state", "").strip()
        state = None if wanted == "all" else _STATE_FILTER.get(wanted, "accepted")
        path = params.get("path", "").strip()
        out = []
        for share in ctx.shares.shared_with(ctx.who):
            if state is not None and ctx.shares.state(ctx.who, share) != state:
                continue
            if types is not None and (0 if share.grantee_kind == "u" else 1) not in types:
                continue
            try:
                data = ctx.data(share, received=True)
            except NotFound:
                continue
            if path and normalize_path(path) != data.path:
                continue
            out.append(data)
        return out

    return ocs_response(request, await run_in_threadpool(work))


def _managed(ctx: _Ctx, share: Share) -> bool:
    return share.creator == ctx.who.id or ctx.spaces.rights(ctx.who, SpaceId(share.space)).share


async def get_share(request: Request) -> Response:
    ctx = _Ctx(request)
    key = request.path_params["share_id"]

    def work() -> list[ShareData]:
        if is_link_key(key):
            return _link_datas(ctx, [_visible_link(ctx, key)])
        share, as_recipient = ctx.visible(key)
        return [ctx.data(share, received=as_recipient)]

    return ocs_response(request, await run_in_threadpool(work))


async def update_share(request: Request) -> Response:
    params = await parameters(request)
    ctx = _Ctx(request)
    key = request.path_params["share_id"]

    def work() -> ShareData:
        if is_link_key(key):
            return _update_link(ctx, key, params)
        share, as_recipient = ctx.visible(key)
        if as_recipient:
            raise PermissionDenied("only who shared an item may change its share")
        node = ctx.shares.node(share)
        given = given_role(params, node.kind, default=False)
        expires = parse_expiry(params["expireDate"]) if "expireDate" in params else None
        if given is None and expires is None:
            raise InvalidInput("give permissions, role or expireDate to change")
        updated = ctx.shares.update(ctx.who, share.id, given=given, expires=expires)
        return ctx.data(updated)

    return ocs_response(request, await run_in_threadpool(work))


async def delete_share(request: Request) -> Response:
    ctx = _Ctx(request)
    key = request.path_params["share_id"]

    def work() -> None:
        if is_link_key(key):
            ctx.links.delete(ctx.who, _visible_link(ctx, key).id)
            return
        share, as_recipient = ctx.visible(key)
        if as_recipient:
            raise PermissionDenied("only who shared an item may delete its share")
        ctx.shares.delete(ctx.who, share.id)

    await run_in_threadpool(work)
    return ocs_response(request, None)


async def _answer(request: Request, state: ShareState) -> Response:
    ctx = _Ctx(request)
    key = request.path_params["share_id"]

    def work() -> list[ShareData]:
        share = find_share(ctx.shares, key)
        if not _receives(ctx.who, share) or not share.active(time.time_ns()):
            raise NotFound(f"no share {key[:80]!r}")
        ctx.shares.answer(ctx.who, share.id, state)
        return [ctx.data(share, received=True)]

    return ocs_response(request, await run_in_threadpool(work))


async def accept_share(request: Request) -> Response:
    return await _answer(request, "accepted")


async def decline_share(request: Request) -> Response:
    return await _answer(request, "declined")
