"""The records of the user directory, as they are stored: one JSON file each.

Field names are the directory's own (snake_case); the Graph adapter maps them to
LibreGraph's names. Times are UTC datetimes, written as RFC 3339 text, so a
sysadmin can read every file with ``cat``. Validation of what a client may set
lives here too, so the CLI and the Graph API refuse the same things with the
same messages.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import UTC, datetime

import msgspec

from opencloud.core.errors import InvalidInput
from opencloud.services.auth.types import GlobalRole

ROLES: tuple[GlobalRole, ...] = ("admin", "spaceadmin", "user")

_USERNAME = re.compile(r"^[A-Za-z0-9._@-]{1,64}$")
_MAIL = re.compile(r"^[^@\s]{1,64}@[^@\s]{1,190}$")
MAX_PASSWORD = 1024  # bytes; argon2 takes anything, but a megabyte password is an attack
MAX_TEXT = 256


class User(msgspec.Struct, frozen=True, kw_only=True):
    """One account. ``id`` is a UUID and also the id of the personal space.

    ``config_password_hash`` remembers which ``admin.password_hash`` from the
    configuration was last applied to the bootstrap admin, so putting a new hash
    there (the documented reset) takes effect once, at the next start.
    """

    id: str
    username: str
    display_name: str
    mail: str = ""
    password_hash: str = ""
    enabled: bool = True
    role: GlobalRole = "user"
    created: datetime
    config_password_hash: str = ""


class Group(msgspec.Struct, frozen=True, kw_only=True):
    """A named set of users; ``members`` holds user ids, in the order added."""

    id: str
    name: str
    description: str = ""
    members: tuple[str, ...] = ()
    created: datetime


class AppToken(msgspec.Struct, frozen=True, kw_only=True):
    """An app password. Only ``hash`` (``sha256:<hex>`` of the token) is kept:
    tokens are 256-bit random values, so a fast hash is as good as a slow one
    and keeps every WebDAV request cheap."""

    id: str
    user_id: str
    label: str
    hash: str
    created: datetime
    expires: datetime


def now() -> datetime:
    return datetime.now(UTC).replace(microsecond=0)


def rfc3339(value: datetime) -> str:
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def check_username(value: str) -> str:
    if not _USERNAME.match(value):
        raise InvalidInput(
            f"invalid username {value[:80]!r}: use 1-64 letters, digits, '.', '_', '-' or '@'"
        )
    return value


def check_text(value: str, what: str, *, required: bool = True) -> str:
    """A display name or description: trimmed, printable, at most 256 characters."""
    value = value.strip()
    if required and not value:
        raise InvalidInput(f"{what} must not be empty")
    if len(value) > MAX_TEXT:
        raise InvalidInput(f"{what} is longer than {MAX_TEXT} characters")
    if any(unicodedata.category(c) in ("Cc", "Cs") for c in value):
        raise InvalidInput(f"{what} contains control characters")
    return value


def check_mail(value: str) -> str:
    value = value.strip()
    if value and not _MAIL.match(value):
        raise InvalidInput(f"invalid e-mail address {value[:80]!r}")
    return value


def check_password(value: str) -> str:
    if not value:
        raise InvalidInput("the password must not be empty")
    if len(value.encode("utf-8", "surrogatepass")) > MAX_PASSWORD:
        raise InvalidInput(f"the password is longer than {MAX_PASSWORD} bytes")
    return value


def check_role(value: str) -> GlobalRole:
    for role in ROLES:
        if value == role:
            return role
    raise InvalidInput(f"invalid role {value[:40]!r}: use one of {', '.join(ROLES)}")
