"""Requests the surface does not serve get a clear 4xx, never a 500."""

from __future__ import annotations

import pytest
from starlette.testclient import TestClient

from opencloud.app.factory import create_app
from opencloud.config.schema import Settings
from opencloud.storage.protocol import StorageDriver


@pytest.mark.parametrize("method", ["POST", "PUT", "DELETE", "PATCH"])
@pytest.mark.parametrize("path", ["/status.php", "/healthz", "/readyz"])
def test_wrong_method_is_405(
    settings: Settings, driver: StorageDriver, method: str, path: str
) -> None:
    with TestClient(create_app(settings, driver=driver)) as client:
        response = client.request(method, path, content=b"x" * 1024)
    assert response.status_code == 405
    assert "GET" in response.headers.get("allow", "")


@pytest.mark.parametrize(
    "path",
    ["/nope", "/status.php/../../etc/passwd", "/%2e%2e/%2e%2e/etc/passwd", "/status.php%00"],
)
def test_unknown_and_hostile_paths_are_404(
    settings: Settings, driver: StorageDriver, path: str
) -> None:
    with TestClient(create_app(settings, driver=driver)) as client:
        response = client.get(path)
    assert response.status_code == 404
    assert "root:" not in response.text


def test_junk_query_and_headers_do_not_matter(settings: Settings, driver: StorageDriver) -> None:
    with TestClient(create_app(settings, driver=driver)) as client:
        response = client.get(
            "/status.php?format=json&x=%ff%fe" + "&a=b" * 500,
            headers={"Accept": "\x7f/\x7f", "X-Request-ID": "a" * 5000},
        )
    assert response.status_code == 200
    assert response.json()["installed"] is True
    echoed = response.headers["x-request-id"]
    assert echoed != "a" * 5000  # an insane id is replaced, never echoed into logs
    assert 0 < len(echoed) <= 128
