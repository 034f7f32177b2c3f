"""THE route table. Every URL the server answers is listed here, in one place,
so ``tests/docs`` can check each is documented and nobody has to hunt for a
route registered in some module's import side effect."""

from __future__ import annotations

from starlette.routing import BaseRoute, Route

from opencloud.api.status.endpoints import healthz, readyz, status_php


def routes() -> list[BaseRoute]:
    return [
        Route("/status.php", status_php, methods=["GET"]),
        Route("/healthz", healthz, methods=["GET"]),
        Route("/readyz", readyz, methods=["GET"]),
    ]
