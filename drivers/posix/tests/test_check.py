"""``check`` finds what is wrong, ``check --repair`` fixes it, and a clean tree is clean."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Callable
from pathlib import Path

import msgspec
import pytest

from opencloud.core import errors
from opencloud.core.ids import SpaceId
from opencloud.storage.types import Ref
from opencloud_driver_posix import xattrs
from opencloud_driver_posix.attrs import read_node, write_node
from opencloud_driver_posix.driver import PosixDriver


def put(driver: PosixDriver, space: SpaceId, path: str, data: bytes) -> None:
    up = driver.begin_upload(Ref(space, path))
    up.write(data)
    up.commit()


def codes(driver: PosixDriver, *, repair: bool = False) -> list[str]:
    return sorted(f.code for f in driver.check(repair=repair))


@pytest.fixture
def tree(driver: PosixDriver, space: SpaceId) -> Path:
    driver.mkdir(Ref(space, "/docs"))
    put(driver, space, "/docs/a.txt", b"alpha")
    put(driver, space, "/docs/a.txt", b"alpha two")  # leaves a version
    driver.set_meta(Ref(space, "/docs"), {"prop:x": b"y"})
    return Path(driver.tree.space_dir(space))


def test_a_tree_written_by_the_server_is_clean(driver: PosixDriver, tree: Path) -> None:
    assert codes(driver) == []


def test_outside_copy_with_xattrs_is_a_duplicate_id_and_repair_reids_it(
    driver: PosixDriver, space: SpaceId, tree: Path
) -> None:
    original = driver.stat(Ref(space, "/docs/a.txt")).id
    subprocess.run(["cp", "-a", str(tree / "docs"), str(tree / "copy")], check=True)
    found = codes(driver)
    assert found.count("duplicate-id") == 2
    assert "treesize" in found
    assert "duplicate-id" in codes(driver, repair=True)
    assert codes(driver) == []
    assert driver.stat(Ref(space, "/docs/a.txt")).id == original
    copy = driver.stat(Ref(space, "/copy/a.txt"))
    assert copy.id != original
    assert driver.stat_id(space, copy.id).path == "/copy/a.txt"
    assert driver.stat(Ref(space, "/")).size == 18


def test_drifted_folder_size_is_found_and_fixed(
    driver: PosixDriver, space: SpaceId, tree: Path
) -> None:
    record = read_node(str(tree / "docs"))
    assert record is not None
    record.treesize = 12345
    write_node(str(tree / "docs"), record)
    assert codes(driver) == ["treesize"]
    codes(driver, repair=True)
    assert codes(driver) == []
    assert driver.stat(Ref(space, "/docs")).size == 9


def test_broken_parent_link_is_fixed(driver: PosixDriver, space: SpaceId, tree: Path) -> None:
    record = read_node(str(tree / "docs" / "a.txt"))
    assert record is not None
    record.parentid = "00000000-0000-4000-8000-000000000000"
    write_node(str(tree / "docs" / "a.txt"), record)
    assert "parent-link" in codes(driver)
    codes(driver, repair=True)
    assert codes(driver) == []
    fixed = driver.stat(Ref(space, "/docs/a.txt"))
    assert fixed.parent_id == driver.stat(Ref(space, "/docs")).id


def test_stale_temp_files_are_removed(driver: PosixDriver, tree: Path) -> None:
    junk = tree / ".oc-tmp" / "interrupted"
    junk.write_bytes(b"half")
    os.utime(junk, (1, 1))
    assert codes(driver) == ["stale-temp"]
    codes(driver, repair=True)
    assert not junk.exists()


def test_orphaned_side_files_and_versions_are_removed(driver: PosixDriver, tree: Path) -> None:
    folder = tree / ".oc-nodes" / "de" / "ad"
    folder.mkdir(parents=True)
    (folder / "deadbeef-0000-4000-8000-000000000000.mpk").write_bytes(b"x")
    version = "deadbeef-0000-4000-8000-000000000000.REV.2020-01-01T00:00:00.000000000Z"
    (folder / version).write_bytes(b"x")
    assert codes(driver) == ["orphan", "orphan"]
    codes(driver, repair=True)
    assert not any(folder.iterdir())


def test_versions_and_metadata_of_live_nodes_are_not_orphans(
    driver: PosixDriver, space: SpaceId, tree: Path
) -> None:
    driver.set_meta(Ref(space, "/docs/a.txt"), {f"prop:{i}": b"v" * 200 for i in range(20)})
    assert list((tree / ".oc-nodes").rglob("*.mpk"))
    assert list((tree / ".oc-nodes").rglob("*.REV.*"))
    assert codes(driver) == []


def test_xattr_budget_overrun_is_reported_and_offloaded(
    driver: PosixDriver, space: SpaceId, tree: Path
) -> None:
    path = str(tree / "docs" / "a.txt")
    big = msgspec.msgpack.encode({"prop:big": b"z" * 2600})  # an inline map past the budget
    xattrs.set(path, "user.oc.ext", big)
    xattrs.set(path, "user.other", b"o" * 900)
    assert "xattr-budget" in codes(driver)
    findings = list(driver.check(repair=True))
    assert any(f.code == "xattr-budget" and f.repaired for f in findings)
    assert xattrs.get(path, "user.oc.ext") is None
    assert driver.get_meta(Ref(space, "/docs/a.txt")) == {"prop:big": b"z" * 2600}


def test_files_added_while_down_are_unassimilated_until_repaired(
    driver: PosixDriver, space: SpaceId, tree: Path
) -> None:
    (tree / "docs" / "outside").write_bytes(b"zz")
    assert codes(driver) == ["treesize", "treesize", "unassimilated"]  # docs and root
    codes(driver, repair=True)
    assert codes(driver) == []
    assert driver.stat(Ref(space, "/")).size == 11


def test_saved_index_that_disagrees_with_the_tree_is_reported(
    make_driver: Callable[..., PosixDriver], driver: PosixDriver, space: SpaceId, tree: Path
) -> None:
    driver.ensure_scanned()
    driver.close()
    os.rename(tree / "docs", tree / "moved")
    again = make_driver()
    assert "index" in codes(again)
    codes(again, repair=True)
    assert codes(again) == []


def test_repair_is_refused_while_another_process_holds_the_tree(
    make_driver: Callable[..., PosixDriver], driver: PosixDriver, tree: Path
) -> None:
    other = make_driver()
    with pytest.raises(errors.Locked, match="stop it before --repair"):
        list(driver.check(repair=True))
    assert codes(other) == []  # a read-only check is fine


def test_index_is_rebuilt_when_missing(
    make_driver: Callable[..., PosixDriver], driver: PosixDriver, space: SpaceId, tree: Path
) -> None:
    node = driver.stat(Ref(space, "/docs/a.txt")).id
    driver.close()
    index = Path(driver.layout.index_file)
    index.unlink(missing_ok=True)
    again = make_driver()
    assert again.stat_id(space, node).path == "/docs/a.txt"
    again.close()
    assert index.exists()
