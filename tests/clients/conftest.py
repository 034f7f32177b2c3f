"""Fixtures for tests/clients: one real server for the session (see tools.py)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from .tools import ClientServer, make_tree


@pytest.fixture(scope="session")
def dav_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ClientServer]:
    """One server for all the client tests; each test takes its own user."""
    server = ClientServer(tmp_path_factory.mktemp("clients-server"))
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def data_tree(tmp_path: Path) -> Path:
    return make_tree(tmp_path / "data")
