"""Graph createLink, setPassword, the permissions listing, PATCH and DELETE."""

from __future__ import annotations

from typing import Any

import pytest

from opencloud.services.shares.links import LinksService

from .conftest import BETA, LINK_PASSWORD, As


def _public_get(alan: As, token: str, path: str, password: str = LINK_PASSWORD) -> int:
    url = f"/dav/public-files/{token}{path}"
    return alan.client.get(url, auth=("public", password)).status_code


def _token(permission: dict[str, Any]) -> str:
    url: str = permission["link"]["webUrl"]
    assert "/s/" in url
    return url.rpartition("/s/")[2]


def test_create_list_update_delete(alan: As, folder: str) -> None:
    response = alan.create_link(
        folder,
        type="view",
        password=LINK_PASSWORD,
        displayName="for the team",
        expirationDateTime=None,
        **{"@libre.graph.quickLink": None},
    )
    assert response.status_code == 200, response.text
    permission = response.json()
    assert permission["link"]["type"] == "view"
    assert permission["link"]["@libre.graph.displayName"] == "for the team"
    assert permission["link"]["preventsDownload"] is False
    assert permission["hasPassword"] is True
    assert len(permission["id"]) == 15 and permission["id"].isalpha()
    token = _token(permission)
    assert _public_get(alan, token, "/a.txt") == 200
    assert [p["id"] for p in alan.permissions(folder)] == [permission["id"]]
    url = f"{BETA}/drives/{alan.drive}/items/{folder}/permissions/{permission['id']}"
    patched = alan.request(
        "PATCH",
        url,
        json={"link": {"type": "edit"}, "expirationDateTime": "2999-01-01T00:00:00Z"},
    )
    assert patched.status_code == 200, patched.text
    assert patched.json()["link"]["type"] == "edit"
    assert patched.json()["expirationDateTime"] == "2999-01-01T00:00:00Z"
    new_password = alan.request("POST", url + "/setPassword", json={"password": "Other-pass-2"})
    assert new_password.status_code == 200, new_password.text
    assert _public_get(alan, token, "/a.txt") == 401
    assert _public_get(alan, token, "/a.txt", "Other-pass-2") == 200
    assert alan.request("DELETE", url).status_code == 204
    assert alan.permissions(folder) == []
    assert _public_get(alan, token, "/a.txt", "Other-pass-2") == 404


def test_links_on_the_space_root(alan: As) -> None:
    root = f"{BETA}/drives/{alan.drive}/root"
    response = alan.request(
        "POST", f"{root}/createLink", json={"type": "upload", "password": LINK_PASSWORD}
    )
    assert response.status_code == 200, response.text
    listed = alan.request("GET", f"{root}/permissions").json()["value"]
    assert [p["id"] for p in listed] == [response.json()["id"]]
    one = f"{root}/permissions/{response.json()['id']}"
    assert (
        alan.request("POST", f"{one}/setPassword", json={"password": "Other-pass-2"}).status_code
        == 200
    )
    assert alan.request("DELETE", one).status_code == 204


def test_password_is_stored_hashed(alan: As, folder: str) -> None:
    alan.create_link(folder, type="view", password=LINK_PASSWORD)
    links = alan.client.app_state["links"]
    assert isinstance(links, LinksService)
    (link,) = list(links.all())
    assert LINK_PASSWORD not in link.password_hash
    assert link.password_hash.startswith("$argon2id$")


def test_internal_link_has_no_password(alan: As, folder: str) -> None:
    response = alan.create_link(folder, type="internal")
    assert response.status_code == 200, response.text
    assert response.json()["hasPassword"] is False


def test_others_see_no_links_and_cannot_make_them(alan: As, mary: As, folder: str) -> None:
    alan.create_link(folder, type="view", password=LINK_PASSWORD)
    response = mary.create_link(folder, type="view", password=LINK_PASSWORD)
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "itemNotFound"


