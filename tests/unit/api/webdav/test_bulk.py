"""Nextcloud's bulk upload (``POST /dav/bulk``): many files in one multipart
request, each stored on its own. Real app, real posix driver, HTTP through the
test client."""

from __future__ import annotations

import hashlib
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from typing import Any

import httpx2 as httpx
import pytest

from opencloud.api.webdav import bulk

from .conftest import Dav

BOUNDARY = "boundary_bf38b9b4b10a303a28ed075624db3978"
CONTENT_TYPE = f"multipart/related; boundary={BOUNDARY}"
LOCKINFO = (
    '<?xml version="1.0"?><d:lockinfo xmlns:d="DAV:"><d:lockscope><d:exclusive/>'
    "</d:lockscope><d:locktype><d:write/></d:locktype></d:lockinfo>"
)


def md5(data: bytes) -> str:
    return hashlib.md5(data).hexdigest()


def part(path: str | bytes, data: bytes, **headers: str) -> bytes:
    """One part, with the headers the Nextcloud desktop client sends; a header
    given as "" is left out."""
    fields = {
        "Content-Type": "application/octet-stream",
        "X-File-MD5": md5(data),
        "X-File-Mtime": "1700000000",
        "Content-Length": str(len(data)),
    }
    fields.update({k.replace("_", "-"): v for k, v in headers.items()})
    raw_path = path.encode() if isinstance(path, str) else path
    lines = [b"--" + BOUNDARY.encode(), b"X-File-Path: " + raw_path]
    lines += [f"{k}: {v}".encode() for k, v in fields.items() if v != ""]
    return b"\r\n".join(lines) + b"\r\n\r\n" + data + b"\r\n"


def envelope(*parts: bytes) -> bytes:
    return b"".join(parts) + b"--" + BOUNDARY.encode() + b"--\r\n"


def post(
    dav: Dav,
    body: bytes | Iterator[bytes],
    *,
    url: str = "/remote.php/dav/bulk",
    content_type: str | None = CONTENT_TYPE,
    **kwargs: Any,
) -> httpx.Response:
    headers = kwargs.pop("headers", {})
    if content_type is not None:
        headers["Content-Type"] = content_type
    return dav.request("POST", url, content=body, headers=headers, **kwargs)


def get(dav: Dav, path: str) -> httpx.Response:
    return dav.request("GET", dav.space_url + path)


def exists(dav: Dav, path: str) -> bool:
    return dav.request("HEAD", dav.space_url + path).status_code == 200


def sabre_message(response: httpx.Response) -> str:
    root = ET.fromstring(response.content)
    assert root.tag == "{DAV:}error"
    return root.findtext("{http://sabredav.org/ns}message") or ""


# ---- the happy path


@pytest.mark.parametrize("url", ["/remote.php/dav/bulk", "/dav/bulk", "/remote.php/dav/bulk/"])
def test_many_files_in_one_request(dav: Dav, url: str) -> None:
    assert dav.request("MKCOL", dav.space_url + "/docs").status_code == 201
    assert dav.request("MKCOL", dav.space_url + "/docs/deep").status_code == 201
    files = {f"/f{i:03d}.txt": f"file {i}".encode() * (i + 1) for i in range(150)}
    files["/empty.txt"] = b""
    files["/docs/deep/Ünïcødé ✓ 漢字.txt"] = "contenu ünïcødé ✓".encode()
    files["docs/no-leading-slash.bin"] = bytes(range(256)) * 10
    response = post(dav, envelope(*(part(p, d) for p, d in files.items())), url=url)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("application/json")
    results = response.json()
    assert list(results) == list(files)  # keyed by X-File-Path as sent, in order
    for path, data in files.items():
        result = results[path]
        assert result["error"] is False, result
        got = get(dav, "/" + path.lstrip("/"))
        assert got.status_code == 200
        assert got.content == data
        assert got.headers["OC-FileId"] == result["fileid"] == result["OC-FileID"]
        assert got.headers["ETag"] == f'"{result["etag"]}"' == result["OC-ETag"]
        assert result["X-OC-MTime"] == "accepted"
        assert "W" in result["permissions"]


