"""``opencloud init``: the first-run setup.

Writes ``<OC_CONFIG_DIR or ./config>/opencloud.toml`` with fresh secrets, the
storage id and the admin account (argon2id hash), puts the admin into the user
directory with their personal space, and makes a self-signed certificate.
``--demo-users`` (or ``IDM_CREATE_DEMO_USERS=true``) adds OpenCloud's demo users
and groups (password ``demo``). The admin password is printed once
and stored nowhere in clear.

The new configuration is staged in a private folder next to the real one and
loaded from there exactly as the server will load it; only when the storage
accepted it (the admin space exists) is it renamed into place. A failed init
therefore leaves no half-made config behind that ``--if-missing`` would then
mistake for a finished one.
"""

from __future__ import annotations

import os
import secrets
import shutil
import uuid
from collections.abc import Mapping
from pathlib import Path
from urllib.parse import urlsplit

import click
import tomli_w
from argon2 import PasswordHasher

from opencloud.app.wiring import build_auth, load_storage
from opencloud.cli.certs import write_private, write_self_signed
from opencloud.config.load import CONFIG_FILE, config_dir, load_settings
from opencloud.config.schema import Settings
from opencloud.services.auth.demo import DEMO_PASSWORD, create_demo_users

HEADER = """\
# opencloud configuration, written by `opencloud init`.
# Environment variables override these values; see docs/configuration.md.
# Keep this file private: it holds the server's secrets.

"""


@click.command()
@click.option("--admin-password", metavar="PW", help="Use this admin password (default: random).")
@click.option(
    "--insecure", is_flag=True, help="Skip TLS verification of outgoing connections (tests)."
)
@click.option("--force-overwrite", is_flag=True, help="Replace an existing configuration.")
@click.option("--if-missing", is_flag=True, help="Do nothing if a configuration exists.")
@click.option(
    "--demo-users",
    is_flag=True,
    envvar="IDM_CREATE_DEMO_USERS",
    help="Also create OpenCloud's demo users (alan, mary, …; password demo). Not for production.",
)
def init(
    admin_password: str | None,
    insecure: bool,
    force_overwrite: bool,
    if_missing: bool,
    demo_users: bool,
) -> None:
    """Create the configuration, the admin account and a TLS certificate."""
    env = os.environ
    cdir = config_dir(env)
    target = cdir / CONFIG_FILE
    if target.exists():
        if if_missing:
            if demo_users:  # idempotent: adds what is missing to the existing setup
                _provision(load_settings(env), demo_users=True)
            return
        if not force_overwrite:
            click.echo(
                f"opencloud: {target} already exists; use --force-overwrite to replace it "
                "(new secrets, ids and admin password)",
                err=True,
            )
            raise click.exceptions.Exit(1)
    password = admin_password or secrets.token_urlsafe(16)
    cdir.mkdir(parents=True, exist_ok=True)
    cdir.chmod(0o700)
    staging = cdir / f".init-{secrets.token_hex(4)}"
    staging.mkdir(mode=0o700)
    try:
        write_private(staging / CONFIG_FILE, _document(env, password, insecure))
        settings = load_settings({**env, "OC_CONFIG_DIR": str(staging)})
        demo = _provision(settings, demo_users=demo_users)
        (staging / CONFIG_FILE).replace(target)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    cert = _certificate(settings, cdir, force=force_overwrite)
    click.echo(f"configuration : {target}")
    click.echo(f"data          : {settings.data_path}")
    click.echo(f"certificate   : {cert}")
    click.echo(f"url           : {settings.url}")
    click.echo(f"user          : {settings.admin.username}")
    click.echo(f"password      : {password if admin_password is None else '(as given)'}")
    if demo:
        click.echo(f"demo users    : {', '.join(demo)} (password {DEMO_PASSWORD})")


def _document(env: Mapping[str, str], password: str, insecure: bool) -> bytes:
    """The TOML text: only what init decides; everything else keeps its default."""
    user_id = str(uuid.uuid4())
    doc: dict[str, object] = {}
    if env.get("OC_URL"):
        doc["url"] = env["OC_URL"]  # the certificate is made for it: keep the two together
    doc["insecure"] = insecure
    doc["data_path"] = str(Path(env.get("OC_BASE_DATA_PATH") or "data").absolute())
    doc["storage"] = {"storage_id": str(uuid.uuid4())}
    doc["secrets"] = {
        "jwt_secret": secrets.token_urlsafe(32),
        "transfer_secret": secrets.token_urlsafe(32),
        "machine_auth_api_key": secrets.token_urlsafe(32),
    }
    doc["admin"] = {
        "user_id": user_id,
        "username": "admin",
        "password_hash": PasswordHasher().hash(password),  # argon2id, the library default
    }
    return (HEADER + tomli_w.dumps(doc)).encode()


def _provision(settings: Settings, *, demo_users: bool) -> list[str]:
    """The admin in the user directory with their personal space (its id is the
    user id, as in OpenCloud), and the demo users if asked; returns the demo
    usernames created."""
    data = Path(settings.data_path)
    data.mkdir(mode=0o700, parents=True, exist_ok=True)
    driver = load_storage(settings)
    try:
        auth = build_auth(settings, driver)  # bootstraps the admin
        if demo_users:
            return create_demo_users(auth, admin_id=settings.admin.user_id)
        return []
    finally:
        driver.close()


def _certificate(settings: Settings, cdir: Path, *, force: bool) -> str:
    """Make server.crt/server.key unless the admin configured their own paths or a
    pair is already there (kept, unless --force-overwrite)."""
    if settings.http.tls_cert or settings.http.tls_key:
        return f"{settings.http.tls_cert} (configured; not generated)"
    cert, key = cdir / "server.crt", cdir / "server.key"
    if cert.exists() and key.exists() and not force:
        return f"{cert} (kept)"
    host = urlsplit(settings.url).hostname or "localhost"
    write_self_signed(cert, key, [host, "localhost", "127.0.0.1", "::1"])
    return f"{cert} (self-signed)"
