"""The upload loops being compared: N small files into one new folder.

* ``driver``: ``begin_upload(ref, size=…)`` / ``write`` / ``commit()`` per file
  (staging in ``.oc-tmp``, hashing, quota and condition checks, node record,
  rename, propagation to the parents).
* ``floor``: what the same durable placement costs at the least in Python:
  ``open(temp, O_CREAT|O_EXCL)`` / ``write`` / ``fsync`` (same mode) /
  ``fsetxattr(a distinct record-sized value)`` / ``rename`` / ``close``, with the
  temp file in the same ``.oc-tmp`` folder.
"""

from __future__ import annotations

import os
from typing import Literal

from bench.workload import XATTR_NAME, file_name
from opencloud.core.ids import SpaceId
from opencloud.storage.types import Ref
from opencloud_driver_posix.driver import PosixDriver

UploadVariant = Literal["driver", "floor"]
UPLOAD_VARIANTS: tuple[UploadVariant, ...] = ("driver", "floor")


def driver_uploads(driver: PosixDriver, space: SpaceId, folder: str, contents: list[bytes]) -> None:
    for index, data in enumerate(contents):
        upload = driver.begin_upload(Ref(space, f"{folder}/{file_name(index)}"), size=len(data))
        upload.write(data)
        upload.commit()


def floor_uploads(
    folder_abs: str, tmp_abs: str, contents: list[bytes], records: list[bytes], *, fsync: bool
) -> None:
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL
    for index, (data, record) in enumerate(zip(contents, records, strict=True)):
        name = file_name(index)
        temp = os.path.join(tmp_abs, f"floor-{name}")
        fd = os.open(temp, flags, 0o644)
        try:
            view = memoryview(data)
            while view:
                view = view[os.write(fd, view) :]
            if fsync:
                os.fsync(fd)
            os.setxattr(fd, XATTR_NAME, record)
            os.rename(temp, os.path.join(folder_abs, name))
        finally:
            os.close(fd)
