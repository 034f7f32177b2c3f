"""The trash on disk: freedesktop info files, one rename per delete, and purge
taking versions and side files along."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from opencloud.core import errors
from opencloud.core.ids import NodeId, SpaceId
from opencloud.storage.types import Ref
from opencloud_driver_posix import trash
from opencloud_driver_posix.attrs import read_node, write_node
from opencloud_driver_posix.driver import PosixDriver


def put(driver: PosixDriver, space: SpaceId, path: str, data: bytes) -> str:
    up = driver.begin_upload(Ref(space, path))
    up.write(data)
    return up.commit().id


def base(driver: PosixDriver, space: SpaceId) -> Path:
    return Path(driver.tree.space_dir(space))


def test_info_file_is_freedesktop_with_our_lines(driver: PosixDriver, space: SpaceId) -> None:
    driver.mkdir(Ref(space, "/docs"))
    node = put(driver, space, "/docs/report 2024 ä%.txt", b"12345")
    item = driver.delete(Ref(space, "/docs/report 2024 ä%.txt"))
    assert item is not None and item.key == node
    info = base(driver, space) / ".Trash" / "info" / f"{node}.trashinfo"
    lines = info.read_text("ascii").splitlines()
    assert lines[0] == "[Trash Info]"
    assert lines[1] == "Path=docs/report%202024%20%C3%A4%25.txt"
    assert re.fullmatch(r"DeletionDate=\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", lines[2])
    assert lines[3:] == [f"NodeId={node}", "Kind=file", "Size=5"]
    assert (base(driver, space) / ".Trash" / "files" / f"{node}.trashitem").is_file()
    (listed,) = driver.list_trash(space)
    assert listed == item
    assert listed.original_path == "/docs/report 2024 ä%.txt"


def test_delete_and_restore_are_one_rename(driver: PosixDriver, space: SpaceId) -> None:
    folder = driver.mkdir(Ref(space, "/big"))
    driver.mkdir(Ref(space, "/big/sub"))
    for i in range(20):
        put(driver, space, f"/big/sub/f{i}", b"x" * i)
    root = base(driver, space)
    inodes = {p: os.lstat(root / "big" / p).st_ino for p in ("", "sub", "sub/f7")}
    records = {p: read_node(str(root / "big" / p)) for p in ("sub", "sub/f7")}
    item = driver.delete(Ref(space, "/big"))
    assert item is not None
    trashed = root / ".Trash" / "files" / f"{item.key}.trashitem"
    assert os.lstat(trashed).st_ino == inodes[""]
    for path in ("sub", "sub/f7"):  # nothing below was touched
        assert os.lstat(trashed / path).st_ino == inodes[path]
        assert read_node(str(trashed / path)) == records[path]
    assert driver.tree.index.resolve(folder.id) is None
    restored = driver.restore_trash(space, item.key)
    assert restored.id == folder.id
    assert os.lstat(root / "big").st_ino == inodes[""]
    assert driver.stat(Ref(space, "/big")).size == sum(range(20))
    assert not os.listdir(root / ".Trash" / "info")


def test_a_taken_key_gets_a_suffix(driver: PosixDriver, space: SpaceId) -> None:
    first = put(driver, space, "/a", b"a")
    put(driver, space, "/b", b"bb")
    driver.delete(Ref(space, "/a"))
    record = read_node(str(base(driver, space) / "b"))
    assert record is not None
    record.id = first  # as if an outside copy had carried the same id
    write_node(str(base(driver, space) / "b"), record)
    second = driver.delete(Ref(space, "/b"))
    assert second is not None
    assert re.fullmatch(rf"{first}\.\d+", second.key)
    assert {i.original_path for i in driver.list_trash(space)} == {"/a", "/b"}
    assert driver.restore_trash(space, second.key).path == "/b"
    assert driver.restore_trash(space, first).path == "/a"
    assert driver.stat(Ref(space, "/")).size == 3


def test_half_items_are_skipped_and_purged(driver: PosixDriver, space: SpaceId) -> None:
    put(driver, space, "/ok", b"ok")
    driver.delete(Ref(space, "/ok"))
    files, info = base(driver, space) / ".Trash" / "files", base(driver, space) / ".Trash" / "info"
    (info / "lonely.trashinfo").write_text("[Trash Info]\nPath=lonely\n")
    (files / "orphan.trashitem").write_bytes(b"no info")
    (info / "damaged.trashinfo").write_text("not a trash info")
    (files / "damaged.trashitem").write_bytes(b"x")
    assert [i.original_path for i in driver.list_trash(space)] == ["/ok"]
    driver.purge_trash(space)
    assert os.listdir(files) == [] and os.listdir(info) == []


def test_purge_takes_versions_and_side_files(driver: PosixDriver, space: SpaceId) -> None:
    driver.mkdir(Ref(space, "/d"))
    driver.mkdir(Ref(space, "/d/e"))
    outer = put(driver, space, "/d/f", b"one")
    put(driver, space, "/d/f", b"two")
    inner = put(driver, space, "/d/e/g", b"one")
    put(driver, space, "/d/e/g", b"two")
    driver.set_meta(Ref(space, "/d/e/g"), {f"k{i}": b"v" * 200 for i in range(20)})
    nodes = base(driver, space) / ".oc-nodes"
    kept = sorted(p.name for p in nodes.rglob("*") if p.is_file())
    assert any(n.startswith(f"{outer}.REV.") for n in kept)
    assert f"{inner}.mpk" in kept
    item = driver.delete(Ref(space, "/d"))
    assert item is not None
    assert sorted(p.name for p in nodes.rglob("*") if p.is_file()) == kept  # restorable
    driver.purge_trash(space, item.key)
    assert [p for p in nodes.rglob("*") if p.is_file()] == []
    assert os.listdir(base(driver, space) / ".oc-tmp") == []
    assert driver.list_trash(space) == []


def test_restore_recreates_folders_with_records(driver: PosixDriver, space: SpaceId) -> None:
    driver.mkdir(Ref(space, "/a"))
    driver.mkdir(Ref(space, "/a/b"))
    put(driver, space, "/a/b/f", b"data")
    file_item = driver.delete(Ref(space, "/a/b/f"))
    folder_item = driver.delete(Ref(space, "/a"))
    assert file_item is not None and folder_item is not None
    driver.purge_trash(space, folder_item.key)
    driver.restore_trash(space, file_item.key)
    root = base(driver, space)
    parent = driver.tree.space_dir(space)
    parent_id: str = space
    for path in ("a", "a/b", "a/b/f"):
        record = read_node(str(root / path))
        assert record is not None
        assert record.parentid == parent_id and record.ino == os.lstat(root / path).st_ino
        assert driver.stat_id(space, NodeId(record.id)).path == "/" + path
        parent, parent_id = str(root / path), record.id
    assert parent.endswith("f")
    assert list(driver.check()) == []


def test_free_names() -> None:
    names = trash.free_names("report.txt")
    assert [next(names) for _ in range(3)] == ["report.txt", "report (1).txt", "report (2).txt"]
    assert list(trash.free_names(".profile"))[1] == ".profile (1)"
    assert list(trash.free_names("archive.tar.gz"))[1] == "archive.tar (1).gz"
    assert list(trash.free_names("Folder"))[1] == "Folder (1)"
    long = "é" * 125 + ".txt"  # 254 bytes
    renamed = list(trash.free_names(long))[1]
    assert renamed.endswith(" (1).txt") and len(renamed.encode()) <= 255


def test_a_server_written_trash_is_clean(driver: PosixDriver, space: SpaceId) -> None:
    driver.mkdir(Ref(space, "/d"))
    put(driver, space, "/d/f", b"one")
    put(driver, space, "/d/f", b"two")
    driver.delete(Ref(space, "/d/f"))
    item = driver.delete(Ref(space, "/d"))
    assert item is not None
    assert list(driver.check()) == []
    driver.restore_trash(space, item.key)
    assert list(driver.check()) == []


def test_a_restored_folder_is_found_by_id_after_a_scan(driver: PosixDriver, space: SpaceId) -> None:
    driver.mkdir(Ref(space, "/d"))
    driver.mkdir(Ref(space, "/d/e"))
    child = put(driver, space, "/d/e/f", b"x")
    item = driver.delete(Ref(space, "/d"))
    assert item is not None
    assert driver.ensure_scanned()  # a full scan never walks the trash: it forgets /d/e/f
    assert driver.tree.index.get(child) is None
    driver.restore_trash(space, item.key)
    assert driver.stat_id(space, NodeId(child)).path == "/d/e/f"


def test_purge_spares_the_versions_of_a_live_twin(driver: PosixDriver, space: SpaceId) -> None:
    live = put(driver, space, "/f", b"one")
    put(driver, space, "/f", b"two")
    put(driver, space, "/twin", b"copy")
    record = read_node(str(base(driver, space) / "twin"))
    assert record is not None
    record.id = live  # an outside copy carrying the id, not yet re-id'd by a scan
    write_node(str(base(driver, space) / "twin"), record)
    item = driver.delete(Ref(space, "/twin"))
    assert item is not None
    assert driver.stat_id(space, NodeId(live)).path == "/f"
    driver.purge_trash(space, item.key)
    assert len(driver.list_versions(Ref(space, "/f"))) == 1
    assert driver.stat_id(space, NodeId(live)).path == "/f"


# ---------------------------------------------------------------- entries inside a trashed folder
def trashed_folder(driver: PosixDriver, space: SpaceId) -> tuple[str, Path]:
    """``/d`` with ``e/f`` (3 bytes) and ``g`` (2), deleted: its key and trash path."""
    driver.mkdir(Ref(space, "/d"))
    driver.mkdir(Ref(space, "/d/e"))
    put(driver, space, "/d/e/f", b"fff")
    put(driver, space, "/d/g", b"gg")
    item = driver.delete(Ref(space, "/d"))
    assert item is not None
    return item.key, base(driver, space) / ".Trash" / "files" / f"{item.key}.trashitem"


def test_restoring_an_entry_is_one_rename(driver: PosixDriver, space: SpaceId) -> None:
    key, trashed = trashed_folder(driver, space)
    inodes = {p: os.lstat(trashed / p).st_ino for p in ("e", "e/f")}
    restored = driver.restore_trash(space, key, path="e", dst=Ref(space, "/e"))
    root = base(driver, space)
    assert {p: os.lstat(root / p).st_ino for p in ("e", "e/f")} == inodes
    record = read_node(str(root / "e"))
    assert record is not None and record.parentid == space and record.id == restored.id
    assert not (trashed / "e").exists()
    assert driver.stat(Ref(space, "/")).size == 3
    assert list(driver.check()) == []


def test_an_entry_leaving_shrinks_the_folder_and_its_info(
    driver: PosixDriver, space: SpaceId
) -> None:
    key, trashed = trashed_folder(driver, space)
    info = base(driver, space) / ".Trash" / "info" / f"{key}.trashinfo"
    before = info.read_text("ascii").splitlines()
    driver.purge_trash(space, key, path="e/f")
    after = info.read_text("ascii").splitlines()
    assert after[:5] == before[:5]  # path, deletion date, id, kind: byte for byte
    assert (before[5], after[5]) == ("Size=5", "Size=2")
    for folder, size in ((trashed, 2), (trashed / "e", 0)):
        record = read_node(str(folder))
        assert record is not None and record.treesize == size
    assert os.listdir(base(driver, space) / ".oc-tmp") == []
    driver.restore_trash(space, key)
    assert driver.stat(Ref(space, "/d")).size == 2
    assert list(driver.check()) == []


def test_a_crash_after_the_rename_leaves_nothing_half_restored(
    driver: PosixDriver, space: SpaceId, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The rename is the commit: if the bookkeeping after it never happens, the
    entry is fully back and the folder fully in the trash; the folder's stale
    recorded size is recounted when it is restored."""
    key, trashed = trashed_folder(driver, space)

    def crash(*_args: object) -> None:
        raise RuntimeError("power cut")

    monkeypatch.setattr(trash, "shrink", crash)
    with pytest.raises(RuntimeError):
        driver.restore_trash(space, key, path="e", dst=Ref(space, "/e"))
    monkeypatch.undo()
    assert driver.stat(Ref(space, "/e/f")).size == 3
    assert sorted(os.listdir(trashed)) == ["g"]
    record = read_node(str(trashed))
    assert record is not None and record.treesize == 5  # stale, as a crash leaves it
    restored = driver.restore_trash(space, key)
    assert restored.size == 2
    assert driver.stat(Ref(space, "/")).size == 5


def test_symlinks_in_a_trashed_folder_are_not_followed(
    driver: PosixDriver, space: SpaceId, tmp_path: Path
) -> None:
    key, trashed = trashed_folder(driver, space)
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret").write_bytes(b"secret")
    os.symlink(outside, trashed / "link")
    os.symlink(outside / "secret", trashed / "e" / "secret")
    for path in ("link", "link/secret", "e/secret"):
        with pytest.raises(errors.NotFound):
            driver.stat_trash(space, key, path)
        with pytest.raises(errors.NotFound):
            driver.restore_trash(space, key, path=path, dst=Ref(space, "/x"))
        with pytest.raises(errors.NotFound):
            driver.purge_trash(space, key, path=path)
    with pytest.raises(errors.NotFound):
        driver.list_trash_folder(space, key, "link")
    assert [e.path for e in driver.list_trash_folder(space, key)] == ["e", "g"]
    assert [e.path for e in driver.list_trash_folder(space, key, "e")] == ["e/f"]
    assert (outside / "secret").read_bytes() == b"secret"
    assert driver.stat(Ref(space, "/")).size == 0
