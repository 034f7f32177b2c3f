"""The one way handlers reach their collaborators: typed accessors over the
lifespan state.

The app's lifespan yields an ``AppState``; Starlette hands every request a
shallow copy as ``request.state``. Nothing is global: two apps in one process
(as in tests) never share services. An accessor that finds the wrong thing
raises RuntimeError, a wiring bug that the error middleware turns into a 500.
"""

from __future__ import annotations

from typing import NotRequired, TypedDict, TypeVar

from starlette.requests import Request

from opencloud.api.http.features import Features
from opencloud.api.http.health import HealthSource
from opencloud.services.auth.service import AuthService
from opencloud.services.auth.types import Principal
from opencloud.services.files.locks import LockTable
from opencloud.services.files.service import FilesService
from opencloud.services.files.uploads import Uploads
from opencloud.services.notify.streams import StreamHub
from opencloud.services.shares.links import LinksService
from opencloud.services.shares.service import SharesService
from opencloud.services.spaces.service import SpacesService

_T = TypeVar("_T")


class AppState(TypedDict):
    """What the lifespan yields; the keys are the accessor names below."""

    files: FilesService
    spaces: SpacesService
    locks: LockTable
    #: shares of files and folders (``services/shares``)
    shares: NotRequired[SharesService]
    #: public links (``services/shares/links.py``)
    links: NotRequired[LinksService]
    #: users, groups, credentials (not required: tests may build a state without it)
    auth: NotRequired[AuthService]
    health: HealthSource
    #: TUS sessions and NG chunk uploads (``services/files/uploads.py``)
    uploads: NotRequired[Uploads]
    #: what works (the capabilities document); see ``api/http/features.py``
    features: NotRequired[Features]
    #: the public URL clients reach the server at (``OC_URL``), no trailing slash
    public_url: NotRequired[str]
    #: open live-update streams (``services/notify/streams.py``)
    streams: NotRequired[StreamHub]
    #: seconds between keep-alive comments on an idle event stream
    sse_keepalive: NotRequired[float]


def files(request: Request) -> FilesService:
    return _get(request, "files", FilesService)


def shares(request: Request) -> SharesService:
    return _get(request, "shares", SharesService)


def links(request: Request) -> LinksService:
    return _get(request, "links", LinksService)


def locks(request: Request) -> LockTable:
    return _get(request, "locks", LockTable)


def spaces(request: Request) -> SpacesService:
    return _get(request, "spaces", SpacesService)


def uploads(request: Request) -> Uploads:
    return _get(request, "uploads", Uploads)


def auth(request: Request) -> AuthService:
    return _get(request, "auth", AuthService)


def streams(request: Request) -> StreamHub:
    return _get(request, "streams", StreamHub)


def sse_keepalive(request: Request) -> float:
    return _get(request, "sse_keepalive", float)


def principal(request: Request) -> Principal:
    """The signed-in user, set by the authentication middleware on every
    protected path. A handler behind it can rely on it being there."""
    return _get(request, "principal", Principal)


def optional_principal(request: Request) -> Principal | None:
    """The signed-in user on a path that also answers anonymous callers."""
    value = getattr(request.state, "principal", None)
    return value if isinstance(value, Principal) else None


def features(request: Request) -> Features:
    return _get(request, "features", Features)


def public_url(request: Request) -> str:
    """``OC_URL`` without a trailing slash, for absolute links in answers."""
    return _get(request, "public_url", str)


def base_url(request: Request) -> str:
    """``OC_URL``, or the request's own origin where the state has none (tests)."""
    value = getattr(request.state, "public_url", None)
    if isinstance(value, str):
        return value
    return f"{request.url.scheme}://{request.url.netloc}"


def health(request: Request) -> HealthSource:
    return _get(request, "health", HealthSource)  # type: ignore[type-abstract]


#: Longest ``Initiator-ID`` echoed back (a client's tab or device id is a UUID).
MAX_INITIATOR = 128


def initiator_id(request: Request) -> str:
    """The client's ``Initiator-ID`` header (cut to ``MAX_INITIATOR``): the
    live update of the change this request makes carries it, so that client
    can tell its own changes from everyone else's."""
    return request.headers.get("initiator-id", "")[:MAX_INITIATOR]


def request_id(request: Request) -> str:
    """The id of this request (``X-Request-ID``), set by the request-id middleware."""
    return _get(request, "request_id", str)


def _get(request: Request, key: str, kind: type[_T]) -> _T:
    value = getattr(request.state, key, None)
    if not isinstance(value, kind):
        raise RuntimeError(f"request state has no {key!r}: was the app built by create_app?")
    return value
