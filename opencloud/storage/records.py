"""Small whole-file writes through the port, for the server's own records.

The user directory, the lock table and the upload sessions are small files in
system spaces. They are written the one way every write is: staged, then
committed atomically, so a crash leaves the old record or the new one.
"""

from __future__ import annotations

import contextlib

from opencloud.core.errors import AlreadyExists, NotFound
from opencloud.core.ids import SpaceId
from opencloud.storage.protocol import StorageDriver
from opencloud.storage.types import NodeInfo, Ref


def write_file(
    driver: StorageDriver, ref: Ref, body: bytes, *, if_none_match: str | None = None
) -> NodeInfo:
    """Replace (or create) the file at ``ref`` with ``body``, atomically."""
    upload = driver.begin_upload(ref, size=len(body), if_none_match=if_none_match)
    try:
        upload.write(body)
        return upload.commit()
    except BaseException:
        upload.abort()
        raise


def ensure_system_space(driver: StorageDriver, space: SpaceId, name: str) -> None:
    """Create the system space ``space`` unless it exists (another process may
    create it at the same moment: that is fine too)."""
    try:
        driver.get_space(space)
    except NotFound:
        with contextlib.suppress(AlreadyExists):
            driver.create_space(space, kind="system", name=name, owner="")
