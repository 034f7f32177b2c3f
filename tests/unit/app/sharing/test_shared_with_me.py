"""What recipients and sharers see: ``sharedWithMe``, ``sharedByMe``, the
virtual Shares drive, and accepting, declining, hiding and renaming a share
through the share jail (``/graph/v1beta1/drives/{jail}/…``)."""

from __future__ import annotations

from typing import Any

from opencloud.services.shares.service import SharesService

from .conftest import BETA, EDITOR, JAIL, SHARES_DRIVE, VIEWER, As, error


def _shares_drive(user: As, url: str = "/graph/v1.0/me/drives") -> dict[str, Any]:
    response = user.get(url)
    assert response.status_code == 200, response.text
    (drive,) = [d for d in response.json()["value"] if d["driveType"] == "virtual"]
    assert isinstance(drive, dict)
    return drive


def test_shared_with_me_describes_the_item(alan: As, mary: As) -> None:
    docs = alan.mkdir("/docs")
    alan.put("/docs/a.txt", b"12345")
    permission = alan.share(docs, mary, role=EDITOR)
    (item,) = mary.shared_with_me()
    assert item["id"] == f"{SHARES_DRIVE}!{permission['id']}"
    assert item["name"] == "docs"
    assert item["@client.synchronize"] is True
    assert item["@UI.Hidden"] is False
    assert item["parentReference"] == {
        "driveId": SHARES_DRIVE,
        "driveType": "virtual",
        "id": f"{SHARES_DRIVE}!{JAIL}",
    }
    assert item["folder"] == {} and "file" not in item
    assert item["createdBy"] == {"user": {"id": alan.id, "displayName": "Alan"}}
    remote = item["remoteItem"]
    assert remote["id"] == docs
    assert remote["name"] == "docs"
    assert remote["size"] == 5
    assert remote["eTag"] == item["eTag"] and remote["eTag"].startswith('"')
    assert remote["parentReference"] == {"driveId": alan.drive, "driveType": "personal"}
    assert remote["createdBy"] == {"user": {"id": alan.id, "displayName": "Alan"}}
    assert remote["permissions"] == [permission]
    # the sharer sees nothing received, the recipient nothing given
    assert alan.shared_with_me() == [] and mary.shared_by_me() == []


def test_a_file_carries_its_mime_type(alan: As, mary: As) -> None:
    alan.share(alan.put("/notes.txt"), mary)
    (item,) = mary.shared_with_me()
    assert item["file"] == {"mimeType": "text/plain"}
    assert item["remoteItem"]["file"] == {"mimeType": "text/plain"}


def test_shared_by_me_lists_each_item_with_its_shares(
    alan: As, mary: As, lynn: As, readers: str
) -> None:
    docs = alan.mkdir("/docs")
    first = alan.share(docs, mary)
    second = alan.share(docs, ("group", readers), role=EDITOR)
    report = alan.put("/docs/report.txt")
    third = alan.share(report, lynn)
    items = {i["id"]: i for i in alan.shared_by_me()}
    assert set(items) == {docs, report}
    assert [p["id"] for p in items[docs]["permissions"]] == [first["id"], second["id"]]
    assert [p["id"] for p in items[report]["permissions"]] == [third["id"]]
    assert items[report]["parentReference"] == {
        "driveId": alan.drive,
        "driveType": "personal",
        "id": docs,
    }
    # lynn receives the folder through her group and the file herself
    assert {i["remoteItem"]["id"] for i in lynn.shared_with_me()} == {docs, report}


def test_one_item_shared_twice_with_me_is_one_item(alan: As, lynn: As, readers: str) -> None:
    docs = alan.mkdir("/docs")
    alan.share(docs, lynn)
    alan.share(docs, ("group", readers))
    (item,) = lynn.shared_with_me()
    assert len(item["remoteItem"]["permissions"]) == 2


def test_every_user_has_the_shares_drive(alan: As, mary: As) -> None:
    for url in ("/graph/v1.0/me/drives", f"{BETA}/me/drives", "/graph/v1.0/drives"):
        drive = _shares_drive(mary, url)
        assert drive["id"] == SHARES_DRIVE
        assert drive["name"] == "Shares"
        assert drive["driveAlias"] == "virtual/shares"
        assert drive["root"]["webDavUrl"].endswith(f"/dav/spaces/{SHARES_DRIVE}")
        assert drive["root"]["id"] == f"{SHARES_DRIVE}!{JAIL}"
        assert "quota" not in drive and "owner" not in drive
    filtered = mary.get("/graph/v1.0/me/drives", params={"$filter": "driveType eq 'virtual'"})
    assert [d["id"] for d in filtered.json()["value"]] == [SHARES_DRIVE]
    response = mary.get(f"/graph/v1.0/drives/{SHARES_DRIVE}")
    assert response.status_code == 200
    assert response.json()["id"] == SHARES_DRIVE


