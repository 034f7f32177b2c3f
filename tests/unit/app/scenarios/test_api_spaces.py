"""apiSpaces: the life of a project space, from creation to purge."""

from __future__ import annotations

from typing import TYPE_CHECKING

from .conftest import BETA, MANAGER, SPACE_EDITOR, SPACE_VIEWER, V1, dav_url, graph_error

if TYPE_CHECKING:
    from .conftest import Scenario


def test_a_space_editor_works_in_a_space_its_manager_reshapes(world: Scenario) -> None:
    """Modelled on apiSpaces/createSpace.feature ("space admin creates a
    project space"), uploadSpaces.feature ("user with Space Editor role
    uploads a file to a space") and changeSpaces.feature ("change the name,
    description and quota of a space")."""
    alice = world.user("alice", role="spaceadmin")
    brian = world.user("brian")

    # Given Alice, a space admin, has created "Project Moon" with a quota of 100 bytes
    moon = alice.create_space("Project Moon", description="to the moon", quota={"total": 100})
    drive = moon["id"]
    assert moon["driveAlias"] == "project/project moon"
    assert moon["quota"] == {"total": 100, "used": 0, "remaining": 100, "state": "normal"}
    assert moon["root"]["webDavUrl"].endswith(dav_url(drive).removeprefix("/remote.php"))
    assert "owner" not in moon  # a project belongs to the organisation
    # Brian is no member yet: he neither lists it nor reaches it
    assert brian.drive_names() == set()
    graph_error(brian.get(f"{V1}/drives/{drive}"), 404, "itemNotFound")
    assert brian.dav("PROPFIND", "/", drive, headers={"Depth": "0"}).status_code == 404

    # When Alice invites Brian as Space Editor
    response = alice.invite_member(drive, brian, SPACE_EDITOR)
    assert response.status_code == 200, response.text
    (member,) = response.json()["value"]
    assert member["id"] == f"u:{brian.id}"
    assert member["roles"] == [SPACE_EDITOR]
    assert member["grantedToV2"]["user"] == {
        "id": brian.id,
        "displayName": "Brian",
        "@libre.graph.userType": "Member",
    }
    # Then Brian lists it among his project drives, and may upload into it
    assert brian.drive_names() == {"Project Moon"}
    etag_before = alice.get(f"{V1}/drives/{drive}").json()["root"]["eTag"]
    assert brian.dav("PUT", "/plan.txt", drive, content=b"x" * 40).status_code == 201
    assert brian.mkdir("/notes", drive)
    assert alice.names("/", drive) == {"plan.txt", "notes"}
    after = alice.get(f"{V1}/drives/{drive}").json()
    assert after["root"]["eTag"] != etag_before
    assert after["quota"] == {"total": 100, "used": 40, "remaining": 60, "state": "normal"}
    # and his upload is charged to the space, not to his personal quota
    (personal,) = brian.drives("?$filter=driveType eq 'personal'")
    assert personal["quota"]["used"] == 0

    # When Brian, a Space Editor, tries to rename the space: 403, nothing changed
    graph_error(brian.patch(f"{V1}/drives/{drive}", json={"name": "Mine"}), 403, "accessDenied")
    # When Alice, its Manager, renames and describes it
    renamed = alice.patch(
        f"{V1}/drives/{drive}", json={"name": "Project Mars", "description": "further"}
    )
    assert renamed.status_code == 200, renamed.text
    assert renamed.json()["name"] == "Project Mars"
    assert renamed.json()["description"] == "further"
    assert renamed.json()["driveAlias"] == "project/project moon"  # the alias stays
    assert brian.drive_names() == {"Project Mars"}

    # When the quota is lowered to 50 bytes, 40 used: state "critical" (80-99 %)
    quota = alice.patch(f"{V1}/drives/{drive}", json={"quota": {"total": 50}})
    assert quota.status_code == 200, quota.text
    assert quota.json()["quota"] == {"total": 50, "used": 40, "remaining": 10, "state": "nearing"}
    # Then an upload beyond it is refused with 507 naming the space, nothing stored
    refused = brian.dav("PUT", "/big.bin", drive, content=b"y" * 20)
    assert refused.status_code == 507
    assert drive.partition("$")[2] in refused.text  # the space's id (its name: see below)
    assert alice.names("/", drive) == {"plan.txt", "notes"}
    # and one that fits still goes in
    assert brian.dav("PUT", "/small.bin", drive, content=b"z" * 10).status_code == 201
    full = alice.get(f"{V1}/drives/{drive}").json()["quota"]
    assert full == {"total": 50, "used": 50, "remaining": 0, "state": "exceeded"}


