"""An app on the real posix driver, with real users signed in.

Users are created through the app's own auth service and sign in with the
session JWT it issues (Bearer), so requests pass the real authentication
middleware without an argon2 hash per test.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator

import pytest
from starlette.testclient import TestClient

from opencloud.app.factory import create_app
from opencloud.config.schema import Settings
from opencloud.services.auth.service import AuthService
from opencloud.services.auth.types import Principal
from opencloud.services.files.service import FilesService
from opencloud.services.spaces.service import SpacesService
from opencloud.storage.protocol import StorageDriver

#: ``login(username, display_name=..., mail=..., role=..., groups=...)`` →
#: the user's Principal and the headers that sign them in.
Login = Callable[..., tuple[Principal, dict[str, str]]]


@pytest.fixture
def app_client(settings: Settings, driver: StorageDriver) -> Iterator[TestClient]:
    """A running app; requests carry no credentials unless given."""
    with TestClient(create_app(settings, driver=driver)) as test_client:
        _wait_for_startup_scan(driver)
        yield test_client


def _wait_for_startup_scan(driver: StorageDriver) -> None:
    """Let the posix driver's startup scan finish before creating users: a space
    created while it lists the tree can be dropped from its index (the scan's
    ``register_spaces`` races ``create_space``; a driver bug, reported)."""
    index = getattr(getattr(driver, "tree", None), "index", None)
    deadline = time.monotonic() + 10
    while index is not None and not index.scanned and time.monotonic() < deadline:
        time.sleep(0.005)


@pytest.fixture
def auth(app_client: TestClient) -> AuthService:
    service = app_client.app_state["auth"]
    assert isinstance(service, AuthService)
    return service


@pytest.fixture
def login(auth: AuthService) -> Login:
    def make(
        username: str,
        *,
        display_name: str = "",
        mail: str = "",
        role: str = "user",
        groups: tuple[str, ...] = (),
    ) -> tuple[Principal, dict[str, str]]:
        auth.create_user(username, "", display_name=display_name, mail=mail, role=role)
        for group in groups:
            auth.create_group(group, members=[username])
        principal = auth.principal(username)
        token, _ = auth.issue_jwt(principal)
        return principal, {"Authorization": f"Bearer {token}"}

    return make


@pytest.fixture
def alice(login: Login) -> tuple[Principal, dict[str, str]]:
    return login(
        "alice", display_name="Alice Hansen", mail="alice@example.org", groups=("sales", "users")
    )


@pytest.fixture
def client(app_client: TestClient, alice: tuple[Principal, dict[str, str]]) -> TestClient:
    """Requests as alice."""
    app_client.headers.update(alice[1])
    return app_client


@pytest.fixture
def me(alice: tuple[Principal, dict[str, str]]) -> Principal:
    return alice[0]


@pytest.fixture
def anonymous(app_client: TestClient) -> TestClient:
    """Requests without credentials."""
    return app_client


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
