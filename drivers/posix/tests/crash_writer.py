"""Writes through the driver forever, for the crash test to kill at any moment.

Every file is self-describing: 8 bytes of length, then that many bytes, so a
partial file is recognisable whatever its name.
"""

from __future__ import annotations

import contextlib
import random
import sys

from opencloud.core import errors
from opencloud.core.ids import SpaceId
from opencloud.storage.types import Ref
from opencloud_driver_posix.driver import PosixDriver


def main() -> None:
    root, space, seed = sys.argv[1], SpaceId(sys.argv[2]), int(sys.argv[3])
    driver = PosixDriver.from_options({"root": root, "watch": "off"})
    rng = random.Random(seed)
    print("ready", flush=True)
    step = 0
    while True:
        step += 1
        folder = f"/d{rng.randrange(3)}"
        with contextlib.suppress(errors.AlreadyExists):
            driver.mkdir(Ref(space, folder))
        body = bytes([step % 251]) * rng.choice([0, 10, 4096, 1 << 20, 3 << 20])
        data = len(body).to_bytes(8, "big") + body
        upload = driver.begin_upload(Ref(space, f"{folder}/f{rng.randrange(8)}"))
        for offset in range(0, len(data), 1 << 16):
            upload.write(data[offset : offset + (1 << 16)])
        upload.commit()
        if step % 5 == 0:
            with contextlib.suppress(errors.NotFound, errors.AlreadyExists):
                driver.move(
                    Ref(space, f"{folder}/f{rng.randrange(8)}"),
                    Ref(space, f"/d{rng.randrange(3)}/m{step}"),
                )


if __name__ == "__main__":
    main()
