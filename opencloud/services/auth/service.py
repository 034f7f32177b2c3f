"""``AuthService``: who is asking, and the users and groups they can be.

Synchronous and framework-free; every method is safe to call from several
threads. The directory (users, groups, app tokens) is kept on the storage by
``Directory``; this class adds the rules: validation, unique names, personal
spaces, password and token checks, sessions (JWT), throttling.

Credentials:

- **Basic** ``username:password``, checked with argon2id; a success is cached for
  ``auth.password_cache_seconds`` (see ``passwords.VerifyCache``).
- **Basic** ``username:<app token>``: tokens from ``create_app_token``, stored
  only as SHA-256 hashes.
- **Bearer** ``<jwt>``: HS256, issued by ``issue_jwt`` to a password login,
  signed with a key derived from ``secrets.jwt_secret``, issuer ``url``.

``Principal.groups`` holds group **ids** (stable across renames, as grants name
groups by id), in no particular order.

Deleting a user purges their personal space (as OpenCloud does), then removes
their app tokens, group memberships and record; nothing else. Shares are not
this service's business: ``services.shares.deprovision`` ends and reports the
shares and links of the personal space before it calls ``delete_user``.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import secrets
import string
import threading
import time
import uuid
from collections.abc import Callable, Iterable
from datetime import UTC, datetime, timedelta
from typing import TypeVar

import jwt
import msgspec

from opencloud.config.schema import AdminSettings, Settings
from opencloud.core.errors import (
    AlreadyExists,
    InvalidInput,
    NotFound,
    PermissionDenied,
    Unauthenticated,
)
from opencloud.core.ids import SpaceId
from opencloud.services.auth.directory import Directory
from opencloud.services.auth.passwords import (
    VerifyCache,
    burn_time,
    hash_password,
    verify_password,
)
from opencloud.services.auth.records import (
    AppToken,
    Group,
    User,
    check_mail,
    check_password,
    check_role,
    check_text,
    check_username,
    now,
)
from opencloud.services.auth.throttle import Throttle
from opencloud.services.auth.types import Principal
from opencloud.storage.protocol import StorageDriver

log = logging.getLogger(__name__)

#: Longest app token lifetime (OpenCloud has no limit; ten years is "forever").
MAX_TOKEN_LIFETIME = timedelta(days=3650)
_TOKEN_ALPHABET = string.ascii_letters + string.digits
_TOKEN_LENGTH = 44  # 44 characters of 62 ≈ 262 bits
_FAILED = "wrong username or password"


def _token_hash(token: str) -> str:
    return "sha256:" + hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


def _new_token() -> str:
    """Letters and digits only: safe in Basic auth, URLs, shells and config files."""
    return "".join(secrets.choice(_TOKEN_ALPHABET) for _ in range(_TOKEN_LENGTH))


class AuthService:
    def __init__(
        self,
        driver: StorageDriver,
        settings: Settings,
        *,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        cfg = settings.auth
        self._driver = driver
        self._settings = settings
        self._issuer = settings.url.rstrip("/")
        secret = settings.secrets.jwt_secret
        if not secret:
            log.warning("secrets.jwt_secret is empty: sessions end when the server restarts")
            secret = secrets.token_urlsafe(32)
        # A fixed-length key whatever the configured secret looks like.
        self._jwt_key = hmac.new(secret.encode(), b"opencloud-session-jwt", "sha256").digest()
        self._jwt_lifetime = cfg.jwt_lifetime
        self._cache = VerifyCache(ttl=cfg.password_cache_seconds, monotonic=monotonic)
        self._user_throttle = Throttle(
            attempts=cfg.throttle_attempts,
            window=cfg.throttle_window,
            what="this user",
            monotonic=monotonic,
        )
        self._address_throttle = Throttle(
            attempts=cfg.throttle_address_attempts,
            window=cfg.throttle_window,
            what="this address",
            monotonic=monotonic,
        )
        self._write = threading.Lock()  # one writer at a time in this process
        self._by_name: dict[str, str] = {}
        self._memberships: dict[str, set[str]] = {}
        self._by_token_hash: dict[str, AppToken] = {}
        self._dir = Directory(driver, refresh_interval=cfg.refresh_interval, monotonic=monotonic)
        self._dir.on_change = self._reindex
        with self._dir.lock:
            for folder in ("users", "groups", "tokens"):
                self._reindex(folder)
        self.bootstrap_admin(settings.admin)

    # ================================================================ indexes
    def _reindex(self, folder: str) -> None:
        """Rebuild the lookup tables for ``folder`` (called under the directory lock)."""
        if folder == "users":
            by_name: dict[str, str] = {}
            for user in self._dir.all(self._dir.users):
                by_name[user.username.lower()] = user.id
            self._by_name = by_name
        elif folder == "groups":
            memberships: dict[str, set[str]] = {}
            for group in self._dir.all(self._dir.groups):
                for member in group.members:
                    memberships.setdefault(member, set()).add(group.id)
            self._memberships = memberships
        elif folder == "tokens":
            self._by_token_hash = {t.hash: t for t in self._dir.all(self._dir.tokens)}

    def refresh(self, *, force: bool = False) -> None:
        """Pick up directory changes other processes made (rate-limited unless ``force``)."""
        self._dir.refresh(force=force)

    # ================================================================ authentication
    def authenticate_basic(self, username: str, password: str, address: str = "") -> Principal:
        """Check ``username`` with a password or an app token. Raises Unauthenticated,
        or Throttled once a username or address failed too often."""
        user_key = username.lower()
        self._user_throttle.check(user_key)
        self._address_throttle.check(address)
        principal = self._cached_principal(username, password)
        if principal is not None:
            return principal
        with self._cache.single_flight(username, password):
            # another connection of the same client may have just verified them
            principal = self._cached_principal(username, password)
            if principal is not None:
                return principal
            return self._verify_basic(username, password, address)

    def _cached_principal(self, username: str, password: str) -> Principal | None:
        cached = self._cache.get(username, password)
        return self._from_cache(*cached) if cached is not None else None

    def _verify_basic(self, username: str, password: str, address: str) -> Principal:
        """The full check: app token or argon2; fills the cache on success."""
        user_key = username.lower()
        self.refresh()
        user = self._find_user(username)
        principal = None
        proof = ""
        if user is not None:
            token = self._by_token_hash.get(_token_hash(password))
            if token is not None and token.user_id == user.id and token.expires > now():
                proof = "token:" + token.id
                principal = self._principal(user, "app-token")
            elif verify_password(user.password_hash, password):
                proof = user.password_hash
                principal = self._principal(user, "basic")
            if principal is not None and not user.enabled:
                principal = None
        else:
            burn_time(password)
        if principal is None:
            self._user_throttle.failed(user_key)
            self._address_throttle.failed(address)
            log.info("failed login for %r from %s", username[:64], address or "-")
            raise Unauthenticated(_FAILED)
        self._user_throttle.reset(user_key)
        self._cache.put(username, password, principal.id, proof)
        return principal

    def check_attempt(self, username: str, address: str = "") -> None:
        """Raise Throttled when ``username`` or ``address`` failed too often, for
        credentials checked outside this service (signed URLs): the same
        counters as passwords, so no kind of credential can be guessed faster."""
        self._user_throttle.check(username.lower())
        self._address_throttle.check(address)

    def attempt_failed(self, username: str, address: str = "") -> None:
        """Count a failed check of such a credential."""
        self._user_throttle.failed(username.lower())
        self._address_throttle.failed(address)
        log.info("failed signed-URL login for %r from %s", username[:64], address or "-")

    def cached_basic(self, username: str, password: str, address: str = "") -> Principal | None:
        """The principal for Basic credentials verified a moment ago, from memory
        alone: no storage access, no argon2. None means "check them in full"
        (``authenticate_basic``, in a worker thread). Sync clients send Basic on
        every request; this keeps those requests on the event loop, without a
        thread hop. Throttled callers and due directory refreshes take the full
        path, so nothing is decided here that the full path would decide otherwise."""
        if self._dir.refresh_due():
            return None
        if self._user_throttle.blocked(username.lower()) or self._address_throttle.blocked(address):
            return None
        cached = self._cache.get(username, password)
        if cached is None:
            return None
        return self._from_cache(*cached, refresh=False)

    def _from_cache(self, user_id: str, proof: str, *, refresh: bool = True) -> Principal | None:
        """The principal a cache entry proves, if what it proved still holds."""
        if refresh:
            self.refresh()
        user = self._dir.get(self._dir.users, user_id)
        if user is None or not user.enabled:
            return None
        if proof.startswith("token:"):
            token = self._dir.get(self._dir.tokens, proof[len("token:") :])
            if token is None or token.user_id != user_id or token.expires <= now():
                return None
            return self._principal(user, "app-token")
        if proof != user.password_hash:
            return None
        return self._principal(user, "basic")

    def authenticate_bearer(self, token: str, address: str = "") -> Principal:
        """Check a session JWT from ``issue_jwt``: signature, issuer, expiry, and
        that its user still exists and is enabled."""
        try:
            claims = jwt.decode(
                token,
                self._jwt_key,
                algorithms=["HS256"],
                issuer=self._issuer,
                options={"require": ["exp", "iat", "iss", "sub"]},
            )
        except jwt.ExpiredSignatureError as exc:
            raise Unauthenticated("the session token has expired; sign in again") from exc
        except jwt.PyJWTError as exc:
            raise Unauthenticated("invalid session token") from exc
        subject = claims.get("sub")
        self.refresh()
        user = self._dir.get(self._dir.users, subject) if isinstance(subject, str) else None
        if user is None or not user.enabled:
            raise Unauthenticated("the session's account no longer exists or is disabled")
        return self._principal(user, "jwt")

    def issue_jwt(self, principal: Principal) -> tuple[str, int]:
        """A session token for ``principal``: ``(token, seconds until it expires)``."""
        issued = int(time.time())
        claims = {
            "iss": self._issuer,
            "sub": principal.id,
            "preferred_username": principal.username,
            "iat": issued,
            "exp": issued + self._jwt_lifetime,
            "jti": uuid.uuid4().hex,
        }
        return jwt.encode(claims, self._jwt_key, algorithm="HS256"), self._jwt_lifetime

    def is_active(self, user_id: str) -> bool:
        """Whether the user still exists and is enabled: for what outlives the
        request that signed in (a live-update stream). Memory only, with the
        directory refreshed at most every ``auth.refresh_interval``."""
        self.refresh()
        user = self._dir.get(self._dir.users, user_id)
        return user is not None and user.enabled

    def principal(self, user_key: str) -> Principal:
        """The principal of a user by id or username (NotFound otherwise)."""
        return self._principal(self.get_user(user_key), "basic")

    def _principal(self, user: User, method: str) -> Principal:
        groups = tuple(sorted(self._memberships.get(user.id, ())))
        names = tuple(
            group.name if group is not None else group_id
            for group_id in groups
            for group in (self._dir.get(self._dir.groups, group_id),)
        )
        return Principal(
            id=user.id,
            username=user.username,
            display_name=user.display_name,
            mail=user.mail,
            role=user.role,
            groups=groups,
            group_names=names,
            method="app-token" if method == "app-token" else "jwt" if method == "jwt" else "basic",
        )

    # ================================================================ users
    def _find_user(self, username: str) -> User | None:
        user_id = self._by_name.get(username.lower())
        return self._dir.get(self._dir.users, user_id) if user_id is not None else None

    def get_user(self, key: str) -> User:
        """A user by id or by username (case-insensitive)."""
        self.refresh()
        user = self._dir.get(self._dir.users, key) or self._find_user(key)
        if user is None:
            raise NotFound(f"no user {key[:80]!r}")
        return user

    def list_users(self, search: str = "") -> list[User]:
        """All users, or those whose username, display name or mail contains
        ``search`` (case-insensitive); sorted by username."""
        self.refresh()
        needle = search.lower()
        users = [
            u
            for u in self._dir.all(self._dir.users)
            if not needle
            or needle in u.username.lower()
            or needle in u.display_name.lower()
            or needle in u.mail.lower()
        ]
        return sorted(users, key=lambda u: u.username.lower())

    def groups_of(self, user_id: str) -> list[Group]:
        self.refresh()
        ids = self._memberships.get(user_id, set())
        groups = [g for g in (self._dir.get(self._dir.groups, i) for i in ids) if g is not None]
        return sorted(groups, key=lambda g: g.name.lower())

    def create_user(
        self,
        username: str,
        password: str,
        *,
        display_name: str = "",
        mail: str = "",
        role: str = "user",
        enabled: bool = True,
        user_id: str | None = None,
        password_hash: str | None = None,
    ) -> User:
        """Create a user and their personal space. ``password_hash`` (argon2) may
        stand in for ``password`` (the admin from the configuration)."""
        check_username(username)
        if password_hash is None:
            # no password: the account cannot log in with one until it is set
            password_hash = hash_password(check_password(password)) if password else ""
        record_id = _check_id(user_id) if user_id else str(uuid.uuid4())
        user = User(
            id=record_id,
            username=username,
            display_name=check_text(display_name or username, "displayName"),
            mail=check_mail(mail),
            password_hash=password_hash,
            enabled=enabled,
            role=check_role(role),
            created=now(),
        )
        with self._write, self._dir.lock:
            self.refresh(force=True)
            if self._find_user(username) is not None:
                raise AlreadyExists(f"a user named {username!r} already exists")
            if self._dir.get(self._dir.users, user.id) is not None:
                raise AlreadyExists(f"a user with id {user.id} already exists")
            # the record first: if the space cannot be made now, the user still
            # exists and gets it on first use (SpacesService.personal); the other
            # order could leave a space that belongs to nobody
            self._dir.put(self._dir.users, user)
            self._provision_space(user)
        log.info("created user %s (%s)", user.username, user.id)
        return user

    def _provision_space(self, user: User) -> None:
        self._driver.create_space(
            SpaceId(user.id), kind="personal", name=user.display_name, owner=user.id
        )

    def update_user(
        self,
        key: str,
        *,
        username: str | None = None,
        display_name: str | None = None,
        mail: str | None = None,
        password: str | None = None,
        enabled: bool | None = None,
        role: str | None = None,
    ) -> User:
        """Change a user; only the given fields change."""
        changes: dict[str, object] = {}
        if username is not None:
            changes["username"] = check_username(username)
        if display_name is not None:
            changes["display_name"] = check_text(display_name, "displayName")
        if mail is not None:
            changes["mail"] = check_mail(mail)
        if password is not None:
            changes["password_hash"] = hash_password(check_password(password))
        if enabled is not None:
            changes["enabled"] = enabled
        if role is not None:
            changes["role"] = check_role(role)
        with self._write, self._dir.lock:
            self.refresh(force=True)
            user = self.get_user(key)
            renamed = username is not None and username.lower() != user.username.lower()
            if renamed and self._find_user(username or "") is not None:
                raise AlreadyExists(f"a user named {username!r} already exists")
            if not changes:
                return user
            updated = _replace(user, changes)
            self._dir.put(self._dir.users, updated)
        if password is not None or enabled is False or username is not None:
            self._cache.forget_user(user.id)
        return updated

    def set_password(self, key: str, password: str) -> User:
        return self.update_user(key, password=password)

    def deletable(self, key: str) -> User:
        """The user ``key``, if they may be deleted: NotFound for nobody,
        PermissionDenied for the administrator from the configuration. Lets a
        caller refuse before it changes anything else."""
        user = self.get_user(key)
        if user.id == self._settings.admin.user_id:
            raise PermissionDenied(
                f"{user.username} is the administrator from the configuration "
                "(admin.user_id) and cannot be deleted; disable the account instead"
            )
        return user

    def delete_user(self, key: str) -> User:
        """Delete a user: their personal space with all its files, then their app
        tokens, memberships and record.

        The space goes first (the mirror of ``create_user``): a crash in between
        leaves a user without a space, who gets an empty one on first use and can
        be deleted again; the other order could leave a space that belongs to
        nobody. Callers that keep shares end them first (``deprovision``).
        """
        with self._write, self._dir.lock:
            self.refresh(force=True)
            user = self.deletable(key)
            self._delete_personal_space(user)
            for token in self._dir.all(self._dir.tokens):
                if token.user_id == user.id:
                    self._dir.remove(self._dir.tokens, token.id)
            for group in self._dir.all(self._dir.groups):
                if user.id in group.members:
                    members = tuple(m for m in group.members if m != user.id)
                    self._dir.put(self._dir.groups, _replace(group, {"members": members}))
            self._dir.remove(self._dir.users, user.id)
            self._cache.forget_user(user.id)
        log.info("deleted user %s (%s)", user.username, user.id)
        return user

    def _delete_personal_space(self, user: User) -> None:
        try:
            space = self._driver.get_space(SpaceId(user.id))
        except NotFound:
            return
        if space.kind == "personal" and space.owner == user.id:
            self._driver.delete_space(space.id)

    # ================================================================ groups
    def get_group(self, key: str) -> Group:
        """A group by id or by name (case-insensitive)."""
        self.refresh()
        group = self._dir.get(self._dir.groups, key) or self._find_group(key)
        if group is None:
            raise NotFound(f"no group {key[:80]!r}")
        return group

    def _find_group(self, name: str) -> Group | None:
        lowered = name.lower()
        for group in self._dir.all(self._dir.groups):
            if group.name.lower() == lowered:
                return group
        return None

    def list_groups(self, search: str = "") -> list[Group]:
        self.refresh()
        needle = search.lower()
        groups = [
            g
            for g in self._dir.all(self._dir.groups)
            if not needle or needle in g.name.lower() or needle in g.description.lower()
        ]
        return sorted(groups, key=lambda g: g.name.lower())

    def create_group(
        self,
        name: str,
        *,
        description: str = "",
        members: Iterable[str] = (),
        group_id: str | None = None,
    ) -> Group:
        name = check_text(name, "displayName")
        description = check_text(description, "description", required=False)
        with self._write, self._dir.lock:
            self.refresh(force=True)
            if self._find_group(name) is not None:
                raise AlreadyExists(f"a group named {name!r} already exists")
            member_ids = tuple(dict.fromkeys(self.get_user(m).id for m in members))
            group = Group(
                id=str(uuid.UUID(group_id)) if group_id else str(uuid.uuid4()),
                name=name,
                description=description,
                members=member_ids,
                created=now(),
            )
            if self._dir.get(self._dir.groups, group.id) is not None:
                raise AlreadyExists(f"a group with id {group.id} already exists")
            self._dir.put(self._dir.groups, group)
        return group

    def update_group(
        self, key: str, *, name: str | None = None, description: str | None = None
    ) -> Group:
        changes: dict[str, object] = {}
        if name is not None:
            changes["name"] = check_text(name, "displayName")
        if description is not None:
            changes["description"] = check_text(description, "description", required=False)
        with self._write, self._dir.lock:
            self.refresh(force=True)
            group = self.get_group(key)
            renamed = name is not None and name.lower() != group.name.lower()
            if renamed and self._find_group(name or "") is not None:
                raise AlreadyExists(f"a group named {name!r} already exists")
            if not changes:
                return group
            updated = _replace(group, changes)
            self._dir.put(self._dir.groups, updated)
        return updated

    def delete_group(self, key: str) -> Group:
        with self._write, self._dir.lock:
            self.refresh(force=True)
            group = self.get_group(key)
            self._dir.remove(self._dir.groups, group.id)
        return group

    def add_member(self, group_key: str, user_key: str) -> Group:
        """Add a user to a group (already a member: no change)."""
        with self._write, self._dir.lock:
            self.refresh(force=True)
            group = self.get_group(group_key)
            user = self.get_user(user_key)
            if user.id in group.members:
                return group
            updated = _replace(group, {"members": (*group.members, user.id)})
            self._dir.put(self._dir.groups, updated)
        return updated

    def remove_member(self, group_key: str, user_key: str) -> Group:
        """Remove a user from a group; NotFound if they are not a member."""
        with self._write, self._dir.lock:
            self.refresh(force=True)
            group = self.get_group(group_key)
            user_id = user_key
            if user_id not in group.members:
                user_id = self.get_user(user_key).id
            if user_id not in group.members:
                raise NotFound(f"{user_key!r} is not a member of {group.name}")
            members = tuple(m for m in group.members if m != user_id)
            updated = _replace(group, {"members": members})
            self._dir.put(self._dir.groups, updated)
        return updated

    def members(self, group_key: str) -> list[User]:
        group = self.get_group(group_key)
        users = (self._dir.get(self._dir.users, m) for m in group.members)
        return [u for u in users if u is not None]

    # ================================================================ app tokens
    def create_app_token(
        self, user_key: str, *, expires_in: timedelta, label: str = ""
    ) -> tuple[str, AppToken]:
        """A new app token: ``(the token, its record)``. The token is shown once;
        only its hash is stored."""
        if expires_in <= timedelta(0):
            raise InvalidInput("an app token's lifetime must be positive")
        if expires_in > MAX_TOKEN_LIFETIME:
            raise InvalidInput("an app token may live at most 3650 days")
        label = check_text(label or "Generated via API", "label")
        clear = _new_token()
        created = now()
        # whole seconds, rounded up: a token never lives shorter than asked
        exact = datetime.now(UTC) + expires_in
        expires = exact.replace(microsecond=0) + timedelta(seconds=1 if exact.microsecond else 0)
        with self._write, self._dir.lock:
            user = self.get_user(user_key)
            self._purge_expired(user.id)
            record = AppToken(
                id=str(uuid.uuid4()),
                user_id=user.id,
                label=label,
                hash=_token_hash(clear),
                created=created,
                expires=expires,
            )
            self._dir.put(self._dir.tokens, record)
        return clear, record

    def list_app_tokens(self, user_key: str) -> list[AppToken]:
        """The user's unexpired tokens, newest first (never the token itself)."""
        user = self.get_user(user_key)
        current = now()
        tokens = [
            t
            for t in self._dir.all(self._dir.tokens)
            if t.user_id == user.id and t.expires > current
        ]
        return sorted(tokens, key=lambda t: (t.created, t.id), reverse=True)

    def revoke_app_token(self, user_key: str, token: str) -> AppToken:
        """Revoke one of the user's tokens, named by its id or by the token itself."""
        with self._write, self._dir.lock:
            self.refresh(force=True)
            user = self.get_user(user_key)
            record = self._dir.get(self._dir.tokens, token) or self._by_token_hash.get(
                _token_hash(token)
            )
            if record is None or record.user_id != user.id:
                raise NotFound("no such app token")
            self._dir.remove(self._dir.tokens, record.id)
        self._cache.forget_proof("token:" + record.id)
        return record

    def _purge_expired(self, user_id: str) -> None:
        current = now()
        for token in self._dir.all(self._dir.tokens):
            if token.user_id == user_id and token.expires <= current:
                self._dir.remove(self._dir.tokens, token.id)

    # ================================================================ bootstrap
    def bootstrap_admin(self, admin: AdminSettings) -> User | None:
        """Put the administrator from the configuration into the directory.

        Missing → created (role admin, id ``admin.user_id``, the configured
        hash). Present, and ``admin.password_hash`` differs from the hash last
        applied from the configuration → the password is reset to it (the
        documented way to recover a lost admin password). Otherwise unchanged,
        so a password changed later through the CLI or Graph stays.
        """
        if not admin.user_id or not admin.password_hash:
            return None
        try:
            existing = self.get_user(admin.user_id)
        except NotFound:
            existing = None
        if existing is None:
            try:
                user = self.create_user(
                    admin.username,
                    "",
                    display_name="Admin",
                    role="admin",
                    user_id=admin.user_id,
                    password_hash=admin.password_hash,
                )
            except AlreadyExists:
                log.warning(
                    "the administrator %r from the configuration is not in the user directory: "
                    "another user has that name",
                    admin.username,
                )
                return None
            with self._write, self._dir.lock:
                user = _replace(user, {"config_password_hash": admin.password_hash})
                self._dir.put(self._dir.users, user)
            return user
        self._provision_space(existing)
        if existing.config_password_hash == admin.password_hash:
            return existing
        with self._write, self._dir.lock:
            user = _replace(
                existing,
                {"password_hash": admin.password_hash, "config_password_hash": admin.password_hash},
            )
            self._dir.put(self._dir.users, user)
        self._cache.forget_user(user.id)
        log.info("password of %s set from admin.password_hash in the configuration", user.username)
        return user

    # ================================================================ housekeeping
    def stats(self) -> dict[str, int]:
        """Sizes of the in-memory tables (bounded; for tests and diagnostics)."""
        return {
            "verify_cache": len(self._cache),
            "user_throttle": len(self._user_throttle),
            "address_throttle": len(self._address_throttle),
        }


