"""Signing keys for OpenCloud's signed URLs (``OC-Signature``).

A client fetches its key once (``GET /ocs/v1.php/cloud/user/signing-key``)
and then signs URLs itself: ``OC-Credential`` (the login name), ``OC-Date``,
``OC-Expires``, ``OC-Verb``, ``OC-Algo=PBKDF2/10000-SHA512`` and
``OC-Signature``, the hex of PBKDF2-SHA512 over the URL, salted with the key,
10,000 rounds, 32 bytes (reference §2.16). Whoever holds such a URL may make
that one request as that user until it expires: the web client uses it for
downloads a browser starts on its own.

Each user's key is 64 random bytes (hex), made on first use and kept as a
record in the ``shares`` system space (``/signing-keys/<user id>.json``), so
every server process sharing the storage checks the same key, and it survives
restarts (OpenCloud keeps it in a key-value store). ``rotate`` replaces it
and ``forget`` (the user is deleted) drops it: every URL signed with the old
key stops working at once. The record is read on every check, not cached, so
a rotation or a deletion made by another process (``opencloud users delete``)
counts at once too; one small read is nothing beside the PBKDF2 runs.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import secrets
import threading
import time
from collections.abc import Iterable

import msgspec

from opencloud.core.errors import AlreadyExists, InvalidInput, NotFound
from opencloud.services.shares.service import SHARES_SPACE
from opencloud.storage.protocol import StorageDriver
from opencloud.storage.records import ensure_system_space, write_json
from opencloud.storage.types import Ref

KEYS_DIR = "/signing-keys"
ALGORITHM = "PBKDF2/10000-SHA512"
ITERATIONS = 10_000
LENGTH = 32  # bytes of derived key: 64 hex digits, as OpenCloud's proxy checks


class SigningKey(msgspec.Struct, frozen=True, kw_only=True):
    user: str
    key: str  # hex
    created: int  # ns since the epoch


def url_signature(url: str, key: str) -> str:
    """``OC-Signature`` of ``url`` under ``key`` (both as the client has them)."""
    derived = hashlib.pbkdf2_hmac("sha512", url.encode(), key.encode(), ITERATIONS, LENGTH)
    return derived.hex()


class SigningKeys:
    def __init__(self, driver: StorageDriver) -> None:
        self._driver = driver
        self._lock = threading.Lock()

    def key(self, user_id: str) -> str:
        """The user's key, made (and stored) on first use."""
        with self._lock:
            known = self._read(user_id)
            if known is None:
                known = self._write(user_id, secrets.token_hex(64))
            return known

    def rotate(self, user_id: str) -> str:
        """A new key for the user: URLs signed with the old one stop working."""
        with self._lock:
            return self._write(user_id, secrets.token_hex(64))

    def forget(self, user_id: str) -> None:
        """Drop the user's key (their account is being deleted): URLs they
        signed stop working, and a user made again under the same id (demo
        users have fixed ids) gets a key of their own."""
        with self._lock, contextlib.suppress(NotFound):
            self._driver.delete(self._ref(user_id))

    def verify(self, user_id: str, urls: Iterable[str], signature: str) -> bool:
        """Whether ``signature`` signs one of ``urls`` (the forms the client
        may have signed) under the user's key; False when they have none. Each
        comparison takes the same time whatever the signature."""
        key = self._read(user_id)
        if key is None:
            return False
        given = signature.strip().lower().encode()
        matched = False
        for url in urls:
            # no early exit: every candidate costs the same PBKDF2 run
            matched |= hmac.compare_digest(url_signature(url, key).encode(), given)
        return matched

    def _ref(self, user_id: str) -> Ref:
        if not user_id or "/" in user_id or user_id.startswith("."):
            raise InvalidInput(f"not a user id: {user_id[:80]!r}")
        return Ref(SHARES_SPACE, f"{KEYS_DIR}/{user_id}.json")

    def _read(self, user_id: str) -> str | None:
        try:
            with self._driver.open_read(self._ref(user_id)) as handle:
                record = msgspec.json.decode(handle.read(), type=SigningKey)
        except (NotFound, msgspec.DecodeError, msgspec.ValidationError):
            return None
        return record.key if record.user == user_id and record.key else None

    def _write(self, user_id: str, key: str) -> str:
        ref = self._ref(user_id)
        ensure_system_space(self._driver, SHARES_SPACE, "shares")
        try:
            self._driver.stat(Ref(SHARES_SPACE, KEYS_DIR))
        except NotFound:
            with contextlib.suppress(AlreadyExists):
                self._driver.mkdir(Ref(SHARES_SPACE, KEYS_DIR))
        write_json(self._driver, ref, SigningKey(user=user_id, key=key, created=time.time_ns()))
        return key
