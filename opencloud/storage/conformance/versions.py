"""Versions (HasVersions): kept on overwrite, read, restored."""

from __future__ import annotations

import pytest

from opencloud.core import errors
from opencloud.core.ids import SpaceId
from opencloud.storage.conformance.base import ConformanceBase, Tracker, put, read, sums
from opencloud.storage.protocol import HasVersions, StorageDriver
from opencloud.storage.types import Ref


class VersionTests(ConformanceBase):
    def test_versions(self, driver: StorageDriver, space: SpaceId, versions: HasVersions) -> None:
        first = put(driver, Ref(space, "/f"), b"one")
        assert versions.list_versions(Ref(space, "/f")) == []
        second = put(driver, Ref(space, "/f"), b"two!")
        put(driver, Ref(space, "/f"), b"three")
        found = versions.list_versions(Ref(space, "/f"))
        assert len(found) == 2 and len({v.key for v in found}) == 2
        contents = {}
        for version in found:
            assert version.node_id == first.id
            with versions.open_version(Ref(space, "/f"), version.key) as src:
                contents[src.read()] = version
        assert set(contents) == {b"one", b"two!"}
        assert contents[b"one"].size == 3 and contents[b"two!"].size == 4
        assert contents[b"one"].etag == first.etag and contents[b"two!"].etag == second.etag
        assert contents[b"one"].checksums == sums(b"one")
        assert driver.stat(Ref(space, "/")).size == 5  # versions are not counted

    def test_restore_version(
        self, driver: StorageDriver, space: SpaceId, versions: HasVersions
    ) -> None:
        driver.mkdir(Ref(space, "/d"))
        first = put(driver, Ref(space, "/d/f"), b"one")
        put(driver, Ref(space, "/d/f"), b"two!")
        current = put(driver, Ref(space, "/d/f"), b"three")
        (old,) = [v for v in versions.list_versions(Ref(space, "/d/f")) if v.etag == first.etag]
        tracker = Tracker(driver, space, "/d")
        restored = versions.restore_version(Ref(space, "/d/f"), old.key)
        tracker.assert_all_changed()
        assert restored.id == first.id and restored.size == 3
        assert restored.etag not in (current.etag, first.etag)
        assert restored.checksums == sums(b"one")
        assert read(driver, Ref(space, "/d/f")) == b"one"
        remaining = versions.list_versions(Ref(space, "/d/f"))
        kept = set()
        for version in remaining:
            with versions.open_version(Ref(space, "/d/f"), version.key) as src:
                kept.add(src.read())
        assert kept == {b"two!", b"three"}
        assert driver.stat(Ref(space, "/")).size == 3 == driver.stat(Ref(space, "/d")).size

    @pytest.mark.parametrize("key", ["missing", "../../x", "a/b", "", "x\0y"])
    def test_unknown_version_keys(
        self, driver: StorageDriver, space: SpaceId, versions: HasVersions, key: str
    ) -> None:
        put(driver, Ref(space, "/f"), b"one")
        put(driver, Ref(space, "/f"), b"two")
        with pytest.raises(errors.NotFound):
            versions.open_version(Ref(space, "/f"), key)
        with pytest.raises(errors.NotFound):
            versions.restore_version(Ref(space, "/f"), key)
        assert read(driver, Ref(space, "/f")) == b"two"
        assert len(versions.list_versions(Ref(space, "/f"))) == 1

    def test_versions_follow_the_file(
        self, driver: StorageDriver, space: SpaceId, versions: HasVersions
    ) -> None:
        put(driver, Ref(space, "/f"), b"one")
        put(driver, Ref(space, "/f"), b"two")
        driver.mkdir(Ref(space, "/d"))
        driver.move(Ref(space, "/f"), Ref(space, "/d/g"))
        (version,) = versions.list_versions(Ref(space, "/d/g"))
        with versions.open_version(Ref(space, "/d/g"), version.key) as src:
            assert src.read() == b"one"
