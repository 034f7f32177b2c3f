"""TUS 1.0.0 uploads on every DAV flavour, with the bad input a client (or an
attacker) may send. Real app, real posix driver, HTTP through the test client."""

from __future__ import annotations

import base64
import hashlib
from typing import Any

import httpx2 as httpx
import pytest

from opencloud.core.errors import NotFound
from opencloud.services.files.uploads import UPLOADS_SPACE
from opencloud.storage.types import Ref

from .conftest import Dav

TUS = {"Tus-Resumable": "1.0.0"}
STREAM = {"Content-Type": "application/offset+octet-stream"}


def b64(value: str | bytes) -> str:
    raw = value.encode() if isinstance(value, str) else value
    return base64.b64encode(raw).decode()


def metadata(filename: str | None = "file.bin", **extra: str) -> str:
    pairs = {} if filename is None else {"filename": filename}
    pairs.update(extra)
    return ",".join(f"{k} {b64(v)}" for k, v in pairs.items())


def create(
    dav: Dav,
    url: str,
    length: int,
    *,
    meta: str | None = None,
    body: bytes | None = None,
    headers: dict[str, str] | None = None,
) -> httpx.Response:
    hdrs = {**TUS, "Upload-Length": str(length), "Upload-Metadata": meta or metadata()}
    if body is not None:
        hdrs.update(STREAM)
    hdrs.update(headers or {})
    return dav.request("POST", url, headers=hdrs, content=body or b"")


def patch(dav: Dav, location: str, offset: int, body: bytes, **headers: str) -> httpx.Response:
    hdrs = {**TUS, **STREAM, "Upload-Offset": str(offset), **headers}
    return dav.client.request("PATCH", location, headers=hdrs, content=body)


def get(dav: Dav, url: str) -> bytes:
    response = dav.request("GET", url)
    assert response.status_code == 200, response.text
    return response.content


def session_count(dav: Dav) -> int:
    driver: Any = dav.state["uploads"]._driver
    try:
        return len(list(driver.list(Ref(UPLOADS_SPACE, "/tus"))))
    except NotFound:
        return 0


@pytest.mark.parametrize(
    "folder",
    [
        "{space}/",
        "/remote.php/webdav/",
        "/remote.php/dav/files/alan/",
        "/webdav",
        "/dav/files/alan",
    ],
)
def test_create_patch_complete_on_every_flavour(dav: Dav, folder: str) -> None:
    url = folder.format(space=dav.space_url)
    data = b"0123456789" * 1000
    sha1 = hashlib.sha1(data).hexdigest()
    meta = metadata("big.bin", mtime="1700000000", checksum=f"sha1 {sha1}")
    created = create(dav, url, len(data), meta=meta)
    assert created.status_code == 201, created.text
    assert created.headers["Tus-Resumable"] == "1.0.0"
    assert created.headers["Upload-Offset"] == "0"
    assert "Upload-Expires" in created.headers
    location = created.headers["Location"]
    assert "/data/" in location
    # the data URL needs no login
    head = dav.client.head(location, headers=TUS)
    assert head.status_code == 200
    assert head.headers["Upload-Offset"] == "0"
    assert head.headers["Upload-Length"] == str(len(data))
    first = patch(dav, location, 0, data[:4000])
    assert first.status_code == 204, first.text
    assert first.headers["Upload-Offset"] == "4000"
    assert "OC-FileId" not in first.headers
    assert dav.client.head(location, headers=TUS).headers["Upload-Offset"] == "4000"
    last = patch(dav, location, 4000, data[4000:])
    assert last.status_code == 204, last.text
    assert last.headers["Upload-Offset"] == str(len(data))
    for name in ("OC-FileId", "OC-ETag", "ETag", "OC-Perm"):
        assert last.headers[name]
    assert get(dav, dav.space_url + "/big.bin") == data
    stat = dav.request("HEAD", dav.space_url + "/big.bin")
    assert stat.headers["Last-Modified"] == "Tue, 14 Nov 2023 22:13:20 GMT"
    assert stat.headers["OC-FileId"] == last.headers["OC-FileId"]
    assert stat.headers["ETag"] == last.headers["ETag"]
    # the session is gone once the file is placed
    assert dav.client.head(location, headers=TUS).status_code == 404
    assert session_count(dav) == 0


