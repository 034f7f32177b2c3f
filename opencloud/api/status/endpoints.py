"""``/status.php`` (what clients probe first) and the process probes.

``status.php`` answers exactly OpenCloud's fields, in its order: the desktop
client only needs ``installed`` and reads ``productversion``, but other tools
compare the whole body. ``/healthz`` says the process serves HTTP (liveness);
``/readyz`` says the storage is open and every background worker runs
(readiness: a load balancer stops sending traffic while it is 503).
"""

from __future__ import annotations

import re

import msgspec
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response

from opencloud import __version__
from opencloud.api.http import context
from opencloud.api.http.errors import status_for
from opencloud.api.http.responses import json_response
from opencloud.core.errors import StorageUnavailable


class Status(msgspec.Struct, frozen=True, kw_only=True):
    """reva ``pkg/owncloud/ocs`` ``Status``; ``hostname`` is left out as reva does when empty."""

    installed: bool = True
    maintenance: bool = False
    needs_db_upgrade: bool = msgspec.field(default=False, name="needsDbUpgrade")
    version: str
    versionstring: str
    edition: str = "Community"
    productname: str = "OpenCloud"
    product: str = "OpenCloud"
    productversion: str
    channel: str = ""


def status_for_version(version: str) -> Status:
    """``version`` is the legacy four-part form (``0.1.0.0``), ``versionstring``
    the ``x.y.z`` core of our version, ``productversion`` our version as is."""
    match = re.match(r"^(\d+)\.(\d+)\.(\d+)", version)
    core = ".".join(match.groups()) if match else "0.0.0"
    return Status(version=f"{core}.0", versionstring=core, productversion=version)


async def status_php(request: Request) -> Response:
    return json_response(status_for_version(__version__))


async def healthz(request: Request) -> Response:
    return PlainTextResponse("OK")


def readyz(request: Request) -> Response:
    readiness = context.health(request).readiness()
    if readiness.ready:
        return json_response(readiness)
    return json_response(readiness, status_code=status_for(StorageUnavailable))
