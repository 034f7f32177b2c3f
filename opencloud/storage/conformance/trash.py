"""The trash (HasTrash): delete, list, restore, purge."""

from __future__ import annotations

import pytest

from opencloud.core import errors
from opencloud.core.ids import SpaceId
from opencloud.storage.conformance.base import ConformanceBase, Tracker, names, put, read
from opencloud.storage.protocol import HasTrash, StorageDriver
from opencloud.storage.types import Ref


class TrashTests(ConformanceBase):
    def test_delete_into_trash(
        self, driver: StorageDriver, space: SpaceId, trash: HasTrash
    ) -> None:
        driver.mkdir(Ref(space, "/a"))
        info = put(driver, Ref(space, "/a/f.txt"), b"12345")
        tracker = Tracker(driver, space, "/a")
        item = driver.delete(Ref(space, "/a/f.txt"))
        tracker.assert_all_changed()
        assert item is not None
        assert (item.node_id, item.original_path, item.kind, item.size, item.space) == (
            info.id,
            "/a/f.txt",
            "file",
            5,
            space,
        )
        assert trash.list_trash(space) == [item]
        with pytest.raises(errors.NotFound):
            driver.stat(Ref(space, "/a/f.txt"))
        with pytest.raises(errors.NotFound):
            driver.stat_id(space, info.id)
        assert names(driver, Ref(space, "/a")) == []
        assert driver.stat(Ref(space, "/")).size == 0

    def test_delete_refusals(self, driver: StorageDriver, space: SpaceId, trash: HasTrash) -> None:
        with pytest.raises(errors.PermissionDenied):
            driver.delete(Ref(space, "/"))
        with pytest.raises(errors.NotFound):
            driver.delete(Ref(space, "/missing"))
        assert trash.list_trash(space) == []

    def test_restore_to_original_place(
        self, driver: StorageDriver, space: SpaceId, trash: HasTrash
    ) -> None:
        driver.mkdir(Ref(space, "/a"))
        folder = driver.mkdir(Ref(space, "/a/d"))
        child = put(driver, Ref(space, "/a/d/f"), b"123")
        item = driver.delete(Ref(space, "/a/d"))
        assert item is not None and item.kind == "dir" and item.size == 3
        tracker = Tracker(driver, space, "/a")
        restored = trash.restore_trash(space, item.key)
        tracker.assert_all_changed()
        assert (restored.id, restored.path, restored.kind) == (folder.id, "/a/d", "dir")
        assert read(driver, Ref(space, "/a/d/f")) == b"123"
        assert driver.stat_id(space, child.id).path == "/a/d/f"
        assert trash.list_trash(space) == []
        assert driver.stat(Ref(space, "/")).size == 3

    def test_restore_when_the_name_is_taken(
        self, driver: StorageDriver, space: SpaceId, trash: HasTrash
    ) -> None:
        first = put(driver, Ref(space, "/report.txt"), b"old")
        driver.delete(Ref(space, "/report.txt"))
        put(driver, Ref(space, "/report.txt"), b"new")
        put(driver, Ref(space, "/report (1).txt"), b"taken too")
        (item,) = trash.list_trash(space)
        restored = trash.restore_trash(space, item.key)
        assert (restored.id, restored.path) == (first.id, "/report (2).txt")
        assert read(driver, Ref(space, "/report (2).txt")) == b"old"
        assert read(driver, Ref(space, "/report.txt")) == b"new"
        driver.mkdir(Ref(space, "/Folder"))
        driver.delete(Ref(space, "/Folder"))
        driver.mkdir(Ref(space, "/Folder"))
        (item,) = trash.list_trash(space)
        assert trash.restore_trash(space, item.key).path == "/Folder (1)"

    def test_restore_when_the_folder_is_gone(
        self, driver: StorageDriver, space: SpaceId, trash: HasTrash
    ) -> None:
        driver.mkdir(Ref(space, "/a"))
        driver.mkdir(Ref(space, "/a/b"))
        info = put(driver, Ref(space, "/a/b/f"), b"rescued")
        file_item = driver.delete(Ref(space, "/a/b/f"))
        folder_item = driver.delete(Ref(space, "/a"))
        assert file_item is not None and folder_item is not None
        trash.purge_trash(space, folder_item.key)
        restored = trash.restore_trash(space, file_item.key)
        assert (restored.id, restored.path) == (info.id, "/a/b/f")
        assert driver.stat(Ref(space, "/a/b")).kind == "dir"
        assert read(driver, Ref(space, "/a/b/f")) == b"rescued"
        assert driver.stat(Ref(space, "/")).size == 7 == driver.stat(Ref(space, "/a")).size

    def test_restore_elsewhere(
        self, driver: StorageDriver, space: SpaceId, trash: HasTrash
    ) -> None:
        info = put(driver, Ref(space, "/f"), b"x")
        driver.mkdir(Ref(space, "/elsewhere"))
        item = driver.delete(Ref(space, "/f"))
        assert item is not None
        restored = trash.restore_trash(space, item.key, dst=Ref(space, "/elsewhere/g"))
        assert (restored.id, restored.path) == (info.id, "/elsewhere/g")
        assert driver.stat(Ref(space, "/elsewhere")).size == 1

    def test_restore_needs_quota(
        self, driver: StorageDriver, space: SpaceId, trash: HasTrash
    ) -> None:
        put(driver, Ref(space, "/f"), b"x" * 600)
        item = driver.delete(Ref(space, "/f"))
        assert item is not None
        driver.set_quota(space, 1000)
        put(driver, Ref(space, "/g"), b"y" * 600)
        with pytest.raises(errors.QuotaExceeded):
            trash.restore_trash(space, item.key)
        assert trash.list_trash(space) == [item]
        assert names(driver, Ref(space)) == ["g"]

    def test_purge(self, driver: StorageDriver, space: SpaceId, trash: HasTrash) -> None:
        for name in ("a", "b", "c"):
            put(driver, Ref(space, f"/{name}"), name.encode())
            driver.delete(Ref(space, f"/{name}"))
        items = {i.original_path: i for i in trash.list_trash(space)}
        assert set(items) == {"/a", "/b", "/c"}
        trash.purge_trash(space, items["/b"].key)
        assert {i.original_path for i in trash.list_trash(space)} == {"/a", "/c"}
        with pytest.raises(errors.NotFound):
            trash.restore_trash(space, items["/b"].key)
        with pytest.raises(errors.NotFound):
            trash.purge_trash(space, items["/b"].key)
        trash.purge_trash(space)
        assert trash.list_trash(space) == []
        trash.purge_trash(space)  # an empty trash purges fine

    @pytest.mark.parametrize("key", ["missing", "../x", "a/b", "", ".", "..", "x\0y"])
    def test_unknown_trash_keys(
        self, driver: StorageDriver, space: SpaceId, trash: HasTrash, key: str
    ) -> None:
        put(driver, Ref(space, "/f"), b"x")
        with pytest.raises(errors.NotFound):
            trash.restore_trash(space, key)
        with pytest.raises(errors.NotFound):
            trash.purge_trash(space, key)
        assert names(driver, Ref(space)) == ["f"]
