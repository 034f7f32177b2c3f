"""Who reaches what, and hostile paths: the right 4xx, nothing written."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from .conftest import PASSWORD

if TYPE_CHECKING:
    from .conftest import Dav


def listing(dav: Dav, user: str = "alan") -> list[str]:
    reply = dav.propfind("/remote.php/webdav/", auth=(user, PASSWORD))
    return sorted(reply.text.split("<d:href>")[1:])


def test_no_or_wrong_credentials_are_401_in_sabre_form(dav: Dav) -> None:
    anonymous = dav.client.request("PROPFIND", "/remote.php/webdav/")
    wrong = dav.client.request("PROPFIND", "/remote.php/webdav/", auth=("alan", "wrong"))
    for reply in (anonymous, wrong):
        assert reply.status_code == 401
        assert reply.headers["www-authenticate"].startswith("Basic")
        assert b"Sabre\\DAV\\Exception\\NotAuthenticated" in reply.content


def test_each_user_sees_only_their_own_space(dav: Dav) -> None:
    dav.put("/remote.php/webdav/alans.txt", b"secret")
    mary = ("mary", PASSWORD)
    assert dav.request("GET", "/remote.php/webdav/alans.txt", auth=mary).status_code == 404
    assert dav.propfind("/remote.php/dav/files/alan/", auth=mary).status_code == 404
    assert dav.propfind(dav.space_url + "/", auth=mary).status_code == 404
    assert dav.request("GET", dav.space_url + "/alans.txt", auth=mary).status_code == 404
    assert dav.put(dav.space_url + "/planted.txt", b"x", auth=mary).status_code == 404
    assert dav.request("DELETE", dav.space_url + "/alans.txt", auth=mary).status_code == 404
    assert dav.request("GET", "/remote.php/webdav/alans.txt").content == b"secret"
    assert dav.request("HEAD", "/remote.php/webdav/planted.txt").status_code == 404


def test_unknown_or_malformed_space_ids_are_404(dav: Dav) -> None:
    for space in ("nope", "x%24y", dav.space_id.split("$")[0] + "%24nothere", "%24"):
        assert dav.propfind(f"/dav/spaces/{space}/").status_code == 404


@pytest.mark.parametrize(
    "path",
    [
        "/remote.php/webdav/a%2Fb",  # an encoded slash
        "/remote.php/webdav/a%5cb",  # an encoded backslash
        "/remote.php/webdav/a%00b",
    ],
)
def test_encoded_separators_are_400(dav: Dav, path: str) -> None:
    assert dav.put(path, b"x").status_code == 400
    assert listing(dav) == listing(dav)  # still answers
    assert len(listing(dav)) == 1


@pytest.mark.parametrize(
    "path",
    ["/remote.php/webdav/../x", "/remote.php/webdav/%2e%2e/x", "/remote.php/webdav/a/../../x"],
)
def test_traversal_is_refused(dav: Dav, path: str) -> None:
    # clients normalise dot segments themselves; send them raw
    reply = dav.client.request(
        "PUT", "http://testserver" + path, content=b"x", auth=("alan", PASSWORD)
    )
    assert reply.status_code in (400, 404)
    assert len(listing(dav)) == 1


@pytest.mark.parametrize(
    "name",
    ["a%0Db", "a%0Ab", "a%5Cb", "x" * 256, "%E2%82%AC" * 86],  # \r, \n, \, 256 B, 258 B
)
def test_names_opencloud_refuses_are_400(dav: Dav, name: str) -> None:
    reply = dav.put(f"/remote.php/webdav/{name}", b"x")
    assert reply.status_code == 400
    assert dav.request("MKCOL", f"/remote.php/webdav/{name}").status_code == 400
    assert len(listing(dav)) == 1


def test_unicode_and_spaces_in_names_work(dav: Dav) -> None:
    url = "/remote.php/webdav/%C3%BCber%20alles%20%E2%9C%93.txt"
    assert dav.put(url, b"x").status_code == 201
    assert "%C3%BCber%20alles%20%E2%9C%93.txt" in dav.propfind("/remote.php/webdav/").text
    assert dav.request("GET", url).content == b"x"


def test_move_with_full_url_and_bare_path(dav: Dav) -> None:
    dav.put("/remote.php/webdav/a.txt", b"a")
    full = dav.request(
        "MOVE",
        "/remote.php/webdav/a.txt",
        headers={"Destination": "http://testserver/remote.php/webdav/b.txt"},
    )
    assert full.status_code == 201
    bare = dav.request(
        "MOVE", "/remote.php/webdav/b.txt", headers={"Destination": dav.space_url + "/c.txt"}
    )
    assert bare.status_code == 201
    assert dav.request("GET", "/remote.php/webdav/c.txt").content == b"a"


def test_overwrite_false_is_412_and_keeps_both(dav: Dav) -> None:
    dav.put("/remote.php/webdav/a.txt", b"a")
    dav.put("/remote.php/webdav/b.txt", b"b")
    for method in ("MOVE", "COPY"):
        reply = dav.request(
            method,
            "/remote.php/webdav/a.txt",
            headers={"Destination": "/remote.php/webdav/b.txt", "Overwrite": "F"},
        )
        assert reply.status_code == 412
    assert dav.request("GET", "/remote.php/webdav/a.txt").content == b"a"
    assert dav.request("GET", "/remote.php/webdav/b.txt").content == b"b"


def test_destination_in_another_users_space_is_refused(dav: Dav) -> None:
    dav.put("/remote.php/webdav/a.txt", b"a")
    mary_space = dav.state["files"].space_id(dav.state["auth"].get_user("mary").id)
    target = "/dav/spaces/" + mary_space.replace("$", "%24") + "/stolen.txt"
    for method in ("MOVE", "COPY"):
        reply = dav.request(method, "/remote.php/webdav/a.txt", headers={"Destination": target})
        assert reply.status_code == 404
    assert dav.request("GET", "/remote.php/webdav/a.txt").content == b"a"
    mary = ("mary", PASSWORD)
    assert dav.request("HEAD", "/remote.php/webdav/stolen.txt", auth=mary).status_code == 404


@pytest.mark.parametrize(
    "destination",
    ["/remote.php/webdav/a%2Fb", "/etc/passwd", "not a url", "/remote.php/webdav/../../x"],
)
def test_hostile_destinations_are_refused(dav: Dav, destination: str) -> None:
    dav.put("/remote.php/webdav/a.txt", b"a")
    reply = dav.request("MOVE", "/remote.php/webdav/a.txt", headers={"Destination": destination})
    assert 400 <= reply.status_code < 500
    assert dav.request("GET", "/remote.php/webdav/a.txt").content == b"a"


def test_mkcol_rules(dav: Dav) -> None:
    assert dav.request("MKCOL", "/remote.php/webdav/d").status_code == 201
    assert dav.request("MKCOL", "/remote.php/webdav/d").status_code == 405
    assert dav.request("MKCOL", "/remote.php/webdav/x/y").status_code == 409
    with_body = dav.request("MKCOL", "/remote.php/webdav/e", content=b"<x/>")
    assert with_body.status_code == 415


def test_delete_goes_to_the_trash(dav: Dav) -> None:
    dav.put("/remote.php/webdav/a.txt", b"a")
    assert dav.request("DELETE", "/remote.php/webdav/a.txt").status_code == 204
    assert dav.request("DELETE", "/remote.php/webdav/a.txt").status_code == 404
    alan = dav.state["auth"].get_user("alan")
    trash = dav.state["files"].list_trash(alan.id)
    assert [item.original_path for item in trash] == ["/a.txt"]


def test_reserved_root_names_are_refused(dav: Dav) -> None:
    for name in (".oc-nodes", ".oc-tmp", ".Trash"):
        assert dav.request("MKCOL", f"/remote.php/webdav/{name}").status_code == 400
        assert dav.put(f"/remote.php/webdav/{name}", b"x").status_code == 400


def test_options(dav: Dav) -> None:
    reply = dav.request("OPTIONS", "/remote.php/webdav/")
    assert reply.status_code == 200
    assert reply.headers["dav"] == "1, 2"
    assert reply.headers["tus-version"] == "1.0.0"
    assert "PROPFIND" in reply.headers["allow"]


def test_created_items_carry_their_ids(dav: Dav) -> None:
    made = dav.request("MKCOL", "/remote.php/webdav/d")
    assert made.status_code == 201
    assert made.headers["oc-fileid"].startswith(dav.space_id + "!")
    assert len(made.headers.get_list("date")) <= 1  # the HTTP server adds the one
    dav.put("/remote.php/webdav/a.txt", b"a")
    moved = dav.request(
        "MOVE", "/remote.php/webdav/a.txt", headers={"Destination": "/remote.php/webdav/d/a.txt"}
    )
    assert moved.status_code == 201
    listing = dav.propfind("/remote.php/webdav/d/a.txt", depth="0").text
    assert moved.headers["oc-fileid"] in listing