def test_the_shares_drive_etag_follows_shares_and_their_content(alan: As, mary: As) -> None:
    empty = _shares_drive(mary)["root"]["eTag"]
    docs = alan.mkdir("/docs")
    permission = alan.share(docs, mary)
    shared = _shares_drive(mary)["root"]["eTag"]
    assert shared != empty
    alan.put("/docs/new.txt")
    changed = _shares_drive(mary)["root"]["eTag"]
    assert changed != shared
    item = f"{BETA}/drives/{SHARES_DRIVE}/items/{SHARES_DRIVE}!{permission['id']}"
    assert mary.delete(item).status_code == 204
    assert _shares_drive(mary)["root"]["eTag"] == empty


def test_decline_and_accept_again(alan: As, mary: As, shares: SharesService) -> None:
    docs = alan.mkdir("/docs")
    permission = alan.share(docs, mary)
    jail_item = f"{SHARES_DRIVE}!{permission['id']}"
    assert mary.delete(f"{BETA}/drives/{SHARES_DRIVE}/items/{jail_item}").status_code == 204
    (item,) = mary.shared_with_me()
    assert item["@client.synchronize"] is False
    assert not shares.rights(mary.who, shares.get(permission["id"])).read

    response = mary.post(
        f"{BETA}/drives/{SHARES_DRIVE}/root/children", json={"remoteItem": {"id": docs}}
    )
    assert response.status_code == 201, response.text
    mounted = response.json()
    assert mounted["id"] == jail_item
    assert mounted["@client.synchronize"] is True
    assert mounted["remoteItem"]["id"] == docs
    assert shares.rights(mary.who, shares.get(permission["id"])).read
    assert mary.get(f"{BETA}/drives/{SHARES_DRIVE}/items/{jail_item}").json() == mounted


def test_mount_names_stay_unique(alan: As, mary: As, lynn: As) -> None:
    first = alan.mkdir("/docs")
    alan.share(first, mary)
    lynn_docs = lynn.mkdir("/docs")
    lynn.share(lynn_docs, mary)
    names = sorted(i["name"] for i in mary.shared_with_me())
    assert names == ["docs", "docs (2)"]
    # choosing a taken name when accepting, or renaming onto one, is refused
    response = mary.post(
        f"{BETA}/drives/{SHARES_DRIVE}/root/children",
        json={"remoteItem": {"id": lynn_docs}, "name": "docs"},
    )
    error(response, 409, "nameAlreadyExists")


def test_hide_show_and_rename(alan: As, mary: As) -> None:
    permission = alan.share(alan.mkdir("/docs"), mary)
    url = f"{BETA}/drives/{SHARES_DRIVE}/items/{SHARES_DRIVE}!{permission['id']}"
    response = mary.patch(url, json={"@UI.Hidden": True})
    assert response.status_code == 200, response.text
    assert response.json()["@UI.Hidden"] is True
    assert mary.shared_with_me()[0]["@UI.Hidden"] is True
    assert mary.patch(url, json={"@UI.Hidden": False}).json()["@UI.Hidden"] is False

    renamed = mary.patch(url, json={"name": "From Alan"}).json()
    assert renamed["name"] == "From Alan"
    assert renamed["remoteItem"]["name"] == "docs"
    assert mary.shared_with_me()[0]["name"] == "From Alan"
    # the sharer's item keeps its name
    assert alan.shared_by_me()[0]["name"] == "docs"


def test_a_group_member_answers_for_themselves(alan: As, lynn: As, ruth: As, readers: str) -> None:
    permission = alan.share(alan.mkdir("/docs"), ("group", readers), role=VIEWER)
    url = f"{BETA}/drives/{SHARES_DRIVE}/items/{SHARES_DRIVE}!{permission['id']}"
    assert lynn.delete(url).status_code == 204
    assert lynn.shared_with_me()[0]["@client.synchronize"] is False
    assert ruth.shared_with_me()[0]["@client.synchronize"] is True
