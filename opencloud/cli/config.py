"""``opencloud config show``: the effective settings, as the server would see them."""

from __future__ import annotations

import os
from typing import Any

import click
import tomli_w

from opencloud.config.load import dump_toml, load_settings

MASK = "********"

# Driver options are free-form; these words in a name mark a credential.
_SECRET_WORDS = ("secret", "password", "token", "access_key", "private")


@click.group()
def config() -> None:
    """Inspect the configuration."""


@config.command()
@click.option("--show-secrets", is_flag=True, help="Print secrets and the password hash too.")
def show(show_secrets: bool) -> None:
    """Print the effective settings (defaults < opencloud.toml < environment) as TOML."""
    raw = dump_toml(load_settings(os.environ))
    if not show_secrets:
        raw = masked(raw)
    click.echo(tomli_w.dumps(raw), nl=False)


def masked(raw: dict[str, Any]) -> dict[str, Any]:
    """A copy with every secret value replaced (empty ones stay empty: "unset" is
    worth seeing)."""
    out = dict(raw)
    out["secrets"] = {k: _mask(v) for k, v in raw.get("secrets", {}).items()}
    admin = dict(raw.get("admin", {}))
    if "password_hash" in admin:
        admin["password_hash"] = _mask(admin["password_hash"])
    out["admin"] = admin
    storage = dict(raw.get("storage", {}))
    storage["options"] = {
        k: _mask(v) if any(w in k.lower() for w in _SECRET_WORDS) else v
        for k, v in storage.get("options", {}).items()
    }
    out["storage"] = storage
    return out


def _mask(value: object) -> object:
    return MASK if value else value
