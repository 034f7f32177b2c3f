"""Space members through LibreGraph v1beta1 (``…/root/invite``,
``…/root/permissions``) and the role definitions."""

from __future__ import annotations

import time
from typing import Any

from opencloud.services.auth.service import AuthService
from opencloud.services.spaces.roles import ROLES

from .conftest import EDITOR, MANAGER, VIEWER, As, error

ROOT = "/graph/v1beta1/drives/{}/root"


def _perms(user: As, drive_id: str) -> dict[str, Any]:
    response = user.get(ROOT.format(drive_id) + "/permissions")
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def test_invite_a_user(alice: As, bob: As) -> None:
    apollo = alice.create("Apollo")
    response = alice.invite(apollo["id"], bob, EDITOR)
    assert response.status_code == 200, response.text
    assert response.json() == {
        "value": [
            {
                "id": f"u:{bob.id}",
                "roles": [EDITOR],
                "grantedToV2": {
                    "user": {"id": bob.id, "displayName": "Bob", "@libre.graph.userType": "Member"}
                },
            }
        ]
    }
    # bob can now write in it
    dav = "/dav/spaces/" + apollo["id"].replace("$", "%24")
    assert bob.request("PUT", dav + "/notes.txt", content=b"hi").status_code == 201
    listing = _perms(bob, apollo["id"])
    assert {p["id"] for p in listing["value"]} == {f"u:{alice.id}", f"u:{bob.id}"}


def test_invite_a_group(alice: As, bob: As, carol: As, auth: AuthService) -> None:
    group = auth.create_group("engineers", members=["bob", "carol"])
    apollo = alice.create("Apollo")
    response = alice.post(
        ROOT.format(apollo["id"]) + "/invite",
        json={
            "recipients": [{"objectId": group.id, "@libre.graph.recipient.type": "group"}],
            "roles": [VIEWER],
        },
    )
    assert response.status_code == 200, response.text
    (perm,) = response.json()["value"]
    assert perm["id"] == f"g:{group.id}"
    assert perm["grantedToV2"] == {"group": {"id": group.id, "displayName": "engineers"}}
    assert "Apollo" in [d["name"] for d in carol.drives()]


def test_permission_listing_and_allowed_roles(alice: As, bob: As, carol: As) -> None:
    apollo = alice.create("Apollo")
    alice.invite(apollo["id"], bob, VIEWER)
    alice.invite(apollo["id"], carol, EDITOR)
    mine = _perms(alice, apollo["id"])
    roles = mine["@libre.graph.permissions.roles.allowedValues"]
    assert [r["id"] for r in roles] == [VIEWER, EDITOR, MANAGER]
    assert roles[0] == {
        "id": VIEWER,
        "description": "View and download.",
        "displayName": "Can view",
        "@libre.graph.weight": 40,
    }
    assert (
        "libre.graph/driveItem/permissions/create"
        in (mine["@libre.graph.permissions.actions.allowedValues"])
    )
    by_id = {p["id"]: p["roles"] for p in mine["value"]}
    assert by_id == {f"u:{alice.id}": [MANAGER], f"u:{bob.id}": [VIEWER], f"u:{carol.id}": [EDITOR]}
    # members see the list, with the roles not beyond their own offered
    viewer = _perms(bob, apollo["id"])
    assert [r["id"] for r in viewer["@libre.graph.permissions.roles.allowedValues"]] == [VIEWER]
    assert len(viewer["value"]) == 3
    editor = _perms(carol, apollo["id"])
    allowed = [r["id"] for r in editor["@libre.graph.permissions.roles.allowedValues"]]
    assert allowed == [VIEWER, EDITOR]
    only = alice.get(
        ROOT.format(apollo["id"])
        + "/permissions?$select=@libre.graph.permissions.roles.allowedValues&$top=0"
    ).json()
    assert set(only) == {"@libre.graph.permissions.roles.allowedValues"}


def test_change_a_role_and_remove_a_member(alice: As, bob: As) -> None:
    apollo = alice.create("Apollo")
    alice.invite(apollo["id"], bob, VIEWER)
    url = ROOT.format(apollo["id"]) + f"/permissions/u:{bob.id}"
    response = alice.patch(url, json={"roles": [MANAGER]})
    assert response.status_code == 200, response.text
    assert response.json()["roles"] == [MANAGER]
    # bob, now a manager, may rename it
    renamed = bob.patch(f"/graph/v1.0/drives/{apollo['id']}", json={"name": "B"})
    assert renamed.status_code == 200
    # and demote alice, then remove her: bob is the only Manager now
    hers = ROOT.format(apollo["id"]) + f"/permissions/u:{alice.id}"
    assert bob.patch(hers, json={"roles": [VIEWER]}).json()["roles"] == [VIEWER]
    assert bob.delete(hers).status_code == 204
    assert [d["name"] for d in alice.drives()] == ["Alice"]
    # alice is a space admin: she still manages the members, but bob stays
    error(alice.delete(url), 409, "conflict")
    assert [p["id"] for p in _perms(bob, apollo["id"])["value"]] == [f"u:{bob.id}"]


