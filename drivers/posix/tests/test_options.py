"""Options: every one documented, every bad one refused with its name."""

from __future__ import annotations

import subprocess
from pathlib import Path

import msgspec
import pytest

from opencloud.core.errors import ConfigError, StorageUnavailable
from opencloud_driver_posix.driver import PosixDriver
from opencloud_driver_posix.options import PosixOptions, parse_options

DOC = Path(__file__).resolve().parents[3] / "docs" / "configuration.md"


@pytest.mark.parametrize("name", [f.name for f in msgspec.structs.fields(PosixOptions)])
def test_every_option_is_documented(name: str) -> None:
    if name == "base_data_path":
        assert "`base_data_path` is set by the server" in DOC.read_text(encoding="utf-8")
    else:
        assert f"| `{name}` |" in DOC.read_text(encoding="utf-8")


def test_strings_from_the_environment_are_converted() -> None:
    options = parse_options({"fsync": "false", "debounce": "0.5", "versions_keep": "3"})
    assert (options.fsync, options.debounce, options.versions_keep) == (False, 0.5, 3)


@pytest.mark.parametrize(
    ("raw", "named"),
    [
        ({"watch": "inotifyy"}, "storage.options.watch"),
        ({"debounce": "-1"}, "storage.options.debounce"),
        ({"versions_keep": "many"}, "storage.options.versions_keep"),
        ({"rooot": "/x"}, "storage.options.rooot"),
    ],
)
def test_bad_options_are_refused_naming_them(raw: dict[str, object], named: str) -> None:
    with pytest.raises(ConfigError, match=named):
        parse_options(raw)


def test_a_filesystem_without_user_xattrs_is_refused_clearly(tmp_path: Path) -> None:
    """A real ramfs mount: it has no user extended attributes (tmpfs has them on
    recent kernels). Mounting needs root, as on the CI machines."""
    mountpoint = tmp_path / "ramfs"
    mountpoint.mkdir()
    mounted = subprocess.run(
        ["mount", "-t", "ramfs", "ramfs", str(mountpoint)], capture_output=True, check=False
    )
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a ramfs here: {mounted.stderr.decode().strip()}")
    try:
        with pytest.raises(StorageUnavailable, match="does not support user extended attributes"):
            PosixDriver.from_options({"root": str(mountpoint / "root")})
    finally:
        subprocess.run(["umount", str(mountpoint)], check=True)
