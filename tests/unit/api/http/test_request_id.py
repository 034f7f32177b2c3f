"""Request ids: echoed when sane, generated otherwise, visible to handlers."""

from __future__ import annotations

import pytest
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route
from starlette.testclient import TestClient

from opencloud.api.http import context
from opencloud.api.http.request_id import RequestIdMiddleware, incoming_or_new


def _echo(request: Request) -> Response:
    return PlainTextResponse(context.request_id(request))


@pytest.fixture
def client() -> TestClient:
    app = Starlette(routes=[Route("/", _echo)], middleware=[Middleware(RequestIdMiddleware)])
    return TestClient(app)


def test_incoming_id_is_echoed_and_seen_by_the_handler(client: TestClient) -> None:
    response = client.get("/", headers={"X-Request-ID": "abc-123"})
    assert response.headers["x-request-id"] == "abc-123"
    assert response.text == "abc-123"


def test_missing_id_is_generated(client: TestClient) -> None:
    first, second = client.get("/"), client.get("/")
    assert len(first.headers["x-request-id"]) == 32
    assert first.headers["x-request-id"] == first.text
    assert first.headers["x-request-id"] != second.headers["x-request-id"]


@pytest.mark.parametrize("bad", ["has space", "x" * 129, "semi;colon", "", "ü"])
def test_unsafe_ids_are_replaced(bad: str) -> None:
    assert incoming_or_new(bad) != bad
    assert len(incoming_or_new(bad)) == 32


def test_accessor_refuses_a_request_without_state() -> None:
    request = Request({"type": "http", "method": "GET", "path": "/", "headers": []})
    with pytest.raises(RuntimeError, match="create_app"):
        context.files(request)
