"""Share life cycle through OCS: create, list, get, update, delete, accept and
decline, in JSON and XML, v1 and v2."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

from opencloud.api.ocs.shares import ROLE_BITS
from opencloud.services.spaces.roles import EDITOR, FILE_EDITOR, UPLOADER, VIEWER

from .conftest import User


def test_share_a_file_with_a_user(alice: User, bob: User) -> None:
    alice.put_file("/report.txt")
    data = alice.share("/report.txt", "bob", permissions=1)
    assert data["id"].isdigit()
    assert data["share_type"] == 0
    assert data["uid_owner"] == "alice"
    assert data["displayname_owner"] == "Alice Hansen"
    assert data["uid_file_owner"] == "alice"
    assert data["share_with"] == "bob"
    assert data["share_with_displayname"] == "Bob Builder"
    assert data["share_with_additional_info"] == "bob@example.org"
    assert data["permissions"] == 1
    assert data["path"] == "/report.txt"
    assert data["item_type"] == "file"
    assert data["mimetype"] == "text/plain"
    assert data["file_target"] == "/Shares/report.txt"
    assert data["state"] == 0
    assert data["expiration"] == ""
    assert data["space_id"] == data["storage_id"]
    assert data["item_source"].startswith(data["space_id"] + "!")
    assert data["file_source"] == data["item_source"]
    assert data["file_parent"].startswith(data["space_id"] + "!")
    assert data["stime"] > 0


def test_list_get_update_delete(alice: User, bob: User) -> None:
    alice.mkdir("/Project")
    created = alice.share("/Project", "bob", permissions=15)
    assert created["permissions"] == 15
    assert created["item_type"] == "folder"
    assert created["mimetype"] == "httpd/unix-directory"
    sid = created["id"]
    assert [s["id"] for s in alice.ocs("GET", "/shares")] == [sid]
    assert alice.ocs("GET", "/shares?path=/Project")[0]["id"] == sid
    assert alice.ocs("GET", f"/shares/{sid}")[0]["share_with"] == "bob"
    updated = alice.ocs("PUT", f"/shares/{sid}", data={"permissions": "1"})
    assert updated["permissions"] == 1
    later = alice.ocs("PUT", f"/shares/{sid}", data={"expireDate": "2999-01-31"})
    assert later["expiration"] == "2999-01-31T23:59:59Z"
    assert later["permissions"] == 1
    cleared = alice.ocs("PUT", f"/shares/{sid}", data={"expireDate": ""})
    assert cleared["expiration"] == ""
    assert alice.ocs("DELETE", f"/shares/{sid}") is None
    assert alice.ocs("GET", "/shares") == []
    alice.fails("GET", f"/shares/{sid}", 404)


def test_the_recipient_sees_it_and_answers(alice: User, bob: User) -> None:
    alice.mkdir("/Docs")
    sid = alice.share("/Docs", "bob", permissions=1)["id"]
    received = bob.ocs("GET", "/shares?shared_with_me=true")
    assert [s["id"] for s in received] == [sid]
    assert received[0]["path"] == "/Shares/Docs"
    assert received[0]["state"] == 0
    assert bob.ocs("GET", f"/shares/{sid}")[0]["path"] == "/Shares/Docs"
    declined = bob.ocs("DELETE", f"/shares/pending/{sid}")
    assert declined[0]["state"] == 2
    assert bob.ocs("GET", "/shares?shared_with_me=true") == []
    assert [s["state"] for s in bob.ocs("GET", "/shares?shared_with_me=true&state=2")] == [2]
    assert len(bob.ocs("GET", "/shares?shared_with_me=true&state=all")) == 1
    accepted = bob.ocs("POST", f"/shares/pending/{sid}")
    assert accepted[0]["state"] == 0
    assert len(bob.ocs("GET", "/shares?shared_with_me=true&path=/Shares/Docs")) == 1
    # a recipient may not change or delete it: not theirs
    bob.fails("PUT", f"/shares/{sid}", 403, data={"permissions": "15"})
    bob.fails("DELETE", f"/shares/{sid}", 403)
    # the sharer's own listing does not hold received shares
    assert bob.ocs("GET", "/shares") == []


def test_group_share(alice: User, carol: User) -> None:
    alice.put_file("/plan.md")
    data = alice.share("/plan.md", "crew", share_type=1, permissions=3)
    assert data["share_type"] == 1
    assert data["share_with"] == "crew"
    assert data["permissions"] == 3
    received = carol.ocs("GET", "/shares?shared_with_me=true")
    assert [s["id"] for s in received] == [data["id"]]
    assert alice.ocs("GET", "/shares?share_types=0") == []
    assert len(alice.ocs("GET", "/shares?share_types=0,1")) == 1


def test_json_body_and_role(alice: User, bob: User) -> None:
    alice.mkdir("/Drop")
    data = alice.ocs(
        "POST",
        "/shares",
        json={"path": "/Drop", "shareType": 0, "shareWith": "bob", "role": "uploader"},
    )
    assert data["permissions"] == 4


def test_opencloud_ids_are_accepted_too(alice: User, bob: User, app_client: object) -> None:
    alice.put_file("/a.txt")
    sid = alice.share("/a.txt", "bob")["id"]
    shares = alice.client.app_state["shares"]
    (share,) = list(shares.all())
    assert alice.ocs("GET", f"/shares/{share.id}")[0]["id"] == sid


def test_default_permissions_are_all_but_share(alice: User, bob: User) -> None:
    alice.mkdir("/F")
    alice.put_file("/f.txt")
    assert alice.share("/F", "bob")["permissions"] == 15
    assert alice.share("/f.txt", "bob")["permissions"] == 3


@pytest.mark.parametrize(
    ("bits", "kind", "role_id"),
    [
        (1, "dir", VIEWER.id),
        (17, "dir", VIEWER.id),
        (3, "dir", EDITOR.id),
        (15, "dir", EDITOR.id),
        (31, "dir", EDITOR.id),
        (4, "dir", UPLOADER.id),
        (5, "dir", UPLOADER.id),
        (1, "file", VIEWER.id),
        (3, "file", FILE_EDITOR.id),
        (19, "file", FILE_EDITOR.id),
        (31, "file", FILE_EDITOR.id),
    ],
)
def test_permission_bits_to_roles(bits: int, kind: str, role_id: str) -> None:
    from opencloud.api.ocs.shares import role_for_bits

    assert role_for_bits(bits, kind).id == role_id


def test_role_bits_are_opencloud_s() -> None:
    expected = {VIEWER.id: 1, FILE_EDITOR.id: 3, EDITOR.id: 15, UPLOADER.id: 4}
    assert expected == ROLE_BITS


@pytest.mark.parametrize(("v", "code"), [("v1", "100"), ("v2", "200")])
def test_xml_answers(alice: User, bob: User, v: str, code: str) -> None:
    alice.put_file("/x.txt")
    response = alice.client.post(
        f"/ocs/{v}.php/apps/files_sharing/api/v1/shares",
        data={"path": "/x.txt", "shareType": "0", "shareWith": "bob", "permissions": "1"},
        headers=alice.headers,
    )
    assert response.status_code == 200
    root = ET.fromstring(response.content)
    assert root.findtext("meta/statuscode") == code
    sid = root.findtext("data/id")
    assert sid is not None
    assert root.findtext("data/share_with") == "bob"
    listing = ET.fromstring(
        alice.client.get(
            f"/ocs/{v}.php/apps/files_sharing/api/v1/shares/{sid}", headers=alice.headers
        ).content
    )
    assert listing.findtext("data/element/id") == sid
