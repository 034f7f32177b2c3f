"""Each accepted share is a drive of its own (``driveType: mountpoint``) in
``/me/drives``, as OpenCloud lists them: named after its mount in the Shares
drive, the shared item in ``root.remoteItem``, no quota."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import quote

from .conftest import BETA, EDITOR, SHARES_DRIVE, As, error


def _mountpoints(user: As, url: str = "/graph/v1.0/me/drives") -> list[dict[str, Any]]:
    response = user.get(url)
    assert response.status_code == 200, response.text
    return [d for d in response.json()["value"] if d["driveType"] == "mountpoint"]


def _jail_item(permission: dict[str, Any]) -> str:
    return f"{BETA}/drives/{SHARES_DRIVE}/items/{SHARES_DRIVE}!{permission['id']}"


def test_an_accepted_share_is_a_mountpoint_drive(alan: As, mary: As) -> None:
    docs = alan.mkdir("/Project Docs")
    alan.put("/Project Docs/a.txt", b"12345")
    permission = alan.share(docs, mary, role=EDITOR)
    (drive,) = _mountpoints(mary)
    drive_id = f"{SHARES_DRIVE}!{permission['id']}"
    assert drive["id"] == drive_id
    assert drive["name"] == "Project Docs"
    assert drive["driveAlias"] == "mountpoint/project-docs"
    assert "quota" not in drive
    assert drive["owner"] == {"user": {"id": alan.id, "displayName": "Alan"}}
    root = drive["root"]
    assert root["id"] == drive_id
    assert root["webDavUrl"].endswith("/dav/spaces/" + quote(drive_id, safe=""))
    remote = root["remoteItem"]
    assert remote["id"] == docs
    assert remote["name"] == "Project Docs"
    assert remote["path"] == "/Project Docs"
    assert remote["size"] == 5
    assert remote["folder"] == {} and "file" not in remote
    assert remote["driveAlias"] == "personal/alan"
    assert remote["rootId"] == f"{alan.drive}!{alan.id}"
    assert remote["webDavUrl"].endswith(f"/dav/spaces/{quote(docs, safe='')}")
    assert root["eTag"] == remote["eTag"]
    assert remote["lastModifiedDateTime"].endswith("Z")
    # the same through v1beta1 and /drives, and on its own
    assert _mountpoints(mary, f"{BETA}/me/drives") == [drive]
    assert _mountpoints(mary, "/graph/v1.0/drives") == [drive]
    response = mary.get(f"/graph/v1.0/drives/{quote(drive_id, safe='')}")
    assert response.status_code == 200, response.text
    assert response.json() == drive
    # the sharer has no mountpoint of their own share
    assert _mountpoints(alan) == []
    # root.webDavUrl is where the share is synced
    path = root["webDavUrl"].split("/dav/", 1)[1]
    listing = mary.request("PROPFIND", f"/remote.php/dav/{path}/", headers={"Depth": "1"})
    assert listing.status_code == 207, listing.text
    assert "a.txt" in listing.text


def test_the_root_etag_follows_the_shared_item(alan: As, mary: As) -> None:
    docs = alan.mkdir("/docs")
    alan.share(docs, mary)
    (before,) = _mountpoints(mary)
    alan.put("/docs/new.txt")
    (after,) = _mountpoints(mary)
    assert after["root"]["eTag"] != before["root"]["eTag"]


def test_a_shared_file_carries_its_mime_type(alan: As, mary: As) -> None:
    alan.share(alan.put("/notes.txt"), mary)
    (drive,) = _mountpoints(mary)
    assert drive["name"] == "notes.txt"
    assert drive["root"]["remoteItem"]["file"] == {"mimeType": "text/plain"}
    assert "folder" not in drive["root"]["remoteItem"]


def test_the_mount_name_is_the_drive_name(alan: As, mary: As) -> None:
    permission = alan.share(alan.mkdir("/docs"), mary)
    response = mary.patch(_jail_item(permission), json={"name": "From Alan"})
    assert response.status_code == 200, response.text
    (drive,) = _mountpoints(mary)
    assert drive["name"] == "From Alan"
    assert drive["driveAlias"] == "mountpoint/from-alan"
    assert drive["root"]["remoteItem"]["name"] == "docs"


def test_same_names_are_told_apart_as_in_the_shares_drive(alan: As, mary: As, lynn: As) -> None:
    alan.share(alan.mkdir("/docs"), mary)
    lynn.share(lynn.mkdir("/docs"), mary)
    names = sorted(d["name"] for d in _mountpoints(mary))
    assert names == ["docs", "docs (2)"]


def test_a_declined_share_is_no_mountpoint(alan: As, mary: As) -> None:
    permission = alan.share(alan.mkdir("/docs"), mary)
    assert mary.delete(_jail_item(permission)).status_code == 204
    assert _mountpoints(mary) == []
    drive_id = quote(f"{SHARES_DRIVE}!{permission['id']}", safe="")
    error(mary.get(f"/graph/v1.0/drives/{drive_id}"), 404, "itemNotFound")
    # accepted again, it is back
    docs = alan.item_id("/docs")
    response = mary.post(
        f"{BETA}/drives/{SHARES_DRIVE}/root/children", json={"remoteItem": {"id": docs}}
    )
    assert response.status_code == 201, response.text
    assert [d["root"]["remoteItem"]["id"] for d in _mountpoints(mary)] == [docs]


def test_a_group_share_is_a_mountpoint_per_member(
    alan: As, lynn: As, ruth: As, readers: str
) -> None:
    docs = alan.mkdir("/docs")
    alan.share(docs, ("group", readers))
    for member in (lynn, ruth):
        (drive,) = _mountpoints(member)
        assert drive["root"]["remoteItem"]["id"] == docs


def test_filter_on_mountpoint(alan: As, mary: As) -> None:
    permission = alan.share(alan.mkdir("/docs"), mary)
    response = mary.get("/graph/v1.0/me/drives", params={"$filter": "driveType eq 'mountpoint'"})
    assert response.status_code == 200
    value = response.json()["value"]
    assert [d["id"] for d in value] == [f"{SHARES_DRIVE}!{permission['id']}"]
    others = mary.get("/graph/v1.0/me/drives", params={"$filter": "driveType eq 'personal'"})
    assert [d["driveType"] for d in others.json()["value"]] == ["personal"]


def test_a_share_from_a_project_space(alan: As, mary: As) -> None:
    drive = alan.create_space("Apollo")
    folder = alan.mkdir("/plans", drive=drive)
    alan.share(folder, mary)
    (mounted,) = _mountpoints(mary)
    remote = mounted["root"]["remoteItem"]
    assert remote["driveAlias"] == "project/apollo"
    assert remote["rootId"] == f"{drive}!{drive.partition('$')[2]}"
    assert "owner" not in mounted


def test_someone_elses_mountpoint_is_404(alan: As, mary: As, lynn: As) -> None:
    permission = alan.share(alan.mkdir("/docs"), mary)
    drive_id = quote(f"{SHARES_DRIVE}!{permission['id']}", safe="")
    error(lynn.get(f"/graph/v1.0/drives/{drive_id}"), 404, "itemNotFound")
    error(
        mary.get(f"/graph/v1.0/drives/{quote(SHARES_DRIVE, safe='')}!nonsense"), 404, "itemNotFound"
    )


def test_the_remote_item_of_a_mountpoint_opens_for_its_recipient(alan: As, mary: As) -> None:
    """``root.remoteItem.webDavUrl`` is the shared item by its id (OpenCloud
    builds it from the resource id), which the recipient may open; a URL of
    the owner's space and path is a 404 for them and names the owner's
    folders above the share."""
    alan.mkdir("/Private")
    docs = alan.mkdir("/Private/Docs")
    alan.put("/Private/Docs/a.txt", b"12345")
    alan.share(docs, mary, role=EDITOR)
    (drive,) = _mountpoints(mary)
    remote = drive["root"]["remoteItem"]
    assert "Private" not in remote["webDavUrl"]
    assert remote["path"] == "/Docs"  # from the shared item on, as for oc:meta-path-for-user
    assert "Private" not in json.dumps(drive)
    path = remote["webDavUrl"].split("/dav/", 1)[1]
    listing = mary.request("PROPFIND", f"/remote.php/dav/{path}/", headers={"Depth": "1"})
    assert listing.status_code == 207, listing.text
    assert "a.txt" in listing.text
