"""The tree under test: a project space holding one flat folder of N small files,
uploaded through the driver (fsync off: building it is not what is measured)."""

from __future__ import annotations

import time

import msgspec

from bench.uploads import driver_uploads
from bench.workload import payloads
from opencloud.core.ids import SpaceId, new_space_id
from opencloud.storage.types import Ref
from opencloud_driver_posix.driver import PosixDriver

FLAT_FOLDER = "/flat"


class Fixture(msgspec.Struct, frozen=True, kw_only=True):
    root: str
    space: str
    space_abs: str
    folder: str
    folder_abs: str
    entries: int
    build_s: float


def open_driver(root: str, *, fsync: bool = True) -> PosixDriver:
    """The posix driver on ``root``, no watcher (nothing else writes there)."""
    return PosixDriver.from_options({"root": root, "watch": "off", "fsync": fsync})


def build(root: str, entries: int) -> Fixture:
    start = time.perf_counter()
    driver = open_driver(root, fsync=False)
    try:
        space: SpaceId = new_space_id()
        driver.create_space(space, kind="project", name="bench", owner="bench")
        driver.mkdir(Ref(space, FLAT_FOLDER))
        driver_uploads(driver, space, FLAT_FOLDER, payloads(entries))
        space_abs = driver.tree.space_dir(space)
    finally:
        driver.close()
    return Fixture(
        root=root,
        space=space,
        space_abs=space_abs,
        folder=FLAT_FOLDER,
        folder_abs=space_abs + FLAT_FOLDER,
        entries=entries,
        build_s=time.perf_counter() - start,
    )
