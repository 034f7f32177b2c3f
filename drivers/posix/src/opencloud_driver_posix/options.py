"""The posix driver's options (``[storage.options]`` in opencloud.toml)."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Annotated, Literal

import msgspec
from msgspec import Meta

from opencloud.core.errors import ConfigError


class PosixOptions(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """Every option; docs/configuration.md documents each."""

    base_data_path: Annotated[str, Meta(description="set by the server: settings.data_path")] = (
        "./data"
    )
    root: Annotated[str, Meta(description="the tree's root; default <data_path>/storage/users")] = (
        ""
    )
    watch: Annotated[
        Literal["inotify", "poll", "off"],
        Meta(
            description="how outside changes are found: inotify, a periodic rescan (poll, "
            "for NFS and other filesystems without notifications), or not at all"
        ),
    ] = "inotify"
    scan_interval: Annotated[
        float, Meta(gt=0, description="seconds between rescans when watch = poll")
    ] = 30.0
    debounce: Annotated[
        float,
        Meta(
            ge=0,
            le=5,
            description="seconds a path must stay quiet before an outside change "
            "is processed (bursts are handled once)",
        ),
    ] = 0.2
    fsync: Annotated[
        bool, Meta(description="fsync every file before it replaces the old one (crash safety)")
    ] = True
    versions_keep: Annotated[
        int, Meta(ge=0, description="keep at most this many versions per file; 0 keeps all")
    ] = 0
    versions_max_age_days: Annotated[
        int, Meta(ge=0, description="drop versions older than this many days; 0 never")
    ] = 0
    ext_inline_limit: Annotated[
        int,
        Meta(
            ge=0,
            le=3000,
            description="bytes of growing metadata (properties, grants, tags) "
            "kept in the user.oc.ext attribute before it moves to a side file",
        ),
    ] = 1024
    xattr_budget: Annotated[
        int, Meta(gt=0, description="bytes all attributes of one inode may take (ext4: ~4 KB)")
    ] = 3800


def parse_options(raw: Mapping[str, object]) -> PosixOptions:
    """Build the options; ConfigError names the offending option."""
    try:
        return msgspec.convert(dict(raw), PosixOptions, strict=False)
    except msgspec.ValidationError as exc:
        message, _, where = str(exc).partition(" - at `$")
        name = where.strip("`.")
        if "unknown field `" in message:
            name = message.split("unknown field `", 1)[1].rstrip("`")
            message = "unknown option"
        raise ConfigError(f"setting storage.options.{name}: {message}") from exc


def resolve_root(options: PosixOptions) -> Path:
    root = options.root or str(Path(options.base_data_path) / "storage" / "users")
    return Path(root).absolute()
