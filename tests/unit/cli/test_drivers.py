"""``opencloud drivers list`` and ``opencloud version``."""

from __future__ import annotations

import platform
from collections.abc import Callable

from click.testing import Result

from opencloud import __version__

Run = Callable[..., Result]


def test_lists_posix(run: Run) -> None:
    result = run("drivers", "list")
    assert result.exit_code == 0
    header, *rows = result.output.splitlines()
    assert header.split() == ["NAME", "DISTRIBUTION", "VERSION", "LOADS", "ERROR"]
    posix = [row.split() for row in rows if row.startswith("posix ")]
    assert posix == [["posix", "opencloud-driver-posix", posix[0][2], "yes"]]


def test_version(run: Run) -> None:
    result = run("version")
    assert result.exit_code == 0
    assert f"opencloud {__version__}" in result.output
    assert platform.python_version() in result.output