def test_creation_with_upload_completes_at_once(dav: Dav) -> None:
    created = create(
        dav, dav.space_url + "/", 5, meta=metadata("hello.txt", mtime="1600000000"), body=b"hello"
    )
    assert created.status_code == 201, created.text
    assert created.headers["Upload-Offset"] == "5"
    for name in ("OC-FileId", "OC-ETag", "ETag", "OC-Perm", "Last-Modified"):
        assert created.headers[name]
    assert created.headers["Last-Modified"] == "Sun, 13 Sep 2020 12:26:40 GMT"
    assert get(dav, dav.space_url + "/hello.txt") == b"hello"


def test_x_oc_mtime_on_the_creation_request_sets_the_mtime(dav: Dav) -> None:
    """ownCloud desktop 2.x sends the mtime as a header, not in the metadata."""
    created = create(
        dav, dav.space_url + "/", 3, headers={"X-OC-Mtime": "1500000000"}, meta=metadata("m.txt")
    )
    location = created.headers["Location"]
    done = patch(dav, location, 0, b"abc")
    assert done.status_code == 204, done.text
    head = dav.request("HEAD", dav.space_url + "/m.txt")
    assert head.headers["Last-Modified"] == "Fri, 14 Jul 2017 02:40:00 GMT"
    bad = create(dav, dav.space_url + "/", 3, headers={"X-OC-Mtime": "soon"}, meta=metadata("b"))
    assert bad.status_code == 400


def test_creation_with_partial_upload_then_patch(dav: Dav) -> None:
    created = create(dav, dav.space_url, 10, meta=metadata("p.txt"), body=b"abcd")
    assert created.status_code == 201
    assert created.headers["Upload-Offset"] == "4"
    assert "OC-FileId" not in created.headers
    done = patch(dav, created.headers["Location"], 4, b"efghij")
    assert done.status_code == 204
    assert get(dav, dav.space_url + "/p.txt") == b"abcdefghij"


def test_empty_upload_is_committed_at_creation(dav: Dav) -> None:
    created = create(dav, dav.space_url, 0, meta=metadata("empty.txt"))
    assert created.status_code == 201
    assert created.headers["OC-FileId"]
    assert get(dav, dav.space_url + "/empty.txt") == b""


def test_filename_may_be_a_path_below_the_folder(dav: Dav) -> None:
    assert dav.request("MKCOL", dav.space_url + "/sub").status_code == 201
    assert dav.request("MKCOL", dav.space_url + "/sub/deeper").status_code == 201
    created = create(dav, dav.space_url, 3, meta=metadata("/sub/deeper/x.txt"), body=b"xyz")
    assert created.status_code == 201, created.text
    assert get(dav, dav.space_url + "/sub/deeper/x.txt") == b"xyz"
    created = create(dav, dav.space_url + "/sub", 2, meta=metadata("deeper/y.txt"), body=b"yy")
    assert created.status_code == 201, created.text
    assert get(dav, dav.space_url + "/sub/deeper/y.txt") == b"yy"


def test_overwrite_keeps_the_file_id_and_if_match_is_honoured(dav: Dav) -> None:
    first = dav.put(dav.space_url + "/o.txt", b"old")
    fileid, etag = first.headers["OC-FileId"], first.headers["ETag"]
    stale = create(dav, dav.space_url, 3, meta=metadata("o.txt"), headers={"If-Match": '"nope"'})
    assert stale.status_code == 412
    created = create(dav, dav.space_url, 3, meta=metadata("o.txt"), headers={"If-Match": etag})
    assert created.status_code == 201
    done = patch(dav, created.headers["Location"], 0, b"new")
    assert done.status_code == 204
    assert done.headers["OC-FileId"] == fileid
    assert get(dav, dav.space_url + "/o.txt") == b"new"


