"""Reading and creating folders, and the names that may not be stored."""

from __future__ import annotations

import builtins
from collections.abc import Callable

import pytest

from opencloud.core import errors
from opencloud.core.ids import NodeId, SpaceId
from opencloud.core.paths import RESERVED_ROOT_NAMES
from opencloud.storage.conformance.base import (
    BAD_PATHS,
    ConformanceBase,
    Tracker,
    etags,
    names,
    put,
    read,
)
from opencloud.storage.protocol import StorageDriver
from opencloud.storage.types import Ref


class TreeTests(ConformanceBase):
    def test_new_space_is_empty(self, driver: StorageDriver, space: SpaceId) -> None:
        root = driver.stat(Ref(space, "/"))
        assert (root.id, root.parent_id, root.path, root.kind, root.size) == (
            NodeId(space),
            "",
            "/",
            "dir",
            0,
        )
        assert names(driver, Ref(space)) == []

    def test_mkdir_and_stat(self, driver: StorageDriver, space: SpaceId) -> None:
        made = driver.mkdir(Ref(space, "/a"))
        assert (made.kind, made.name, made.path, made.parent_id, made.size, made.space) == (
            "dir",
            "a",
            "/a",
            space,
            0,
            space,
        )
        sub = driver.mkdir(Ref(space, "/a/b"))
        assert sub.parent_id == made.id and sub.path == "/a/b"
        again = driver.stat(Ref(space, "/a"))
        assert again.id == made.id and again.kind == "dir"
        assert names(driver, Ref(space)) == ["a"]
        assert [(c.id, c.path) for c in driver.list(Ref(space, "/a"))] == [(sub.id, "/a/b")]

    def test_mkdir_taken_name(self, driver: StorageDriver, space: SpaceId) -> None:
        driver.mkdir(Ref(space, "/a"))
        put(driver, Ref(space, "/f"), b"x")
        for path in ("/a", "/f", "/"):
            with pytest.raises(errors.AlreadyExists):
                driver.mkdir(Ref(space, path))
        assert driver.stat(Ref(space, "/f")).kind == "file"

    def test_mkdir_needs_a_parent_folder(self, driver: StorageDriver, space: SpaceId) -> None:
        put(driver, Ref(space, "/f"), b"x")
        tracker = Tracker(driver, space, "/")
        with pytest.raises(errors.Conflict):
            driver.mkdir(Ref(space, "/missing/a"))
        with pytest.raises(errors.Conflict):
            driver.mkdir(Ref(space, "/f/a"))
        assert names(driver, Ref(space)) == ["f"]
        assert etags(driver, space, ["/"]) == tracker.before

    def test_stat_and_list_errors(self, driver: StorageDriver, space: SpaceId) -> None:
        put(driver, Ref(space, "/f"), b"x")
        with pytest.raises(errors.NotFound):
            driver.stat(Ref(space, "/missing"))
        with pytest.raises(errors.NotFound):
            builtins.list(driver.list(Ref(space, "/missing")))
        with pytest.raises(errors.Conflict):
            builtins.list(driver.list(Ref(space, "/f")))
        with pytest.raises(errors.NotFound):
            driver.open_read(Ref(space, "/missing"))

    def test_reads_through_a_missing_folder_are_not_found(
        self, driver: StorageDriver, space: SpaceId
    ) -> None:
        """A read below a missing folder (or below a file) is NotFound, as GET and
        PROPFIND answer 404; a write there is a Conflict (409)."""
        put(driver, Ref(space, "/f"), b"x")
        for path in ("/missing/child", "/f/child", "/missing/a/b"):
            with pytest.raises(errors.NotFound):
                driver.stat(Ref(space, path))
            with pytest.raises(errors.NotFound):
                builtins.list(driver.list(Ref(space, path)))
            with pytest.raises(errors.NotFound):
                driver.open_read(Ref(space, path))
            with pytest.raises(errors.Conflict):
                driver.begin_upload(Ref(space, path))

    def test_dot_segments(self, driver: StorageDriver, space: SpaceId) -> None:
        made = driver.mkdir(Ref(space, "/a/"))
        assert driver.stat(Ref(space, "/./a//.")).id == made.id
        assert made.path == "/a"

    def test_reserved_names_are_hidden_and_refused(
        self, driver: StorageDriver, space: SpaceId
    ) -> None:
        assert not set(names(driver, Ref(space))) & RESERVED_ROOT_NAMES
        for name in RESERVED_ROOT_NAMES:
            with pytest.raises(errors.InvalidName):
                driver.mkdir(Ref(space, f"/{name}"))
            with pytest.raises(errors.InvalidName):
                put(driver, Ref(space, f"/{name}"), b"x")
            with pytest.raises(errors.InvalidName):
                driver.stat(Ref(space, f"/{name}"))
        assert names(driver, Ref(space)) == []
        driver.mkdir(Ref(space, "/sub"))
        for name in RESERVED_ROOT_NAMES:  # reserved at the root only
            driver.mkdir(Ref(space, f"/sub/{name}"))
        assert names(driver, Ref(space, "/sub")) == sorted(RESERVED_ROOT_NAMES)

    @pytest.mark.parametrize(("path", "error"), BAD_PATHS)
    def test_bad_names_write_nothing(
        self, driver: StorageDriver, space: SpaceId, path: str, error: type[Exception]
    ) -> None:
        driver.mkdir(Ref(space, "/sub"))
        put(driver, Ref(space, "/src"), b"source")
        tracker = Tracker(driver, space, "/sub")
        before = names(driver, Ref(space)), names(driver, Ref(space, "/sub"))
        writes: builtins.list[Callable[[], object]] = [
            lambda: driver.mkdir(Ref(space, path)),
            lambda: put(driver, Ref(space, path), b"x"),
            lambda: driver.move(Ref(space, "/src"), Ref(space, path)),
            lambda: driver.copy(Ref(space, "/src"), Ref(space, path)),
            lambda: driver.move(Ref(space, "/src"), Ref(space, path), overwrite=True),
            lambda: driver.copy(Ref(space, "/src"), Ref(space, path), overwrite=True),
        ]
        for write in writes:
            with pytest.raises(error):
                write()
        assert (names(driver, Ref(space)), names(driver, Ref(space, "/sub"))) == before
        assert etags(driver, space, tracker.paths) == tracker.before
        assert read(driver, Ref(space, "/src")) == b"source"

    def test_longest_name_is_fine(self, driver: StorageDriver, space: SpaceId) -> None:
        name = "é" * 127 + "x"  # 255 bytes
        put(driver, Ref(space, f"/{name}"), b"x")
        assert names(driver, Ref(space)) == [name]

    def test_names_are_byte_exact(self, driver: StorageDriver, space: SpaceId) -> None:
        nfc, nfd = "caf\u00e9", "cafe\u0301"
        put(driver, Ref(space, f"/{nfc}"), b"nfc")
        put(driver, Ref(space, f"/{nfd}"), b"nfd")
        assert names(driver, Ref(space)) == sorted([nfc, nfd])
        assert read(driver, Ref(space, f"/{nfd}")) == b"nfd"
