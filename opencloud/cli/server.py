"""``opencloud server``: one process, Hypercorn serving the Starlette app (or
Granian, with ``http.server = "granian"``: opencloud.cli.server_granian).

Everything that can be wrong with the configuration is found before the first
socket opens (settings, certificate, driver), so a bad start ends with one
clear line and exit code 2 instead of a traceback from inside the server.
SIGTERM and SIGINT stop it gracefully: open requests get
``http.shutdown_timeout`` seconds, then the lifespan stops the workers and
closes the storage, and the process exits 0.
"""

from __future__ import annotations

import asyncio
import logging
import os
import signal
import socket
from collections.abc import Coroutine
from pathlib import Path
from typing import Any, cast

import click
from hypercorn.asyncio import serve
from hypercorn.config import Config
from hypercorn.typing import ASGIFramework
from starlette.applications import Starlette

from opencloud import __version__
from opencloud.app.factory import create_app, end_streams
from opencloud.app.wiring import load_storage, require_initialised
from opencloud.cli.logs import configure_logging
from opencloud.cli.server_granian import ASGIApp, granian_runner, tls_files
from opencloud.config.load import config_dir, load_settings
from opencloud.config.schema import Settings
from opencloud.core.errors import ConfigError

log = logging.getLogger("opencloud.server")


@click.command()
def server() -> None:
    """Serve HTTP(S) until SIGTERM or Ctrl-C."""
    settings = load_settings(os.environ)
    configure_logging(settings.log_level)
    require_initialised(settings)
    if settings.http.server == "granian":
        run = granian_runner(settings, config_dir(os.environ))
    else:
        config = hypercorn_config(settings, config_dir(os.environ))

        def run(app: ASGIApp) -> Coroutine[Any, Any, None]:
            return _serve(cast("Starlette", app), config)

    check_bind(settings.http.addr)
    driver = load_storage(settings)
    try:
        app = create_app(settings, driver=driver)
        scheme = "https" if settings.http.tls else "http"
        log.info(
            "opencloud %s serving %s (listening on %s://%s with %s, data in %s)",
            __version__,
            settings.url,
            scheme,
            settings.http.addr,
            settings.http.server,
            settings.data_path,
        )
        asyncio.run(run(app))
    finally:
        driver.close()  # idempotent; the lifespan closed it unless startup failed
    log.info("opencloud stopped")


def hypercorn_config(settings: Settings, cdir: Path) -> Config:
    """Hypercorn's settings from ours; ConfigError if TLS is on without a certificate."""
    config = Config()
    config.bind = [settings.http.addr]
    config.graceful_timeout = settings.http.shutdown_timeout
    config.errorlog = logging.getLogger("hypercorn.error")
    config.accesslog = (
        logging.getLogger("hypercorn.access") if settings.log_level == "debug" else None
    )
    config.include_server_header = False
    tls = tls_files(settings, cdir)
    if tls is not None:
        config.certfile, config.keyfile = str(tls[0]), str(tls[1])
    return config


def check_bind(addr: str) -> None:
    """Fail before anything starts if ``host:port`` cannot be bound. Hypercorn binds
    only after the lifespan started the workers, and then fails with a traceback;
    this probe (closed at once, SO_REUSEADDR like Hypercorn) turns the usual case
    (port taken, no permission) into one line."""
    host, sep, port = addr.rpartition(":")
    if not sep or not port.isdigit():
        return  # not host:port (a unix socket?): Hypercorn reports what it makes of it
    host = host.strip("[]")
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, int(port)))
        except OSError as exc:
            reason = exc.strerror or str(exc)
            raise ConfigError(f"setting http.addr: cannot listen on {addr}: {reason}") from exc


async def _serve(app: Starlette, config: Config) -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)

    async def stopping() -> None:
        await stop.wait()
        # Event streams never finish by themselves: end them now, or Hypercorn
        # would wait the whole grace period for them.
        end_streams(app)

    # Starlette types ASGI loosely (dicts), Hypercorn with TypedDicts: same protocol.
    await serve(cast("ASGIFramework", app), config, shutdown_trigger=stopping)