def test_if_match_is_checked_again_at_the_end(dav: Dav) -> None:
    etag = dav.put(dav.space_url + "/race.txt", b"v1").headers["ETag"]
    created = create(dav, dav.space_url, 3, meta=metadata("race.txt"), headers={"If-Match": etag})
    dav.put(dav.space_url + "/race.txt", b"v2")
    done = patch(dav, created.headers["Location"], 0, b"v3!")
    assert done.status_code == 412
    assert get(dav, dav.space_url + "/race.txt") == b"v2"


def test_checksum_mismatch_stores_nothing(dav: Dav) -> None:
    meta = metadata("bad.txt", checksum="sha1 " + "0" * 40)
    created = create(dav, dav.space_url, 6, meta=meta, body=b"abc")
    assert created.status_code == 201
    done = patch(dav, created.headers["Location"], 3, b"def")
    assert done.status_code == 460
    assert dav.request("HEAD", dav.space_url + "/bad.txt").status_code == 404
    assert dav.client.head(created.headers["Location"], headers=TUS).status_code == 404
    assert session_count(dav) == 0


def test_checksum_in_desktop_form_is_verified(dav: Dav) -> None:
    data = b"desktop"
    meta = metadata("d.txt", checksum="SHA1:" + hashlib.sha1(data).hexdigest())
    created = create(dav, dav.space_url, len(data), meta=meta, body=data)
    assert created.status_code == 201
    assert created.headers["OC-Checksum"] == "SHA1:" + hashlib.sha1(data).hexdigest()


def test_upload_checksum_of_a_request_body(dav: Dav) -> None:
    created = create(dav, dav.space_url, 6, meta=metadata("u.txt"))
    location = created.headers["Location"]
    wrong = patch(dav, location, 0, b"abc", **{"Upload-Checksum": "sha1 " + b64(b"x" * 20)})
    assert wrong.status_code == 460
    assert dav.client.head(location, headers=TUS).headers["Upload-Offset"] == "0"
    digest = base64.b64encode(hashlib.sha1(b"abc").digest()).decode()
    right = patch(dav, location, 0, b"abc", **{"Upload-Checksum": f"sha1 {digest}"})
    assert right.status_code == 204
    assert right.headers["Upload-Offset"] == "3"
    bad = patch(dav, location, 3, b"def", **{"Upload-Checksum": "crc99 AAAA"})
    assert bad.status_code == 400


def test_terminate(dav: Dav) -> None:
    created = create(dav, dav.space_url, 10, meta=metadata("t.txt"), body=b"abc")
    location = created.headers["Location"]
    assert dav.client.delete(location, headers=TUS).status_code == 204
    assert dav.client.head(location, headers=TUS).status_code == 404
    assert patch(dav, location, 3, b"x").status_code == 404
    assert session_count(dav) == 0


def test_method_override_on_post(dav: Dav) -> None:
    created = create(dav, dav.space_url, 4, meta=metadata("m.txt"))
    location = created.headers["Location"]
    headers = {**TUS, **STREAM, "Upload-Offset": "0", "X-HTTP-Method-Override": "PATCH"}
    done = dav.client.post(location, headers=headers, content=b"mmmm")
    assert done.status_code == 204
    assert done.headers["OC-FileId"]
    assert get(dav, dav.space_url + "/m.txt") == b"mmmm"


def test_options_advertises_tus(dav: Dav) -> None:
    response = dav.request("OPTIONS", dav.space_url + "/")
    assert response.headers["Tus-Version"] == "1.0.0"
    assert "creation-with-upload" in response.headers["Tus-Extension"]
    created = create(dav, dav.space_url, 4, meta=metadata("opt.txt"))
    data = dav.client.options(created.headers["Location"])
    assert data.status_code == 204
    assert data.headers["Tus-Version"] == "1.0.0"
    assert "termination" in data.headers["Tus-Extension"]


