"""SIGKILL during writes: no partial file under a real name, and after a restart of
the server ``opencloud check`` finds nothing to repair."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import tomllib
from pathlib import Path

import httpx
import pytest

pytestmark = pytest.mark.slow

WRITER = Path(__file__).with_name("crash_writer.py")


def opencloud(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "opencloud", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


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


def run_server_once(env: dict[str, str]) -> None:
    """Start the real server (its startup scan recovers), wait until it is ready and
    the scan is over, then stop it with SIGTERM; it must exit cleanly."""
    port = free_port()
    env = {**env, "PROXY_TLS": "false", "PROXY_HTTP_ADDR": f"127.0.0.1:{port}"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "opencloud", "server"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"http://127.0.0.1:{port}/readyz", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert proc.poll() is None, proc.communicate()[0]
            time.sleep(0.2)
        else:
            raise AssertionError("server did not become ready")
        time.sleep(2)  # the startup scan of this small tree is long over
    finally:
        proc.send_signal(signal.SIGTERM)
        out, _ = proc.communicate(timeout=30)
    assert proc.returncode == 0, out


def test_sigkill_during_writes_loses_nothing(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OC_", "PROXY_", "STORAGE_"))}
    env.update(OC_CONFIG_DIR=str(tmp_path / "config"), OC_BASE_DATA_PATH=str(tmp_path / "data"))
    init = opencloud(env, "init", "--admin-password", "crash-test-pw")
    assert init.returncode == 0, init.stderr
    config = tomllib.loads((tmp_path / "config" / "opencloud.toml").read_text())
    space = config["admin"]["user_id"]
    root = tmp_path / "data" / "storage" / "users"
    space_dir = root / "users" / space
    for round_ in range(3):
        writer = subprocess.Popen(
            [sys.executable, str(WRITER), str(root), space, str(round_)],
            stdout=subprocess.PIPE,
            text=True,
        )
        assert writer.stdout is not None
        assert writer.stdout.readline().strip() == "ready"
        time.sleep(1.0 + 0.4 * round_)
        writer.send_signal(signal.SIGKILL)
        writer.wait(timeout=10)
        writer.stdout.close()
        assert_no_partial_files(space_dir)
        run_server_once(env)
        assert list((space_dir / ".oc-tmp").iterdir()) == []
        check = opencloud(env, "check")
        assert check.returncode == 0, check.stdout + check.stderr
    assert assert_no_partial_files(space_dir) > 0