def test_mtime_is_applied_and_x_oc_mtime_works_too(dav: Dav) -> None:
    response = post(
        dav,
        envelope(
            part("/a.txt", b"a", X_File_Mtime="1600000000"),
            part("/b.txt", b"b", X_File_Mtime="", X_OC_Mtime="1500000000"),
            part("/c.txt", b"c", X_File_Mtime=""),
        ),
    )
    results = response.json()
    assert get(dav, "/a.txt").headers["Last-Modified"] == "Sun, 13 Sep 2020 12:26:40 GMT"
    assert get(dav, "/b.txt").headers["Last-Modified"] == "Fri, 14 Jul 2017 02:40:00 GMT"
    assert results["/a.txt"]["X-OC-MTime"] == "accepted"
    assert "X-OC-MTime" not in results["/c.txt"]  # no mtime sent: now
    assert results["/c.txt"]["error"] is False


def test_overwrite_keeps_the_file_id_and_honours_if_match(dav: Dav) -> None:
    first = post(dav, envelope(part("/x.txt", b"one"))).json()["/x.txt"]
    second = post(dav, envelope(part("/x.txt", b"two", If_Match=first["OC-ETag"]))).json()
    assert second["/x.txt"]["error"] is False
    assert second["/x.txt"]["fileid"] == first["fileid"]
    assert second["/x.txt"]["etag"] != first["etag"]
    stale = post(dav, envelope(part("/x.txt", b"three", If_Match=first["OC-ETag"]))).json()
    assert stale["/x.txt"]["error"] is True
    assert "If-Match" in stale["/x.txt"]["message"]
    assert get(dav, "/x.txt").content == b"two"


def test_md5_may_be_prefixed_and_upper_case(dav: Dav) -> None:
    data = b"prefixed"
    results = post(
        dav,
        envelope(
            part("/p.txt", data, X_File_MD5="MD5:" + md5(data)),
            part("/u.txt", data, X_File_MD5=md5(data).upper()),
        ),
    ).json()
    assert results["/p.txt"]["error"] is False
    assert results["/u.txt"]["error"] is False


def test_the_body_may_arrive_in_any_pieces(dav: Dav) -> None:
    body = envelope(part("/one.txt", b"1" * 100), part("/two.txt", b""), part("/3.txt", b"3"))

    def bytewise() -> Iterator[bytes]:
        for i in range(len(body)):
            yield body[i : i + 1]

    response = post(dav, bytewise())
    assert response.status_code == 200, response.text
    assert all(r["error"] is False for r in response.json().values())
    assert get(dav, "/one.txt").content == b"1" * 100