def test_capabilities_announce_tus_and_chunking(dav: Dav) -> None:
    response = dav.request("GET", "/ocs/v2.php/cloud/capabilities?format=json")
    caps = response.json()["ocs"]["data"]["capabilities"]
    assert caps["files"]["tus_support"]["version"] == "1.0.0"
    assert caps["dav"]["chunking"] == "1.0"


# ---------------------------------------------------------------- bad input


@pytest.mark.parametrize("value", [None, "0.9.0", "", "1.0"])
def test_missing_or_wrong_tus_resumable_is_412(dav: Dav, value: str | None) -> None:
    headers = {"Upload-Length": "3", "Upload-Metadata": metadata("x")}
    if value is not None:
        headers["Tus-Resumable"] = value
    response = dav.request("POST", dav.space_url, headers=headers)
    assert response.status_code == 412
    assert response.headers["Tus-Version"] == "1.0.0"
    created = create(dav, dav.space_url, 3, meta=metadata("x"))
    location = created.headers["Location"]
    bad = {k: v for k, v in headers.items() if k == "Tus-Resumable"}
    assert dav.client.head(location, headers=bad).status_code == 412
    assert (
        dav.client.patch(
            location, headers={**bad, **STREAM, "Upload-Offset": "0"}, content=b"abc"
        ).status_code
        == 412
    )


@pytest.mark.parametrize(
    ("header", "status"),
    [
        ("filename !!!notbase64", 400),
        ("filename " + b64("a") + ",filename " + b64("b"), 400),
        ("filename " + b64(b"\xff\xfe"), 400),
        ("mtime " + b64("1"), 412),  # no filename: as reva answers
        ("filename " + b64(""), 412),
        ("filename " + b64("../escape.txt"), 400),
        ("filename " + b64("a/../../b"), 400),
        ("filename " + b64("back\\slash"), 400),
        ("filename " + b64("carriage\rreturn"), 400),
        ("filename " + b64("x" * 256), 400),
        ("filename " + b64("."), 400),
        ("filename " + b64("dir/"), 400),
        ("filename " + b64("/.oc-tmp"), 400),
        ("filename " + b64("ok.txt") + ",mtime " + b64("yesterday"), 400),
        ("filename " + b64("ok.txt") + ",checksum " + b64("crc99 abc"), 400),
    ],
)
def test_malformed_upload_metadata(dav: Dav, header: str, status: int) -> None:
    response = create(dav, dav.space_url, 3, meta=header)
    assert response.status_code == status, response.text
    assert session_count(dav) == 0


def test_a_name_of_255_bytes_is_fine(dav: Dav) -> None:
    name = "é" * 127 + "x"  # 255 bytes
    response = create(dav, dav.space_url, 1, meta=metadata(name), body=b"1")
    assert response.status_code == 201, response.text


@pytest.mark.parametrize(
    ("length", "status"),
    [("-1", 400), ("abc", 400), ("", 400), ("1.5", 400), ("9" * 30, 413), (str(2**60), 413)],
)
def test_bad_upload_length(dav: Dav, length: str, status: int) -> None:
    headers = {**TUS, "Upload-Length": length, "Upload-Metadata": metadata("l.txt")}
    response = dav.request("POST", dav.space_url, headers=headers)
    assert response.status_code == status, response.text


def test_missing_upload_length_is_400(dav: Dav) -> None:
    headers = {**TUS, "Upload-Metadata": metadata("l.txt")}
    assert dav.request("POST", dav.space_url, headers=headers).status_code == 400


