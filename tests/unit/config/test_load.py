"""Settings loading: defaults < opencloud.toml < environment, with errors that
name the setting and where its bad value came from."""

from __future__ import annotations

from pathlib import Path

import pytest

from opencloud.config.load import CONFIG_FILE, ENV_ALIASES, config_dir, load_settings
from opencloud.config.schema import Settings
from opencloud.core.errors import ConfigError


def _env(tmp_path: Path, toml: str | None = None, **variables: str) -> dict[str, str]:
    if toml is not None:
        (tmp_path / CONFIG_FILE).write_text(toml, encoding="utf-8")
    return {"OC_CONFIG_DIR": str(tmp_path), **variables}


def test_defaults_without_file_or_environment(tmp_path: Path) -> None:
    settings = load_settings(_env(tmp_path))
    default = Settings()
    assert settings.http == default.http
    assert settings.storage == default.storage
    assert settings.log_level == "info"
    assert settings.data_path == str(Path("data").absolute())


def test_config_dir_defaults_to_config_under_cwd(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    assert config_dir({}) == tmp_path / "config"
    assert config_dir({"OC_CONFIG_DIR": "/etc/opencloud"}) == Path("/etc/opencloud")


def test_toml_overrides_defaults(tmp_path: Path) -> None:
    env = _env(tmp_path, '[http]\naddr = "127.0.0.1:1"\ntls = false\n')
    settings = load_settings(env)
    assert settings.http.addr == "127.0.0.1:1"
    assert settings.http.tls is False


def test_environment_overrides_toml(tmp_path: Path) -> None:
    env = _env(
        tmp_path,
        '[http]\naddr = "127.0.0.1:1"\nshutdown_timeout = 1.0\n',
        PROXY_HTTP_ADDR="127.0.0.1:2",
        OC_HTTP__SHUTDOWN_TIMEOUT="3",
    )
    settings = load_settings(env)
    assert settings.http.addr == "127.0.0.1:2"
    assert settings.http.shutdown_timeout == 3.0


def test_relative_data_path_becomes_absolute(tmp_path: Path) -> None:
    settings = load_settings(_env(tmp_path, 'data_path = "rel/data"\n'))
    assert settings.data_path == str(Path("rel/data").absolute())


_ALIAS_VALUES = {
    "OC_URL": ("https://cloud.example.org", "https://cloud.example.org"),
    "OC_INSECURE": ("true", True),
    "OC_LOG_LEVEL": ("debug", "debug"),
    "PROXY_TLS": ("false", False),
    "PROXY_HTTP_ADDR": ("127.0.0.1:9", "127.0.0.1:9"),
}


@pytest.mark.parametrize("name", sorted(ENV_ALIASES))
def test_every_alias_sets_its_setting(tmp_path: Path, name: str) -> None:
    raw, expected = _ALIAS_VALUES.get(name, ("/some/value", "/some/value"))
    settings = load_settings(_env(tmp_path, **{name: raw}))
    node: object = settings
    for key in ENV_ALIASES[name]:
        node = node[key] if isinstance(node, dict) else getattr(node, key)
    if name == "OC_BASE_DATA_PATH":
        expected = str(Path(raw).absolute())
    assert node == expected


def test_generic_name_reaches_driver_options(tmp_path: Path) -> None:
    settings = load_settings(_env(tmp_path, OC_STORAGE__OPTIONS__SCAN_INTERVAL="5"))
    assert settings.storage.options == {"scan_interval": "5"}


def test_config_dir_variable_is_not_a_setting(tmp_path: Path) -> None:
    load_settings(_env(tmp_path))  # OC_CONFIG_DIR is set and accepted


@pytest.mark.parametrize("name", ["OC_HTTP__ADRR", "OC_NOPE", "OC_HTTP", "OC_HTTP__ADDR__X"])
def test_unknown_environment_variable_is_named(tmp_path: Path, name: str) -> None:
    with pytest.raises(ConfigError, match=name):
        load_settings(_env(tmp_path, **{name: "x"}))


def test_unknown_variable_gets_a_suggestion(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="did you mean OC_HTTP__ADDR"):
        load_settings(_env(tmp_path, OC_HTTP__ADRR="x"))


def test_ill_typed_environment_value_names_setting_and_variable(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as info:
        load_settings(_env(tmp_path, PROXY_TLS="maybe"))
    assert "http.tls" in info.value.message
    assert "environment variable PROXY_TLS" in info.value.message


def test_out_of_range_value_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"http\.shutdown_timeout"):
        load_settings(_env(tmp_path, OC_HTTP__SHUTDOWN_TIMEOUT="-1"))


def test_ill_typed_toml_value_names_setting_and_file(tmp_path: Path) -> None:
    env = _env(tmp_path, '[http]\nshutdown_timeout = "soon"\n')
    with pytest.raises(ConfigError) as info:
        load_settings(env)
    assert "http.shutdown_timeout" in info.value.message
    assert str(tmp_path / CONFIG_FILE) in info.value.message


def test_unknown_toml_key_names_key_and_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as info:
        load_settings(_env(tmp_path, '[http]\nbnd = "x"\n'))
    assert "http.bnd" in info.value.message
    assert str(tmp_path / CONFIG_FILE) in info.value.message


def test_invalid_toml_names_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="not valid TOML"):
        load_settings(_env(tmp_path, "[http\n"))
