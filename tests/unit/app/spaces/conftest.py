"""Project spaces through LibreGraph, on the real app and the posix driver.

Users sign in with the session JWT the app's own auth service issues. ``As``
sends requests as one user; ``alice`` is a space admin (she may create
spaces), ``bob`` and ``carol`` are plain users, ``root`` is an admin.
"""

from __future__ import annotations

from typing import Any

import httpx2 as httpx
import pytest
from starlette.testclient import TestClient

from opencloud.services.auth.service import AuthService
from opencloud.services.auth.types import Principal

MANAGER = "312c0871-5ef7-4b3a-85b6-0e4074c64049"
EDITOR = "58c63c02-1d89-4572-916a-870abc5a1b7d"
VIEWER = "a8d5fe5e-96e3-418d-825b-534dbdf22b99"
ITEM_VIEWER = "b1e2218d-eef8-4d4c-b82d-0f1a1b48f3b5"


class As:
    """Requests to the app as one signed-in user."""

    def __init__(self, client: TestClient, principal: Principal, headers: dict[str, str]) -> None:
        self.client = client
        self.who = principal
        self.headers = headers

    @property
    def id(self) -> str:
        return self.who.id

    def request(self, method: str, url: str, **kwargs: Any) -> httpx.Response:
        headers = {**self.headers, **kwargs.pop("headers", {})}
        return self.client.request(method, url, headers=headers, **kwargs)

    def get(self, url: str, **kwargs: Any) -> httpx.Response:
        return self.request("GET", url, **kwargs)

    def post(self, url: str, **kwargs: Any) -> httpx.Response:
        return self.request("POST", url, **kwargs)

    def patch(self, url: str, **kwargs: Any) -> httpx.Response:
        return self.request("PATCH", url, **kwargs)

    def delete(self, url: str, **kwargs: Any) -> httpx.Response:
        return self.request("DELETE", url, **kwargs)

    def create(self, name: str = "Apollo", **body: Any) -> dict[str, Any]:
        """A new project space (the caller must be allowed to create one)."""
        response = self.post("/graph/v1.0/drives", json={"name": name, **body})
        assert response.status_code == 201, response.text
        drive: dict[str, Any] = response.json()
        return drive

    def invite(self, drive_id: str, user: As, role: str) -> httpx.Response:
        return self.post(
            f"/graph/v1beta1/drives/{drive_id}/root/invite",
            json={
                "recipients": [{"objectId": user.id, "@libre.graph.recipient.type": "user"}],
                "roles": [role],
            },
        )

    def drives(self, url: str = "/graph/v1.0/me/drives") -> list[dict[str, Any]]:
        response = self.get(url)
        assert response.status_code == 200, response.text
        value: list[dict[str, Any]] = response.json()["value"]
        # the virtual Shares drive is tested with sharing (tests/unit/app/sharing)
        return [d for d in value if d["driveType"] != "virtual"]


def error(response: httpx.Response, status: int, code: str) -> str:
    """Assert a Graph error; its message."""
    assert response.status_code == status, response.text
    body = response.json()["error"]
    assert body["code"] == code, body
    message: str = body["message"]
    return message


def _user(client: TestClient, auth: AuthService, name: str, role: str = "user") -> As:
    auth.create_user(name, "", display_name=name.title(), role=role)
    principal = auth.principal(name)
    token, _ = auth.issue_jwt(principal)
    return As(client, principal, {"Authorization": f"Bearer {token}"})


@pytest.fixture
def alice(app_client: TestClient, auth: AuthService) -> As:
    return _user(app_client, auth, "alice", "spaceadmin")


@pytest.fixture
def bob(app_client: TestClient, auth: AuthService) -> As:
    return _user(app_client, auth, "bob")


@pytest.fixture
def carol(app_client: TestClient, auth: AuthService) -> As:
    return _user(app_client, auth, "carol")


@pytest.fixture
def root(app_client: TestClient, auth: AuthService) -> As:
    return _user(app_client, auth, "root", "admin")
