"""Reading settings: defaults < ``opencloud.toml`` < environment.

Environment names are OpenCloud's where it has one (``OC_URL``, ``PROXY_TLS``,
``STORAGE_USERS_DRIVER``, …; the alias table below), and otherwise the generic
form ``OC_<SECTION>__<KEY>`` (``OC_HTTP__SHUTDOWN_TIMEOUT``). Any other ``OC_``
variable is a typo or a setting we do not have, and stops startup naming it:
silently ignoring a setting an administrator believes is active is worse.

Only ``opencloud.cli`` and ``opencloud.app`` may import this module.
"""

from __future__ import annotations

import difflib
import os
import tomllib
import typing
from collections.abc import Mapping
from pathlib import Path
from typing import Annotated, Any

import msgspec

from opencloud.config.schema import Settings
from opencloud.core.errors import ConfigError

CONFIG_FILE = "opencloud.toml"

#: OpenCloud's own environment names, mapped to our setting paths.
ENV_ALIASES: dict[str, tuple[str, ...]] = {
    "OC_URL": ("url",),
    "OC_INSECURE": ("insecure",),
    "OC_LOG_LEVEL": ("log_level",),
    "OC_BASE_DATA_PATH": ("data_path",),
    "PROXY_HTTP_ADDR": ("http", "addr"),
    "PROXY_TLS": ("http", "tls"),
    "PROXY_TRANSPORT_TLS_CERT": ("http", "tls_cert"),
    "PROXY_TRANSPORT_TLS_KEY": ("http", "tls_key"),
    "STORAGE_USERS_DRIVER": ("storage", "driver"),
    "STORAGE_USERS_MOUNT_ID": ("storage", "storage_id"),
    "STORAGE_USERS_POSIX_ROOT": ("storage", "options", "root"),
    "STORAGE_USERS_POSIX_WATCH_TYPE": ("storage", "options", "watch"),
    "OC_JWT_SECRET": ("secrets", "jwt_secret"),
    "OC_TRANSFER_SECRET": ("secrets", "transfer_secret"),
    "OC_MACHINE_AUTH_API_KEY": ("secrets", "machine_auth_api_key"),
    "OC_ADMIN_USER_ID": ("admin", "user_id"),
}

#: Variables that steer loading itself rather than naming a setting.
ENV_LOADER = {"OC_CONFIG_DIR"}


def config_dir(environ: Mapping[str, str]) -> Path:
    """Where the config file, certificate and key live (``OC_CONFIG_DIR``, default ./config)."""
    return Path(environ.get("OC_CONFIG_DIR") or "config").absolute()


def load_settings(environ: Mapping[str, str] | None = None) -> Settings:
    """Build the settings, or raise ConfigError naming the offending setting."""
    env = os.environ if environ is None else environ
    path = config_dir(env) / CONFIG_FILE
    raw: dict[str, Any] = {}
    origin: dict[tuple[str, ...], str] = {}
    if path.exists():
        try:
            raw = tomllib.loads(path.read_text(encoding="utf-8"))
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
            raise ConfigError(f"{path}: not valid TOML: {exc}") from exc
        _note_origin(raw, (), str(path), origin)
    for keys, value, source in _from_environment(env):
        _set(raw, keys, value)
        origin[keys] = source
    settings = _convert(raw, origin)
    return _resolve_paths(settings)


def _from_environment(env: Mapping[str, str]) -> list[tuple[tuple[str, ...], str, str]]:
    found: list[tuple[tuple[str, ...], str, str]] = []
    for name, value in sorted(env.items()):
        if name in ENV_ALIASES:
            found.append((ENV_ALIASES[name], value, f"environment variable {name}"))
        elif name.startswith("OC_") and name not in ENV_LOADER:
            keys = tuple(part.lower() for part in name[3:].split("__"))
            if not _known_path(keys):
                hint = difflib.get_close_matches(name, [*ENV_ALIASES, *_generic_names()], n=1)
                extra = f"; did you mean {hint[0]}?" if hint else ""
                raise ConfigError(f"unknown setting in environment variable {name}{extra}")
            found.append((keys, value, f"environment variable {name}"))
    return found


def _bare(ftype: Any) -> Any:
    """The type under ``Annotated[...]``."""
    return typing.get_args(ftype)[0] if typing.get_origin(ftype) is Annotated else ftype


def _is_section(ftype: Any) -> bool:
    return isinstance(ftype, type) and issubclass(ftype, msgspec.Struct)


def _known_path(keys: tuple[str, ...]) -> bool:
    struct: Any = Settings
    for i, key in enumerate(keys):
        fields = {f.name: _bare(f.type) for f in msgspec.structs.fields(struct)}
        if key not in fields:
            return False
        ftype = fields[key]
        if typing.get_origin(ftype) is dict:
            return i + 1 < len(keys)  # a driver option: its driver validates the name
        if i + 1 < len(keys):
            if not _is_section(ftype):
                return False
            struct = ftype
        elif _is_section(ftype):
            return False  # a whole section cannot be set from one variable
    return bool(keys)


def _generic_names() -> list[str]:
    names: list[str] = []
    for f in msgspec.structs.fields(Settings):
        ftype = _bare(f.type)
        if _is_section(ftype):
            names += [f"OC_{f.name}__{g.name}".upper() for g in msgspec.structs.fields(ftype)]
        else:
            names.append(f"OC_{f.name}".upper())
    return names


def _set(raw: dict[str, Any], keys: tuple[str, ...], value: str) -> None:
    node = raw
    for key in keys[:-1]:
        child = node.get(key)
        if not isinstance(child, dict):
            child = node[key] = {}
        node = child
    node[keys[-1]] = value


def _note_origin(
    raw: Mapping[str, Any],
    prefix: tuple[str, ...],
    source: str,
    origin: dict[tuple[str, ...], str],
) -> None:
    for key, value in raw.items():
        keys = (*prefix, str(key))
        origin[keys] = source
        if isinstance(value, dict):
            _note_origin(value, keys, source, origin)


def _convert(raw: dict[str, Any], origin: dict[tuple[str, ...], str]) -> Settings:
    try:
        return msgspec.convert(raw, Settings, strict=False)
    except msgspec.ValidationError as exc:
        text = str(exc)
        message, _, where = text.partition(" - at `$")
        keys = tuple(k for k in where.rstrip("`").replace("[", ".").split(".") if k)
        unknown = "unknown field `"
        if unknown in message:
            keys = (*keys, message.split(unknown, 1)[1].rstrip("`"))
            message = "unknown setting"
        setting = ".".join(keys) or "(top level)"
        source = origin.get(keys) or origin.get(keys[:-1]) or "defaults"
        raise ConfigError(f"setting {setting} (from {source}): {message}") from exc


def _resolve_paths(settings: Settings) -> Settings:
    """Make relative paths absolute against the working directory once, so the
    server, the CLI and the workers agree on where data lives."""
    return msgspec.structs.replace(settings, data_path=str(Path(settings.data_path).absolute()))


def dump_toml(settings: Settings) -> dict[str, Any]:
    """The settings as a plain mapping, for writing opencloud.toml or showing it."""
    return msgspec.to_builtins(settings)  # type: ignore[no-any-return]
