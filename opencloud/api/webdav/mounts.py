"""The Shares space as one user sees it: their accepted shares, each mounted
under a name that is unique among their mounts.

Names come from the recipient's own mount name or the shared item's current
name. When two mounts would take the same name, the older share keeps it and
later ones become ``name (2)``, ``name (3)``… (``report (2).txt`` for files),
so every client sees the same, stable names. Nodes are read live: a shared
item's etag, size and name are always the storage's current ones.
"""

from __future__ import annotations

import msgspec

from opencloud.core.ids import NodeId, SpaceId
from opencloud.services.auth.types import Principal
from opencloud.services.shares.service import SharesService, jail_etag
from opencloud.services.shares.types import SHARE_JAIL, Share
from opencloud.storage.types import NodeInfo


class Mount(msgspec.Struct, frozen=True):
    """One accepted share in the Shares space: the share, the shared item
    where it is now, and the name it is mounted under."""

    share: Share
    node: NodeInfo
    name: str


def mounts(shares: SharesService, user: Principal) -> list[Mount]:
    """``user``'s accepted shares whose item still exists, sorted by name;
    the names and their order are the shares service's (Graph shows the same)."""
    return [Mount(share, node, name) for share, node, name in shares.mounts(user)]


def jail_root(found: list[Mount]) -> NodeInfo:
    """The Shares space's root as a folder: its etag changes whenever a mount
    comes, goes, is renamed or changes inside (etag propagation to the
    recipient's side), its size and mtime are those of its mounts."""
    etag = jail_etag([(m.share, m.node, m.name) for m in found])
    return NodeInfo(
        id=NodeId(SHARE_JAIL),
        parent_id="",
        space=SpaceId(SHARE_JAIL),
        path="/",
        name="Shares",
        kind="dir",
        size=sum(m.node.size for m in found),
        mtime_ns=max((m.node.mtime_ns for m in found), default=0),
        etag=etag,
    )