def test_over_quota_is_refused_at_creation_and_during_patch(dav: Dav) -> None:
    spaces_driver: Any = dav.state["uploads"]._driver
    space = dav.space_id.split("$")[1]
    spaces_driver.set_quota(space, 100)
    too_big = create(dav, dav.space_url, 101, meta=metadata("q.bin"))
    assert too_big.status_code == 507
    created = create(dav, dav.space_url, 80, meta=metadata("q.bin"), body=b"x" * 10)
    assert created.status_code == 201
    dav.put(dav.space_url + "/filler.bin", b"f" * 50)
    more = patch(dav, created.headers["Location"], 10, b"y" * 10)
    assert more.status_code == 507
    assert dav.request("HEAD", dav.space_url + "/q.bin").status_code == 404


def test_missing_parent_is_409(dav: Dav) -> None:
    response = create(dav, dav.space_url, 3, meta=metadata("nope/x.txt"))
    assert response.status_code == 409


def test_a_folder_is_not_overwritten(dav: Dav) -> None:
    dav.request("MKCOL", dav.space_url + "/folder")
    response = create(dav, dav.space_url, 3, meta=metadata("folder"))
    assert response.status_code == 409


def test_wrong_offset_is_409(dav: Dav) -> None:
    created = create(dav, dav.space_url, 10, meta=metadata("w.txt"), body=b"abc")
    location = created.headers["Location"]
    for offset in (0, 2, 4, 100):
        response = patch(dav, location, offset, b"zz")
        assert response.status_code == 409
        assert response.headers["Upload-Offset"] == "3"
    for bad in ("-1", "x", ""):
        response = dav.client.patch(
            location, headers={**TUS, **STREAM, "Upload-Offset": bad}, content=b"z"
        )
        assert response.status_code == 400


@pytest.mark.parametrize("kind", [None, "application/octet-stream", "text/plain"])
def test_wrong_content_type_is_415(dav: Dav, kind: str | None) -> None:
    created = create(dav, dav.space_url, 10, meta=metadata("c.txt"))
    headers = {**TUS, "Upload-Offset": "0"}
    if kind is not None:
        headers["Content-Type"] = kind
    response = dav.client.patch(created.headers["Location"], headers=headers, content=b"abc")
    assert response.status_code == 415


def test_patch_past_upload_length_is_refused(dav: Dav) -> None:
    created = create(dav, dav.space_url, 5, meta=metadata("past.txt"), body=b"ab")
    location = created.headers["Location"]
    response = patch(dav, location, 2, b"cdefgh")
    assert response.status_code == 413
    assert dav.client.head(location, headers=TUS).headers["Upload-Offset"] == "2"
    over = create(dav, dav.space_url, 2, meta=metadata("past2.txt"), body=b"abc")
    assert over.status_code == 413
    assert dav.request("HEAD", dav.space_url + "/past2.txt").status_code == 404


@pytest.mark.parametrize(
    "token",
    [
        "0" * 32 + ".AAAA",
        "nonsense",
        "",
        "../../etc/passwd",
        "%2e%2e",
    ],
)
def test_forged_tokens_are_404(dav: Dav, token: str) -> None:
    for method in ("HEAD", "PATCH", "DELETE"):
        headers = {**TUS, **STREAM, "Upload-Offset": "0"}
        response = dav.client.request(method, f"/data/{token}", headers=headers, content=b"x")
        assert response.status_code in (404, 405), (method, token, response.status_code)


def test_a_token_for_another_session_id_does_not_verify(dav: Dav) -> None:
    created = create(dav, dav.space_url, 3, meta=metadata("f.txt"))
    location = created.headers["Location"]
    token = location.rsplit("/", 1)[1]
    session, _, signature = token.partition(".")
    forged = session[:-1] + ("0" if session[-1] != "0" else "1") + "." + signature
    assert dav.client.head(f"/data/{forged}", headers=TUS).status_code == 404
    assert dav.client.head(f"/data/{session}.{signature[:-2]}", headers=TUS).status_code == 404


