"""Deleting a user who shared: the shares and links of their personal space end
(records, then grants), each reported; what they shared from a project space
stays; a refusal or a failure part-way loses nothing."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from opencloud.config.schema import AdminSettings, SecretSettings, Settings
from opencloud.core.errors import NotFound, PermissionDenied, StorageUnavailable
from opencloud.core.ids import NodeId, SpaceId
from opencloud.services.auth.service import AuthService
from opencloud.services.shares.deprovision import UserRemoval
from opencloud.services.shares.links import LinksService
from opencloud.services.shares.reconcile import check_links, check_shares
from opencloud.services.shares.service import SharesService
from opencloud.services.shares.signing import url_signature
from opencloud.services.spaces.roles import EDITOR, FILE_EDITOR, VIEWER
from opencloud.storage.protocol import StorageDriver
from opencloud.storage.records import write_file
from opencloud.storage.types import Ref

from .conftest import HASH

if TYPE_CHECKING:
    from .conftest import World


class Shared:
    """alan shares ``/docs`` with mary and ``/docs/a.txt`` with the readers
    group from his personal space, links ``/docs``, and shares ``/plan.txt`` of
    his project space Apollo with lynn; mary shares her ``/m.txt`` with him."""

    def __init__(self, w: World, driver: StorageDriver) -> None:
        self.links = LinksService(driver, w.spaces, must_have_password=False)
        self.removal = UserRemoval(w.auth, w.spaces, w.shares, self.links)
        self.docs = w.shares.create(
            w.alan, w.home, w.docs, grantee_kind="u", grantee=w.mary.id, given=EDITOR
        )
        self.file = w.shares.create(
            w.alan, w.home, w.file, grantee_kind="g", grantee=w.group.id, given=VIEWER
        )
        self.link = self.links.create(w.alan, w.home, w.docs, link_type="view")
        self.apollo = SpaceId(w.spaces.create_project(w.alan, "Apollo").id)
        write_file(driver, Ref(self.apollo, "/plan.txt"), b"plan")
        plan = NodeId(driver.stat(Ref(self.apollo, "/plan.txt")).id)
        self.plan = w.shares.create(
            w.alan, self.apollo, plan, grantee_kind="u", grantee=w.lynn.id, given=FILE_EDITOR
        )
        self.mary_home = SpaceId(w.mary.id)
        write_file(driver, Ref(self.mary_home, "/m.txt"), b"m")
        m = NodeId(driver.stat(Ref(self.mary_home, "/m.txt")).id)
        self.received = w.shares.create(
            w.mary, self.mary_home, m, grantee_kind="u", grantee=w.alan.id, given=VIEWER
        )


@pytest.fixture
def shared(w: World, driver: StorageDriver) -> Shared:
    return Shared(w, driver)


def test_personal_shares_end_and_are_reported(
    w: World, shared: Shared, driver: StorageDriver
) -> None:
    report = shared.removal.delete_user("alan")
    assert report.user.id == w.alan.id and report.kept == 1
    assert {(e.kind, e.id, e.path) for e in report.ended} == {
        ("share", shared.docs.id, "/docs"),
        ("share", shared.file.id, "/docs/a.txt"),
        ("link", shared.link.id, "/docs"),
        ("received", shared.received.id, "/m.txt"),
    }
    lines = report.lines()
    assert "ended share of /docs with mary as Editor (from their personal space)" in lines
    assert (
        "ended share of /docs/a.txt with group readers as Viewer (from their personal space)"
        in lines
    )
    assert "ended public link of /docs (view) (from their personal space)" in lines
    assert "ended share of /m.txt they received from mary" in lines
    assert "kept 1 share(s) they made in project spaces" in lines
    assert lines[-1] == f"deleted user alan ({w.alan.id}) and purged their personal space"
    # records and grants are gone, in this process and for the next one
    again = SharesService(driver, w.spaces, w.auth, "st")
    assert [s.id for s in again.all()] == [shared.plan.id]
    assert [s.id for s in w.shares.all()] == [shared.plan.id]
    assert list(LinksService(driver, w.spaces).all()) == []
    assert not any(k.startswith("grant:") for k in driver.get_meta(Ref(shared.mary_home, "/m.txt")))
    assert w.shares.shared_with(w.mary) == [] and w.shares.shared_with(w.lynn) == [shared.plan]
    assert list(check_shares(driver)) == [] and list(check_links(driver)) == []
    with pytest.raises(NotFound):
        driver.get_space(w.home)
    with pytest.raises(NotFound):
        w.auth.get_user("alan")


def test_what_was_shared_from_a_project_space_keeps_working(
    w: World, shared: Shared, driver: StorageDriver
) -> None:
    shared.removal.delete_user(w.alan.id)
    assert driver.get_space(shared.apollo).kind == "project"
    (plan,) = w.shares.shared_with(w.lynn)
    assert plan.creator == w.alan.id  # names nobody now, and that is fine
    assert w.shares.rights(w.lynn, plan).update
    ((share, node, name),) = w.shares.mounts(w.lynn)
    assert (share.id, node.path, name) == (shared.plan.id, "/plan.txt", "plan.txt")
    grants = driver.get_meta(Ref(shared.apollo, "/plan.txt"))
    assert f"grant:u:{w.lynn.id}" in grants


def test_refusals_change_nothing(
    w: World, shared: Shared, driver: StorageDriver, data_path: Path
) -> None:
    with pytest.raises(NotFound):
        shared.removal.delete_user("nobody")
    settings = Settings(
        data_path=str(data_path),
        secrets=SecretSettings(jwt_secret="j" * 43),
        admin=AdminSettings(user_id=w.alan.id, username="alan", password_hash=HASH),
    )
    auth = AuthService(driver, settings)
    removal = UserRemoval(auth, w.spaces, w.shares, shared.links)
    with pytest.raises(PermissionDenied):
        removal.delete_user("alan")
    assert auth.get_user("alan").enabled
    assert len(list(w.shares.all())) == 4 and len(list(shared.links.all())) == 1
    assert driver.get_space(w.home).kind == "personal"


def test_a_failure_part_way_can_be_run_again(
    w: World, shared: Shared, driver: StorageDriver, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A purge that fails leaves a disabled user whose shares already ended:
    nobody lost access silently, and deleting again finishes the job."""

    def unavailable(space: SpaceId) -> None:
        raise StorageUnavailable("disk gone")

    monkeypatch.setattr(driver, "delete_space", unavailable)
    with pytest.raises(StorageUnavailable):
        shared.removal.delete_user("alan")
    monkeypatch.undo()
    assert not w.auth.get_user("alan").enabled
    assert [s.id for s in w.shares.all()] == [shared.plan.id]
    assert driver.get_space(w.home).kind == "personal"  # nothing purged yet
    report = shared.removal.delete_user("alan")
    assert report.ended == () and report.kept == 1
    with pytest.raises(NotFound):
        driver.get_space(w.home)


