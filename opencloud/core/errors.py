"""The errors every layer raises. Status codes live in ``opencloud.api.http.errors`` only.

Domain code and drivers raise these and nothing else: a driver translates
``OSError`` at its edge, so a caller never has to know which backend it talks to.
Each error carries a message written for the person who will read it (a sysadmin
in a log, a user in a client) and, where useful, the thing it is about.
"""

from __future__ import annotations


class OpenCloudError(Exception):
    """Base of all expected failures. ``message`` is safe to show to a client."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class NotFound(OpenCloudError):
    """The item does not exist, or exists but the caller may not know it does."""


class AlreadyExists(OpenCloudError):
    """The target name is taken (creation was exclusive, or overwrite was refused)."""


class Conflict(OpenCloudError):
    """The request cannot apply to the current state: a missing parent, a folder
    moved into itself, a file where a folder is needed, a non-empty target."""


class InvalidInput(OpenCloudError):
    """The request itself is malformed: a bad name, a bad path, a bad value."""


class InvalidName(InvalidInput):
    """A file or folder name that may not be stored (``/``, NUL, ``..``, too long, reserved)."""


class PathEscapes(InvalidInput):
    """A path that would leave its space (``..`` above the root, absolute elsewhere)."""


class ChecksumMismatch(InvalidInput):
    """Content did not match the checksum the client announced; nothing was stored."""


class TooLarge(OpenCloudError):
    """A body or value larger than the server accepts."""


class PreconditionFailed(OpenCloudError):
    """An ``If-Match`` / ``If-None-Match`` condition did not hold."""


class Locked(OpenCloudError):
    """The item is locked by someone else."""


class PermissionDenied(OpenCloudError):
    """The caller is known but may not do this."""


class Unauthenticated(OpenCloudError):
    """The caller is not known (no or wrong credentials)."""


class QuotaExceeded(OpenCloudError):
    """The write would take the space over its quota, or the disk is full."""

    def __init__(self, message: str, *, space: str = "") -> None:
        super().__init__(message)
        self.space = space


class Throttled(OpenCloudError):
    """Too many failed attempts: try again after ``retry_after`` seconds."""

    def __init__(self, message: str, *, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = max(1, int(retry_after))


class NotSupported(OpenCloudError):
    """The backend cannot do this (a driver without trash, a move across spaces)."""


class StorageUnavailable(OpenCloudError):
    """The storage cannot be reached or is misconfigured; retrying later may help."""


class ServiceUnavailable(OpenCloudError):
    """The server cannot take this now (it is shutting down); retry shortly."""


class ConfigError(OpenCloudError):
    """A setting is unknown, ill-typed or missing. The message names the setting."""
