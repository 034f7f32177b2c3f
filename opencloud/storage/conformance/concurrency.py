"""Many writers at once: one winner, nothing lost, no surprise errors."""

from __future__ import annotations

from opencloud.core import errors
from opencloud.core.ids import SpaceId
from opencloud.storage.conformance.base import ConformanceBase, names, put, read, run_threads
from opencloud.storage.protocol import HasVersions, StorageDriver
from opencloud.storage.types import NodeInfo, Ref


class ConcurrencyTests(ConformanceBase):
    def test_concurrent_uploads_to_one_new_name(
        self, driver: StorageDriver, space: SpaceId
    ) -> None:
        contents = [f"writer {i} ".encode() * (i + 1) for i in range(8)]
        results = run_threads(8, lambda i: put(driver, Ref(space, "/same"), contents[i]))
        assert all(isinstance(r, NodeInfo) for r in results), results
        assert names(driver, Ref(space)) == ["same"]
        ids = {r.id for r in results if isinstance(r, NodeInfo)}
        current = read(driver, Ref(space, "/same"))
        assert len(ids) == 1 and current in contents
        assert driver.stat(Ref(space, "/")).size == len(current)
        if isinstance(driver, HasVersions):
            kept = {current}
            for version in driver.list_versions(Ref(space, "/same")):
                with driver.open_version(Ref(space, "/same"), version.key) as src:
                    kept.add(src.read())
            assert kept == set(contents)

    def test_concurrent_exclusive_creates(self, driver: StorageDriver, space: SpaceId) -> None:
        contents = [f"writer {i}".encode() for i in range(8)]
        results = run_threads(
            8, lambda i: put(driver, Ref(space, "/once"), contents[i], if_none_match="*")
        )
        won = [r for r in results if isinstance(r, NodeInfo)]
        lost = [r for r in results if not isinstance(r, NodeInfo)]
        assert len(won) == 1, results
        assert all(isinstance(r, (errors.PreconditionFailed, errors.AlreadyExists)) for r in lost)
        assert read(driver, Ref(space, "/once")) == contents[results.index(won[0])]
        assert names(driver, Ref(space)) == ["once"]

    def test_concurrent_mkdir(self, driver: StorageDriver, space: SpaceId) -> None:
        results = run_threads(8, lambda _i: driver.mkdir(Ref(space, "/d")))
        assert sum(isinstance(r, NodeInfo) for r in results) == 1, results
        assert all(isinstance(r, (NodeInfo, errors.AlreadyExists)) for r in results)
        assert names(driver, Ref(space)) == ["d"]

    def test_concurrent_moves_of_one_item(self, driver: StorageDriver, space: SpaceId) -> None:
        info = put(driver, Ref(space, "/f"), b"x")
        results = run_threads(8, lambda i: driver.move(Ref(space, "/f"), Ref(space, f"/g{i}")))
        won = [r for r in results if isinstance(r, NodeInfo)]
        assert len(won) == 1 and won[0].id == info.id, results
        assert all(isinstance(r, (NodeInfo, errors.NotFound)) for r in results), results
        assert names(driver, Ref(space)) == [won[0].name]
        assert driver.stat_id(space, info.id).path == won[0].path
