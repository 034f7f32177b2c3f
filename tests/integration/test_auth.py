"""Authentication against a real server process: the admin from `opencloud init`,
Basic and session tokens over a socket, and a user added with the CLI while the
server runs."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from .conftest import Server

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def admin_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Server, str]]:
    server = Server(tmp_path_factory.mktemp("auth-server"), tls=False)
    output = server.init()
    password = next(x for x in output.splitlines() if x.startswith("password")).split(":")[1]
    server.start()
    try:
        yield server, password.strip()
    finally:
        server.stop()


def test_admin_logs_in_with_basic_and_gets_a_session(admin_server: tuple[Server, str]) -> None:
    server, password = admin_server
    with server.client() as client:
        assert client.get("/graph/v1.0/users").status_code == 401
        users = client.get("/graph/v1.0/users", auth=("admin", password))
        assert users.status_code == 200, users.text
        assert next(u["onPremisesSamAccountName"] for u in users.json()["value"]) == "admin"
        session = client.post("/auth/token", auth=("admin", password)).json()
        bearer = {"Authorization": f"Bearer {session['access_token']}"}
        assert client.get("/auth-app/tokens", headers=bearer).status_code == 200
        dav = client.request("PROPFIND", "/remote.php/webdav/", auth=("admin", "wrong"))
        assert dav.status_code == 401
        assert "NotAuthenticated" in dav.text


def test_cli_changes_reach_the_running_server(admin_server: tuple[Server, str]) -> None:
    server, _password = admin_server
    added = server.cli("users", "add", "bob", "--password", "bob-pw", check=False)
    assert added.returncode == 0, added.stderr
    with server.client() as client:
        deadline = time.monotonic() + 10
        while client.get("/auth-app/tokens", auth=("bob", "bob-pw")).status_code != 200:
            assert time.monotonic() < deadline, "the server never saw the new user"
            time.sleep(0.3)
        assert server.cli("users", "disable", "bob", check=False).returncode == 0
        deadline = time.monotonic() + 10
        while client.get("/auth-app/tokens", auth=("bob", "bob-pw")).status_code != 401:
            assert time.monotonic() < deadline, "the server never saw the disabled user"
            time.sleep(0.3)


def test_directory_is_plain_json_on_the_storage(admin_server: tuple[Server, str]) -> None:
    server, _password = admin_server
    records = list(Path(server.env["OC_BASE_DATA_PATH"]).rglob("system-directory/users/*.json"))
    assert records
    assert all(r.read_text().lstrip().startswith("{") for r in records)
