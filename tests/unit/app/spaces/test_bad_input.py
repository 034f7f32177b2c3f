"""Bad requests to the project space and membership endpoints: a clear Graph
error (``{"error": {"code", "message"}}``), and nothing changed."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from opencloud.services.spaces.service import SpacesService

from .conftest import EDITOR, ITEM_VIEWER, MANAGER, VIEWER, As, error

ROOT = "/graph/v1beta1/drives/{}/root"


def _members(alice: As, drive_id: str) -> list[tuple[str, list[str]]]:
    value = alice.get(ROOT.format(drive_id) + "/permissions").json()["value"]
    return sorted((p["id"], p["roles"]) for p in value)


def _invite(user: As, drive_id: str, body: Any) -> Any:
    return user.post(ROOT.format(drive_id) + "/invite", json=body)


def _one(object_id: str, kind: str = "user", role: str = VIEWER) -> dict[str, Any]:
    return {
        "recipients": [{"objectId": object_id, "@libre.graph.recipient.type": kind}],
        "roles": [role],
    }


# ---- creating and changing spaces


@pytest.mark.parametrize(
    "body",
    [
        b"{not json",
        b"",
        b"[]",
        b'{"name": 5}',
        b'{"description": "no name"}',
        b'{"name": "x", "quota": {"total": "big"}}',
        b'{"name": "x", "quota": 7}',
        b'{"name": "x", "description": ["a"]}',
        b'{"name": "x", "driveType": "personal"}',
    ],
)
def test_malformed_create_body(alice: As, body: bytes) -> None:
    response = alice.post(
        "/graph/v1.0/drives", content=body, headers={"Content-Type": "application/json"}
    )
    error(response, 400, "invalidRequest")
    assert [d["driveType"] for d in alice.drives()] == ["personal"]


@pytest.mark.parametrize("name", ["", "   ", "x" * 256, "two\nlines"])
def test_bad_space_name(alice: As, name: str) -> None:
    error(alice.post("/graph/v1.0/drives", json={"name": name}), 400, "invalidRequest")
    apollo = alice.create("Apollo")
    url = f"/graph/v1.0/drives/{apollo['id']}"
    error(alice.patch(url, json={"name": name, "description": "new"}), 400, "invalidRequest")
    drive = alice.get(url).json()
    assert (drive["name"], "description" in drive) == ("Apollo", False)


def test_negative_quota(alice: As) -> None:
    body = {"name": "Apollo", "quota": {"total": -1}}
    error(alice.post("/graph/v1.0/drives", json=body), 400, "invalidRequest")
    apollo = alice.create("Apollo")
    url = f"/graph/v1.0/drives/{apollo['id']}"
    error(alice.patch(url, json={"name": "B", "quota": {"total": -5}}), 400, "invalidRequest")
    drive = alice.get(url).json()
    assert (drive["name"], drive["quota"]["total"]) == ("Apollo", 1_000_000_000)


def test_malformed_patch_body(alice: As) -> None:
    apollo = alice.create("Apollo")
    url = f"/graph/v1.0/drives/{apollo['id']}"
    for body in (b"{", b'{"name": 1}', b'{"quota": {"total": 1.5}}'):
        response = alice.patch(url, content=body, headers={"Content-Type": "application/json"})
        error(response, 400, "invalidRequest")
    error(alice.patch(url), 400, "invalidRequest")  # nothing to change and no Restore


@pytest.mark.parametrize("method", ["GET", "PATCH", "DELETE"])
def test_unknown_and_malformed_drive_ids(alice: As, spaces: SpacesService, method: str) -> None:
    body = {"json": {"name": "x"}} if method == "PATCH" else {}
    unknown = f"{spaces.storage_id}${uuid.uuid4()}"
    error(alice.request(method, f"/graph/v1.0/drives/{unknown}", **body), 404, "itemNotFound")
    other_storage = f"{uuid.uuid4()}${uuid.uuid4()}"
    url = f"/graph/v1.0/drives/{other_storage}"
    error(alice.request(method, url, **body), 404, "itemNotFound")
    for bad in ("garbage", "x$not-a-uuid", f"{spaces.storage_id}$"):
        url = f"/graph/v1.0/drives/{bad}"
        error(alice.request(method, url, **body), 400, "invalidRequest")


def test_unknown_drive_ids_in_membership_routes(alice: As, spaces: SpacesService) -> None:
    unknown = f"{spaces.storage_id}${uuid.uuid4()}"
    error(_invite(alice, unknown, _one(alice.id)), 404, "itemNotFound")
    error(alice.get(ROOT.format(unknown) + "/permissions"), 404, "itemNotFound")
    error(_invite(alice, "garbage", _one(alice.id)), 400, "invalidRequest")
    error(alice.get(ROOT.format("garbage") + "/permissions"), 400, "invalidRequest")


# ---- membership


def test_unknown_role_id(alice: As, bob: As) -> None:
    apollo = alice.create("Apollo")
    message = error(_invite(alice, apollo["id"], _one(bob.id, role="nope")), 400, "invalidRequest")
    assert "role" in message
    error(_invite(alice, apollo["id"], {**_one(bob.id), "roles": []}), 400, "invalidRequest")
    two = {**_one(bob.id), "roles": [VIEWER, EDITOR]}
    error(_invite(alice, apollo["id"], two), 400, "invalidRequest")
    assert _members(alice, apollo["id"]) == [(f"u:{alice.id}", [MANAGER])]


def test_an_item_role_on_a_space(alice: As, bob: As) -> None:
    apollo = alice.create("Apollo")
    response = _invite(alice, apollo["id"], _one(bob.id, role=ITEM_VIEWER))
    assert "space" in error(response, 400, "invalidRequest")
    alice.invite(apollo["id"], bob, VIEWER)
    url = ROOT.format(apollo["id"]) + f"/permissions/u:{bob.id}"
    error(alice.patch(url, json={"roles": [ITEM_VIEWER]}), 400, "invalidRequest")
    error(alice.patch(url, json={"roles": ["nope"]}), 400, "invalidRequest")
    assert dict(_members(alice, apollo["id"]))[f"u:{bob.id}"] == [VIEWER]


def test_inviting_unknown_users_and_groups(alice: As, bob: As) -> None:
    apollo = alice.create("Apollo")
    for body in (_one(str(uuid.uuid4())), _one(str(uuid.uuid4()), "group")):
        message = error(_invite(alice, apollo["id"], body), 400, "invalidRequest")
        assert message.startswith("itemNotFound: ")
    error(_invite(alice, apollo["id"], _one(bob.id, "robot")), 400, "invalidRequest")
    error(_invite(alice, apollo["id"], _one("")), 400, "invalidRequest")
    # one bad recipient among good ones: nobody is added
    mixed = _one(bob.id)
    mixed["recipients"].append({"objectId": str(uuid.uuid4())})
    error(_invite(alice, apollo["id"], mixed), 400, "invalidRequest")
    nobody = {"recipients": [], "roles": [VIEWER]}
    error(_invite(alice, apollo["id"], nobody), 400, "invalidRequest")
    assert _members(alice, apollo["id"]) == [(f"u:{alice.id}", [MANAGER])]


@pytest.mark.parametrize(
    "body",
    [
        b"{",
        b'{"recipients": "bob", "roles": []}',
        b'{"recipients": [{"objectId": 5}]}',
        b'{"recipients": [{}], "roles": ["x"]}',
        b'{"roles": ["312c0871-5ef7-4b3a-85b6-0e4074c64049"]}',
    ],
)
def test_malformed_invite_body(alice: As, body: bytes) -> None:
    apollo = alice.create("Apollo")
    response = alice.post(
        ROOT.format(apollo["id"]) + "/invite",
        content=body,
        headers={"Content-Type": "application/json"},
    )
    error(response, 400, "invalidRequest")


def test_inviting_oneself_or_a_member_again(alice: As, bob: As) -> None:
    apollo = alice.create("Apollo")
    error(_invite(alice, apollo["id"], _one(alice.id, role=EDITOR)), 400, "invalidRequest")
    alice.invite(apollo["id"], bob, VIEWER)
    error(_invite(alice, apollo["id"], _one(bob.id, role=MANAGER)), 409, "nameAlreadyExists")
    assert dict(_members(alice, apollo["id"]))[f"u:{bob.id}"] == [VIEWER]


def test_expiry_in_the_past_or_malformed(alice: As, bob: As) -> None:
    apollo = alice.create("Apollo")
    # the last is after year 9999 in UTC: stored, it could never be shown again
    for when in ("2001-01-01T00:00:00Z", "tomorrow", "9999-12-31T23:59:59-12:00"):
        body = {**_one(bob.id), "expirationDateTime": when}
        error(_invite(alice, apollo["id"], body), 400, "invalidRequest")
    assert _members(alice, apollo["id"]) == [(f"u:{alice.id}", [MANAGER])]


def test_non_managers_may_not_change_members(alice: As, bob: As, carol: As) -> None:
    apollo = alice.create("Apollo")
    alice.invite(apollo["id"], bob, EDITOR)
    error(_invite(bob, apollo["id"], _one(carol.id)), 403, "accessDenied")
    error(_invite(carol, apollo["id"], _one(carol.id)), 404, "itemNotFound")  # not a member
    mine = ROOT.format(apollo["id"]) + f"/permissions/u:{alice.id}"
    error(bob.patch(mine, json={"roles": [VIEWER]}), 403, "accessDenied")
    error(bob.delete(mine), 403, "accessDenied")
    error(carol.delete(mine), 404, "itemNotFound")
    error(carol.get(ROOT.format(apollo["id"]) + "/permissions"), 404, "itemNotFound")
    assert _members(alice, apollo["id"]) == sorted(
        [(f"u:{alice.id}", [MANAGER]), (f"u:{bob.id}", [EDITOR])]
    )


def test_unknown_permission_ids(alice: As, bob: As) -> None:
    apollo = alice.create("Apollo")
    base = ROOT.format(apollo["id"]) + "/permissions/"
    for perm in (f"u:{bob.id}", f"g:{uuid.uuid4()}", "x:1", "nonsense", "u:"):
        error(alice.delete(base + perm), 404, "itemNotFound")
        error(alice.patch(base + perm, json={"roles": [VIEWER]}), 404, "itemNotFound")


def test_a_disabled_space_keeps_its_members(alice: As, bob: As) -> None:
    apollo = alice.create("Apollo")
    alice.invite(apollo["id"], bob, VIEWER)
    alice.delete(f"/graph/v1.0/drives/{apollo['id']}")
    error(_invite(alice, apollo["id"], _one(bob.id, role=EDITOR)), 403, "accessDenied")
    bobs = ROOT.format(apollo["id"]) + f"/permissions/u:{bob.id}"
    error(alice.delete(bobs), 403, "accessDenied")
    error(bob.get(ROOT.format(apollo["id"]) + "/permissions"), 404, "itemNotFound")


def test_a_personal_space_has_no_members(bob: As, carol: As) -> None:
    personal = bob.drives()[0]
    error(_invite(bob, personal["id"], _one(carol.id)), 400, "invalidRequest")
    listing = bob.get(ROOT.format(personal["id"]) + "/permissions").json()
    assert listing["value"] == []
    error(_invite(carol, personal["id"], _one(carol.id)), 404, "itemNotFound")
