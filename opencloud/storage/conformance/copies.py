"""Copies: new ids, same content, across spaces, overwrite rules, quota."""

from __future__ import annotations

import pytest

from opencloud.core import errors
from opencloud.core.ids import SpaceId, new_space_id
from opencloud.storage.conformance.base import (
    ConformanceBase,
    Tracker,
    etags,
    names,
    put,
    read,
    sums,
    total_size,
)
from opencloud.storage.protocol import StorageDriver
from opencloud.storage.types import Ref


class CopyTests(ConformanceBase):
    def test_copy_file(self, driver: StorageDriver, space: SpaceId) -> None:
        src = put(driver, Ref(space, "/f"), b"content", mtime_ns=1_400_000_000_000_000_000)
        copied = driver.copy(Ref(space, "/f"), Ref(space, "/g"))
        assert copied.id != src.id and copied.path == "/g" and copied.kind == "file"
        assert copied.checksums == sums(b"content") and copied.size == 7
        assert copied.mtime_ns == src.mtime_ns
        assert read(driver, Ref(space, "/g")) == read(driver, Ref(space, "/f")) == b"content"
        assert driver.stat(Ref(space, "/f")).etag == src.etag
        assert driver.stat(Ref(space, "/")).size == 14
        assert driver.stat_id(space, copied.id).path == "/g"

    def test_copy_folder_tree(self, driver: StorageDriver, space: SpaceId) -> None:
        originals = [driver.mkdir(Ref(space, p)).id for p in ("/a", "/a/b", "/a/b/c", "/a/e")]
        originals += [put(driver, Ref(space, p), p.encode()).id for p in ("/a/f", "/a/b/c/g")]
        copied = driver.copy(Ref(space, "/a"), Ref(space, "/z"))
        assert copied.kind == "dir" and copied.size == len("/a/f") + len("/a/b/c/g")
        paths = ("/z", "/z/b", "/z/b/c", "/z/e", "/z/f", "/z/b/c/g")
        infos = {p: driver.stat(Ref(space, p)) for p in paths}
        new_ids = {i.id for i in infos.values()}
        assert len(new_ids) == len(paths) and not new_ids & set(originals)
        assert read(driver, Ref(space, "/z/b/c/g")) == b"/a/b/c/g"
        assert infos["/z/b/c/g"].parent_id == infos["/z/b/c"].id
        assert infos["/z/b"].size == len("/a/b/c/g")
        for path, info in infos.items():
            assert driver.stat_id(space, info.id).path == path
        root = driver.stat(Ref(space, "/"))
        assert root.size == 2 * copied.size == total_size(driver, Ref(space))

    def test_copy_into_itself_is_refused(self, driver: StorageDriver, space: SpaceId) -> None:
        driver.mkdir(Ref(space, "/a"))
        put(driver, Ref(space, "/a/f"), b"x")
        tracker = Tracker(driver, space, "/a")
        for dst in ("/a/copy", "/a", "/a/f"):
            with pytest.raises(errors.Conflict):
                driver.copy(Ref(space, "/a"), Ref(space, dst), overwrite=True)
        with pytest.raises(errors.PermissionDenied):
            driver.copy(Ref(space, "/a"), Ref(space, "/"), overwrite=True)
        with pytest.raises(errors.Conflict):
            driver.copy(Ref(space, "/a/f"), Ref(space, "/missing/f"))
        with pytest.raises(errors.NotFound):
            driver.copy(Ref(space, "/missing"), Ref(space, "/x"))
        assert etags(driver, space, tracker.paths) == tracker.before

    def test_copy_across_spaces(self, driver: StorageDriver, space: SpaceId) -> None:
        other = new_space_id()
        driver.create_space(other, kind="project", name="Other", owner="x")
        driver.mkdir(Ref(space, "/a"))
        src = put(driver, Ref(space, "/a/f"), b"12345")
        copied = driver.copy(Ref(space, "/a"), Ref(other, "/a"))
        assert copied.space == other
        inner = driver.stat(Ref(other, "/a/f"))
        assert inner.id != src.id and inner.space == other
        assert read(driver, Ref(other, "/a/f")) == b"12345"
        assert driver.stat(Ref(other, "/")).size == driver.stat(Ref(space, "/")).size == 5
        assert driver.stat_id(other, inner.id).path == "/a/f"

    def test_copy_onto_existing_target(self, driver: StorageDriver, space: SpaceId) -> None:
        put(driver, Ref(space, "/src"), b"source")
        dst = put(driver, Ref(space, "/dst"), b"target")
        with pytest.raises(errors.AlreadyExists):
            driver.copy(Ref(space, "/src"), Ref(space, "/dst"))
        assert read(driver, Ref(space, "/dst")) == b"target"
        copied = driver.copy(Ref(space, "/src"), Ref(space, "/dst"), overwrite=True)
        assert copied.id == dst.id  # file onto file: an overwrite, the target keeps its id
        assert read(driver, Ref(space, "/dst")) == b"source"
        assert copied.etag != dst.etag
        driver.mkdir(Ref(space, "/d1"))
        put(driver, Ref(space, "/d1/one"), b"1")
        driver.mkdir(Ref(space, "/d2"))
        put(driver, Ref(space, "/d2/two"), b"22")
        driver.copy(Ref(space, "/d1"), Ref(space, "/d2"), overwrite=True)
        assert names(driver, Ref(space, "/d2")) == ["one"]
        assert driver.stat(Ref(space, "/")).size == 6 + 6 + 1 + 1

    def test_copy_respects_quota(self, driver: StorageDriver, space: SpaceId) -> None:
        driver.set_quota(space, 1000)
        driver.mkdir(Ref(space, "/a"))
        put(driver, Ref(space, "/a/f"), b"x" * 600)
        with pytest.raises(errors.QuotaExceeded):
            driver.copy(Ref(space, "/a/f"), Ref(space, "/g"))
        with pytest.raises(errors.QuotaExceeded):
            driver.copy(Ref(space, "/a"), Ref(space, "/b"))
        assert names(driver, Ref(space)) == ["a"]
        assert driver.quota(space).used == 600
