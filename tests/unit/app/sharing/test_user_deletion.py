"""``DELETE /graph/v1.0/users/{id}`` of a user who shared: what they shared
from their personal space ends (and is logged), what they shared from a
project space keeps working, and the recipient's listings (Graph
``sharedWithMe``, OCS) still answer."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

import pytest
from starlette.testclient import TestClient

from opencloud.core.ids import SpaceId
from opencloud.services.auth.service import AuthService
from opencloud.services.files.service import FilesService
from opencloud.services.shares.reconcile import check_links, check_shares
from opencloud.storage.protocol import StorageDriver

from .conftest import BETA, SHARES_DRIVE, _user

if TYPE_CHECKING:
    from .conftest import As


@pytest.fixture
def dennis(app_client: TestClient, auth: AuthService, files: FilesService) -> As:
    return _user(app_client, auth, files, "dennis", "admin")


def test_deleting_a_sharer(
    alan: As,
    mary: As,
    dennis: As,
    driver: StorageDriver,
    caplog: pytest.LogCaptureFixture,
) -> None:
    alan.mkdir("/docs")
    alan.share(alan.put("/docs/notes.txt", b"personal"), mary)
    apollo = alan.create_space()
    plan = alan.put("/plan.txt", b"project plan", drive=apollo)
    alan.share(plan, mary)
    link = alan.post(
        f"{BETA}/drives/{alan.drive}/items/{alan.item_id('/docs')}/createLink",
        json={"type": "view", "password": "Secret-pass-123"},
    )
    assert link.status_code == 200, link.text
    assert len(mary.shared_with_me()) == 2

    assert mary.delete(f"/graph/v1.0/users/{alan.id}").status_code == 403
    assert len(mary.shared_with_me()) == 2  # nothing changed

    with caplog.at_level(logging.INFO, logger="opencloud.services.shares.deprovision"):
        deleted = dennis.delete(f"/graph/v1.0/users/{alan.id}")
    assert deleted.status_code == 204, deleted.text
    logged = [r.getMessage() for r in caplog.records]
    assert any("ended share of /docs/notes.txt with mary as Viewer" in m for m in logged)
    assert any("ended public link of /docs (view)" in m for m in logged)

    # the project share stays and works; the personal one is gone
    (item,) = mary.shared_with_me()
    assert item["name"] == "plan.txt"
    content = mary.get(f"/remote.php/dav/spaces/{SHARES_DRIVE}/plan.txt")
    assert content.status_code == 200 and content.content == b"project plan"
    ocs = mary.get("/ocs/v2.php/apps/files_sharing/api/v1/shares?shared_with_me=true&format=json")
    assert ocs.status_code == 200, ocs.text
    (received,) = ocs.json()["ocs"]["data"]
    assert received["uid_owner"] == alan.id  # a deleted sharer is named by id
    assert received["path"].endswith("plan.txt")
    assert list(check_shares(driver)) == [] and list(check_links(driver)) == []
    assert dennis.get(f"/graph/v1.0/users/{alan.id}").status_code == 404
    assert driver.get_space(SpaceId(apollo.partition("$")[2])).kind == "project"
    assert mary.get(f"{BETA}/me/drive/sharedByMe").status_code == 200
