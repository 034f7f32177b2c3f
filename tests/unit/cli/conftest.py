"""CLI tests run the real commands in process (click's CliRunner) against a
temporary config dir (``<tmp>/config``) and data dir (``<tmp>/data``), with the
real posix driver."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from opencloud.cli.main import main


@pytest.fixture
def root(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The working directory, with OC_CONFIG_DIR and OC_BASE_DATA_PATH below it."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("OC_CONFIG_DIR", str(tmp_path / "config"))
    monkeypatch.setenv("OC_BASE_DATA_PATH", str(tmp_path / "data"))
    return tmp_path


@pytest.fixture
def run() -> Callable[..., Result]:
    def invoke(*args: str) -> Result:
        return CliRunner().invoke(main, list(args), catch_exceptions=False)

    return invoke
