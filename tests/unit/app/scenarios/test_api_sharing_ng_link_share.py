"""apiSharingNgLinkShare: public links through Graph, used through public
WebDAV with OpenCloud's password scheme."""

from __future__ import annotations

import re
import time
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

import httpx2 as httpx

from .conftest import BETA, OC, graph_error

if TYPE_CHECKING:
    from .conftest import Actor, Scenario

PASSWORD = "Link-pass-1!"
NEW_PASSWORD = "Other-pass-2!"


def public(
    actor: Actor, method: str, token: str, path: str = "/", password: str | None = None, **kw: Any
) -> httpx.Response:
    """A request to ``/dav/public-files/{token}{path}``, as the public."""
    if password is not None:
        kw["auth"] = ("public", password)
    return actor.client.request(method, f"/remote.php/dav/public-files/{token}{path}", **kw)


def names_in(response: httpx.Response) -> set[str]:
    assert response.status_code == 207, response.text
    hrefs = re.findall(r"<d:href>([^<]*)</d:href>", response.text)
    return {h.rstrip("/").rsplit("/", 1)[1] for h in hrefs[1:]}


def test_a_password_link_is_used_repassworded_retyped_and_deleted(world: Scenario) -> None:
    """Modelled on apiSharingNgLinkShare/linkShare.feature ("create a link
    share of a folder" with a password), updateLinkShare.feature ("update the
    password of a link share", "update the type of a link share", "set the
    expiration date") and apiSharingNgLinkSharePermission ("public uploads
    to an edit link"), then "remove a link share"."""
    alice = world.user("alice")
    anyone = world.public
    folder = alice.mkdir("/folder")
    alice.put("/folder/textfile.txt", b"public data")
    links = f"{BETA}/drives/{alice.drive}/items/{folder}"

    # When Alice creates a view link with a password (explicit nulls, as the web sends)
    created = alice.post(
        f"{links}/createLink",
        json={
            "type": "view",
            "password": PASSWORD,
            "expirationDateTime": None,
            "displayName": None,
        },
    )
    assert created.status_code == 200, created.text
    link = created.json()
    assert re.fullmatch(r"[a-zA-Z]{15}", link["id"])
    assert link["hasPassword"] is True
    assert link["link"]["type"] == "view"
    assert link["link"]["preventsDownload"] is False
    assert link["link"]["@libre.graph.quickLink"] is False
    token = link["link"]["webUrl"].rsplit("/s/", 1)[1]
    assert PASSWORD not in created.text
    # Then the folder lists it among its permissions, and carries share-type 3
    (listed,) = alice.item_permissions(folder)
    assert listed["id"] == link["id"]
    assert alice.stat("/folder")[f"{OC}share-types"] == "3"

    # When the public opens it without the password: 401 asking for Basic auth
    missing = public(anyone, "PROPFIND", token, headers={"Depth": "1"})
    assert missing.status_code == 401
    assert "ERR_MISSING_BASIC_AUTH" in missing.text
    # with a wrong one: a plain 401
    assert public(anyone, "PROPFIND", token, password="wrong-one").status_code == 401
    # with the right one: the folder and its file
    listing = public(anyone, "PROPFIND", token, password=PASSWORD, headers={"Depth": "1"})
    assert names_in(listing) == {"textfile.txt"}
    assert public(anyone, "GET", token, "/textfile.txt", PASSWORD).content == b"public data"
    # but a view link writes nothing
    refused = public(anyone, "PUT", token, "/new.txt", PASSWORD, content=b"x")
    assert refused.status_code == 403
    assert alice.names("/folder") == {"textfile.txt"}

    # When Alice sets a new password
    url = f"{links}/permissions/{link['id']}"
    changed = alice.post(f"{url}/setPassword", json={"password": NEW_PASSWORD})
    assert changed.status_code == 200, changed.text
    assert changed.json()["hasPassword"] is True
    # Then the old password fails at once, the new one works
    assert public(anyone, "GET", token, "/textfile.txt", PASSWORD).status_code == 401
    assert public(anyone, "GET", token, "/textfile.txt", NEW_PASSWORD).status_code == 200

    # When Alice makes it an edit link with an expiry in a week
    week = (datetime.now(UTC) + timedelta(days=7)).strftime("%Y-%m-%dT%H:%M:%SZ")
    updated = alice.patch(url, json={"link": {"type": "edit"}, "expirationDateTime": week})
    assert updated.status_code == 200, updated.text
    assert updated.json()["link"]["type"] == "edit"
    assert updated.json()["expirationDateTime"][:10] == week[:10]
    assert updated.json()["link"]["webUrl"].endswith(token)  # same link, same token
    # Then the public uploads, overwrites and deletes, as the owner sees
    assert public(anyone, "PUT", token, "/new.txt", NEW_PASSWORD, content=b"n").status_code == 201
    overwrite = public(anyone, "PUT", token, "/textfile.txt", NEW_PASSWORD, content=b"changed")
    assert overwrite.status_code == 204
    assert public(anyone, "DELETE", token, "/new.txt", NEW_PASSWORD).status_code == 204
    assert alice.names("/folder") == {"textfile.txt"}
    assert alice.read("/folder/textfile.txt") == b"changed"
    # but the linked folder itself cannot be deleted through the link
    assert public(anyone, "DELETE", token, "/", NEW_PASSWORD).status_code in (403, 405)

    # When Alice tries an expiry in the past: 400, the week stays
    past = alice.patch(url, json={"expirationDateTime": "2000-01-01T00:00:00Z"})
    graph_error(past, 400, "invalidRequest")
    assert alice.item_permissions(folder)[0]["expirationDateTime"][:10] == week[:10]

    # When Alice deletes the link
    assert alice.delete(url).status_code == 204
    # Then it is gone: the token answers 404, the folder has no permissions
    assert public(anyone, "GET", token, "/textfile.txt", NEW_PASSWORD).status_code == 404
    assert alice.item_permissions(folder) == []
    assert alice.stat("/folder").get(f"{OC}share-types", "") == ""
    graph_error(alice.delete(url), 404, "itemNotFound")


