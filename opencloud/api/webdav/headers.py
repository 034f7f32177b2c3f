"""The ownCloud response and request headers shared by every WebDAV method
(and by TUS): ids and etags out, mtime and checksum in."""

from __future__ import annotations

import math

from opencloud.api.webdav.props import checksum_value, permissions
from opencloud.core.errors import InvalidInput
from opencloud.services.files.service import FilesService
from opencloud.services.spaces.rights import FULL, Rights
from opencloud.storage.types import NodeInfo

#: Checksum types clients send (``OC-Checksum: SHA1:hex``) → driver algorithm.
CHECKSUM_TYPES = {"sha1": "sha1", "md5": "md5", "adler32": "adler32"}


def node_headers(
    files: FilesService, node: NodeInfo, rights: Rights = FULL, share_root: str | None = None
) -> dict[str, str]:
    """``ETag``, ``OC-ETag``, ``OC-FileId``, ``OC-Perm`` and, for files,
    ``OC-Checksum`` (the sha1, which clients verify downloads against).
    ``share_root``: the shared node's path when reached through a share."""
    headers = {
        "ETag": node.etag,
        "OC-ETag": node.etag,
        "OC-FileId": files.resource_id(node.space, node.id),
        "OC-Perm": permissions(node, rights, share_root),
    }
    if node.kind == "file" and "sha1" in node.checksums:
        headers["OC-Checksum"] = f"SHA1:{node.checksums['sha1']}"
    elif node.kind == "file" and node.checksums:
        headers["OC-Checksum"] = checksum_value(node).split(" ")[0]
    return headers


def parse_mtime(value: str | None) -> int | None:
    """``X-OC-Mtime`` (unix seconds, maybe fractional) in nanoseconds."""
    if value is None:
        return None
    try:
        seconds = float(value.strip())
    except ValueError:
        raise InvalidInput(f"X-OC-Mtime must be unix seconds, not {value[:40]!r}") from None
    if not math.isfinite(seconds) or seconds < 0 or seconds > 2**33:
        raise InvalidInput(f"X-OC-Mtime out of range: {value[:40]!r}")
    return int(seconds * 1_000_000_000)


def parse_checksum(value: str | None) -> tuple[str, str] | None:
    """``OC-Checksum: SHA1:hex`` (also ``sha1 hex`` as TUS writes it) as
    ``(algorithm, hex)``."""
    if value is None or not value.strip():
        return None
    kind, sep, digest = value.strip().replace(" ", ":", 1).partition(":")
    algorithm = CHECKSUM_TYPES.get(kind.strip().lower())
    digest = digest.strip().lower()
    if not sep or algorithm is None:
        raise InvalidInput(f"unsupported checksum {value[:60]!r}; use SHA1:, MD5: or ADLER32:")
    if not digest or any(c not in "0123456789abcdef" for c in digest):
        raise InvalidInput(f"malformed checksum {value[:60]!r}")
    return algorithm, digest
