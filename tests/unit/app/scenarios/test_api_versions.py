"""apiVersions: the versions of a file over ``/dav/meta/{id}/v``: list,
download, restore, also as a sharee and a space member."""

from __future__ import annotations

from typing import TYPE_CHECKING

from .conftest import EDITOR, SHARES_DRIVE, SPACE_EDITOR, SPACE_VIEWER, VIEWER, D, multistatus

if TYPE_CHECKING:
    from .conftest import Actor, Scenario

ALL_PROPS = '<d:propfind xmlns:d="DAV:"><d:prop/></d:propfind>'  # what the web client sends


def versions(actor: Actor, file_id: str) -> list[dict[str, str]]:
    """The versions of a file, newest first (the ``v`` collection left out)."""
    response = actor.request(
        "PROPFIND", f"/remote.php/dav/meta/{file_id}/v", content=ALL_PROPS, headers={"Depth": "1"}
    )
    entries = multistatus(response)
    assert entries[0]["href"].endswith("/v/")
    return entries[1:]


def key_of(entry: dict[str, str]) -> str:
    return entry["href"].rsplit("/", 1)[1]


def test_three_uploads_make_two_versions_to_download_and_restore(world: Scenario) -> None:
    """Modelled on coreApiVersions/fileVersions.feature ("upload file and
    no version is available", "upload a file twice and versions are
    available", "download a version", "restore a file and check the
    content and the version count") and apiSpacesDavOperation/
    fileVersionByFileID.feature."""
    alice = world.user("alice")
    brian = world.user("brian")
    # Given Alice uploads "davtest.txt" once: no version yet
    alice.put("/davtest.txt", b"123")
    file_id = alice.file_id("/davtest.txt")
    assert versions(alice, file_id) == []
    first_etag = alice.etag("/davtest.txt")

    # When she uploads it twice more
    alice.put("/davtest.txt", b"12345")
    second_etag = alice.etag("/davtest.txt")
    alice.put("/davtest.txt", b"1234567")
    # Then two versions are listed, newest first, with their sizes and etags
    listed = versions(alice, file_id)
    assert [v[f"{D}getcontentlength"] for v in listed] == ["5", "3"]
    assert [v[f"{D}getetag"] for v in listed] == [second_etag, first_etag]
    assert all(key_of(v).startswith(file_id.rsplit("!", 1)[1] + ".REV.") for v in listed)
    newest, oldest = (key_of(v) for v in listed)
    # and the file keeps its id
    assert alice.file_id("/davtest.txt") == file_id

    # When she downloads the oldest version
    download = alice.get(f"/remote.php/dav/meta/{file_id}/v/{oldest}")
    assert download.status_code == 200, download.text
    assert download.content == b"123"
    assert download.headers["etag"] == first_etag
    # and Brian, who cannot see the file, tries the same: 404
    assert brian.get(f"/remote.php/dav/meta/{file_id}/v/{oldest}").status_code == 404
    assert (
        brian.request("PROPFIND", f"/remote.php/dav/meta/{file_id}/v", headers={"Depth": "1"})
    ).status_code == 404

    # When she restores the oldest version
    restored = alice.request(
        "COPY",
        f"/remote.php/dav/meta/{file_id}/v/{oldest}",
        headers={"Destination": "/remote.php/dav/files/alice/davtest.txt"},
    )
    assert restored.status_code == 204, restored.text
    # Then the file has that content, the same id, and the replaced content became a version
    assert alice.read("/davtest.txt") == b"123"
    assert alice.file_id("/davtest.txt") == file_id
    # (the restored one leaves the list, as in OpenCloud: still two versions)
    after = versions(alice, file_id)
    assert [v[f"{D}getcontentlength"] for v in after] == ["7", "5"]
    assert newest in {key_of(v) for v in after}
    assert oldest not in {key_of(v) for v in after}
    # and an unknown version key is 404, a malformed one 400
    unknown = file_id.rsplit("!", 1)[1] + ".REV.1"
    assert alice.get(f"/remote.php/dav/meta/{file_id}/v/{unknown}").status_code == 404
    assert alice.get(f"/remote.php/dav/meta/{file_id}/v/..%2Fx").status_code in (400, 404)


