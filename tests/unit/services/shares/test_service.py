"""The shares service on the real posix driver: records and grants on the
storage, rights through a share, and who may share what."""

from __future__ import annotations

import time
import uuid
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from .conftest import World

from opencloud.core.errors import (
    AlreadyExists,
    InvalidInput,
    NotFound,
    PermissionDenied,
    StorageUnavailable,
)
from opencloud.core.ids import NodeId
from opencloud.services.shares.service import SharesService
from opencloud.services.spaces.roles import EDITOR, FILE_EDITOR, SPACE_EDITOR, SPACE_VIEWER, VIEWER
from opencloud.storage.protocol import StorageDriver
from opencloud.storage.types import Ref


def test_a_share_gives_its_role_to_the_recipient_only(w: World) -> None:
    share = w.shares.create(
        w.alan, w.home, w.docs, grantee_kind="u", grantee=w.mary.id, given=EDITOR
    )
    rights = w.shares.rights(w.mary, share)
    assert rights.read and rights.create and rights.update and rights.delete
    assert not rights.share  # no resharing
    assert not w.shares.rights(w.lynn, share).read
    assert [s.id for s in w.shares.shared_with(w.mary)] == [share.id]
    assert [s.id for s in w.shares.shared_by(w.alan)] == [share.id]
    assert w.shares.share_types(w.home, w.docs) == {0}


def test_a_share_is_found_by_its_number_until_it_is_removed(w: World) -> None:
    share = w.shares.create(
        w.alan, w.home, w.docs, grantee_kind="u", grantee=w.mary.id, given=VIEWER
    )
    assert 0 < share.number < 2**53  # exact as a JavaScript number
    assert w.shares.by_number(share.number) is share
    w.shares.delete(w.alan, share.id)
    with pytest.raises(NotFound):
        w.shares.by_number(share.number)
    with pytest.raises(NotFound):
        w.shares.by_number(0)


def test_record_and_grant_are_on_the_storage(w: World, driver: StorageDriver) -> None:
    share = w.shares.create(
        w.alan, w.home, w.file, grantee_kind="u", grantee=w.mary.id, given=FILE_EDITOR
    )
    meta = driver.get_meta(Ref(w.home, "/docs/a.txt"))
    assert f"grant:u:{w.mary.id}".encode() in b"".join(k.encode() for k in meta)
    again = SharesService(driver, w.spaces, w.auth, "st")  # a restart reads the records
    assert again.get(share.id).role == FILE_EDITOR.id
    w.shares.delete(w.alan, share.id)
    assert f"grant:u:{w.mary.id}" not in driver.get_meta(Ref(w.home, "/docs/a.txt"))
    with pytest.raises(NotFound):
        SharesService(driver, w.spaces, w.auth, "st").get(share.id)


def test_group_shares_and_declining(w: World) -> None:
    share = w.shares.create(
        w.alan, w.home, w.docs, grantee_kind="g", grantee=w.group.id, given=VIEWER
    )
    assert w.shares.rights(w.lynn, share).read
    assert w.shares.share_types(w.home, w.docs) == {1}
    w.shares.answer(w.lynn, share.id, "declined")
    assert not w.shares.rights(w.lynn, share).read
    assert w.shares.shared_with(w.lynn, include_declined=False) == []
    w.shares.answer(w.lynn, share.id, "accepted", mount="Team docs")
    assert share.mounts[w.lynn.id] == "Team docs"
    with pytest.raises(NotFound):
        w.shares.answer(w.mary, share.id, "accepted")  # not a recipient


def test_a_share_follows_its_item_through_moves(w: World, driver: StorageDriver) -> None:
    share = w.shares.create(
        w.alan, w.home, w.file, grantee_kind="u", grantee=w.mary.id, given=VIEWER
    )
    driver.move(Ref(w.home, "/docs/a.txt"), Ref(w.home, "/b.txt"))
    assert w.shares.node(share).path == "/b.txt"


def test_expired_shares_give_nothing(w: World) -> None:
    share = w.shares.create(
        w.alan,
        w.home,
        w.docs,
        grantee_kind="u",
        grantee=w.mary.id,
        given=VIEWER,
        expires=time.time_ns() + 10**12,
    )
    share.expires = time.time_ns() - 1
    assert not w.shares.rights(w.mary, share).read
    assert w.shares.shared_with(w.mary) == []


@pytest.mark.parametrize(
    ("why", "kwargs"),
    [
        ("yourself", {"grantee_kind": "u", "grantee": "SELF", "given": VIEWER}),
        ("unknown user", {"grantee_kind": "u", "grantee": str(uuid.uuid4()), "given": VIEWER}),
        ("unknown group", {"grantee_kind": "g", "grantee": str(uuid.uuid4()), "given": VIEWER}),
        ("space role on an item", {"grantee_kind": "u", "grantee": "MARY", "given": SPACE_VIEWER}),
        ("folder role on a file", {"grantee_kind": "u", "grantee": "MARY", "given": EDITOR}),
        ("expired", {"grantee_kind": "u", "grantee": "MARY", "given": VIEWER, "expires": 1}),
    ],
)
def test_bad_shares_are_refused(w: World, why: str, kwargs: dict[str, object]) -> None:
    grantee = kwargs["grantee"]
    kwargs["grantee"] = {"SELF": w.alan.id, "MARY": w.mary.id}.get(str(grantee), grantee)
    node = w.file if why == "folder role on a file" else w.docs
    with pytest.raises((InvalidInput, NotFound)):
        w.shares.create(w.alan, w.home, node, **kwargs)  # type: ignore[arg-type]
    assert list(w.shares.all()) == []


