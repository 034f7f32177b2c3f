"""Readiness as the lifespan reports it: driver open and no worker down."""

from __future__ import annotations

import contextlib
import logging
import threading
from collections.abc import AsyncIterator

import pytest
from starlette.applications import Starlette
from starlette.testclient import TestClient

from opencloud.api.http.context import AppState
from opencloud.app.factory import create_app
from opencloud.app.lifespan import AppHealth
from opencloud.app.routes import routes
from opencloud.app.workers import Supervisor
from opencloud.config.schema import Settings
from opencloud.core.errors import ConfigError
from opencloud.services.events.bus import InProcessBus
from opencloud.services.files.locks import LockTable
from opencloud.services.files.service import FilesService
from opencloud.services.spaces.service import SpacesService
from opencloud.storage.protocol import StorageDriver


class AlwaysCrashes:
    name = "crashy"

    def __init__(self) -> None:
        self.crashed = threading.Event()

    def run(self, stop: threading.Event) -> None:
        self.crashed.set()
        raise RuntimeError("backend gone")


def test_not_ready_until_driver_open() -> None:
    health = AppHealth(Supervisor([]))
    assert health.readiness().reasons == ["storage driver is not open"]
    health.driver_open = True
    assert health.readiness().ready


def test_crashed_worker_makes_readyz_503(
    driver: StorageDriver, caplog: pytest.LogCaptureFixture
) -> None:
    crashy = AlwaysCrashes()
    supervisor = Supervisor([crashy], initial_backoff=60.0)
    health = AppHealth(supervisor)
    health.driver_open = True

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[AppState]:
        supervisor.start()
        yield AppState(
            files=FilesService(driver, InProcessBus(), "s"),
            spaces=SpacesService(driver, "s"),
            locks=LockTable(driver),
            health=health,
        )
        supervisor.stop()

    with (
        caplog.at_level(logging.CRITICAL, logger="opencloud.app.workers"),
        TestClient(Starlette(routes=routes(), lifespan=lifespan)) as client,
    ):
        assert crashy.crashed.wait(10)
        response = client.get("/readyz")
        assert client.get("/healthz").status_code == 200  # alive, just not ready
    assert response.status_code == 503
    body = response.json()
    assert body["ready"] is False
    assert body["reasons"] == ["worker crashy is restarting (RuntimeError: backend gone)"]
    assert body["workers"][0]["restarts"] == 0


def test_uninitialised_settings_stop_startup(settings: Settings, driver: StorageDriver) -> None:
    bare = Settings(data_path=settings.data_path)
    with (
        pytest.raises(ConfigError, match="opencloud init"),
        TestClient(create_app(bare, driver=driver)),
    ):
        pass