def test_disable_restore_and_delete_a_space(world: Scenario) -> None:
    """Modelled on apiSpaces/disableEnableDeleteSpaces.feature: "disable space
    via the Graph API", "list disabled space", "participants can see and
    create the data after the space is restored", "user cannot delete their
    own space without first disabling it", "delete space via the Graph API"
    (a plain user who is Manager may not delete; a space admin may)."""
    admin = world.user("admin", role="spaceadmin")
    alice = world.user("alice")
    brian = world.user("brian")
    carol = world.user("carol")

    # Given the space admin created "Project Moon" and made Alice its Manager
    drive = admin.create_space("Project Moon")["id"]
    url = f"{V1}/drives/{drive}"
    assert admin.invite_member(drive, alice, MANAGER).status_code == 200
    # And Alice put a folder and a file in it and invited Brian (editor), Carol (viewer)
    alice.mkdir("/mainFolder", drive)
    alice.put("/test.txt", b"example", drive)
    assert alice.invite_member(drive, brian, SPACE_EDITOR).status_code == 200
    assert alice.invite_member(drive, carol, SPACE_VIEWER).status_code == 200

    # When Brian (Space Editor) tries to disable it: 403, still enabled
    graph_error(brian.delete(url), 403, "accessDenied")
    assert "deleted" not in alice.get(url).json()["root"]
    # When Alice (Manager) tries to delete it while enabled: 403, as OpenCloud
    # (only space admins delete; no Manager may, disabled or not)
    graph_error(alice.delete(url, headers={"Purge": "T"}), 403, "accessDenied")

    # When Alice disables it
    assert alice.delete(url).status_code == 204
    # Then she still lists it, trashed; Brian and Carol no longer do
    (disabled,) = alice.drives("?$filter=driveType eq 'project'")
    assert disabled["root"]["deleted"] == {"state": "trashed"}
    assert brian.drive_names() == set()
    assert carol.drive_names() == set()
    graph_error(brian.get(url), 404, "itemNotFound")
    assert brian.dav("GET", "/test.txt", drive).status_code == 404
    # and nothing but a restore changes a disabled space
    graph_error(alice.patch(url, json={"name": "Renamed"}), 400, "invalidRequest")
    # an editor cannot restore what they cannot see
    graph_error(brian.patch(url, headers={"Restore": "T"}), 404, "itemNotFound")

    # When Alice restores it
    restored = alice.patch(url, headers={"Restore": "T"})
    assert restored.status_code == 200, restored.text
    assert "deleted" not in restored.json()["root"]
    assert alice.names("/", drive) == {"mainFolder", "test.txt"}
    # Then Brian creates data again, and Carol sees it all
    brian.mkdir("/newFolder", drive)
    brian.put("/new.txt", b"test", drive)
    assert carol.names("/", drive) == {"mainFolder", "test.txt", "newFolder", "new.txt"}
    assert carol.read("/new.txt", drive) == b"test"

    # When the space admin tries to delete it while enabled: 400
    graph_error(admin.delete(url, headers={"Purge": "T"}), 400, "invalidRequest")
    # When Alice disables it again, she, its Manager, still may not delete it
    assert alice.delete(url).status_code == 204
    graph_error(alice.delete(url, headers={"Purge": "T"}), 403, "accessDenied")
    # and Brian, who no longer sees it, gets 404
    graph_error(brian.delete(url, headers={"Purge": "T"}), 404, "itemNotFound")
    # When the space admin deletes it
    assert admin.delete(url, headers={"Purge": "T"}).status_code == 204
    # Then nobody has it any more
    graph_error(admin.get(url), 404, "itemNotFound")
    assert alice.drive_names() == set()
    assert alice.dav("PROPFIND", "/", drive, headers={"Depth": "0"}).status_code == 404


