"""A share as it is kept: one record per share, in the ``shares`` system space."""

from __future__ import annotations

import hashlib
import uuid
from typing import Literal

import msgspec

from opencloud.services.spaces.service import GRANT_PREFIX, Grant

#: The share jail: OpenCloud's virtual "Shares" space, as storage and space id.
SHARE_JAIL = "a0ca6a90-a365-4782-871e-d44447bbc668"

#: OCS share states
ShareState = Literal["accepted", "pending", "declined"]
GranteeKind = Literal["u", "g"]


class Share(msgspec.Struct, kw_only=True):
    """A file or folder (``space``/``node``) shared with a user or a group.

    ``states`` holds each recipient's answer (user id → state): a group share
    is accepted or declined member by member; ``mount`` is the name the item
    takes in each recipient's Shares space (they may rename it).
    """

    id: str  # OpenCloud's form: "{storage}:{space}:{uuid}"
    space: str
    node: str
    grantee_kind: GranteeKind
    grantee: str  # user or group id
    role: str  # role GUID
    creator: str  # user id of who shared it
    owner: str  # user id of the space owner ("" for project spaces)
    created: int  # ns since the epoch
    expires: int = 0  # ns since the epoch; 0: never
    states: dict[str, ShareState] = {}
    mounts: dict[str, str] = {}
    hidden: dict[str, bool] = {}

    def active(self, now_ns: int) -> bool:
        return not self.expires or self.expires > now_ns

    @property
    def number(self) -> int:
        """A 53-bit number for APIs whose clients read share ids as integers
        (OCS: pyocclient): the top bits of the id's UUID, exact in JavaScript
        too. Never 0; a non-UUID id (a damaged record) hashes instead."""
        tail = self.id.rpartition(":")[2]
        try:
            value = uuid.UUID(tail).int
        except ValueError:
            value = int.from_bytes(hashlib.sha256(self.id.encode()).digest()[:16], "big")
        return (value >> 75) or 1

    @property
    def grant_key(self) -> str:
        """The metadata key of this share's grant on its node."""
        return f"{GRANT_PREFIX}{self.grantee_kind}:{self.grantee}"

    def grant(self) -> Grant:
        """The grant this share keeps in the metadata of its node."""
        return Grant(
            kind=self.grantee_kind,
            id=self.grantee,
            role=self.role,
            created=self.created,
            creator=self.creator,
            expires=self.expires,
        )
