"""PROPFIND: what sync clients read, on every URL flavour."""

from __future__ import annotations

import hashlib
import xml.etree.ElementTree as ET
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from .conftest import Dav

D = "{DAV:}"
OC = "{http://owncloud.org/ns}"

DESKTOP_BODY = """<?xml version="1.0"?>
<d:propfind xmlns:d="DAV:" xmlns:oc="http://owncloud.org/ns"><d:prop>
<d:resourcetype/><d:getlastmodified/><d:getcontentlength/><d:getetag/>
<oc:id/><oc:permissions/><oc:checksums/><oc:size/><oc:fileid/>
</d:prop></d:propfind>"""


def responses(body: bytes) -> dict[str, dict[str, ET.Element]]:
    """href → {property tag → element} of the 200 propstats."""
    root = ET.fromstring(body)
    out: dict[str, dict[str, ET.Element]] = {}
    for response in root.findall(f"{D}response"):
        href = response.findtext(f"{D}href") or ""
        props: dict[str, ET.Element] = {}
        for propstat in response.findall(f"{D}propstat"):
            if "200" in (propstat.findtext(f"{D}status") or ""):
                for prop in propstat.find(f"{D}prop") or []:
                    props[prop.tag] = prop
        out[href] = props
    return out


@pytest.fixture
def tree(dav: Dav) -> Dav:
    assert dav.request("MKCOL", "/remote.php/webdav/docs").status_code == 201
    assert dav.put("/remote.php/webdav/docs/a.txt", b"hello").status_code == 201
    assert dav.put("/remote.php/webdav/docs/empty.txt", b"").status_code == 201
    return dav


@pytest.mark.parametrize(
    "base",
    ["/remote.php/webdav", "/webdav", "/remote.php/dav/files/alan", "/dav/files/alan", "spaces"],
)
def test_every_entry_has_what_the_desktop_needs(tree: Dav, base: str) -> None:
    base = tree.space_url if base == "spaces" else base
    reply = tree.propfind(f"{base}/docs", DESKTOP_BODY)
    assert reply.status_code == 207
    assert reply.headers["content-type"] == "application/xml; charset=utf-8"
    entries = responses(reply.content)
    hrefs = list(entries)
    assert hrefs[0] == f"{base}/docs/"  # the folder itself comes first
    assert set(hrefs) == {f"{base}/docs/", f"{base}/docs/a.txt", f"{base}/docs/empty.txt"}
    for props in entries.values():
        assert props[f"{D}getetag"].text
        assert (props[f"{OC}id"].text or "").startswith(tree.space_id + "!")
        assert props[f"{OC}permissions"].text
    checksum = entries[f"{base}/docs/a.txt"][f"{OC}checksums"][0].text or ""
    assert f"SHA1:{hashlib.sha1(b'hello').hexdigest()}" in checksum
    assert entries[f"{base}/docs/a.txt"][f"{D}getcontentlength"].text == "5"
    assert entries[f"{base}/docs/"][f"{OC}size"].text == "5"  # tree size
    collection = entries[f"{base}/docs/"][f"{D}resourcetype"]
    assert collection.find(f"{D}collection") is not None


def test_depth_zero_is_the_resource_only(tree: Dav) -> None:
    reply = tree.propfind("/remote.php/webdav/docs/a.txt", depth="0")
    assert list(responses(reply.content)) == ["/remote.php/webdav/docs/a.txt"]


def test_missing_depth_means_one(tree: Dav) -> None:
    reply = tree.request("PROPFIND", "/remote.php/webdav/docs")
    assert len(responses(reply.content)) == 3


def test_depth_infinity_is_refused(tree: Dav) -> None:
    reply = tree.propfind("/remote.php/webdav/", depth="infinity")
    assert reply.status_code == 400
    assert b"Sabre\\DAV\\Exception\\BadRequest" in reply.content
    assert b"Depth" in reply.content


def test_root_etag_changes_with_anything_below(tree: Dav) -> None:
    def root_etag() -> str:
        reply = tree.propfind("/remote.php/webdav/", depth="0")
        return responses(reply.content)["/remote.php/webdav/"][f"{D}getetag"].text or ""

    before = root_etag()
    tree.put("/remote.php/webdav/docs/a.txt", b"changed")
    assert root_etag() != before


