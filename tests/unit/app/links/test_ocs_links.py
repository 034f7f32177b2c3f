"""OCS shareType 3: create, list, update, delete public links."""

from __future__ import annotations

from typing import Any

from .conftest import LINK_PASSWORD, OCS, As


def _ocs(user: As, method: str, url: str, **kwargs: Any) -> Any:
    response = user.request(method, url + ("&" if "?" in url else "?") + "format=json", **kwargs)
    assert response.status_code == 200, response.text
    return response.json()["ocs"]["data"]


def test_link_lifecycle(alan: As, folder: str) -> None:
    data = _ocs(
        alan,
        "POST",
        OCS,
        data={
            "path": "/pub",
            "shareType": "3",
            "password": LINK_PASSWORD,
            "publicUpload": "true",
            "expireDate": "2999-12-31",
            "name": "drop here",
        },
    )
    assert data["share_type"] == 3
    assert data["permissions"] == 5  # read + create: upload
    assert data["url"].endswith("/s/" + data["token"])
    assert data["expiration"] == "2999-12-31T23:59:59Z"
    assert data["name"] == "drop here"
    token, link_id = data["token"], data["id"]
    put = alan.client.put(
        f"/dav/public-files/{token}/new.txt", content=b"x", auth=("public", LINK_PASSWORD)
    )
    assert put.status_code == 201
    listed = _ocs(alan, "GET", OCS)
    assert [s["id"] for s in listed if s["share_type"] == 3] == [link_id]
    assert _ocs(alan, "GET", OCS + "?share_types=0") == []
    changed = _ocs(alan, "PUT", f"{OCS}/{link_id}", data={"permissions": "1"})
    assert changed["permissions"] == 1
    _ocs(alan, "PUT", f"{OCS}/{link_id}", data={"password": "Other-pass-2"})
    assert (
        alan.client.get(f"/dav/public-files/{token}/a.txt", auth=("public", "Other-pass-2")).content
        == b"alpha"
    )
    (one,) = _ocs(alan, "GET", f"{OCS}/{link_id}")
    assert one["token"] == token
    _ocs(alan, "DELETE", f"{OCS}/{link_id}")
    assert _ocs(alan, "GET", OCS) == []


def test_link_with_expiry_in_the_past(alan: As, folder: str) -> None:
    response = alan.request(
        "POST",
        OCS + "?format=json",
        data={
            "path": "/pub",
            "shareType": "3",
            "password": LINK_PASSWORD,
            "expireDate": "2001-01-01",
        },
    )
    assert response.status_code == 400
    assert response.json()["ocs"]["meta"]["statuscode"] == 400
    assert _ocs(alan, "GET", OCS) == []


def test_others_cannot_touch_a_link(alan: As, mary: As, folder: str) -> None:
    data = _ocs(
        alan, "POST", OCS, data={"path": "/pub", "shareType": "3", "password": LINK_PASSWORD}
    )
    response = mary.request("DELETE", f"{OCS}/{data['id']}?format=json")
    assert response.status_code == 404
    assert len(_ocs(alan, "GET", OCS)) == 1
