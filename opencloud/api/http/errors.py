"""THE error table: ``opencloud.core.errors`` type → HTTP status, code and headers.

Domain code raises ``core.errors`` types and never chooses a status; this module
is the only place that does. The body takes the form the protocol's clients
parse, chosen by the request path (``error_format``): WebDAV paths get Sabre's
``<d:error>`` XML (what ownCloud/OpenCloud clients read), OCS paths the OCS
envelope, everything else LibreGraph's ``{"error": {"code", "message"}}``.

Lookup walks the exception's MRO, so a subclass (``InvalidName``) maps like its
parent (``InvalidInput``) unless the table names it.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping

import msgspec
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import HTTPExceptionHandler

from opencloud.api.http.formats import ErrorFormat, error_format, render_error
from opencloud.core.errors import (
    AlreadyExists,
    Conflict,
    InvalidInput,
    Locked,
    NotFound,
    NotSupported,
    OpenCloudError,
    PermissionDenied,
    PreconditionFailed,
    QuotaExceeded,
    ServiceUnavailable,
    StorageUnavailable,
    Throttled,
    TooLarge,
    Unauthenticated,
)

log = logging.getLogger(__name__)

#: The challenge of a 401. Browsers get Bearer tokens from ``/auth/token`` and
#: never see this header's dialog because they send ``X-Requested-With``.
BASIC_CHALLENGE = 'Basic realm="OpenCloud", charset="UTF-8"'


class ErrorInfo(msgspec.Struct, frozen=True):
    """How one kind of failure looks on the wire."""

    status: int
    code: str  # LibreGraph error.code
    headers: Mapping[str, str] = {}


#: core error → wire form. Order does not matter: lookup is by the exception's MRO.
ERROR_TABLE: Mapping[type[OpenCloudError], ErrorInfo] = {
    NotFound: ErrorInfo(404, "itemNotFound"),
    Unauthenticated: ErrorInfo(401, "unauthenticated", {"WWW-Authenticate": BASIC_CHALLENGE}),
    Throttled: ErrorInfo(429, "tooManyRequests"),
    PermissionDenied: ErrorInfo(403, "accessDenied"),
    AlreadyExists: ErrorInfo(409, "nameAlreadyExists"),
    Conflict: ErrorInfo(409, "conflict"),
    PreconditionFailed: ErrorInfo(412, "preconditionFailed"),
    Locked: ErrorInfo(423, "itemIsLocked"),
    QuotaExceeded: ErrorInfo(507, "quotaLimitReached"),
    TooLarge: ErrorInfo(413, "invalidRequest"),
    InvalidInput: ErrorInfo(400, "invalidRequest"),
    NotSupported: ErrorInfo(501, "notSupported"),
    StorageUnavailable: ErrorInfo(503, "serviceNotAvailable", {"Retry-After": "30"}),
    ServiceUnavailable: ErrorInfo(503, "serviceNotAvailable", {"Retry-After": "5"}),
}

#: Anything not in the table, including bugs: logged once with the request id.
UNEXPECTED = ErrorInfo(500, "generalException")

#: Codes for Starlette's own HTTPException (unknown route, wrong method).
_HTTP_CODES = {404: "itemNotFound", 405: "notAllowed"}


def error_info(exc: BaseException | type[BaseException]) -> ErrorInfo:
    """The wire form for an exception (instance or class)."""
    cls = exc if isinstance(exc, type) else type(exc)
    for base in cls.__mro__:
        info = ERROR_TABLE.get(base)
        if info is not None:
            return info
    return UNEXPECTED


def status_for(exc: BaseException | type[BaseException]) -> int:
    return error_info(exc).status


def error_headers(exc: BaseException, info: ErrorInfo) -> dict[str, str]:
    """The table's headers plus those that depend on the instance."""
    headers = dict(info.headers)
    if isinstance(exc, Throttled):
        headers["Retry-After"] = str(exc.retry_after)
    return headers


def error_response(
    info: ErrorInfo,
    message: str,
    *,
    path: str = "",
    fmt: ErrorFormat | None = None,
    headers: Mapping[str, str] | None = None,
) -> Response:
    """The error body for ``info`` in the form of the protocol that ``path`` (or
    ``fmt``) belongs to."""
    body, media_type, status = render_error(
        fmt or error_format(path), info.status, info.code, message, exception=_sabre_name(info)
    )
    return Response(
        body,
        status_code=status,
        headers=dict(headers if headers is not None else info.headers),
        media_type=media_type,
    )


def exception_response(exc: OpenCloudError, *, path: str = "") -> Response:
    """The response for a domain error raised while serving ``path``."""
    info = error_info(exc)
    return error_response(info, exc.message, path=path, headers=error_headers(exc, info))


def unexpected_response(request_id: str, *, path: str = "") -> Response:
    """The 500 for a failure we did not foresee; the id lets an admin find the log line."""
    return error_response(UNEXPECTED, f"internal server error (request id {request_id})", path=path)


#: Sabre exception class names by status, as ownCloud's clients parse them.
_SABRE = {
    400: "BadRequest",
    401: "NotAuthenticated",
    403: "Forbidden",
    404: "NotFound",
    405: "MethodNotAllowed",
    409: "Conflict",
    412: "PreconditionFailed",
    415: "UnsupportedMediaType",
    423: "Locked",
    429: "TooManyRequests",
    501: "NotImplemented",
    503: "ServiceUnavailable",
    507: "InsufficientStorage",
}


def _sabre_name(info: ErrorInfo) -> str:
    if info.status == 413:
        return "Sabre\\DAV\\Exception\\BadRequest"
    return "Sabre\\DAV\\Exception\\" + _SABRE.get(info.status, "ServiceUnavailable")


async def handle_opencloud_error(request: Request, exc: Exception) -> Response:
    """Starlette handler for every ``core.errors`` type."""
    assert isinstance(exc, OpenCloudError)
    info = error_info(exc)
    if info.status >= 500:
        rid = getattr(request.state, "request_id", "-")
        log.warning("%s %s: %s (request id %s)", request.method, request.url.path, exc, rid)
    return error_response(
        info, exc.message, fmt=request_error_format(request), headers=error_headers(exc, info)
    )


async def handle_http_exception(request: Request, exc: Exception) -> Response:
    """Starlette's own errors (no such route, method not allowed) in the same shape."""
    assert isinstance(exc, HTTPException)
    code = _HTTP_CODES.get(exc.status_code)
    if code is None:
        code = UNEXPECTED.code if exc.status_code >= 500 else "invalidRequest"
    info = ErrorInfo(exc.status_code, code, exc.headers or {})
    return error_response(info, exc.detail, fmt=request_error_format(request))


def request_error_format(request: Request) -> ErrorFormat:
    """The error form for ``request``: by its path, and for OCS by ``format=``."""
    return error_format(request.url.path, request.url.query)


def exception_handlers() -> dict[type[Exception], HTTPExceptionHandler]:
    """For ``Starlette(exception_handlers=...)``. Unknown exceptions are not here:
    the request-id middleware catches them, so they are logged exactly once."""
    return {OpenCloudError: handle_opencloud_error, HTTPException: handle_http_exception}
