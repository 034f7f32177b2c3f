"""Finding drivers: the entry-point group ``opencloud.drivers``.

Only the composition root (``opencloud.app``, ``opencloud.cli``) may import this
module; import-linter enforces it. Every driver, built in or not, is found the
same way, so a third-party driver is a ``pip install`` away.
"""

from __future__ import annotations

from collections.abc import Mapping
from importlib.metadata import EntryPoint, entry_points

import msgspec

from opencloud.core.errors import ConfigError, OpenCloudError
from opencloud.storage.protocol import StorageDriver

GROUP = "opencloud.drivers"


class DriverEntry(msgspec.Struct, frozen=True, kw_only=True):
    """One installed driver as ``opencloud drivers list`` reports it."""

    name: str
    target: str  # "module:Class"
    distribution: str
    version: str
    loads: bool
    error: str = ""


def _entry_points() -> dict[str, EntryPoint]:
    return {ep.name: ep for ep in entry_points(group=GROUP)}


def installed() -> list[DriverEntry]:
    """Every registered driver; each is imported on its own, so one broken
    driver is reported and never hides the others."""
    found: list[DriverEntry] = []
    for name, ep in sorted(_entry_points().items()):
        dist = ep.dist
        error = ""
        try:
            missing = missing_methods(ep.load())
            if missing:
                error = "does not implement " + ", ".join(missing)
        except Exception as exc:  # a broken third-party driver must not crash the listing
            error = f"{type(exc).__name__}: {exc}"
        found.append(
            DriverEntry(
                name=name,
                target=ep.value,
                distribution=dist.name if dist else "?",
                version=dist.version if dist else "?",
                loads=not error,
                error=error,
            )
        )
    return found


def load_driver(name: str, options: Mapping[str, object]) -> StorageDriver:
    """Load and build the configured driver, or stop startup with a clear reason."""
    eps = _entry_points()
    if name not in eps:
        have = ", ".join(sorted(eps)) or "none"
        raise ConfigError(
            f"storage.driver: no driver named {name!r} is installed (installed: {have})"
        )
    try:
        cls = eps[name].load()
    except Exception as exc:  # report an import failure as configuration, with its cause
        raise ConfigError(f"storage.driver: driver {name!r} failed to load: {exc}") from exc
    try:
        driver = cls.from_options(options)
    except OpenCloudError:
        raise
    except Exception as exc:
        raise ConfigError(f"storage.driver: driver {name!r} failed to start: {exc}") from exc
    missing = missing_methods(type(driver))
    if missing:
        raise ConfigError(f"storage.driver: {name!r} lacks {', '.join(missing)}")
    return driver  # type: ignore[no-any-return]


def missing_methods(cls: object) -> list[str]:
    """The core-protocol members a driver class lacks (empty when complete)."""
    required = [n for n in vars(StorageDriver) if not n.startswith("_") and n != "name"]
    return [n for n in sorted(required) if not callable(getattr(cls, n, None))]
