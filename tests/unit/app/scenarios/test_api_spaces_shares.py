"""apiSpacesShares: sharing items of project spaces, and shares that outlive
the person who made them."""

from __future__ import annotations

from typing import TYPE_CHECKING

from .conftest import (
    BETA,
    EDITOR,
    MANAGER,
    OC,
    SHARES_DRIVE,
    SPACE_EDITOR,
    SPACE_VIEWER,
    UPLOADER,
    V1,
    VIEWER,
    dav_url,
    graph_error,
)

if TYPE_CHECKING:
    from .conftest import Scenario


def test_a_share_from_a_space_outlives_its_sharer(world: Scenario) -> None:
    """Modelled on apiSpacesShares/shareSubItemOfSpace.feature ("Manager of
    the space shares a folder of the space with a user") and OpenCloud's
    seventh learning behind it: what is shared from a project space stays
    shared when the sharer leaves the space, and when their account is
    deleted."""
    admin = world.user("admin", role="admin")
    alice = world.user("alice", role="spaceadmin")
    brian = world.user("brian")
    carol = world.user("carol")
    # Given Alice created "share sub-item" and made Brian a Manager
    drive = alice.create_space("share sub-item")["id"]
    assert alice.invite_member(drive, brian, MANAGER).status_code == 200
    # And Brian created "folder/file.txt" in it
    folder = brian.mkdir("/folder", drive)
    brian.put("/folder/file.txt", b"space data", drive)

    # When Brian shares "folder" with Carol as Editor
    permission = brian.share(folder, carol, EDITOR)
    share_id = permission["id"]
    assert share_id.startswith(drive.replace("$", ":") + ":")
    # Then Carol sees it, from a project space, and works in it
    (item,) = carol.shared_with_me()
    assert item["remoteItem"]["id"] == folder
    assert item["remoteItem"]["parentReference"]["driveType"] == "project"
    assert item["remoteItem"]["parentReference"]["driveId"] == drive
    assert item["createdBy"]["user"]["id"] == brian.id
    assert carol.read("/folder/file.txt", SHARES_DRIVE) == b"space data"
    assert carol.dav("PUT", "/folder/carol.txt", SHARES_DRIVE, content=b"c").status_code == 201
    assert brian.names("/folder", drive) == {"file.txt", "carol.txt"}
    # but nothing else of the space: it is not a member
    assert carol.drive_names() == set()
    assert carol.dav("PROPFIND", "/", drive, headers={"Depth": "0"}).status_code == 404
    # and the space's data is charged to the space, not to anybody
    assert alice.get(f"{V1}/drives/{drive}").json()["quota"]["used"] == len(b"space datac")

    # When Brian leaves the space (Alice removes his membership)
    removed = alice.delete(f"{BETA}/drives/{drive}/root/permissions/u:{brian.id}")
    assert removed.status_code == 204, removed.text
    # Then he no longer reaches it, but Carol keeps her share
    assert brian.drive_names() == set()
    assert brian.dav("GET", "/folder/file.txt", drive).status_code == 404
    assert carol.read("/folder/carol.txt", SHARES_DRIVE) == b"c"
    # and the space's Manager lists the share and may change it
    (listed,) = alice.item_permissions(folder)
    assert listed["id"] == share_id
    assert listed["invitation"]["invitedBy"]["user"]["id"] == brian.id
    url = f"{BETA}/drives/{drive}/items/{folder}/permissions/{share_id}"
    downgraded = alice.patch(url, json={"roles": [VIEWER]})
    assert downgraded.status_code == 200, downgraded.text
    assert carol.dav("PUT", "/folder/more.txt", SHARES_DRIVE, content=b"m").status_code == 403

    # When the admin deletes Brian's account over Graph
    assert admin.delete(f"{V1}/users/{brian.id}").status_code == 204
    # Then the space, its data and Carol's share all stay
    assert alice.names("/folder", drive) == {"file.txt", "carol.txt"}
    (item,) = carol.shared_with_me()
    assert item["remoteItem"]["id"] == folder
    assert carol.read("/folder/file.txt", SHARES_DRIVE) == b"space data"
    assert [p["id"] for p in alice.item_permissions(folder)] == [share_id]

    # When Alice removes the share, Carol loses access at last
    assert alice.delete(url).status_code == 204
    assert carol.shared_with_me() == []
    assert carol.dav("GET", "/folder/file.txt", SHARES_DRIVE).status_code == 404


