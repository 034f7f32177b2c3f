"""``/status.php`` (what clients probe first) and the process probes.

``status.php`` answers exactly OpenCloud's fields, in its order: the desktop
client only needs ``installed`` and reads ``productversion``, but other tools
compare the whole body. ``/healthz`` says the process serves HTTP (liveness);
``/readyz`` says the storage is open and every background worker runs
(readiness: a load balancer stops sending traffic while it is 503).
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response

from opencloud import __version__
from opencloud.api.http import context
from opencloud.api.http.errors import status_for
from opencloud.api.http.product import status_for_version
from opencloud.api.http.responses import json_response
from opencloud.core.errors import StorageUnavailable


async def status_php(request: Request) -> Response:
    return json_response(status_for_version(__version__))


async def healthz(request: Request) -> Response:
    return PlainTextResponse("OK")


def readyz(request: Request) -> Response:
    readiness = context.health(request).readiness()
    if readiness.ready:
        return json_response(readiness)
    return json_response(readiness, status_code=status_for(StorageUnavailable))
