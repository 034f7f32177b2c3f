"""Shares of files and folders with users and groups.

Two things are kept on the storage for every share:

- the **record** (``shares`` system space, ``/<uuid>.json``): who shared what
  with whom, in which role, and each recipient's answer (accepted, declined)
  and mount name. Records are the truth for access and for every listing.
- a **grant** in the metadata of the shared node (``grant:u:<id>`` or
  ``grant:g:<id>``, the same form as space membership), so the tree itself
  says what is shared with whom, and travels with the node when it moves.

Writing order keeps a crash harmless: a share is created grant first, record
second, and removed record first, grant second. Whatever a crash leaves
behind is a grant without a record, which gives nobody access and which
``opencloud check`` can remove.

Resharing is off (OpenCloud's default): only who may share in the space (the
owner of a personal space, a space Manager) creates, changes or removes shares.
"""

from __future__ import annotations

import hashlib
import threading
import time
import uuid
from collections.abc import Iterator

import msgspec

from opencloud.core.errors import AlreadyExists, InvalidInput, NotFound
from opencloud.core.ids import NodeId, SpaceId
from opencloud.services.auth.service import AuthService
from opencloud.services.auth.types import Principal
from opencloud.services.events.build import node_event
from opencloud.services.events.bus import EventBus
from opencloud.services.events.types import ShareCreated, ShareRemoved, ShareUpdated
from opencloud.services.shares.types import GranteeKind, Share, ShareState
from opencloud.services.spaces.rights import NONE, Rights
from opencloud.services.spaces.roles import Role, role
from opencloud.services.spaces.service import SpacesService, check_expiry
from opencloud.storage.protocol import StorageDriver
from opencloud.storage.records import ensure_system_space, read_json_folder, write_json
from opencloud.storage.types import NodeInfo, Ref

SHARES_SPACE = SpaceId("shares")


