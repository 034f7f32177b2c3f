"""Spaces: creation, listing, quota, deletion."""

from __future__ import annotations

import pytest

from opencloud.core import errors
from opencloud.core.ids import NodeId, SpaceId, new_space_id
from opencloud.storage.conformance.base import ConformanceBase, put, read, total_size
from opencloud.storage.protocol import StorageDriver
from opencloud.storage.types import Ref


class SpaceTests(ConformanceBase):
    def test_personal_space_creation_is_idempotent(self, driver: StorageDriver) -> None:
        user = new_space_id()
        first = driver.create_space(user, kind="personal", name="Alice", owner="alice")
        put(driver, Ref(user, "/keep.txt"), b"kept")
        again = driver.create_space(user, kind="personal", name="Alice", owner="alice")
        assert first.id == again.id == user
        assert again.kind == "personal" and again.owner == "alice"
        assert again.root.id == NodeId(user) and again.root.kind == "dir" and again.root.path == "/"
        assert read(driver, Ref(user, "/keep.txt")) == b"kept"
        assert [s.id for s in driver.list_spaces()].count(user) == 1

    def test_existing_project_space_is_refused(self, driver: StorageDriver, space: SpaceId) -> None:
        with pytest.raises(errors.AlreadyExists):
            driver.create_space(space, kind="project", name="Again", owner="x")
        with pytest.raises(errors.AlreadyExists):
            driver.create_space(space, kind="personal", name="Again", owner="x")
        assert driver.get_space(space).name == "Conformance"

    def test_list_and_get_spaces(self, driver: StorageDriver, space: SpaceId) -> None:
        other = new_space_id()
        driver.create_space(other, kind="project", name="Other", owner="bob", quota_bytes=5000)
        listed = {s.id: s for s in driver.list_spaces()}
        assert {space, other} <= set(listed)
        info = driver.get_space(other)
        assert (info.kind, info.name, info.owner, info.quota_bytes) == (
            "project",
            "Other",
            "bob",
            5000,
        )
        assert info.root.id == NodeId(other) and info.root.parent_id == ""
        assert listed[other] == info

    def test_unknown_space(self, driver: StorageDriver) -> None:
        unknown = new_space_id()
        with pytest.raises(errors.NotFound):
            driver.get_space(unknown)
        with pytest.raises(errors.NotFound):
            driver.stat(Ref(unknown, "/"))
        with pytest.raises(errors.NotFound):
            driver.mkdir(Ref(unknown, "/a"))

    @pytest.mark.parametrize("bad", ["", ".", "..", "a/b", "../x", "a\0b", "x" * 256])
    def test_bad_space_id_is_refused(self, driver: StorageDriver, bad: str) -> None:
        before = sorted(s.id for s in driver.list_spaces())
        with pytest.raises(errors.InvalidInput):
            driver.create_space(SpaceId(bad), kind="project", name="bad", owner="x")
        assert sorted(s.id for s in driver.list_spaces()) == before

    def test_quota(self, driver: StorageDriver, space: SpaceId) -> None:
        assert driver.get_space(space).quota_bytes == 0
        assert driver.quota(space).total == 0
        assert driver.set_quota(space, 1000).quota_bytes == 1000
        put(driver, Ref(space, "/f"), b"x" * 300)
        quota = driver.quota(space)
        assert (quota.total, quota.used, quota.remaining) == (1000, 300, 700)
        with pytest.raises(errors.InvalidInput):
            driver.set_quota(space, -1)
        assert driver.get_space(space).quota_bytes == 1000

    def test_rename_keeps_the_id_and_names_the_space_in_refusals(
        self, driver: StorageDriver, space: SpaceId
    ) -> None:
        renamed = driver.set_space_name(space, "Project Moon")
        assert (renamed.id, renamed.name) == (space, "Project Moon")
        assert driver.get_space(space).name == "Project Moon"
        driver.set_quota(space, 10)
        with pytest.raises(errors.QuotaExceeded) as refused:
            put(driver, Ref(space, "/big"), b"x" * 100)
        assert "Project Moon" in str(refused.value)
        with pytest.raises(errors.NotFound):
            driver.set_space_name(SpaceId("00000000-0000-4000-8000-00000000dead"), "x")

    def test_quota_used_is_root_size(self, driver: StorageDriver, space: SpaceId) -> None:
        driver.mkdir(Ref(space, "/a"))
        driver.mkdir(Ref(space, "/a/b"))
        put(driver, Ref(space, "/a/b/one"), b"1" * 100)
        put(driver, Ref(space, "/a/two"), b"2" * 20)
        put(driver, Ref(space, "/three"), b"3" * 3)
        root = driver.stat(Ref(space, "/"))
        assert root.size == driver.quota(space).used == 123 == total_size(driver, Ref(space))
        assert driver.stat(Ref(space, "/a")).size == 120
        assert driver.stat(Ref(space, "/a/b")).size == 100

    def test_delete_space(self, driver: StorageDriver, space: SpaceId) -> None:
        driver.mkdir(Ref(space, "/a"))
        put(driver, Ref(space, "/a/f"), b"data")
        driver.delete_space(space)
        with pytest.raises(errors.NotFound):
            driver.get_space(space)
        with pytest.raises(errors.NotFound):
            driver.stat(Ref(space, "/a/f"))
        assert space not in {s.id for s in driver.list_spaces()}
