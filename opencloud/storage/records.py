"""Small whole-file writes through the port, for the server's own records.

The user directory, the lock table and the upload sessions are small files in
system spaces. They are written the one way every write is: staged, then
committed atomically, so a crash leaves the old record or the new one.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import TypeVar

import msgspec

from opencloud.core.errors import AlreadyExists, NotFound
from opencloud.core.ids import SpaceId
from opencloud.storage.protocol import StorageDriver
from opencloud.storage.types import NodeInfo, Ref

_T = TypeVar("_T")


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


def encode_json(record: object) -> bytes:
    """A record as it is stored: indented JSON, so ``cat`` shows it plainly."""
    return msgspec.json.format(msgspec.json.encode(record), indent=2) + b"\n"


def write_json(driver: StorageDriver, ref: Ref, record: object) -> NodeInfo:
    """Replace (or create) the JSON record at ``ref``, atomically."""
    return write_file(driver, ref, encode_json(record))


def read_json_folder(driver: StorageDriver, folder: Ref, kind: type[_T]) -> Iterator[_T]:
    """Every readable ``*.json`` record of type ``kind`` directly in
    ``folder`` (none if the folder does not exist). A damaged record, or one
    removed while listing, is skipped: ``opencloud check`` reports it."""
    try:
        entries = list(driver.list(folder))
    except NotFound:
        return
    for info in entries:
        if info.kind != "file" or not info.name.endswith(".json"):
            continue
        try:
            with driver.open_read(Ref(folder.space, info.path)) as handle:
                yield msgspec.json.decode(handle.read(), type=kind)
        except (msgspec.DecodeError, NotFound):
            continue
