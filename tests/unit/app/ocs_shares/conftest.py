"""The OCS share API on the real app and the posix driver.

``alice`` shares, ``bob`` and ``carol`` receive (``carol`` through the group
``crew``, which ``bob`` is in too). Each ``User`` sends OCS requests as one
signed-in user (the session JWT the app's own auth service issues) and puts
files into their personal space behind the API.
"""

from __future__ import annotations

from typing import Any

import httpx2 as httpx
import pytest
from starlette.testclient import TestClient

from opencloud.services.auth.service import AuthService
from opencloud.services.auth.types import Principal

API = "/ocs/{v}.php/apps/files_sharing/api/v1"


class User:
    def __init__(self, client: TestClient, who: Principal, headers: dict[str, str]) -> None:
        self.client = client
        self.who = who
        self.headers = headers

    def request(self, method: str, path: str, *, v: str = "v2", **kwargs: Any) -> httpx.Response:
        url = API.format(v=v) + path
        if "?" not in url:
            url += "?format=json"
        elif "format=" not in url:
            url += "&format=json"
        headers = {**self.headers, **kwargs.pop("headers", {})}
        return self.client.request(method, url, headers=headers, **kwargs)

    def ocs(self, method: str, path: str, *, v: str = "v2", **kwargs: Any) -> Any:
        """The ``data`` of a successful answer."""
        response = self.request(method, path, v=v, **kwargs)
        assert response.status_code == 200, response.text
        body = response.json()["ocs"]
        assert body["meta"]["statuscode"] == (100 if v == "v1" else 200), body
        return body["data"]

    def fails(self, method: str, path: str, status: int, **kwargs: Any) -> dict[str, Any]:
        """A v2 failure with HTTP ``status``; its ``meta``, checked against v1's too."""
        response = self.request(method, path, **kwargs)
        assert response.status_code == status, response.text
        meta: dict[str, Any] = response.json()["ocs"]["meta"]
        assert meta["status"] == "failure"
        return meta

    def put_file(self, path: str, data: bytes = b"hello") -> None:
        response = self.client.put(
            f"/remote.php/dav/files/{self.who.username}{path}", content=data, headers=self.headers
        )
        assert response.status_code in (201, 204), response.text

    def mkdir(self, path: str) -> None:
        response = self.client.request(
            "MKCOL", f"/remote.php/dav/files/{self.who.username}{path}", headers=self.headers
        )
        assert response.status_code == 201, response.text

    def share(self, path: str, with_: str, *, share_type: int = 0, **extra: Any) -> Any:
        body = {"path": path, "shareType": share_type, "shareWith": with_, **extra}
        return self.ocs("POST", "/shares", data=body)


def _user(client: TestClient, auth: AuthService, name: str, display: str) -> User:
    auth.create_user(name, "", display_name=display, mail=f"{name}@example.org")
    principal = auth.principal(name)
    token, _ = auth.issue_jwt(principal)
    return User(client, principal, {"Authorization": f"Bearer {token}"})


@pytest.fixture
def alice(app_client: TestClient, auth: AuthService) -> User:
    return _user(app_client, auth, "alice", "Alice Hansen")


@pytest.fixture
def bob(app_client: TestClient, auth: AuthService) -> User:
    return _user(app_client, auth, "bob", "Bob Builder")


@pytest.fixture
def carol(app_client: TestClient, auth: AuthService, bob: User) -> User:
    user = _user(app_client, auth, "carol", "Carol Crew")
    auth.create_group("crew", members=["carol", "bob"])
    # tokens carry no groups: the principal is looked up again on each request
    user.who = auth.principal("carol")
    return user