def test_an_expired_link_answers_like_a_deleted_one(world: Scenario) -> None:
    """Modelled on apiSharingNgLinkShare/updateLinkShare.feature ("set the
    expiration date of a link") and the public WebDAV's "access an expired
    public link": after its expiry a link answers 404, like an unknown
    token; clearing the expiry brings it back."""
    alice = world.user("alice")
    anyone = world.public
    item = alice.put("/report.txt", b"numbers").headers["oc-fileid"]
    created = alice.post(
        f"{BETA}/drives/{alice.drive}/items/{item}/createLink",
        json={"type": "view", "password": PASSWORD},
    )
    assert created.status_code == 200, created.text
    link = created.json()
    token = link["link"]["webUrl"].rsplit("/s/", 1)[1]
    url = f"{BETA}/drives/{alice.drive}/items/{item}/permissions/{link['id']}"
    # a link to a file is a folder holding that file alone
    listing = public(anyone, "PROPFIND", token, password=PASSWORD, headers={"Depth": "1"})
    assert names_in(listing) == {"report.txt"}

    # When Alice lets it expire in a second
    soon = (datetime.now(UTC) + timedelta(seconds=1)).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    updated = alice.patch(url, json={"expirationDateTime": soon})
    assert updated.status_code == 200, updated.text
    assert public(anyone, "GET", token, "/report.txt", PASSWORD).status_code == 200
    time.sleep(1.1)
    # Then it answers 404, exactly as an unknown token does
    expired = public(anyone, "GET", token, "/report.txt", PASSWORD)
    unknown = public(anyone, "GET", "x" * 32, "/report.txt", PASSWORD)
    assert expired.status_code == unknown.status_code == 404
    # and its owner still lists it, with the expiry
    (listed,) = alice.item_permissions(item)
    assert listed["expirationDateTime"] == updated.json()["expirationDateTime"]

    # When Alice clears the expiry, the link works again
    cleared = alice.patch(url, json={"expirationDateTime": None})
    assert cleared.status_code == 200, cleared.text
    assert "expirationDateTime" not in cleared.json()
    assert public(anyone, "GET", token, "/report.txt", PASSWORD).content == b"numbers"


