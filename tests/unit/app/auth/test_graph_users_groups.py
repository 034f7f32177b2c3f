"""LibreGraph users and groups over HTTP: admin CRUD, what non-admins may do,
and refusal of malformed bodies."""

from __future__ import annotations

import pytest
from starlette.testclient import TestClient

from opencloud.core.ids import SpaceId
from opencloud.services.auth.service import AuthService
from opencloud.storage.protocol import StorageDriver

from .conftest import basic

USERS = "/graph/v1.0/users"
GROUPS = "/graph/v1.0/groups"


def _new_user(client: TestClient, headers: dict[str, str], name: str = "bob") -> dict[str, object]:
    response = client.post(
        USERS,
        headers=headers,
        json={
            "onPremisesSamAccountName": name,
            "displayName": name.title(),
            "mail": f"{name}@example.org",
            "passwordProfile": {"password": "bob-secret"},
            "givenName": "ignored",
        },
    )
    assert response.status_code == 201, response.text
    body: dict[str, object] = response.json()
    return body


def test_admin_creates_lists_gets_updates_and_deletes_a_user(
    client: TestClient, admin_headers: dict[str, str], driver: StorageDriver
) -> None:
    created = _new_user(client, admin_headers)
    assert set(created) == {
        "id",
        "displayName",
        "mail",
        "onPremisesSamAccountName",
        "accountEnabled",
        "userType",
    }
    assert created["userType"] == "Member"
    assert created["accountEnabled"] is True
    user_id = str(created["id"])
    assert driver.get_space(SpaceId(user_id)).owner == user_id
    assert client.get(USERS + "/bob", headers=basic("bob", "bob-secret")).status_code == 200

    listed = client.get(USERS, headers=admin_headers).json()["value"]
    assert [u["onPremisesSamAccountName"] for u in listed] == ["admin", "bob"]
    assert client.get(f"{USERS}/{user_id}", headers=admin_headers).json() == created
    assert client.get(f"{USERS}/bob", headers=admin_headers).json()["id"] == user_id

    patched = client.patch(
        f"{USERS}/{user_id}",
        headers=admin_headers,
        json={"displayName": "Robert", "accountEnabled": False},
    )
    assert patched.status_code == 200
    assert patched.json()["displayName"] == "Robert"
    assert client.get(USERS + "/bob", headers=basic("bob", "bob-secret")).status_code == 401

    assert client.delete(f"{USERS}/{user_id}", headers=admin_headers).status_code == 204
    assert client.get(f"{USERS}/{user_id}", headers=admin_headers).status_code == 404


def test_password_is_never_returned(client: TestClient, admin_headers: dict[str, str]) -> None:
    created = _new_user(client, admin_headers)
    assert "bob-secret" not in str(created)
    assert "passwordProfile" not in created
    listed = client.get(USERS, headers=admin_headers).text
    assert "argon2" not in listed


def test_duplicate_username_is_409(client: TestClient, admin_headers: dict[str, str]) -> None:
    _new_user(client, admin_headers)
    response = client.post(USERS, headers=admin_headers, json={"onPremisesSamAccountName": "BOB"})
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "nameAlreadyExists"


def test_writes_are_admin_only(
    client: TestClient, admin_headers: dict[str, str], alice_headers: dict[str, str]
) -> None:
    body = {"onPremisesSamAccountName": "eve"}
    for method, path in [
        ("POST", USERS),
        ("PATCH", f"{USERS}/admin"),
        ("DELETE", f"{USERS}/admin"),
        ("POST", GROUPS),
        ("PATCH", f"{GROUPS}/x"),
        ("DELETE", f"{GROUPS}/x"),
        ("POST", f"{GROUPS}/x/members/$ref"),
        ("DELETE", f"{GROUPS}/x/members/y/$ref"),
    ]:
        response = client.request(method, path, headers=alice_headers, json=body)
        assert response.status_code == 403, (method, path)
        assert response.json()["error"]["code"] == "accessDenied"


def test_non_admins_may_search_and_read(
    client: TestClient, admin_headers: dict[str, str], alice_headers: dict[str, str]
) -> None:
    _new_user(client, admin_headers)
    assert client.get(USERS, headers=alice_headers).status_code == 400
    found = client.get(USERS, headers=alice_headers, params={"$search": '"bob"'}).json()
    assert [u["onPremisesSamAccountName"] for u in found["value"]] == ["bob"]
    assert "accountEnabled" not in found["value"][0]
    own = client.get(f"{USERS}/alice", headers=alice_headers).json()
    assert own["accountEnabled"] is True


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b"{not json", "not valid JSON"),
        (b"", "needs a JSON body"),
        (b"[]", "invalid request body"),
        (b'{"onPremisesSamAccountName": 5}', "onPremisesSamAccountName"),
        (b'{"displayName": "x"}', "onPremisesSamAccountName"),
        (b'{"onPremisesSamAccountName": "a b"}', "invalid username"),
        (b'{"onPremisesSamAccountName": "x", "passwordProfile": "pw"}', "passwordProfile"),
        (b'{"onPremisesSamAccountName": "x", "accountEnabled": "yes"}', "accountEnabled"),
    ],
)
def test_malformed_user_bodies_are_400(
    client: TestClient, admin_headers: dict[str, str], body: bytes, message: str
) -> None:
    response = client.post(
        USERS, headers={**admin_headers, "Content-Type": "application/json"}, content=body
    )
    assert response.status_code == 400, response.text
    assert response.json()["error"]["code"] == "invalidRequest"
    assert message in response.json()["error"]["message"]


