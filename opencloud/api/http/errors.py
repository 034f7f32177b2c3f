"""THE error table: ``opencloud.core.errors`` type → HTTP status, code and headers.

Domain code raises ``core.errors`` types and never chooses a status; this module
is the only place that does. Protocol adapters (WebDAV, OCS, Graph) will render
their own bodies from the same ``ErrorInfo``; until they exist every error is
rendered as JSON in LibreGraph's shape, ``{"error": {"code", "message"}}``, with
LibreGraph's codes (clients already parse those).

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

from opencloud.api.http.responses import json_response
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
    StorageUnavailable,
    TooLarge,
    Unauthenticated,
)

log = logging.getLogger(__name__)


class ErrorInfo(msgspec.Struct, frozen=True):
    """How one kind of failure looks on the wire."""

    status: int
    code: str  # LibreGraph error.code
    headers: Mapping[str, str] = {}


class ErrorDetail(msgspec.Struct, frozen=True):
    code: str
    message: str


class ErrorBody(msgspec.Struct, frozen=True):
    error: ErrorDetail


#: core error → wire form. Order does not matter: lookup is by the exception's MRO.
ERROR_TABLE: Mapping[type[OpenCloudError], ErrorInfo] = {
    NotFound: ErrorInfo(404, "itemNotFound"),
    # The auth adapter will pick the challenge (Basic or Bearer) per request.
    Unauthenticated: ErrorInfo(
        401, "unauthenticated", {"WWW-Authenticate": 'Basic realm="OpenCloud", charset="UTF-8"'}
    ),
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


def error_response(info: ErrorInfo, message: str) -> Response:
    """The JSON error body for ``info``."""
    body = ErrorBody(ErrorDetail(info.code, message))
    return json_response(body, status_code=info.status, headers=info.headers)


def unexpected_response(request_id: str) -> Response:
    """The 500 for a failure we did not foresee; the id lets an admin find the log line."""
    return error_response(UNEXPECTED, f"internal server error (request id {request_id})")


async def handle_opencloud_error(request: Request, exc: Exception) -> Response:
    """Starlette handler for every ``core.errors`` type."""
    assert isinstance(exc, OpenCloudError)
    info = error_info(exc)
    if info.status >= 500:
        rid = getattr(request.state, "request_id", "-")
        log.warning("%s %s: %s (request id %s)", request.method, request.url.path, exc, rid)
    return error_response(info, exc.message)


async def handle_http_exception(request: Request, exc: Exception) -> Response:
    """Starlette's own errors (no such route, method not allowed) in the same shape."""
    assert isinstance(exc, HTTPException)
    code = _HTTP_CODES.get(exc.status_code)
    if code is None:
        code = UNEXPECTED.code if exc.status_code >= 500 else "invalidRequest"
    info = ErrorInfo(exc.status_code, code, exc.headers or {})
    return error_response(info, exc.detail)


def exception_handlers() -> dict[type[Exception], HTTPExceptionHandler]:
    """For ``Starlette(exception_handlers=...)``. Unknown exceptions are not here:
    the request-id middleware catches them, so they are logged exactly once."""
    return {OpenCloudError: handle_opencloud_error, HTTPException: handle_http_exception}
