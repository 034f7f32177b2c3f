"""The live-update endpoint's refusals (the stream itself is tested against a
real server in tests/integration/test_sse.py: a test client cannot read an
endless body)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from starlette.testclient import TestClient

from opencloud.app.factory import end_streams

if TYPE_CHECKING:
    from .conftest import Login

SSE = "/ocs/v2.php/apps/notifications/api/v1/notifications/sse"


def test_only_get_and_only_under_v2(app_client: TestClient, login: Login) -> None:
    _, headers = login("alan")
    for method in ("POST", "PUT", "DELETE"):
        refused = app_client.request(method, SSE + "?format=json", headers=headers)
        assert refused.status_code == 405, (method, refused.text)
        assert refused.json()["ocs"]["meta"]["status"] == "failure"
    v1 = app_client.get(SSE.replace("v2.php", "v1.php") + "?format=json", headers=headers)
    assert v1.json()["ocs"]["meta"]["statuscode"] == 998  # OpenCloud serves it under v2 only


def test_a_shutting_down_server_refuses_new_streams(app_client: TestClient, login: Login) -> None:
    _, headers = login("alan")
    end_streams(app_client.app)  # what SIGTERM does first
    refused = app_client.get(SSE + "?format=json", headers=headers)
    assert refused.status_code == 503
    assert refused.headers["Retry-After"]
    assert "shutting down" in refused.json()["ocs"]["meta"]["message"]


def test_no_credentials_is_401_in_the_ocs_envelope(app_client: TestClient) -> None:
    refused = app_client.get(SSE + "?format=json")
    assert refused.status_code == 401
    assert refused.json()["ocs"]["meta"]["statuscode"] == 997
