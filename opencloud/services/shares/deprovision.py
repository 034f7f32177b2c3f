"""Deleting a user, with their shares handled explicitly (OpenCloud's
"deprovisioning"): the one use-case ``DELETE /graph/v1.0/users/{id}`` and
``opencloud users delete`` both call.

OpenCloud's Graph ``DeleteUser`` disables the user's personal space and then
purges it (unless a soft-delete retention is configured); a share or link into
that space ends with it. Here the same happens, step by step, so that nothing
is lost without a word:

1. **Refuse** first what may not be deleted (nobody by that name, the
   administrator from the configuration): nothing has changed yet.
2. **Disable the account**: logins, sessions and app tokens end, so the user
   cannot share anything new while the rest runs.
3. **End every share and public link of the personal space**, one by one, in
   the order the shares service always uses: the record first (access ends at
   once), then the grant or link mark on the item. A crash leaves at worst a
   grant without a record, which gives nobody access and ``opencloud check``
   removes. Shares *received* by the user (user shares naming them) end the
   same way: nobody can use them any more, and a user created again with the
   same id (demo users have fixed ids) must not inherit them. Their signing
   key for signed URLs (``OC-Signature``) goes too, for the same reason.
4. **Purge the personal space, then remove the user** (``AuthService.delete_user``).

Each ended share or link is logged and returned (``UserDeletion``): the CLI
prints it, the Graph answer stays ``204``. Shares the user made in *project*
spaces stay as they are and keep working: the space owns them, not the person
(their creator id then names nobody; listings show the id). A crash part-way
leaves a disabled user whose deletion can simply be run again.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Literal, TypeVar

import msgspec

from opencloud.core.errors import NotFound
from opencloud.core.ids import SpaceId
from opencloud.services.auth.records import User
from opencloud.services.auth.service import AuthService
from opencloud.services.shares.links import LinksService
from opencloud.services.shares.service import SharesService
from opencloud.services.shares.types import Share
from opencloud.services.spaces.roles import ROLES
from opencloud.services.spaces.service import SpacesService
from opencloud.storage.types import NodeInfo

log = logging.getLogger(__name__)
_T = TypeVar("_T")


class Ended(msgspec.Struct, frozen=True, kw_only=True):
    """A share or link that ended because its user was deleted."""

    kind: Literal["share", "link", "received"]
    id: str
    path: str  # where the item was, in its space ("" if it was gone already)
    detail: str  # the recipient and role, the link type, or the sharer

    def describe(self) -> str:
        where = self.path or "an item that no longer exists"
        if self.kind == "share":
            return f"ended share of {where} with {self.detail} (from their personal space)"
        if self.kind == "link":
            return f"ended public link of {where} ({self.detail}) (from their personal space)"
        return f"ended share of {where} they received from {self.detail}"


class UserDeletion(msgspec.Struct, frozen=True, kw_only=True):
    """What deleting a user did: the user, every share and link that ended,
    and how many shares they made in project spaces (those stay)."""

    user: User
    ended: tuple[Ended, ...]
    kept: int

    def lines(self) -> list[str]:
        """The report, one line each, for a person to read."""
        found = [e.describe() for e in self.ended]
        if self.kept:
            found.append(f"kept {self.kept} share(s) they made in project spaces")
        found.append(
            f"deleted user {self.user.username} ({self.user.id}) and purged their personal space"
        )
        return found


class UserRemoval:
    def __init__(
        self, auth: AuthService, spaces: SpacesService, shares: SharesService, links: LinksService
    ) -> None:
        self._auth = auth
        self._spaces = spaces
        self._shares = shares
        self._links = links

    def delete_user(self, key: str) -> UserDeletion:
        """Delete user ``key`` (id or username) as the module docstring says.
        NotFound for nobody, PermissionDenied for the configured administrator;
        either way nothing changes."""
        user = self._auth.deletable(key)
        self._auth.update_user(user.id, enabled=False)
        owner = self._auth.principal(user.id)
        personal = SpaceId(user.id)
        ended: list[Ended] = []
        kept = 0
        for share in self._shares.all():
            if share.space == personal:
                ended.append(self._ended("share", share, self._recipient(share)))
                self._shares.delete(owner, share.id)
            elif share.grantee_kind == "u" and share.grantee == user.id:
                ended.append(self._ended("received", share, self._name(share.creator)))
                self._shares.revoke(share.id)
            elif share.creator == user.id:
                kept += 1
        for link in self._links.all():
            if link.space == personal:
                ended.append(
                    Ended(
                        kind="link",
                        id=link.id,
                        path=_path_of(self._links.node, link),
                        detail=link.type,
                    )
                )
                self._links.delete(owner, link.id)
        self._links.signing_keys.forget(user.id)
        for item in ended:
            log.info("deleting user %s (%s): %s", user.username, user.id, item.describe())
        deleted = self._auth.delete_user(user.id)
        self._spaces.forget(personal)
        return UserDeletion(user=deleted, ended=tuple(ended), kept=kept)

    # ------------------------------------------------------------ report
    def _ended(self, kind: Literal["share", "received"], share: Share, detail: str) -> Ended:
        path = _path_of(self._shares.node, share)
        return Ended(kind=kind, id=share.id, path=path, detail=detail)

    def _recipient(self, share: Share) -> str:
        name = ROLES[share.role].name if share.role in ROLES else share.role
        if share.grantee_kind == "g":
            try:
                return f"group {self._auth.get_group(share.grantee).name} as {name}"
            except NotFound:
                return f"group {share.grantee} as {name}"
        return f"{self._name(share.grantee)} as {name}"

    def _name(self, user_id: str) -> str:
        try:
            return self._auth.get_user(user_id).username
        except NotFound:
            return user_id


def _path_of(node: Callable[[_T], NodeInfo], record: _T) -> str:
    """Where a share's or link's item is; "" when it is gone already."""
    try:
        return node(record).path
    except NotFound:
        return ""
