"""``create_app``: the Starlette application, the only global state there is."""

from __future__ import annotations

from starlette.applications import Starlette
from starlette.middleware import Middleware

from opencloud.api.http.auth import AuthMiddleware
from opencloud.api.http.errors import exception_handlers
from opencloud.api.http.request_id import RequestIdMiddleware
from opencloud.app.lifespan import make_lifespan
from opencloud.app.routes import routes
from opencloud.config.schema import Settings
from opencloud.services.notify.streams import StreamHub
from opencloud.storage.protocol import StorageDriver


def create_app(settings: Settings, *, driver: StorageDriver | None = None) -> Starlette:
    """Build the app. ``driver`` is opened from settings at startup unless given;
    either way the app closes it at shutdown.

    The live-update streams belong to the app object (``app.state.streams``),
    not only to the lifespan: a server that is told to stop must end them
    *before* it waits for open requests (``end_streams``), or every connected
    browser would hold the shutdown for the whole grace period."""
    streams = StreamHub(
        queue_size=settings.sse.queue_size,
        max_per_user=settings.sse.max_streams_per_user,
        flush_interval=settings.sse.flush_interval,
    )
    app = Starlette(
        routes=routes(),
        middleware=[Middleware(RequestIdMiddleware), Middleware(AuthMiddleware)],
        exception_handlers=exception_handlers(),
        lifespan=make_lifespan(settings, streams, driver),
    )
    app.state.streams = streams
    return app


def end_streams(app: object) -> None:
    """End every open live-update stream and refuse new ones: the first step
    of a graceful shutdown (their clients reconnect to the next server).
    Does nothing for an app ``create_app`` did not build."""
    streams = getattr(getattr(app, "state", None), "streams", None)
    if isinstance(streams, StreamHub):
        streams.close()