_S = TypeVar("_S", User, Group)


def _replace(record: _S, changes: dict[str, object]) -> _S:
    return msgspec.structs.replace(record, **changes)


def _check_id(value: str) -> str:
    """A given user id, in canonical UUID form (``admin.user_id`` is one)."""
    try:
        return str(uuid.UUID(value))
    except ValueError:
        raise InvalidInput(f"invalid user id {value[:80]!r}: use a UUID") from None


def parse_duration(text: str) -> timedelta:
    """A Go-style duration (``72h``, ``90m``, ``1h30m``, ``3600s``) or days (``30d``)."""
    units = {"d": 86400, "h": 3600, "m": 60, "s": 1}
    total = 0.0
    number = ""
    if not text or len(text) > 32:
        raise InvalidInput(f"invalid duration {text[:40]!r}: use e.g. 72h, 30m or 7d")
    for char in text.strip():
        if char.isdigit() or char == ".":
            number += char
        elif char in units and number:
            try:
                total += float(number) * units[char]
            except ValueError as exc:
                raise InvalidInput(f"invalid duration {text!r}") from exc
            number = ""
        else:
            raise InvalidInput(f"invalid duration {text[:40]!r}: use e.g. 72h, 30m or 7d")
    if number:
        raise InvalidInput(f"invalid duration {text!r}: a number needs a unit (d, h, m or s)")
    if total <= 0:
        raise InvalidInput(f"invalid duration {text!r}: it must be longer than nothing")
    if total > MAX_DURATION.total_seconds():
        raise InvalidInput(f"invalid duration {text[:40]!r}: at most {MAX_DURATION.days} days")
    return timedelta(seconds=total)


#: The longest token lifetime accepted (ten years): beyond it dates stop being
#: representable long before they stop being meaningful.
MAX_DURATION = timedelta(days=3650)