def test_expired_sessions_are_refused_and_purged(dav: Dav) -> None:
    uploads = dav.state["uploads"]
    created = create(dav, dav.space_url, 10, meta=metadata("e.txt"), body=b"abc")
    other = create(dav, dav.space_url, 10, meta=metadata("e2.txt"), body=b"abc")
    now = uploads._clock()
    uploads._clock = lambda: now + uploads.expiry + 1
    assert dav.client.head(created.headers["Location"], headers=TUS).status_code == 404
    assert uploads.purge_expired() == 1  # the other one; the first went on access
    assert patch(dav, other.headers["Location"], 3, b"x").status_code == 404
    assert session_count(dav) == 0


def test_a_locked_target_is_refused(dav: Dav) -> None:
    dav.put(dav.space_url + "/locked.txt", b"x")
    body = (
        '<?xml version="1.0"?><d:lockinfo xmlns:d="DAV:"><d:lockscope><d:exclusive/>'
        "</d:lockscope><d:locktype><d:write/></d:locktype></d:lockinfo>"
    )
    lock = dav.request("LOCK", dav.space_url + "/locked.txt", content=body.encode())
    assert lock.status_code == 200, lock.text
    response = create(dav, dav.space_url, 3, meta=metadata("locked.txt"), body=b"new")
    assert response.status_code == 423
    assert get(dav, dav.space_url + "/locked.txt") == b"x"


def test_anonymous_post_is_401(dav: Dav) -> None:
    headers = {**TUS, "Upload-Length": "3", "Upload-Metadata": metadata("a.txt")}
    response = dav.client.post(dav.space_url, headers=headers)
    assert response.status_code == 401


def test_another_users_space_is_404(dav: Dav) -> None:
    headers = {**TUS, "Upload-Length": "3", "Upload-Metadata": metadata("a.txt")}
    response = dav.request("POST", dav.space_url, headers=headers, auth=("mary", "Secret-pass-1"))
    assert response.status_code == 404
    response = dav.request(
        "POST", "/remote.php/dav/files/alan/", headers=headers, auth=("mary", "Secret-pass-1")
    )
    assert response.status_code == 404


def test_a_body_without_content_length_is_streamed(dav: Dav) -> None:
    created = create(dav, dav.space_url, 8, meta=metadata("chunked.txt"))
    location = created.headers["Location"]
    hdrs = {**TUS, **STREAM}
    first = dav.client.patch(
        location, headers={**hdrs, "Upload-Offset": "0"}, content=iter([b"ab", b"cd"])
    )
    assert first.status_code == 204, first.text
    assert first.headers["Upload-Offset"] == "4"
    last = dav.client.patch(
        location, headers={**hdrs, "Upload-Offset": "4"}, content=iter([b"ef", b"gh"])
    )
    assert last.status_code == 204, last.text
    assert last.headers["OC-FileId"]
    assert get(dav, dav.space_url + "/chunked.txt") == b"abcdefgh"
    assert session_count(dav) == 0


def test_concurrent_sessions_for_one_name_last_wins(dav: Dav) -> None:
    one = create(dav, dav.space_url, 3, meta=metadata("same.txt"))
    two = create(dav, dav.space_url, 3, meta=metadata("same.txt"))
    assert patch(dav, two.headers["Location"], 0, b"two").status_code == 204
    assert patch(dav, one.headers["Location"], 0, b"one").status_code == 204
    assert get(dav, dav.space_url + "/same.txt") == b"one"


def test_starting_an_upload_sweeps_expired_ones(dav: Dav) -> None:
    uploads = dav.state["uploads"]
    create(dav, dav.space_url, 10, meta=metadata("s1.txt"), body=b"abc")
    assert session_count(dav) == 1
    now = uploads._clock()
    uploads._clock = lambda: now + uploads.expiry + 1
    create(dav, dav.space_url, 10, meta=metadata("s2.txt"))
    assert session_count(dav) == 1  # only the new one
