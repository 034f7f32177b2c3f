"""The server on Granian (``OC_HTTP__SERVER=granian``), as a sysadmin runs it."""

from __future__ import annotations

import signal
from collections.abc import Iterator
from pathlib import Path

import pytest

from .conftest import Server

pytestmark = pytest.mark.slow
pytest.importorskip("granian", reason="the granian extra is not installed")


def _granian(base: Path, *, tls: bool) -> Iterator[Server]:
    server = Server(base, tls=tls)
    server.env["OC_HTTP__SERVER"] = "granian"
    server.init()
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def granian(tmp_path: Path) -> Iterator[Server]:
    yield from _granian(tmp_path, tls=False)


@pytest.fixture
def granian_tls(tmp_path: Path) -> Iterator[Server]:
    yield from _granian(tmp_path, tls=True)


def test_status_then_sigterm_exits_0(granian: Server) -> None:
    with granian.client() as client:
        response = client.get("/status.php")
        assert response.status_code == 200
        assert response.json()["installed"] is True
        assert client.get("/healthz").text == "OK"
    assert granian.signal(signal.SIGTERM) == 0
    log = granian.log.read_text()
    assert "with granian" in log
    assert "opencloud stopped" in log
    assert "Traceback" not in log
    assert "experimental" not in log


def test_https_with_the_init_certificate(granian_tls: Server) -> None:
    with granian_tls.client() as client:
        response = client.get("/status.php")
    assert response.status_code == 200
    assert granian_tls.signal(signal.SIGINT) == 0