def test_unknown_properties_are_404_unless_minimal(tree: Dav) -> None:
    body = (
        '<d:propfind xmlns:d="DAV:" xmlns:x="urn:x"><d:prop><d:getetag/><x:nope/>'
        "</d:prop></d:propfind>"
    )
    reply = tree.propfind("/remote.php/webdav/docs/a.txt", body, depth="0")
    assert b"HTTP/1.1 404 Not Found" in reply.content
    assert b"nope" in reply.content
    minimal = tree.propfind(
        "/remote.php/webdav/docs/a.txt", body, depth="0", headers={"Prefer": "return=minimal"}
    )
    assert b"404" not in minimal.content
    assert minimal.headers["preference-applied"] == "return=minimal"


def test_propname_lists_names_without_values(tree: Dav) -> None:
    body = '<d:propfind xmlns:d="DAV:"><d:propname/></d:propfind>'
    reply = tree.propfind("/remote.php/webdav/docs/a.txt", body, depth="0")
    props = responses(reply.content)["/remote.php/webdav/docs/a.txt"]
    assert f"{D}getetag" in props
    assert not (props[f"{D}getetag"].text or "")


def test_dead_properties_round_trip(tree: Dav) -> None:
    patch = (
        '<d:propertyupdate xmlns:d="DAV:" xmlns:x="urn:x"><d:set><d:prop>'
        "<x:colour>blue</x:colour></d:prop></d:set></d:propertyupdate>"
    )
    reply = tree.request("PROPPATCH", "/remote.php/webdav/docs/a.txt", content=patch.encode())
    assert reply.status_code == 207
    body = '<d:propfind xmlns:d="DAV:" xmlns:x="urn:x"><d:prop><x:colour/></d:prop></d:propfind>'
    found = responses(tree.propfind("/remote.php/webdav/docs/a.txt", body, depth="0").content)
    assert found["/remote.php/webdav/docs/a.txt"]["{urn:x}colour"].text == "blue"


def test_favorite_is_a_property(tree: Dav) -> None:
    patch = (
        '<d:propertyupdate xmlns:d="DAV:" xmlns:oc="http://owncloud.org/ns"><d:set><d:prop>'
        "<oc:favorite>1</oc:favorite></d:prop></d:set></d:propertyupdate>"
    )
    tree.request("PROPPATCH", "/remote.php/webdav/docs/a.txt", content=patch.encode())
    body = (
        '<d:propfind xmlns:d="DAV:" xmlns:oc="http://owncloud.org/ns"><d:prop><oc:favorite/>'
        "</d:prop></d:propfind>"
    )
    found = responses(tree.propfind("/remote.php/webdav/docs", body).content)
    assert found["/remote.php/webdav/docs/a.txt"][f"{OC}favorite"].text == "1"
    assert found["/remote.php/webdav/docs/empty.txt"][f"{OC}favorite"].text == "0"


def test_live_properties_cannot_be_patched(tree: Dav) -> None:
    patch = (
        '<d:propertyupdate xmlns:d="DAV:"><d:set><d:prop><d:getetag>"x"</d:getetag>'
        "</d:prop></d:set></d:propertyupdate>"
    )
    reply = tree.request("PROPPATCH", "/remote.php/webdav/docs/a.txt", content=patch.encode())
    assert reply.status_code == 207
    assert b"403" in reply.content


def test_large_folders_stream(dav: Dav) -> None:
    dav.request("MKCOL", "/remote.php/webdav/many")
    for i in range(250):
        dav.put(f"/remote.php/webdav/many/f{i:03}", b"x")
    reply = dav.propfind("/remote.php/webdav/many", DESKTOP_BODY)
    assert reply.status_code == 207
    assert "content-length" not in reply.headers  # streamed
    assert len(responses(reply.content)) == 251


