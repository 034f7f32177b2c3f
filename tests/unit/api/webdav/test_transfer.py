"""GET, HEAD and PUT: the native handlers and the ownCloud headers."""

from __future__ import annotations

import hashlib
import os
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from .conftest import Dav

URL = "/remote.php/webdav/f.bin"


def test_put_new_then_overwrite(dav: Dav) -> None:
    created = dav.put(URL, b"one")
    assert created.status_code == 201
    for header in ("etag", "oc-etag", "oc-fileid", "oc-perm"):
        assert created.headers[header]
    assert created.headers["oc-fileid"].startswith(dav.space_id + "!")
    replaced = dav.put(URL, b"two")
    assert replaced.status_code == 204
    assert replaced.headers["oc-fileid"] == created.headers["oc-fileid"]  # same node
    assert replaced.headers["etag"] != created.headers["etag"]
    assert dav.request("GET", URL).content == b"two"


def test_empty_put_creates_an_empty_file(dav: Dav) -> None:
    reply = dav.put(URL, b"")
    assert reply.status_code == 201
    assert reply.headers["oc-fileid"]
    got = dav.request("GET", URL)
    assert got.status_code == 200
    assert got.content == b""


def test_get_headers(dav: Dav) -> None:
    dav.put("/remote.php/webdav/t.txt", b"hello")
    got = dav.request("GET", "/remote.php/webdav/t.txt")
    assert got.content == b"hello"
    assert got.headers["content-type"].startswith("text/plain")
    assert got.headers["accept-ranges"] == "bytes"
    assert got.headers["oc-checksum"] == "SHA1:" + hashlib.sha1(b"hello").hexdigest()
    assert got.headers["last-modified"].endswith("GMT")
    head = dav.request("HEAD", "/remote.php/webdav/t.txt")
    assert head.status_code == 200
    assert head.content == b""
    assert head.headers["content-length"] == "5"
    assert head.headers["etag"] == got.headers["etag"]


def test_large_put_streams_and_get_returns_it(dav: Dav) -> None:
    body = os.urandom(3 * 1024 * 1024 + 17)
    reply = dav.put(URL, body)
    assert reply.status_code == 201
    got = dav.request("GET", URL)
    assert got.content == body


def test_ranges(dav: Dav) -> None:
    dav.put(URL, b"0123456789")
    part = dav.request("GET", URL, headers={"Range": "bytes=2-5"})
    assert part.status_code == 206
    assert part.content == b"2345"
    assert part.headers["content-range"] == "bytes 2-5/10"
    tail = dav.request("GET", URL, headers={"Range": "bytes=-3"})
    assert tail.content == b"789"
    open_end = dav.request("GET", URL, headers={"Range": "bytes=7-"})
    assert open_end.content == b"789"
    bad = dav.request("GET", URL, headers={"Range": "bytes=20-30"})
    assert bad.status_code == 416
    assert bad.headers["content-range"] == "bytes */10"


def test_conditional_get(dav: Dav) -> None:
    etag = dav.put(URL, b"data").headers["etag"]
    assert dav.request("GET", URL, headers={"If-None-Match": etag}).status_code == 304
    assert dav.request("GET", URL, headers={"If-None-Match": '"other"'}).status_code == 200
    last = dav.request("GET", URL).headers["last-modified"]
    assert dav.request("GET", URL, headers={"If-Modified-Since": last}).status_code == 304
    assert dav.request("GET", URL, headers={"If-Match": '"other"'}).status_code == 412


def test_x_oc_mtime_is_applied_and_acknowledged(dav: Dav) -> None:
    reply = dav.put(URL, b"x", headers={"X-OC-Mtime": "1500000000"})
    assert reply.headers["x-oc-mtime"] == "accepted"
    got = dav.request("GET", URL)
    assert got.headers["last-modified"] == "Fri, 14 Jul 2017 02:40:00 GMT"


def test_checksum_verified(dav: Dav) -> None:
    good = "SHA1:" + hashlib.sha1(b"abc").hexdigest()
    assert dav.put(URL, b"abc", headers={"OC-Checksum": good}).status_code == 201
    bad = dav.put("/remote.php/webdav/g.bin", b"abc", headers={"OC-Checksum": "SHA1:" + "0" * 40})
    assert bad.status_code == 400
    assert b"checksum" in bad.content.lower()
    assert dav.request("GET", "/remote.php/webdav/g.bin").status_code == 404  # nothing stored
    md5 = "MD5:" + hashlib.md5(b"abc").hexdigest()
    assert dav.put(URL, b"abc", headers={"OC-Checksum": md5}).status_code == 204


@pytest.mark.parametrize("value", ["CRC99:abcd", "SHA1:", "SHA1:xyz", "nonsense"])
def test_malformed_checksums_are_400(dav: Dav, value: str) -> None:
    assert dav.put(URL, b"abc", headers={"OC-Checksum": value}).status_code == 400
    assert dav.request("HEAD", URL).status_code == 404


@pytest.mark.parametrize("value", ["yesterday", "-5", "1e300", "nan"])
def test_malformed_mtime_is_400(dav: Dav, value: str) -> None:
    assert dav.put(URL, b"abc", headers={"X-OC-Mtime": value}).status_code == 400
    assert dav.request("HEAD", URL).status_code == 404


def test_if_match_and_if_none_match(dav: Dav) -> None:
    etag = dav.put(URL, b"v1").headers["etag"]
    assert dav.put(URL, b"v2", headers={"If-Match": '"stale"'}).status_code == 412
    assert dav.request("GET", URL).content == b"v1"
    assert dav.put(URL, b"v2", headers={"If-Match": etag}).status_code == 204
    assert dav.put(URL, b"v3", headers={"If-None-Match": "*"}).status_code == 412
    assert dav.request("GET", URL).content == b"v2"


def test_content_range_is_refused(dav: Dav) -> None:
    reply = dav.put(URL, b"abc", headers={"Content-Range": "bytes 0-2/10"})
    assert reply.status_code == 400
    assert dav.request("HEAD", URL).status_code == 404


def test_put_into_a_missing_folder_is_409(dav: Dav) -> None:
    assert dav.put("/remote.php/webdav/nope/f.txt", b"x").status_code == 409


def test_get_of_a_folder_is_refused(dav: Dav) -> None:
    dav.request("MKCOL", "/remote.php/webdav/d")
    assert dav.request("GET", "/remote.php/webdav/d").status_code == 409


def test_put_onto_a_folder_is_refused(dav: Dav) -> None:
    dav.request("MKCOL", "/remote.php/webdav/d")
    assert dav.put("/remote.php/webdav/d", b"x").status_code == 409


def test_put_over_quota_is_507_and_names_the_space(dav: Dav) -> None:
    alan = dav.state["auth"].get_user("alan")
    dav.state["files"]._driver.set_quota(alan.id, 10)
    reply = dav.put(URL, b"x" * 100)
    assert reply.status_code == 507
    assert b"InsufficientStorage" in reply.content
    assert dav.request("HEAD", URL).status_code == 404
