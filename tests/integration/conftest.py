"""A real server: ``opencloud init`` then ``python -m opencloud server`` as a
subprocess on a free port, with its own config and data dirs, reached over a
socket with httpx. The fixture waits on ``/status.php``, like a client would."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

_OURS = ("OC_", "PROXY_", "STORAGE_USERS_")
STARTUP_SECONDS = 30.0


class Server:
    """One running server process and how to reach it."""

    def __init__(self, base: Path, *, tls: bool) -> None:
        self.base = base
        self.tls = tls
        self.port = _free_port()
        scheme = "https" if tls else "http"
        self.url = f"{scheme}://127.0.0.1:{self.port}"
        self.env = {k: v for k, v in os.environ.items() if not k.startswith(_OURS)}
        self.env |= {
            "OC_CONFIG_DIR": str(base / "config"),
            "OC_BASE_DATA_PATH": str(base / "data"),
            "PROXY_HTTP_ADDR": f"127.0.0.1:{self.port}",
            "PROXY_TLS": "true" if tls else "false",
            "OC_URL": self.url,
        }
        self.log = base / "server.log"
        self.process: subprocess.Popen[bytes] | None = None

    def cli(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        """Run ``opencloud <args>`` against this server's config and data, as an
        admin on the same machine would."""
        return subprocess.run(
            [sys.executable, "-m", "opencloud", *args],
            env=self.env,
            capture_output=True,
            text=True,
            check=check,
            timeout=60,
        )

    def init(self) -> str:
        done = subprocess.run(
            [sys.executable, "-m", "opencloud", "init"],
            env=self.env,
            capture_output=True,
            text=True,
            check=True,
            timeout=60,
        )
        return done.stdout

    def start(self) -> None:
        with self.log.open("wb") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "opencloud", "server"],
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        deadline = time.monotonic() + STARTUP_SECONDS
        with self.client() as client:
            while time.monotonic() < deadline:
                if self.process.poll() is not None:
                    break
                try:
                    if client.get("/status.php").status_code == 200:
                        return
                except httpx.TransportError:
                    pass
                time.sleep(0.1)
        self.stop()
        pytest.fail(f"server did not come up; its log:\n{self.log.read_text()}")

    def client(self) -> httpx.Client:
        # The certificate is the self-signed one init made.
        return httpx.Client(base_url=self.url, verify=False, timeout=10.0)

    def signal(self, sig: signal.Signals) -> int:
        """Send ``sig`` and return the exit code (fails if it takes over 10 s)."""
        assert self.process is not None
        self.process.send_signal(sig)
        try:
            return self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
            pytest.fail(f"server ignored {sig.name}; its log:\n{self.log.read_text()}")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def running(base: Path, *, tls: bool) -> Iterator[Server]:
    server = Server(base, tls=tls)
    server.init()
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="session")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """A plain-HTTP server shared by the session (PROXY_TLS=false)."""
    yield from running(tmp_path_factory.mktemp("server"), tls=False)


@pytest.fixture(scope="session")
def tls_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """An HTTPS server with the certificate ``opencloud init`` made."""
    yield from running(tmp_path_factory.mktemp("tls-server"), tls=True)


@pytest.fixture
def own_server(tmp_path: Path) -> Iterator[Server]:
    """A server for one test, e.g. one the test stops."""
    yield from running(tmp_path, tls=False)
