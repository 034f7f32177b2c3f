"""SIGKILL the server while WebDAV clients upload and move: after a restart no
partial file sits under a real name, every file a client saw acknowledged is
there with its exact content, and ``opencloud check`` finds nothing to repair."""

from __future__ import annotations

import hashlib
import os
import random
import signal
import subprocess
import sys
import threading
import time
import tomllib
from pathlib import Path

import httpx
import pytest

from .conftest import Server

pytestmark = pytest.mark.slow

PASSWORD = "crash-test-pw"


def body_for(step: int, rng: random.Random) -> bytes:
    """Self-describing content: 8 bytes of length, then that many bytes."""
    payload = bytes([step % 251]) * rng.choice([0, 10, 4096, 1 << 20, 3 << 20])
    return len(payload).to_bytes(8, "big") + payload


class Ledger:
    """What one writer was told: name → sha1 of the content acknowledged last.
    A name touched by the request in flight when the server died is
    ``uncertain``: it may hold the old or the new state, nothing else."""

    def __init__(self) -> None:
        self.acked: dict[str, str] = {}
        self.uncertain: dict[str, set[str]] = {}


def writer(url: str, seed: int, ledger: Ledger, stop: threading.Event) -> None:
    """PUT and MOVE until the server dies."""
    rng = random.Random(seed)
    acked = ledger.acked
    with httpx.Client(base_url=url, auth=("admin", PASSWORD), timeout=30) as client:
        step = 0
        folder = f"/remote.php/webdav/w{seed}"
        while not stop.is_set():
            step += 1
            name = f"{folder}/f{rng.randrange(6)}"
            data = body_for(step, rng)
            digest = hashlib.sha1(data).hexdigest()
            target = f"{folder}/m{step}"
            try:
                client.request("MKCOL", folder)
                ledger.uncertain = {name: {digest, acked.get(name, "")}}
                if client.put(name, content=data).status_code in (201, 204):
                    acked[name] = digest
                if step % 4 == 0:
                    ledger.uncertain = {name: {digest, ""}, target: {digest, ""}}
                    moved = client.request("MOVE", name, headers={"Destination": target})
                    if moved.status_code in (201, 204):
                        acked[target] = acked.pop(name)
                ledger.uncertain = {}
            except httpx.TransportError:
                return


def assert_no_partial_files(space_dir: Path) -> int:
    count = 0
    for folder, dirs, files in os.walk(space_dir):
        if Path(folder) == space_dir:
            dirs[:] = [d for d in dirs if not d.startswith(".")]
        for name in files:
            data = (Path(folder) / name).read_bytes()
            assert len(data) >= 8, f"{folder}/{name}: partial ({len(data)} bytes)"
            assert int.from_bytes(data[:8], "big") == len(data) - 8, f"{folder}/{name}: partial"
            count += 1
    return count


def test_sigkill_during_webdav_writes_loses_nothing(tmp_path: Path) -> None:
    server = Server(tmp_path, tls=False)
    subprocess.run(
        [sys.executable, "-m", "opencloud", "init", "--admin-password", PASSWORD],
        env=server.env,
        check=True,
        capture_output=True,
        timeout=60,
    )
    config = tomllib.loads((tmp_path / "config" / "opencloud.toml").read_text())
    space_dir = tmp_path / "data" / "storage" / "users" / "users" / config["admin"]["user_id"]
    for round_ in range(3):
        server.start()
        ledgers = [Ledger() for _ in range(3)]
        stop = threading.Event()
        threads = [
            threading.Thread(target=writer, args=(server.url, round_ * 10 + i, ledger, stop))
            for i, ledger in enumerate(ledgers)
        ]
        for thread in threads:
            thread.start()
        deadline = time.monotonic() + 30
        while not all(ledger.acked for ledger in ledgers) and time.monotonic() < deadline:
            time.sleep(0.05)
        time.sleep(0.3 + 0.4 * round_)  # then kill at some point in the middle of things
        assert server.process is not None
        server.process.send_signal(signal.SIGKILL)
        server.process.wait(timeout=10)
        stop.set()
        for thread in threads:
            thread.join(timeout=30)
        assert_no_partial_files(space_dir)
        server.start()  # the startup scan recovers
        with server.client() as client:
            for ledger in ledgers:
                expected = {url: {digest} for url, digest in ledger.acked.items()}
                expected |= ledger.uncertain
                assert expected, "the writer got nothing acknowledged"
                for url, allowed in expected.items():
                    got = client.get(url, auth=("admin", PASSWORD))
                    found = hashlib.sha1(got.content).hexdigest() if got.status_code == 200 else ""
                    assert got.status_code in (200, 404), (url, got.status_code)
                    assert found in allowed, f"{url}: {found or 'missing'}, expected {allowed}"
        assert server.signal(signal.SIGTERM) == 0
        assert list((space_dir / ".oc-tmp").iterdir()) == []
        check = subprocess.run(
            [sys.executable, "-m", "opencloud", "check"],
            env=server.env,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        assert check.returncode == 0, check.stdout + check.stderr
    assert assert_no_partial_files(space_dir) > 0
