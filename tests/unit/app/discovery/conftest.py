"""An app on the real posix driver, with real users signed in.

Users are created through the app's own auth service and sign in with the
session JWT it issues (Bearer), so requests pass the real authentication
middleware without an argon2 hash per test.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from starlette.testclient import TestClient

from opencloud.services.auth.service import AuthService
from opencloud.services.auth.types import Principal

#: ``login(username, display_name=..., mail=..., role=..., groups=...)`` →
#: the user's Principal and the headers that sign them in.
Login = Callable[..., tuple[Principal, dict[str, str]]]


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
