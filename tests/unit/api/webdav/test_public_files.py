"""Public links over WebDAV: ``/dav/public-files/{token}/…``.

Links are made through the service (Graph and OCS have their own tests);
requests go through the app without a login, with Basic ``public:<password>``.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

import httpx2 as httpx
import pytest

from opencloud.core.ids import NodeId, SpaceId
from opencloud.services.shares.links import Link, LinksService
from opencloud.storage.types import Ref

from .conftest import PASSWORD

if TYPE_CHECKING:
    from .conftest import Dav

LINK_PASSWORD = "Link-pass-1"


def _links(dav: Dav) -> LinksService:
    links = dav.state["links"]
    assert isinstance(links, LinksService)
    return links


def make_link(dav: Dav, path: str, link_type: str, *, password: str = LINK_PASSWORD) -> Link:
    files = dav.state["files"]
    auth = dav.state["auth"]
    alan = auth.principal("alan")
    space = SpaceId(dav.space_id.partition("$")[2])
    node = files.stat(Ref(space, path))
    return _links(dav).create(alan, space, NodeId(node.id), link_type=link_type, password=password)


def public(
    dav: Dav, method: str, url: str, *, password: str | None = LINK_PASSWORD, **kw: Any
) -> httpx.Response:
    if password is not None:
        kw["auth"] = ("public", password)
    return dav.client.request(method, url, **kw)


@pytest.fixture
def folder(dav: Dav) -> str:
    """alan's /pub with a.txt and sub/b.txt."""
    assert dav.request("MKCOL", f"{dav.space_url}/pub").status_code == 201
    assert dav.request("MKCOL", f"{dav.space_url}/pub/sub").status_code == 201
    assert dav.put(f"{dav.space_url}/pub/a.txt", b"alpha").status_code == 201
    assert dav.put(f"{dav.space_url}/pub/sub/b.txt", b"beta").status_code == 201
    return "/pub"


def _hrefs(response: httpx.Response) -> list[str]:
    return re.findall(r"<d:href>([^<]*)</d:href>", response.text)


def test_view_link_lists_and_reads(dav: Dav, folder: str) -> None:
    link = make_link(dav, folder, "view")
    base = f"/remote.php/dav/public-files/{link.token}"
    listing = public(dav, "PROPFIND", base + "/", headers={"Depth": "1"})
    assert listing.status_code == 207, listing.text
    hrefs = _hrefs(listing)
    assert hrefs[0] == base + "/"
    assert f"{base}/a.txt" in hrefs and f"{base}/sub/" in hrefs
    got = public(dav, "GET", f"{base}/sub/b.txt")
    assert got.status_code == 200 and got.content == b"beta"
    assert public(dav, "HEAD", f"/dav/public-files/{link.token}/a.txt").status_code == 200
    # a view link changes nothing
    assert public(dav, "PUT", f"{base}/new.txt", content=b"x").status_code == 403
    assert public(dav, "DELETE", f"{base}/a.txt").status_code == 403
    assert public(dav, "MKCOL", f"{base}/new").status_code == 403
    assert dav.request("GET", f"{dav.space_url}/pub/a.txt").content == b"alpha"


def test_edit_link_writes(dav: Dav, folder: str) -> None:
    link = make_link(dav, folder, "edit")
    base = f"/dav/public-files/{link.token}"
    assert public(dav, "PUT", f"{base}/new.txt", content=b"new").status_code == 201
    assert public(dav, "PUT", f"{base}/a.txt", content=b"changed").status_code == 204
    assert public(dav, "MKCOL", f"{base}/made").status_code == 201
    moved = public(dav, "MOVE", f"{base}/new.txt", headers={"Destination": f"{base}/made/n.txt"})
    assert moved.status_code == 201, moved.text
    copied = public(dav, "COPY", f"{base}/a.txt", headers={"Destination": f"{base}/copy.txt"})
    assert copied.status_code == 201, copied.text
    assert public(dav, "DELETE", f"{base}/sub").status_code == 204
    assert dav.request("GET", f"{dav.space_url}/pub/made/n.txt").content == b"new"
    assert dav.request("GET", f"{dav.space_url}/pub/copy.txt").content == b"changed"
    # the linked folder itself cannot be deleted or moved away
    assert public(dav, "DELETE", base).status_code == 403
    # COPY/MOVE stay inside the link
    outside = public(
        dav, "COPY", f"{base}/a.txt", headers={"Destination": f"{dav.space_url}/x.txt"}
    )
    assert outside.status_code == 400


