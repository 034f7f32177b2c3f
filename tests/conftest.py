"""Fixtures shared by every test: a clean environment and the real posix driver.

No test sees the developer's or CI's own ``OC_*`` variables: settings come only
from what the test sets. Storage is the real posix driver on ``tmp_path``
(real files, real extended attributes), never a mock.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from opencloud.config.load import ENV_ALIASES
from opencloud.config.schema import Settings, StorageSettings
from opencloud.core.ids import SpaceId
from opencloud.storage.protocol import StorageDriver
from opencloud.storage.registry import load_driver

_PREFIXES = ("OC_", "PROXY_", "STORAGE_USERS_")


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in list(os.environ):
        if name.startswith(_PREFIXES) or name in ENV_ALIASES:
            monkeypatch.delenv(name)


@pytest.fixture
def data_path(tmp_path: Path) -> Path:
    path = tmp_path / "data"
    path.mkdir()
    return path


@pytest.fixture
def settings(data_path: Path) -> Settings:
    """Initialised settings for an app on ``data_path``, watcher off."""
    return Settings(
        data_path=str(data_path),
        storage=StorageSettings(storage_id=str(uuid.uuid4()), options={"watch": "off"}),
    )


@pytest.fixture
def driver(data_path: Path) -> Iterator[StorageDriver]:
    """The real posix driver on a temporary tree, not watching."""
    drv = load_driver("posix", {"base_data_path": str(data_path), "watch": "off"})
    yield drv
    drv.close()


@pytest.fixture
def space(driver: StorageDriver) -> SpaceId:
    """A fresh personal space on ``driver``."""
    user = str(uuid.uuid4())
    return driver.create_space(SpaceId(user), kind="personal", name="alice", owner=user).id
