"""``opencloud check``: findings, summary, exit code; no repair under a running server."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from click.testing import Result

from opencloud.services.shares.links import LINKS_DIR
from opencloud.services.shares.service import SHARES_SPACE
from opencloud.storage.records import ensure_system_space, write_file
from opencloud.storage.registry import load_driver
from opencloud.storage.types import Ref

Run = Callable[..., Result]


def test_fresh_install_checks_clean(root: Path, run: Run) -> None:
    run("init")
    result = run("check")
    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[-1].startswith("0 findings")


def test_problem_is_reported_and_repaired(root: Path, run: Run) -> None:
    run("init")
    space = next((root / "data" / "storage" / "users" / "users").iterdir())
    # A stale temporary file, as a crash during an upload leaves behind.
    (space / ".oc-tmp" / "upload-crashed").write_bytes(b"half")
    found = run("check")
    assert "upload-crashed" in found.output
    repaired = run("check", "--repair")
    assert repaired.exit_code == 0, repaired.output
    assert "[repaired]" in repaired.output
    assert run("check").output.splitlines()[-1].startswith("0 findings")


def test_repair_refused_while_the_tree_is_held(root: Path, run: Run) -> None:
    run("init")
    server = load_driver("posix", {"base_data_path": str(root / "data"), "watch": "off"})
    try:
        result = run("check", "--repair")
    finally:
        server.close()
    assert result.exit_code == 1
    assert result.stderr.startswith("opencloud: ")


def test_link_records_are_checked(root: Path, run: Run) -> None:
    run("init")
    driver = load_driver("posix", {"base_data_path": str(root / "data"), "watch": "off"})
    try:
        ensure_system_space(driver, SHARES_SPACE, "shares")
        driver.mkdir(Ref(SHARES_SPACE, LINKS_DIR))
        write_file(driver, Ref(SHARES_SPACE, f"{LINKS_DIR}/broken.json"), b"{not json")
    finally:
        driver.close()
    result = run("check")
    assert "link-record" in result.output, result.output
    assert result.exit_code == 1