class SharesService:
    def __init__(
        self,
        driver: StorageDriver,
        spaces: SpacesService,
        auth: AuthService,
        storage_id: str,
        *,
        bus: EventBus | None = None,
    ) -> None:
        """``bus`` hears ``share-created``, ``share-updated`` and ``share-removed``
        (none when omitted, as in tests of the records alone)."""
        self._driver = driver
        self._bus = bus
        self._spaces = spaces
        self._auth = auth
        self._storage_id = storage_id
        self._lock = threading.RLock()
        self._shares: dict[str, Share] = {}
        # derived from _shares, for the per-request lookups (a PROPFIND asks
        # for every entry): (space, node) → share ids; (kind, grantee) → ids
        self._by_node: dict[tuple[str, str], set[str]] = {}
        self._by_grantee: dict[tuple[str, str], set[str]] = {}
        self._per_space: dict[str, int] = {}  # space → number of shares in it
        self._by_number: dict[int, str] = {}  # Share.number → share id (OCS ids)
        self._loaded = False

    # ------------------------------------------------------------ reading
    def get(self, share_id: str) -> Share:
        self._load()
        found = self._shares.get(share_id)
        if found is None:
            raise NotFound(f"no share {share_id[:80]!r}")
        return found

    def by_number(self, number: int) -> Share:
        """The share whose ``Share.number`` this is; NotFound otherwise."""
        self._load()
        with self._lock:
            found = self._by_number.get(number)
        if found is None:
            raise NotFound(f"no share {number}")
        return self.get(found)

    def shared_by(self, user: Principal) -> list[Share]:
        """Shares ``user`` created, newest first."""
        self._load()
        return sorted(
            (s for s in self._shares.values() if s.creator == user.id),
            key=lambda s: -s.created,
        )

    def shared_with(self, user: Principal, *, include_declined: bool = True) -> list[Share]:
        """Active shares whose recipient is ``user`` or one of their groups
        (none from a disabled project space: until it is restored, its shares
        are not there for their recipients, as in OpenCloud)."""
        self._load()
        now = time.time_ns()
        with self._lock:
            ids = set(self._by_grantee.get(("u", user.id), ()))
            for group in user.groups:
                ids |= self._by_grantee.get(("g", group), set())
            candidates = [self._shares[i] for i in ids]
        found = [
            s
            for s in candidates
            if s.active(now)
            and _receives(user, s)
            and (include_declined or self.state(user, s) != "declined")
            and not self._spaces.is_disabled(SpaceId(s.space))
        ]
        return sorted(found, key=lambda s: -s.created)

    def of_node(self, space: SpaceId, node: NodeId) -> list[Share]:
        self._load()
        with self._lock:
            return [self._shares[i] for i in self._by_node.get((space, node), ())]

    def shared_in(self, space: SpaceId) -> bool:
        """Whether anything in ``space`` is shared (no lookup of the storage)."""
        self._load()
        return self._per_space.get(space, 0) > 0

    def share_types(self, space: str, node: str) -> set[int]:
        """OCS share types on a node: 0 user, 1 group (``oc:share-types``)."""
        return {
            0 if s.grantee_kind == "u" else 1 for s in self.of_node(SpaceId(space), NodeId(node))
        }

    def state(self, user: Principal, share: Share) -> ShareState:
        """The recipient's answer; shares are accepted unless declined
        (``auto_accept_share``)."""
        return share.states.get(user.id, "accepted")

    def mount_name(self, user: Principal, share: Share, node: NodeInfo) -> str:
        return share.mounts.get(user.id) or node.name

    def rights(self, user: Principal, share: Share) -> Rights:
        """What ``user`` may do below the shared node through this share
        (nothing while its project space is disabled: a disabled space is
        its managers' alone until it is restored, as in OpenCloud)."""
        if not share.active(time.time_ns()) or not _receives(user, share):
            return NONE
        if self.state(user, share) == "declined":
            return NONE
        if self._spaces.is_disabled(SpaceId(share.space)):
            return NONE
        granted = role(share.role).rights
        return msgspec.structs.replace(granted, share=False, manage=False, purge=False)

    def node(self, share: Share) -> NodeInfo:
        """Where the shared item is now (it keeps its id through moves)."""
        return self._driver.stat_id(SpaceId(share.space), NodeId(share.node))

    def covering(self, user: Principal, item: NodeInfo) -> list[tuple[Rights, NodeInfo]]:
        """The shares to ``user`` (active, not declined, not their own) of
        ``item`` or a folder above it: each one's rights and the shared node.
        How a recipient reaches an item by its id, outside the Shares space."""
        found = []
        for share in self.shared_with(user, include_declined=False):
            if share.space != item.space or share.creator == user.id:
                continue
            try:
                node = self.node(share)
            except NotFound:
                continue
            if item.path == node.path or item.path.startswith(node.path.rstrip("/") + "/"):
                rights = self.rights(user, share)
                if rights.read:
                    found.append((rights, node))
        return found

    # ------------------------------------------------------------ writing
    def create(
        self,
        sharer: Principal,
        space: SpaceId,
        node_id: NodeId,
        *,
        grantee_kind: GranteeKind,
        grantee: str,
        given: Role,
        expires: int = 0,
    ) -> Share:
        node = self._driver.stat_id(space, node_id)
        self._may_share(sharer, space)
        if not node.parent_id:
            raise InvalidInput("a space root is shared by adding space members, not as an item")
        kind = "file" if node.kind == "file" else "folder"
        if kind not in given.applies_to:
            raise InvalidInput(f"the role {given.name} cannot be given on a {kind}")
        check_expiry(expires)
        self._check_grantee(sharer, grantee_kind, grantee)
        with self._lock:
            self._load()
            for existing in self.of_node(space, node_id):
                if existing.grantee_kind == grantee_kind and existing.grantee == grantee:
                    raise AlreadyExists("this item is already shared with this recipient")
            info = self._spaces.info(space)
            share = Share(
                id=f"{self._storage_id}:{space}:{uuid.uuid4()}",
                space=space,
                node=node_id,
                grantee_kind=grantee_kind,
                grantee=grantee,
                role=given.id,
                creator=sharer.id,
                owner=info.owner if info.kind == "personal" else "",
                created=time.time_ns(),
                expires=expires,
            )
            self._write_grant(share)  # grant first: a crash leaves a harmless grant
            self._write_record(share)
            self._add(share)
        self._announce(ShareCreated, share, node)
        return share

    def update(
        self,
        actor: Principal,
        share_id: str,
        *,
        given: Role | None = None,
        expires: int | None = None,
    ) -> Share:
        with self._lock:
            share = self.get(share_id)
            self._may_share(actor, SpaceId(share.space))
            changes: dict[str, object] = {}
            if given is not None:
                node = self.node(share)
                kind = "file" if node.kind == "file" else "folder"
                if kind not in given.applies_to:
                    raise InvalidInput(f"the role {given.name} cannot be given on a {kind}")
                changes["role"] = given.id
            if expires is not None:
                check_expiry(expires)
                changes["expires"] = expires
            self._commit(share, changes)
            self._write_grant(share)
        self._announce(ShareUpdated, share)
        return share

    def delete(self, actor: Principal, share_id: str) -> Share:
        with self._lock:
            share = self.get(share_id)
            self._may_share(actor, SpaceId(share.space))
            self._remove_record(share)  # record first: access ends at once
            self._drop(share)
            self._remove_grant(share)
        self._announce(ShareRemoved, share)
        return share

    def revoke(self, share_id: str) -> Share:
        """End a share without asking who may: for the system, when its
        recipient is deleted (``deprovision``). Record first, grant second, as
        ``delete``; publishes ``share-removed``."""
        with self._lock:
            share = self.get(share_id)
            self._remove_record(share)
            self._drop(share)
            self._remove_grant(share)
        self._announce(ShareRemoved, share)
        return share

    def answer(
        self, user: Principal, share_id: str, state: ShareState, *, mount: str | None = None
    ) -> Share:
        """Accept (mount) or decline (unmount) a share as one of its recipients."""
        with self._lock:
            share = self.get(share_id)
            if not _receives(user, share):
                raise NotFound(f"no share {share_id[:80]!r}")
            changes: dict[str, object] = {"states": {**share.states, user.id: state}}
            if mount is not None:
                changes["mounts"] = {**share.mounts, user.id: mount}
            self._commit(share, changes)
        return share

    def hide(self, user: Principal, share_id: str, hidden: bool) -> Share:
        """Hide (or show again) a received share in the recipient's listings
        (Graph ``@UI.Hidden``); access is unchanged."""
        with self._lock:
            share = self.get(share_id)
            if not _receives(user, share):
                raise NotFound(f"no share {share_id[:80]!r}")
            self._commit(share, {"hidden": {**share.hidden, user.id: hidden}})
        return share

    def mounts(self, user: Principal) -> list[tuple[Share, NodeInfo, str]]:
        """``user``'s accepted shares whose item still exists, with the name
        each is mounted under in their Shares space, sorted by that name.
        Names are unique: the older share keeps a name, later ones become
        ``name (2)``, ``name (3)``… (``report (2).txt`` for files)."""
        received = [
            s
            for s in self.shared_with(user, include_declined=False)
            if s.creator != user.id and self.state(user, s) == "accepted"
        ]
        taken: set[str] = set()
        found: list[tuple[Share, NodeInfo, str]] = []
        for share in sorted(received, key=lambda s: (s.created, s.id)):
            try:
                node = self.node(share)
            except NotFound:
                continue  # the item is gone (purged): nothing to mount
            name = _unique(self.mount_name(user, share, node), node.kind, taken)
            taken.add(name)
            found.append((share, node, name))
        return sorted(found, key=lambda m: m[2])

    def jail_root(self, user: Principal) -> tuple[str, int]:
        """Etag and mtime (ns) of ``user``'s Shares space root: the etag
        changes whenever a mount comes, goes, is renamed or changes inside."""
        found = self.mounts(user)
        return jail_etag(found), max((n.mtime_ns for _, n, _ in found), default=0)

    # ------------------------------------------------------------ internals
    def _announce(
        self,
        cls: type[ShareCreated | ShareUpdated | ShareRemoved],
        share: Share,
        node: NodeInfo | None = None,
    ) -> None:
        """Publish after the change is stored (a listener can read it). An item
        purged meanwhile is named by its ids alone."""
        if self._bus is None:
            return
        if node is None:
            try:
                node = self.node(share)
            except NotFound:
                node = NodeInfo(
                    id=NodeId(share.node),
                    parent_id="",
                    space=SpaceId(share.space),
                    path="",
                    name="",
                    kind="file",
                    size=0,
                    mtime_ns=0,
                    etag="",
                )
        self._bus.publish(
            node_event(
                cls,
                self._storage_id,
                node,
                grantee_kind=share.grantee_kind,
                grantee=share.grantee,
            )
        )

    def _may_share(self, actor: Principal, space: SpaceId) -> None:
        self._spaces.require_share(actor, space, "you may not share in this space")

    def _check_grantee(self, sharer: Principal, kind: GranteeKind, grantee: str) -> None:
        if kind == "u":
            user = self._auth.get_user(grantee)
            if user.id == sharer.id:
                raise InvalidInput("you cannot share with yourself")
        elif kind == "g":
            self._auth.get_group(grantee)
        else:
            raise InvalidInput("a share goes to a user or a group")

    def _write_grant(self, share: Share) -> None:
        where = self.node(share)
        self._driver.set_meta(
            Ref(where.space, where.path), {share.grant_key: msgspec.json.encode(share.grant())}
        )

    def _remove_grant(self, share: Share) -> None:
        try:
            where = self.node(share)
        except NotFound:
            return  # the item is gone (trash purged): nothing to clean
        self._driver.set_meta(Ref(where.space, where.path), {}, remove=[share.grant_key])

    def _record_ref(self, share: Share) -> Ref:
        return Ref(SHARES_SPACE, f"/{share.id.rpartition(':')[2]}.json")

    def _add(self, share: Share) -> None:
        """Called with the lock held."""
        self._shares[share.id] = share
        self._by_node.setdefault((share.space, share.node), set()).add(share.id)
        self._by_grantee.setdefault((share.grantee_kind, share.grantee), set()).add(share.id)
        self._per_space[share.space] = self._per_space.get(share.space, 0) + 1
        self._by_number[share.number] = share.id

    def _drop(self, share: Share) -> None:
        """Called with the lock held."""
        del self._shares[share.id]
        if self._by_number.get(share.number) == share.id:
            del self._by_number[share.number]
        left = self._per_space.get(share.space, 0) - 1
        if left > 0:
            self._per_space[share.space] = left
        else:
            self._per_space.pop(share.space, None)
        for index, key in (
            (self._by_node, (share.space, share.node)),
            (self._by_grantee, (share.grantee_kind, share.grantee)),
        ):
            ids = index.get(key, set())
            ids.discard(share.id)
            if not ids:
                index.pop(key, None)

    def _commit(self, share: Share, changes: dict[str, object]) -> None:
        """Store ``share`` with ``changes``, then apply them to the cached
        share: a failed write leaves memory as it left the storage."""
        self._write_record(msgspec.structs.replace(share, **changes))
        for field, value in changes.items():
            setattr(share, field, value)

    def _write_record(self, share: Share) -> None:
        ensure_system_space(self._driver, SHARES_SPACE, "shares")
        write_json(self._driver, self._record_ref(share), share)

    def _remove_record(self, share: Share) -> None:
        try:
            self._driver.delete(self._record_ref(share))
        except NotFound:
            return

    def _load(self) -> None:
        if self._loaded:
            return
        with self._lock:
            if self._loaded:
                return
            ensure_system_space(self._driver, SHARES_SPACE, "shares")
            for share in read_json_folder(self._driver, Ref(SHARES_SPACE, "/"), Share):
                self._add(share)  # a damaged record shares nothing
            self._loaded = True

    def all(self) -> Iterator[Share]:
        self._load()
        return iter(list(self._shares.values()))


def jail_etag(found: list[tuple[Share, NodeInfo, str]]) -> str:
    """The Shares space root's etag for these mounts: it changes whenever a
    mount comes, goes, is renamed or changes inside."""
    digest = hashlib.sha1(usedforsecurity=False)
    for share, node, name in found:
        digest.update(f"{share.id}\0{name}\0{node.etag}\0".encode())
    return f'"{digest.hexdigest()}"'


def _receives(user: Principal, share: Share) -> bool:
    if share.grantee_kind == "u":
        return share.grantee == user.id
    return share.grantee in user.groups


def _unique(name: str, kind: str, taken: set[str]) -> str:
    if name not in taken:
        return name
    stem, dot, extension = name.rpartition(".")
    if kind != "file" or not dot or not stem:
        stem, dot, extension = name, "", ""
    number = 2
    while True:
        candidate = f"{stem} ({number}){dot}{extension}"
        if candidate not in taken:
            return candidate
        number += 1
