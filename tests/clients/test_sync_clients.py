"""owncloudcmd and nextcloudcmd, the desktop clients' command-line sync engines
(Debian's owncloud-client-cmd 2.11 and nextcloud-desktop-cmd 3.7): sync a tree
up, a second run that changes nothing, local changes and deletions, a sync down
into a fresh folder that ``diff -r`` finds identical, and a file changed on both
sides that ends as a conflict copy with nothing lost.

owncloudcmd uploads with TUS (the capabilities announce it), nextcloudcmd with
single PUTs and, for the 50 MB file, NG chunking (``/remote.php/dav/uploads``).
"""

from __future__ import annotations

import os
import shutil
import time
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from .tools import CLIENT_FILES, WRITES, contents, diff, is_dav, local_tree, need, run

if TYPE_CHECKING:
    from .tools import ClientServer, Request, User

pytestmark = [pytest.mark.slow, pytest.mark.timeout(600)]

SYNC_SECONDS = 180  # nextcloudcmd can hang (see the brief of this test): never wait forever


class SyncClient:
    def __init__(self, tool: str, server: ClientServer, user: User, tmp: Path) -> None:
        self.tool = tool
        self.binary = need(tool)
        self.server = server
        self.user = user
        # Debian's owncloudcmd ships no exclude list and aborts without --exclude.
        self.exclude = tmp / "exclude.lst"
        self.exclude.write_text("")
        self.env = dict(os.environ, HOME=str(tmp / "home"))  # the clients' own config dir
        (tmp / "home").mkdir()

    def sync(self, local: Path) -> str:
        done = run(
            [
                self.binary,
                "--non-interactive",
                "--exclude",
                str(self.exclude),
                "--user",
                self.user.name,
                "--password",
                self.user.password,
                str(local),
                self.server.url,
            ],
            timeout=SYNC_SECONDS,
            env=self.env,
            check=False,
        )
        out = done.stdout + done.stderr
        if done.returncode != 0:  # pytest.fail, not assert: see test_sync_keeps_mtimes
            pytest.fail(f"{self.tool} exited {done.returncode}:\n{out[-6000:]}")
        return out


def _describe(requests: list[Request]) -> str:
    return "\n".join(f"{r.method} {r.path}" for r in requests)


@pytest.mark.parametrize("tool", ["owncloudcmd", "nextcloudcmd"])
def test_sync_round_trip(
    dav_server: ClientServer, data_tree: Path, tmp_path: Path, tool: str
) -> None:
    user = dav_server.take_user()
    client = SyncClient(tool, dav_server, user, tmp_path)
    local = data_tree

    # 1. Up: the server holds exactly the tree.
    client.sync(local)
    remote = dav_server.remote_tree(user)
    assert contents(remote) == local_tree(local)

    # 2. A second run transfers nothing: no write, no download, no etag changed.
    mark = dav_server.mark()
    out = client.sync(local)
    requests = dav_server.requests_since(mark)
    moved = [r for r in requests if r.method in WRITES or (r.method == "GET" and is_dav(r.path))]
    assert not moved, f"the second run transferred:\n{_describe(moved)}\n{out[-4000:]}"
    assert dav_server.remote_tree(user) == remote

    # 3. Change, add, rename and delete locally, then sync.
    time.sleep(1.1)  # a new mtime second
    (local / "change me.txt").write_bytes(b"version 2, longer than version 1\n")
    (local / "dir with spaces" / "nested" / "new ✓ file.txt").write_bytes(b"new\n")
    (local / "readme.txt").rename(local / "read me.txt")
    (local / "empty.txt").unlink()
    shutil.rmtree(local / "to delete")
    client.sync(local)
    after = contents(dav_server.remote_tree(user))
    assert after == local_tree(local)
    assert "to delete" not in after and "empty.txt" not in after and "readme.txt" not in after

    # 3b. Every file changed and one deleted (nextcloudcmd was seen to hang on
    # this once: the run has a time limit).
    time.sleep(1.1)
    files = [p for p in local.rglob("*") if p.is_file() and not CLIENT_FILES.match(p.name)]
    for path in files:
        with path.open("ab") as f:
            f.write(b"+ one more line\n")
    (local / "ünïcödé 日本" / "ファイル.txt").unlink()
    client.sync(local)
    assert contents(dav_server.remote_tree(user)) == local_tree(local)

    # 4. Down into a fresh folder: identical.
    fresh = tmp_path / "fresh"
    fresh.mkdir()
    client.sync(fresh)
    assert diff(local, fresh) == ""

    # 5. One file changed on both sides: a conflict copy, both versions kept.
    name = "dir with spaces/file with spaces.txt"
    with dav_server.client(user) as http:
        put = http.put(dav_server.files_url(user) + name, content=b"the server's version\n")
    assert put.status_code in (201, 204), put.text
    time.sleep(1.1)
    (local / name).write_bytes(b"the local version, edited offline\n")
    client.sync(local)
    folder = local / "dir with spaces"
    copies = [p for p in folder.iterdir() if "conflict" in p.name]
    assert len(copies) == 1, sorted(p.name for p in folder.iterdir())
    versions = {(local / name).read_bytes(), copies[0].read_bytes()}
    assert versions == {b"the server's version\n", b"the local version, edited offline\n"}
    with dav_server.client(user) as http:
        on_server = http.get(dav_server.files_url(user) + name)
    assert on_server.status_code == 200
    assert on_server.content == (local / name).read_bytes()


@pytest.mark.parametrize("tool", ["owncloudcmd", "nextcloudcmd"])
def test_sync_keeps_mtimes(dav_server: ClientServer, tmp_path: Path, tool: str) -> None:
    """Uploads keep the local modification time (``X-OC-Mtime``), single-request
    and chunked (TUS or NG) alike, and a sync down sets it again."""
    user = dav_server.take_user()
    client = SyncClient(tool, dav_server, user, tmp_path)
    local = tmp_path / "local"
    (local / "sub").mkdir(parents=True)
    (local / "small.txt").write_bytes(b"small\n")
    (local / "sub" / "twelve MB.bin").write_bytes(os.urandom(12 * 1024 * 1024))  # > 1 chunk
    when = {"small.txt": 1_500_000_000, "sub/twelve MB.bin": 1_600_000_000}
    for rel, mtime in when.items():
        os.utime(local / rel, (mtime, mtime))
    client.sync(local)
    with dav_server.client(user) as http:
        for rel, mtime in when.items():
            head = http.head(dav_server.files_url(user) + rel)
            if head.status_code != 200:
                pytest.fail(f"HEAD {rel}: {head.status_code}")
            got = parsedate_to_datetime(head.headers["last-modified"]).timestamp()
            assert got == mtime, (rel, head.headers["last-modified"])
    fresh = tmp_path / "fresh"
    fresh.mkdir()
    client.sync(fresh)
    assert {rel: int((fresh / rel).stat().st_mtime) for rel in when} == when
