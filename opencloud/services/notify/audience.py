"""Who may see an item: the recipients of its live updates.

A user hears of a change when they could see the item (or, for a move, where it
was): the owner of a personal space, the members of a project space (a
disabled space: its managers only, and none of its shares' recipients), and
the recipients of every active, not-declined share of the item or of a
folder above it. A change of access
(a share or a membership) reaches its grantee as well, even when it took their
access away: that is how their client learns to drop the item.

Nothing is asked of the storage for a space without shares; otherwise the
walk up from the item's parent costs one lookup per folder level. Group
members are resolved from the directory in memory.
"""

from __future__ import annotations

import logging
import time

from opencloud.core.errors import InvalidInput, NotFound
from opencloud.core.ids import NodeId, SpaceId, parse_resource_id
from opencloud.services.auth.service import AuthService
from opencloud.services.events.types import Event, GranteeEvent, ItemMoved
from opencloud.services.shares.service import SharesService
from opencloud.services.shares.types import Share
from opencloud.services.spaces.roles import role
from opencloud.services.spaces.service import SpacesService
from opencloud.storage.protocol import StorageDriver

log = logging.getLogger(__name__)

#: How far up a tree the walk to the space root goes before giving up (a loop
#: in damaged metadata must not hang the dispatcher).
MAX_DEPTH = 256


class Audience:
    """``users(event)``: the ids of everyone who may hear of ``event``."""

    def __init__(
        self,
        driver: StorageDriver,
        spaces: SpacesService,
        shares: SharesService,
        auth: AuthService,
    ) -> None:
        self._driver = driver
        self._spaces = spaces
        self._shares = shares
        self._auth = auth

    def users(self, event: Event) -> set[str]:
        try:
            space = _space_of(event.spaceid)
        except InvalidInput:
            return set()
        found = self.space_members(space)
        # a disabled space's shares give their recipients nothing (SharesService)
        if self._shares.shared_in(space) and not self._spaces.is_disabled(space):
            nodes = self._item_and_ancestors(space, event.itemid, event.parentitemid)
            if isinstance(event, ItemMoved) and event.oldparentitemid:
                nodes |= self._item_and_ancestors(space, "", event.oldparentitemid)
            for node in nodes:
                for share in self._shares.of_node(space, node):
                    found |= self._recipients(share)
        if isinstance(event, GranteeEvent):
            found |= self.grantee_users(event.grantee_kind, event.grantee)
        return found

    def space_members(self, space: SpaceId) -> set[str]:
        """Who sees the whole space: its owner (personal) or members (project)."""
        try:
            info = self._spaces.info(space)
        except NotFound:
            return set()
        if info.kind == "personal":
            return {info.owner}
        if info.kind != "project":
            return set()  # system spaces: nobody
        disabled = self._spaces.is_disabled(space)
        now = time.time_ns()
        users: set[str] = set()
        for grant in self._spaces.members(space):
            if not grant.active(now) or (disabled and not role(grant.role).rights.manage):
                continue
            users |= self.grantee_users(grant.kind, grant.id)
        return users

    def grantee_users(self, kind: str, grantee: str) -> set[str]:
        """A user, or a group's current members."""
        if kind == "u":
            return {grantee}
        try:
            return {user.id for user in self._auth.members(grantee)}
        except NotFound:
            return set()  # the group was deleted

    def _recipients(self, share: Share) -> set[str]:
        if not share.active(time.time_ns()):
            return set()
        users = self.grantee_users(share.grantee_kind, share.grantee)
        return {u for u in users if share.states.get(u) != "declined"}

    def _item_and_ancestors(self, space: SpaceId, item: str, parent: str) -> set[NodeId]:
        """The item's node id and every folder id from its parent up to the root."""
        nodes: set[NodeId] = set()
        if item:
            nodes.add(_node_of(item))
        current = _node_of(parent) if parent else None
        for _ in range(MAX_DEPTH):
            if not current or current in nodes:
                break
            nodes.add(current)
            try:
                info = self._driver.stat_id(space, current)
            except NotFound:
                break  # the folder went too (a tree deleted outside): what we have stays
            current = NodeId(info.parent_id) if info.parent_id else None
        return nodes


def _space_of(spaceid: str) -> SpaceId:
    _, space, _ = parse_resource_id(spaceid)
    return space


def _node_of(resource_id: str) -> NodeId:
    try:
        _, _, node = parse_resource_id(resource_id)
    except InvalidInput:
        return NodeId("")
    return node
