"""The trash (HasTrash): delete, list, restore, purge."""

from __future__ import annotations

import pytest

from opencloud.core import errors
from opencloud.core.ids import SpaceId
from opencloud.storage.conformance.base import ConformanceBase, Tracker, names, put, read
from opencloud.storage.protocol import HasTrash, StorageDriver
from opencloud.storage.types import NodeInfo, Ref, TrashItem


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


class TrashEntryTests(ConformanceBase):
    """Entries inside a trashed folder: listed, restored and purged one by one."""

    @staticmethod
    def trashed_tree(driver: StorageDriver, space: SpaceId) -> tuple[TrashItem, NodeInfo]:
        """``/docs`` holding ``2024/q1/report.txt`` (6 bytes), ``2024/notes`` (2)
        and ``top.txt`` (3), deleted; the item and the report's node."""
        for folder in ("/docs", "/docs/2024", "/docs/2024/q1"):
            driver.mkdir(Ref(space, folder))
        report = put(driver, Ref(space, "/docs/2024/q1/report.txt"), b"report")
        put(driver, Ref(space, "/docs/2024/notes"), b"nn")
        put(driver, Ref(space, "/docs/top.txt"), b"top")
        item = driver.delete(Ref(space, "/docs"))
        assert item is not None and item.size == 11
        return item, report

    def test_list_and_stat_inside_a_trashed_folder(
        self, driver: StorageDriver, space: SpaceId, trash: HasTrash
    ) -> None:
        item, report = self.trashed_tree(driver, space)
        top = trash.list_trash_folder(space, item.key)
        assert [(e.path, e.kind, e.size, e.original_path) for e in top] == [
            ("2024", "dir", 8, "/docs/2024"),
            ("top.txt", "file", 3, "/docs/top.txt"),
        ]
        assert {(e.key, e.space, e.deleted_ns) for e in top} == {(item.key, space, item.deleted_ns)}
        inner = trash.list_trash_folder(space, item.key, "2024/q1")
        assert [(e.path, e.node_id, e.size) for e in inner] == [
            ("2024/q1/report.txt", report.id, 6)
        ]
        assert trash.stat_trash(space, item.key, "/2024/q1/report.txt/") == inner[0]
        assert trash.stat_trash(space, item.key) == item == trash.stat_trash(space, item.key, "")
        with pytest.raises(errors.Conflict):
            trash.list_trash_folder(space, item.key, "top.txt")
        for missing in ("nothing", "top.txt/below", "2024/q2"):
            with pytest.raises(errors.NotFound):
                trash.stat_trash(space, item.key, missing)
        with pytest.raises(errors.NotFound):
            trash.stat_trash(space, "missing", "2024")

    def test_restore_an_entry_two_levels_deep(
        self, driver: StorageDriver, space: SpaceId, trash: HasTrash
    ) -> None:
        item, report = self.trashed_tree(driver, space)
        driver.mkdir(Ref(space, "/back"))
        tracker = Tracker(driver, space, "/back")
        restored = trash.restore_trash(
            space, item.key, path="2024/q1/report.txt", dst=Ref(space, "/back/report.txt")
        )
        tracker.assert_all_changed()
        assert (restored.id, restored.path, restored.size) == (report.id, "/back/report.txt", 6)
        assert driver.stat_id(space, report.id).path == "/back/report.txt"
        assert read(driver, Ref(space, "/back/report.txt")) == b"report"
        assert driver.stat(Ref(space, "/")).size == 6
        # the rest stays in the trash, smaller by what left it
        (still,) = trash.list_trash(space)
        assert (still.key, still.size) == (item.key, 5)
        assert trash.list_trash_folder(space, item.key, "2024/q1") == []
        assert trash.stat_trash(space, item.key, "2024").size == 2
        with pytest.raises(errors.NotFound):
            trash.restore_trash(space, item.key, path="2024/q1/report.txt")
        folder = trash.restore_trash(space, item.key)
        assert (folder.path, folder.size) == ("/docs", 5)
        assert names(driver, Ref(space, "/docs/2024/q1")) == []
        assert driver.stat(Ref(space, "/")).size == 11
        assert trash.list_trash(space) == []

    def test_restore_an_entry_to_where_it_was(
        self, driver: StorageDriver, space: SpaceId, trash: HasTrash
    ) -> None:
        """The folder it was in is in the trash: it is recreated (new ids), as for
        any restore to a vanished folder; the trashed folder later comes back
        under a free name."""
        item, report = self.trashed_tree(driver, space)
        restored = trash.restore_trash(space, item.key, path="2024/q1/report.txt")
        assert (restored.id, restored.path) == (report.id, "/docs/2024/q1/report.txt")
        assert driver.stat(Ref(space, "/docs")).id != item.node_id
        assert driver.stat(Ref(space, "/")).size == 6
        folder = trash.restore_trash(space, item.key)
        assert (folder.id, folder.path) == (item.node_id, "/docs (1)")
        assert names(driver, Ref(space, "/docs (1)/2024")) == ["notes", "q1"]
        assert driver.stat(Ref(space, "/")).size == 11

    def test_restore_a_folder_entry_keeps_its_tree(
        self, driver: StorageDriver, space: SpaceId, trash: HasTrash
    ) -> None:
        item, report = self.trashed_tree(driver, space)
        restored = trash.restore_trash(space, item.key, path="2024", dst=Ref(space, "/2024"))
        assert (restored.kind, restored.size) == ("dir", 8)
        assert driver.stat_id(space, report.id).path == "/2024/q1/report.txt"
        assert driver.stat(Ref(space, "/")).size == 8
        assert [e.path for e in trash.list_trash_folder(space, item.key)] == ["top.txt"]
        assert trash.list_trash(space)[0].size == 3

    def test_restore_an_entry_onto_a_taken_name(
        self, driver: StorageDriver, space: SpaceId, trash: HasTrash
    ) -> None:
        item, report = self.trashed_tree(driver, space)
        put(driver, Ref(space, "/report.txt"), b"other")
        restored = trash.restore_trash(
            space, item.key, path="2024/q1/report.txt", dst=Ref(space, "/report.txt")
        )
        assert (restored.id, restored.path) == (report.id, "/report (1).txt")
        assert read(driver, Ref(space, "/report.txt")) == b"other"

    def test_restore_an_entry_needs_the_destination_folder(
        self, driver: StorageDriver, space: SpaceId, trash: HasTrash
    ) -> None:
        item, _ = self.trashed_tree(driver, space)
        with pytest.raises(errors.Conflict):
            trash.restore_trash(space, item.key, path="top.txt", dst=Ref(space, "/gone/top.txt"))
        assert [e.path for e in trash.list_trash_folder(space, item.key)] == ["2024", "top.txt"]
        assert names(driver, Ref(space)) == []

    def test_restore_an_entry_needs_quota(
        self, driver: StorageDriver, space: SpaceId, trash: HasTrash
    ) -> None:
        item, _ = self.trashed_tree(driver, space)
        driver.set_quota(space, 10)
        put(driver, Ref(space, "/big"), b"x" * 8)
        with pytest.raises(errors.QuotaExceeded):
            trash.restore_trash(space, item.key, path="2024", dst=Ref(space, "/2024"))
        assert trash.list_trash(space)[0].size == 11
        assert names(driver, Ref(space)) == ["big"]

    def test_purge_an_entry_then_restore_the_folder(
        self, driver: StorageDriver, space: SpaceId, trash: HasTrash
    ) -> None:
        item, report = self.trashed_tree(driver, space)
        trash.purge_trash(space, item.key, path="2024/q1/report.txt")
        assert trash.list_trash(space)[0].size == 5
        with pytest.raises(errors.NotFound):
            trash.purge_trash(space, item.key, path="2024/q1/report.txt")
        with pytest.raises(errors.NotFound):
            trash.restore_trash(space, item.key, path="2024/q1/report.txt")
        trash.restore_trash(space, item.key)
        assert names(driver, Ref(space, "/docs/2024/q1")) == []  # the child stays gone
        with pytest.raises(errors.NotFound):
            driver.stat_id(space, report.id)
        assert driver.stat(Ref(space, "/")).size == 5 == driver.stat(Ref(space, "/docs")).size
        assert driver.stat(Ref(space, "/docs/2024")).size == 2

    @pytest.mark.parametrize(
        "path", ["..", "../x", "2024/../..", "2024/../../..", "a\0b", "a\\b", "x" * 256]
    )
    def test_entry_paths_that_climb_or_are_malformed(
        self, driver: StorageDriver, space: SpaceId, trash: HasTrash, path: str
    ) -> None:
        item, _ = self.trashed_tree(driver, space)
        with pytest.raises(errors.InvalidInput):
            trash.stat_trash(space, item.key, path)
        with pytest.raises(errors.InvalidInput):
            trash.list_trash_folder(space, item.key, path)
        with pytest.raises(errors.InvalidInput):
            trash.restore_trash(space, item.key, path=path, dst=Ref(space, "/x"))
        with pytest.raises(errors.InvalidInput):
            trash.purge_trash(space, item.key, path=path)
        assert trash.list_trash(space) == [item]
        assert len(trash.list_trash_folder(space, item.key)) == 2
        assert names(driver, Ref(space)) == []