def test_the_last_manager_stays(alice: As, bob: As) -> None:
    apollo = alice.create("Apollo")
    alice.invite(apollo["id"], bob, EDITOR)
    me = ROOT.format(apollo["id"]) + f"/permissions/u:{alice.id}"
    message = error(alice.delete(me), 409, "conflict")
    assert "Manager" in message
    error(alice.patch(me, json={"roles": [VIEWER]}), 409, "conflict")
    # nor may the last manager be given an expiry
    error(alice.patch(me, json={"expirationDateTime": "2099-01-01T00:00:00Z"}), 409, "conflict")
    roles = {p["id"]: p["roles"] for p in _perms(alice, apollo["id"])["value"]}
    assert roles[f"u:{alice.id}"] == [MANAGER]
    assert "expirationDateTime" not in _perms(alice, apollo["id"])["value"][0]


def test_expiring_membership(alice: As, bob: As) -> None:
    apollo = alice.create("Apollo")
    response = alice.post(
        ROOT.format(apollo["id"]) + "/invite",
        json={
            "recipients": [{"objectId": bob.id, "@libre.graph.recipient.type": "user"}],
            "roles": [VIEWER],
            "expirationDateTime": "2099-05-01T10:00:00Z",
        },
    )
    assert response.status_code == 200, response.text
    assert response.json()["value"][0]["expirationDateTime"] == "2099-05-01T10:00:00Z"
    url = ROOT.format(apollo["id"]) + f"/permissions/u:{bob.id}"
    cleared = alice.patch(url, json={"expirationDateTime": None}).json()
    assert "expirationDateTime" not in cleared
    assert cleared["roles"] == [VIEWER]


def test_an_expired_membership_grants_nothing(alice: As, bob: As, app_client: Any) -> None:
    spaces = app_client.app_state["spaces"]
    apollo = alice.create("Apollo")
    alice.invite(apollo["id"], bob, VIEWER)
    space = apollo["id"].split("$", 1)[1]
    (grant,) = [g for g in spaces.members(space) if g.id == bob.id]
    soon = time.time_ns() + 50_000_000  # a membership cannot start expired: let it run out
    spaces.set_member(space, "u", bob.id, ROLES[VIEWER], expires=soon)
    time.sleep(0.1)
    assert grant.expires == 0
    error(bob.get(f"/graph/v1.0/drives/{apollo['id']}"), 404, "itemNotFound")


def test_role_definitions(bob: As) -> None:
    response = bob.get("/graph/v1beta1/roleManagement/permissions/roleDefinitions")
    assert response.status_code == 200
    roles = response.json()
    assert isinstance(roles, list)  # a bare array, as the web client expects
    assert [r["@libre.graph.weight"] for r in roles] == sorted(
        r["@libre.graph.weight"] for r in roles
    )
    assert {r["id"] for r in roles} == set(ROLES)
    manager = next(r for r in roles if r["id"] == MANAGER)
    assert manager["displayName"] == "Can manage"
    assert manager["description"] == "View, download, upload, edit, add, delete and manage members."
    assert manager["@libre.graph.weight"] == 120
    (permission,) = manager["rolePermissions"]
    assert permission["condition"] == "exists @Resource.Root"
    assert len(permission["allowedResourceActions"]) == 19
    viewer = next(r for r in roles if r["id"] == VIEWER)
    assert viewer["rolePermissions"][0]["allowedResourceActions"] == [
        "libre.graph/driveItem/path/read",
        "libre.graph/driveItem/quota/read",
        "libre.graph/driveItem/content/read",
        "libre.graph/driveItem/permissions/read",
        "libre.graph/driveItem/children/read",
        "libre.graph/driveItem/deleted/read",
        "libre.graph/driveItem/basic/read",
    ]
    one = bob.get(f"/graph/v1beta1/roleManagement/permissions/roleDefinitions/{EDITOR}")
    assert one.status_code == 200
    assert one.json()["displayName"] == "Can edit"
    missing = bob.get("/graph/v1beta1/roleManagement/permissions/roleDefinitions/nope")
    error(missing, 404, "itemNotFound")