def test_upload_link_adds_but_does_not_overwrite(dav: Dav, folder: str) -> None:
    link = make_link(dav, folder, "upload")
    base = f"/dav/public-files/{link.token}"
    assert public(dav, "PUT", f"{base}/up.txt", content=b"up").status_code == 201
    assert public(dav, "PUT", f"{base}/a.txt", content=b"no").status_code == 403
    assert public(dav, "DELETE", f"{base}/a.txt").status_code == 403
    assert public(dav, "GET", f"{base}/a.txt").content == b"alpha"


def test_create_only_link_is_a_file_drop(dav: Dav, folder: str) -> None:
    link = make_link(dav, folder, "createOnly")
    base = f"/dav/public-files/{link.token}"
    listing = public(dav, "PROPFIND", base, headers={"Depth": "1"})
    assert listing.status_code == 207, listing.text
    assert _hrefs(listing) == [base + "/"]
    assert public(dav, "PUT", f"{base}/drop.txt", content=b"dropped").status_code == 201
    assert public(dav, "GET", f"{base}/a.txt").status_code == 403
    assert public(dav, "GET", f"{base}/drop.txt").status_code == 403
    # a taken name is stored beside what holds it, as OpenCloud does
    assert public(dav, "PUT", f"{base}/a.txt", content=b"over").status_code == 201
    assert dav.request("GET", f"{dav.space_url}/pub/a.txt").content == b"alpha"
    assert dav.request("GET", f"{dav.space_url}/pub/a (2).txt").content == b"over"
    assert public(dav, "DELETE", f"{base}/a.txt").status_code == 403
    moved = public(dav, "MOVE", f"{base}/a.txt", headers={"Destination": f"{base}/z.txt"})
    assert moved.status_code == 403
    assert public(dav, "PROPFIND", f"{base}/sub", headers={"Depth": "1"}).status_code == 403
    assert dav.request("GET", f"{dav.space_url}/pub/drop.txt").content == b"dropped"


def test_file_link_is_a_folder_with_one_file(dav: Dav, folder: str) -> None:
    link = make_link(dav, "/pub/a.txt", "view")
    base = f"/dav/public-files/{link.token}"
    listing = public(dav, "PROPFIND", base, headers={"Depth": "1"})
    assert listing.status_code == 207, listing.text
    assert _hrefs(listing) == [base + "/", base + "/a.txt"]
    assert public(dav, "GET", f"{base}/a.txt").content == b"alpha"
    assert public(dav, "GET", f"{base}/sub/b.txt").status_code == 404
    assert public(dav, "PUT", f"{base}/other.txt", content=b"x").status_code == 404


def test_edit_link_on_a_file_overwrites_only_it(dav: Dav, folder: str) -> None:
    link = make_link(dav, "/pub/a.txt", "edit")
    base = f"/dav/public-files/{link.token}"
    assert public(dav, "PUT", f"{base}/a.txt", content=b"new").status_code == 204
    assert public(dav, "DELETE", f"{base}/a.txt").status_code == 403
    assert public(dav, "PROPPATCH", base, content=b"").status_code == 403


# ---------------------------------------------------------------- passwords


def test_missing_password_asks_for_basic_auth(dav: Dav, folder: str) -> None:
    link = make_link(dav, folder, "view")
    response = public(dav, "PROPFIND", f"/dav/public-files/{link.token}", password=None)
    assert response.status_code == 401
    assert "<s:errorcode>ERR_MISSING_BASIC_AUTH</s:errorcode>" in response.text
    assert "<d:error" in response.text


def test_wrong_password_is_a_plain_401(dav: Dav, folder: str) -> None:
    link = make_link(dav, folder, "view")
    response = public(dav, "GET", f"/dav/public-files/{link.token}/a.txt", password="wrong-one")
    assert response.status_code == 401
    assert "ERR_MISSING_BASIC_AUTH" not in response.text
    # any username works with the right password
    other = dav.client.get(f"/dav/public-files/{link.token}/a.txt", auth=("x", LINK_PASSWORD))
    assert other.status_code == 200
    # the account password is no link password
    assert (
        public(dav, "GET", f"/dav/public-files/{link.token}/a.txt", password=PASSWORD).status_code
        == 401
    )


