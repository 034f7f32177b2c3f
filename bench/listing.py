"""The listings being compared; each returns how many entries it saw.

* ``driver``: ``list(PosixDriver.list(ref))``, the whole NodeInfo per entry.
* ``floor-os``: ``os.scandir`` + ``entry.stat(follow_symlinks=False)`` +
  ``os.getxattr(path, "user.oc.node", follow_symlinks=False)``: the floor named in
  the brief. CPython's ``os.getxattr`` first tries a 128-byte buffer, so a record
  longer than that costs a failed ``lgetxattr`` (ERANGE) and a second one.
* ``floor-pyxattr``: the same loop reading the attribute with pyxattr (what the
  driver uses; its first buffer is 1 KiB): one ``lgetxattr`` per entry, the true
  syscall floor.
* ``stat``: ``os.scandir`` + ``stat`` only, no metadata at all.
"""

from __future__ import annotations

import os
from typing import Literal

import xattr

from bench.workload import XATTR_NAME
from opencloud.storage.types import Ref
from opencloud_driver_posix.driver import PosixDriver

ListVariant = Literal["driver", "floor-os", "floor-pyxattr", "stat"]
LIST_VARIANTS: tuple[ListVariant, ...] = ("driver", "floor-os", "floor-pyxattr", "stat")


def driver_listing(driver: PosixDriver, ref: Ref) -> int:
    return len(list(driver.list(ref)))


def floor_os(folder: str) -> int:
    count = 0
    with os.scandir(folder) as entries:
        for entry in entries:
            entry.stat(follow_symlinks=False)
            os.getxattr(entry.path, XATTR_NAME, follow_symlinks=False)
            count += 1
    return count


def floor_pyxattr(folder: str) -> int:
    count = 0
    with os.scandir(folder) as entries:
        for entry in entries:
            entry.stat(follow_symlinks=False)
            xattr.get(entry.path, XATTR_NAME, nofollow=True)
            count += 1
    return count


def stat_only(folder: str) -> int:
    count = 0
    with os.scandir(folder) as entries:
        for entry in entries:
            entry.stat(follow_symlinks=False)
            count += 1
    return count
