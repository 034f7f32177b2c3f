"""The trash over WebDAV: ``/dav/spaces/trash-bin/{space}/[{key}]`` and the
legacy ``/dav/trash-bin/{user}/…``; list, restore, purge, empty, with the
caller's rights in the space."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any
from xml.etree import ElementTree as ET

import pytest

from opencloud.services.events.types import ItemRestored
from opencloud.services.spaces.roles import MANAGER, SPACE_EDITOR, SPACE_VIEWER, Role

from .conftest import PASSWORD

if TYPE_CHECKING:
    from .conftest import Dav

MARY = ("mary", PASSWORD)
D = "{DAV:}"
OC = "{http://owncloud.org/ns}"

TRASH_PROPS = (
    '<d:propfind xmlns:d="DAV:" xmlns:oc="http://owncloud.org/ns"><d:prop>'
    "<oc:trashbin-original-filename/><oc:trashbin-original-location/>"
    "<oc:trashbin-delete-timestamp/><oc:trashbin-delete-datetime/><oc:spaceid/>"
    "<oc:size/><d:getcontentlength/><d:resourcetype/><d:getcontenttype/>"
    "</d:prop></d:propfind>"
)


def bin_url(space_url: str) -> str:
    """``/remote.php/dav/spaces/trash-bin/{space}`` for a ``/dav/spaces/{space}`` URL."""
    return "/remote.php/dav/spaces/trash-bin/" + space_url.rsplit("/", 1)[1]


def listing(dav: Dav, url: str, **kw: Any) -> list[dict[str, str]]:
    """The items of a trash listing (the bin itself left out): href plus the
    text of every property found."""
    response = dav.propfind(url + "/", TRASH_PROPS, **kw)
    assert response.status_code == 207, response.text
    assert response.headers["content-type"] == "application/xml; charset=utf-8"
    items = []
    for entry in ET.fromstring(response.content).iter(f"{D}response"):
        found: dict[str, str] = {"href": entry.findtext(f"{D}href") or ""}
        for stat in entry.iter(f"{D}propstat"):
            if "200" not in (stat.findtext(f"{D}status") or ""):
                continue
            for prop in stat.find(f"{D}prop") or []:
                found[prop.tag] = prop.text or ("collection" if len(prop) else "")
        items.append(found)
    assert items[0]["href"].endswith("/")  # the bin itself comes first
    assert items[0][f"{D}resourcetype"] == "collection"
    return items[1:]


def key_of(item: dict[str, str]) -> str:
    return item["href"].rstrip("/").rsplit("/", 1)[1]


def trash(dav: Dav, url: str, body: bytes = b"data", **kw: Any) -> None:
    """Create ``url`` (a file) and delete it."""
    assert dav.put(url, body, **kw).status_code in (201, 204)
    assert dav.request("DELETE", url, **kw).status_code == 204


def project(dav: Dav, role: Role | None) -> str:
    """A project space alan manages, with mary in ``role``; its URL."""
    auth = dav.state["auth"]
    spaces = dav.state["spaces"]
    alan = auth.principal("alan")
    info = spaces.create_project(alan, "Apollo")
    if role is not None:
        spaces.set_member(info.id, "u", auth.get_user("mary").id, role, creator=alan.id)
    url: str = "/dav/spaces/" + dav.state["files"].space_id(info.id).replace("$", "%24")
    return url


# ---------------------------------------------------------------- listing
def test_listing_shows_what_was_deleted(dav: Dav) -> None:
    assert dav.request("MKCOL", dav.space_url + "/docs").status_code == 201
    trash(dav, dav.space_url + "/docs/report 1.txt", b"12345")
    assert dav.request("DELETE", dav.space_url + "/docs").status_code == 204
    items = listing(dav, bin_url(dav.space_url))
    assert len(items) == 2
    # newest deletion first, but the trash records deletion times to the second
    # (freedesktop's DeletionDate): within one second the order is the driver's
    folder, file = sorted(items, key=lambda item: item[f"{D}resourcetype"] != "collection")
    assert folder[f"{OC}trashbin-original-location"] == "docs"
    assert folder[f"{D}resourcetype"] == "collection"
    assert folder["href"].endswith("/")
    assert f"{D}getcontentlength" not in folder
    assert file[f"{OC}trashbin-original-filename"] == "report 1.txt"
    assert file[f"{OC}trashbin-original-location"] == "docs/report 1.txt"  # no leading slash
    assert file[f"{D}getcontentlength"] == "5"
    assert file[f"{OC}size"] == "5"
    assert file[f"{D}getcontenttype"] == "text/plain"
    assert file[f"{OC}spaceid"] == dav.space_id
    assert int(file[f"{OC}trashbin-delete-timestamp"]) > 1_600_000_000
    assert file[f"{OC}trashbin-delete-datetime"].endswith(" +0000")
    assert "%24" in file["href"]  # the space id as clients write it


def test_depth_zero_allprop_and_a_single_item(dav: Dav) -> None:
    trash(dav, dav.space_url + "/a.txt")
    url = bin_url(dav.space_url)
    root = dav.propfind(url + "/", depth="0")
    assert root.status_code == 207
    assert root.text.count("<d:response>") == 1
    full = dav.propfind(url + "/")  # allprop: the usual trash properties
    assert "<oc:trashbin-original-location>a.txt</oc:trashbin-original-location>" in full.text
    key = key_of(listing(dav, url)[0])
    one = dav.propfind(f"{url}/{key}", depth="0")
    assert one.status_code == 207
    assert one.text.count("<d:response>") == 1
    assert "<oc:trashbin-original-filename>a.txt</oc:trashbin-original-filename>" in one.text
    missing = key[:-1] + ("1" if key.endswith("0") else "0")  # a key that is not there
    assert dav.propfind(f"{url}/{missing}", depth="0").status_code == 404
    assert dav.propfind(url + "/", depth="2").status_code == 400


def test_legacy_url_is_the_own_personal_trash_only(dav: Dav) -> None:
    trash(dav, dav.space_url + "/a.txt")
    items = listing(dav, "/remote.php/dav/trash-bin/alan")
    assert [i[f"{OC}trashbin-original-location"] for i in items] == ["a.txt"]
    assert items[0]["href"].startswith("/remote.php/dav/trash-bin/alan/")
    assert listing(dav, "/dav/trash-bin/alan")[0]["href"].startswith("/dav/trash-bin/alan/")
    assert dav.propfind("/remote.php/dav/trash-bin/mary/").status_code == 404
    assert dav.propfind("/remote.php/dav/trash-bin/mary/", auth=MARY).status_code == 207
    assert listing(dav, "/remote.php/dav/trash-bin/mary", auth=MARY) == []
    key = key_of(items[0])
    assert dav.request("DELETE", f"/remote.php/dav/trash-bin/mary/{key}").status_code == 404
    assert len(listing(dav, "/remote.php/dav/trash-bin/alan")) == 1  # nothing changed


# ---------------------------------------------------------------- restore
def test_restore_brings_the_item_back_with_its_id(dav: Dav) -> None:
    assert dav.put(dav.space_url + "/a.txt", b"alpha").status_code == 201
    file_id = dav.request("HEAD", dav.space_url + "/a.txt").headers["oc-fileid"]
    assert dav.request("DELETE", dav.space_url + "/a.txt").status_code == 204
    url = bin_url(dav.space_url)
    key = key_of(listing(dav, url)[0])
    subscription = dav.state["files"]._bus.subscribe("test")
    restored = dav.request(
        "MOVE", f"{url}/{key}", headers={"Destination": f"http://testserver{dav.space_url}/a.txt"}
    )
    assert restored.status_code == 201, restored.text
    assert restored.headers["oc-fileid"] == file_id
    assert dav.request("GET", dav.space_url + "/a.txt").content == b"alpha"
    assert listing(dav, url) == []
    event = subscription.get(timeout=1)
    assert isinstance(event, ItemRestored)
    assert event.itemid == file_id


def test_restore_to_a_new_path_and_legacy_destinations(dav: Dav) -> None:
    dav.request("MKCOL", dav.space_url + "/elsewhere")
    trash(dav, dav.space_url + "/a.txt", b"alpha")
    key = key_of(listing(dav, "/remote.php/dav/trash-bin/alan")[0])
    restored = dav.request(
        "MOVE",
        f"/remote.php/dav/trash-bin/alan/{key}",
        headers={"Destination": "/remote.php/dav/files/alan/elsewhere/b.txt"},
    )
    assert restored.status_code == 201
    assert dav.request("GET", dav.space_url + "/elsewhere/b.txt").content == b"alpha"
    assert dav.request("HEAD", dav.space_url + "/a.txt").status_code == 404


def test_restore_a_whole_folder(dav: Dav) -> None:
    dav.request("MKCOL", dav.space_url + "/docs")
    dav.put(dav.space_url + "/docs/x.txt", b"x")
    assert dav.request("DELETE", dav.space_url + "/docs").status_code == 204
    url = bin_url(dav.space_url)
    key = key_of(listing(dav, url)[0])
    moved = dav.request("MOVE", f"{url}/{key}/", headers={"Destination": dav.space_url + "/docs"})
    assert moved.status_code == 201
    assert dav.request("GET", dav.space_url + "/docs/x.txt").content == b"x"


def test_restoring_onto_a_taken_name(dav: Dav) -> None:
    trash(dav, dav.space_url + "/a.txt", b"old")
    assert dav.put(dav.space_url + "/a.txt", b"new").status_code == 201
    url = bin_url(dav.space_url)
    key = key_of(listing(dav, url)[0])
    dest = {"Destination": dav.space_url + "/a.txt"}
    refused = dav.request("MOVE", f"{url}/{key}", headers={**dest, "Overwrite": "F"})
    assert refused.status_code == 412
    assert dav.request("GET", dav.space_url + "/a.txt").content == b"new"  # nothing changed
    assert len(listing(dav, url)) == 1
    replaced = dav.request("MOVE", f"{url}/{key}", headers=dest)
    assert replaced.status_code == 204
    assert dav.request("GET", dav.space_url + "/a.txt").content == b"old"
    items = listing(dav, url)  # the holder of the name went to the trash
    assert [i[f"{OC}trashbin-original-location"] for i in items] == ["a.txt"]
    assert key_of(items[0]) != key


def test_restore_refusals_change_nothing(dav: Dav) -> None:
    trash(dav, dav.space_url + "/a.txt")
    url = bin_url(dav.space_url)
    key = key_of(listing(dav, url)[0])
    item = f"{url}/{key}"
    assert dav.request("MOVE", item).status_code == 400  # no Destination
    missing_parent = {"Destination": dav.space_url + "/nowhere/a.txt"}
    assert dav.request("MOVE", item, headers=missing_parent).status_code == 409
    mary_space = dav.state["files"].space_id(dav.state["auth"].get_user("mary").id)
    dav.propfind("/dav/spaces/" + mary_space.replace("$", "%24") + "/", auth=MARY)
    other = {"Destination": "/dav/spaces/" + mary_space.replace("$", "%24") + "/a.txt"}
    assert dav.request("MOVE", item, headers=other).status_code == 404  # not visible to alan
    apollo = project(dav, None)
    into_project = {"Destination": apollo + "/a.txt"}
    assert dav.request("MOVE", item, headers=into_project).status_code == 400  # another space
    assert dav.request("MOVE", item, headers={"Destination": "a.txt"}).status_code == 400
    assert dav.request("MOVE", item, headers={"Destination": dav.space_url + "/"}).status_code in (
        400,
        409,
    )
    bad = {"Destination": dav.space_url + "/b.txt", "Overwrite": "X"}
    assert dav.request("MOVE", item, headers=bad).status_code == 400
    unknown = {"Destination": dav.space_url + "/b.txt"}
    missing = key[:-1] + ("1" if key.endswith("0") else "0")  # a key that is not there
    assert dav.request("MOVE", f"{url}/{missing}", headers=unknown).status_code == 404
    assert dav.request("MOVE", url + "/", headers=unknown).status_code == 405
    assert len(listing(dav, url)) == 1
    assert dav.request("HEAD", dav.space_url + "/a.txt").status_code == 404
    assert dav.request("HEAD", dav.space_url + "/b.txt").status_code == 404


# ---------------------------------------------------------------- purge
def test_purge_one_and_empty_the_bin(dav: Dav) -> None:
    for name in ("a", "b", "c"):
        trash(dav, f"{dav.space_url}/{name}.txt")
    url = bin_url(dav.space_url)
    items = listing(dav, url)
    assert dav.request("DELETE", f"{url}/{key_of(items[0])}").status_code == 204
    assert len(listing(dav, url)) == 2
    assert dav.request("DELETE", f"{url}/{key_of(items[0])}").status_code == 404
    assert dav.request("DELETE", url + "/").status_code == 204
    assert listing(dav, url) == []


# ---------------------------------------------------------------- bad input
@pytest.mark.parametrize(
    "path",
    ["/..%2F..%2Fetc", "/.hidden", "/a%00b", "/a%5Cb", "/..", "/a%20b"],
)
def test_malformed_keys_are_refused(dav: Dav, path: str) -> None:
    trash(dav, dav.space_url + "/a.txt")
    url = bin_url(dav.space_url)
    status = dav.request("DELETE", url + path).status_code
    assert status in (400, 404)
    assert len(listing(dav, url)) == 1


@pytest.mark.parametrize(
    "space",
    ["nothing", "x%24y", "%24", "{storage}%24{space}!{space}", "{storage}%24" + "0" * 36],
)
def test_unknown_or_malformed_spaces_are_404(dav: Dav, space: str) -> None:
    storage, _, own = dav.space_id.partition("$")
    name = space.format(storage=storage, space=own)
    assert dav.propfind(f"/dav/spaces/trash-bin/{name}/").status_code == 404
    assert dav.request("DELETE", f"/dav/spaces/trash-bin/{name}/").status_code == 404


def test_bare_trash_urls(dav: Dav) -> None:
    assert dav.propfind("/remote.php/dav/spaces/trash-bin/").status_code == 404
    assert dav.propfind("/remote.php/dav/trash-bin/").status_code == 404
    assert dav.request("GET", bin_url(dav.space_url) + "/").status_code == 405
    assert dav.request("OPTIONS", bin_url(dav.space_url) + "/").status_code == 200


# ---------------------------------------------------------------- project spaces
def test_project_trash_by_role(dav: Dav) -> None:
    url = project(dav, SPACE_VIEWER)
    trash(dav, url + "/plan.txt", b"v1")
    bin_ = bin_url(url)
    key = key_of(listing(dav, bin_)[0])
    item = f"{bin_}/{key}"
    restore = {"Destination": url + "/plan.txt"}
    # a viewer lists the trash (OpenCloud's ListRecycle) but may not change it
    assert dav.propfind(bin_ + "/", auth=MARY).status_code == 207
    assert dav.request("MOVE", item, headers=restore, auth=MARY).status_code == 403
    assert dav.request("DELETE", item, auth=MARY).status_code == 403
    assert dav.request("DELETE", bin_ + "/", auth=MARY).status_code == 403
    assert len(listing(dav, bin_)) == 1  # nothing changed
    assert dav.request("HEAD", url + "/plan.txt").status_code == 404


def test_a_non_member_gets_404(dav: Dav) -> None:
    url = project(dav, None)
    trash(dav, url + "/plan.txt")
    bin_ = bin_url(url)
    key = key_of(listing(dav, bin_)[0])
    assert dav.propfind(bin_ + "/", auth=MARY).status_code == 404
    assert dav.request("DELETE", f"{bin_}/{key}", auth=MARY).status_code == 404
    restore = {"Destination": url + "/plan.txt"}
    assert dav.request("MOVE", f"{bin_}/{key}", headers=restore, auth=MARY).status_code == 404
    assert len(listing(dav, bin_)) == 1


def test_an_editor_restores_but_only_a_manager_purges(dav: Dav) -> None:
    url = project(dav, SPACE_EDITOR)
    trash(dav, url + "/plan.txt", b"v1", auth=MARY)
    trash(dav, url + "/other.txt", b"v1", auth=MARY)
    bin_ = bin_url(url)
    items = listing(dav, bin_, auth=MARY)
    assert {i[f"{OC}trashbin-original-location"] for i in items} == {"plan.txt", "other.txt"}
    plan = next(i for i in items if i[f"{OC}trashbin-original-filename"] == "plan.txt")
    restore = {"Destination": url + "/plan.txt"}
    assert (
        dav.request("MOVE", f"{bin_}/{key_of(plan)}", headers=restore, auth=MARY).status_code == 201
    )
    assert dav.request("GET", url + "/plan.txt", auth=MARY).content == b"v1"
    assert dav.request("DELETE", bin_ + "/", auth=MARY).status_code == 403
    assert len(listing(dav, bin_)) == 1
    assert dav.request("DELETE", bin_ + "/").status_code == 204  # alan manages the space
    assert listing(dav, bin_) == []


def test_a_manager_member_purges(dav: Dav) -> None:
    url = project(dav, MANAGER)
    trash(dav, url + "/plan.txt")
    bin_ = bin_url(url)
    key = key_of(listing(dav, bin_, auth=MARY)[0])
    assert dav.request("DELETE", f"{bin_}/{key}", auth=MARY).status_code == 204
    assert listing(dav, bin_) == []


def test_hrefs_use_the_url_flavour_of_the_request(dav: Dav) -> None:
    trash(dav, dav.space_url + "/a.txt")
    short = "/dav/spaces/trash-bin/" + dav.space_url.rsplit("/", 1)[1]
    items = listing(dav, short)
    assert re.match(r"^/dav/spaces/trash-bin/[^/]+%24[^/]+/[^/]+$", items[0]["href"])