def test_wrong_passwords_are_throttled(dav: Dav, folder: str) -> None:
    link = make_link(dav, folder, "view")
    url = f"/dav/public-files/{link.token}/a.txt"
    for _ in range(_links(dav).throttle.attempts):
        assert public(dav, "GET", url, password="wrong-one").status_code == 401
    blocked = public(dav, "GET", url)  # even the right one, for a while
    assert blocked.status_code == 429
    assert int(blocked.headers["Retry-After"]) >= 1


def test_link_without_password_when_not_enforced(dav: Dav, folder: str) -> None:
    _links(dav).must_have_password = False
    link = make_link(dav, folder, "view", password="")
    response = public(dav, "GET", f"/dav/public-files/{link.token}/a.txt", password=None)
    assert response.status_code == 200


def test_new_password_replaces_the_old(dav: Dav, folder: str) -> None:
    link = make_link(dav, folder, "view")
    alan = dav.state["auth"].principal("alan")
    _links(dav).set_password(alan, link.id, "Other-pass-2")
    url = f"/dav/public-files/{link.token}/a.txt"
    assert public(dav, "GET", url).status_code == 401
    assert public(dav, "GET", url, password="Other-pass-2").status_code == 200


# ---------------------------------------------------------------- gone and guessed


def test_unknown_expired_and_deleted_links_look_the_same(dav: Dav, folder: str) -> None:
    links = _links(dav)
    alan = dav.state["auth"].principal("alan")
    deleted = make_link(dav, folder, "view")
    links.delete(alan, deleted.id)
    expired = make_link(dav, folder, "view")
    expired.expires = 1  # long past
    messages = set()
    for token in (deleted.token, expired.token, "A" * 32, "guess"):
        response = public(dav, "PROPFIND", f"/dav/public-files/{token}/", headers={"Depth": "0"})
        assert response.status_code == 404, token
        messages.add(re.sub(r"<s:exception>.*?</s:exception>", "", response.text))
    assert len(messages) == 1


def test_link_to_a_deleted_item_is_gone(dav: Dav, folder: str) -> None:
    link = make_link(dav, folder, "view")
    assert dav.request("DELETE", f"{dav.space_url}/pub").status_code == 204
    assert public(dav, "PROPFIND", f"/dav/public-files/{link.token}").status_code == 404


@pytest.mark.parametrize(
    "tail", ["/../a.txt", "/sub/../../x", "/%2e%2e/a.txt", "/sub%2f..%2fa.txt", "/a%00.txt"]
)
def test_traversal_is_refused(dav: Dav, folder: str, tail: str) -> None:
    link = make_link(dav, "/pub/sub", "view")
    response = public(dav, "GET", f"/dav/public-files/{link.token}{tail}")
    assert response.status_code in (400, 404), response.text
    assert b"alpha" not in response.content


def test_tokens_are_long_and_random(dav: Dav, folder: str) -> None:
    tokens = {make_link(dav, folder, "view").token for _ in range(3)}
    assert len(tokens) == 3
    assert all(len(t) >= 22 and t.isalnum() for t in tokens)


# ---------------------------------------------------------------- internal links


def test_internal_link_redirects_who_can_reach_the_item(dav: Dav, folder: str) -> None:
    link = make_link(dav, folder, "internal", password="")
    url = f"/remote.php/dav/public-files/{link.token}"
    anonymous = dav.client.request("PROPFIND", url)
    assert anonymous.status_code == 401
    owner = dav.request("PROPFIND", url, follow_redirects=False)
    assert owner.status_code == 307
    assert owner.headers["Location"].startswith("/remote.php/dav/spaces/")
    stranger = dav.client.request("PROPFIND", url, auth=("mary", PASSWORD), follow_redirects=False)
    assert stranger.status_code == 404


def test_options_needs_no_login(dav: Dav, folder: str) -> None:
    assert dav.client.options("/dav/public-files/whatever").status_code == 200
