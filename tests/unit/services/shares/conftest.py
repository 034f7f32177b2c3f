"""A small world for share tests: three users, a group, alan's folder and
file, on the real posix driver."""

from __future__ import annotations

from pathlib import Path

import pytest

from opencloud.config.schema import SecretSettings, Settings
from opencloud.core.ids import NodeId, SpaceId
from opencloud.services.auth.passwords import hash_password
from opencloud.services.auth.service import AuthService
from opencloud.services.shares.service import SharesService
from opencloud.services.spaces.service import SpacesService
from opencloud.storage.protocol import StorageDriver
from opencloud.storage.records import write_file
from opencloud.storage.types import Ref

HASH = hash_password("pw")


class World:
    def __init__(self, driver: StorageDriver, data_path: Path) -> None:
        settings = Settings(data_path=str(data_path), secrets=SecretSettings(jwt_secret="j" * 43))
        self.driver = driver
        self.auth = AuthService(driver, settings)
        self.spaces = SpacesService(driver, "st")
        self.shares = SharesService(driver, self.spaces, self.auth, "st")
        for name in ("alan", "mary", "lynn"):
            self.auth.create_user(name, "", password_hash=HASH)
        self.group = self.auth.create_group("readers", members=[self.auth.get_user("lynn").id])
        self.alan = self.auth.principal("alan")
        self.mary = self.auth.principal("mary")
        self.lynn = self.auth.principal("lynn")
        home = SpaceId(self.alan.id)
        driver.mkdir(Ref(home, "/docs"))
        write_file(driver, Ref(home, "/docs/a.txt"), b"a")
        self.home = home
        self.docs = NodeId(driver.stat(Ref(home, "/docs")).id)
        self.file = NodeId(driver.stat(Ref(home, "/docs/a.txt")).id)


@pytest.fixture
def w(driver: StorageDriver, data_path: Path) -> World:
    return World(driver, data_path)
