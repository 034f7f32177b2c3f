"""Versions and file ids over WebDAV: ``/dav/meta/{id}`` and
``/dav/meta/{id}/v[/{key}]``; list, download, restore, with the caller's
rights in the space."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any
from xml.etree import ElementTree as ET

import pytest

from opencloud.core.ids import NodeId, SpaceId
from opencloud.services.events.types import ItemRestored
from opencloud.services.spaces.roles import EDITOR, SPACE_EDITOR, SPACE_VIEWER, Role
from opencloud.storage.types import Ref

from .conftest import PASSWORD

if TYPE_CHECKING:
    from .conftest import Dav

MARY = ("mary", PASSWORD)
D = "{DAV:}"
OC = "{http://owncloud.org/ns}"


def three_versions(dav: Dav, url: str, **kw: Any) -> str:
    """Write ``url`` three times (v1, v2, v3); the file's id."""
    for body in (b"v1", b"v2-", b"v3--"):
        assert dav.put(url, body, **kw).status_code in (201, 204)
    file_id: str = dav.request("HEAD", url, **kw).headers["oc-fileid"]
    return file_id


def versions(dav: Dav, file_id: str, **kw: Any) -> list[dict[str, str]]:
    """The version entries (the ``v`` collection itself left out)."""
    body = '<d:propfind xmlns:d="DAV:"><d:prop/></d:propfind>'  # what the web client sends
    response = dav.propfind(f"/remote.php/dav/meta/{file_id}/v", body, **kw)
    assert response.status_code == 207, response.text
    entries = []
    for entry in ET.fromstring(response.content).iter(f"{D}response"):
        found = {"href": entry.findtext(f"{D}href") or ""}
        for prop in entry.iter(f"{D}prop"):
            for child in prop:
                found[child.tag] = (
                    "".join(child.itertext())
                    if len(child) == 0 or child.tag != f"{D}resourcetype"
                    else "collection"
                )
        entries.append(found)
    assert entries[0]["href"].endswith("/v/")
    assert entries[0][f"{D}resourcetype"] == "collection"
    return entries[1:]


def key_of(entry: dict[str, str]) -> str:
    return entry["href"].rsplit("/", 1)[1]


def project(dav: Dav, role: Role | None) -> str:
    auth = dav.state["auth"]
    spaces = dav.state["spaces"]
    alan = auth.principal("alan")
    info = spaces.create_project(alan, "Apollo")
    if role is not None:
        spaces.set_member(info.id, "u", auth.get_user("mary").id, role, creator=alan.id)
    url: str = "/dav/spaces/" + dav.state["files"].space_id(info.id).replace("$", "%24")
    return url


def test_listing_newest_first_with_properties(dav: Dav) -> None:
    file_id = three_versions(dav, dav.space_url + "/a.txt")
    found = versions(dav, file_id)
    assert [e[f"{D}getcontentlength"] for e in found] == ["3", "2"]  # v2-, v1
    node = file_id.rsplit("!", 1)[1]
    for entry in found:
        assert key_of(entry).startswith(node + ".REV.")
        assert entry[f"{D}getetag"].startswith('"')
        assert entry[f"{D}getlastmodified"].endswith(" GMT")
        assert entry[f"{D}getcontenttype"] == "text/plain"
        assert entry[f"{OC}checksums"].startswith("SHA1:")
    assert found[0]["href"].startswith("/remote.php/dav/meta/")
    assert "%24" in found[0]["href"]


def test_download_a_version(dav: Dav) -> None:
    file_id = three_versions(dav, dav.space_url + "/a.txt")
    oldest = versions(dav, file_id)[-1]
    url = f"/remote.php/dav/meta/{file_id}/v/{key_of(oldest)}"
    got = dav.request("GET", url)
    assert got.status_code == 200
    assert got.content == b"v1"
    assert got.headers["etag"] == oldest[f"{D}getetag"]
    assert got.headers["content-length"] == "2"
    assert got.headers["oc-checksum"].startswith("SHA1:")
    head = dav.request("HEAD", url)
    assert head.status_code == 200
    assert head.headers["content-length"] == "2"
    assert head.content == b""
    part = dav.request("GET", url, headers={"Range": "bytes=1-"})
    assert part.status_code == 206
    assert part.content == b"1"
    assert part.headers["content-range"] == "bytes 1-1/2"
    assert dav.request("GET", url, headers={"Range": "bytes=5-"}).status_code == 416
    cached = dav.request("GET", url, headers={"If-None-Match": got.headers["etag"]})
    assert cached.status_code == 304
    assert dav.request("GET", dav.space_url + "/a.txt").content == b"v3--"  # current unchanged