def test_a_file_drop_takes_uploads_and_shows_nothing(world: Scenario) -> None:
    """Modelled on apiSharingNgLinkSharePermission/createLinkShare.feature
    ("create a createOnly link") and the file-drop scenarios of
    apiSharingNgLinkShare: uploads go in, nothing is listed or downloaded, a
    taken name is never overwritten; an internal link opens the item only
    for who may reach it anyway."""
    alice = world.user("alice")
    brian = world.user("brian")
    anyone = world.public
    drop = alice.mkdir("/drop")
    alice.put("/drop/existing.txt", b"mine")
    base = f"{BETA}/drives/{alice.drive}/items/{drop}"

    # When Alice makes the folder a file drop (a createOnly link)
    made = alice.post(f"{base}/createLink", json={"type": "createOnly", "password": PASSWORD})
    assert made.status_code == 200, made.text
    token = made.json()["link"]["webUrl"].rsplit("/s/", 1)[1]
    # Then the public sees the root only, and uploads
    assert names_in(public(anyone, "PROPFIND", token, password=PASSWORD)) == set()
    put = public(anyone, "PUT", token, "/existing.txt", PASSWORD, content=b"theirs")
    assert put.status_code == 201
    again = public(anyone, "PUT", token, "/existing.txt", PASSWORD, content=b"again")
    assert again.status_code == 201
    # but never downloads, renames or deletes
    assert public(anyone, "GET", token, "/existing.txt", PASSWORD).status_code == 403
    assert public(anyone, "DELETE", token, "/existing.txt", PASSWORD).status_code == 403
    # and nothing was overwritten: the uploads were numbered beside the file
    assert alice.names("/drop") == {"existing.txt", "existing (2).txt", "existing (3).txt"}
    assert alice.read("/drop/existing.txt") == b"mine"
    assert alice.read("/drop/existing (2).txt") == b"theirs"
    # and an upload link is refused on a file, an edit link without a password too
    file_id = alice.file_id("/drop/existing.txt")
    on_file = alice.post(
        f"{BETA}/drives/{alice.drive}/items/{file_id}/createLink",
        json={"type": "upload", "password": PASSWORD},
    )
    graph_error(on_file, 400, "invalidRequest")
    graph_error(alice.post(f"{base}/createLink", json={"type": "edit"}), 400, "invalidRequest")

    # When Alice makes an internal link (no password allowed)
    graph_error(
        alice.post(f"{base}/createLink", json={"type": "internal", "password": PASSWORD}),
        400,
        "invalidRequest",
    )
    internal = alice.post(f"{base}/createLink", json={"type": "internal"})
    assert internal.status_code == 200, internal.text
    assert internal.json()["hasPassword"] is False
    internal_token = internal.json()["link"]["webUrl"].rsplit("/s/", 1)[1]
    # Then Alice, who reaches it anyway, is sent to it; Brian is not; the public must sign in
    opened = alice.request(
        "PROPFIND",
        f"/remote.php/dav/public-files/{internal_token}/",
        headers={"Depth": "0"},
        follow_redirects=False,
    )
    assert opened.status_code == 307
    assert opened.headers["location"].endswith(drop.replace("$", "%24"))
    denied = brian.request(
        "PROPFIND", f"/remote.php/dav/public-files/{internal_token}/", headers={"Depth": "0"}
    )
    assert denied.status_code == 404
    assert public(anyone, "PROPFIND", internal_token, headers={"Depth": "0"}).status_code == 401
    # and Alice's folder now lists both links
    assert {p["link"]["type"] for p in alice.item_permissions(drop)} == {"createOnly", "internal"}
