"""``opencloud server`` startup checks (serving itself is in tests/integration)."""

from __future__ import annotations

import socket
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import Result

from opencloud.cli.server import hypercorn_config
from opencloud.config.schema import HttpSettings, Settings
from opencloud.core.errors import ConfigError

Run = Callable[..., Result]


def test_refuses_to_start_uninitialised(root: Path, run: Run) -> None:
    result = run("server")
    assert result.exit_code == 2
    assert "opencloud init" in result.stderr


def test_missing_certificate_says_run_init(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="run `opencloud init` first"):
        hypercorn_config(Settings(), tmp_path)


def test_hypercorn_config_from_settings(root: Path, run: Run) -> None:
    run("init")
    settings = Settings(http=HttpSettings(addr="127.0.0.1:1234", shutdown_timeout=3.0))
    config = hypercorn_config(settings, root / "config")
    assert config.bind == ["127.0.0.1:1234"]
    assert config.graceful_timeout == 3.0
    assert config.certfile == str(root / "config" / "server.crt")
    assert config.keyfile == str(root / "config" / "server.key")


def test_plain_http_needs_no_certificate(tmp_path: Path) -> None:
    config = hypercorn_config(Settings(http=HttpSettings(tls=False)), tmp_path)
    assert config.certfile is None


def test_address_in_use_is_one_clear_line(
    root: Path, run: Run, monkeypatch: pytest.MonkeyPatch
) -> None:
    run("init")
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        monkeypatch.setenv("PROXY_HTTP_ADDR", f"127.0.0.1:{port}")
        result = run("server")
    assert result.exit_code == 2
    assert result.stderr.startswith(
        f"opencloud: setting http.addr: cannot listen on 127.0.0.1:{port}"
    )