def test_restore_a_version_in_place(dav: Dav) -> None:
    file_id = three_versions(dav, dav.space_url + "/a.txt")
    oldest = versions(dav, file_id)[-1]
    subscription = dav.state["files"]._bus.subscribe("test")
    restored = dav.request(
        "COPY",
        f"/remote.php/dav/meta/{file_id}/v/{key_of(oldest)}",
        headers={"Destination": "http://testserver/ignored", "Overwrite": "F"},
    )
    assert restored.status_code == 204, restored.text
    assert restored.headers["oc-fileid"] == file_id
    assert dav.request("GET", dav.space_url + "/a.txt").content == b"v1"
    lengths = [e[f"{D}getcontentlength"] for e in versions(dav, file_id)]
    assert sorted(lengths) == ["3", "4"]  # v1 came back, v3-- became a version
    event = subscription.get(timeout=1)
    assert isinstance(event, ItemRestored)
    assert event.itemid == file_id


def test_the_key_alone_names_the_file(dav: Dav) -> None:
    """The web client restores through the parent folder's id."""
    folder_id = dav.request("MKCOL", dav.space_url + "/docs").headers["oc-fileid"]
    file_id = three_versions(dav, dav.space_url + "/docs/a.txt")
    key = key_of(versions(dav, file_id)[-1])
    url = f"/remote.php/dav/meta/{folder_id}/v/{key}"
    assert dav.request("GET", url).content == b"v1"
    assert dav.request("COPY", url).status_code == 204
    assert dav.request("GET", dav.space_url + "/docs/a.txt").content == b"v1"


def test_meta_propfind(dav: Dav) -> None:
    dav.request("MKCOL", dav.space_url + "/docs")
    file_id = three_versions(dav, dav.space_url + "/docs/a.txt")
    response = dav.propfind(f"/remote.php/dav/meta/{file_id}", depth="0")
    assert response.status_code == 207
    root = ET.fromstring(response.content)
    assert root.findtext(f".//{OC}meta-path-for-user") == "/docs/a.txt"
    assert root.findtext(f".//{OC}id") == file_id
    assert root.findtext(f".//{OC}fileid") == file_id
    assert root.findtext(f".//{OC}spaceid") == dav.space_id
    asked = (
        '<d:propfind xmlns:d="DAV:" xmlns:oc="http://owncloud.org/ns">'
        "<d:prop><oc:meta-path-for-user/><oc:nothing/></d:prop></d:propfind>"
    )
    named = dav.propfind(f"/dav/meta/{file_id}", asked, depth="0")
    assert "<oc:meta-path-for-user>/docs/a.txt</oc:meta-path-for-user>" in named.text
    assert "404 Not Found" in named.text
    assert dav.request("GET", f"/dav/meta/{file_id}").status_code == 405


def test_bad_ids_and_keys(dav: Dav) -> None:
    file_id = three_versions(dav, dav.space_url + "/a.txt")
    storage, _, rest = file_id.partition("$")
    space, _, node = rest.partition("!")
    unknown = f"{storage}${space}!{'0' * 8}-0000-0000-0000-{'0' * 12}"
    assert dav.propfind(f"/dav/meta/{unknown}/v").status_code == 404
    assert dav.propfind(f"/dav/meta/{unknown}", depth="0").status_code == 404
    other_storage = f"{'1' * 8}-1111-1111-1111-{'1' * 12}${space}!{node}"
    assert dav.propfind(f"/dav/meta/{other_storage}/v").status_code == 404
    for malformed in ("not-an-id", f"{storage}$x!y", f"{storage}${space}!../../etc"):
        assert dav.propfind(f"/dav/meta/{malformed}/v").status_code in (400, 404)
    assert dav.propfind("/dav/meta/not-an-id/v").status_code == 400
    assert dav.propfind(f"/dav/meta/{file_id}/w").status_code == 404
    assert dav.propfind(f"/dav/meta/{file_id}/v/a/b").status_code == 404
    assert dav.propfind("/dav/meta/").status_code == 404
    base = f"/dav/meta/{file_id}/v/"
    assert dav.request("GET", base + "2020-01-01T00:00:00.000000000Z").status_code == 404
    assert dav.request("GET", base + f"{node}.REV.2020-01-01T00:00:00Z").status_code == 404
    assert dav.request("GET", base + "nonsense.REV.2020").status_code == 400
    assert dav.request("GET", base + f"{node}.REV.a%20b").status_code == 400
    assert dav.request("COPY", base + f"{node}.REV..hidden").status_code == 400
    assert dav.request("DELETE", base + key_of(versions(dav, file_id)[0])).status_code == 405
    assert dav.request("GET", dav.space_url + "/a.txt").content == b"v3--"  # nothing changed
    assert len(versions(dav, file_id)) == 2


