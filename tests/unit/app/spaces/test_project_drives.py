"""Project drives through LibreGraph: create, list, read, change, disable,
restore, delete (``/graph/v1.0/drives``)."""

from __future__ import annotations

from typing import Any

import pytest

from opencloud.core.ids import SpaceId
from opencloud.services.files.service import FilesService
from opencloud.services.spaces.service import SpacesService
from opencloud.storage.types import Ref

from .conftest import MANAGER, VIEWER, As, error


def _space_id(drive: dict[str, Any]) -> str:
    space: str = drive["id"].split("$", 1)[1]
    return space


def test_a_space_admin_creates_a_project(alice: As, spaces: SpacesService) -> None:
    drive = alice.create("Apollo Program", description="to the moon", quota={"total": 5000})
    storage = spaces.storage_id
    assert drive["id"].startswith(f"{storage}$")
    assert drive["driveType"] == "project"
    assert drive["driveAlias"] == "project/apollo program"
    assert drive["name"] == "Apollo Program"
    assert drive["description"] == "to the moon"
    assert "owner" not in drive
    assert drive["quota"] == {"total": 5000, "used": 0, "remaining": 5000, "state": "normal"}
    root = drive["root"]
    assert root["id"].startswith(drive["id"] + "!")
    assert root["webDavUrl"].endswith("/dav/spaces/" + drive["id"].replace("$", "%24"))
    assert root["eTag"].startswith('"')
    assert "deleted" not in root
    # the creator is its first Manager (v1.0 names the role the old way)
    assert root["permissions"] == [
        {
            "id": f"u:{alice.id}",
            "roles": ["manager"],
            "grantedToV2": {
                "user": {"id": alice.id, "displayName": "Alice", "@libre.graph.userType": "Member"}
            },
        }
    ]
    # v1beta1 names it by its GUID
    (beta,) = [d for d in alice.drives("/graph/v1beta1/me/drives") if d["id"] == drive["id"]]
    assert beta["root"]["permissions"][0]["roles"] == [MANAGER]


def test_default_quota_is_one_gigabyte(alice: As) -> None:
    assert alice.create()["quota"]["total"] == 1_000_000_000
    unlimited = alice.create("Gemini", quota={"total": 0})["quota"]
    assert unlimited["total"] == 0
    assert unlimited["remaining"] > 0


def test_admins_create_too_but_users_do_not(root: As, bob: As) -> None:
    assert root.create("Mercury")["driveType"] == "project"
    response = bob.post("/graph/v1.0/drives", json={"name": "Mine"})
    error(response, 403, "accessDenied")
    assert [d["driveType"] for d in bob.drives()] == ["personal"]


def test_me_drives_lists_the_projects_one_is_a_member_of(alice: As, bob: As, carol: As) -> None:
    apollo = alice.create("Apollo")
    alice.create("Gemini")
    assert alice.invite(apollo["id"], bob, VIEWER).status_code == 200
    names = sorted(d["name"] for d in bob.drives())
    assert names == ["Apollo", "Bob"]
    assert [d["name"] for d in carol.drives()] == ["Carol"]
    filtered = bob.drives("/graph/v1.0/me/drives?$filter=driveType eq 'project'")
    assert [d["name"] for d in filtered] == ["Apollo"]
    beta = bob.drives("/graph/v1beta1/me/drives?%24filter=driveType+eq+project")
    assert [d["name"] for d in beta] == ["Apollo"]
    personal = bob.drives("/graph/v1.0/me/drives?$filter=driveType eq 'personal'")
    assert [d["driveType"] for d in personal] == ["personal"]


def test_all_drives_for_space_admins_and_admins(alice: As, bob: As, root: As) -> None:
    apollo = alice.create("Apollo")
    gemini = alice.create("Gemini")
    alice.delete(f"/graph/v1.0/drives/{gemini['id']}")  # disabled ones too
    alice.invite(apollo["id"], bob, VIEWER)
    # root is a member of neither, but administers both
    seen = {d["name"]: d for d in root.drives("/graph/v1.0/drives")}
    assert set(seen) == {"Root", "Apollo", "Gemini"}
    assert seen["Gemini"]["root"]["deleted"] == {"state": "trashed"}
    assert {d["name"] for d in root.drives("/graph/v1.0/me/drives")} == {"Root"}
    projects = root.drives("/graph/v1beta1/drives?$filter=driveType eq 'project'")
    assert {d["name"] for d in projects} == {"Apollo", "Gemini"}
    # a plain user's /drives is what they reach
    assert {d["name"] for d in bob.drives("/graph/v1.0/drives")} == {"Bob", "Apollo"}
    # and an admin reads any project drive by id
    response = root.get(f"/graph/v1.0/drives/{apollo['id']}")
    assert response.status_code == 200
    assert response.json()["name"] == "Apollo"


def test_get_a_drive(alice: As, bob: As, carol: As) -> None:
    apollo = alice.create("Apollo", description="moon")
    alice.invite(apollo["id"], bob, VIEWER)
    response = bob.get(f"/graph/v1.0/drives/{apollo['id']}")
    assert response.status_code == 200
    assert response.json()["description"] == "moon"
    error(carol.get(f"/graph/v1.0/drives/{apollo['id']}"), 404, "itemNotFound")