def test_an_editor_sharee_restores_a_version_a_viewer_may_not(world: Scenario) -> None:
    """Modelled on apiSharingNgAdditionalShareRole/editorListGrantsWithVersions.feature
    and coreApiVersions/fileVersions.feature ("sharee can see and restore
    the versions of a file shared with the Editor role", "sharee with the
    Viewer role cannot"), and apiSpaces' "Space Viewer cannot restore a
    version"."""
    alice = world.user("alice", role="spaceadmin")
    brian = world.user("brian")
    carol = world.user("carol")
    # Given Alice's folder "shared" with "sharefile.txt" uploaded twice
    folder = alice.mkdir("/shared")
    alice.put("/shared/sharefile.txt", b"first")
    alice.put("/shared/sharefile.txt", b"second")
    file_id = alice.file_id("/shared/sharefile.txt")
    # And she shares the folder with Brian as Editor, with Carol as Viewer
    alice.share(folder, brian, EDITOR)
    alice.share(folder, carol, VIEWER)

    # When Brian overwrites the file through his Shares space
    updated = brian.dav("PUT", "/shared/sharefile.txt", SHARES_DRIVE, content=b"third!")
    assert updated.status_code == 204, updated.text
    # Then he sees its versions by the file's id, as Alice does
    seen = versions(brian, file_id)
    assert [v[f"{D}getcontentlength"] for v in seen] == ["6", "5"]
    assert [key_of(v) for v in seen] == [key_of(v) for v in versions(alice, file_id)]
    # and he restores the first one
    first = key_of(seen[-1])
    restored = brian.request(
        "COPY",
        f"/remote.php/dav/meta/{file_id}/v/{first}",
        headers={"Destination": "/ignored"},
    )
    assert restored.status_code == 204, restored.text
    assert alice.read("/shared/sharefile.txt") == b"first"
    assert carol.read("/shared/sharefile.txt", SHARES_DRIVE) == b"first"

    # When Carol (Viewer) tries to list or restore versions: 403, nothing changed
    listing = carol.request("PROPFIND", f"/remote.php/dav/meta/{file_id}/v", headers={"Depth": "1"})
    assert listing.status_code == 403
    refused = carol.request(
        "COPY", f"/remote.php/dav/meta/{file_id}/v/{first}", headers={"Destination": "/x"}
    )
    assert refused.status_code == 403
    assert alice.read("/shared/sharefile.txt") == b"first"

    # Given a project space file with two versions, Carol a Space Viewer of it
    drive = alice.create_space("Project Moon")["id"]
    assert alice.invite_member(drive, carol, SPACE_VIEWER).status_code == 200
    alice.put("/plan.txt", b"v1", drive)
    alice.put("/plan.txt", b"v2", drive)
    plan = alice.file_id("/plan.txt", drive)
    (only,) = versions(alice, plan)
    # When Carol tries to restore it: 403; Alice (Manager) restores it: 204
    copy = f"/remote.php/dav/meta/{plan}/v/{key_of(only)}"
    assert carol.request("COPY", copy, headers={"Destination": "/x"}).status_code == 403
    assert alice.request("COPY", copy, headers={"Destination": "/x"}).status_code == 204
    assert carol.read("/plan.txt", drive) == b"v1"


def test_a_space_editor_keeps_versions_through_the_trash(world: Scenario) -> None:
    """Modelled on apiSpacesDavOperation/fileVersionByFileID.feature
    ("Space Editor gets and restores the versions of a file by its id") and
    coreApiVersions/fileVersions.feature ("versions are kept when a file is
    deleted and restored from the trashbin")."""
    alice = world.user("alice", role="spaceadmin")
    brian = world.user("brian")
    # Given Brian is a Space Editor of "Project Moon" and wrote "plan.txt" three times
    drive = alice.create_space("Project Moon")["id"]
    assert alice.invite_member(drive, brian, SPACE_EDITOR).status_code == 200
    for body in (b"one", b"two!", b"three"):
        brian.put("/plan.txt", body, drive)
    plan = brian.file_id("/plan.txt", drive)
    assert [v[f"{D}getcontentlength"] for v in versions(brian, plan)] == ["4", "3"]

    # When Brian deletes the file: its versions are not reachable by id
    assert brian.dav("DELETE", "/plan.txt", drive).status_code == 204
    gone = brian.request("PROPFIND", f"/remote.php/dav/meta/{plan}/v", headers={"Depth": "1"})
    assert gone.status_code == 404
    # When he restores it from the space's trash
    trash_bin = f"/remote.php/dav/spaces/trash-bin/{drive.replace('$', '%24')}/"
    (entry,) = multistatus(brian.request("PROPFIND", trash_bin, headers={"Depth": "1"}))[1:]
    key = entry["href"].rstrip("/").rsplit("/", 1)[1]
    restored = brian.request(
        "MOVE",
        trash_bin + key,
        headers={"Destination": f"/remote.php/dav/spaces/{drive.replace('$', '%24')}/plan.txt"},
    )
    assert restored.status_code == 201, restored.text
    # Then the file has its id and its versions back
    assert brian.file_id("/plan.txt", drive) == plan
    back = versions(brian, plan)
    assert [v[f"{D}getcontentlength"] for v in back] == ["4", "3"]
    # and Brian restores the first one in place
    first = back[-1]["href"].rsplit("/", 1)[1]
    copy = brian.request(
        "COPY", f"/remote.php/dav/meta/{plan}/v/{first}", headers={"Destination": "/x"}
    )
    assert copy.status_code == 204, copy.text
    assert alice.read("/plan.txt", drive) == b"one"
