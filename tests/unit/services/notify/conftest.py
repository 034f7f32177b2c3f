"""A small world for live-update tests, on the real posix driver: alan's
personal space with a shared folder, a project space with members, a group,
an event bus that every service publishes to."""

from __future__ import annotations

from pathlib import Path

import pytest

from opencloud.config.schema import SecretSettings, Settings
from opencloud.core.ids import NodeId, SpaceId
from opencloud.services.auth.passwords import hash_password
from opencloud.services.auth.service import AuthService
from opencloud.services.events.bus import InProcessBus
from opencloud.services.files.service import FilesService
from opencloud.services.notify.audience import Audience
from opencloud.services.shares.service import SharesService
from opencloud.services.spaces.roles import EDITOR, SPACE_VIEWER, VIEWER
from opencloud.services.spaces.service import SpacesService
from opencloud.storage.protocol import StorageDriver
from opencloud.storage.types import Ref

HASH = hash_password("pw")
STORAGE = "st"


class World:
    def __init__(self, driver: StorageDriver, data_path: Path) -> None:
        settings = Settings(data_path=str(data_path), secrets=SecretSettings(jwt_secret="j" * 43))
        self.driver = driver
        self.bus = InProcessBus()
        self.auth = AuthService(driver, settings)
        self.spaces = SpacesService(driver, STORAGE, bus=self.bus)
        self.shares = SharesService(driver, self.spaces, self.auth, STORAGE, bus=self.bus)
        self.files = FilesService(driver, self.bus, STORAGE)
        self.audience = Audience(driver, self.spaces, self.shares, self.auth)
        ids = {
            name: self.auth.create_user(name, "", password_hash=HASH).id
            for name in ("alan", "mary", "lynn", "zoe", "paul")
        }
        self.alan, self.mary, self.lynn, self.zoe, self.paul = (
            ids[n] for n in ("alan", "mary", "lynn", "zoe", "paul")
        )
        self.group = self.auth.create_group("readers", members=[self.lynn]).id
        self.home = SpaceId(self.alan)
        self.files.mkdir(Ref(self.home, "/docs"))
        self.files.mkdir(Ref(self.home, "/docs/deep"))
        self.files.mkdir(Ref(self.home, "/private"))
        self.docs = NodeId(driver.stat(Ref(self.home, "/docs")).id)
        principal = self.auth.principal("alan")
        # mary sees /docs through a user share, lynn through the group
        self.shares.create(
            principal, self.home, self.docs, grantee_kind="u", grantee=self.mary, given=EDITOR
        )
        self.shares.create(
            principal, self.home, self.docs, grantee_kind="g", grantee=self.group, given=VIEWER
        )
        # a project space: alan manages it, zoe views it
        self.project = self.spaces.create_project(principal, "Team").id
        self.spaces.set_member(self.project, "u", self.zoe, SPACE_VIEWER)


@pytest.fixture
def w(driver: StorageDriver, data_path: Path) -> World:
    return World(driver, data_path)
