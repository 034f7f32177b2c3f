"""Moves and renames: ids stay, overwrite rules, refusals."""

from __future__ import annotations

import builtins

import pytest

from opencloud.core import errors
from opencloud.core.ids import NodeId, SpaceId, new_space_id
from opencloud.storage.conformance.base import ConformanceBase, Tracker, etags, names, put, read
from opencloud.storage.protocol import HasTrash, StorageDriver
from opencloud.storage.types import Ref


class MoveTests(ConformanceBase):
    def test_ids_survive_rename_and_move(self, driver: StorageDriver, space: SpaceId) -> None:
        folder = driver.mkdir(Ref(space, "/a"))
        sub = driver.mkdir(Ref(space, "/a/sub"))
        child = put(driver, Ref(space, "/a/sub/f"), b"x")
        renamed = driver.move(Ref(space, "/a/sub/f"), Ref(space, "/a/sub/g"))
        assert renamed.id == child.id and renamed.path == "/a/sub/g" and renamed.name == "g"
        driver.mkdir(Ref(space, "/b"))
        moved = driver.move(Ref(space, "/a"), Ref(space, "/b/a2"))
        assert moved.id == folder.id and moved.path == "/b/a2"
        assert driver.stat(Ref(space, "/b/a2/sub")).id == sub.id
        assert driver.stat(Ref(space, "/b/a2/sub/g")).id == child.id
        found = driver.stat_id(space, child.id)
        assert found.path == "/b/a2/sub/g" and found.parent_id == sub.id
        assert driver.stat_id(space, sub.id).path == "/b/a2/sub"
        assert driver.stat_id(space, folder.id).parent_id == driver.stat(Ref(space, "/b")).id
        with pytest.raises(errors.NotFound):
            driver.stat(Ref(space, "/a"))

    def test_stat_id_of_unknown_id(self, driver: StorageDriver, space: SpaceId) -> None:
        with pytest.raises(errors.NotFound):
            driver.stat_id(space, NodeId(new_space_id()))
        assert driver.stat_id(space, NodeId(space)).path == "/"

    def test_move_onto_existing_target(self, driver: StorageDriver, space: SpaceId) -> None:
        src = put(driver, Ref(space, "/src"), b"source")
        dst = put(driver, Ref(space, "/dst"), b"target")
        with pytest.raises(errors.AlreadyExists):
            driver.move(Ref(space, "/src"), Ref(space, "/dst"))
        assert read(driver, Ref(space, "/dst")) == b"target"
        moved = driver.move(Ref(space, "/src"), Ref(space, "/dst"), overwrite=True)
        assert moved.id == src.id
        assert read(driver, Ref(space, "/dst")) == b"source"
        assert names(driver, Ref(space)) == ["dst"]
        assert driver.stat(Ref(space, "/")).size == 6
        if isinstance(driver, HasTrash):  # the replaced target is not lost
            assert [(i.node_id, i.original_path) for i in driver.list_trash(space)] == [
                (dst.id, "/dst")
            ]

    def test_move_file_onto_folder_with_overwrite(
        self, driver: StorageDriver, space: SpaceId
    ) -> None:
        driver.mkdir(Ref(space, "/dst"))
        put(driver, Ref(space, "/dst/inner"), b"inner")
        src = put(driver, Ref(space, "/src"), b"src")
        assert driver.move(Ref(space, "/src"), Ref(space, "/dst"), overwrite=True).id == src.id
        assert driver.stat(Ref(space, "/dst")).kind == "file"
        assert driver.stat(Ref(space, "/")).size == 3

    def test_move_refusals(self, driver: StorageDriver, space: SpaceId) -> None:
        driver.mkdir(Ref(space, "/a"))
        driver.mkdir(Ref(space, "/a/b"))
        put(driver, Ref(space, "/a/b/f"), b"x")
        other = new_space_id()
        driver.create_space(other, kind="project", name="Other", owner="x")
        tracker = Tracker(driver, space, "/a/b")
        cases: builtins.list[tuple[Ref, Ref, type[Exception]]] = [
            (Ref(space, "/a"), Ref(space, "/a/b/a"), errors.Conflict),
            (Ref(space, "/a"), Ref(space, "/a/x"), errors.Conflict),
            (Ref(space, "/a"), Ref(space, "/a"), errors.Conflict),
            (Ref(space, "/a/b/f"), Ref(space, "/a/b/f"), errors.Conflict),
            (Ref(space, "/a/b/f"), Ref(space, "/a"), errors.Conflict),  # contains the source
            (Ref(space, "/a/b/f"), Ref(space, "/missing/f"), errors.Conflict),
            (Ref(space, "/a/b/f"), Ref(space, "/a/b/f/x"), errors.Conflict),
            (Ref(space, "/missing"), Ref(space, "/x"), errors.NotFound),
            (Ref(space, "/"), Ref(space, "/x"), errors.PermissionDenied),
            (Ref(space, "/a/b/f"), Ref(space, "/"), errors.PermissionDenied),
            (Ref(space, "/a/b/f"), Ref(other, "/f"), errors.NotSupported),
        ]
        for src, dst, error in cases:
            for overwrite in (False, True):
                with pytest.raises(error):
                    driver.move(src, dst, overwrite=overwrite)
        assert etags(driver, space, tracker.paths) == tracker.before
        assert read(driver, Ref(space, "/a/b/f")) == b"x"
        assert names(driver, Ref(other)) == []
