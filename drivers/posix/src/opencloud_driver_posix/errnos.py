"""OSError → opencloud.core.errors, in one place for the whole driver."""

from __future__ import annotations

import errno
from collections.abc import Iterator
from contextlib import contextmanager

from opencloud.core import errors

_MAP: dict[int, type[errors.OpenCloudError]] = {
    errno.ENOENT: errors.NotFound,
    errno.ENOTDIR: errors.Conflict,
    errno.EISDIR: errors.Conflict,
    errno.EEXIST: errors.AlreadyExists,
    errno.ENOTEMPTY: errors.Conflict,
    errno.EXDEV: errors.NotSupported,
    errno.ENAMETOOLONG: errors.InvalidName,
    errno.EINVAL: errors.InvalidInput,
    errno.EACCES: errors.StorageUnavailable,
    errno.EPERM: errors.StorageUnavailable,
    errno.EROFS: errors.StorageUnavailable,
    errno.EIO: errors.StorageUnavailable,
    errno.ENOSPC: errors.QuotaExceeded,
    errno.EDQUOT: errors.QuotaExceeded,
}

_WORDS: dict[type[errors.OpenCloudError], str] = {
    errors.NotFound: "not found",
    errors.Conflict: "conflicts with what is there",
    errors.AlreadyExists: "already exists",
    errors.NotSupported: "crosses filesystems",
    errors.QuotaExceeded: "no space left on the storage",
}


def translate_os_error(exc: OSError, what: str) -> errors.OpenCloudError:
    """The core error for ``exc``; ``what`` names the item for the message."""
    kind = _MAP.get(exc.errno or 0, errors.StorageUnavailable)
    reason = _WORDS.get(kind) or (exc.strerror or "storage error").lower()
    return kind(f"{what}: {reason}")


@contextmanager
def os_errors(what: str) -> Iterator[None]:
    """Run a block, re-raising any OSError as the matching core error."""
    try:
        yield
    except OSError as exc:
        raise translate_os_error(exc, what) from exc
