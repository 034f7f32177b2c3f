"""Public links through Graph and OCS, on the real app and posix driver.

``alan`` owns the items and makes links; ``mary`` is another user. Both
sign in with the session JWT of the app's own auth service.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx2 as httpx
import pytest
from starlette.testclient import TestClient

from opencloud.app.factory import create_app
from opencloud.config.schema import Settings
from opencloud.core.ids import NodeId, SpaceId
from opencloud.services.auth.passwords import hash_password
from opencloud.services.auth.service import AuthService
from opencloud.services.auth.types import Principal
from opencloud.services.files.service import FilesService
from opencloud.services.shares import links as links_module
from opencloud.services.shares.links import Link, LinksService
from opencloud.storage.types import Ref

BETA = "/graph/v1beta1"
OCS = "/ocs/v2.php/apps/files_sharing/api/v1/shares"
LINK_PASSWORD = "Link-pass-1"


class As:
    def __init__(self, client: TestClient, files: FilesService, user_id: str, token: str) -> None:
        self.client = client
        self.files = files
        self.id = user_id
        self.headers = {"Authorization": f"Bearer {token}"}

    @property
    def drive(self) -> str:
        return self.files.space_id(SpaceId(self.id))

    def request(self, method: str, url: str, **kwargs: Any) -> httpx.Response:
        headers = {**self.headers, **kwargs.pop("headers", {})}
        return self.client.request(method, url, headers=headers, **kwargs)

    def mkdir(self, path: str) -> str:
        url = f"/remote.php/dav/spaces/{self.drive}{path}"
        assert self.request("MKCOL", url).status_code == 201
        return self.item_id(path)

    def put(self, path: str, body: bytes = b"hello") -> str:
        url = f"/remote.php/dav/spaces/{self.drive}{path}"
        assert self.request("PUT", url, content=body).status_code in (201, 204)
        return self.item_id(path)

    def item_id(self, path: str) -> str:
        space = SpaceId(self.id)
        return self.files.resource_id(space, self.files.stat(Ref(space, path)).id)

    def create_link(self, item: str, **body: Any) -> httpx.Response:
        return self.request(
            "POST", f"{BETA}/drives/{item.partition('!')[0]}/items/{item}/createLink", json=body
        )

    @property
    def links(self) -> LinksService:
        found = self.client.app_state["links"]
        assert isinstance(found, LinksService)
        return found

    def principal(self) -> Principal:
        auth = self.client.app_state["auth"]
        assert isinstance(auth, AuthService)
        return auth.principal(self.id)

    def link(self, path: str, link_type: str, *, password: str = LINK_PASSWORD) -> Link:
        """A link made through the service (Graph and OCS have their own tests)."""
        node = self.files.stat(Ref(SpaceId(self.id), path))
        return self.links.create(
            self.principal(),
            SpaceId(self.id),
            NodeId(node.id),
            link_type=link_type,
            password=password,
        )

    def permissions(self, item: str) -> list[dict[str, Any]]:
        url = f"{BETA}/drives/{item.partition('!')[0]}/items/{item}/permissions"
        response = self.request("GET", url)
        assert response.status_code == 200, response.text
        value: list[dict[str, Any]] = response.json()["value"]
        return value


@pytest.fixture(scope="session")
def link_hash() -> str:
    """The hash of ``LINK_PASSWORD``, made once: argon2id is slow on purpose."""
    return hash_password(LINK_PASSWORD)


@pytest.fixture(autouse=True)
def _known_link_hash(link_hash: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """Links with ``LINK_PASSWORD`` get the precomputed (real) hash."""
    monkeypatch.setattr(
        links_module,
        "hash_password",
        lambda p: link_hash if p == LINK_PASSWORD else hash_password(p),
    )


@pytest.fixture
def app_client(settings: Settings) -> Iterator[TestClient]:
    with TestClient(create_app(settings)) as client:
        yield client


def _user(client: TestClient, name: str) -> As:
    auth = client.app_state["auth"]
    assert isinstance(auth, AuthService)
    auth.create_user(name, "", display_name=name.title())
    principal = auth.principal(name)
    token, _ = auth.issue_jwt(principal)
    return As(client, client.app_state["files"], principal.id, token)


@pytest.fixture
def alan(app_client: TestClient) -> As:
    return _user(app_client, "alan")


@pytest.fixture
def mary(app_client: TestClient) -> As:
    return _user(app_client, "mary")


@pytest.fixture
def folder(alan: As) -> str:
    item = alan.mkdir("/pub")
    alan.put("/pub/a.txt", b"alpha")
    return item
