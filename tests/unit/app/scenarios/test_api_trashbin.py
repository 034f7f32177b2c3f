"""apiTrashbin: deleting, listing, restoring and purging over WebDAV, in a
personal space, in a project space and below a share."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import httpx2 as httpx

from .conftest import EDITOR, OC, SHARES_DRIVE, SPACE_EDITOR, SPACE_VIEWER, D, multistatus

if TYPE_CHECKING:
    from .conftest import Actor, Scenario

TRASH_PROPS = (
    '<d:propfind xmlns:d="DAV:" xmlns:oc="http://owncloud.org/ns"><d:prop>'
    "<oc:trashbin-original-filename/><oc:trashbin-original-location/>"
    "<oc:trashbin-delete-timestamp/><d:resourcetype/><oc:size/>"
    "</d:prop></d:propfind>"
)
ORIGINAL = f"{OC}trashbin-original-location"


def bin_url(drive: str, tail: str = "") -> str:
    return f"/remote.php/dav/spaces/trash-bin/{drive.replace('$', '%24')}/{tail}"


def trash(actor: Actor, drive: str | None = None, tail: str = "") -> list[dict[str, str]]:
    """The entries of a trash bin (or of a trashed folder), the bin itself left out."""
    response = actor.request(
        "PROPFIND", bin_url(drive or actor.drive, tail), content=TRASH_PROPS, headers={"Depth": "1"}
    )
    return multistatus(response)[1:]


def by_location(entries: list[dict[str, str]]) -> dict[str, str]:
    """original location → trash key (the last segment of the href)."""
    return {e[ORIGINAL]: e["href"].rstrip("/").rsplit("/", 1)[1] for e in entries}


def restore(actor: Actor, key: str, to: str, drive: str | None = None, **kw: Any) -> httpx.Response:
    drive = drive or actor.drive
    destination = f"/remote.php/dav/spaces/{drive.replace('$', '%24')}{to}"
    headers = {"Destination": destination, **kw.pop("headers", {})}
    return actor.request("MOVE", bin_url(drive, key), headers=headers, **kw)


def test_a_deleted_file_is_restored_where_it_was_and_elsewhere(world: Scenario) -> None:
    """Modelled on coreApiTrashbin/trashbinFilesFolders.feature ("deleting a
    file moves it to trashbin", "listing other user's trashbin is
    prohibited") and trashbinRestore.feature ("restore a file to its
    original location", "restore a file to another location", "restore a
    file onto an existing name")."""
    alice = world.user("alice")
    brian = world.user("brian")
    # Given Alice has "textfile0.txt" and "new-folder"
    alice.put("/textfile0.txt", b"to delete")
    file_id = alice.file_id("/textfile0.txt")
    alice.mkdir("/new-folder")

    # When Alice deletes the file
    assert alice.dav("DELETE", "/textfile0.txt").status_code == 204
    # Then it is in her trash, not in her files
    (entry,) = trash(alice)
    assert entry[ORIGINAL] == "textfile0.txt"  # no leading slash
    assert entry[f"{OC}trashbin-original-filename"] == "textfile0.txt"
    assert entry[f"{OC}size"] == "9"
    assert int(entry[f"{OC}trashbin-delete-timestamp"]) > 0
    assert alice.dav("GET", "/textfile0.txt").status_code == 404
    key = by_location([entry])["textfile0.txt"]
    # and Brian cannot list it, by either URL
    assert (
        brian.request("PROPFIND", bin_url(alice.drive), headers={"Depth": "1"}).status_code == 404
    )
    legacy = brian.request("PROPFIND", "/remote.php/dav/trash-bin/alice/", headers={"Depth": "1"})
    assert legacy.status_code == 404
    # nor restore it
    assert restore(brian, key, "/stolen.txt", drive=alice.drive).status_code == 404

    # When Alice restores it without a Destination: 400; into a missing folder: 409
    no_destination = alice.request("MOVE", bin_url(alice.drive, key))
    assert no_destination.status_code == 400
    assert restore(alice, key, "/missing/textfile0.txt").status_code == 409
    assert len(trash(alice)) == 1
    # When she restores it to its original place: 201, with its id kept
    restored = restore(alice, key, "/textfile0.txt")
    assert restored.status_code == 201, restored.text
    assert restored.headers["oc-fileid"] == file_id
    assert alice.read("/textfile0.txt") == b"to delete"
    assert trash(alice) == []

    # When she deletes it again and restores it into "new-folder" under a new name
    assert alice.dav("DELETE", "/textfile0.txt").status_code == 204
    (key,) = by_location(trash(alice)).values()
    moved = restore(alice, key, "/new-folder/renamed.txt")
    assert moved.status_code == 201, moved.text
    assert alice.names("/new-folder") == {"renamed.txt"}
    assert alice.file_id("/new-folder/renamed.txt") == file_id
    assert "textfile0.txt" not in alice.names("/")

    # When a file of the same name is deleted and restored onto the taken name
    alice.put("/other.txt", b"other")
    assert alice.dav("DELETE", "/other.txt").status_code == 204
    (key,) = by_location(trash(alice)).values()
    refused = restore(alice, key, "/new-folder/renamed.txt", headers={"Overwrite": "F"})
    assert refused.status_code == 412
    replaced = restore(alice, key, "/new-folder/renamed.txt")
    # Then 204: it takes the name, and the file that held it goes to the trash
    assert replaced.status_code == 204, replaced.text
    assert alice.read("/new-folder/renamed.txt") == b"other"
    assert set(by_location(trash(alice))) == {"new-folder/renamed.txt"}


def test_an_entry_of_a_trashed_folder_is_restored_alone_and_the_rest_purged(
    world: Scenario,
) -> None:
    """Modelled on coreApiTrashbin/trashbinFilesFolders.feature ("deleting a
    folder moves all its content to the trashbin"), trashbinRestore.feature
    ("restore a file from inside a deleted folder") and trashbinDelete.feature
    ("delete a single file from the trashbin", "empty the trashbin")."""
    alice = world.user("alice")
    # Given "new-folder" with three files, and "lone.txt"
    alice.mkdir("/new-folder")
    for name in ("a.txt", "b.txt", "c.txt"):
        alice.put(f"/new-folder/{name}", name.encode())
    alice.put("/lone.txt", b"lone")

    # When Alice deletes the folder and the lone file
    assert alice.dav("DELETE", "/new-folder").status_code == 204
    assert alice.dav("DELETE", "/lone.txt").status_code == 204
    # Then the trash lists both, the folder as a collection
    keys = by_location(trash(alice))
    assert set(keys) == {"new-folder", "lone.txt"}
    folder_key = keys["new-folder"]
    # and the folder's entries can be listed, with where they were
    inside = trash(alice, tail=f"{folder_key}/")
    assert sorted(e[ORIGINAL] for e in inside) == [
        "new-folder/a.txt",
        "new-folder/b.txt",
        "new-folder/c.txt",
    ]

    # When Alice restores "a.txt" alone, to her root
    alone = restore(alice, f"{folder_key}/a.txt", "/a.txt")
    assert alone.status_code == 201, alone.text
    assert alice.read("/a.txt") == b"a.txt"
    # and purges "b.txt" from inside the trashed folder
    purged = alice.request("DELETE", bin_url(alice.drive, f"{folder_key}/b.txt"))
    assert purged.status_code == 204
    # Then the trashed folder holds "c.txt" only
    assert [e[ORIGINAL] for e in trash(alice, tail=f"{folder_key}/")] == ["new-folder/c.txt"]
    # and restoring the folder brings back what is left of it
    assert restore(alice, folder_key, "/new-folder").status_code == 201
    assert alice.names("/new-folder") == {"c.txt"}
    assert set(by_location(trash(alice))) == {"lone.txt"}

    # When Alice empties her trash
    assert alice.request("DELETE", bin_url(alice.drive)).status_code == 204
    # Then it is empty, and the lone file is gone for good
    assert trash(alice) == []
    assert alice.dav("GET", "/lone.txt").status_code == 404


def test_trash_of_a_project_space_and_below_a_share(world: Scenario) -> None:
    """Modelled on apiSpaces' trash scenarios ("Space Editor restores a
    deleted file", "only a Manager purges a space's trash", "Space Viewer
    lists but cannot restore") and coreApiTrashbin/trashbinSharingToShares
    ("sharee deletes a file in a shared folder: it goes to the owner's
    trash")."""
    alice = world.user("alice", role="spaceadmin")
    brian = world.user("brian")
    carol = world.user("carol")
    # Given "Project Moon" with Brian as Space Editor and Carol as Space Viewer
    drive = alice.create_space("Project Moon")["id"]
    assert alice.invite_member(drive, brian, SPACE_EDITOR).status_code == 200
    assert alice.invite_member(drive, carol, SPACE_VIEWER).status_code == 200
    alice.put("/plan.txt", b"plan", drive)
    alice.put("/old.txt", b"old", drive)

    # When Brian deletes both files
    assert brian.dav("DELETE", "/plan.txt", drive).status_code == 204
    assert brian.dav("DELETE", "/old.txt", drive).status_code == 204
    # Then every member lists the space's trash, Carol too
    keys = by_location(trash(carol, drive))
    assert set(keys) == {"plan.txt", "old.txt"}
    # but Carol (viewer) may neither restore nor purge
    assert restore(carol, keys["plan.txt"], "/plan.txt", drive=drive).status_code == 403
    assert carol.request("DELETE", bin_url(drive, keys["old.txt"])).status_code == 403
    # Brian (editor) restores, but may not purge
    assert restore(brian, keys["plan.txt"], "/plan.txt", drive=drive).status_code == 201
    assert carol.read("/plan.txt", drive) == b"plan"
    assert brian.request("DELETE", bin_url(drive, keys["old.txt"])).status_code == 403
    # Alice (Manager) purges
    assert alice.request("DELETE", bin_url(drive, keys["old.txt"])).status_code == 204
    assert trash(alice, drive) == []

    # Given Alice shares her folder "shared" with Brian as Editor
    alice.mkdir("/shared")
    alice.put("/shared/shared_file.txt", b"shared")
    folder = alice.file_id("/shared")
    alice.share(folder, brian, EDITOR)
    # When Brian deletes the file through his Shares space
    assert brian.dav("DELETE", "/shared/shared_file.txt", SHARES_DRIVE).status_code == 204
    # Then it is in Alice's trash, where it was; Brian's own trash stays empty
    entries = trash(alice)
    assert set(by_location(entries)) == {"shared/shared_file.txt"}
    assert entries[0][f"{D}resourcetype"] == ""
    assert trash(brian) == []
    # and Alice restores it for both of them
    key = by_location(entries)["shared/shared_file.txt"]
    assert restore(alice, key, "/shared/shared_file.txt").status_code == 201
    assert brian.read("/shared/shared_file.txt", SHARES_DRIVE) == b"shared"
