"""A real app (posix driver on tmp_path, real auth) with two users, alan and
mary, reached through Starlette's test client over HTTP Basic."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import httpx2 as httpx
import pytest
from starlette.testclient import TestClient

from opencloud.app.factory import create_app
from opencloud.config.schema import Settings
from opencloud.services.auth.passwords import hash_password

PASSWORD = "Secret-pass-1"


@dataclass
class Dav:
    """A client signed in as alan, plus handles for the tests."""

    client: TestClient
    state: dict[str, Any]
    space_url: str  # /dav/spaces/{storage%24space} of alan's personal space
    space_id: str  # storage$space

    def request(self, method: str, url: str, **kwargs: Any) -> httpx.Response:
        kwargs.setdefault("auth", ("alan", PASSWORD))
        return self.client.request(method, url, **kwargs)

    def put(self, url: str, body: bytes = b"", **kwargs: Any) -> httpx.Response:
        return self.request("PUT", url, content=body, **kwargs)

    def propfind(self, url: str, body: str = "", depth: str = "1", **kw: Any) -> httpx.Response:
        headers = {"Depth": depth, **kw.pop("headers", {})}
        return self.request("PROPFIND", url, content=body.encode(), headers=headers, **kw)


@pytest.fixture(scope="session")
def password_hash() -> str:
    """Hashed once: argon2id is slow on purpose, and every test makes two users."""
    return hash_password(PASSWORD)


@pytest.fixture
def dav(settings: Settings, password_hash: str) -> Iterator[Dav]:
    with TestClient(create_app(settings), base_url="http://testserver") as client:
        state: dict[str, Any] = client.app_state
        auth = state["auth"]
        alan = auth.create_user("alan", "", display_name="Alan Turing", password_hash=password_hash)
        auth.create_user("mary", "", display_name="Mary Keller", password_hash=password_hash)
        space_id = state["files"].space_id(alan.id)
        yield Dav(client, state, "/dav/spaces/" + space_id.replace("$", "%24"), space_id)
