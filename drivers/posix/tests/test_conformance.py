"""The posix driver against the storage conformance suite."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from opencloud.storage.conformance import DriverConformance
from opencloud.storage.protocol import StorageDriver
from opencloud_driver_posix.driver import PosixDriver


class TestPosixConformance(DriverConformance):
    @pytest.fixture
    def driver(self, tmp_path: Path) -> Iterator[StorageDriver]:
        driver = PosixDriver.from_options({"root": str(tmp_path / "root"), "watch": "off"})
        yield driver
        driver.close()
