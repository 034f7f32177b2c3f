"""OCS ``tokeninfo/unprotected`` and ``tokeninfo/protected``, and the
``/s/{token}`` page a link's ``webUrl`` opens."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pytest

from .conftest import LINK_PASSWORD

if TYPE_CHECKING:
    from .conftest import As

BASE = "/ocs/v2.php/apps/files_sharing/api/v1/tokeninfo"


def _info(user: As, kind: str, token: str, **kw: Any) -> Any:
    response = user.client.get(f"{BASE}/{kind}/{token}?format=json", **kw)
    assert response.status_code == 200, response.text
    return response.json()["ocs"]["data"]


def test_a_protected_link_tells_only_that_without_its_password(alan: As, folder: str) -> None:
    link = alan.link("/pub", "view")
    data = _info(alan, "unprotected", link.token)
    assert data["password_protected"] is True
    assert data["link_url"] == f"/s/{link.token}"
    assert (data["token"], data["alias_link"], data["id"], data["opaque_id"]) == (
        link.token,
        False,
        "",
        "",
    )
    opened = _info(alan, "unprotected", link.token, auth=("public", LINK_PASSWORD))
    assert opened["password_protected"] is False
    assert opened["id"] == alan.item_id("/pub")
    assert opened["opaque_id"] == link.node and opened["space_id"] == link.space
    assert opened["storage_id"] == alan.files.storage_id
    assert opened["space_type"] == ""  # the unprotected form never says where
    wrong = _info(alan, "unprotected", link.token, auth=("public", "wrong-pass"))
    assert wrong["password_protected"] is True and wrong["id"] == ""


def test_an_open_and_an_internal_link(alan: As, folder: str) -> None:
    alan.links.must_have_password = False
    open_link = alan.link("/pub/a.txt", "view", password="")
    data = _info(alan, "unprotected", open_link.token)
    assert data["password_protected"] is False
    assert data["id"] == alan.item_id("/pub/a.txt")
    internal = alan.link("/pub", "internal", password="")
    assert _info(alan, "unprotected", internal.token)["alias_link"] is True


def test_the_protected_form_says_where_for_who_can_reach_it(
    alan: As, mary: As, folder: str
) -> None:
    alan.links.must_have_password = False
    link = alan.link("/pub", "view", password="")
    mine = _info(alan, "protected", link.token, headers=alan.headers)
    assert mine["space_type"] == "personal"
    assert mine["space_alias"] == "personal/alan"
    assert mine["space_path"] == "/pub"
    assert mine["space_url"] == f"personal/alan/{link.node}"
    theirs = _info(mary, "protected", link.token, headers=mary.headers)
    assert theirs["id"] == alan.item_id("/pub") and theirs["space_type"] == ""
    protected = alan.link("/pub", "view")
    assert (
        _info(alan, "protected", protected.token, headers=alan.headers)["password_protected"]
        is True
    )


@pytest.mark.parametrize("version", ["v1", "v2"])
def test_unknown_expired_and_deleted_tokens_are_404(alan: As, folder: str, version: str) -> None:
    alan.links.must_have_password = False
    deleted = alan.link("/pub", "view", password="")
    alan.links.delete(alan.principal(), deleted.id)
    expired = alan.link("/pub", "view", password="")
    expired.expires = 1
    base = BASE.replace("v2", version)
    for token in ("A" * 32, deleted.token, expired.token):
        response = alan.client.get(f"{base}/unprotected/{token}?format=json")
        meta = response.json()["ocs"]["meta"]
        assert meta["statuscode"] == 998 if version == "v1" else 404, response.text
        assert response.status_code == (200 if version == "v1" else 404)
        assert meta["message"] == "no such public link"


def test_the_protected_form_needs_a_login(alan: As, folder: str) -> None:
    link = alan.link("/pub", "view")
    assert alan.client.get(f"{BASE}/protected/{link.token}").status_code == 401


def test_wrong_passwords_are_throttled_here_too(alan: As, folder: str) -> None:
    link = alan.link("/pub", "view")
    for _ in range(alan.links.throttle.attempts):
        _info(alan, "unprotected", link.token, auth=("public", "wrong-pass"))
    blocked = alan.client.get(
        f"{BASE}/unprotected/{link.token}?format=json", auth=("public", LINK_PASSWORD)
    )
    assert blocked.status_code == 429
    assert "Retry-After" in blocked.headers


def test_a_malformed_authorization_is_refused(alan: As, folder: str) -> None:
    link = alan.link("/pub", "view")
    response = alan.client.get(
        f"{BASE}/unprotected/{link.token}?format=json", headers={"Authorization": "Basic %%%"}
    )
    assert response.status_code == 401
    assert "base64" in response.json()["ocs"]["meta"]["message"]


# ---------------------------------------------------------------- /s/{token}


def test_the_link_page_says_what_to_do(alan: As, folder: str) -> None:
    link = alan.link("/pub", "upload")
    page = alan.client.get(f"/s/{link.token}")
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    assert page.headers["Cache-Control"] == "no-store"
    assert page.headers["Referrer-Policy"] == "no-referrer"
    origin = alan.client.app_state["public_url"]
    dav = f"{origin}/remote.php/dav/public-files/{link.token}/"
    assert page.headers["Link"] == f'<{dav}>; rel="alternate"'
    assert dav in page.text and "password" in page.text
    assert "pub" not in page.text.replace("public-files", "")  # not even the item's name


def test_the_link_page_of_a_gone_link_is_404(alan: As, folder: str) -> None:
    link = alan.link("/pub", "view")
    alan.links.delete(alan.principal(), link.id)
    for token in (link.token, "nothing", "<script>"):
        page = alan.client.get(f"/s/{token}")
        assert page.status_code == 404
        assert "<script>" not in page.text
        assert page.headers["content-type"].startswith("text/html")


def test_the_old_index_php_form_redirects(alan: As, folder: str) -> None:
    link = alan.link("/pub", "view")
    moved = alan.client.get(f"/index.php/s/{link.token}", follow_redirects=False)
    assert moved.status_code == 301
    assert moved.headers["Location"].endswith(f"/s/{link.token}")
