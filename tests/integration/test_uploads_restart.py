"""A TUS upload survives a server restart: start it on a real server process,
stop the server with SIGTERM, start it again, HEAD shows the offset, PATCH the
rest, the file is right. The same for an NG chunk upload."""

from __future__ import annotations

import base64
import hashlib
import os
import signal
from pathlib import Path

import pytest

from .conftest import Server

pytestmark = pytest.mark.slow

TUS = {"Tus-Resumable": "1.0.0"}


def _b64(value: str) -> str:
    return base64.b64encode(value.encode()).decode()


def test_tus_upload_resumes_after_a_restart(tmp_path: Path) -> None:
    server = Server(tmp_path, tls=False)
    output = server.init()
    password = next(x for x in output.splitlines() if x.startswith("password")).split(":")[1]
    auth = ("admin", password.strip())
    server.start()
    data = os.urandom(3 * 1024 * 1024 + 17)
    half = len(data) // 2
    meta = ",".join(
        [
            "filename " + _b64("restart.bin"),
            "mtime " + _b64("1700000000"),
            "checksum " + _b64("sha1 " + hashlib.sha1(data).hexdigest()),
        ]
    )
    try:
        with server.client() as client:
            created = client.post(
                "/remote.php/webdav/",
                auth=auth,
                headers={
                    **TUS,
                    "Upload-Length": str(len(data)),
                    "Upload-Metadata": meta,
                    "Content-Type": "application/offset+octet-stream",
                },
                content=data[:half],
            )
            assert created.status_code == 201, created.text
            assert created.headers["Upload-Offset"] == str(half)
            location = created.headers["Location"]
            assert location.startswith(server.url + "/data/")
            chunks = client.request(
                "MKCOL", "/remote.php/dav/uploads/admin/ng", auth=auth
            ).status_code
            assert chunks == 201
            assert (
                client.put(
                    "/remote.php/dav/uploads/admin/ng/000", auth=auth, content=b"first-"
                ).status_code
                == 201
            )
        assert server.signal(signal.SIGTERM) == 0
        server.start()
        with server.client() as client:
            head = client.head(location, headers=TUS)
            assert head.status_code == 200, head.text
            assert head.headers["Upload-Offset"] == str(half)
            done = client.patch(
                location,
                headers={
                    **TUS,
                    "Upload-Offset": str(half),
                    "Content-Type": "application/offset+octet-stream",
                },
                content=data[half:],
            )
            assert done.status_code == 204, done.text
            assert done.headers["OC-FileId"]
            got = client.get("/remote.php/webdav/restart.bin", auth=auth)
            assert got.content == data
            assert got.headers["OC-FileId"] == done.headers["OC-FileId"]
            assert got.headers["Last-Modified"] == "Tue, 14 Nov 2023 22:13:20 GMT"
            assert client.head(location, headers=TUS).status_code == 404
            # the NG upload resumes too
            assert (
                client.put(
                    "/remote.php/dav/uploads/admin/ng/001", auth=auth, content=b"second"
                ).status_code
                == 201
            )
            move = client.request(
                "MOVE",
                "/remote.php/dav/uploads/admin/ng/.file",
                auth=auth,
                headers={"Destination": server.url + "/remote.php/webdav/ng.txt"},
            )
            assert move.status_code == 201, move.text
            assert client.get("/remote.php/webdav/ng.txt", auth=auth).content == b"first-second"
    finally:
        server.stop()