def test_oversized_body_is_413(client: TestClient, admin_headers: dict[str, str]) -> None:
    body = b'{"displayName": "' + b"x" * (1 << 20) + b'"}'
    response = client.post(USERS, headers=admin_headers, content=body)
    assert response.status_code == 413


def test_groups_crud_and_members(
    client: TestClient, admin_headers: dict[str, str], auth: AuthService
) -> None:
    bob = _new_user(client, admin_headers)
    created = client.post(
        GROUPS, headers=admin_headers, json={"displayName": "Sales", "description": "team"}
    )
    assert created.status_code == 201
    group = created.json()
    assert (group["displayName"], group["description"]) == ("Sales", "team")
    gid = group["id"]
    assert (
        client.post(GROUPS, headers=admin_headers, json={"displayName": "sales"}).status_code == 409
    )

    ref = {"@odata.id": f"https://cloud.example.org/graph/v1.0/users/{bob['id']}"}
    added = client.post(f"{GROUPS}/{gid}/members/$ref", headers=admin_headers, json=ref)
    assert added.status_code == 204
    members = client.get(f"{GROUPS}/{gid}/members", headers=admin_headers).json()["value"]
    assert [m["id"] for m in members] == [bob["id"]]
    expanded = client.get(f"{GROUPS}/{gid}", headers=admin_headers, params={"$expand": "members"})
    assert [m["onPremisesSamAccountName"] for m in expanded.json()["members"]] == ["bob"]
    me = client.get(f"{USERS}/bob", headers=admin_headers, params={"$expand": "memberOf"})
    assert me.json()["memberOf"] == [{"id": gid, "displayName": "Sales"}]
    assert auth.principal("bob").groups == (gid,)

    patched = client.patch(f"{GROUPS}/{gid}", headers=admin_headers, json={"displayName": "EU"})
    assert patched.status_code == 204
    listed = client.get(GROUPS, headers=admin_headers).json()["value"]
    assert [g["displayName"] for g in listed] == ["EU"]

    removed = client.delete(f"{GROUPS}/{gid}/members/{bob['id']}/$ref", headers=admin_headers)
    assert removed.status_code == 204
    again = client.delete(f"{GROUPS}/{gid}/members/{bob['id']}/$ref", headers=admin_headers)
    assert again.status_code == 404
    assert client.delete(f"{GROUPS}/{gid}", headers=admin_headers).status_code == 204
    assert client.get(f"{GROUPS}/{gid}", headers=admin_headers).status_code == 404


def test_group_with_members_bind_and_bad_refs(
    client: TestClient, admin_headers: dict[str, str]
) -> None:
    bob = _new_user(client, admin_headers)
    created = client.post(
        GROUPS,
        headers=admin_headers,
        json={"displayName": "g", "members@odata.bind": [f"/graph/v1.0/users/{bob['id']}"]},
    )
    assert created.status_code == 201
    gid = created.json()["id"]
    assert len(client.get(f"{GROUPS}/{gid}/members", headers=admin_headers).json()["value"]) == 1
    bad = client.post(f"{GROUPS}/{gid}/members/$ref", headers=admin_headers, json={"id": "x"})
    assert bad.status_code == 400
    unknown = client.post(
        f"{GROUPS}/{gid}/members/$ref", headers=admin_headers, json={"@odata.id": "users/nobody"}
    )
    assert unknown.status_code == 404


def test_an_admin_cannot_delete_their_own_account(
    client: TestClient, admin_headers: dict[str, str], auth: AuthService
) -> None:
    _new_user(client, admin_headers)
    auth.update_user("bob", role="admin")
    bob = basic("bob", "bob-secret")
    me = client.get("/graph/v1.0/me", headers=bob).json()["id"]
    refused = client.delete(f"{USERS}/{me}", headers=bob)
    assert refused.status_code == 403
    assert refused.json()["error"]["code"] == "accessDenied"
    assert client.get(f"{USERS}/bob", headers=admin_headers).status_code == 200  # still there
    assert client.delete(f"{USERS}/{me}", headers=admin_headers).status_code == 204
