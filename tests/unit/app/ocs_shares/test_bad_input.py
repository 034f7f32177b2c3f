"""Bad input to the OCS share API: the OCS failure form with the right code,
and nothing changed."""

from __future__ import annotations

import time

import pytest

from opencloud.api.ocs.shares import parse_expiry

from .conftest import API, User


@pytest.fixture
def item(alice: User, bob: User) -> str:
    alice.put_file("/item.txt")
    return "/item.txt"


def _nothing_shared(alice: User) -> None:
    assert alice.ocs("GET", "/shares") == []


@pytest.mark.parametrize(
    ("body", "status", "words"),
    [
        ({"path": "/item.txt", "shareType": "0", "shareWith": "nobody"}, 404, "no user"),
        ({"path": "/item.txt", "shareType": "1", "shareWith": "nogroup"}, 404, "no group"),
        ({"path": "/item.txt", "shareType": "0", "shareWith": "alice"}, 400, "yourself"),
        ({"path": "/missing.txt", "shareType": "0", "shareWith": "bob"}, 404, ""),
        (
            {"path": "/item.txt", "shareType": "0", "shareWith": "bob", "permissions": "0"},
            400,
            "between 1 and 31",
        ),
        (
            {"path": "/item.txt", "shareType": "0", "shareWith": "bob", "permissions": "32"},
            400,
            "between 1 and 31",
        ),
        (
            {"path": "/item.txt", "shareType": "0", "shareWith": "bob", "permissions": "64"},
            400,
            "between 1 and 31",
        ),
        (
            {"path": "/item.txt", "shareType": "0", "shareWith": "bob", "permissions": "read"},
            400,
            "must be a number",
        ),
        (
            {"path": "/item.txt", "shareType": "0", "shareWith": "bob", "permissions": "4"},
            400,
            "file",
        ),
        (
            {"path": "/item.txt", "shareType": "0", "shareWith": "bob", "role": "nope"},
            400,
            "unknown role",
        ),
        (
            {
                "path": "/item.txt",
                "shareType": "0",
                "shareWith": "bob",
                "role": "viewer",
                "permissions": "3",
            },
            400,
            "different",
        ),
        (
            {"path": "/item.txt", "shareType": "0", "shareWith": "bob", "expireDate": "2000-01-01"},
            400,
            "past",
        ),
        (
            {"path": "/item.txt", "shareType": "0", "shareWith": "bob", "expireDate": "next week"},
            400,
            "not a date",
        ),
        (
            {
                "path": "/item.txt",
                "shareType": "0",
                "shareWith": "bob",
                "expireDate": "9999-12-31T23:59:59-12:00",
            },
            400,
            "out of range",
        ),
        ({"shareType": "0", "shareWith": "bob"}, 400, "path"),
        ({"path": "/item.txt", "shareWith": "bob"}, 400, "shareType"),
        ({"path": "/item.txt", "shareType": "0"}, 400, "shareWith"),
        ({"path": "/item.txt", "shareType": "x", "shareWith": "bob"}, 400, "number"),
        ({"path": "/item.txt", "shareType": "4", "shareWith": "bob"}, 400, "unknown shareType"),
        ({"path": "/", "shareType": "0", "shareWith": "bob"}, 400, "space root"),
        ({"path": "/../etc", "shareType": "0", "shareWith": "bob"}, 400, ""),
        (
            {"path": "/item.txt", "shareType": "0", "shareWith": "bob", "space_ref": "nonsense"},
            400,
            "resource id",
        ),
    ],
)
def test_create_refused(
    alice: User, item: str, body: dict[str, str], status: int, words: str
) -> None:
    meta = alice.fails("POST", "/shares", status, data=body)
    assert words in meta["message"]
    expected = {400: 400, 404: 998}[status]
    assert meta["statuscode"] == expected
    _nothing_shared(alice)


def test_v1_answers_http_200_with_the_code(alice: User, item: str) -> None:
    response = alice.request(
        "POST", "/shares", v="v1", data={"path": "/nope", "shareType": "0", "shareWith": "bob"}
    )
    assert response.status_code == 200
    assert response.json()["ocs"]["meta"]["statuscode"] == 998
    response = alice.request(
        "POST", "/shares", v="v1", data={"path": item, "shareType": "0", "shareWith": "alice"}
    )
    assert response.json()["ocs"]["meta"]["statuscode"] == 400