def test_versions_of_a_folder(dav: Dav) -> None:
    folder_id = dav.request("MKCOL", dav.space_url + "/docs").headers["oc-fileid"]
    assert dav.propfind(f"/dav/meta/{folder_id}/v").status_code == 409


def test_a_viewer_and_a_non_member(dav: Dav) -> None:
    url = project(dav, SPACE_VIEWER)
    file_id = three_versions(dav, url + "/plan.txt")
    key = key_of(versions(dav, file_id)[-1])
    meta = f"/dav/meta/{file_id}"
    assert dav.propfind(meta, depth="0", auth=MARY).status_code == 207  # the path: read
    assert dav.propfind(meta + "/v", auth=MARY).status_code == 403
    assert dav.request("GET", f"{meta}/v/{key}", auth=MARY).status_code == 403
    assert dav.request("COPY", f"{meta}/v/{key}", auth=MARY).status_code == 403
    assert dav.request("GET", url + "/plan.txt").content == b"v3--"
    spaces = dav.state["spaces"]
    space = file_id.partition("$")[2].partition("!")[0]
    spaces.remove_member(space, "u", dav.state["auth"].get_user("mary").id)
    assert dav.propfind(meta, depth="0", auth=MARY).status_code == 404
    assert dav.propfind(meta + "/v", auth=MARY).status_code == 404
    assert dav.request("COPY", f"{meta}/v/{key}", auth=MARY).status_code == 404
    assert dav.request("GET", url + "/plan.txt").content == b"v3--"


def test_an_editor_restores(dav: Dav) -> None:
    url = project(dav, SPACE_EDITOR)
    file_id = three_versions(dav, url + "/plan.txt", auth=MARY)
    key = key_of(versions(dav, file_id, auth=MARY)[-1])
    assert dav.request("COPY", f"/dav/meta/{file_id}/v/{key}", auth=MARY).status_code == 204
    assert dav.request("GET", url + "/plan.txt", auth=MARY).content == b"v1"


@pytest.mark.parametrize("method", ["GET", "COPY"])
def test_a_locked_file_keeps_its_content(dav: Dav, method: str) -> None:
    file_id = three_versions(dav, dav.space_url + "/a.txt")
    key = key_of(versions(dav, file_id)[-1])
    lock = (
        '<d:lockinfo xmlns:d="DAV:"><d:lockscope><d:exclusive/></d:lockscope>'
        "<d:locktype><d:write/></d:locktype></d:lockinfo>"
    )
    locked = dav.request("LOCK", dav.space_url + "/a.txt", content=lock.encode())
    assert locked.status_code == 200
    status = dav.request(method, f"/dav/meta/{file_id}/v/{key}").status_code
    assert status == (200 if method == "GET" else 423)
    assert dav.request("GET", dav.space_url + "/a.txt").content == b"v3--"


def test_a_recipient_sees_the_path_from_the_shared_item(dav: Dav) -> None:
    """``oc:meta-path-for-user`` of a file reached through a share starts at
    the shared item (reva's GetPath stops at the first folder the caller may
    not see): the owner's folders above it stay theirs."""
    for folder in ("/Private", "/Private/Clients", "/Private/Clients/acme"):
        assert dav.request("MKCOL", dav.space_url + folder).status_code == 201
    file_id = three_versions(dav, dav.space_url + "/Private/Clients/acme/report.txt")
    auth, files = dav.state["auth"], dav.state["files"]
    alan = auth.principal("alan")
    node = files.stat(Ref(SpaceId(alan.id), "/Private/Clients"))
    dav.state["shares"].create(
        alan,
        SpaceId(alan.id),
        NodeId(node.id),
        grantee_kind="u",
        grantee=auth.get_user("mary").id,
        given=EDITOR,
    )
    response = dav.propfind(f"/remote.php/dav/meta/{file_id}", depth="0", auth=MARY)
    assert response.status_code == 207, response.text
    path = ET.fromstring(response.content).findtext(f".//{OC}meta-path-for-user")
    assert path == "/Clients/acme/report.txt"
    assert len(versions(dav, file_id, auth=MARY)) == 2  # and the versions, as before