def test_deleting_a_recipient_ends_what_they_received(
    w: World, shared: Shared, driver: StorageDriver
) -> None:
    """lynn shared nothing; the project share she received ends (its grant
    too), her group's share stays the group's."""
    report = shared.removal.delete_user("lynn")
    assert [(e.kind, e.id, e.path, e.detail) for e in report.ended] == [
        ("received", shared.plan.id, "/plan.txt", "alan")
    ]
    assert report.kept == 0
    assert f"grant:u:{w.lynn.id}" not in driver.get_meta(Ref(shared.apollo, "/plan.txt"))
    assert w.shares.get(shared.file.id).grantee == w.group.id
    assert list(check_shares(driver)) == []


def test_a_deleted_users_signing_key_goes_with_them(w: World, shared: Shared) -> None:
    """A signed URL (``OC-Signature``) of a deleted user opens nothing for a
    user made again under the same id (demo users have fixed ids): their
    signing key goes with the account."""
    old_key = shared.links.signing_keys.key(w.alan.id)
    url = "https://cloud.example/remote.php/dav/spaces/x/a.txt?OC-Credential=alan"
    shared.removal.delete_user("alan")
    w.auth.create_user("alan", "", password_hash=HASH, user_id=w.alan.id)
    signature = url_signature(url, old_key)
    assert not shared.links.signing_keys.verify(w.alan.id, [url], signature)
    fresh = LinksService(w.driver, w.spaces, must_have_password=False)
    assert not fresh.signing_keys.verify(w.alan.id, [url], signature)
    assert fresh.signing_keys.key(w.alan.id) != old_key
