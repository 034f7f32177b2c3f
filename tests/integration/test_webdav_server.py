"""WebDAV over a real socket, on the real HTTP server: what the test client
cannot show (message framing, streaming of large bodies)."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from .conftest import Server

PASSWORD = "webdav-test-pw"


@pytest.fixture(scope="module")
def dav(tmp_path_factory: pytest.TempPathFactory) -> Iterator[httpx.Client]:
    server = Server(tmp_path_factory.mktemp("webdav"), tls=False)
    subprocess.run(
        [sys.executable, "-m", "opencloud", "init", "--admin-password", PASSWORD],
        env=server.env,
        check=True,
        capture_output=True,
        timeout=60,
    )
    server.start()
    try:
        with httpx.Client(base_url=server.url, auth=("admin", PASSWORD), timeout=30) as client:
            yield client
    finally:
        server.stop()


def test_empty_files_download_as_empty_bodies(dav: httpx.Client) -> None:
    assert dav.put("/remote.php/webdav/empty.txt", content=b"").status_code == 201
    got = dav.get("/remote.php/webdav/empty.txt")
    assert got.status_code == 200
    assert got.content == b""
    assert got.headers["content-length"] == "0"
    assert dav.head("/remote.php/webdav/empty.txt").status_code == 200


def test_large_files_stream_both_ways(dav: httpx.Client, tmp_path: Path) -> None:
    body = os.urandom(20 * 1024 * 1024)

    def chunks() -> Iterator[bytes]:
        for offset in range(0, len(body), 1 << 20):
            yield body[offset : offset + (1 << 20)]

    put = dav.put("/remote.php/webdav/big.bin", content=chunks())  # chunked transfer encoding
    assert put.status_code == 201
    sha1 = hashlib.sha1(body).hexdigest()
    with dav.stream("GET", "/remote.php/webdav/big.bin") as got:
        assert got.headers["oc-checksum"] == f"SHA1:{sha1}"
        digest = hashlib.sha1()
        for block in got.iter_bytes():
            digest.update(block)
    assert digest.hexdigest() == sha1
    part = dav.get("/remote.php/webdav/big.bin", headers={"Range": "bytes=1048570-1048579"})
    assert part.status_code == 206
    assert part.content == body[1048570:1048580]


def test_a_large_listing_streams(dav: httpx.Client) -> None:
    dav.request("MKCOL", "/remote.php/webdav/many")
    for i in range(300):
        dav.put(f"/remote.php/webdav/many/f{i:03}", content=b"x")
    reply = dav.request("PROPFIND", "/remote.php/webdav/many", headers={"Depth": "1"})
    assert reply.status_code == 207
    assert reply.headers.get("transfer-encoding") == "chunked"
    assert reply.text.count("<d:response>") == 301
