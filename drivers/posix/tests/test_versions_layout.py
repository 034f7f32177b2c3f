"""Versions on disk: hard links to the replaced inodes, restored by rename."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from opencloud.core import errors
from opencloud.core.ids import SpaceId
from opencloud.storage.types import NodeInfo, Ref
from opencloud_driver_posix import versions
from opencloud_driver_posix.attrs import read_node
from opencloud_driver_posix.driver import PosixDriver


def put(
    driver: PosixDriver, space: SpaceId, path: str, data: bytes, mtime_ns: int | None = None
) -> NodeInfo:
    up = driver.begin_upload(Ref(space, path))
    up.write(data)
    return up.commit(mtime_ns=mtime_ns)


def live(driver: PosixDriver, space: SpaceId, path: str) -> Path:
    return Path(driver.tree.space_dir(space) + path)


def test_versions_are_hard_links_to_the_old_inodes(driver: PosixDriver, space: SpaceId) -> None:
    first = put(driver, space, "/f", b"one")
    old_inode = os.lstat(live(driver, space, "/f")).st_ino
    put(driver, space, "/f", b"two")
    (version,) = driver.list_versions(Ref(space, "/f"))
    assert version.key == versions.version_key(first.mtime_ns)
    path = versions.version_path(driver.tree.space_dir(space), first.id, version.key)
    st = os.lstat(path)
    assert st.st_ino == old_inode and st.st_nlink == 1  # no copy, and no longer live
    assert os.lstat(live(driver, space, "/f")).st_ino != old_inode


def test_restore_version_renames_the_version_into_place(
    driver: PosixDriver, space: SpaceId
) -> None:
    first = put(driver, space, "/f", b"one")
    one = os.lstat(live(driver, space, "/f")).st_ino
    put(driver, space, "/f", b"two")
    two = os.lstat(live(driver, space, "/f")).st_ino
    (version,) = driver.list_versions(Ref(space, "/f"))
    restored = driver.restore_version(Ref(space, "/f"), version.key)
    st = os.lstat(live(driver, space, "/f"))
    assert st.st_ino == one and restored.id == first.id
    record = read_node(str(live(driver, space, "/f")))
    assert record is not None
    assert (record.id, record.ino, record.mtime, record.blobsize) == (
        first.id,
        one,
        st.st_mtime_ns,
        3,
    )
    space_dir = driver.tree.space_dir(space)
    (kept,) = versions.version_keys(space_dir, first.id)
    assert os.lstat(versions.version_path(space_dir, first.id, kept)).st_ino == two
    assert os.listdir(Path(space_dir) / ".oc-tmp") == []
    assert list(driver.check()) == []


def test_versions_list_newest_first(driver: PosixDriver, space: SpaceId) -> None:
    same = 1_700_000_000_000_000_000
    for data in (b"a", b"bb", b"ccc", b"dddd"):
        put(driver, space, "/f", data, mtime_ns=same)
    found = driver.list_versions(Ref(space, "/f"))
    base = versions.version_key(same)
    assert [v.key for v in found] == [f"{base}.2", f"{base}.1", base]
    assert [v.size for v in found] == [3, 2, 1]


def test_version_keys_sort_numerically(driver: PosixDriver, space: SpaceId) -> None:
    node = put(driver, space, "/f", b"x").id
    space_dir = driver.tree.space_dir(space)
    base = versions.version_key(1_700_000_000_000_000_000)
    folder = Path(versions.version_path(space_dir, node, base)).parent
    folder.mkdir(parents=True, exist_ok=True)
    for suffix in ("", ".1", ".2", ".9", ".10", ".11"):
        (folder / f"{node}.REV.{base}{suffix}").write_bytes(b"")
    assert versions.version_keys(space_dir, node) == [
        base,
        f"{base}.1",
        f"{base}.2",
        f"{base}.9",
        f"{base}.10",
        f"{base}.11",
    ]


def test_restored_version_keeps_the_files_metadata(driver: PosixDriver, space: SpaceId) -> None:
    put(driver, space, "/small", b"one")
    put(driver, space, "/big", b"one")
    driver.set_meta(Ref(space, "/small"), {"before": b"1"})
    put(driver, space, "/small", b"two")
    put(driver, space, "/big", b"two")
    driver.set_meta(Ref(space, "/small"), {"after": b"2"}, remove=["before"])
    large = {f"k{i}": b"v" * 200 for i in range(30)}
    driver.set_meta(Ref(space, "/big"), large)
    for path in ("/small", "/big"):
        (version,) = driver.list_versions(Ref(space, path))
        driver.restore_version(Ref(space, path), version.key)
    assert driver.get_meta(Ref(space, "/small")) == {"after": b"2"}
    assert driver.get_meta(Ref(space, "/big")) == large


def test_restore_version_checks_quota(driver: PosixDriver, space: SpaceId) -> None:
    put(driver, space, "/f", b"x" * 800)
    put(driver, space, "/f", b"x" * 10)
    driver.set_quota(space, 900)
    put(driver, space, "/g", b"y" * 200)
    (version,) = driver.list_versions(Ref(space, "/f"))
    with pytest.raises(errors.QuotaExceeded):  # 800 bytes back, 690 left
        driver.restore_version(Ref(space, "/f"), version.key)
    assert driver.list_versions(Ref(space, "/f")) == [version]
    assert driver.stat(Ref(space, "/f")).size == 10


def test_system_spaces_keep_no_versions(driver: PosixDriver) -> None:
    """The server's own records (password hashes among them) keep no history."""
    space = SpaceId("system-test")
    driver.create_space(space, kind="system", name="records", owner="")
    for body in (b"one", b"two", b"three"):
        upload = driver.begin_upload(Ref(space, "/record.json"))
        upload.write(body)
        upload.commit()
    assert driver.list_versions(Ref(space, "/record.json")) == []
    with driver.open_read(Ref(space, "/record.json")) as handle:
        assert handle.read() == b"three"
