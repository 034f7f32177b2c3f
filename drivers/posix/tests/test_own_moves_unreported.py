"""Moves, copies, trash and version restores made through the driver are its own
writes: a real inotify watcher sees every rename and must report none of them
(records and index are updated before anything becomes visible)."""

from __future__ import annotations

from collections.abc import Callable

from opencloud.core.ids import new_space_id
from opencloud.storage.types import Ref
from opencloud_driver_posix import scanner
from opencloud_driver_posix.driver import PosixDriver

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
