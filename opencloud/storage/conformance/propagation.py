"""Etags, tree mtimes and sizes up to the space root after every write."""

from __future__ import annotations

from opencloud.core.ids import SpaceId
from opencloud.storage.conformance.base import ConformanceBase, Tracker, put, total_size
from opencloud.storage.protocol import StorageDriver
from opencloud.storage.types import Ref


class PropagationTests(ConformanceBase):
    def test_every_write_changes_every_ancestor_etag(
        self, driver: StorageDriver, space: SpaceId
    ) -> None:
        for path in ("/a", "/a/b", "/a/b/c", "/x"):
            driver.mkdir(Ref(space, path))
        tracker = Tracker(driver, space, "/a/b/c")
        put(driver, Ref(space, "/a/b/c/f"), b"12345")
        tracker.assert_all_changed()
        put(driver, Ref(space, "/a/b/c/f"), b"1234567")
        tracker.assert_all_changed()
        driver.mkdir(Ref(space, "/a/b/c/d"))
        tracker.assert_all_changed()
        both = Tracker(driver, space, "/a/b/c", "/x")
        driver.move(Ref(space, "/a/b/c/f"), Ref(space, "/x/f"))
        both.assert_all_changed()
        renamed = Tracker(driver, space, "/x")
        driver.move(Ref(space, "/x/f"), Ref(space, "/x/g"))
        renamed.assert_all_changed()
        driver.copy(Ref(space, "/x/g"), Ref(space, "/a/b/c/copy"))
        tracker.assert_all_changed()
        driver.delete(Ref(space, "/a/b/c/copy"))
        tracker.assert_all_changed()
        driver.delete(Ref(space, "/a/b/c/d"))
        tracker.assert_all_changed()
        assert driver.stat(Ref(space, "/")).size == 7 == total_size(driver, Ref(space))
        assert driver.stat(Ref(space, "/a")).size == 0
        assert driver.stat(Ref(space, "/x")).size == 7

    def test_rename_changes_the_folder_etag(self, driver: StorageDriver, space: SpaceId) -> None:
        driver.mkdir(Ref(space, "/a"))
        put(driver, Ref(space, "/a/f"), b"123")
        tracker = Tracker(driver, space, "/a")
        driver.move(Ref(space, "/a/f"), Ref(space, "/a/g"))
        tracker.assert_all_changed()
        assert driver.stat(Ref(space, "/a")).size == 3

    def test_folder_moves_carry_their_size(self, driver: StorageDriver, space: SpaceId) -> None:
        for path in ("/a", "/a/sub", "/b"):
            driver.mkdir(Ref(space, path))
        put(driver, Ref(space, "/a/sub/f"), b"x" * 10)
        put(driver, Ref(space, "/a/sub/g"), b"y" * 5)
        driver.move(Ref(space, "/a/sub"), Ref(space, "/b/sub"))
        sizes = {p: driver.stat(Ref(space, p)).size for p in ("/", "/a", "/b", "/b/sub")}
        assert sizes == {"/": 15, "/a": 0, "/b": 15, "/b/sub": 15}