def test_only_managers_share_items_of_a_space(world: Scenario) -> None:
    """Modelled on apiSpacesShares/shareSubItemOfSpace.feature ("Space
    Editor/Viewer tries to share a folder of the space": 403) and
    shareOperations.feature (a sharee of a space item reaches it by id, not
    the rest of the space), then disableEnableDeleteSpaces.feature's "a
    disabled space isn't accessible by shared users until it is restored"."""
    alice = world.user("alice", role="spaceadmin")
    brian = world.user("brian")
    carol = world.user("carol")
    dave = world.user("dave")
    # Given "Project Moon" with Brian as Space Editor and Carol as Space Viewer
    drive = alice.create_space("Project Moon")["id"]
    assert alice.invite_member(drive, brian, SPACE_EDITOR).status_code == 200
    assert alice.invite_member(drive, carol, SPACE_VIEWER).status_code == 200
    folder = alice.mkdir("/folder", drive)
    alice.put("/folder/a.txt", b"a", drive)
    alice.put("/secret.txt", b"s", drive)

    # When Brian (Space Editor) or Carol (Space Viewer) tries to share it: 403
    graph_error(brian.invite(folder, dave, VIEWER), 403, "accessDenied")
    graph_error(carol.invite(folder, dave, VIEWER), 403, "accessDenied")
    # and a non-member who cannot see it: 404
    graph_error(dave.invite(folder, brian, VIEWER), 404, "itemNotFound")
    assert alice.item_permissions(folder) == []
    # but each member who sees it lists its (no) shares and the roles within their rights
    listed = carol.get(f"{BETA}/drives/{drive}/items/{folder}/permissions")
    assert listed.status_code == 200, listed.text
    assert [r["id"] for r in listed.json()["@libre.graph.permissions.roles.allowedValues"]] == [
        VIEWER
    ]

    # When Alice, the Manager, shares the folder with Dave as Viewer
    permission = alice.share(folder, dave, VIEWER)
    # Then Dave reaches it by its id and through the Shares space
    assert dave.read("/a.txt", drive=folder) == b"a"
    assert dave.read("/folder/a.txt", SHARES_DRIVE) == b"a"
    assert dave.stat("/folder", SHARES_DRIVE)[f"{OC}permissions"] == "SM"
    # and nothing above it: the space root and its other files are 404
    assert dave.dav("GET", "/secret.txt", drive).status_code == 404
    assert dave.dav("PROPFIND", "/", drive, headers={"Depth": "0"}).status_code == 404
    assert dave.dav("GET", "/../secret.txt", drive=folder).status_code in (400, 404)
    # and the item shows share-type 0 to the space's members
    assert brian.stat("/folder", drive)[f"{OC}share-types"] == "0"

    # When Alice disables the space, the share gives nothing any more
    assert alice.delete(f"{V1}/drives/{drive}").status_code == 204
    assert dave.dav("GET", "/folder/a.txt", SHARES_DRIVE).status_code == 404
    assert dave.dav("GET", "/a.txt", drive=folder).status_code == 404
    assert dave.shared_with_me() == []
    assert dave.names("/", SHARES_DRIVE) == set()
    # and when she restores it, the share works again
    assert alice.patch(f"{V1}/drives/{drive}", headers={"Restore": "T"}).status_code == 200
    assert dave.read("/folder/a.txt", SHARES_DRIVE) == b"a"
    assert [i["remoteItem"]["id"] for i in dave.shared_with_me()] == [folder]
    assert [p["id"] for p in alice.item_permissions(folder)] == [permission["id"]]


