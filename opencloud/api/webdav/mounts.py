"""The Shares space as one user sees it: their accepted shares, each mounted
under a name that is unique among their mounts.

Names come from the recipient's own mount name or the shared item's current
name. When two mounts would take the same name, the older share keeps it and
later ones become ``name (2)``, ``name (3)``… (``report (2).txt`` for files),
so every client sees the same, stable names. Nodes are read live: a shared
item's etag, size and name are always the storage's current ones.
"""

from __future__ import annotations

import hashlib

import msgspec

from opencloud.core.errors import NotFound
from opencloud.core.ids import NodeId, SpaceId
from opencloud.services.auth.types import Principal
from opencloud.services.shares.service import SharesService
from opencloud.services.shares.types import SHARE_JAIL, Share
from opencloud.storage.types import NodeInfo


class Mount(msgspec.Struct, frozen=True):
    """One accepted share in the Shares space: the share, the shared item
    where it is now, and the name it is mounted under."""

    share: Share
    node: NodeInfo
    name: str


def mounts(shares: SharesService, user: Principal) -> list[Mount]:
    """``user``'s accepted shares whose item still exists, sorted by name."""
    received = [
        s
        for s in shares.shared_with(user, include_declined=False)
        if s.creator != user.id and shares.state(user, s) == "accepted"
    ]
    taken: set[str] = set()
    found: list[Mount] = []
    for share in sorted(received, key=lambda s: (s.created, s.id)):
        try:
            node = shares.node(share)
        except NotFound:
            continue  # the item is gone (purged): nothing to mount
        name = _unique(shares.mount_name(user, share, node), node.kind, taken)
        taken.add(name)
        found.append(Mount(share, node, name))
    return sorted(found, key=lambda m: m.name)


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


def jail_root(found: list[Mount]) -> NodeInfo:
    """The Shares space's root as a folder: its etag changes whenever a mount
    comes, goes, is renamed or changes inside (etag propagation to the
    recipient's side), its size and mtime are those of its mounts."""
    digest = hashlib.sha1(usedforsecurity=False)
    for mount in found:
        digest.update(f"{mount.share.id}\0{mount.name}\0{mount.node.etag}\0".encode())
    return NodeInfo(
        id=NodeId(SHARE_JAIL),
        parent_id="",
        space=SpaceId(SHARE_JAIL),
        path="/",
        name="Shares",
        kind="dir",
        size=sum(m.node.size for m in found),
        mtime_ns=max((m.node.mtime_ns for m in found), default=0),
        etag=f'"{digest.hexdigest()}"',
    )
