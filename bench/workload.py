"""The seeded inputs: file names, sizes (1-4 KB) and contents, and the record-sized
xattr values the upload floor writes."""

from __future__ import annotations

import random
import uuid

SEED = 2
MIN_SIZE = 1024
MAX_SIZE = 4096
XATTR_NAME = "user.oc.node"

# As long as the driver's node record of a small file (about 314 bytes of JSON).
_ID = b"00000000-0000-4000-8000-000000000000"
_RECORD = (
    b'{"id":"' + _ID + b'",'
    b'"parentid":"00000000-0000-4000-8000-000000000001",'
    b'"spaceid":"00000000-0000-4000-8000-000000000002",'
    b'"mtime":1700000000000000000,"blobsize":2048,"ino":1234567,'
    b'"sha1":"0000000000000000000000000000000000000000",'
    b'"md5":"00000000000000000000000000000000","adler32":"00000000"}'
)


def file_name(index: int) -> str:
    return f"file-{index:06d}.bin"


def payloads(count: int, seed: int = SEED) -> list[bytes]:
    """``count`` random contents of 1-4 KB, the same for the same seed."""
    rng = random.Random(seed)
    return [rng.randbytes(rng.randint(MIN_SIZE, MAX_SIZE)) for _ in range(count)]


def records(count: int, seed: int = SEED) -> list[bytes]:
    """``count`` distinct record-sized values. Distinct matters: ext4 shares one
    xattr block between inodes whose attributes are identical, which would spare
    the floor the block the driver's (unique) records each need."""
    rng = random.Random(seed)
    return [
        _RECORD.replace(_ID, str(uuid.UUID(int=rng.getrandbits(128), version=4)).encode())
        for _ in range(count)
    ]