def test_managers_rename_and_describe(alice: As, bob: As, spaces: SpacesService) -> None:
    apollo = alice.create("Apollo")
    url = f"/graph/v1.0/drives/{apollo['id']}"
    response = alice.patch(url, json={"name": "Artemis", "description": "again"})
    assert response.status_code == 200, response.text
    drive = response.json()
    assert drive["name"] == "Artemis"
    assert drive["description"] == "again"
    assert drive["driveAlias"] == "project/apollo"  # the alias stays
    alice.invite(apollo["id"], bob, MANAGER)
    assert bob.patch(url, json={"description": "by bob"}).json()["description"] == "by bob"
    # a manager who is not a space admin may not change the quota
    error(bob.patch(url, json={"quota": {"total": 1}}), 403, "accessDenied")
    assert bob.get(url).json()["quota"]["total"] == 1_000_000_000
    quota = alice.patch(url, json={"quota": {"total": 4096}}).json()["quota"]
    assert quota["total"] == 4096


def test_admins_set_a_personal_quota(root: As, bob: As) -> None:
    personal = bob.drives()[0]
    url = f"/graph/v1.0/drives/{personal['id']}"
    response = root.patch(url, json={"quota": {"total": 10_000}})
    assert response.status_code == 200, response.text
    assert response.json()["quota"]["total"] == 10_000
    assert response.json()["driveAlias"] == "personal/bob"
    assert bob.drives()[0]["quota"]["total"] == 10_000
    error(bob.patch(url, json={"quota": {"total": 0}}), 403, "accessDenied")
    error(root.patch(url, json={"name": "x"}), 400, "invalidRequest")
    error(bob.delete(url), 403, "accessDenied")


def test_quota_state_and_507_naming_the_space(
    alice: As, files: FilesService, spaces: SpacesService
) -> None:
    apollo = alice.create("Apollo", quota={"total": 100})
    url = "/dav/spaces/" + apollo["id"].replace("$", "%24")
    assert alice.request("PUT", url + "/a.bin", content=b"x" * 80).status_code == 201
    drive = alice.get(f"/graph/v1.0/drives/{apollo['id']}").json()
    assert drive["quota"] == {"total": 100, "used": 80, "remaining": 20, "state": "nearing"}
    refused = alice.request("PUT", url + "/b.bin", content=b"y" * 50)
    assert refused.status_code == 507
    assert "Apollo" in refused.text
    assert _space_id(apollo) in refused.text
    space = spaces.info(SpaceId(_space_id(apollo))).id
    assert [n.name for n in files.list(Ref(space, "/"))] == ["a.bin"]


def test_disable_restore_and_purge(alice: As, bob: As, spaces: SpacesService) -> None:
    apollo = alice.create("Apollo")
    url = f"/graph/v1.0/drives/{apollo['id']}"
    dav = "/dav/spaces/" + apollo["id"].replace("$", "%24")
    assert alice.request("PUT", dav + "/plan.txt", content=b"v1").status_code == 201
    alice.invite(apollo["id"], bob, VIEWER)
    # Purge on an enabled space: 400, nothing happens
    error(alice.delete(url, headers={"Purge": "T"}), 400, "invalidRequest")
    assert alice.delete(url).status_code == 204
    drive = alice.get(url).json()
    assert drive["root"]["deleted"] == {"state": "trashed"}
    # members no longer see it; its manager still lists it
    error(bob.get(url), 404, "itemNotFound")
    assert [d["name"] for d in bob.drives()] == ["Bob"]
    assert "Apollo" in [d["name"] for d in alice.drives()]
    assert alice.request("GET", dav + "/plan.txt").status_code == 404
    # no changes while disabled, except restoring
    error(alice.patch(url, json={"name": "x"}), 400, "invalidRequest")
    restored = alice.patch(url, headers={"Restore": "T"})
    assert restored.status_code == 200, restored.text
    assert "deleted" not in restored.json()["root"]
    assert bob.request("GET", dav + "/plan.txt").content == b"v1"
    # disable again, then delete for good
    assert alice.delete(url).status_code == 204
    assert alice.delete(url, headers={"Purge": "T"}).status_code == 204
    error(alice.get(url), 404, "itemNotFound")
    assert [d["name"] for d in alice.drives()] == ["Alice"]


def test_restore_with_changes(alice: As) -> None:
    apollo = alice.create("Apollo")
    url = f"/graph/v1.0/drives/{apollo['id']}"
    alice.delete(url)
    response = alice.patch(url, headers={"Restore": "true"}, json={"name": "Back"})
    assert response.status_code == 200
    assert response.json()["name"] == "Back"
    assert "deleted" not in response.json()["root"]


@pytest.mark.parametrize("method", ["PATCH", "DELETE"])
def test_viewers_and_editors_may_not_change_a_space(
    alice: As, bob: As, carol: As, method: str
) -> None:
    apollo = alice.create("Apollo")
    url = f"/graph/v1.0/drives/{apollo['id']}"
    alice.invite(apollo["id"], bob, VIEWER)
    body = {"json": {"name": "Hijacked"}} if method == "PATCH" else {}
    error(bob.request(method, url, **body), 403, "accessDenied")
    error(carol.request(method, url, **body), 404, "itemNotFound")  # not a member
    drive = alice.get(url).json()
    assert drive["name"] == "Apollo"
    assert "deleted" not in drive["root"]


def test_a_space_admin_manages_spaces_they_are_not_in(alice: As, root: As) -> None:
    mercury = root.create("Mercury")
    url = f"/graph/v1.0/drives/{mercury['id']}"
    assert alice.patch(url, json={"quota": {"total": 123}}).json()["quota"]["total"] == 123
    assert alice.delete(url).status_code == 204
    assert alice.delete(url, headers={"Purge": "T"}).status_code == 204
    error(root.get(url), 404, "itemNotFound")


def test_a_personal_drive_is_not_disabled_here(bob: As) -> None:
    personal = bob.drives()[0]
    error(bob.delete(f"/graph/v1.0/drives/{personal['id']}"), 403, "accessDenied")
