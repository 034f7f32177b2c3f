"""Growing metadata leaves the inode for a side file before it breaks the xattr
budget, and comes back when it shrinks. Checked with getfattr, as an
administrator would."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

from opencloud.core.ids import SpaceId
from opencloud.storage.types import Ref
from opencloud_driver_posix.driver import PosixDriver
from opencloud_driver_posix.ext import side_file


def attribute_names(path: Path) -> list[str]:
    out = subprocess.run(
        ["getfattr", "--absolute-names", "-d", "-m", "-", str(path)],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return [line.split("=", 1)[0] for line in out.splitlines() if "=" in line]


def xattr_bytes(path: Path) -> int:
    return sum(len(n) + 1 + len(os.getxattr(path, n)) for n in os.listxattr(path))


def test_large_metadata_moves_to_a_side_file(driver: PosixDriver, space: SpaceId) -> None:
    up = driver.begin_upload(Ref(space, "/f"))
    up.write(b"x")
    node = up.commit().id
    path = Path(driver.tree.space_dir(space)) / "f"
    side = Path(side_file(driver.tree.space_dir(space), node))
    driver.set_meta(Ref(space, "/f"), {"small": b"1"})
    assert "user.oc.ext" in attribute_names(path) and not side.exists()
    values = {f"prop:{{urn:x}}p{i:03d}": bytes([65 + i % 26]) * 200 for i in range(100)}
    driver.set_meta(Ref(space, "/f"), values)
    assert "user.oc.ext" not in attribute_names(path)
    assert "user.oc.node" in attribute_names(path)
    assert side.is_file()
    assert xattr_bytes(path) <= driver.options.xattr_budget
    assert driver.get_meta(Ref(space, "/f")) == {"small": b"1", **values}
    driver.set_meta(Ref(space, "/f"), {}, remove=list(values))
    assert "user.oc.ext" in attribute_names(path) and not side.exists()
    assert driver.get_meta(Ref(space, "/f")) == {"small": b"1"}


def test_offloaded_metadata_follows_the_node(driver: PosixDriver, space: SpaceId) -> None:
    driver.mkdir(Ref(space, "/d"))
    up = driver.begin_upload(Ref(space, "/d/f"))
    up.write(b"x")
    up.commit()
    values = {f"k{i}": b"v" * 200 for i in range(40)}
    driver.set_meta(Ref(space, "/d/f"), values)
    driver.move(Ref(space, "/d"), Ref(space, "/e"))
    item = driver.delete(Ref(space, "/e"))
    assert item is not None
    driver.restore_trash(space, item.key)
    assert driver.get_meta(Ref(space, "/e/f")) == values
    copied = driver.copy(Ref(space, "/e/f"), Ref(space, "/g"))
    assert driver.get_meta(Ref(space, "/g")) == {}  # a copy does not inherit metadata
    assert not Path(side_file(driver.tree.space_dir(space), copied.id)).exists()
