"""The spaces service: which spaces exist for whom, and what one may do there.

- A **personal space** belongs to its user (space id = user id): the owner
  has every right, nobody else has any (admins included: OpenCloud's rule).
- A **project space** belongs to the organisation. Its members are grants on
  its root: node metadata ``grant:u:<user-id>`` or ``grant:g:<group-id>``,
  each naming a space role (``roles.py``). A user's rights are the union of
  their own grant and their groups' grants. Deleting a user never deletes a
  project space or any of its data.
- A disabled project space keeps its data; only its managers still see it
  (to re-enable or delete it), and nobody can read or write inside it.
- A project space's name is the storage's space record (a rename goes to
  the driver, so its messages name the space as it is called now). Its
  description and **special items** (``image``, ``readme``: files inside the
  space that clients show as its picture and its description, usually under
  ``.space/``) are metadata of its root: ``space:description``,
  ``space:image``, ``space:readme`` (the special items by node id).
  ``details`` reads them all at once.

A space the caller may not reach answers NotFound, exactly like one that
does not exist, so nobody can probe which spaces exist. Grants are cached in
memory (one process per tree) and the cache is updated by every change made
here; metadata is the truth.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterable

import msgspec

from opencloud.core.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from opencloud.core.ids import NodeId, SpaceId, new_space_id
from opencloud.services.auth.types import Principal
from opencloud.services.events.build import node_event
from opencloud.services.events.bus import EventBus
from opencloud.services.events.types import (
    SpaceMemberAdded,
    SpaceMemberRemoved,
    SpaceShareUpdated,
)
from opencloud.services.spaces.rights import FULL, NONE, Rights, union
from opencloud.services.spaces.roles import MANAGER, Role, role
from opencloud.storage.protocol import StorageDriver
from opencloud.storage.types import NodeInfo, Quota, Ref, SpaceInfo

GRANT_PREFIX = "grant:"
DISABLED_KEY = "space:disabled"
DESCRIPTION_KEY = "space:description"
ALIAS_KEY = "space:alias"
#: OpenCloud's special folders of a space, in the order drives list them.
SPECIAL_FOLDERS = ("image", "readme")

#: Longest project space name (OpenCloud's limit is 255 characters).
MAX_NAME = 255


class Grant(msgspec.Struct, frozen=True, kw_only=True):
    """One member of a space (or, later, one share of a node)."""

    kind: str  # "u" user, "g" group
    id: str
    role: str  # role GUID
    created: int = 0  # ns since the epoch
    creator: str = ""
    expires: int = 0  # ns since the epoch; 0: never

    def active(self, now_ns: int) -> bool:
        """False once the grant has expired (it then grants nothing)."""
        return not self.expires or self.expires > now_ns

    @property
    def key(self) -> str:
        return f"{GRANT_PREFIX}{self.kind}:{self.id}"


class SpaceDetails(msgspec.Struct, frozen=True, kw_only=True):
    """What a drive shows of a space beyond the storage's record, from one
    read of its root's metadata."""

    name: str
    description: str
    #: ``driveAlias``: ``project/<name at creation>`` (``personal/…`` is the API's)
    alias: str
    #: special folder name (``image``, ``readme``) → node id in the space
    special: dict[str, NodeId]


class _SpaceState(msgspec.Struct, kw_only=True):
    kind: str
    grants: dict[str, Grant]
    disabled: bool


