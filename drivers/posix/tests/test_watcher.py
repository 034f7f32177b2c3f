"""Outside writes are picked up like server writes: real inotify, real programs."""

from __future__ import annotations

import hashlib
import os
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

from opencloud.core import errors
from opencloud.core.ids import SpaceId, new_space_id
from opencloud.storage.types import Ref
from opencloud_driver_posix.driver import PosixDriver

from .conftest import Watch


@pytest.fixture
def live(
    make_driver: Callable[..., PosixDriver], watch: Callable[[PosixDriver], Watch]
) -> tuple[PosixDriver, SpaceId, Path, Watch]:
    driver = make_driver(watch="inotify", debounce=0.1)
    space = new_space_id()
    driver.create_space(space, kind="project", name="w", owner="o")
    base = Path(driver.tree.space_dir(space))
    return driver, space, base, watch(driver)


def du(base: Path) -> int:
    total = 0
    for folder, dirs, files in os.walk(base):
        if Path(folder) == base:
            dirs[:] = [d for d in dirs if not d.startswith(".")]
        total += sum(os.path.getsize(os.path.join(folder, f)) for f in files)
    return total


def sh(*args: str) -> None:
    subprocess.run(args, check=True)


Live = tuple[PosixDriver, SpaceId, Path, Watch]


def test_created_file_is_picked_up_within_two_seconds(live: Live) -> None:
    driver, space, base, w = live
    before = driver.stat(Ref(space, "/")).etag
    (base / "hello.txt").write_bytes(b"hello")
    change, took = w.wait_for(lambda c: c.path == "/hello.txt")
    assert change.kind == "created"
    assert took < 2.0
    assert change.node is not None
    assert change.node.checksums["sha1"] == "aaf4c61ddcc5e8a2dabede0f3b482cd9aea9434d"
    root = driver.stat(Ref(space, "/"))
    assert root.size == 5
    assert root.etag != before


def test_a_file_a_listing_finds_first_is_still_announced_with_its_id(live: Live) -> None:
    """A client listing the folder right after another program wrote into it
    adopts the file before the watcher's debounced event: the watcher must
    still announce it, under the id the listing gave it, exactly once."""
    driver, space, base, w = live
    (base / "early.txt").write_bytes(b"early")
    listed = {n.name: n.id for n in driver.list(Ref(space, "/"))}
    change, _ = w.wait_for(lambda c: c.path == "/early.txt")
    assert change.kind == "created"
    assert change.node_id == listed["early.txt"]
    assert [c for c in w.wait_idle() if c.path == "/early.txt"] == []  # once


def test_append_with_shell_redirect_is_a_modification(live: Live) -> None:
    driver, space, base, w = live
    (base / "log").write_bytes(b"one\n")
    created, _ = w.wait_for(lambda c: c.path == "/log")
    sh("sh", "-c", f"echo two >> '{base / 'log'}'")
    change, took = w.wait_for(lambda c: c.path == "/log")
    assert change.kind == "modified"
    assert took < 2.0
    assert change.node_id == created.node_id
    info = driver.stat(Ref(space, "/log"))
    assert info.size == 8
    assert info.checksums["md5"] == hashlib.md5(b"one\ntwo\n").hexdigest()
    assert driver.stat(Ref(space, "/")).size == 8


def test_cp_makes_a_new_file(live: Live) -> None:
    driver, space, base, w = live
    (base / "a").write_bytes(b"abc")
    original, _ = w.wait_for(lambda c: c.path == "/a")
    sh("cp", str(base / "a"), str(base / "b"))
    copy, _ = w.wait_for(lambda c: c.path == "/b")
    assert copy.kind == "created"
    assert copy.node_id != original.node_id
    assert driver.stat(Ref(space, "/")).size == 6


def test_cp_a_copy_with_xattrs_gets_new_ids(live: Live) -> None:
    driver, space, base, w = live
    driver.mkdir(Ref(space, "/dir"))
    up = driver.begin_upload(Ref(space, "/dir/f"))
    up.write(b"12345")
    f = up.commit()
    w.wait_idle()
    sh("cp", "-a", str(base / "dir"), str(base / "copy"))
    changes = w.wait_idle()
    created = {c.path: c for c in changes if c.kind == "created"}
    assert set(created) == {"/copy", "/copy/f"}
    assert created["/copy/f"].node_id != f.id
    assert driver.stat(Ref(space, "/dir/f")).id == f.id  # the original keeps its id
    assert driver.stat_id(space, f.id).path == "/dir/f"
    copied = driver.stat(Ref(space, "/copy/f"))
    assert driver.stat_id(space, copied.id).path == "/copy/f"
    assert copied.checksums == f.checksums
    assert driver.stat(Ref(space, "/")).size == 10
    assert list(driver.check()) == []


def test_mv_keeps_the_id_and_moves_the_size(live: Live) -> None:
    driver, space, base, w = live
    driver.mkdir(Ref(space, "/from"))
    driver.mkdir(Ref(space, "/to"))
    up = driver.begin_upload(Ref(space, "/from/f"))
    up.write(b"x" * 100)
    f = up.commit()
    w.wait_idle()
    os.rename(base / "from" / "f", base / "to" / "g")
    change, took = w.wait_for(lambda c: c.path == "/to/g")
    assert (change.kind, change.old_path, change.node_id) == ("moved", "/from/f", f.id)
    assert took < 2.0
    assert driver.stat(Ref(space, "/from")).size == 0
    assert driver.stat(Ref(space, "/to")).size == 100
    assert driver.stat_id(space, f.id).path == "/to/g"


