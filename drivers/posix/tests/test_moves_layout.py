"""Moves and copies on disk: a move is one rename that touches one record; a
copy is staged whole in .oc-tmp with complete records, then renamed in."""

from __future__ import annotations

import errno
import hashlib
import os
from pathlib import Path

import pytest

from opencloud.core import errors
from opencloud.core.ids import SpaceId
from opencloud.storage.types import Ref
from opencloud_driver_posix import moves
from opencloud_driver_posix.attrs import read_node
from opencloud_driver_posix.driver import PosixDriver


def put(driver: PosixDriver, space: SpaceId, path: str, data: bytes) -> str:
    up = driver.begin_upload(Ref(space, path))
    up.write(data)
    return up.commit().id


def disk(driver: PosixDriver, space: SpaceId, path: str = "") -> Path:
    return Path(driver.tree.space_dir(space) + path)


def test_folder_move_is_one_rename(driver: PosixDriver, space: SpaceId) -> None:
    folder = driver.mkdir(Ref(space, "/a"))
    driver.mkdir(Ref(space, "/b"))
    child = put(driver, space, "/a/f", b"x")
    inode = os.lstat(disk(driver, space, "/a")).st_ino
    child_record = read_node(str(disk(driver, space, "/a/f")))
    driver.move(Ref(space, "/a"), Ref(space, "/b/a"))
    assert os.lstat(disk(driver, space, "/b/a")).st_ino == inode
    assert read_node(str(disk(driver, space, "/b/a/f"))) == child_record  # not rewritten
    record = read_node(str(disk(driver, space, "/b/a")))
    assert record is not None and record.parentid == driver.stat(Ref(space, "/b")).id
    assert driver.tree.index.resolve(child) == (space, "/b/a/f")
    assert driver.tree.index.resolve(folder.id) == (space, "/b/a")
    assert list(driver.check()) == []


def test_move_overwrite_keeps_the_target_in_the_trash(driver: PosixDriver, space: SpaceId) -> None:
    put(driver, space, "/src", b"new")
    target = put(driver, space, "/dst", b"old")
    driver.move(Ref(space, "/src"), Ref(space, "/dst"), overwrite=True)
    (item,) = driver.list_trash(space)
    assert item.node_id == target
    assert (disk(driver, space) / ".Trash" / "files" / f"{item.key}.trashitem").read_bytes() == (
        b"old"
    )


def test_copy_writes_complete_records(driver: PosixDriver, space: SpaceId) -> None:
    driver.mkdir(Ref(space, "/a"))
    driver.mkdir(Ref(space, "/a/b"))
    put(driver, space, "/a/b/f", b"12345")
    put(driver, space, "/a/g", b"67")
    copied = driver.copy(Ref(space, "/a"), Ref(space, "/c"))
    parent_of = {"/c": space, "/c/b": copied.id}
    for path, size in (("/c", 7), ("/c/b", 5), ("/c/b/f", 5), ("/c/g", 2)):
        record = read_node(str(disk(driver, space, path)))
        assert record is not None and record.spaceid == space
        assert record.ino == os.lstat(disk(driver, space, path)).st_ino
        assert (record.treesize or record.blobsize) == size
        if path in parent_of:
            assert record.parentid == parent_of[path]
    record = read_node(str(disk(driver, space, "/c/b/f")))
    assert record is not None
    assert record.sha1 == hashlib.sha1(b"12345", usedforsecurity=False).hexdigest()
    assert os.listdir(disk(driver, space, "/.oc-tmp")) == []
    assert list(driver.check()) == []


def test_copy_recomputes_checksums_of_a_file_changed_outside(
    driver: PosixDriver, space: SpaceId
) -> None:
    put(driver, space, "/f", b"aaaa")
    with open(disk(driver, space, "/f"), "r+b") as out:  # another program, same size
        out.write(b"bbbb")
    os.utime(disk(driver, space, "/f"), ns=(1, 1_000_000_000))
    copied = driver.copy(Ref(space, "/f"), Ref(space, "/g"))
    assert copied.checksums["sha1"] == hashlib.sha1(b"bbbb", usedforsecurity=False).hexdigest()
    assert copied.mtime_ns == 1_000_000_000
    assert (disk(driver, space, "/g")).read_bytes() == b"bbbb"


def test_copy_without_copy_file_range_or_sendfile(
    driver: PosixDriver, space: SpaceId, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Kernels and filesystems that refuse the in-kernel copies (we cannot boot
    one here, so the refusal is simulated) still get a byte-exact copy."""

    def refuse(*_args: object) -> int:
        raise OSError(errno.EXDEV, "cross-device")

    data = os.urandom(3 * (1 << 20) + 17)
    put(driver, space, "/big", data)
    monkeypatch.setattr(os, "copy_file_range", refuse)
    monkeypatch.setattr(os, "sendfile", refuse)
    copied = driver.copy(Ref(space, "/big"), Ref(space, "/copy"))
    assert disk(driver, space, "/copy").read_bytes() == data
    assert copied.size == len(data)


def test_a_failed_copy_leaves_nothing(
    driver: PosixDriver, space: SpaceId, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A disk that fills up halfway (simulated on the third file) leaves no
    staged files, no index entries and no trace at the destination."""
    driver.mkdir(Ref(space, "/a"))
    for i in range(5):
        put(driver, space, f"/a/f{i}", b"x" * 10)
    real = moves._copy_file
    calls = []

    def filling(*args: object, **kwargs: str) -> object:
        calls.append(1)
        if len(calls) == 3:
            raise OSError(errno.ENOSPC, "No space left on device")
        return real(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(moves, "_copy_file", filling)
    indexed = len(driver.tree.index)
    with pytest.raises(errors.QuotaExceeded):
        driver.copy(Ref(space, "/a"), Ref(space, "/b"))
    assert os.listdir(disk(driver, space, "/.oc-tmp")) == []
    assert sorted(n.name for n in driver.list(Ref(space))) == ["a"]
    assert len(driver.tree.index) == indexed
    assert driver.stat(Ref(space, "/")).size == 50
