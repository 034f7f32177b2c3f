"""Helpers and fixtures shared by the conformance tests."""

from __future__ import annotations

import builtins
import hashlib
import threading
import zlib
from collections.abc import Callable, Iterable

import pytest

from opencloud.core import errors
from opencloud.core.ids import SpaceId, new_space_id
from opencloud.core.paths import RESERVED_ROOT_NAMES, parent_path
from opencloud.storage.protocol import HasTrash, HasVersions, StorageDriver
from opencloud.storage.types import NodeInfo, Ref

MB = 1 << 20


# ---------------------------------------------------------------- helpers
def put(
    driver: StorageDriver,
    ref: Ref,
    data: bytes | Iterable[bytes],
    *,
    size: int | None = None,
    if_match: str | None = None,
    if_none_match: str | None = None,
    mtime_ns: int | None = None,
    checksum: tuple[str, str] | None = None,
) -> NodeInfo:
    """Upload ``data`` (bytes or chunks) to ``ref`` and commit; aborts on failure."""
    upload = driver.begin_upload(ref, size=size, if_match=if_match, if_none_match=if_none_match)
    try:
        for chunk in [data] if isinstance(data, bytes) else data:
            upload.write(chunk)
        return upload.commit(mtime_ns=mtime_ns, checksum=checksum)
    except BaseException:
        upload.abort()
        raise


def read(driver: StorageDriver, ref: Ref) -> bytes:
    """The whole content of the file at ``ref``."""
    with driver.open_read(ref) as src:
        return src.read()


def names(driver: StorageDriver, ref: Ref) -> builtins.list[str]:
    """Sorted names of a folder's children."""
    return sorted(n.name for n in driver.list(ref))


def sums(data: bytes) -> dict[str, str]:
    """The checksums every driver reports, for ``data``."""
    return {
        "sha1": hashlib.sha1(data, usedforsecurity=False).hexdigest(),
        "md5": hashlib.md5(data, usedforsecurity=False).hexdigest(),
        "adler32": f"{zlib.adler32(data):08x}",
    }


def ancestors(path: str) -> builtins.list[str]:
    """Every folder above ``path``, nearest first, ending with the root."""
    found: builtins.list[str] = []
    while path != "/":
        path = parent_path(path)
        found.append(path)
    return found


def etags(driver: StorageDriver, space: SpaceId, paths: Iterable[str]) -> dict[str, str]:
    """The current etag of each path."""
    return {p: driver.stat(Ref(space, p)).etag for p in paths}


class Tracker:
    """Remembers folder etags, then checks they all changed (propagation)."""

    def __init__(self, driver: StorageDriver, space: SpaceId, *paths: str) -> None:
        self.driver, self.space = driver, space
        self.paths = sorted({a for p in paths for a in [p, *ancestors(p)]})
        self.before = etags(driver, space, self.paths)

    def assert_all_changed(self) -> None:
        after = etags(self.driver, self.space, self.paths)
        unchanged = [p for p in self.paths if after[p] == self.before[p]]
        assert not unchanged, f"etag did not change for {unchanged}"
        self.before = after


def total_size(driver: StorageDriver, ref: Ref) -> int:
    """Bytes of all files below ``ref``, counted by walking (not by tree size)."""
    total = 0
    for child in driver.list(ref):
        total += (
            child.size if child.kind == "file" else total_size(driver, Ref(ref.space, child.path))
        )
    return total


def run_threads(count: int, work: Callable[[int], object]) -> builtins.list[object]:
    """Run ``work(i)`` in ``count`` threads released together; returns each
    result or the exception it raised."""
    barrier = threading.Barrier(count)
    results: builtins.list[object] = [None] * count

    def target(i: int) -> None:
        barrier.wait()
        try:
            results[i] = work(i)
        except Exception as exc:  # collected for the assertions
            results[i] = exc

    threads = [threading.Thread(target=target, args=(i,)) for i in range(count)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    return results


# Bad names, as a path in a Ref, and the error each must raise.
BAD_PATHS: builtins.list[tuple[str, type[errors.OpenCloudError]]] = [
    ("/a\0b", errors.InvalidName),
    ("/a\\b", errors.InvalidName),
    ("/a\rb", errors.InvalidName),
    ("/a\nb", errors.InvalidName),
    ("/a\fb", errors.InvalidName),
    ("/" + "x" * 256, errors.InvalidName),
    ("/" + "é" * 128, errors.InvalidName),  # 256 bytes in UTF-8
    ("/..", errors.PathEscapes),
    ("/sub/../x", errors.PathEscapes),
    ("/../x", errors.PathEscapes),
    *((f"/{name}", errors.InvalidName) for name in sorted(RESERVED_ROOT_NAMES)),
    *((f"/{name}/x", errors.InvalidName) for name in sorted(RESERVED_ROOT_NAMES)),
]


class ConformanceBase:
    """The fixtures every conformance test uses; ``driver`` is the driver's own."""

    @pytest.fixture
    def driver(self) -> StorageDriver:
        pytest.fail("a driver's tests subclass DriverConformance and provide a driver fixture")

    @pytest.fixture
    def space(self, driver: StorageDriver) -> SpaceId:
        space = new_space_id()
        driver.create_space(space, kind="project", name="Conformance", owner="tester")
        return space

    @pytest.fixture
    def trash(self, driver: StorageDriver) -> HasTrash:
        if not isinstance(driver, HasTrash):
            pytest.skip(f"the {driver.name} driver keeps no trash")
        return driver

    @pytest.fixture
    def versions(self, driver: StorageDriver) -> HasVersions:
        if not isinstance(driver, HasVersions):
            pytest.skip(f"the {driver.name} driver keeps no versions")
        return driver