def test_renamed_folder_keeps_ids_below_it(live: Live) -> None:
    driver, space, base, w = live
    driver.mkdir(Ref(space, "/a"))
    driver.mkdir(Ref(space, "/a/b"))
    up = driver.begin_upload(Ref(space, "/a/b/f"))
    up.write(b"data")
    f = up.commit()
    w.wait_idle()
    sh("mv", str(base / "a"), str(base / "z"))
    change, _ = w.wait_for(lambda c: c.path == "/z")
    assert change.kind == "moved"
    assert driver.stat_id(space, f.id).path == "/z/b/f"
    assert driver.stat(Ref(space, "/")).size == 4


def test_rm_r_is_seen_as_deleted(live: Live) -> None:
    driver, space, base, w = live
    driver.mkdir(Ref(space, "/gone"))
    for i in range(3):
        up = driver.begin_upload(Ref(space, f"/gone/{i}"))
        up.write(b"abc")
        up.commit()
    w.wait_idle()
    sh("rm", "-r", str(base / "gone"))
    change, _ = w.wait_for(lambda c: c.path == "/gone")
    assert change.kind == "deleted"
    assert driver.stat(Ref(space, "/")).size == 0


def test_rsync_a_tree_in(live: Live, tmp_path: Path) -> None:
    driver, space, base, w = live
    src = tmp_path / "src"
    (src / "sub").mkdir(parents=True)
    (src / "one").write_bytes(b"1")
    (src / "sub" / "two").write_bytes(b"22")
    sh("rsync", "-a", f"{src}/", f"{base}/synced/")
    changes = w.wait_idle()
    paths = {c.path for c in changes if c.kind == "created"}
    assert {"/synced/one", "/synced/sub/two"} <= paths
    assert driver.stat(Ref(space, "/synced")).size == 3
    assert driver.stat(Ref(space, "/")).size == 3
    assert list(driver.check()) == []


def test_folder_of_a_thousand_files_moved_in_at_once(live: Live, tmp_path: Path) -> None:
    driver, space, base, w = live
    src = tmp_path / "many"
    src.mkdir()
    for i in range(1000):
        (src / f"f{i:04}").write_bytes(b"x" * (i % 7))
    os.rename(src, base / "many")  # same filesystem: one event for the whole folder
    changes = w.wait_idle(quiet=1.0, timeout=60)
    created = [c for c in changes if c.kind == "created"]
    assert len(created) == 1001
    assert len({c.node_id for c in created}) == 1001
    listed = list(driver.list(Ref(space, "/many")))
    assert len(listed) == 1000
    assert all(n.checksums for n in listed if n.size)
    assert driver.stat(Ref(space, "/")).size == sum(i % 7 for i in range(1000)) == du(base)


def test_server_writes_are_not_processed_twice(live: Live) -> None:
    driver, space, _base, w = live
    driver.mkdir(Ref(space, "/d"))
    up = driver.begin_upload(Ref(space, "/d/f"))
    up.write(b"abc")
    up.commit()
    up = driver.begin_upload(Ref(space, "/d/f"))
    up.write(b"abcd")
    up.commit()
    driver.set_meta(Ref(space, "/d/f"), {"prop:x": b"1"})
    assert w.wait_idle(quiet=1.0) == []


def test_symlinks_are_never_followed(live: Live, tmp_path: Path) -> None:
    driver, space, base, w = live
    secret = tmp_path / "secret"
    secret.write_bytes(b"do not leak")
    os.symlink(secret, base / "link")
    os.symlink(tmp_path, base / "dirlink")
    assert w.wait_idle() == []
    assert [n.name for n in driver.list(Ref(space, "/"))] == []
    with pytest.raises((errors.NotFound, errors.Conflict)):
        driver.stat(Ref(space, "/dirlink/secret"))


def test_changes_while_down_are_found_at_startup(
    make_driver: Callable[..., PosixDriver], watch: Callable[[PosixDriver], Watch]
) -> None:
    driver = make_driver(watch="off")
    space = new_space_id()
    driver.create_space(space, kind="project", name="w", owner="o")
    base = Path(driver.tree.space_dir(space))
    up = driver.begin_upload(Ref(space, "/kept"))
    up.write(b"kept")
    kept = up.commit()
    driver.close()
    (base / "while-down").write_bytes(b"new")
    os.rename(base / "kept", base / "renamed")
    again = make_driver(watch="inotify")
    w = watch(again)
    del w
    assert again.stat(Ref(space, "/renamed")).id == kept.id
    assert again.stat(Ref(space, "/while-down")).size == 3
    assert again.stat(Ref(space, "/")).size == 7


def test_poll_mode_finds_changes_without_inotify(
    make_driver: Callable[..., PosixDriver], watch: Callable[[PosixDriver], Watch]
) -> None:
    driver = make_driver(watch="poll", scan_interval=0.3)
    space = new_space_id()
    driver.create_space(space, kind="project", name="w", owner="o")
    w = watch(driver)
    (Path(driver.tree.space_dir(space)) / "polled").write_bytes(b"abc")
    change, _ = w.wait_for(lambda c: c.path == "/polled")
    assert change.kind == "created"
    assert driver.stat(Ref(space, "/")).size == 3


def test_new_space_folders_are_watched(live: Live) -> None:
    driver, _space, _base, w = live
    other = new_space_id()
    driver.create_space(other, kind="personal", name="mary", owner=other)
    w.wait_idle()
    (Path(driver.tree.space_dir(other)) / "x").write_bytes(b"12")
    change, _ = w.wait_for(lambda c: c.space == other)
    assert change.path == "/x"