@pytest.mark.parametrize(
    ("body", "why"),
    [
        ("<d:propfind xmlns:d='DAV:'><d:prop>", b"malformed XML"),
        ("not xml at all", b"malformed XML"),
        ("<x:other xmlns:x='urn:x'/>", b"DAV:propfind"),
        (
            '<?xml version="1.0"?><!DOCTYPE d [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
            '<d:propfind xmlns:d="DAV:"><d:prop><d:getetag/></d:prop></d:propfind>',
            b"document type",
        ),
        (
            '<!DOCTYPE l [<!ENTITY a "aaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;">]>'
            "<d:propfind xmlns:d='DAV:'><d:allprop/></d:propfind>",
            b"document type",
        ),
    ],
)
def test_bad_bodies_are_400(tree: Dav, body: str, why: bytes) -> None:
    reply = tree.propfind("/remote.php/webdav/docs", body)
    assert reply.status_code == 400
    assert why in reply.content
    assert b"Sabre\\DAV\\Exception\\BadRequest" in reply.content


def test_oversized_body_is_413(tree: Dav) -> None:
    body = (
        "<d:propfind xmlns:d='DAV:'><d:prop>" + "<d:getetag/>" * 200_000 + "</d:prop></d:propfind>"
    )
    reply = tree.propfind("/remote.php/webdav/docs", body)
    assert reply.status_code == 413


def test_xxe_in_proppatch_is_refused_and_nothing_stored(tree: Dav) -> None:
    patch = (
        '<?xml version="1.0"?><!DOCTYPE p [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
        '<d:propertyupdate xmlns:d="DAV:" xmlns:x="urn:x"><d:set><d:prop><x:p>&x;</x:p>'
        "</d:prop></d:set></d:propertyupdate>"
    )
    reply = tree.request("PROPPATCH", "/remote.php/webdav/docs/a.txt", content=patch.encode())
    assert reply.status_code == 400
    body = '<d:propfind xmlns:d="DAV:" xmlns:x="urn:x"><d:prop><x:p/></d:prop></d:propfind>'
    found = responses(tree.propfind("/remote.php/webdav/docs/a.txt", body, depth="0").content)
    assert "{urn:x}p" not in found["/remote.php/webdav/docs/a.txt"]


def test_missing_resource_is_404(dav: Dav) -> None:
    reply = dav.propfind("/remote.php/webdav/nope")
    assert reply.status_code == 404
    assert b"Sabre\\DAV\\Exception\\NotFound" in reply.content


def test_bare_dav_collections(dav: Dav) -> None:
    assert dav.propfind("/dav/spaces/").status_code == 404
    bare = dav.request("PROPFIND", "/remote.php/dav/files")
    assert bare.status_code == 405
    assert b"ERR_LISTING_MEMBERS_NOT_ALLOWED" in bare.content
    mine = dav.propfind("/remote.php/dav/files", depth="0")  # with a Depth: my files
    assert mine.status_code == 207
    assert "<d:href>/remote.php/dav/files/alan/</d:href>" in mine.text


def test_private_links_point_at_the_public_url(tree: Dav) -> None:
    body = (
        '<d:propfind xmlns:d="DAV:" xmlns:oc="http://owncloud.org/ns"><d:prop><oc:privatelink/>'
        "<oc:fileid/></d:prop></d:propfind>"
    )
    found = responses(tree.propfind("/remote.php/webdav/docs/a.txt", body, depth="0").content)
    props = found["/remote.php/webdav/docs/a.txt"]
    public = tree.state["public_url"]
    assert props[f"{OC}privatelink"].text == f"{public}/f/{props[f'{OC}fileid'].text}"


def test_desktop_root_properties(dav: Dav) -> None:
    body = (
        '<d:propfind xmlns:d="DAV:" xmlns:oc="http://owncloud.org/ns"><d:prop>'
        "<oc:data-fingerprint/><oc:dDC/><oc:share-types/><oc:owner-id/>"
        "<oc:owner-display-name/><d:quota-available-bytes/><d:quota-used-bytes/>"
        "</d:prop></d:propfind>"
    )
    reply = dav.propfind("/remote.php/webdav/", body, depth="0")
    assert "HTTP/1.1 404" not in reply.text
    props = responses(reply.content)["/remote.php/webdav/"]
    assert props[f"{OC}owner-id"].text == "alan"
    assert props[f"{OC}owner-display-name"].text == "Alan Turing"
    assert int(props[f"{D}quota-available-bytes"].text or "-1") >= 0
    assert props[f"{D}quota-used-bytes"].text == "0"
