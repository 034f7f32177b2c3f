"""Helpers for tests/clients: real third-party clients against a real server,
``opencloud init`` then ``python -m opencloud server`` as a subprocess (like
tests/integration), with the access log on (``OC_LOG_LEVEL=debug``) so a test
can count the requests a client made, e.g. that a second sync uploads nothing.

The clients are Debian's packages, installed by ``scripts/install-clients.sh``
(``make test`` runs it). A missing client fails its test (never a skip): CI
must run them all.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import socket
import subprocess
import sys
import time
import uuid
import xml.etree.ElementTree as ET
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote, unquote, urlsplit

import httpx
import pytest

_OURS = ("OC_", "PROXY_", "STORAGE_USERS_")
STARTUP_SECONDS = 30.0
EXTRA_USERS = 3  # beyond the 5 demo users: one user per client test
BIG = 50 * 1024 * 1024
DAV = "{DAV:}"
# What sync clients keep next to the synced files (journal, its WAL, their log).
CLIENT_FILES = re.compile(r"^(\._?sync_.*|\.(owncloud|nextcloud)sync\.log|\.csync_journal.*)$")

# The request methods that change something on the server.
WRITES = frozenset({"PUT", "POST", "PATCH", "MKCOL", "MOVE", "COPY", "DELETE", "PROPPATCH"})
_ACCESS = re.compile(
    r'hypercorn\.access: \S+ - - \[[^]]*\] "(?P<method>[A-Z]+) (?P<path>.*) 1\.[01]"'
)


def is_dav(path: str) -> bool:
    """A WebDAV (or TUS upload) URL path, not OCS, Graph or status."""
    return path.startswith(("/remote.php/", "/dav/", "/data/"))


def need(tool: str) -> str:
    """The path of ``tool``; fails (not skips) when it is missing."""
    found = shutil.which(tool) or shutil.which(tool, path="/usr/sbin:/sbin")
    if found is None:
        pytest.fail(f"{tool} is not installed: run scripts/install-clients.sh (make test does)")
    return found


def run(
    args: Sequence[str],
    *,
    timeout: float,
    input: str | None = None,
    cwd: Path | None = None,
    env: dict[str, str] | None = None,
    check: bool = True,
) -> subprocess.CompletedProcess[str]:
    """Run a client; on a non-zero exit or a timeout, fail with its output."""
    try:
        done = subprocess.run(
            list(args),
            input=input,
            cwd=cwd,
            env=env,
            capture_output=True,
            text=True,
            errors="replace",
            timeout=timeout,
            check=False,
        )
    except subprocess.TimeoutExpired as exc:
        out = _text(exc.stdout) + _text(exc.stderr)
        pytest.fail(f"{args[0]} did not finish within {timeout} s; its output ends:\n{out[-6000:]}")
    if check and done.returncode != 0:
        out = done.stdout + done.stderr
        pytest.fail(f"{' '.join(args)} exited {done.returncode}; its output ends:\n{out[-6000:]}")
    return done


def _text(data: bytes | str | None) -> str:
    if data is None:
        return ""
    return data if isinstance(data, str) else data.decode(errors="replace")


@dataclass(frozen=True)
class User:
    name: str
    password: str


@dataclass(frozen=True)
class Request:
    method: str
    path: str


class ClientServer:
    """One running server, its users and its access log."""

    def __init__(self, base: Path) -> None:
        self.base = base
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.env = {k: v for k, v in os.environ.items() if not k.startswith(_OURS)}
        self.env |= {
            "OC_CONFIG_DIR": str(base / "config"),
            "OC_BASE_DATA_PATH": str(base / "data"),
            "PROXY_HTTP_ADDR": f"127.0.0.1:{self.port}",
            "PROXY_TLS": "false",
            "OC_URL": self.url,
            "OC_LOG_LEVEL": "debug",  # the access log, to count a client's requests
        }
        self.admin = User("admin", "admin-" + uuid.uuid4().hex[:8])
        self.log = base / "server.log"
        self.process: subprocess.Popen[bytes] | None = None
        # Users for the tests: the demo users `init --demo-users` makes, and more.
        self._pool = [User(name, "demo") for name in ("alan", "mary", "margaret", "dennis", "lynn")]

    def opencloud(self, *args: str) -> str:
        done = subprocess.run(
            [sys.executable, "-m", "opencloud", *args],
            env=self.env,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        if done.returncode != 0:
            pytest.fail(f"opencloud {' '.join(args)} failed:\n{done.stdout}{done.stderr}")
        return done.stdout

    def start(self) -> None:
        self.opencloud("init", "--admin-password", self.admin.password, "--demo-users")
        # More users, made before the server starts: one `opencloud users add` while
        # it runs is seen only after a while, and its personal space not at all (409).
        for _ in range(EXTRA_USERS):
            user = User(f"client{uuid.uuid4().hex[:6]}", "pw-" + uuid.uuid4().hex[:10])
            self.opencloud("users", "add", user.name, "--password", user.password)
            self._pool.append(user)
        with self.log.open("wb") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "opencloud", "server"],
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        deadline = time.monotonic() + STARTUP_SECONDS
        with httpx.Client(base_url=self.url, timeout=10.0) as client:
            while time.monotonic() < deadline and self.process.poll() is None:
                try:
                    if client.get("/status.php").status_code == 200:
                        return
                except httpx.TransportError:
                    pass
                time.sleep(0.1)
        self.stop()
        pytest.fail(f"server did not come up; its log:\n{self.log.read_text()}")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    # ------------------------------------------------------------ users and URLs
    def take_user(self) -> User:
        """A user of its own (and so an empty personal space) for one test, made
        before the server started (a demo user, then one of EXTRA_USERS)."""
        if not self._pool:
            pytest.fail("tests/clients ran out of users: raise EXTRA_USERS in tools.py")
        return self._pool.pop(0)

    def files_url(self, user: User) -> str:
        return f"{self.url}/remote.php/dav/files/{quote(user.name)}/"

    def webdav_url(self) -> str:
        return f"{self.url}/remote.php/webdav/"

    def space_url(self, user: User) -> str:
        """The personal space's ``/dav/spaces/{storage$space}/`` URL, as Graph gives it."""
        with self.client(user) as client:
            response = client.get("/graph/v1.0/me/drives")
        assert response.status_code == 200, response.text
        drives = [d for d in response.json()["value"] if d["driveType"] == "personal"]
        assert len(drives) == 1, drives
        url: str = drives[0]["root"]["webDavUrl"]
        return url.rstrip("/") + "/"

    def client(self, user: User) -> httpx.Client:
        return httpx.Client(base_url=self.url, auth=(user.name, user.password), timeout=60.0)

    # ------------------------------------------------------------ the access log
    def mark(self) -> int:
        """A position in the access log; see ``requests_since``."""
        time.sleep(0.2)  # the log line is written after the response
        return self.log.stat().st_size

    def requests_since(self, mark: int) -> list[Request]:
        time.sleep(0.2)
        with self.log.open("rb") as log:
            log.seek(mark)
            text = log.read().decode(errors="replace")
        return [
            Request(m["method"], unquote(m["path"]))
            for m in (_ACCESS.search(line) for line in text.splitlines())
            if m
        ]

    def writes_since(self, mark: int) -> list[Request]:
        return [r for r in self.requests_since(mark) if r.method in WRITES]

    # ------------------------------------------------------------ what the server holds
    def remote_tree(self, user: User, root: str = "") -> dict[str, tuple[str, str]]:
        """``{relative path: (kind or sha256 of the content, etag)}`` of a user's
        folder, walked with PROPFIND Depth 1 and downloaded with GET."""
        base = urlsplit(self.files_url(user)).path + quote(root.strip("/"))
        base = base.rstrip("/") + "/"
        tree: dict[str, tuple[str, str]] = {}
        with self.client(user) as client:
            todo = [base]
            while todo:
                folder = todo.pop()
                response = client.request("PROPFIND", folder, headers={"Depth": "1"})
                assert response.status_code == 207, (folder, response.status_code, response.text)
                for entry in ET.fromstring(response.content).iter(f"{DAV}response"):
                    href = entry.findtext(f"{DAV}href") or ""
                    path = urlsplit(href).path
                    if unquote(path).rstrip("/") == unquote(folder).rstrip("/"):
                        continue
                    rel = unquote(path)[len(unquote(base)) :].strip("/")
                    etag = entry.findtext(f".//{DAV}getetag") or ""
                    if entry.find(f".//{DAV}resourcetype/{DAV}collection") is not None:
                        tree[rel] = ("dir", etag)
                        todo.append(path if path.endswith("/") else path + "/")
                    else:
                        digest = hashlib.sha256()
                        with client.stream("GET", path) as body:
                            assert body.status_code == 200, (path, body.status_code)
                            for chunk in body.iter_bytes():
                                digest.update(chunk)
                        tree[rel] = (digest.hexdigest(), etag)
        return tree


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def local_tree(root: Path) -> dict[str, str]:
    """``{relative path: "dir" or sha256}`` of a local folder, without the sync
    clients' own files."""
    tree: dict[str, str] = {}
    for path in sorted(root.rglob("*")):
        rel = path.relative_to(root)
        if any(CLIENT_FILES.match(part) for part in rel.parts) or rel.parts[0] == "lost+found":
            continue
        if path.is_dir():
            tree[rel.as_posix()] = "dir"
        else:
            tree[rel.as_posix()] = hashlib.sha256(path.read_bytes()).hexdigest()
    return tree