@pytest.mark.parametrize(
    ("body", "words"),
    [
        (
            {
                "type": "view",
                "password": LINK_PASSWORD,
                "expirationDateTime": "2000-01-01T00:00:00Z",
            },
            "future",
        ),
        ({"type": "viewer", "password": LINK_PASSWORD}, "unknown link type"),
        ({"type": "blocksDownload", "password": LINK_PASSWORD}, "unknown link type"),
        ({"type": "view"}, "password"),
        ({"type": "view", "password": "short"}, "at least"),
        ({"type": "internal", "password": LINK_PASSWORD}, "internal"),
        ({"password": LINK_PASSWORD}, "type"),
        ({"type": 3}, "invalid request body"),
    ],
)
def test_bad_links_change_nothing(alan: As, folder: str, body: dict[str, Any], words: str) -> None:
    response = alan.create_link(folder, **body)
    assert response.status_code == 400, response.text
    assert response.json()["error"]["code"] == "invalidRequest"
    assert words in response.json()["error"]["message"]
    assert alan.permissions(folder) == []


def test_upload_link_on_a_file(alan: As) -> None:
    item = alan.put("/a.txt")
    for link_type in ("upload", "createOnly"):
        response = alan.create_link(item, type=link_type, password=LINK_PASSWORD)
        assert response.status_code == 400
        assert "folder" in response.json()["error"]["message"]
    assert alan.permissions(item) == []


def test_malformed_body(alan: As, folder: str) -> None:
    url = f"{BETA}/drives/{alan.drive}/items/{folder}/createLink"
    response = alan.request("POST", url, content=b"{not json")
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalidRequest"
    assert alan.permissions(folder) == []


def test_unknown_link_permission(alan: As, folder: str) -> None:
    url = f"{BETA}/drives/{alan.drive}/items/{folder}/permissions/abcdefghijklmno"
    assert alan.request("DELETE", url).status_code == 404
    assert alan.request("POST", url + "/setPassword", json={"password": "x" * 9}).status_code == 404


# ---------------------------------------------------------------- sharedByMe


def test_links_show_in_shared_by_me_with_their_link_facet(alan: As, mary: As, folder: str) -> None:
    response = alan.create_link(folder, type="edit", password=LINK_PASSWORD, displayName="team")
    assert response.status_code == 200, response.text
    made = response.json()
    file_link = alan.create_link(alan.item_id("/pub/a.txt"), type="view", password=LINK_PASSWORD)
    assert file_link.status_code == 200, file_link.text
    listed = alan.request("GET", f"{BETA}/me/drive/sharedByMe")
    assert listed.status_code == 200, listed.text
    items = {item["id"]: item for item in listed.json()["value"]}
    assert set(items) == {folder, alan.item_id("/pub/a.txt")}
    (permission,) = items[folder]["permissions"]
    assert permission["id"] == made["id"]
    assert permission["link"]["type"] == "edit"
    assert permission["link"]["@libre.graph.displayName"] == "team"
    assert permission["link"]["webUrl"].endswith("/s/" + _token(made))
    assert permission["hasPassword"] is True
    assert "folder" in items[folder] and "file" in items[alan.item_id("/pub/a.txt")]
    # nobody else's sharedByMe lists them
    assert mary.request("GET", f"{BETA}/me/drive/sharedByMe").json()["value"] == []


def test_an_item_with_shares_and_links_lists_both(alan: As, mary: As, folder: str) -> None:
    invite = alan.request(
        "POST",
        f"{BETA}/drives/{alan.drive}/items/{folder}/invite",
        json={
            "recipients": [{"objectId": mary.id, "@libre.graph.recipient.type": "user"}],
            "roles": ["b1e2218d-eef8-4d4c-b82d-0f1a1b48f3b5"],
        },
    )
    assert invite.status_code == 200, invite.text
    assert alan.create_link(folder, type="view", password=LINK_PASSWORD).status_code == 200
    (item,) = alan.request("GET", f"{BETA}/me/drive/sharedByMe").json()["value"]
    kinds = ["link" if "link" in p else "share" for p in item["permissions"]]
    assert kinds == ["share", "link"]


def test_a_deleted_item_leaves_shared_by_me(alan: As, folder: str) -> None:
    assert alan.create_link(folder, type="view", password=LINK_PASSWORD).status_code == 200
    url = f"/remote.php/dav/spaces/{alan.drive.replace('$', '%24')}/pub"
    assert alan.request("DELETE", url).status_code == 204
    assert alan.request("GET", f"{BETA}/me/drive/sharedByMe").json()["value"] == []
