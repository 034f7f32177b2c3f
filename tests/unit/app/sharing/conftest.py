"""Sharing through LibreGraph, on the real app, auth and posix driver.

Users sign in with the session JWT the app's own auth service issues. ``As``
sends requests as one user: ``alan`` shares from his personal space and is a
space admin (he creates project spaces), ``mary`` and ``lynn`` receive;
``lynn`` and ``ruth`` are in the group ``readers``.
"""

from __future__ import annotations

from typing import Any

import httpx2 as httpx
import pytest
from starlette.testclient import TestClient

from opencloud.core.ids import SpaceId
from opencloud.services.auth.service import AuthService
from opencloud.services.auth.types import Principal
from opencloud.services.files.service import FilesService
from opencloud.storage.types import Ref

VIEWER = "b1e2218d-eef8-4d4c-b82d-0f1a1b48f3b5"
EDITOR = "fb6c3e19-e378-47e5-b277-9732f9de6e21"
FILE_EDITOR = "2d00ce52-1fc2-4dbc-8b95-a73b73395f5a"
UPLOADER = "1c996275-f1c9-4e71-abdf-a42f6495e960"
SPACE_VIEWER = "a8d5fe5e-96e3-418d-825b-534dbdf22b99"
SPACE_EDITOR = "58c63c02-1d89-4572-916a-870abc5a1b7d"
MANAGER = "312c0871-5ef7-4b3a-85b6-0e4074c64049"
JAIL = "a0ca6a90-a365-4782-871e-d44447bbc668"
SHARES_DRIVE = f"{JAIL}${JAIL}"
BETA = "/graph/v1beta1"


class As:
    """Requests to the app as one signed-in user."""

    def __init__(
        self, client: TestClient, files: FilesService, principal: Principal, token: str
    ) -> None:
        self.client = client
        self.files = files
        self.who = principal
        self.headers = {"Authorization": f"Bearer {token}"}

    @property
    def id(self) -> str:
        return self.who.id

    @property
    def drive(self) -> str:
        """The id of the personal drive."""
        return self.files.space_id(SpaceId(self.id))

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

    # ---- files, through WebDAV
    def mkdir(self, path: str, drive: str | None = None) -> str:
        """A new folder; its resource id."""
        response = self.request("MKCOL", f"/remote.php/dav/spaces/{drive or self.drive}{path}")
        assert response.status_code == 201, response.text
        return self.item_id(path, drive)

    def put(self, path: str, body: bytes = b"hello", drive: str | None = None) -> str:
        """A new file; its resource id."""
        response = self.request(
            "PUT", f"/remote.php/dav/spaces/{drive or self.drive}{path}", content=body
        )
        assert response.status_code in (201, 204), response.text
        return self.item_id(path, drive)

    def item_id(self, path: str, drive: str | None = None) -> str:
        space = SpaceId((drive or self.drive).partition("$")[2])
        return self.files.resource_id(space, self.files.stat(Ref(space, path)).id)

    # ---- sharing, through Graph
    def invite(
        self,
        item: str,
        *recipients: As | tuple[str, str],
        role: str = VIEWER,
        drive: str | None = None,
        **extra: Any,
    ) -> httpx.Response:
        """``recipients``: users, or ``("group", id)``."""
        drive = drive or item.partition("!")[0]
        return self.post(
            f"{BETA}/drives/{drive}/items/{item}/invite",
            json={
                "recipients": [
                    {"objectId": r.id, "@libre.graph.recipient.type": "user"}
                    if isinstance(r, As)
                    else {"objectId": r[1], "@libre.graph.recipient.type": r[0]}
                    for r in recipients
                ],
                "roles": [role],
                **extra,
            },
        )

    def share(self, item: str, to: As | tuple[str, str], role: str = VIEWER) -> dict[str, Any]:
        """One share; its permission."""
        response = self.invite(item, to, role=role)
        assert response.status_code == 200, response.text
        (permission,) = response.json()["value"]
        assert isinstance(permission, dict)
        return permission

    def permissions(self, item: str) -> dict[str, Any]:
        response = self.get(f"{BETA}/drives/{item.partition('!')[0]}/items/{item}/permissions")
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        return body

    def shared_with_me(self) -> list[dict[str, Any]]:
        response = self.get(f"{BETA}/me/drive/sharedWithMe")
        assert response.status_code == 200, response.text
        value: list[dict[str, Any]] = response.json()["value"]
        return value

    def shared_by_me(self) -> list[dict[str, Any]]:
        response = self.get(f"{BETA}/me/drive/sharedByMe")
        assert response.status_code == 200, response.text
        value: list[dict[str, Any]] = response.json()["value"]
        return value

    def create_space(self, name: str = "Apollo") -> str:
        response = self.post("/graph/v1.0/drives", json={"name": name})
        assert response.status_code == 201, response.text
        drive_id: str = response.json()["id"]
        return drive_id

    def add_member(self, drive: str, user: As, role: str) -> None:
        response = self.post(
            f"{BETA}/drives/{drive}/root/invite",
            json={
                "recipients": [{"objectId": user.id, "@libre.graph.recipient.type": "user"}],
                "roles": [role],
            },
        )
        assert response.status_code == 200, response.text


def error(response: httpx.Response, status: int, code: str) -> str:
    """Assert a Graph error; its message."""
    assert response.status_code == status, response.text
    body = response.json()["error"]
    assert body["code"] == code, body
    message: str = body["message"]
    return message


def _user(
    client: TestClient, auth: AuthService, files: FilesService, name: str, role: str = "user"
) -> As:
    auth.create_user(name, "", display_name=name.title(), role=role)
    principal = auth.principal(name)
    token, _ = auth.issue_jwt(principal)
    return As(client, files, principal, token)


@pytest.fixture
def readers(auth: AuthService) -> str:
    """The id of the group ``readers`` (lynn is its member)."""
    return auth.create_group("readers").id


@pytest.fixture
def alan(app_client: TestClient, auth: AuthService, files: FilesService) -> As:
    return _user(app_client, auth, files, "alan", "spaceadmin")


@pytest.fixture
def mary(app_client: TestClient, auth: AuthService, files: FilesService) -> As:
    return _user(app_client, auth, files, "mary")


def _reader(
    client: TestClient, auth: AuthService, files: FilesService, group: str, name: str
) -> As:
    user = _user(client, auth, files, name)
    auth.add_member(group, user.id)
    principal = auth.principal(name)  # groups are read at sign-in
    token, _ = auth.issue_jwt(principal)
    return As(client, files, principal, token)


@pytest.fixture
def lynn(app_client: TestClient, auth: AuthService, files: FilesService, readers: str) -> As:
    return _reader(app_client, auth, files, readers, "lynn")


@pytest.fixture
def ruth(app_client: TestClient, auth: AuthService, files: FilesService, readers: str) -> As:
    """Another member of ``readers``."""
    return _reader(app_client, auth, files, readers, "ruth")
