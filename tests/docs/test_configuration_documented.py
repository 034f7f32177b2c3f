"""docs/configuration.md covers every setting: its path, its default as it really
is, and every environment name that sets it (Datasette's tested-docs idea)."""

from __future__ import annotations

import typing
from pathlib import Path
from typing import Annotated, Any

import msgspec
import pytest
import tomli_w

from opencloud.config.load import ENV_ALIASES
from opencloud.config.schema import Settings

DOC = Path(__file__).resolve().parents[2] / "docs" / "configuration.md"


def _bare(ftype: Any) -> Any:
    return typing.get_args(ftype)[0] if typing.get_origin(ftype) is Annotated else ftype


def _fields(struct: type[msgspec.Struct], prefix: str = "") -> list[tuple[str, Any]]:
    """(dotted path, default) of every leaf setting, walking nested Structs."""
    found: list[tuple[str, Any]] = []
    for field in msgspec.structs.fields(struct):
        ftype = _bare(field.type)
        path = f"{prefix}{field.name}"
        if isinstance(ftype, type) and issubclass(ftype, msgspec.Struct):
            found += _fields(ftype, f"{path}.")
        else:
            default = field.default
            if default is msgspec.NODEFAULT and field.default_factory is not msgspec.NODEFAULT:
                default = field.default_factory()
            found.append((path, default))
    return found


SETTINGS = _fields(Settings)


def _row(path: str) -> list[str]:
    """The cells of the table row documenting ``path``."""
    for line in DOC.read_text(encoding="utf-8").splitlines():
        if line.startswith(f"| `{path}` |"):
            return [cell.strip() for cell in line.strip("|").split("|")]
    pytest.fail(f"docs/configuration.md has no table row for setting {path}")


def _toml(value: Any) -> str:
    if isinstance(value, dict) and not value:
        return "{}"
    return tomli_w.dumps({"v": value}).split("=", 1)[1].strip()


def test_walk_finds_settings() -> None:
    assert ("http.addr", "0.0.0.0:9200") in SETTINGS
    assert len(SETTINGS) >= 15


@pytest.mark.parametrize(("path", "default"), SETTINGS, ids=[p for p, _ in SETTINGS])
def test_setting_is_documented_with_its_default(path: str, default: Any) -> None:
    _name, _type, documented_default, _env, description = _row(path)
    assert documented_default == f"`{_toml(default)}`"
    assert description


@pytest.mark.parametrize(("path", "default"), SETTINGS, ids=[p for p, _ in SETTINGS])
def test_generic_environment_name_is_documented(path: str, default: Any) -> None:
    if path == "storage.options":
        generic = "OC_STORAGE__OPTIONS__<NAME>"
    elif "." in path:
        generic = "OC_" + path.replace(".", "__").upper()
    else:
        generic = f"OC_{path.upper()}"
    assert generic in _row(path)[3]


@pytest.mark.parametrize("name", sorted(ENV_ALIASES))
def test_alias_is_documented_at_its_setting(name: str) -> None:
    keys = ENV_ALIASES[name]
    # A driver option's alias sits in its driver's table, keyed by the option name.
    row = _row(keys[2]) if keys[:2] == ("storage", "options") else _row(".".join(keys))
    assert f"`{name}`" in " ".join(row)
