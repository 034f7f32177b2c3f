"""``opencloud config show``: effective settings as TOML, secrets masked."""

from __future__ import annotations

import tomllib
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import Result

from opencloud.cli.config import MASK

Run = Callable[..., Result]


def test_show_masks_secrets(root: Path, run: Run) -> None:
    run("init")
    stored = tomllib.loads((root / "config" / "opencloud.toml").read_text())
    result = run("config", "show")
    assert result.exit_code == 0
    shown = tomllib.loads(result.output)
    assert set(shown["secrets"].values()) == {MASK}
    assert shown["admin"]["password_hash"] == MASK
    for secret in [*stored["secrets"].values(), stored["admin"]["password_hash"]]:
        assert secret not in result.output
    assert shown["admin"]["user_id"] == stored["admin"]["user_id"]
    assert shown["storage"]["storage_id"] == stored["storage"]["storage_id"]


def test_show_secrets_on_request(root: Path, run: Run) -> None:
    run("init")
    stored = tomllib.loads((root / "config" / "opencloud.toml").read_text())
    shown = tomllib.loads(run("config", "show", "--show-secrets").output)
    assert shown["secrets"] == stored["secrets"]
    assert shown["admin"]["password_hash"] == stored["admin"]["password_hash"]


def test_show_reflects_environment_and_masks_driver_credentials(
    root: Path, run: Run, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PROXY_HTTP_ADDR", "127.0.0.1:9999")
    monkeypatch.setenv("OC_STORAGE__OPTIONS__SECRET_KEY", "s3cr3t")
    monkeypatch.setenv("STORAGE_USERS_POSIX_ROOT", "/srv/tree")
    result = run("config", "show")
    shown = tomllib.loads(result.output)
    assert shown["http"]["addr"] == "127.0.0.1:9999"
    assert shown["storage"]["options"] == {"secret_key": MASK, "root": "/srv/tree"}
    assert "s3cr3t" not in result.output
    assert shown["secrets"]["jwt_secret"] == ""  # unset stays visibly unset


def test_config_error_exits_2_with_one_line(root: Path, run: Run) -> None:
    (root / "config").mkdir()
    (root / "config" / "opencloud.toml").write_text('[http]\nbnd = "x"\n')
    result = run("config", "show")
    assert result.exit_code == 2
    assert result.stderr.startswith("opencloud: setting http.bnd")
    assert result.stdout == ""
