"""Password hashing (argon2id) and the short-lived cache of good verifications.

argon2id is slow on purpose (tens of milliseconds and 64 MiB per check), and
WebDAV clients send Basic credentials with every request. ``VerifyCache`` keeps
a successful check for ``ttl`` seconds, keyed by an HMAC of username and
password under a random per-process key: the cache never holds a password or
anything a guesser could test offline. An entry remembers *what* it proved
(the password hash, or the app token's id) and is only honoured while that is
still current, so a password change, a revoked token or a disabled account ends
it at once, also when the change was made by another process.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import secrets
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterator

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

_hasher = PasswordHasher()  # argon2id with the library's (RFC 9106 low-memory) parameters


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    """True if ``password`` matches; False for a mismatch or an unusable hash."""
    if not password_hash:
        return False
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


class _Dummy:
    """A hash to verify against for unknown users, so that a wrong username takes
    as long as a wrong password (no user enumeration by timing)."""

    _hash: str | None = None
    _lock = threading.Lock()

    @classmethod
    def burn(cls, password: str) -> None:
        with cls._lock:
            if cls._hash is None:
                cls._hash = hash_password(secrets.token_urlsafe(16))
        verify_password(cls._hash, password)


burn_time = _Dummy.burn


class VerifyCache:
    """Maps HMAC(username, password) → (user id, proof, expiry). Thread-safe,
    at most ``capacity`` entries (oldest dropped first)."""

    def __init__(
        self,
        *,
        ttl: float,
        capacity: int = 10_000,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.ttl = ttl
        self.capacity = capacity
        self._monotonic = monotonic
        self._key = secrets.token_bytes(32)
        self._entries: OrderedDict[bytes, tuple[str, str, float]] = OrderedDict()
        self._lock = threading.Lock()
        # credentials being verified right now → (their lock, how many wait on it)
        self._flights: dict[bytes, tuple[threading.Lock, int]] = {}

    def _digest(self, username: str, password: str) -> bytes:
        message = f"{username.lower()}\0{password}".encode("utf-8", "surrogatepass")
        return hmac.new(self._key, message, hashlib.sha256).digest()

    def get(self, username: str, password: str) -> tuple[str, str] | None:
        """``(user id, proof)`` of a fresh entry, else None."""
        if self.ttl <= 0:
            return None
        key = self._digest(username, password)
        with self._lock:
            entry = self._entries.get(key)
            if entry is None:
                return None
            if entry[2] <= self._monotonic():
                del self._entries[key]
                return None
            return entry[0], entry[1]

    def put(self, username: str, password: str, user_id: str, proof: str) -> None:
        if self.ttl <= 0:
            return
        key = self._digest(username, password)
        with self._lock:
            self._entries.pop(key, None)
            self._entries[key] = (user_id, proof, self._monotonic() + self.ttl)
            while len(self._entries) > self.capacity:
                self._entries.popitem(last=False)

    @contextlib.contextmanager
    def single_flight(self, username: str, password: str) -> Iterator[None]:
        """Let one caller at a time verify these credentials in full.

        A client with several connections sends the same credentials on all
        of them; when its entry expires they would all run argon2 at once
        (64 MiB and a few hundred ms each). Inside this block the later ones
        wait for the first and then find its fresh entry with ``get``."""
        key = self._digest(username, password)
        with self._lock:
            lock, waiting = self._flights.get(key, (threading.Lock(), 0))
            self._flights[key] = (lock, waiting + 1)
        try:
            with lock:
                yield
        finally:
            with self._lock:
                lock, waiting = self._flights[key]
                if waiting <= 1:
                    del self._flights[key]
                else:
                    self._flights[key] = (lock, waiting - 1)

    def forget_user(self, user_id: str) -> None:
        with self._lock:
            for key in [k for k, v in self._entries.items() if v[0] == user_id]:
                del self._entries[key]

    def forget_proof(self, proof: str) -> None:
        with self._lock:
            for key in [k for k, v in self._entries.items() if v[1] == proof]:
                del self._entries[key]

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()

    def __len__(self) -> int:
        with self._lock:
            return len(self._entries)