def test_editors_and_uploaders_change_a_shared_space_folder_within_their_role(
    world: Scenario,
) -> None:
    """Modelled on apiSpacesShares/changingFilesShare.feature ("move a file
    into a folder of a share", "sharee tries to move the shared folder
    itself") and moveSpaces.feature, with an Uploader as in
    shareUploadTUS.feature: each recipient changes the shared folder of a
    project space as far as their role goes, and no further."""
    alice = world.user("alice", role="spaceadmin")
    brian = world.user("brian")
    carol = world.user("carol")
    drive = alice.create_space("Project Moon")["id"]
    folder = alice.mkdir("/folder", drive)
    alice.mkdir("/folder/sub", drive)
    alice.put("/folder/a.txt", b"a", drive)
    # Given Brian is an Editor and Carol an Uploader of "folder"
    alice.share(folder, brian, EDITOR)
    alice.share(folder, carol, UPLOADER)
    share_root = f"/remote.php/dav/spaces/{SHARES_DRIVE.replace('$', '%24')}"

    # When Brian moves "a.txt" into "sub" inside the share: 201
    moved = brian.dav(
        "MOVE",
        "/folder/a.txt",
        SHARES_DRIVE,
        headers={"Destination": f"{share_root}/folder/sub/a.txt"},
    )
    assert moved.status_code == 201, moved.text
    assert alice.names("/folder/sub", drive) == {"a.txt"}
    # but he may not move the shared folder itself, nor out of the share
    itself = brian.dav(
        "MOVE", "/folder", SHARES_DRIVE, headers={"Destination": f"{share_root}/renamed"}
    )
    assert itself.status_code == 403
    out = brian.dav(
        "MOVE",
        "/folder/sub/a.txt",
        SHARES_DRIVE,
        headers={"Destination": dav_url(brian.drive, "/a.txt")},
    )
    assert out.status_code == 400
    assert alice.names("/", drive) == {"folder"}
    assert alice.names("/folder/sub", drive) == {"a.txt"}

    # When Carol (Uploader) adds a file: 201; overwrites or deletes: 403
    assert carol.dav("PUT", "/folder/c.txt", SHARES_DRIVE, content=b"c").status_code == 201
    assert carol.stat("/folder", SHARES_DRIVE)[f"{OC}permissions"] == "SMCK"
    overwrite = carol.dav("PUT", "/folder/sub/a.txt", SHARES_DRIVE, content=b"x")
    assert overwrite.status_code == 403
    assert carol.dav("DELETE", "/folder/c.txt", SHARES_DRIVE).status_code == 403
    assert alice.read("/folder/sub/a.txt", drive) == b"a"
    assert alice.names("/folder", drive) == {"sub", "c.txt"}
    # and what both did is charged to the space
    assert alice.get(f"{V1}/drives/{drive}").json()["quota"]["used"] == 2


def test_a_disabled_space_opens_nothing_through_its_links(world: Scenario) -> None:
    """apiSpaces/disableEnableDeleteSpaces.feature: a disabled space is not
    accessible until it is restored; its public links included (as its
    shares are, b011461), and they work again after the restore."""
    alice = world.user("alice", role="spaceadmin")
    anyone = world.public
    drive = alice.create_space("linked")["id"]
    folder = alice.mkdir("/folder", drive)
    alice.put("/folder/file.txt", b"public data", drive)
    made = alice.post(
        f"{BETA}/drives/{drive}/items/{folder}/createLink",
        json={"type": "edit", "password": "Link-pass-1!"},
    )
    assert made.status_code == 200, made.text
    token = made.json()["link"]["webUrl"].rsplit("/s/", 1)[1]
    url = f"/remote.php/dav/public-files/{token}/file.txt"
    auth = ("public", "Link-pass-1!")
    assert anyone.client.get(url, auth=auth).content == b"public data"

    # When Alice disables the space
    assert alice.delete(f"{V1}/drives/{drive}").status_code == 204
    # Then its link reads and writes nothing: 404, as for a link that is gone
    assert anyone.client.get(url, auth=auth).status_code == 404
    assert anyone.client.put(url, content=b"changed", auth=auth).status_code == 404
    tokeninfo = f"/ocs/v2.php/apps/files_sharing/api/v1/tokeninfo/unprotected/{token}"
    assert anyone.client.get(tokeninfo).status_code == 404

    # When she restores it, the link works again, unchanged
    assert alice.patch(f"{V1}/drives/{drive}", headers={"Restore": "T"}).status_code == 200
    assert anyone.client.get(url, auth=auth).content == b"public data"
