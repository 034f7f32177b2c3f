"""rclone's WebDAV backend with ``vendor = owncloud``: sync a tree up, ``rclone
check`` (SHA1 from ``oc:checksums``), a second sync that transfers nothing
(modification times kept with ``X-OC-Mtime``), also when comparing checksums,
then a sync down that ``diff -r`` finds identical, with the mtimes kept."""

from __future__ import annotations

import hashlib
import os
import re
import time
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from .tools import contents, diff, is_dav, local_tree, need, run

if TYPE_CHECKING:
    from .tools import ClientServer

pytestmark = [pytest.mark.slow, pytest.mark.timeout(300)]


def test_rclone_sync_check_resync(
    dav_server: ClientServer, data_tree: Path, tmp_path: Path
) -> None:
    rclone = need("rclone")
    user = dav_server.take_user()
    obscured = run([rclone, "obscure", user.password], timeout=30).stdout.strip()
    env = dict(
        os.environ,
        HOME=str(tmp_path),
        RCLONE_CONFIG=str(tmp_path / "rclone.conf"),
        RCLONE_CONFIG_OC_TYPE="webdav",
        RCLONE_CONFIG_OC_URL=dav_server.files_url(user),
        RCLONE_CONFIG_OC_VENDOR="owncloud",
        RCLONE_CONFIG_OC_USER=user.name,
        RCLONE_CONFIG_OC_PASS=obscured,
    )

    def rc(*args: str) -> str:
        flags = ["--create-empty-src-dirs"] if args[0] == "sync" else []
        done = run(
            [rclone, *args, *flags, "-v", "--stats-log-level", "NOTICE"], timeout=180, env=env
        )
        return done.stdout + done.stderr

    # Sync up.
    out = rc("sync", str(data_tree), "oc:tree")
    remote = dav_server.remote_tree(user, "tree")
    assert contents(remote) == local_tree(data_tree), out

    # check compares sizes and SHA1 sums (the server's oc:checksums), all equal.
    out = rc("check", str(data_tree), "oc:tree")
    assert re.search(r"\b0 differences found", out), out
    assert "hash" not in out.lower() or "no hashes in common" not in out.lower(), out
    assert not re.search(r"\d+ (hashes could not be checked|files missing)", out), out
    sums = run([rclone, "sha1sum", "oc:tree/big"], timeout=60, env=env).stdout.split()
    assert sums[0] == _sha1(data_tree / "big" / "fifty MB.bin"), sums

    # A second sync transfers nothing, by mtime and size, and by checksum.
    for extra in ([], ["--checksum"]):
        mark = dav_server.mark()
        out = rc("sync", str(data_tree), "oc:tree", *extra)
        moved = [
            r
            for r in dav_server.requests_since(mark)
            if r.method in {"PUT", "MKCOL", "MOVE", "DELETE", "PROPPATCH"}
            or (r.method == "GET" and is_dav(r.path))
        ]
        assert not moved, (extra, moved, out)
        assert "Copied" not in out and "Updated" not in out, out
    assert dav_server.remote_tree(user, "tree") == remote

    # Down into a fresh folder: identical, and the mtimes came back too.
    fresh = tmp_path / "fresh"
    rc("sync", "oc:tree", str(fresh))
    assert diff(data_tree, fresh) == ""
    for path in data_tree.rglob("*"):
        if path.is_file():
            twin = fresh / path.relative_to(data_tree)
            assert int(twin.stat().st_mtime) == int(path.stat().st_mtime), path

    # A local change goes up as one PUT.
    time.sleep(1.1)
    (data_tree / "change me.txt").write_bytes(b"version 2\n")
    mark = dav_server.mark()
    rc("sync", str(data_tree), "oc:tree")
    puts = [r for r in dav_server.writes_since(mark) if r.method == "PUT"]
    assert [r.path.rsplit("/", 1)[-1] for r in puts] == ["change me.txt"], puts
    assert contents(dav_server.remote_tree(user, "tree")) == local_tree(data_tree)


def _sha1(path: Path) -> str:
    return hashlib.sha1(path.read_bytes()).hexdigest()
