"""The server as a sysadmin runs it: a subprocess on a socket."""

from __future__ import annotations

import signal
from typing import TYPE_CHECKING

import pytest

from opencloud import __version__

if TYPE_CHECKING:
    from .conftest import Server

pytestmark = pytest.mark.slow


def test_status_php(server: Server) -> None:
    with server.client() as client:
        response = client.get("/status.php")
    assert response.status_code == 200
    body = response.json()
    assert list(body) == [
        "installed",
        "maintenance",
        "needsDbUpgrade",
        "version",
        "versionstring",
        "edition",
        "productname",
        "product",
        "productversion",
        "channel",
    ]
    assert body["installed"] is True
    assert body["maintenance"] is False
    assert body["needsDbUpgrade"] is False
    assert __version__.startswith(body["versionstring"])
    assert body["version"] == body["versionstring"] + ".0"
    assert (body["edition"], body["productname"], body["product"]) == (
        "Community",
        "OpenCloud",
        "OpenCloud",
    )
    assert body["productversion"] == __version__
    assert body["channel"] == ""


def test_healthz(server: Server) -> None:
    with server.client() as client:
        response = client.get("/healthz")
    assert response.status_code == 200
    assert response.text == "OK"


def test_readyz_with_the_watcher_running(server: Server) -> None:
    with server.client() as client:
        response = client.get("/readyz")
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["ready"] is True
    assert [(w["name"], w["alive"]) for w in body["workers"]] == [
        ("live-updates", True),
        ("watcher", True),
    ]


def test_request_id_round_trip(server: Server) -> None:
    with server.client() as client:
        response = client.get("/healthz", headers={"X-Request-ID": "integration-1"})
    assert response.headers["x-request-id"] == "integration-1"


def test_https_with_the_init_certificate(tls_server: Server) -> None:
    assert tls_server.url.startswith("https://")
    with tls_server.client() as client:
        response = client.get("/status.php")
    assert response.status_code == 200
    assert response.json()["installed"] is True


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_signal_stops_cleanly(own_server: Server, sig: signal.Signals) -> None:
    with own_server.client() as client:
        assert client.get("/healthz").status_code == 200
    assert own_server.signal(sig) == 0
    log = own_server.log.read_text()
    assert "opencloud stopped" in log
    assert "Traceback" not in log
