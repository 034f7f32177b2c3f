"""``opencloud check`` for shares: orphaned records and lost grants are found,
and repaired on request."""

from __future__ import annotations

from typing import TYPE_CHECKING

from opencloud.services.shares.reconcile import check_shares
from opencloud.services.shares.service import SHARES_SPACE
from opencloud.services.spaces.roles import VIEWER
from opencloud.storage.protocol import HasTrash, StorageDriver
from opencloud.storage.records import write_file
from opencloud.storage.types import Ref

if TYPE_CHECKING:
    from .conftest import World


def test_a_consistent_tree_has_no_findings(w: World, driver: StorageDriver) -> None:
    assert list(check_shares(driver)) == []  # nothing shared yet: no shares space either
    w.shares.create(w.alan, w.home, w.docs, grantee_kind="u", grantee=w.mary.id, given=VIEWER)
    assert list(check_shares(driver)) == []


def test_a_lost_grant_is_found_and_written_again(w: World, driver: StorageDriver) -> None:
    share = w.shares.create(
        w.alan, w.home, w.docs, grantee_kind="u", grantee=w.mary.id, given=VIEWER
    )
    key = f"grant:u:{w.mary.id}"
    driver.set_meta(Ref(w.home, "/docs"), {}, remove=[key])  # e.g. a restore without xattrs
    (found,) = check_shares(driver)
    assert (found.code, found.repaired) == ("share-grant", False)
    assert share.id in found.message
    (fixed,) = check_shares(driver, repair=True)
    assert fixed.repaired
    assert key in driver.get_meta(Ref(w.home, "/docs"))
    assert list(check_shares(driver)) == []


def test_a_record_whose_item_is_gone_is_removed(w: World, driver: StorageDriver) -> None:
    w.shares.create(w.alan, w.home, w.file, grantee_kind="u", grantee=w.mary.id, given=VIEWER)
    assert isinstance(driver, HasTrash)
    driver.delete(Ref(w.home, "/docs/a.txt"))
    driver.purge_trash(w.home)
    (found,) = check_shares(driver)
    assert found.code == "share-orphan"
    (fixed,) = check_shares(driver, repair=True)
    assert fixed.repaired
    assert list(check_shares(driver)) == []
    assert [e.name for e in driver.list(Ref(SHARES_SPACE, "/"))] == []


def test_unreadable_records_are_reported_not_touched(w: World, driver: StorageDriver) -> None:
    w.shares.create(w.alan, w.home, w.docs, grantee_kind="u", grantee=w.mary.id, given=VIEWER)
    write_file(driver, Ref(SHARES_SPACE, "/broken.json"), b"{not json")
    write_file(driver, Ref(SHARES_SPACE, "/other.json"), b'{"kind": "link"}')  # not a share
    (found,) = check_shares(driver, repair=True)
    assert (found.code, found.repaired) == ("share-record", False)
    assert driver.stat(Ref(SHARES_SPACE, "/broken.json")).size == 9


def test_a_share_of_an_item_in_the_trash_survives_a_repair(w: World, driver: StorageDriver) -> None:
    """An item in the trash is not gone: restored, it is shared again as
    before. ``opencloud check --repair`` must not remove its share record."""
    share = w.shares.create(
        w.alan, w.home, w.file, grantee_kind="u", grantee=w.mary.id, given=VIEWER
    )
    assert isinstance(driver, HasTrash)
    trashed = driver.delete(Ref(w.home, "/docs"))
    assert trashed is not None
    list(check_shares(driver, repair=True))
    driver.restore_trash(w.home, trashed.key)
    names = {e.name for e in driver.list(Ref(SHARES_SPACE, "/")) if e.kind == "file"}
    assert f"{share.id.rpartition(':')[2]}.json" in names
