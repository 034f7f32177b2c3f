"""sha1, md5 and adler32 in one pass: what ownCloud clients verify (OC-Checksum)."""

from __future__ import annotations

import hashlib
import os
import zlib

ALGORITHMS = ("sha1", "md5", "adler32")
_READ = 1 << 20


class Hasher:
    def __init__(self) -> None:
        self._sha1 = hashlib.sha1(usedforsecurity=False)
        self._md5 = hashlib.md5(usedforsecurity=False)
        self._adler = 1

    def update(self, chunk: bytes | memoryview) -> None:
        self._sha1.update(chunk)
        self._md5.update(chunk)
        self._adler = zlib.adler32(chunk, self._adler)

    def hexdigests(self) -> dict[str, str]:
        return {
            "sha1": self._sha1.hexdigest(),
            "md5": self._md5.hexdigest(),
            "adler32": f"{self._adler:08x}",
        }


def hash_fd(fd: int) -> dict[str, str]:
    """Checksums of a whole file, read from the start of an open descriptor."""
    hasher = Hasher()
    offset = 0
    while chunk := os.pread(fd, _READ, offset):
        hasher.update(chunk)
        offset += len(chunk)
    return hasher.hexdigests()
