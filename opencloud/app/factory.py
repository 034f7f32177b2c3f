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
from opencloud.storage.protocol import StorageDriver


def create_app(settings: Settings, *, driver: StorageDriver | None = None) -> Starlette:
    """Build the app. ``driver`` is opened from settings at startup unless given;
    either way the app closes it at shutdown."""
    return Starlette(
        routes=routes(),
        middleware=[Middleware(RequestIdMiddleware), Middleware(AuthMiddleware)],
        exception_handlers=exception_handlers(),
        lifespan=make_lifespan(settings, driver),
    )
