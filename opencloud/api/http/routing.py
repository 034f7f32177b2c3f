"""A route for whole URL subtrees, matched by prefix.

Starlette's ``{rest:path}`` does not match a path containing a line feed,
so ``PUT /webdav/a%0Ab`` would fall through to a bare 404 instead of reaching
the WebDAV adapter, which refuses the name with a proper 400.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from starlette.routing import BaseRoute, Match, NoMatchFound
from starlette.types import ASGIApp, Receive, Scope, Send


class PrefixRoute(BaseRoute):
    """Hands ``/prefix`` and everything below it (``/prefix/…``) to ``app``."""

    def __init__(self, prefixes: Iterable[str], app: ASGIApp) -> None:
        self.prefixes = tuple(p.rstrip("/") for p in prefixes)
        self.app = app

    def matches(self, scope: Scope) -> tuple[Match, Scope]:
        if scope["type"] == "http":
            path: str = scope["path"]
            for prefix in self.prefixes:
                if path == prefix or path.startswith(prefix + "/"):
                    return Match.FULL, {}
        return Match.NONE, {}

    def url_path_for(self, name: str, /, **path_params: Any) -> Any:
        raise NoMatchFound(name, path_params)

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        await self.app(scope, receive, send)
