"""The auth service over the real posix driver on a temporary tree, real argon2."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest

from opencloud.config.schema import AdminSettings, AuthSettings, SecretSettings, Settings
from opencloud.services.auth.passwords import hash_password
from opencloud.services.auth.service import AuthService
from opencloud.storage.protocol import StorageDriver

ADMIN_PASSWORD = "admin-secret"


class Clock:
    """A monotonic clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture(scope="session")
def admin_hash() -> str:
    return hash_password(ADMIN_PASSWORD)


@pytest.fixture
def auth_settings(data_path: Path, admin_hash: str) -> Settings:
    return Settings(
        data_path=str(data_path),
        url="https://cloud.example.org",
        secrets=SecretSettings(jwt_secret="j" * 43),
        admin=AdminSettings(user_id=str(uuid.uuid4()), password_hash=admin_hash),
        auth=AuthSettings(throttle_attempts=3, throttle_address_attempts=5, throttle_window=60.0),
    )


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def auth(driver: StorageDriver, auth_settings: Settings, clock: Clock) -> AuthService:
    return AuthService(driver, auth_settings, monotonic=clock)
