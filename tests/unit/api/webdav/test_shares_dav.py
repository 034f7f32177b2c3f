"""Shared items over WebDAV: the Shares space (share jail) and resource ids,
each with the share's rights and nothing more."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from typing import TYPE_CHECKING, Any

import pytest

from opencloud.core.ids import NodeId, SpaceId
from opencloud.services.shares.types import SHARE_JAIL, Share
from opencloud.services.spaces.roles import EDITOR, FILE_EDITOR, UPLOADER, VIEWER, Role
from opencloud.storage.types import Ref

from .conftest import PASSWORD

if TYPE_CHECKING:
    from .conftest import Dav

MARY = ("mary", PASSWORD)
LYNN = ("lynn", PASSWORD)
JAIL = f"/remote.php/dav/spaces/{SHARE_JAIL}%24{SHARE_JAIL}"
D = "{DAV:}"
OC = "{http://owncloud.org/ns}"
PROPS = (
    '<d:propfind xmlns:d="DAV:" xmlns:oc="http://owncloud.org/ns"><d:prop>'
    "<oc:id/><oc:shareid/><oc:permissions/><d:getetag/><oc:size/><d:displayname/>"
    "<oc:share-types/></d:prop></d:propfind>"
)


def responses(body: bytes) -> dict[str, dict[str, str]]:
    """href → {property tag → its text, or its children's texts joined by ','}."""
    out: dict[str, dict[str, str]] = {}
    for response in ET.fromstring(body).findall(f"{D}response"):
        props: dict[str, str] = {}
        for propstat in response.findall(f"{D}propstat"):
            prop = propstat.find(f"{D}prop")
            if "200" not in (propstat.findtext(f"{D}status") or "") or prop is None:
                continue
            for element in prop:
                children = [c.text or "" for c in element]
                props[element.tag] = ",".join(children) if children else (element.text or "")
        out[response.findtext(f"{D}href") or ""] = props
    return out


def share(dav: Dav, path: str, given: Role, grantee: str = "mary", kind: str = "u") -> Share:
    """``path`` in alan's personal space, shared by alan."""
    auth = dav.state["auth"]
    alan = auth.principal("alan")
    node = dav.state["files"].stat(Ref(SpaceId(alan.id), path))
    target = auth.get_user(grantee).id if kind == "u" else grantee
    created: Share = dav.state["shares"].create(
        alan, SpaceId(alan.id), NodeId(node.id), grantee_kind=kind, grantee=target, given=given
    )
    return created


@pytest.fixture
def alan(dav: Dav) -> Dav:
    """alan's tree: /Project/{a.txt, sub/b.txt}, /notes.txt and /private.txt."""
    url = dav.space_url
    assert dav.request("MKCOL", url + "/Project").status_code == 201
    assert dav.request("MKCOL", url + "/Project/sub").status_code == 201
    assert dav.put(url + "/Project/a.txt", b"a").status_code == 201
    assert dav.put(url + "/Project/sub/b.txt", b"b").status_code == 201
    assert dav.put(url + "/notes.txt", b"notes").status_code == 201
    assert dav.put(url + "/private.txt", b"secret").status_code == 201
    return dav


def as_mary(dav: Dav, method: str, url: str, **kwargs: Any) -> int:
    status: int = dav.request(method, url, auth=MARY, **kwargs).status_code
    return status


def jail_listing(dav: Dav, auth: tuple[str, str] = MARY) -> dict[str, dict[str, str]]:
    reply = dav.propfind(JAIL + "/", PROPS, auth=auth)
    assert reply.status_code == 207
    return responses(reply.content)


def rid(dav: Dav, path: str) -> str:
    reply = dav.propfind(dav.space_url + path, PROPS, depth="0")
    found: str = next(iter(responses(reply.content).values()))[f"{OC}id"]
    return found


def test_the_jail_lists_accepted_shares_as_mounts(alan: Dav) -> None:
    folder = share(alan, "/Project", EDITOR)
    file = share(alan, "/notes.txt", VIEWER)
    found = jail_listing(alan)
    assert list(found) == [JAIL + "/", JAIL + "/Project/", JAIL + "/notes.txt"]
    root = found[JAIL + "/"]
    assert root[f"{OC}permissions"] == ""  # read-only: no C, no K
    assert root[f"{OC}id"] == f"{SHARE_JAIL}${SHARE_JAIL}!{SHARE_JAIL}"
    project = found[JAIL + "/Project/"]
    assert project[f"{OC}id"] == rid(alan, "/Project")  # the item's own id
    assert project[f"{OC}shareid"] == folder.id
    assert project[f"{OC}permissions"] == "SMCK"
    assert project[f"{OC}size"] == "2"
    notes = found[JAIL + "/notes.txt"]
    assert notes[f"{OC}shareid"] == file.id
    assert notes[f"{OC}permissions"] == "SM"
    assert (
        notes[f"{D}getetag"] == alan.request("HEAD", alan.space_url + "/notes.txt").headers["etag"]
    )
    depth0 = responses(alan.propfind(JAIL, PROPS, depth="0", auth=MARY).content)
    assert list(depth0) == [JAIL + "/"]


def test_the_jail_root_is_read_only(alan: Dav) -> None:
    share(alan, "/Project", EDITOR)
    assert alan.put(JAIL + "/new.txt", b"x", auth=MARY).status_code == 403
    assert as_mary(alan, "MKCOL", JAIL + "/dir") == 403
    assert as_mary(alan, "DELETE", JAIL + "/Project") == 403  # the mount itself
    assert as_mary(alan, "MOVE", JAIL + "/Project", headers={"Destination": JAIL + "/P2"}) == 403
    assert as_mary(alan, "PROPPATCH", JAIL + "/", content=b"") == 403
    assert alan.propfind(JAIL + "/nothing", auth=MARY).status_code == 404
    assert alan.propfind(JAIL + "/nothing/deeper", auth=MARY).status_code == 404
    assert alan.request("HEAD", alan.space_url + "/Project/a.txt").status_code == 200


def test_a_viewer_reads_and_writes_nothing(alan: Dav) -> None:
    share(alan, "/Project", VIEWER)
    url = JAIL + "/Project"
    assert alan.request("GET", url + "/a.txt", auth=MARY).content == b"a"
    assert alan.request("GET", url + "/sub/b.txt", auth=MARY).content == b"b"
    assert alan.put(url + "/a.txt", b"changed", auth=MARY).status_code == 403
    assert alan.put(url + "/new.txt", b"x", auth=MARY).status_code == 403
    assert as_mary(alan, "MKCOL", url + "/d") == 403
    assert as_mary(alan, "DELETE", url + "/a.txt") == 403
    assert as_mary(alan, "MOVE", url + "/a.txt", headers={"Destination": url + "/b.txt"}) == 403
    assert as_mary(alan, "COPY", url + "/a.txt", headers={"Destination": url + "/b.txt"}) == 403
    assert as_mary(alan, "PROPPATCH", url + "/a.txt", content=b"") == 403
    inside = responses(alan.propfind(url + "/", PROPS, auth=MARY).content)
    assert inside[url + "/a.txt"][f"{OC}permissions"] == "S"
    assert inside[url + "/"][f"{OC}permissions"] == "SM"
    assert alan.request("GET", alan.space_url + "/Project/a.txt").content == b"a"


def test_an_editor_works_inside_the_share(alan: Dav) -> None:
    share(alan, "/Project", EDITOR)
    url = JAIL + "/Project"
    assert alan.put(url + "/a.txt", b"A", auth=MARY).status_code == 204
    assert alan.put(url + "/new.txt", b"n", auth=MARY).status_code == 201
    made = alan.request("MKCOL", url + "/made", auth=MARY)
    assert made.status_code == 201
    assert made.headers["oc-perm"] == "SDNVCK"
    moved = {"Destination": url + "/made/new.txt"}
    assert as_mary(alan, "MOVE", url + "/new.txt", headers=moved) == 201
    copied = {"Destination": url + "/copy.txt"}
    assert as_mary(alan, "COPY", url + "/a.txt", headers=copied) == 201
    patch = (
        '<d:propertyupdate xmlns:d="DAV:" xmlns:oc="http://owncloud.org/ns"><d:set><d:prop>'
        "<oc:favorite>1</oc:favorite></d:prop></d:set></d:propertyupdate>"
    )
    assert as_mary(alan, "PROPPATCH", url + "/a.txt", content=patch.encode()) == 207
    lock = (
        '<d:lockinfo xmlns:d="DAV:"><d:lockscope><d:exclusive/></d:lockscope>'
        "<d:locktype><d:write/></d:locktype></d:lockinfo>"
    )
    locked = alan.request("LOCK", url + "/copy.txt", content=lock.encode(), auth=MARY)
    assert locked.status_code == 200
    assert f"{JAIL}/Project/copy.txt".encode() in locked.content  # the client's hrefs
    token = locked.headers["lock-token"]
    assert as_mary(alan, "UNLOCK", url + "/copy.txt", headers={"Lock-Token": token}) == 204
    assert as_mary(alan, "DELETE", url + "/copy.txt") == 204
    letters = alan.request("GET", url + "/a.txt", auth=MARY).headers["oc-perm"]
    assert letters == "SDNVW"
    assert as_mary(alan, "DELETE", url) == 403  # the shared folder itself stays
    base = alan.space_url + "/Project"
    assert alan.request("GET", base + "/a.txt").content == b"A"
    assert alan.request("GET", base + "/made/new.txt").content == b"n"
    assert alan.request("HEAD", base + "/copy.txt").status_code == 404


def test_an_uploader_adds_but_replaces_and_deletes_nothing(alan: Dav) -> None:
    share(alan, "/Project", UPLOADER)
    url = JAIL + "/Project"
    assert alan.put(url + "/drop.txt", b"d", auth=MARY).status_code == 201
    assert as_mary(alan, "MKCOL", url + "/folder") == 201
    assert alan.put(url + "/a.txt", b"over", auth=MARY).status_code == 403
    locked = {"If": "(<urn:x>)"}  # WsgiDAV carries such a PUT out: the same rule
    assert alan.put(url + "/a.txt", b"over", auth=MARY, headers=locked).status_code == 403
    assert as_mary(alan, "DELETE", url + "/a.txt") == 403
    onto = {"Destination": url + "/a.txt"}
    assert as_mary(alan, "COPY", url + "/drop.txt", headers=onto) == 403
    assert alan.request("GET", alan.space_url + "/Project/a.txt").content == b"a"
    root = responses(alan.propfind(JAIL + "/", PROPS, auth=MARY).content)
    assert root[url + "/"][f"{OC}permissions"] == "SMCK"


def test_a_file_editor_changes_the_file_only(alan: Dav) -> None:
    share(alan, "/notes.txt", FILE_EDITOR)
    url = JAIL + "/notes.txt"
    assert alan.put(url, b"edited", auth=MARY).status_code == 204
    got = alan.request("GET", url, auth=MARY)
    assert got.content == b"edited"
    assert got.headers["oc-perm"] == "SMW"
    assert as_mary(alan, "DELETE", url) == 403
    assert alan.put(url + "/x", b"x", auth=MARY).status_code == 403
    assert alan.request("GET", alan.space_url + "/notes.txt").content == b"edited"


def test_resource_ids_reach_shared_items_and_nothing_above(alan: Dav) -> None:
    share(alan, "/Project", VIEWER)
    url = "/remote.php/dav/spaces/" + rid(alan, "/Project").replace("$", "%24")
    assert alan.request("GET", url + "/a.txt", auth=MARY).content == b"a"
    listing = responses(alan.propfind(url, PROPS, auth=MARY).content)
    assert set(listing) == {url + "/", url + "/a.txt", url + "/sub/"}
    assert listing[url + "/"][f"{OC}permissions"] == "SM"
    sub = "/remote.php/dav/spaces/" + rid(alan, "/Project/sub").replace("$", "%24")
    assert alan.request("GET", sub + "/b.txt", auth=MARY).content == b"b"
    assert alan.request("GET", sub + "/b.txt", auth=MARY).headers["oc-perm"] == "S"
    assert alan.request("GET", sub + "/%2e%2e/a.txt", auth=MARY).status_code == 400
    assert alan.request("GET", url + "/%2e%2e/private.txt", auth=MARY).status_code == 400
    outside = "/remote.php/dav/spaces/" + rid(alan, "/private.txt").replace("$", "%24")
    assert alan.request("GET", outside, auth=MARY).status_code == 404
    plain = alan.space_url + "/Project/a.txt"
    assert alan.request("GET", plain, auth=MARY).status_code == 404  # space rights only
    assert alan.put(url + "/new.txt", b"x", auth=MARY).status_code == 403


def test_the_share_id_form_of_the_jail(alan: Dav) -> None:
    created = share(alan, "/Project", EDITOR)
    url = f"{JAIL}!{created.id}"
    assert alan.request("GET", url + "/a.txt", auth=MARY).content == b"a"
    assert alan.put(url + "/sub/c.txt", b"c", auth=MARY).status_code == 201
    listing = responses(alan.propfind(url, PROPS, depth="0", auth=MARY).content)
    assert listing[url + "/"][f"{OC}shareid"] == created.id
    assert alan.request("GET", f"{JAIL}!nope/a.txt", auth=MARY).status_code == 404


def test_moves_stay_inside_a_share_and_copies_may_leave_it(alan: Dav) -> None:
    """As OpenCloud: a MOVE never crosses a share's or a space's edge (400); a
    COPY may (it makes new items where the caller may create), so a recipient
    can keep their own copy of a shared file."""
    share(alan, "/Project", EDITOR)
    share(alan, "/notes.txt", FILE_EDITOR)
    url = JAIL + "/Project"
    mine = "/remote.php/dav/spaces/" + alan.state["files"].space_id(
        alan.state["auth"].get_user("mary").id
    ).replace("$", "%24")
    assert alan.put(mine + "/own.txt", b"o", auth=MARY).status_code == 201
    out = {"Destination": mine + "/a.txt"}
    assert as_mary(alan, "MOVE", url + "/a.txt", headers=out) == 400
    assert as_mary(alan, "COPY", url + "/a.txt", headers=out) == 201
    assert alan.request("GET", mine + "/a.txt", auth=MARY).content == b"a"
    copy_id = alan.request("HEAD", mine + "/a.txt", auth=MARY).headers["OC-FileId"]
    assert copy_id != rid(alan, "/Project/a.txt")  # a new item, not the shared one
    into = {"Destination": url + "/own.txt"}
    assert as_mary(alan, "MOVE", mine + "/own.txt", headers=into) == 400
    assert as_mary(alan, "COPY", mine + "/own.txt", headers=into) == 201  # an Editor adds
    other = {"Destination": JAIL + "/notes.txt"}
    assert as_mary(alan, "COPY", url + "/a.txt", headers=other) == 403  # replaces a share
    top = {"Destination": JAIL + "/loose.txt"}
    assert as_mary(alan, "COPY", url + "/a.txt", headers=top) == 403
    assert as_mary(alan, "MOVE", url + "/sub", headers={"Destination": url}) == 403
    assert alan.request("GET", alan.space_url + "/Project/a.txt").content == b"a"
    assert alan.request("GET", alan.space_url + "/Project/own.txt").content == b"o"
    assert alan.request("GET", alan.space_url + "/notes.txt").status_code == 200


def test_declined_and_deleted_shares_disappear(alan: Dav) -> None:
    folder = share(alan, "/Project", EDITOR)
    file = share(alan, "/notes.txt", VIEWER)
    mary = alan.state["auth"].principal("mary")
    shares = alan.state["shares"]
    by_id = "/remote.php/dav/spaces/" + rid(alan, "/Project").replace("$", "%24")
    shares.answer(mary, folder.id, "declined")
    assert JAIL + "/Project/" not in jail_listing(alan)
    assert alan.request("GET", JAIL + "/Project/a.txt", auth=MARY).status_code == 404
    assert alan.request("GET", f"{JAIL}!{folder.id}/a.txt", auth=MARY).status_code == 404
    assert alan.request("GET", by_id + "/a.txt", auth=MARY).status_code == 404
    shares.answer(mary, folder.id, "accepted")
    assert alan.request("GET", JAIL + "/Project/a.txt", auth=MARY).status_code == 200
    shares.delete(alan.state["auth"].principal("alan"), file.id)
    assert list(jail_listing(alan)) == [JAIL + "/", JAIL + "/Project/"]
    assert alan.request("GET", JAIL + "/notes.txt", auth=MARY).status_code == 404


def test_etags_propagate_to_the_recipient(alan: Dav) -> None:
    share(alan, "/Project", VIEWER)
    before = jail_listing(alan)
    assert alan.put(alan.space_url + "/Project/sub/b.txt", b"bb").status_code == 204
    after = jail_listing(alan)
    mount = JAIL + "/Project/"
    assert after[mount][f"{D}getetag"] != before[mount][f"{D}getetag"]
    assert after[JAIL + "/"][f"{D}getetag"] != before[JAIL + "/"][f"{D}getetag"]
    owner = responses(alan.propfind(alan.space_url + "/Project", PROPS, depth="0").content)
    assert next(iter(owner.values()))[f"{D}getetag"] == after[mount][f"{D}getetag"]


def test_others_see_nothing(alan: Dav, password_hash: str) -> None:
    auth = alan.state["auth"]
    auth.create_user("lynn", "", display_name="Lynn", password_hash=password_hash)
    share(alan, "/Project", EDITOR)
    assert list(jail_listing(alan, LYNN)) == [JAIL + "/"]
    assert alan.request("GET", JAIL + "/Project/a.txt", auth=LYNN).status_code == 404
    by_id = "/remote.php/dav/spaces/" + rid(alan, "/Project").replace("$", "%24")
    assert alan.request("GET", by_id + "/a.txt", auth=LYNN).status_code == 404
    assert alan.put(by_id + "/x.txt", b"x", auth=LYNN).status_code == 404


def test_group_shares_and_share_types(alan: Dav) -> None:
    auth = alan.state["auth"]
    group = auth.create_group("crew", members=[auth.get_user("mary").id])
    share(alan, "/Project", EDITOR)
    share(alan, "/notes.txt", VIEWER, grantee=group.id, kind="g")
    share(alan, "/Project", VIEWER, grantee=group.id, kind="g")
    listing = responses(alan.propfind(alan.space_url + "/", PROPS).content)
    base = alan.space_url
    assert listing[base + "/Project/"][f"{OC}share-types"] == "0,1"
    assert listing[base + "/notes.txt"][f"{OC}share-types"] == "1"
    assert listing[base + "/private.txt"][f"{OC}share-types"] == ""
    allprop = alan.propfind(alan.space_url + "/").text
    assert "share-types" not in allprop and "shareid" not in allprop
    mounts = jail_listing(alan)
    # one folder reaches mary twice (herself, her group): unique names, the older first
    assert set(mounts) == {
        JAIL + "/",
        JAIL + "/Project/",
        JAIL + "/Project%20(2)/",
        JAIL + "/notes.txt",
    }
    assert mounts[JAIL + "/Project/"][f"{OC}permissions"] == "SMCK"
    assert mounts[JAIL + "/Project%20(2)/"][f"{OC}permissions"] == "SM"
    assert mounts[JAIL + "/Project/"][f"{OC}share-types"] == ""  # a recipient sees none
    assert alan.put(JAIL + "/Project (2)/x.txt", b"x", auth=MARY).status_code == 403
    assert alan.put(JAIL + "/Project/x.txt", b"x", auth=MARY).status_code == 201


def test_same_names_get_numbered_files_keep_their_extension(alan: Dav) -> None:
    url = alan.space_url
    assert alan.request("MKCOL", url + "/other").status_code == 201
    assert alan.put(url + "/other/notes.txt", b"other").status_code == 201
    share(alan, "/notes.txt", VIEWER)
    share(alan, "/other/notes.txt", VIEWER)
    assert alan.request("GET", JAIL + "/notes.txt", auth=MARY).content == b"notes"
    assert alan.request("GET", JAIL + "/notes (2).txt", auth=MARY).content == b"other"


@pytest.mark.parametrize(
    "path",
    [
        "/%2e%2e/x",
        "/Project/%2e%2e/%2e%2e/private.txt",
        "/Project/sub/%2e%2e/%2e%2e/notes.txt",
        "/Project%2Fa.txt",
        "/Project%5ca.txt",
    ],
)
def test_hostile_jail_paths_are_refused(alan: Dav, path: str) -> None:
    share(alan, "/Project", EDITOR)
    assert alan.request("GET", JAIL + path, auth=MARY).status_code == 400
    assert alan.put(JAIL + path, b"x", auth=MARY).status_code == 400


def test_a_viewer_may_copy_a_shared_file_into_their_own_space(alan: Dav) -> None:
    """A COPY reads its source and creates at its destination (reva checks
    download rights on one and upload rights on the other): a Viewer keeps
    their own copy of what was shared with them, but adds nothing to the share."""
    share(alan, "/Project", VIEWER)
    url = JAIL + "/Project"
    mine = "/remote.php/dav/spaces/" + alan.state["files"].space_id(
        alan.state["auth"].get_user("mary").id
    ).replace("$", "%24")
    assert alan.put(mine + "/own.txt", b"o", auth=MARY).status_code == 201
    out = {"Destination": mine + "/a.txt"}
    assert as_mary(alan, "COPY", url + "/a.txt", headers=out) == 201
    assert alan.request("GET", mine + "/a.txt", auth=MARY).content == b"a"
    inside = {"Destination": url + "/a2.txt"}
    assert as_mary(alan, "COPY", url + "/a.txt", headers=inside) == 403
    into = {"Destination": url + "/own.txt"}
    assert as_mary(alan, "COPY", mine + "/own.txt", headers=into) == 403
    assert alan.request("GET", alan.space_url + "/Project/a2.txt").status_code == 404
    assert alan.request("GET", alan.space_url + "/Project/own.txt").status_code == 404
