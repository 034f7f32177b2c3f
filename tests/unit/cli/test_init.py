"""``opencloud init``: config with secrets (0600), admin account, personal space, cert."""

from __future__ import annotations

import ipaddress
import stat
import tomllib
import uuid
from collections.abc import Callable
from pathlib import Path

import pytest
from argon2 import PasswordHasher
from click.testing import Result
from cryptography import x509

from opencloud.core.ids import SpaceId, is_uuid
from opencloud.storage.registry import load_driver

Run = Callable[..., Result]


def _toml(root: Path) -> Path:
    return root / "config" / "opencloud.toml"


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def _password(output: str) -> str:
    (line,) = [x for x in output.splitlines() if x.startswith("password")]
    return line.split(":", 1)[1].strip()


def test_init_writes_private_config(root: Path, run: Run) -> None:
    result = run("init")
    assert result.exit_code == 0, result.output
    assert _mode(root / "config") == 0o700
    assert _mode(_toml(root)) == 0o600
    assert _mode((root / "config") / "server.key") == 0o600
    doc = tomllib.loads(_toml(root).read_text())
    assert doc["data_path"] == str(root / "data")
    assert doc["insecure"] is False
    assert is_uuid(doc["storage"]["storage_id"])
    assert is_uuid(doc["admin"]["user_id"])
    assert doc["admin"]["username"] == "admin"
    assert doc["admin"]["password_hash"].startswith("$argon2id$")
    secrets = doc["secrets"]
    assert set(secrets) == {"jwt_secret", "transfer_secret", "machine_auth_api_key"}
    assert len(set(secrets.values())) == 3
    assert all(len(v) >= 32 for v in secrets.values())
    assert not list((root / "config").glob(".init-*"))  # staging cleaned up


def test_init_prints_the_password_once_and_stores_only_its_hash(root: Path, run: Run) -> None:
    result = run("init")
    password = _password(result.output)
    assert len(password) >= 16
    assert result.output.count(password) == 1
    assert "user          : admin" in result.output
    text = _toml(root).read_text()
    assert password not in text
    assert PasswordHasher().verify(tomllib.loads(text)["admin"]["password_hash"], password)


def test_given_password_is_used_and_not_echoed(root: Path, run: Run) -> None:
    result = run("init", "--admin-password", "correct horse battery")
    assert result.exit_code == 0
    assert "correct horse battery" not in result.output
    doc = tomllib.loads(_toml(root).read_text())
    assert PasswordHasher().verify(doc["admin"]["password_hash"], "correct horse battery")


def test_insecure_flag(root: Path, run: Run) -> None:
    run("init", "--insecure")
    assert tomllib.loads(_toml(root).read_text())["insecure"] is True


def test_init_creates_the_admin_personal_space(root: Path, run: Run) -> None:
    run("init")
    user_id = tomllib.loads(_toml(root).read_text())["admin"]["user_id"]
    driver = load_driver("posix", {"base_data_path": str(root / "data"), "watch": "off"})
    try:
        space = driver.get_space(SpaceId(user_id))
    finally:
        driver.close()
    assert space.id == user_id
    assert space.kind == "personal"
    assert space.owner == user_id
    assert space.name == "Admin"  # the display name, as OpenCloud names its admin


def test_refuses_to_overwrite(root: Path, run: Run) -> None:
    run("init")
    before = _toml(root).read_text()
    result = run("init")
    assert result.exit_code == 1
    assert "already exists" in result.stderr
    assert "--force-overwrite" in result.stderr
    assert _toml(root).read_text() == before


def test_force_overwrite_replaces(root: Path, run: Run) -> None:
    run("init")
    old = tomllib.loads(_toml(root).read_text())
    result = run("init", "--force-overwrite")
    assert result.exit_code == 0
    new = tomllib.loads(_toml(root).read_text())
    assert new["storage"]["storage_id"] != old["storage"]["storage_id"]
    assert new["secrets"] != old["secrets"]
    assert _mode(_toml(root)) == 0o600


def test_if_missing(root: Path, run: Run) -> None:
    first = run("init", "--if-missing")
    assert first.exit_code == 0
    assert "password" in first.output
    before = _toml(root).read_text()
    again = run("init", "--if-missing")
    assert again.exit_code == 0
    assert again.output == ""
    assert _toml(root).read_text() == before


def test_certificate_covers_localhost_and_the_public_host(
    root: Path, run: Run, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OC_URL", "https://cloud.example.org:9200")
    run("init")
    cert = x509.load_pem_x509_certificate(((root / "config") / "server.crt").read_bytes())
    san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert set(san.get_values_for_type(x509.DNSName)) == {"localhost", "cloud.example.org"}
    assert ipaddress.ip_address("127.0.0.1") in san.get_values_for_type(x509.IPAddress)
    assert tomllib.loads(_toml(root).read_text())["url"] == "https://cloud.example.org:9200"


def test_bad_environment_stops_init_before_writing(
    root: Path, run: Run, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OC_HTTP__ADRR", "x")
    result = run("init")
    assert result.exit_code == 2
    assert result.stderr.startswith(
        "opencloud: unknown setting in environment variable OC_HTTP__ADRR"
    )
    assert not _toml(root).exists()
    assert not list((root / "config").glob(".init-*"))


def test_admin_user_id_from_environment_is_used(
    root: Path, run: Run, monkeypatch: pytest.MonkeyPatch
) -> None:
    user_id = str(uuid.uuid4())
    monkeypatch.setenv("OC_ADMIN_USER_ID", user_id)
    assert run("init").exit_code == 0
    driver = load_driver("posix", {"base_data_path": str(root / "data"), "watch": "off"})
    try:
        assert driver.get_space(SpaceId(user_id)).kind == "personal"
    finally:
        driver.close()