def test_only_who_may_share_in_the_space_shares(w: World) -> None:
    with pytest.raises(NotFound):  # mary cannot even see alan's space
        w.shares.create(w.mary, w.home, w.docs, grantee_kind="u", grantee=w.lynn.id, given=VIEWER)
    project = w.spaces.create_project(w.alan, "Apollo")
    w.spaces.set_member(project.id, "u", w.mary.id, SPACE_EDITOR)
    w.driver.mkdir(Ref(project.id, "/plans"))
    plans = NodeId(w.driver.stat(Ref(project.id, "/plans")).id)
    with pytest.raises(PermissionDenied):  # an editor may not share (no resharing)
        w.shares.create(
            w.mary, project.id, plans, grantee_kind="u", grantee=w.lynn.id, given=VIEWER
        )
    made = w.shares.create(
        w.alan, project.id, plans, grantee_kind="u", grantee=w.lynn.id, given=VIEWER
    )
    assert made.owner == ""  # a project space has no owner


def test_duplicates_and_space_roots_are_refused(w: World) -> None:
    w.shares.create(w.alan, w.home, w.docs, grantee_kind="u", grantee=w.mary.id, given=VIEWER)
    with pytest.raises(AlreadyExists):
        w.shares.create(w.alan, w.home, w.docs, grantee_kind="u", grantee=w.mary.id, given=EDITOR)
    with pytest.raises(InvalidInput):
        w.shares.create(
            w.alan, w.home, NodeId(w.home), grantee_kind="u", grantee=w.mary.id, given=EDITOR
        )


def test_changing_a_share(w: World) -> None:
    share = w.shares.create(
        w.alan, w.home, w.docs, grantee_kind="u", grantee=w.mary.id, given=VIEWER
    )
    w.shares.update(w.alan, share.id, given=EDITOR)
    assert w.shares.rights(w.mary, share).create
    with pytest.raises(NotFound):
        w.shares.update(w.mary, share.id, given=VIEWER)  # the recipient cannot
    with pytest.raises(InvalidInput):
        w.shares.update(w.alan, share.id, expires=1)


class _FailingWrites:
    """Makes every staged write of the driver fail, as a full disk would."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch, driver: StorageDriver) -> None:
        def refuse(*_args: object, **_kwargs: object) -> None:
            raise StorageUnavailable("disk full")

        monkeypatch.setattr(driver, "begin_upload", refuse)


def test_a_failed_record_write_changes_nothing_in_memory(
    w: World, driver: StorageDriver, monkeypatch: pytest.MonkeyPatch
) -> None:
    share = w.shares.create(
        w.alan, w.home, w.docs, grantee_kind="g", grantee=w.group.id, given=VIEWER
    )
    _FailingWrites(monkeypatch, driver)
    with pytest.raises(StorageUnavailable):
        w.shares.update(w.alan, share.id, given=EDITOR)
    with pytest.raises(StorageUnavailable):
        w.shares.answer(w.lynn, share.id, "declined", mount="Team")
    with pytest.raises(StorageUnavailable):
        w.shares.hide(w.lynn, share.id, True)
    cached = w.shares.get(share.id)
    assert cached.role == VIEWER.id
    assert cached.states == {} and cached.mounts == {} and cached.hidden == {}
    assert w.shares.rights(w.lynn, share).read
    assert not w.shares.rights(w.lynn, share).create


def test_a_deleted_share_is_gone_even_if_its_grant_cannot_be_removed(
    w: World, driver: StorageDriver, monkeypatch: pytest.MonkeyPatch
) -> None:
    share = w.shares.create(
        w.alan, w.home, w.docs, grantee_kind="u", grantee=w.mary.id, given=VIEWER
    )

    def refuse(*_args: object, **_kwargs: object) -> None:
        raise StorageUnavailable("disk full")

    monkeypatch.setattr(driver, "set_meta", refuse)
    with pytest.raises(StorageUnavailable):
        w.shares.delete(w.alan, share.id)
    with pytest.raises(NotFound):  # the record is gone: so is the share
        w.shares.get(share.id)
    assert w.shares.shared_with(w.mary) == []


def test_lookups_by_node_and_recipient_follow_creates_and_deletes(
    w: World, driver: StorageDriver
) -> None:
    to_mary = w.shares.create(
        w.alan, w.home, w.docs, grantee_kind="u", grantee=w.mary.id, given=VIEWER
    )
    to_group = w.shares.create(
        w.alan, w.home, w.docs, grantee_kind="g", grantee=w.group.id, given=VIEWER
    )
    of_file = w.shares.create(
        w.alan, w.home, w.file, grantee_kind="u", grantee=w.mary.id, given=VIEWER
    )
    assert {s.id for s in w.shares.of_node(w.home, w.docs)} == {to_mary.id, to_group.id}
    assert w.shares.share_types(w.home, w.docs) == {0, 1}
    assert {s.id for s in w.shares.shared_with(w.mary)} == {to_mary.id, of_file.id}
    assert [s.id for s in w.shares.shared_with(w.lynn)] == [to_group.id]
    w.shares.delete(w.alan, to_mary.id)
    w.shares.delete(w.alan, to_group.id)
    assert w.shares.of_node(w.home, w.docs) == []
    assert w.shares.share_types(w.home, w.docs) == set()
    assert [s.id for s in w.shares.shared_with(w.mary)] == [of_file.id]
    assert w.shares.shared_with(w.lynn) == []
    again = SharesService(driver, w.spaces, w.auth, "st")  # the lookups of a restart
    assert [s.id for s in again.of_node(w.home, w.file)] == [of_file.id]
    assert [s.id for s in again.shared_with(w.mary)] == [of_file.id]