def contents(remote: dict[str, tuple[str, str]]) -> dict[str, str]:
    return {path: kind for path, (kind, _etag) in remote.items()}


def make_tree(root: Path) -> Path:
    """The data the clients sync: unicode and spaces in names, nested folders,
    a 50 MB file, empty files (and an empty folder)."""
    files = {
        "readme.txt": b"hello, world\n",
        "empty.txt": b"",
        "dir with spaces/file with spaces.txt": b"spaces\n" * 100,
        "dir with spaces/empty two": b"",
        "dir with spaces/nested/deeper/deep.txt": b"deep\n",
        "ünïcödé 日本/ファイル.txt": "unicode ✓\n".encode(),
        "ünïcödé 日本/Ärger über €.md": b"# euro\n",
        "to delete/gone.txt": b"will be deleted\n",
        "change me.txt": b"version 1\n",
        "big/fifty MB.bin": os.urandom(BIG),
    }
    for rel, data in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    (root / "empty folder").mkdir()
    # Whole seconds in the past: a client that compares mtimes sees them unchanged.
    past = int(time.time()) - 3600
    for path in [*root.rglob("*"), root]:
        os.utime(path, (past, past), follow_symlinks=False)
    return root


_NOT_COMPARED = ("._sync_*", ".sync_*", ".*sync.log", "lost+found")


def diff(a: Path, b: Path) -> str:
    """``diff -r`` of two folders, the sync clients' own files left out."""
    done = subprocess.run(
        ["diff", "-r", *(f"--exclude={x}" for x in _NOT_COMPARED), str(a), str(b)],
        capture_output=True,
        text=True,
        errors="replace",
        timeout=120,
        check=False,
    )
    return done.stdout + done.stderr
