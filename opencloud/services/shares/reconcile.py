"""``opencloud check`` for shares and links: records and grants agree with the tree.

A share is a record (the truth) and a grant in the metadata of its node. The
writing order (grant first on create, record first on removal) means a crash
leaves, at worst, a grant without a record, which grants nothing. What can
still drift, and is checked here:

- ``share-orphan``: the record's item no longer exists (its trash was purged,
  or its space deleted). Repair removes the record. An item in the trash is
  not gone (restored, it is shared as before): it is no orphan.
- ``share-grant``: the item exists but lacks the grant (an outside program
  rewrote its attributes, a restore from a backup without xattrs). Repair
  writes the grant again.
- ``share-record``: a record that cannot be read. Reported, never touched:
  an administrator decides.

Grants without a record are not searched for: that needs every node's
metadata read; they give nobody access either way.

Links (``check_links``) are records in ``/links`` plus a mark (``link:<id>``)
in the metadata of their item, written in the same safe order:

- ``link-orphan``: the record's item no longer exists (not even in the
  trash, as for shares). Repair removes the record.
- ``link-mark``: the item exists but lacks the mark. Repair writes it again.
- ``link-record``: a link record that cannot be read, is not named after its
  link's id, or shares its token with another record. Reported, never touched.
- ``link-stray`` (warning): a mark without a record (a crash between the two
  writes, or a record removed by hand). It opens nothing; repair removes it.
  Found by reading the metadata of every item in every space, which the link
  check does (the tree check has just read it, so it is in the page cache).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import NamedTuple

import msgspec

from opencloud.core.errors import Conflict, NotFound
from opencloud.core.ids import NodeId, SpaceId
from opencloud.services.shares.links import LINKS_DIR, MARK_PREFIX, Link
from opencloud.services.shares.service import SHARES_SPACE
from opencloud.services.shares.types import Share
from opencloud.storage.protocol import HasTrash, StorageDriver
from opencloud.storage.types import Finding, NodeInfo, Ref


def check_shares(driver: StorageDriver, *, repair: bool = False) -> Iterator[Finding]:
    trashed = _Trashed(driver)
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
        yield from _check_one(driver, share, ref, where, repair=repair, trashed=trashed)


def _check_one(
    driver: StorageDriver,
    share: Share,
    ref: Ref,
    where: str,
    *,
    repair: bool,
    trashed: _Trashed,
) -> Iterator[Finding]:
    yield from _check_record(
        driver,
        _Record(
            "share",
            "shared",
            share.space,
            share.node,
            share.id,
            "grant",
            share.grant_key,
            msgspec.json.encode(share.grant()),
        ),
        ref,
        where,
        repair=repair,
        trashed=trashed,
    )


class _Record(NamedTuple):
    """What the findings say of a share or link record."""

    kind: str  # share, link: the finding codes' prefix
    adjective: str  # shared, linked
    space: str
    node: str
    id: str
    mark: str  # grant, mark: what the record leaves on its item
    key: str  # …under this metadata key
    value: bytes  # …with this value


def _check_record(
    driver: StorageDriver,
    record: _Record,
    ref: Ref,
    where: str,
    *,
    repair: bool,
    trashed: _Trashed,
) -> Iterator[Finding]:
    """One record against its item: gone (``<kind>-orphan``, unless the item
    is only in the trash) or without the metadata ``key`` the record writes
    there (``<kind>-<mark>``, repaired by writing its ``value``)."""
    try:
        node = driver.stat_id(SpaceId(record.space), NodeId(record.node))
    except NotFound:
        if trashed.holds(SpaceId(record.space), record.node):
            return  # in the trash: a restore brings it back, still shared or linked
        if repair:
            driver.delete(ref)
        yield Finding(
            code=f"{record.kind}-orphan",
            path=where,
            message=f"the {record.adjective} item {record.node} no longer exists",
            repaired=repair,
        )
        return
    item = Ref(node.space, node.path)
    if record.key in driver.get_meta(item, [record.key]):
        return
    if repair:
        driver.set_meta(item, {record.key: record.value})
    yield Finding(
        code=f"{record.kind}-{record.mark}",
        path=where,
        message=f"{node.path} in space {node.space} lacks the {record.mark} of "
        f"{record.kind} {record.id}",
        repaired=repair,
    )


def check_links(driver: StorageDriver, *, repair: bool = False) -> Iterator[Finding]:
    """Link records against the marks on their items, and every mark against
    the records (see the module docstring for the codes)."""
    records: list[tuple[Link, Ref, str]] = []
    try:
        entries = sorted(driver.list(Ref(SHARES_SPACE, LINKS_DIR)), key=lambda e: e.name)
    except NotFound:
        entries = []  # no link was ever made
    for entry in entries:
        if entry.kind != "file" or not entry.name.endswith(".json"):
            continue
        where = f"shares{entry.path}"
        ref = Ref(SHARES_SPACE, entry.path)
        try:
            with driver.open_read(ref) as handle:
                link = msgspec.json.decode(handle.read(), type=Link)
        except NotFound:
            continue  # removed while we looked
        except (msgspec.DecodeError, msgspec.ValidationError) as exc:
            yield Finding(code="link-record", path=where, message=f"unreadable link record: {exc}")
            continue
        records.append((link, ref, where))
    holders: dict[str, list[str]] = {}
    for link, _, _ in records:
        holders.setdefault(link.token, []).append(link.id)
    known: dict[str, Link] = {}
    trashed = _Trashed(driver)
    for link, ref, where in records:
        known[link.id] = link  # its mark is no stray, whatever is wrong with it
        if ref.path != f"{LINKS_DIR}/{link.id}.json":
            message = f"the record of link {link.id} is misnamed"
        elif len(holders[link.token]) > 1:
            message = f"links {', '.join(holders[link.token])} have the same token"
        else:
            yield from _check_link(driver, link, ref, where, repair=repair, trashed=trashed)
            continue
        yield Finding(code="link-record", path=where, message=message)
    yield from _stray_marks(driver, known, repair=repair)


def _check_link(
    driver: StorageDriver,
    link: Link,
    ref: Ref,
    where: str,
    *,
    repair: bool,
    trashed: _Trashed,
) -> Iterator[Finding]:
    yield from _check_record(
        driver,
        _Record(
            "link",
            "linked",
            link.space,
            link.node,
            link.id,
            "mark",
            link.mark_key,
            msgspec.json.encode(link.mark()),
        ),
        ref,
        where,
        repair=repair,
        trashed=trashed,
    )


def _stray_marks(
    driver: StorageDriver, links: dict[str, Link], *, repair: bool
) -> Iterator[Finding]:
    for space in driver.list_spaces():
        if space.kind == "system":
            continue
        for node in _walk(driver, space.root):
            item = Ref(node.space, node.path)
            try:
                meta = driver.get_meta(item)
            except NotFound:
                continue  # gone meanwhile
            stray = [
                key
                for key in meta
                if key.startswith(MARK_PREFIX)
                and (
                    (found := links.get(key[len(MARK_PREFIX) :])) is None
                    or (found.space, found.node) != (node.space, node.id)
                )
            ]
            if not stray:
                continue
            if repair:
                driver.set_meta(item, {}, remove=stray)
            for key in stray:
                yield Finding(
                    code="link-stray",
                    path=f"{space.kind}/{node.space}{node.path}",
                    message=f"a mark of link {key[len(MARK_PREFIX) :]} without its record",
                    severity="warning",
                    repaired=repair,
                )


def _walk(driver: StorageDriver, root: NodeInfo) -> Iterator[NodeInfo]:
    """Every node of a space, the root first (folders as they are listed)."""
    pending = [root]
    while pending:
        node = pending.pop()
        yield node
        if node.kind != "dir":
            continue
        try:
            pending.extend(driver.list(Ref(node.space, node.path)))
        except (NotFound, Conflict):
            continue


class _Trashed:
    """The node ids in each space's trash, items and every entry inside a
    trashed folder, read once per space and only for a space asked about (a
    record whose item cannot be found: rare)."""

    def __init__(self, driver: StorageDriver) -> None:
        self._driver = driver
        self._ids: dict[SpaceId, set[str]] = {}

    def holds(self, space: SpaceId, node: str) -> bool:
        if space not in self._ids:
            self._ids[space] = self._read(space)
        return node in self._ids[space]

    def _read(self, space: SpaceId) -> set[str]:
        driver = self._driver
        if not isinstance(driver, HasTrash):
            return set()
        try:
            items = driver.list_trash(space)
        except NotFound:
            return set()  # the space itself is gone
        ids: set[str] = set()
        for item in items:
            ids.add(item.node_id)
            pending = [""] if item.kind == "dir" else []
            while pending:
                try:
                    entries = driver.list_trash_folder(space, item.key, pending.pop())
                except (NotFound, Conflict):
                    continue  # restored or purged meanwhile
                for entry in entries:
                    ids.add(entry.node_id)
                    if entry.kind == "dir":
                        pending.append(entry.path)
        ids.discard("")
        return ids
