"""NG chunked uploads (``/remote.php/dav/uploads/{user}/{transfer}``), as
ownCloud 10 and Nextcloud clients send them."""

from __future__ import annotations

import hashlib
from typing import Any

import pytest

from opencloud.core.errors import NotFound
from opencloud.services.files.uploads import UPLOADS_SPACE
from opencloud.storage.types import Ref

from .conftest import PASSWORD, Dav

UP = "/remote.php/dav/uploads/alan"


def chunk_bytes(dav: Dav) -> int:
    driver: Any = dav.state["uploads"]._driver
    total = 0
    try:
        users = list(driver.list(Ref(UPLOADS_SPACE, "/chunking")))
    except NotFound:
        return 0
    for user in users:
        for transfer in driver.list(Ref(UPLOADS_SPACE, user.path)):
            total += 1 + transfer.size
    return total


def upload_chunks(dav: Dav, transfer: str, chunks: dict[str, bytes]) -> None:
    assert dav.request("MKCOL", f"{UP}/{transfer}").status_code == 201
    for name, body in chunks.items():
        response = dav.put(f"{UP}/{transfer}/{name}", body)
        assert response.status_code == 201, response.text


def test_chunks_are_assembled_in_order(dav: Dav) -> None:
    parts = {f"{i * 4:016d}": bytes([65 + i]) * 4 for i in range(12)}
    # sent out of order: the names decide
    upload_chunks(dav, "t1", dict(reversed(list(parts.items()))))
    data = b"".join(parts[k] for k in sorted(parts))
    move = dav.request(
        "MOVE",
        f"{UP}/t1/.file",
        headers={
            "Destination": "http://testserver/remote.php/dav/files/alan/assembled.bin",
            "OC-Total-Length": str(len(data)),
            "X-OC-Mtime": "1500000000",
            "OC-Checksum": "SHA1:" + hashlib.sha1(data).hexdigest(),
        },
    )
    assert move.status_code == 201, move.text
    for name in ("OC-FileId", "OC-ETag", "ETag"):
        assert move.headers[name]
    assert move.headers["X-OC-MTime"] == "accepted"
    got = dav.request("GET", dav.space_url + "/assembled.bin")
    assert got.content == data
    assert got.headers["Last-Modified"] == "Fri, 14 Jul 2017 02:40:00 GMT"
    assert got.headers["OC-FileId"] == move.headers["OC-FileId"]
    # the upload folder is gone
    assert dav.propfind(f"{UP}/t1", depth="0").status_code == 404
    assert chunk_bytes(dav) == 0


def test_numeric_names_sort_numerically(dav: Dav) -> None:
    upload_chunks(dav, "n", {"1": b"a", "2": b"b", "10": b"c", "3": b"d"})
    move = dav.request("MOVE", f"{UP}/n/.file", headers={"Destination": dav.space_url + "/num.txt"})
    assert move.status_code == 201
    assert dav.request("GET", dav.space_url + "/num.txt").content == b"abdc"


def test_overwrite_is_204_and_if_match_is_honoured(dav: Dav) -> None:
    put = dav.put(dav.space_url + "/o.txt", b"old")
    upload_chunks(dav, "o", {"0": b"new"})
    stale = dav.request(
        "MOVE",
        f"{UP}/o/.file",
        headers={"Destination": dav.space_url + "/o.txt", "If-Match": '"stale"'},
    )
    assert stale.status_code == 412
    assert dav.request("GET", dav.space_url + "/o.txt").content == b"old"
    move = dav.request(
        "MOVE",
        f"{UP}/o/.file",
        headers={"Destination": dav.space_url + "/o.txt", "If-Match": put.headers["ETag"]},
    )
    assert move.status_code == 204
    assert move.headers["OC-FileId"] == put.headers["OC-FileId"]
    assert dav.request("GET", dav.space_url + "/o.txt").content == b"new"


def test_overwrite_header_is_parsed_strictly(dav: Dav) -> None:
    """``Overwrite: F`` keeps what holds the name (412); anything but T or F
    is a 400, as on COPY and MOVE, not silently read as T."""
    dav.put(dav.space_url + "/k.txt", b"old")
    upload_chunks(dav, "k", {"0": b"new"})
    dest = dav.space_url + "/k.txt"
    for value, status in (("F", 412), ("yes", 400)):
        move = dav.request(
            "MOVE", f"{UP}/k/.file", headers={"Destination": dest, "Overwrite": value}
        )
        assert move.status_code == status, move.text
    assert dav.request("GET", dest).content == b"old"
    copy = dav.request(
        "COPY", dest, headers={"Destination": dav.space_url + "/c.txt", "Overwrite": "yes"}
    )
    assert copy.status_code == 400
    assert dav.request("HEAD", dav.space_url + "/c.txt").status_code == 404


def test_propfind_lists_chunks_with_sizes(dav: Dav) -> None:
    upload_chunks(dav, "p", {"00000000": b"x" * 5, "00000005": b"y" * 7})
    listing = dav.propfind(f"{UP}/p", depth="1")
    assert listing.status_code == 207
    text = listing.text
    assert f"<d:href>{UP}/p/</d:href>" in text
    assert f"<d:href>{UP}/p/00000005</d:href>" in text
    assert "<d:getcontentlength>7</d:getcontentlength>" in text
    folders = dav.propfind(UP + "/", depth="1")
    assert folders.status_code == 207
    assert f"<d:href>{UP}/p/</d:href>" in folders.text