def test_a_large_part_is_streamed(dav: Dav, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(bulk, "SMALL_PART", 1000)
    big = bytes(range(256)) * 40  # 10 KiB: over the (lowered) buffering limit
    sha1 = hashlib.sha1(big).hexdigest()

    def chunks() -> Iterator[bytes]:
        body = envelope(
            part("/small.txt", b"s"),
            part("/big.bin", big, OC_Checksum=f"SHA1:{sha1}"),
            part("/bad-big.bin", big, X_File_MD5=md5(b"other")),
            part("/after.txt", b"a"),
        )
        for i in range(0, len(body), 777):
            yield body[i : i + 777]

    results = post(dav, chunks()).json()
    assert results["/small.txt"]["error"] is False
    assert results["/big.bin"]["error"] is False
    assert results["/bad-big.bin"]["error"] is True
    assert "X-File-MD5" in results["/bad-big.bin"]["message"]
    assert results["/after.txt"]["error"] is False
    assert get(dav, "/big.bin").content == big
    assert not exists(dav, "/bad-big.bin")


# ---- one part fails, the others are stored


def test_md5_mismatch_fails_only_that_part(dav: Dav) -> None:
    response = post(
        dav,
        envelope(
            part("/good1.txt", b"good"),
            part("/bad.txt", b"bad", X_File_MD5=md5(b"not this")),
            part("/good2.txt", b"good"),
        ),
    )
    assert response.status_code == 200
    results = response.json()
    assert results["/good1.txt"]["error"] is False
    assert results["/good2.txt"]["error"] is False
    assert results["/bad.txt"] == {"error": True, "message": results["/bad.txt"]["message"]}
    assert "X-File-MD5 does not match" in results["/bad.txt"]["message"]
    assert not exists(dav, "/bad.txt")


def test_checksum_mismatch_fails_only_that_part(dav: Dav) -> None:
    data = b"checked"
    results = post(
        dav,
        envelope(
            part("/ok.txt", data, OC_Checksum=f"SHA1:{hashlib.sha1(data).hexdigest()}"),
            part("/wrong.txt", data, OC_Checksum=f"SHA1:{hashlib.sha1(b'x').hexdigest()}"),
            part(
                "/md5-only-wrong.txt",
                data,
                OC_Checksum="SHA1:" + hashlib.sha1(data).hexdigest(),
                X_File_MD5=md5(b"x"),
            ),
            part("/unknown.txt", data, OC_Checksum="CRC64:abcd"),
        ),
    ).json()
    assert results["/ok.txt"]["error"] is False
    for name in ("/wrong.txt", "/md5-only-wrong.txt", "/unknown.txt"):
        assert results[name]["error"] is True, name
        assert not exists(dav, name)
    assert "sha1" in results["/wrong.txt"]["message"]
    assert "X-File-MD5" in results["/md5-only-wrong.txt"]["message"]


@pytest.mark.parametrize(
    ("headers", "words"),
    [
        ({"X_File_MD5": ""}, "X-File-MD5 is required"),
        ({"X_File_MD5": "zz"}, "not an md5"),
        ({"X_File_Mtime": "yesterday"}, "X-File-Mtime"),
        ({"X_File_Mtime": "", "X_OC_Mtime": "-5"}, "X-OC-Mtime"),
    ],
)
def test_bad_part_headers_fail_only_that_part(
    dav: Dav, headers: dict[str, str], words: str
) -> None:
    results = post(dav, envelope(part("/bad.txt", b"x", **headers), part("/ok.txt", b"y"))).json()
    assert results["/bad.txt"]["error"] is True
    assert words in results["/bad.txt"]["message"]
    assert results["/ok.txt"]["error"] is False
    assert not exists(dav, "/bad.txt")


@pytest.mark.parametrize(
    "path",
    [
        "/../escape.txt",
        "/a/../../b.txt",
        "/back\\slash.txt",
        "/tab\there.txt",
        "/bell\x07.txt",
        "/",
        "",
        "/folder/",
        "/.oc-nodes/x",
        "/" + "n" * 256,
        "/" + "d/" * 2100 + "x",
    ],
)
def test_invalid_names_fail_that_part(dav: Dav, path: str) -> None:
    response = post(dav, envelope(part(path, b"x"), part("/ok.txt", b"y")))
    assert response.status_code == 200, response.text
    results = response.json()
    assert results[path]["error"] is True
    assert results[path]["message"]
    assert results["/ok.txt"]["error"] is False


def test_a_path_that_is_not_utf8_fails_that_part(dav: Dav) -> None:
    results = post(dav, envelope(part(b"/bad\xff.txt", b"x"), part("/ok.txt", b"y"))).json()
    [bad] = [r for k, r in results.items() if k != "/ok.txt"]
    assert bad == {"error": True, "message": "X-File-Path is not UTF-8"}


def test_missing_folder_fails_that_part(dav: Dav) -> None:
    results = post(dav, envelope(part("/nope/x.txt", b"x"), part("/ok.txt", b"y"))).json()
    assert results["/nope/x.txt"]["error"] is True
    assert "creates no folders" in results["/nope/x.txt"]["message"]
    assert results["/ok.txt"]["error"] is False
    assert dav.propfind(dav.space_url + "/nope", depth="0").status_code == 404


def test_a_folder_in_the_way_fails_that_part(dav: Dav) -> None:
    dav.request("MKCOL", dav.space_url + "/dir")
    results = post(dav, envelope(part("/dir", b"x"))).json()
    assert results["/dir"]["error"] is True


def test_paths_are_always_in_the_callers_personal_space(dav: Dav) -> None:
    mary = dav.request(
        "PROPFIND", "/dav/files/mary/", headers={"Depth": "0"}, auth=("mary", "Secret-pass-1")
    )
    assert mary.status_code == 207
    results = post(
        dav,
        envelope(
            part("/remote.php/dav/files/mary/evil.txt", b"x"),
            part("/dav/spaces/whatever/evil.txt", b"x"),
            part("/../mary/evil.txt", b"x"),
        ),
    ).json()
    # at best a missing folder in alan's own space; never mary's
    assert all(r["error"] is True for r in results.values())
    listing = dav.request(
        "PROPFIND", "/dav/files/mary/", headers={"Depth": "1"}, auth=("mary", "Secret-pass-1")
    )
    assert b"evil" not in listing.content
    # mary's bulk upload lands in mary's space
    as_mary = post(dav, envelope(part("/mine.txt", b"m")), auth=("mary", "Secret-pass-1"))
    assert as_mary.json()["/mine.txt"]["error"] is False
    assert not exists(dav, "/mine.txt")


def test_a_locked_target_fails_that_part(dav: Dav) -> None:
    dav.put(dav.space_url + "/locked.txt", b"old")
    lock = dav.request("LOCK", dav.space_url + "/locked.txt", content=LOCKINFO.encode())
    assert lock.status_code == 200, lock.text
    dav.request("MKCOL", dav.space_url + "/lockdir")
    folder_lock = dav.request(
        "LOCK", dav.space_url + "/lockdir", content=LOCKINFO.encode(), headers={"Depth": "infinity"}
    )
    assert folder_lock.status_code == 200, folder_lock.text
    results = post(
        dav,
        envelope(
            part("/locked.txt", b"new"),
            part("/lockdir/inside.txt", b"new"),
            part("/free.txt", b"free"),
        ),
    ).json()
    assert results["/locked.txt"]["error"] is True
    assert "locked" in results["/locked.txt"]["message"]
    assert results["/lockdir/inside.txt"]["error"] is True
    assert results["/free.txt"]["error"] is False
    assert get(dav, "/locked.txt").content == b"old"
    assert not exists(dav, "/lockdir/inside.txt")


def test_quota_exceeded_mid_request(dav: Dav) -> None:
    driver: Any = dav.state["uploads"]._driver
    driver.set_quota(dav.space_id.split("$")[1], 1000)
    results = post(
        dav,
        envelope(
            part("/a.bin", b"a" * 400),
            part("/b.bin", b"b" * 400),
            part("/c.bin", b"c" * 400),  # over: 1,200 of 1,000
            part("/d.bin", b"d" * 100),  # still fits
        ),
    ).json()
    assert results["/a.bin"]["error"] is False
    assert results["/b.bin"]["error"] is False
    assert results["/c.bin"]["error"] is True
    assert "quota" in results["/c.bin"]["message"]
    assert results["/d.bin"]["error"] is False
    assert not exists(dav, "/c.bin")


def test_a_request_larger_than_the_quota_is_refused_at_once(dav: Dav) -> None:
    driver: Any = dav.state["uploads"]._driver
    driver.set_quota(dav.space_id.split("$")[1], 1000)
    body = envelope(part("/huge.bin", b"h" * (bulk.ENVELOPE_ALLOWANCE + 2000)))
    response = post(dav, body)
    assert response.status_code == 507
    assert "quota" in sabre_message(response)
    assert not exists(dav, "/huge.bin")


def test_duplicate_paths_report_the_last(dav: Dav) -> None:
    results = post(
        dav, envelope(part("/d.txt", b"first"), part("/d.txt", b"x", X_File_MD5=md5(b"y")))
    ).json()
    assert list(results) == ["/d.txt"]
    assert results["/d.txt"]["error"] is True
    assert get(dav, "/d.txt").content == b"first"


# ---- the envelope


@pytest.mark.parametrize(
    "content_type",
    [
        None,
        "application/octet-stream",
        "multipart/form-data; boundary=abc",
        "multipart/related",
        "multipart/related; charset=utf-8",
        "multipart/related; boundary=",
        "multipart/related; boundary=" + "b" * 71,
        'multipart/related; boundary="bad\x01"',
    ],
)
def test_a_bad_content_type_is_400(dav: Dav, content_type: str | None) -> None:
    response = post(dav, envelope(part("/a.txt", b"a")), content_type=content_type)
    assert response.status_code == 400, response.text
    assert sabre_message(response)
    assert not exists(dav, "/a.txt")


def test_a_quoted_boundary_works(dav: Dav) -> None:
    response = post(
        dav,
        envelope(part("/q.txt", b"q")),
        content_type=f'multipart/related; boundary="{BOUNDARY}"',
    )
    assert response.json()["/q.txt"]["error"] is False


def _cases() -> dict[str, tuple[bytes, str]]:
    good = part("/a.txt", b"aaa")
    b = BOUNDARY.encode()
    return {
        "empty": (b"", "truncated"),
        "junk": (b"hello, world\r\n", "does not start"),
        "wrong boundary": (envelope(good).replace(b, b"x" * len(b)), "does not start"),
        "no parts": (b"--" + b + b"--\r\n", "no parts"),
        "junk after boundary": (b"--" + b + b"XX" + good, "junk after"),
        "truncated body": (envelope(good)[:-30], "truncated"),
        "truncated headers": (good[:40], "truncated"),
        "no closing boundary": (good, "truncated"),
        "content-length too short": (
            envelope(part("/a.txt", b"aaa", Content_Length="2")),
            "does not end",
        ),
        "content-length too long": (
            envelope(part("/a.txt", b"aaa", Content_Length="5")),
            "does not end",
        ),
        "no content-length": (
            envelope(part("/a.txt", b"aaa", Content_Length="")),
            "Content-Length",
        ),
        "bad content-length": (
            envelope(part("/a.txt", b"aaa", Content_Length="-3")),
            "Content-Length",
        ),
        "no x-file-path": (envelope(good.replace(b"X-File-Path", b"X-File-Name")), "X-File-Path"),
        "header without colon": (
            envelope(good.replace(b"Content-Type: ", b"Content-Type ")),
            "malformed part header",
        ),
        "repeated header": (
            envelope(good.replace(b"Content-Type: application/octet-stream", b"X-File-Path: /b")),
            "twice",
        ),
        "huge header block": (
            envelope(part("/a.txt", b"a", X_Padding="p" * (bulk.MAX_HEADER_BLOCK + 1))),
            "longer than",
        ),
    }


@pytest.mark.parametrize("case", list(_cases()))
def test_a_malformed_envelope_is_400(dav: Dav, case: str) -> None:
    body, words = _cases()[case]
    response = post(dav, body)
    assert response.status_code == 400, response.text
    assert words in sabre_message(response)
    assert not exists(dav, "/a.txt")


def test_parts_before_a_broken_envelope_stay_stored(dav: Dav) -> None:
    body = part("/first.txt", b"1") + part("/second.txt", b"2", Content_Length="9") + b"x" * 20
    response = post(dav, body)
    assert response.status_code == 400
    assert "1 files before it were stored" in sabre_message(response)
    assert get(dav, "/first.txt").content == b"1"
    assert not exists(dav, "/second.txt")


def test_a_truncated_large_part_stores_nothing(dav: Dav, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(bulk, "SMALL_PART", 10)
    body = part("/big.bin", b"b" * 5000)[:-1000]
    response = post(dav, iter([body[:100], body[100:]]))
    assert response.status_code == 400
    assert "truncated" in sabre_message(response)
    assert not exists(dav, "/big.bin")


def test_too_many_parts(dav: Dav, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(bulk, "MAX_PARTS", 3)
    response = post(dav, envelope(*(part(f"/{i}.txt", b"x") for i in range(4))))
    assert response.status_code == 400
    assert "more than 3 parts" in sabre_message(response)


def test_the_part_headers_are_bounded(dav: Dav, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(bulk, "ENVELOPE_ALLOWANCE", 1000)
    response = post(dav, envelope(*(part(f"/{i}.txt", b"x") for i in range(20))))
    assert response.status_code == 400
    assert "part headers add up" in sabre_message(response)


def test_the_request_size_is_bounded(dav: Dav, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(bulk, "MAX_REQUEST", 1000)
    declared = post(dav, envelope(part("/a.bin", b"a" * 2000)))
    assert declared.status_code == 413
    streamed = post(dav, iter([envelope(part("/a.bin", b"a" * 2000))]))  # chunked: no length
    assert streamed.status_code == 413
    assert not exists(dav, "/a.bin")


def test_only_post(dav: Dav) -> None:
    response = dav.request("GET", "/remote.php/dav/bulk")
    assert response.status_code == 405
    assert response.headers["Allow"] == "POST, OPTIONS"
    assert sabre_message(response)
    assert dav.request("PUT", "/dav/bulk", content=b"x").status_code == 405
    assert post(dav, envelope(part("/a.txt", b"a")), url="/dav/bulk/sub").status_code == 404


def test_needs_a_login(dav: Dav) -> None:
    response = dav.client.post(
        "/remote.php/dav/bulk",
        content=envelope(part("/a.txt", b"a")),
        headers={"Content-Type": CONTENT_TYPE},
    )
    assert response.status_code == 401
    assert not exists(dav, "/a.txt")


def test_capability_is_not_announced_by_default(dav: Dav) -> None:
    # desktop clients before 3.9 stall on empty files in a bulk request
    caps = dav.request("GET", "/ocs/v2.php/cloud/capabilities?format=json").json()
    assert caps["ocs"]["data"]["capabilities"]["dav"]["bulkupload"] == ""
