"""``opencloud check`` for shares: records and grants agree with the tree.

A share is a record (the truth) and a grant in the metadata of its node. The
writing order (grant first on create, record first on removal) means a crash
leaves, at worst, a grant without a record, which grants nothing. What can
still drift, and is checked here:

- ``share-orphan``: the record's item no longer exists (its trash was purged,
  or its space deleted). Repair removes the record.
- ``share-grant``: the item exists but lacks the grant (an outside program
  rewrote its attributes, a restore from a backup without xattrs). Repair
  writes the grant again.
- ``share-record``: a record that cannot be read. Reported, never touched:
  an administrator decides.

Grants without a record are not searched for: that needs every node's
metadata read; they give nobody access either way.
"""

from __future__ import annotations

from collections.abc import Iterator

import msgspec

from opencloud.core.errors import NotFound
from opencloud.core.ids import NodeId, SpaceId
from opencloud.services.shares.service import SHARES_SPACE
from opencloud.services.shares.types import Share
from opencloud.storage.protocol import StorageDriver
from opencloud.storage.types import Finding, Ref


def check_shares(driver: StorageDriver, *, repair: bool = False) -> Iterator[Finding]:
    try:
        entries = list(driver.list(Ref(SHARES_SPACE, "/")))
    except NotFound:
        return  # nothing was ever shared
    for entry in entries:
        if entry.kind != "file" or not entry.name.endswith(".json"):
            continue
        where = f"shares{entry.path}"
        ref = Ref(SHARES_SPACE, entry.path)
        try:
            with driver.open_read(ref) as handle:
                raw = msgspec.json.decode(handle.read())
        except (msgspec.DecodeError, NotFound):
            yield Finding(code="share-record", path=where, message="unreadable share record")
            continue
        if not isinstance(raw, dict) or "grantee_kind" not in raw:
            continue  # another kind of record kept beside shares (e.g. links)
        try:
            share = msgspec.convert(raw, type=Share)
        except msgspec.ValidationError as exc:
            yield Finding(code="share-record", path=where, message=f"invalid share record: {exc}")
            continue
        yield from _check_one(driver, share, ref, where, repair=repair)


def _check_one(
    driver: StorageDriver, share: Share, ref: Ref, where: str, *, repair: bool
) -> Iterator[Finding]:
    try:
        node = driver.stat_id(SpaceId(share.space), NodeId(share.node))
    except NotFound:
        if repair:
            driver.delete(ref)
        yield Finding(
            code="share-orphan",
            path=where,
            message=f"the shared item {share.node} no longer exists",
            repaired=repair,
        )
        return
    key = share.grant_key
    item = Ref(node.space, node.path)
    if key in driver.get_meta(item, [key]):
        return
    if repair:
        driver.set_meta(item, {key: msgspec.json.encode(share.grant())})
    yield Finding(
        code="share-grant",
        path=where,
        message=f"{node.path} in space {node.space} lacks the grant of share {share.id}",
        repaired=repair,
    )