class SpacesService:
    def __init__(
        self, driver: StorageDriver, storage_id: str, *, bus: EventBus | None = None
    ) -> None:
        """``bus`` hears membership changes (``space-member-added`` …; none
        when omitted)."""
        self._driver = driver
        self._bus = bus
        self.storage_id = storage_id
        self._known: set[str] = set()  # personal spaces seen to exist
        self._states: dict[str, _SpaceState] = {}
        self._lock = threading.Lock()

    # ------------------------------------------------------------ personal
    def personal(self, user: Principal) -> SpaceInfo:
        """The user's personal space, created on first use (idempotent)."""
        try:
            return self._driver.get_space(SpaceId(user.id))
        except NotFound:
            return self._driver.create_space(
                SpaceId(user.id), kind="personal", name=user.display_name, owner=user.id
            )

    def personal_id(self, user: Principal) -> SpaceId:
        """The id of the user's personal space, creating it on first use.

        Cheap after the first call (no storage access): WebDAV resolves a URL
        on every request, before anything else, on the event loop."""
        if user.id not in self._known:
            self.personal(user)
            self._known.add(user.id)
        return SpaceId(user.id)

    # ------------------------------------------------------------ rights
    def rights(self, user: Principal, space: SpaceId) -> Rights:
        """What ``user`` may do in ``space``; NONE when nothing (also for a
        space that does not exist)."""
        if space == user.id:
            self.personal_id(user)
            return FULL
        state = self._state(space)
        if state is None or state.kind != "project":
            return NONE
        now = time.time_ns()
        held = [
            role(g.role).rights
            for g in state.grants.values()
            if ((g.kind == "u" and g.id == user.id) or (g.kind == "g" and g.id in user.groups))
            and g.active(now)
        ]
        granted = union(*held) if held else NONE
        if state.disabled:
            return Rights(manage=True) if granted.manage else NONE
        return granted

    def require_share(self, user: Principal, space: SpaceId, refusal: str) -> None:
        """Only who may share in ``space`` creates, changes or removes its
        shares and links (resharing is off): NotFound for who cannot even see
        the space, PermissionDenied (``refusal``) for who sees but may not share."""
        rights = self.rights(user, space)
        if not rights.read:
            raise NotFound("no such item")
        if not rights.share:
            raise PermissionDenied(refusal)

    def reachable_id(self, user: Principal, space: SpaceId) -> SpaceId:
        """``space`` if ``user`` may see into it; NotFound otherwise."""
        if not self.rights(user, space).read:
            raise NotFound(f"no space {space!r}")
        return space

    def reachable(self, user: Principal, space: SpaceId) -> SpaceInfo:
        """The space if ``user`` may see it (a disabled one: its managers);
        NotFound otherwise."""
        rights = self.rights(user, space)
        if not (rights.read or rights.manage):
            raise NotFound(f"no space {space!r}")
        return self._driver.get_space(space)

    def list_reachable(self, user: Principal) -> list[SpaceInfo]:
        """Every space ``user`` may see, personal first."""
        found = [self.personal(user)]
        for info in self._driver.list_spaces():
            if info.kind != "project":
                continue
            rights = self.rights(user, info.id)
            if rights.read or rights.manage:
                found.append(info)
        return found

    def administers(self, user: Principal) -> bool:
        """OpenCloud's "create space" / "manage spaces" permissions: admins and
        space admins create project spaces, list them all, change their quota,
        disable, restore and delete them, and manage their members (a space
        whose last Manager left can be taken over). They still cannot read a
        space's files unless they are members."""
        return user.role in ("admin", "spaceadmin")

    def info(self, space: SpaceId) -> SpaceInfo:
        """The space as the storage sees it, without any rights check (for
        callers that checked ``rights``/``administers`` themselves)."""
        return self._driver.get_space(space)

    def list_projects(self) -> list[SpaceInfo]:
        """All project spaces (for admins and space admins)."""
        return [s for s in self._driver.list_spaces() if s.kind == "project"]

    def is_disabled(self, space: SpaceId) -> bool:
        state = self._state(space)
        return state is not None and state.disabled

    def description(self, space: SpaceId) -> str:
        return self._meta(space).get(DESCRIPTION_KEY, b"").decode("utf-8", "replace")

    def details(self, info: SpaceInfo) -> SpaceDetails:
        """Name, description and special items of a space, in one metadata
        read (none for a personal space: it takes its name from its user and
        has neither description nor special items)."""
        if info.kind != "project":
            return SpaceDetails(name=info.name, description="", alias="", special={})
        meta = self._meta(info.id)
        alias = meta.get(ALIAS_KEY)
        return SpaceDetails(
            name=info.name,
            alias=alias.decode("utf-8", "replace") if alias else f"project/{info.name.lower()}",
            description=meta.get(DESCRIPTION_KEY, b"").decode("utf-8", "replace"),
            special={
                folder: NodeId(meta[f"space:{folder}"].decode("ascii", "replace"))
                for folder in SPECIAL_FOLDERS
                if meta.get(f"space:{folder}")
            },
        )

    def quota(self, space: SpaceId) -> Quota:
        return self._driver.quota(space)

    def forget(self, space: SpaceId) -> None:
        """Drop a deleted space from the caches."""
        self._known.discard(space)
        with self._lock:
            self._states.pop(space, None)

    # ------------------------------------------------------------ project spaces
    def create_project(
        self, creator: Principal, name: str, *, description: str = "", quota_bytes: int = 0
    ) -> SpaceInfo:
        """A new project space; its creator becomes its first Manager."""
        name = check_space_name(name)
        if quota_bytes < 0:
            raise InvalidInput("a quota cannot be negative")
        space = new_space_id()
        info = self._driver.create_space(
            space, kind="project", name=name, owner=creator.id, quota_bytes=quota_bytes
        )
        # the alias keeps the name the space was created with (renames do not move it)
        meta = {ALIAS_KEY: f"project/{name.lower()}".encode()}
        if description:
            meta[DESCRIPTION_KEY] = description.encode()
        self._driver.set_meta(Ref(space, "/"), meta)
        self.set_member(space, "u", creator.id, MANAGER, creator=creator.id)
        return info

    def members(self, space: SpaceId) -> list[Grant]:
        state = self._state(space)
        if state is None:
            raise NotFound(f"no space {space!r}")
        return sorted(state.grants.values(), key=lambda g: (g.kind, g.id))

    def set_member(
        self,
        space: SpaceId,
        kind: str,
        member: str,
        given: Role,
        *,
        creator: str = "",
        expires: int = 0,
    ) -> Grant:
        """Add a member or change their role. The last Manager cannot be
        demoted, nor given an expiry (a space always keeps one)."""
        if kind not in ("u", "g"):
            raise InvalidInput("a member is a user (u) or a group (g)")
        if "space" not in given.applies_to:
            raise InvalidInput(f"{given.name} is not a space role")
        grant = Grant(
            kind=kind,
            id=member,
            role=given.id,
            created=time.time_ns(),
            creator=creator,
            expires=check_expiry(expires),
        )
        with self._lock:
            state = self._load(space)
            if state is None:
                raise NotFound(f"no space {space!r}")
            before = state.grants
            after = {**before, grant.key: grant}
            _keep_a_manager(after.values())
            self._driver.set_meta(Ref(space, "/"), {grant.key: msgspec.json.encode(grant)})
            state.grants = after
        changed = SpaceShareUpdated if grant.key in before else SpaceMemberAdded
        self._announce(changed, space, kind, member)
        return grant

    def remove_member(self, space: SpaceId, kind: str, member: str) -> None:
        key = f"{GRANT_PREFIX}{kind}:{member}"
        with self._lock:
            state = self._load(space)
            if state is None or key not in state.grants:
                raise NotFound(f"no member {kind}:{member} in space {space!r}")
            after = {k: g for k, g in state.grants.items() if k != key}
            _keep_a_manager(after.values())
            self._driver.set_meta(Ref(space, "/"), {}, remove=[key])
            state.grants = after
        self._announce(SpaceMemberRemoved, space, kind, member)

    def _announce(
        self,
        cls: type[SpaceMemberAdded | SpaceShareUpdated | SpaceMemberRemoved],
        space: SpaceId,
        kind: str,
        member: str,
    ) -> None:
        """Publish a membership change, after it is stored, about the space root."""
        if self._bus is None:
            return
        root = self._driver.stat(Ref(space, "/"))
        self._bus.publish(node_event(cls, self.storage_id, root, grantee_kind=kind, grantee=member))

    def set_disabled(self, space: SpaceId, disabled: bool) -> None:
        with self._lock:
            state = self._load(space)
            if state is None or state.kind != "project":
                raise NotFound(f"no project space {space!r}")
            if disabled:
                self._driver.set_meta(Ref(space, "/"), {DISABLED_KEY: b"1"})
            else:
                self._driver.set_meta(Ref(space, "/"), {}, remove=[DISABLED_KEY])
            state.disabled = disabled

    def update_project(
        self,
        space: SpaceId,
        *,
        name: str | None = None,
        description: str | None = None,
        quota_bytes: int | None = None,
    ) -> SpaceInfo:
        if quota_bytes is not None:
            if quota_bytes < 0:
                raise InvalidInput("a quota cannot be negative")
            self._driver.set_quota(space, quota_bytes)
        if description is not None:
            self._driver.set_meta(Ref(space, "/"), {DESCRIPTION_KEY: description.encode()})
        if name is not None:
            self._driver.set_space_name(space, check_space_name(name))
        return self._driver.get_space(space)

    def display_name(self, info: SpaceInfo) -> str:
        """The space's name as clients show it."""
        return info.name

    def special_item(self, space: SpaceId, folder: str, node: NodeId) -> NodeInfo:
        """The file that would become ``folder`` (``image`` or ``readme``) of
        project space ``space``, checked but not yet set: InvalidInput for
        another folder name, a personal space, the root or a folder;
        NotFound for a node that is not in this space."""
        if folder not in SPECIAL_FOLDERS:
            raise InvalidInput(f"unknown special folder {folder[:40]!r} (image or readme)")
        state = self._state(space)
        if state is None:
            raise NotFound(f"no space {space!r}")
        if state.kind != "project":
            raise InvalidInput("only a project space has an image and a readme")
        item = self._driver.stat_id(space, node)
        if item.kind != "file" or item.path == "/":
            raise InvalidInput(f"the {folder} of a space must be a file")
        return item

    def set_special(self, space: SpaceId, items: dict[str, NodeId]) -> None:
        """Make each node the space's special ``folder`` (checked with
        ``special_item`` first: everything is refused before anything changes)."""
        for folder, node in items.items():
            self.special_item(space, folder, node)
        if items:
            values = {f"space:{folder}": node.encode() for folder, node in items.items()}
            self._driver.set_meta(Ref(space, "/"), values)

    def delete_project(self, space: SpaceId) -> None:
        """Delete a disabled project space and everything in it, for good."""
        if not self.is_disabled(space):
            raise Conflict("a space must be disabled before it can be deleted")
        self._driver.delete_space(space)
        self.forget(space)

    # ------------------------------------------------------------ internals
    def _state(self, space: SpaceId) -> _SpaceState | None:
        with self._lock:
            return self._load(space)

    def _load(self, space: SpaceId) -> _SpaceState | None:
        """Called with the lock held."""
        state = self._states.get(space)
        if state is not None:
            return state
        try:
            info = self._driver.get_space(space)
        except NotFound:
            return None
        meta = self._meta(space) if info.kind == "project" else {}
        grants: dict[str, Grant] = {}
        for key, value in meta.items():
            if key.startswith(GRANT_PREFIX):
                try:
                    grant = msgspec.json.decode(value, type=Grant)
                except msgspec.DecodeError:
                    continue  # a damaged grant grants nothing; check reports it
                grants[key] = grant
        state = _SpaceState(kind=info.kind, grants=grants, disabled=DISABLED_KEY in meta)
        self._states[space] = state
        return state

    def _meta(self, space: SpaceId) -> dict[str, bytes]:
        try:
            return self._driver.get_meta(Ref(space, "/"))
        except NotFound:
            return {}


def check_space_name(name: str) -> str:
    name = name.strip()
    if not name:
        raise InvalidInput("a space needs a name")
    if len(name) > MAX_NAME:
        raise InvalidInput(f"a space name may be at most {MAX_NAME} characters")
    if any(c in name for c in "\r\n\0"):
        raise InvalidInput("a space name may not contain line breaks or NUL")
    return name


def check_expiry(expires: int) -> int:
    """An expiry (ns since the epoch) for a new or changed grant, share or
    link: 0 (never) or a moment in the future."""
    if expires and expires <= time.time_ns():
        raise InvalidInput("the expiration date is in the past")
    return expires


def _keep_a_manager(grants: Iterable[Grant]) -> None:
    if not any(g.role == MANAGER.id and not g.expires for g in grants):
        raise Conflict("a space must keep at least one Manager")
