"""apiSharingNg: sharing files and folders with users and groups, and what
the sharee sees of it (sharedWithMe, the Shares space, etags)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from .conftest import (
    BETA,
    EDITOR,
    FILE_EDITOR,
    OC,
    SHARES_DRIVE,
    VIEWER,
    D,
    graph_error,
)

if TYPE_CHECKING:
    from .conftest import Scenario

OCS = "/ocs/v2.php/apps/files_sharing/api/v1/shares"


def test_a_viewer_becomes_an_editor_then_loses_the_share(world: Scenario) -> None:
    """Modelled on apiSharingNg1/sharedWithMe.feature ("sharee lists the
    folder share"), apiSharingNgShareInvitation/updateShareInvitations.feature
    ("update the role of a share from Viewer to Editor"), propfindShares.feature
    and removeAccessToDrive.feature ("remove the share: the sharee loses
    access")."""
    alice = world.user("alice")
    brian = world.user("brian")
    # Given Alice has a folder "folder" with "textfile.txt"
    folder = alice.mkdir("/folder")
    alice.put("/folder/textfile.txt", b"hello world")

    # When Alice shares it with Brian as Viewer
    permission = alice.share(folder, brian, VIEWER)
    share_id = permission["id"]
    storage, space, _ = share_id.split(":")
    assert f"{storage}${space}" == alice.drive
    assert permission["grantedToV2"]["user"]["id"] == brian.id
    assert "expirationDateTime" not in permission

    # Then Brian lists it in sharedWithMe, auto-accepted
    (item,) = brian.shared_with_me()
    assert item["name"] == "folder"
    assert item["id"] == f"{SHARES_DRIVE}!{share_id}"
    assert item["@client.synchronize"] is True
    assert item["@UI.Hidden"] is False
    assert "folder" in item
    assert item["createdBy"]["user"]["id"] == alice.id
    assert item["parentReference"]["driveType"] == "virtual"
    assert item["remoteItem"]["id"] == folder
    assert item["remoteItem"]["parentReference"]["driveType"] == "personal"
    assert [p["roles"] for p in item["remoteItem"]["permissions"]] == [[VIEWER]]
    # and reaches it through the Shares space, with a Viewer's rights
    jail_root = brian.propfind("/", SHARES_DRIVE)
    assert [e[f"{OC}name"] for e in jail_root[1:]] == ["folder"]
    assert jail_root[1][f"{OC}shareid"] == share_id
    assert brian.stat("/folder", SHARES_DRIVE)[f"{OC}permissions"] == "SM"
    assert brian.read("/folder/textfile.txt", SHARES_DRIVE) == b"hello world"
    denied = brian.dav("PUT", "/folder/new.txt", SHARES_DRIVE, content=b"no")
    assert denied.status_code == 403
    assert alice.names("/folder") == {"textfile.txt"}

    # When Alice changes the role to Editor
    url = f"{BETA}/drives/{alice.drive}/items/{folder}/permissions/{share_id}"
    updated = alice.patch(url, json={"roles": [EDITOR]})
    assert updated.status_code == 200, updated.text
    assert updated.json()["roles"] == [EDITOR]
    assert brian.shared_with_me()[0]["remoteItem"]["permissions"][0]["roles"] == [EDITOR]
    assert brian.stat("/folder", SHARES_DRIVE)[f"{OC}permissions"] == "SMCK"

    # Then Brian uploads into it, and Alice's etags change up to her root
    owner_folder_etag = alice.etag("/folder")
    owner_root_etag = alice.etag("/")
    sharee_folder_etag = brian.etag("/folder", SHARES_DRIVE)
    sharee_jail_etag = brian.etag("/", SHARES_DRIVE)
    assert sharee_folder_etag == owner_folder_etag  # the sharee sees the item's own etag
    created = brian.dav("PUT", "/folder/from-brian.txt", SHARES_DRIVE, content=b"brian")
    assert created.status_code == 201, created.text
    assert alice.read("/folder/from-brian.txt") == b"brian"
    assert alice.etag("/folder") != owner_folder_etag
    assert alice.etag("/") != owner_root_etag
    # and the change propagates to Brian's view: the mount and the Shares root
    assert brian.etag("/folder", SHARES_DRIVE) == alice.etag("/folder")
    assert brian.etag("/", SHARES_DRIVE) != sharee_jail_etag
    (jail,) = brian.drives("?$filter=driveType eq 'virtual'")
    assert jail["root"]["eTag"] == brian.etag("/", SHARES_DRIVE)
    # an Editor also deletes inside the share
    assert brian.dav("DELETE", "/folder/textfile.txt", SHARES_DRIVE).status_code == 204
    assert alice.names("/folder") == {"from-brian.txt"}

    # When Alice removes the share
    assert alice.delete(url).status_code == 204
    # Then Brian has nothing shared with him, and the paths answer 404
    assert brian.shared_with_me() == []
    assert brian.dav("GET", "/folder/from-brian.txt", SHARES_DRIVE).status_code == 404
    assert brian.dav("PROPFIND", f"!{share_id}/", SHARES_DRIVE).status_code == 404
    assert brian.dav("GET", "/from-brian.txt", drive=folder).status_code == 404
    assert alice.item_permissions(folder) == []


def test_a_group_share_is_accepted_declined_and_hidden_by_each_member(world: Scenario) -> None:
    """Modelled on apiSharingNg1/enableDisableShareSync.feature ("sharee
    disables sync of a group share", "sharee enables sync again") and
    sharedWithMe.feature ("sharee lists a group share", "hide a share")."""
    alice = world.user("alice")
    brian = world.user("brian")
    carol = world.user("carol")
    # Given Brian and Carol are in group "grp1", and Alice has "report.txt"
    group = world.group("grp1", brian, carol)
    alice.put("/report.txt", b"numbers")
    report = alice.file_id("/report.txt")

    # When Alice shares the file with the group as File Editor
    permission = alice.share(report, ("group", group), FILE_EDITOR)
    assert permission["grantedToV2"] == {"group": {"id": group, "displayName": "grp1"}}
    jail_item = f"{SHARES_DRIVE}!{permission['id']}"
    # Then both members list it, synchronised, and may edit the file
    for member in (brian, carol):
        (item,) = member.shared_with_me()
        assert item["id"] == jail_item
        assert item["file"]["mimeType"] == "text/plain"
        assert item["@client.synchronize"] is True
        assert member.stat("/report.txt", SHARES_DRIVE)[f"{OC}permissions"] == "SMW"
    assert carol.dav("PUT", "/report.txt", SHARES_DRIVE, content=b"more numbers").status_code == 204
    assert alice.read("/report.txt") == b"more numbers"

    # When Brian declines it (disables its sync)
    url = f"{BETA}/drives/{SHARES_DRIVE}/items/{jail_item}"
    assert brian.delete(url).status_code == 204
    # Then it stays listed for him, unsynchronised, but leaves his Shares space
    (declined,) = brian.shared_with_me()
    assert declined["@client.synchronize"] is False
    assert brian.names("/", SHARES_DRIVE) == set()
    assert brian.dav("GET", "/report.txt", SHARES_DRIVE).status_code == 404
    assert brian.drives("?$filter=driveType eq 'mountpoint'") == []
    # while Carol keeps it
    assert carol.names("/", SHARES_DRIVE) == {"report.txt"}
    assert carol.shared_with_me()[0]["@client.synchronize"] is True

    # When Brian accepts it again, under a name of his own
    accepted = brian.post(
        f"{BETA}/drives/{SHARES_DRIVE}/root/children",
        json={"remoteItem": {"id": report}, "name": "numbers.txt"},
    )
    assert accepted.status_code == 201, accepted.text
    assert accepted.json()["name"] == "numbers.txt"
    assert accepted.json()["@client.synchronize"] is True
    # Then it is back, renamed for him only
    assert brian.read("/numbers.txt", SHARES_DRIVE) == b"more numbers"
    assert carol.names("/", SHARES_DRIVE) == {"report.txt"}
    (mount,) = brian.drives("?$filter=driveType eq 'mountpoint'")
    assert mount["name"] == "numbers.txt"
    assert mount["root"]["remoteItem"]["id"] == report

    # When Carol hides it
    hidden = carol.patch(url, json={"@UI.Hidden": True})
    assert hidden.status_code == 200, hidden.text
    assert hidden.json()["@UI.Hidden"] is True
    # Then it is hidden in her list only, and still synchronised
    assert carol.shared_with_me()[0]["@UI.Hidden"] is True
    assert carol.shared_with_me()[0]["@client.synchronize"] is True
    assert brian.shared_with_me()[0]["@UI.Hidden"] is False

    # When Alice removes the group share, both lose it
    share_url = f"{BETA}/drives/{alice.drive}/items/{report}/permissions/{permission['id']}"
    assert alice.delete(share_url).status_code == 204
    assert brian.shared_with_me() == carol.shared_with_me() == []
    assert carol.dav("GET", "/report.txt", SHARES_DRIVE).status_code == 404


def test_shared_by_me_ocs_and_refusals_tell_the_same_story(world: Scenario) -> None:
    """Modelled on apiSharingNg1/sharedByMe.feature ("sharer lists the file
    share"), apiSharingNg1/listPermissions.feature and the refusals of
    apiSharingNgShareInvitation/shareInvitations.feature ("share with the
    same user twice", "share a file with the Editor role", "share with an
    unknown user"), with the OCS share API seeing what Graph made."""
    alice = world.user("alice")
    brian = world.user("brian")
    alice.put("/textfile0.txt", b"hello")
    item = alice.file_id("/textfile0.txt")

    # Given nothing is shared yet
    assert alice.shared_by_me() == []
    # When Alice shares the file with Brian as Viewer
    permission = alice.share(item, brian, VIEWER)
    # Then sharedByMe lists it with that permission
    (mine,) = alice.shared_by_me()
    assert mine["id"] == item
    assert mine["name"] == "textfile0.txt"
    assert [p["id"] for p in mine["permissions"]] == [permission["id"]]
    # and the item's permissions offer a file's roles, least powerful first
    listed = alice.get(f"{BETA}/drives/{alice.drive}/items/{item}/permissions").json()
    assert [p["id"] for p in listed["value"]] == [permission["id"]]
    assert [r["id"] for r in listed["@libre.graph.permissions.roles.allowedValues"]] == [
        VIEWER,
        FILE_EDITOR,
    ]
    # and the file carries share-type 0 (user) for Alice
    assert alice.stat("/textfile0.txt")[f"{OC}share-types"] == "0"
    # and OCS lists the same share, read-only (permissions 1)
    ocs = alice.get(f"{OCS}?format=json&path=/textfile0.txt")
    assert ocs.status_code == 200, ocs.text
    (share,) = ocs.json()["ocs"]["data"]
    assert share["share_type"] == 0
    assert share["share_with"] == "brian"
    assert share["permissions"] == 1
    assert share["item_source"] == item
    assert str(share["id"]).isdigit()  # a number, for ownCloud 10-era clients

    # When Alice shares it with Brian again: 409, the one share stays
    graph_error(alice.invite(item, brian, FILE_EDITOR), 409, "nameAlreadyExists")
    # with herself, with an Editor role on a file, or with nobody: 400
    graph_error(alice.invite(item, alice, VIEWER), 400, "invalidRequest")
    graph_error(alice.invite(item, brian, EDITOR), 400, "invalidRequest")
    nobody = ("user", "00000000-0000-4000-8000-000000000000")
    graph_error(alice.invite(item, nobody, VIEWER), 400, "invalidRequest")
    # Brian, a recipient, may not share it on
    carol = world.user("carol")
    graph_error(brian.invite(item, carol, VIEWER), 403, "accessDenied")
    assert len(alice.item_permissions(item)) == 1
    assert carol.shared_with_me() == []

    # When Alice upgrades the share through OCS to File Editor (permissions 3)
    changed = alice.request("PUT", f"{OCS}/{share['id']}?format=json", data={"permissions": "3"})
    assert changed.status_code == 200, changed.text
    # Then Graph sees the new role, and Brian may write
    assert alice.item_permissions(item)[0]["roles"] == [FILE_EDITOR]
    assert brian.dav("PUT", "/textfile0.txt", SHARES_DRIVE, content=b"edited").status_code == 204
    assert alice.read("/textfile0.txt") == b"edited"
    assert changed.json()["ocs"]["data"]["permissions"] == 3
    # When Alice deletes the share through OCS (by Graph's id, also taken there)
    removed = alice.delete(f"{OCS}/{permission['id']}?format=json")
    assert removed.status_code == 200, removed.text
    # Then sharedByMe is empty again
    assert alice.shared_by_me() == []
    assert brian.shared_with_me() == []
    stat = alice.stat("/textfile0.txt")
    assert stat.get(f"{OC}share-types", "") == ""
    assert stat[f"{D}getetag"]
