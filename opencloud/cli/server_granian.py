"""``opencloud server`` on Granian (setting ``http.server = "granian"``).

The same ASGI app as on Hypercorn, in the same process: Granian's embedded
server runs it on this process's event loop, with its HTTP parsing and socket
work in a Rust thread. Same address, same TLS files, same shutdown: SIGTERM and
SIGINT stop accepting, open requests get ``http.shutdown_timeout`` seconds
(counted by a thin ASGI wrapper that holds the lifespan's shutdown back until
they finish), then the lifespan stops the workers and closes the storage.

Granian is an optional extra (``pip install 'opencloud[granian]'``); without it
the server refuses to start with one line naming the setting.
"""

from __future__ import annotations

import asyncio
import logging
import signal
import time
from collections.abc import Awaitable, Callable, Coroutine, MutableMapping
from pathlib import Path
from typing import Any, Protocol

from opencloud.app.factory import end_streams
from opencloud.config.schema import Settings
from opencloud.core.errors import ConfigError

log = logging.getLogger("opencloud.server")

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

MISSING = (
    'setting http.server = "granian": Granian is not installed; install the extra '
    "(pip install 'opencloud[granian]') or set http.server = \"hypercorn\""
)
#: Granian's own startup chatter that says nothing to an administrator.
_QUIET = ("Embedded server is experimental", "Spawning worker", "Starting granian")


class _Embedded(Protocol):
    async def serve(self) -> None: ...
    def stop(self) -> None: ...


def split_addr(addr: str) -> tuple[str, int]:
    """``host:port`` (IPv6 in brackets) as Granian wants it; ConfigError otherwise."""
    host, sep, port = addr.rpartition(":")
    if not sep or not port.isdigit() or not host:
        raise ConfigError(f"setting http.addr: {addr!r} is not host:port (needed by Granian)")
    return host.strip("[]"), int(port)


def tls_files(settings: Settings, cdir: Path) -> tuple[Path, Path] | None:
    """Certificate and key when TLS is on; ConfigError if one is missing."""
    if not settings.http.tls:
        return None
    cert = Path(settings.http.tls_cert or cdir / "server.crt")
    key = Path(settings.http.tls_key or cdir / "server.key")
    for what, path in (("certificate", cert), ("key", key)):
        if not path.is_file():
            raise ConfigError(
                f"TLS {what} {path} not found: run `opencloud init` first "
                "(or set PROXY_TLS=false behind a TLS-terminating proxy)"
            )
    return cert, key


def require_granian() -> None:
    """ConfigError naming the setting when the extra is not installed."""
    try:
        import granian.server.embed  # noqa: F401, PLC0415
    except ImportError as exc:
        raise ConfigError(MISSING) from exc


class _Quiet(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        return not record.getMessage().startswith(_QUIET)


class DrainBeforeShutdown:
    """ASGI wrapper: counts open HTTP requests and, when the server hands the app
    ``lifespan.shutdown``, waits until they are done (at most ``timeout`` seconds)
    before passing it on. Granian stops accepting and starts the lifespan shutdown
    at the same moment; Hypercorn waits for open requests first. This makes both
    behave the same."""

    def __init__(self, app: ASGIApp, timeout: float) -> None:
        self.app = app
        self.timeout = timeout
        self.open = 0
        self._idle = asyncio.Event()
        self._idle.set()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await self.app(scope, self._lifespan_receive(receive), send)
            return
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        self.open += 1
        self._idle.clear()
        try:
            await self.app(scope, receive, send)
        finally:
            self.open -= 1
            if not self.open:
                self._idle.set()

    def _lifespan_receive(self, receive: Receive) -> Receive:
        async def wrapped() -> Message:
            message = await receive()
            if message.get("type") == "lifespan.shutdown" and self.open:
                started = time.monotonic()
                try:
                    await asyncio.wait_for(self._idle.wait(), self.timeout)
                except TimeoutError:
                    log.warning(
                        "%d requests still open after http.shutdown_timeout (%.1f s); "
                        "stopping anyway",
                        self.open,
                        self.timeout,
                    )
                else:
                    log.info("open requests finished in %.1f s", time.monotonic() - started)
            return message

        return wrapped


def granian_server(app: ASGIApp, settings: Settings, cdir: Path) -> _Embedded:
    """Granian's embedded server for ``app``, from our settings."""
    require_granian()
    from granian.constants import Interfaces, SSLProtocols  # noqa: PLC0415
    from granian.log import LogLevels  # noqa: PLC0415
    from granian.server.embed import Server  # noqa: PLC0415

    host, port = split_addr(settings.http.addr)
    tls = tls_files(settings, cdir)
    debug = settings.log_level == "debug"
    # Granian's loggers go through ours (configure_logging), not its own handlers.
    through_ours = {
        "version": 1,
        "disable_existing_loggers": False,
        "handlers": {},
        "loggers": {
            "_granian": {"handlers": [], "propagate": True},
            "granian.access": {"handlers": [], "propagate": True},
        },
    }
    server = Server(
        DrainBeforeShutdown(app, settings.http.shutdown_timeout),
        address=host,
        port=port,
        interface=Interfaces.ASGI,
        backlog=1024,
        log_dictconfig=through_ours,
        log_level=LogLevels.debug if debug else LogLevels.info,
        log_access=debug,
        ssl_cert=tls[0] if tls else None,
        ssl_key=tls[1] if tls else None,
        ssl_protocol_min=SSLProtocols.tls12,  # as Hypercorn: TLS 1.2 clients still exist
    )
    logging.getLogger("_granian").addFilter(_Quiet())
    embedded: _Embedded = server
    return embedded


async def serve_granian(
    server: _Embedded, shutdown_timeout: float, on_stop: Callable[[], None] = lambda: None
) -> None:
    """Serve until SIGTERM/SIGINT, then stop (open requests get ``shutdown_timeout``).
    ``on_stop`` runs first: it ends what would never finish by itself (event streams)."""
    loop = asyncio.get_running_loop()
    stopping = asyncio.Event()

    def stop(sig: signal.Signals) -> None:
        if not stopping.is_set():
            log.info("%s received: stopping", sig.name)
            stopping.set()
            on_stop()
            server.stop()

    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop, sig)
    try:
        task = asyncio.ensure_future(server.serve())
        waiter = asyncio.ensure_future(stopping.wait())
        done, _ = await asyncio.wait({task, waiter}, return_when=asyncio.FIRST_COMPLETED)
        waiter.cancel()
        if task in done:
            await task  # a failed start: its error
            return
        # The drain waits up to shutdown_timeout; the rest is the lifespan's own shutdown.
        try:
            await asyncio.wait_for(task, shutdown_timeout + 30.0)
        except TimeoutError:
            log.error("Granian did not stop within %.0f s", shutdown_timeout + 30.0)
    finally:
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.remove_signal_handler(sig)


def granian_runner(
    settings: Settings, cdir: Path
) -> Callable[[ASGIApp], Coroutine[Any, Any, None]]:
    """Checks everything now (extra installed, address, TLS files); serves later."""
    require_granian()
    split_addr(settings.http.addr)
    tls_files(settings, cdir)

    async def run(app: ASGIApp) -> None:
        await serve_granian(
            granian_server(app, settings, cdir),
            settings.http.shutdown_timeout,
            lambda: end_streams(app),
        )

    return run
