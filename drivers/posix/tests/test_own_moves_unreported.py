"""Moves, copies, trash and version restores made through the driver are its own
writes: a real inotify watcher sees every rename and must report none of them
(records and index are updated before anything becomes visible)."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable
from unittest import mock

from opencloud.core.ids import new_space_id
from opencloud.storage.types import Ref
from opencloud_driver_posix import scanner
from opencloud_driver_posix.driver import PosixDriver
from opencloud_driver_posix.own_writes import OwnWrites

from .conftest import Watch


def test_server_moves_copies_trash_and_restores_are_not_reported(
    make_driver: Callable[..., PosixDriver], watch: Callable[[PosixDriver], Watch]
) -> None:
    driver = make_driver(watch="inotify", debounce=0.1)
    space = new_space_id()
    driver.create_space(space, kind="project", name="w", owner="o")
    w = watch(driver)

    def put(path: str, data: bytes) -> None:
        up = driver.begin_upload(Ref(space, path))
        up.write(data)
        up.commit()

    driver.mkdir(Ref(space, "/a"))
    driver.mkdir(Ref(space, "/a/sub"))
    put("/a/sub/f", b"one")
    put("/a/sub/f", b"two")
    driver.mkdir(Ref(space, "/b"))
    assert w.wait_idle(quiet=0.5) == []

    driver.move(Ref(space, "/a/sub"), Ref(space, "/b/sub"))
    driver.move(Ref(space, "/b/sub/f"), Ref(space, "/b/sub/g"))
    driver.copy(Ref(space, "/b"), Ref(space, "/c"))
    driver.copy(Ref(space, "/b/sub/g"), Ref(space, "/c/sub/g"), overwrite=True)
    (version,) = driver.list_versions(Ref(space, "/b/sub/g"))
    driver.restore_version(Ref(space, "/b/sub/g"), version.key)
    item = driver.delete(Ref(space, "/b"))
    assert item is not None
    with driver.scan_lock:  # a full scan finds nothing to fix, and forgets the trash
        assert list(scanner.full_scan(driver.tree)) == []
    driver.restore_trash(space, item.key)
    file_item = driver.delete(Ref(space, "/c/sub/g"))
    folder_item = driver.delete(Ref(space, "/c"))
    assert file_item is not None and folder_item is not None
    driver.purge_trash(space, folder_item.key)
    driver.restore_trash(space, file_item.key)  # recreates /c/sub
    assert w.wait_idle(quiet=1.0) == []
    assert list(driver.check()) == []


def test_an_outside_write_right_after_an_upload_is_still_seen(
    make_driver: Callable[..., PosixDriver], watch: Callable[[PosixDriver], Watch]
) -> None:
    """Own uploads are recognised by a note taken once; another program writing
    the same name a moment later still gets reported."""
    driver = make_driver(watch="inotify", debounce=0.1)
    space = new_space_id()
    driver.create_space(space, kind="project", name="w", owner="o")
    w = watch(driver)
    assert w.wait_idle(quiet=0.3) == []  # the startup scan is over
    for _ in range(20):
        up = driver.begin_upload(Ref(space, "/f.txt"))
        up.write(b"ours")
        up.commit()
    assert w.wait_idle(quiet=0.5) == []
    up = driver.begin_upload(Ref(space, "/g.txt"))
    up.write(b"ours")
    up.commit()
    target = driver.tree.space_dir(space) + "/g.txt"
    staged = driver.tree.space_dir(space) + "/../outside.tmp"
    with open(staged, "wb") as handle:
        handle.write(b"theirs")
    os.replace(staged, target)  # an outside program's atomic save over our file
    change, _ = w.wait_for(lambda c: c.path == "/g.txt")
    assert change.kind in ("modified", "created")
    with driver.open_read(Ref(space, "/g.txt")) as handle:
        assert handle.read() == b"theirs"
    assert (
        driver.stat(Ref(space, "/g.txt")).checksums["sha1"] == hashlib.sha1(b"theirs").hexdigest()
    )


def test_notes_are_taken_once_kept_only_while_watching_and_expire() -> None:
    notes = OwnWrites()
    notes.note("/a")
    assert not notes.take("/a")  # nobody watching: nothing noted
    notes.active = True
    notes.note("/a")
    assert notes.take("/a")
    assert not notes.take("/a")  # once
    notes.note("/b")
    with mock.patch("opencloud_driver_posix.own_writes.time.monotonic", return_value=1e12):
        assert not notes.take("/b")  # stale
