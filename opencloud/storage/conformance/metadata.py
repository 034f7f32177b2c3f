"""Arbitrary metadata: set, get, remove, large sets, survival."""

from __future__ import annotations

import builtins

import pytest

from opencloud.core import errors
from opencloud.core.ids import SpaceId
from opencloud.storage.conformance.base import ConformanceBase, put
from opencloud.storage.protocol import StorageDriver
from opencloud.storage.types import Ref


class MetadataTests(ConformanceBase):
    def test_metadata(self, driver: StorageDriver, space: SpaceId) -> None:
        driver.mkdir(Ref(space, "/d"))
        put(driver, Ref(space, "/d/f"), b"x")
        for path in ("/d", "/d/f", "/"):
            ref = Ref(space, path)
            assert driver.get_meta(ref) == {}
            driver.set_meta(ref, {"prop:{DAV:}color": b"red", "tag": b"\x00\xff"})
            assert driver.get_meta(ref) == {"prop:{DAV:}color": b"red", "tag": b"\x00\xff"}
            assert driver.get_meta(ref, ["tag"]) == {"tag": b"\x00\xff"}
            driver.set_meta(ref, {"other": b"1"}, remove=["tag", "never-set"])
            assert driver.get_meta(ref) == {"prop:{DAV:}color": b"red", "other": b"1"}
        with pytest.raises(errors.NotFound):
            driver.set_meta(Ref(space, "/missing"), {"a": b"1"})
        with pytest.raises(errors.InvalidInput):
            driver.set_meta(Ref(space, "/d"), {"": b"1"})

    def test_large_metadata(self, driver: StorageDriver, space: SpaceId) -> None:
        put(driver, Ref(space, "/f"), b"x")
        values = {f"prop:{{urn:test}}p{i:03d}": bytes([i]) * 200 for i in range(100)}
        driver.set_meta(Ref(space, "/f"), values)
        assert driver.get_meta(Ref(space, "/f")) == values
        driver.set_meta(Ref(space, "/f"), {}, remove=builtins.list(values)[:90])
        rest = dict(builtins.list(values.items())[90:])
        assert driver.get_meta(Ref(space, "/f")) == rest
        driver.set_meta(Ref(space, "/f"), values)
        assert driver.get_meta(Ref(space, "/f")) == values

    def test_metadata_survives_overwrite_and_move(
        self, driver: StorageDriver, space: SpaceId
    ) -> None:
        small = {"small": b"s"}
        large = {f"k{i}": b"v" * 200 for i in range(50)}
        put(driver, Ref(space, "/a"), b"1")
        put(driver, Ref(space, "/b"), b"1")
        driver.set_meta(Ref(space, "/a"), small)
        driver.set_meta(Ref(space, "/b"), large)
        put(driver, Ref(space, "/a"), b"22")
        put(driver, Ref(space, "/b"), b"22")
        assert driver.get_meta(Ref(space, "/a")) == small
        assert driver.get_meta(Ref(space, "/b")) == large
        driver.mkdir(Ref(space, "/d"))
        driver.move(Ref(space, "/a"), Ref(space, "/d/a"))
        driver.move(Ref(space, "/b"), Ref(space, "/d/b2"))
        assert driver.get_meta(Ref(space, "/d/a")) == small
        assert driver.get_meta(Ref(space, "/d/b2")) == large