def test_a_public_link_without_password(alice: User, item: str) -> None:
    meta = alice.fails("POST", "/shares", 400, data={"path": item, "shareType": "3"})
    assert "password" in meta["message"]
    _nothing_shared(alice)


def test_the_same_recipient_twice(alice: User, item: str) -> None:
    alice.share(item, "bob")
    meta = alice.fails(
        "POST", "/shares", 409, data={"path": item, "shareType": "0", "shareWith": "bob"}
    )
    assert "already shared" in meta["message"]
    assert len(alice.ocs("GET", "/shares")) == 1


@pytest.mark.parametrize("method", ["GET", "PUT", "DELETE"])
@pytest.mark.parametrize("sid", ["12345", "no-such-share", "storage:space:uuid"])
def test_unknown_share_id(alice: User, method: str, sid: str) -> None:
    meta = alice.fails(method, f"/shares/{sid}", 404, data={"permissions": "1"})
    assert meta["statuscode"] == 998


@pytest.mark.parametrize("method", ["GET", "PUT", "DELETE"])
def test_another_users_share_is_not_found(
    alice: User, bob: User, carol: User, item: str, method: str
) -> None:
    sid = alice.share(item, "bob", permissions=1)["id"]
    meta = carol.fails(method, f"/shares/{sid}", 404, data={"permissions": "3"})
    assert meta["statuscode"] == 998
    carol.fails("POST", f"/shares/pending/{sid}", 404)
    carol.fails("DELETE", f"/shares/pending/{sid}", 404)
    (share,) = alice.ocs("GET", "/shares")
    assert share["permissions"] == 1


@pytest.mark.parametrize(
    ("body", "words"),
    [
        ({}, "permissions, role or expireDate"),
        ({"permissions": "0"}, "between 1 and 31"),
        ({"permissions": "99"}, "between 1 and 31"),
        ({"permissions": "abc"}, "number"),
        ({"expireDate": "1999-12-31"}, "past"),
        ({"expireDate": "31/12/2999"}, "not a date"),
        ({"role": "SpaceEditor"}, "unknown role"),
    ],
)
def test_update_refused(alice: User, item: str, body: dict[str, str], words: str) -> None:
    sid = alice.share(item, "bob", permissions=1)["id"]
    meta = alice.fails("PUT", f"/shares/{sid}", 400, data=body)
    assert words in meta["message"]
    (share,) = alice.ocs("GET", "/shares")
    assert share["permissions"] == 1
    assert share["expiration"] == ""


def test_bad_json_body(alice: User, item: str) -> None:
    meta = alice.fails(
        "POST", "/shares", 400, content=b"{not json", headers={"Content-Type": "application/json"}
    )
    assert "JSON" in meta["message"]
    meta = alice.fails(
        "POST", "/shares", 400, content=b"[1]", headers={"Content-Type": "application/json"}
    )
    assert "object" in meta["message"]


def test_oversized_or_undecodable_body(alice: User, item: str) -> None:
    big = b"path=/item.txt&shareType=0&shareWith=bob&name=" + b"x" * (64 * 1024)
    meta = alice.fails(
        "POST",
        "/shares",
        413,
        content=big,
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert "larger than" in meta["message"]
    meta = alice.fails(
        "POST",
        "/shares",
        400,
        content=b"path=/item.txt&shareWith=\xff",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert "UTF-8" in meta["message"]
    _nothing_shared(alice)


def test_bad_list_filter(alice: User) -> None:
    meta = alice.fails("GET", "/shares?share_types=user", 400)
    assert "share_types" in meta["message"]
    alice.fails("GET", "/shares?path=/missing", 404)


def test_anonymous_callers_are_refused(app_client: object, alice: User) -> None:
    response = alice.client.get(API.format(v="v2") + "/shares?format=json")
    assert response.status_code == 401
    assert response.json()["ocs"]["meta"]["statuscode"] == 997


def test_expiry_forms() -> None:
    now = time.time()
    assert parse_expiry("", now=now) == 0
    day = parse_expiry("2999-05-01", now=now)
    assert day == parse_expiry("2999-05-01T23:59:59Z", now=now)
    assert day == parse_expiry("2999-05-01 23:59:59", now=now)
    assert day == parse_expiry("2999-05-02T01:59:59+02:00", now=now)
