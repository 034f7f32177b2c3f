"""A running app on the real posix driver, and its services, for every app
test package (each adds its own users and helpers on top)."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest
from starlette.testclient import TestClient

from opencloud.app.factory import create_app
from opencloud.config.schema import Settings
from opencloud.services.auth.service import AuthService
from opencloud.services.files.service import FilesService
from opencloud.services.shares.service import SharesService
from opencloud.services.spaces.service import SpacesService
from opencloud.storage.protocol import StorageDriver


@pytest.fixture
def app_client(settings: Settings, driver: StorageDriver) -> Iterator[TestClient]:
    """A running app; requests carry no credentials unless given. Waits for
    the driver's startup scan, so a test starts from a settled tree."""
    with TestClient(create_app(settings, driver=driver)) as test_client:
        index = getattr(getattr(driver, "tree", None), "index", None)
        deadline = time.monotonic() + 10
        while index is not None and not index.scanned and time.monotonic() < deadline:
            time.sleep(0.005)
        yield test_client


@pytest.fixture
def auth(app_client: TestClient) -> AuthService:
    service = app_client.app_state["auth"]
    assert isinstance(service, AuthService)
    return service


@pytest.fixture
def files(app_client: TestClient) -> FilesService:
    """The running app's files service (to change things behind the API)."""
    service = app_client.app_state["files"]
    assert isinstance(service, FilesService)
    return service


@pytest.fixture
def spaces(app_client: TestClient) -> SpacesService:
    service = app_client.app_state["spaces"]
    assert isinstance(service, SpacesService)
    return service


@pytest.fixture
def shares(app_client: TestClient) -> SharesService:
    service = app_client.app_state["shares"]
    assert isinstance(service, SharesService)
    return service