def test_delete_aborts(dav: Dav) -> None:
    upload_chunks(dav, "d", {"0": b"abc"})
    assert dav.request("DELETE", f"{UP}/d").status_code == 204
    assert dav.propfind(f"{UP}/d", depth="0").status_code == 404
    assert chunk_bytes(dav) == 0
    assert dav.request("DELETE", f"{UP}/d").status_code == 404


def test_mkcol_twice_is_405(dav: Dav) -> None:
    assert dav.request("MKCOL", f"{UP}/twice").status_code == 201
    assert dav.request("MKCOL", f"{UP}/twice").status_code == 405


def test_checksum_mismatch_stores_nothing(dav: Dav) -> None:
    upload_chunks(dav, "c", {"0": b"abc"})
    move = dav.request(
        "MOVE",
        f"{UP}/c/.file",
        headers={"Destination": dav.space_url + "/c.txt", "OC-Checksum": "SHA1:" + "0" * 40},
    )
    assert move.status_code == 400
    assert dav.request("HEAD", dav.space_url + "/c.txt").status_code == 404


def test_total_length_must_match(dav: Dav) -> None:
    upload_chunks(dav, "l", {"0": b"abc"})
    move = dav.request(
        "MOVE",
        f"{UP}/l/.file",
        headers={"Destination": dav.space_url + "/l.txt", "OC-Total-Length": "4"},
    )
    assert move.status_code == 400
    assert dav.request("HEAD", dav.space_url + "/l.txt").status_code == 404


def test_chunk_without_mkcol_is_409(dav: Dav) -> None:
    assert dav.put(f"{UP}/never/0", b"x").status_code == 409


@pytest.mark.parametrize(
    "url",
    [
        f"{UP}/t/..%2f..%2fescape",
        f"{UP}/t/a%5cb",
        f"{UP}/t/%2e%2e",
        f"{UP}/%2e%2e/0",
        f"{UP}/t/.file",
    ],
)
def test_chunk_names_with_traversal_are_refused(dav: Dav, url: str) -> None:
    dav.request("MKCOL", f"{UP}/t")
    response = dav.put(url, b"x")
    assert response.status_code in (400, 404), (url, response.status_code)
    assert chunk_bytes(dav) == 1  # the empty folder t, nothing else


def test_move_of_a_missing_transfer_is_404(dav: Dav) -> None:
    move = dav.request(
        "MOVE", f"{UP}/missing/.file", headers={"Destination": dav.space_url + "/m.txt"}
    )
    assert move.status_code == 404


def test_move_needs_a_destination_in_a_reachable_space(dav: Dav) -> None:
    upload_chunks(dav, "x", {"0": b"abc"})
    assert dav.request("MOVE", f"{UP}/x/.file").status_code == 400
    foreign = dav.request(
        "MOVE", f"{UP}/x/.file", headers={"Destination": "/remote.php/dav/files/mary/x.txt"}
    )
    assert foreign.status_code == 404
    junk = dav.request("MOVE", f"{UP}/x/.file", headers={"Destination": "/elsewhere/x"})
    assert junk.status_code == 400


def test_another_users_transfer_is_404(dav: Dav) -> None:
    upload_chunks(dav, "mine", {"0": b"abc"})
    mary = ("mary", PASSWORD)
    assert dav.propfind(f"{UP}/mine", depth="1", auth=mary).status_code == 404
    assert dav.request("PUT", f"{UP}/mine/1", content=b"x", auth=mary).status_code == 404
    assert dav.request("DELETE", f"{UP}/mine", auth=mary).status_code == 404
    move = dav.request(
        "MOVE",
        f"{UP}/mine/.file",
        headers={"Destination": "/remote.php/dav/files/mary/stolen.txt"},
        auth=mary,
    )
    assert move.status_code == 404
    # mary's own namespace does not see alan's transfer either
    own = dav.request(
        "MOVE",
        "/remote.php/dav/uploads/mary/mine/.file",
        headers={"Destination": "/remote.php/dav/files/mary/stolen.txt"},
        auth=mary,
    )
    assert own.status_code == 404
    assert dav.propfind(f"{UP}/mine", depth="1").status_code == 207


def test_quota_is_enforced_for_chunks(dav: Dav) -> None:
    driver: Any = dav.state["uploads"]._driver
    driver.set_quota(dav.space_id.split("$")[1], 10)
    assert dav.request("MKCOL", f"{UP}/q").status_code == 201
    assert dav.put(f"{UP}/q/0", b"x" * 8).status_code == 201
    assert dav.put(f"{UP}/q/1", b"x" * 8).status_code == 507
    big = dav.request("PUT", f"{UP}/q/2", content=b"x", headers={"OC-Total-Length": "100"})
    assert big.status_code == 507


def test_expired_transfers_are_purged(dav: Dav) -> None:
    uploads = dav.state["uploads"]
    upload_chunks(dav, "old", {"0": b"abc"})
    now = uploads._clock()
    uploads._clock = lambda: now + uploads.expiry + 1
    assert uploads.purge_expired() == 1
    assert chunk_bytes(dav) == 0


def test_other_methods_are_405(dav: Dav) -> None:
    upload_chunks(dav, "m", {"0": b"abc"})
    assert dav.request("GET", f"{UP}/m/0").status_code == 405
    assert dav.request("PROPPATCH", f"{UP}/m").status_code == 405
    assert dav.request("MKCOL", f"{UP}/m/0").status_code == 405