def test_users_made_over_graph_join_and_run_a_space(world: Scenario) -> None:
    """Modelled on apiGraphUserGroup/createUser.feature ("admin creates a
    user") followed by apiSpaces/listSpaces.feature ("ordinary user lists
    the project space they were invited to") and apiSpaceMembership's "a
    space always keeps a Manager": users created by an admin over Graph,
    then a space handed over to one of them."""
    admin = world.user("admin", role="admin")
    # Given the admin created Brian and Carol through Graph
    brian = world.graph_user(admin, "brian")
    carol = world.graph_user(admin, "carol")
    # Then each has a personal drive, made with the account
    (personal,) = brian.drives("?$filter=driveType eq 'personal'")
    assert personal["driveAlias"] == "personal/brian"
    assert personal["owner"]["user"]["id"] == brian.id
    # And ordinary users may not create spaces
    graph_error(brian.post(f"{V1}/drives", json={"name": "Mine"}), 403, "accessDenied")

    # When the admin creates "Project Moon" and invites Brian as Space Viewer
    drive = admin.create_space("Project Moon")["id"]
    assert admin.invite_member(drive, brian, SPACE_VIEWER).status_code == 200
    admin.put("/readme.md", b"# moon", drive)
    # Then Brian lists it, reads it, but may not write or invite
    assert brian.drive_names() == {"Project Moon"}
    assert brian.read("/readme.md", drive) == b"# moon"
    assert brian.dav("PUT", "/x.txt", drive, content=b"x").status_code == 403
    graph_error(brian.invite_member(drive, carol, SPACE_VIEWER), 403, "accessDenied")
    members = brian.get(f"{BETA}/drives/{drive}/root/permissions")
    assert members.status_code == 200, members.text
    assert {p["id"]: p["roles"] for p in members.json()["value"]} == {
        f"u:{admin.id}": [MANAGER],
        f"u:{brian.id}": [SPACE_VIEWER],
    }

    # When the admin makes Brian a Manager
    promoted = admin.patch(
        f"{BETA}/drives/{drive}/root/permissions/u:{brian.id}", json={"roles": [MANAGER]}
    )
    assert promoted.status_code == 200, promoted.text
    assert promoted.json()["roles"] == [MANAGER]
    # Then Brian writes and invites Carol as Space Editor
    brian.put("/x.txt", b"x", drive)
    assert brian.invite_member(drive, carol, SPACE_EDITOR).status_code == 200
    assert carol.drive_names() == {"Project Moon"}
    # When Brian removes the admin's membership, he is the last Manager
    removed = brian.delete(f"{BETA}/drives/{drive}/root/permissions/u:{admin.id}")
    assert removed.status_code == 204, removed.text
    # the admin no longer has it in me/drives, but still in the admin view of all drives
    assert admin.drive_names() == set()
    every = admin.get(f"{V1}/drives?$filter=driveType eq 'project'")
    assert [d["name"] for d in every.json()["value"]] == ["Project Moon"]
    # Then he cannot demote or remove himself: 409, nothing changed
    last = f"{BETA}/drives/{drive}/root/permissions/u:{brian.id}"
    graph_error(brian.patch(last, json={"roles": [SPACE_VIEWER]}), 409, "conflict")
    graph_error(brian.delete(last), 409, "conflict")
    members = brian.get(f"{BETA}/drives/{drive}/root/permissions").json()["value"]
    assert {p["id"]: p["roles"] for p in members} == {
        f"u:{brian.id}": [MANAGER],
        f"u:{carol.id}": [SPACE_EDITOR],
    }

    # When the admin deletes Brian's account (over Graph)
    assert admin.delete(f"{V1}/users/{brian.id}").status_code == 204
    # Then the space and its data stay; Carol still works in it
    assert carol.names("/", drive) == {"readme.md", "x.txt"}
    carol.put("/after.txt", b"still here", drive)
    assert carol.drive_names() == {"Project Moon"}


def test_a_quota_refusal_names_the_space_as_it_is_called_now(world: Scenario) -> None:
    """Modelled on apiSpaces/quota.feature ("upload a file bigger than the
    space's quota") after changeSpaces.feature's "change the name of a space":
    the refusal names the space its members know."""
    alice = world.user("alice", role="spaceadmin")
    drive = alice.create_space("Project Moon", quota={"total": 10})["id"]
    renamed = alice.patch(f"{V1}/drives/{drive}", json={"name": "Project Mars"})
    assert renamed.status_code == 200, renamed.text
    refused = alice.dav("PUT", "/big.bin", drive, content=b"y" * 20)
    assert refused.status_code == 507
    assert "Project Mars" in refused.text
