"""The assembled app on the real posix driver with a real user directory: an
admin from the configuration (real argon2 hash) and users made per test.
Requests go through the real authentication middleware."""

from __future__ import annotations

import base64
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from opencloud.app.factory import create_app
from opencloud.config.schema import (
    AdminSettings,
    AuthSettings,
    SecretSettings,
    Settings,
    StorageSettings,
)
from opencloud.services.auth.passwords import hash_password
from opencloud.services.auth.service import AuthService
from opencloud.storage.protocol import StorageDriver

ADMIN_PASSWORD = "admin-secret"


def basic(username: str, password: str) -> dict[str, str]:
    raw = base64.b64encode(f"{username}:{password}".encode()).decode()
    return {"Authorization": f"Basic {raw}"}


@pytest.fixture(scope="session")
def admin_hash() -> str:
    return hash_password(ADMIN_PASSWORD)


@pytest.fixture
def app_settings(data_path: Path, admin_hash: str) -> Settings:
    return Settings(
        data_path=str(data_path),
        url="https://cloud.example.org",
        storage=StorageSettings(storage_id=str(uuid.uuid4()), options={"watch": "off"}),
        secrets=SecretSettings(jwt_secret="s" * 43),
        admin=AdminSettings(user_id=str(uuid.uuid4()), password_hash=admin_hash),
        auth=AuthSettings(throttle_attempts=3, throttle_address_attempts=6),
    )


@pytest.fixture
def client(app_settings: Settings, driver: StorageDriver) -> Iterator[TestClient]:
    with TestClient(create_app(app_settings, driver=driver)) as test_client:
        yield test_client


@pytest.fixture
def auth(client: TestClient) -> AuthService:
    service = client.app_state["auth"]
    assert isinstance(service, AuthService)
    return service


@pytest.fixture
def admin_headers(auth: AuthService) -> dict[str, str]:
    """A session token of the admin (Bearer), so tests skip argon2 per request."""
    token, _ = auth.issue_jwt(auth.principal("admin"))
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture
def alice_headers(auth: AuthService) -> dict[str, str]:
    auth.create_user("alice", "", display_name="Alice")
    token, _ = auth.issue_jwt(auth.principal("alice"))
    return {"Authorization": f"Bearer {token}"}
