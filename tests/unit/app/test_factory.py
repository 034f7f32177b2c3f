"""The assembled app over the real posix driver, in process (Starlette TestClient)."""

from __future__ import annotations

import json
import uuid

from starlette.testclient import TestClient

from opencloud import __version__
from opencloud.app.factory import create_app
from opencloud.config.schema import Settings
from opencloud.core.ids import SpaceId
from opencloud.storage.protocol import StorageDriver
from opencloud.storage.registry import load_driver

STATUS_FIELDS = [
    "installed",
    "maintenance",
    "needsDbUpgrade",
    "version",
    "versionstring",
    "edition",
    "productname",
    "product",
    "productversion",
    "channel",
]


def test_status_php(settings: Settings, driver: StorageDriver) -> None:
    with TestClient(create_app(settings, driver=driver)) as client:
        response = client.get("/status.php")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/json")
    body = json.loads(response.text)
    assert list(body) == STATUS_FIELDS  # OpenCloud's fields, in OpenCloud's order
    assert body["installed"] is True
    assert body["maintenance"] is False
    assert body["needsDbUpgrade"] is False
    assert body["productversion"] == __version__
    assert body["edition"] == "Community"
    assert body["productname"] == body["product"] == "OpenCloud"
    assert body["channel"] == ""


def test_health_and_readiness(settings: Settings, driver: StorageDriver) -> None:
    with TestClient(create_app(settings, driver=driver)) as client:
        assert client.get("/healthz").text == "OK"
        ready = client.get("/readyz")
    assert ready.status_code == 200
    body = ready.json()
    assert body["ready"] is True
    assert body["reasons"] == []
    assert [w["name"] for w in body["workers"]] == ["live-updates", "watcher"]


def test_driver_is_loaded_from_settings_and_closed_at_shutdown(settings: Settings) -> None:
    with TestClient(create_app(settings)) as client:
        assert client.get("/readyz").status_code == 200
    # Closed: a new driver on the same tree opens and works.
    drv = load_driver("posix", {"base_data_path": settings.data_path, "watch": "off"})
    try:
        user = str(uuid.uuid4())
        drv.create_space(SpaceId(user), kind="personal", name="u", owner=user)
    finally:
        drv.close()


def test_unknown_route_is_json_404_with_request_id(
    settings: Settings, driver: StorageDriver
) -> None:
    with TestClient(create_app(settings, driver=driver)) as client:
        response = client.get("/no/such/thing")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "itemNotFound"
    assert response.headers["x-request-id"]


def test_wrong_method_is_json_405(settings: Settings, driver: StorageDriver) -> None:
    with TestClient(create_app(settings, driver=driver)) as client:
        response = client.post("/status.php")
    assert response.status_code == 405
    assert response.json()["error"]["code"] == "notAllowed"
    assert "GET" in response.headers["allow"]
