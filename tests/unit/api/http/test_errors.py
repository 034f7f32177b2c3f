"""THE error table and its rendering: every core error has one status, and
anything unforeseen is a 500 logged once with the request id."""

from __future__ import annotations

import logging

import pytest
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route
from starlette.testclient import TestClient

from opencloud.api.http.errors import (
    ERROR_TABLE,
    UNEXPECTED,
    error_headers,
    error_info,
    error_response,
    exception_handlers,
    status_for,
)
from opencloud.api.http.formats import error_format
from opencloud.api.http.request_id import RequestIdMiddleware
from opencloud.core import errors

# aesthetics.md §3.6, the default column.
EXPECTED = [
    (errors.NotFound, 404, "itemNotFound"),
    (errors.Unauthenticated, 401, "unauthenticated"),
    (errors.PermissionDenied, 403, "accessDenied"),
    (errors.AlreadyExists, 409, "nameAlreadyExists"),
    (errors.Conflict, 409, "conflict"),
    (errors.PreconditionFailed, 412, "preconditionFailed"),
    (errors.Locked, 423, "itemIsLocked"),
    (errors.QuotaExceeded, 507, "quotaLimitReached"),
    (errors.TooLarge, 413, "invalidRequest"),
    (errors.InvalidInput, 400, "invalidRequest"),
    (errors.InvalidName, 400, "invalidRequest"),
    (errors.PathEscapes, 400, "invalidRequest"),
    (errors.ChecksumMismatch, 400, "invalidRequest"),
    (errors.NotSupported, 501, "notSupported"),
    (errors.StorageUnavailable, 503, "serviceNotAvailable"),
    (errors.ServiceUnavailable, 503, "serviceNotAvailable"),
    (errors.Throttled, 429, "tooManyRequests"),
    (errors.ConfigError, 500, "generalException"),
    (errors.OpenCloudError, 500, "generalException"),
    (RuntimeError, 500, "generalException"),
]


@pytest.mark.parametrize(("exc", "status", "code"), EXPECTED)
def test_table(exc: type[Exception], status: int, code: str) -> None:
    instance = exc("x", retry_after=3) if exc is errors.Throttled else exc("x")
    info = error_info(instance)
    assert (info.status, info.code) == (status, code)
    assert status_for(exc) == status


def test_every_core_error_is_decided() -> None:
    """A new error type must be added to the table (or knowingly left at 500 here)."""
    core = {
        cls
        for cls in vars(errors).values()
        if isinstance(cls, type) and issubclass(cls, errors.OpenCloudError)
    }
    assert core == {row[0] for row in EXPECTED if row[0] is not RuntimeError}
    assert set(ERROR_TABLE) <= core


def test_quota_exceeded_keeps_its_space() -> None:
    assert error_info(errors.QuotaExceeded("full", space="s")).status == 507


def _raise(exc: Exception) -> Route:
    def endpoint(request: Request) -> Response:
        raise exc

    return Route(f"/{type(exc).__name__}", endpoint)


ROUTE_ERRORS: list[Exception] = [
    errors.NotFound("no such file: /a"),
    errors.Unauthenticated("who are you"),
    errors.StorageUnavailable("disk unplugged"),
    errors.InvalidName("a name may not contain a slash"),
    ZeroDivisionError("bug"),
]


@pytest.fixture
def client() -> TestClient:
    app = Starlette(
        routes=[_raise(exc) for exc in ROUTE_ERRORS],
        middleware=[Middleware(RequestIdMiddleware)],
        exception_handlers=exception_handlers(),
    )
    return TestClient(app)


def test_core_error_renders_json_with_its_message(client: TestClient) -> None:
    response = client.get("/NotFound")
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("application/json")
    assert response.json() == {"error": {"code": "itemNotFound", "message": "no such file: /a"}}
    assert client.get("/InvalidName").json()["error"]["code"] == "invalidRequest"


def test_error_headers(client: TestClient) -> None:
    assert "Basic" in client.get("/Unauthenticated").headers["www-authenticate"]
    assert client.get("/StorageUnavailable").headers["retry-after"] == "30"


def test_unexpected_error_is_500_logged_once_with_request_id(
    client: TestClient, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.DEBUG):
        response = client.get("/ZeroDivisionError", headers={"X-Request-ID": "req-42"})
    assert response.status_code == 500
    assert response.headers["x-request-id"] == "req-42"
    body = response.json()
    assert body["error"]["code"] == UNEXPECTED.code
    assert "req-42" in body["error"]["message"]
    assert "bug" not in body["error"]["message"]  # internals stay in the log
    logged = [r for r in caplog.records if r.exc_info]
    assert len(logged) == 1
    assert "req-42" in logged[0].getMessage()
    assert "ZeroDivisionError" in caplog.text


def test_service_unavailable_is_logged_with_request_id(
    client: TestClient, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING, logger="opencloud.api.http.errors"):
        response = client.get("/StorageUnavailable", headers={"X-Request-ID": "r-1"})
    assert response.status_code == 503
    assert "r-1" in caplog.text
    assert "disk unplugged" in caplog.text


def test_throttled_tells_when_to_retry() -> None:
    exc = errors.Throttled("slow down", retry_after=7)
    assert error_headers(exc, error_info(exc))["Retry-After"] == "7"


@pytest.mark.parametrize(
    ("path", "fmt"),
    [
        ("/dav/spaces/x", "dav"),
        ("/remote.php/dav/files/u/a", "dav"),
        ("/remote.php/webdav/a", "dav"),
        ("/webdav", "dav"),
        ("/ocs/v1.php/cloud/user", "ocs-v1"),
        ("/ocs/v2.php/cloud/user", "ocs-v2"),
        ("/graph/v1.0/me", "json"),
        ("/davx", "json"),
    ],
)
def test_error_format_follows_the_path(path: str, fmt: str) -> None:
    assert error_format(path) == fmt


def test_dav_errors_are_sabre_xml() -> None:
    response = error_response(error_info(errors.NotFound), "no <such> file", path="/dav/spaces/x")
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/xml; charset=utf-8"
    body = bytes(response.body).decode()
    assert "<s:exception>Sabre\\DAV\\Exception\\NotFound</s:exception>" in body
    assert "<s:message>no &lt;such&gt; file</s:message>" in body


def test_ocs_v1_errors_are_200_with_the_failure_in_meta() -> None:
    response = error_response(error_info(errors.NotFound), "nope", path="/ocs/v1.php/x")
    assert response.status_code == 200
    assert b'"statuscode":998' in bytes(response.body)
    v2 = error_response(error_info(errors.NotFound), "nope", path="/ocs/v2.php/x")
    assert v2.status_code == 404
