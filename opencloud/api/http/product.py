"""Who this server says it is: the product and version fields that ``status.php``
and the capabilities document (``core.status``, ``version``) both carry.

They live here, below both adapters, so the two can never disagree.
"""

from __future__ import annotations

import re

import msgspec

from opencloud import __version__


class Status(msgspec.Struct, frozen=True, kw_only=True):
    """reva ``pkg/owncloud/ocs`` ``Status``; ``hostname`` is left out as reva does when empty."""

    installed: bool = True
    maintenance: bool = False
    needs_db_upgrade: bool = msgspec.field(default=False, name="needsDbUpgrade")
    version: str
    versionstring: str
    edition: str = "Community"
    productname: str = "OpenCloud"
    product: str = "OpenCloud"
    productversion: str
    channel: str = ""


class Version(msgspec.Struct, frozen=True, kw_only=True):
    """The capabilities document's ``version`` block (reva ``Version``)."""

    major: int
    minor: int
    micro: int
    string: str
    edition: str = "Community"
    product: str = "OpenCloud"
    productversion: str
    channel: str = ""


def _core(version: str) -> tuple[int, int, int]:
    match = re.match(r"^(\d+)\.(\d+)\.(\d+)", version)
    if not match:
        return (0, 0, 0)
    major, minor, micro = match.groups()
    return (int(major), int(minor), int(micro))


def status_for_version(version: str = __version__) -> Status:
    """``version`` is the legacy four-part form (``0.1.0.0``), ``versionstring``
    the ``x.y.z`` core of our version, ``productversion`` our version as is."""
    core = ".".join(map(str, _core(version)))
    return Status(version=f"{core}.0", versionstring=core, productversion=version)


def version_for(version: str = __version__) -> Version:
    """The ``version`` block: the numbers of the legacy version, as reva reports them."""
    major, minor, micro = _core(version)
    return Version(
        major=major,
        minor=minor,
        micro=micro,
        string=f"{major}.{minor}.{micro}",
        productversion=version,
    )
