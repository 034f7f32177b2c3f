"""Public links: a file or folder reachable by an unguessable token.

A link is a record in the ``shares`` system space (``/links/<id>.json``), next
to the share records: who made it, what it points at (space and node, so it
follows the item through moves), its type, the argon2id hash of its password
(never the password), its expiry and its display name.

Link types (OpenCloud's ``linktype.go``) and what they allow:

- ``internal``: nothing; a signed-in user who can reach the item anyway is
  sent there (no password allowed);
- ``view``: read;
- ``upload`` (folders): read and add;
- ``edit``: a file read and overwritten; a folder read, added to, changed,
  deleted from;
- ``createOnly`` (folders, a file drop): add only; nothing can be listed or read.

Only who may share in the space (a personal space's owner, a project's
Managers) creates, changes and removes links: resharing is off, as for shares.
Passwords are required for every link but internal ones by default
(OpenCloud's ``OC_SHARING_PUBLIC_SHARE_MUST_HAVE_PASSWORD=true``).

Wrong link passwords are throttled per token and per client address: after
``attempts`` failures within ``window`` seconds further attempts are refused
with ``Throttled`` (429), the right password included.

Like a share, a link is kept twice: the record (the truth) and a mark in the
metadata of its item (``link:<id>``), so the tree itself says what is linked
and ``opencloud check`` can compare the two. A link is created mark first,
record second, and removed record first, mark second: a crash leaves at worst
a mark without a record, which opens nothing.

A password-protected link can also be opened for a while without its
password by a *signature* (``?signature=&expiration=``, what OpenCloud's
``oc:signature-auth`` hands out for downloads): an HMAC of the token and the
expiry under a key derived from the link's password hash, so a new password
ends every signature made for the old one.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import secrets
import string
import threading
import time
from collections.abc import Collection, Iterator
from datetime import UTC, datetime
from typing import Literal, get_args

import msgspec

from opencloud.core.dates import parse_rfc3339
from opencloud.core.errors import (
    AlreadyExists,
    InvalidInput,
    NotFound,
    Unauthenticated,
)
from opencloud.core.ids import NodeId, SpaceId
from opencloud.services.auth.passwords import VerifyCache, hash_password, verify_password
from opencloud.services.auth.throttle import Throttle
from opencloud.services.auth.types import Principal
from opencloud.services.events.build import node_event
from opencloud.services.events.bus import EventBus
from opencloud.services.events.types import LinkCreated, LinkRemoved, LinkUpdated
from opencloud.services.shares.service import SHARES_SPACE
from opencloud.services.shares.signing import SigningKeys
from opencloud.services.spaces.rights import NONE, Rights
from opencloud.services.spaces.service import SpacesService, check_expiry
from opencloud.storage.protocol import StorageDriver
from opencloud.storage.records import ensure_system_space, read_json_folder, write_json
from opencloud.storage.types import NodeInfo, Ref

LinkType = Literal["internal", "view", "upload", "edit", "createOnly"]
LINK_TYPES: tuple[str, ...] = get_args(LinkType)

#: Link types only a folder can have.
FOLDER_ONLY = frozenset({"upload", "createOnly"})

#: Types that let the public change something (``password.enforced_for``).
WRITEABLE = frozenset({"upload", "edit", "createOnly"})

LINKS_DIR = "/links"
#: The same answer for a token that never existed, expired or was deleted.
NO_LINK = "no such public link"

MIN_PASSWORD = 8
MAX_PASSWORD = 72
MAX_DISPLAY_NAME = 255

_ALPHABET = string.ascii_letters
_TOKEN_ALPHABET = string.ascii_letters + string.digits
ID_LENGTH = 15  # OpenCloud's link ids are 15 letters
TOKEN_LENGTH = 32  # ~190 bits: not guessable

#: The metadata key prefix of a link's mark on its item (``link:<id>``).
MARK_PREFIX = "link:"

#: How long a signature handed out for a password-protected link is good for.
SIGNATURE_TTL = 30 * 60  # seconds


class Link(msgspec.Struct, kw_only=True):
    id: str
    token: str
    space: str
    node: str
    type: str  # a LinkType
    creator: str  # user id
    created: int  # ns since the epoch
    password_hash: str = ""
    expires: int = 0  # ns since the epoch; 0: never
    display_name: str = ""
    quick_link: bool = False

    def active(self, now_ns: int) -> bool:
        return not self.expires or self.expires > now_ns

    @property
    def has_password(self) -> bool:
        return bool(self.password_hash)

    @property
    def mark_key(self) -> str:
        """The metadata key of this link's mark on its item."""
        return f"{MARK_PREFIX}{self.id}"

    def mark(self) -> LinkMark:
        return LinkMark(id=self.id, creator=self.creator, created=self.created)


class LinkMark(msgspec.Struct, frozen=True, kw_only=True):
    """What a linked item's metadata says of a link (it never changes: the
    record keeps what can)."""

    id: str
    creator: str
    created: int


def link_rights(link_type: str, *, kind: str) -> Rights:
    """What a link of ``link_type`` lets the public do on an item of ``kind``
    (``file`` or ``dir``)."""
    if link_type == "view":
        return Rights(read=True)
    if link_type == "upload":
        return Rights(read=True, create=True)
    if link_type == "edit":
        if kind == "file":
            return Rights(read=True, update=True)
        return Rights(read=True, create=True, update=True, delete=True)
    if link_type == "createOnly":
        return Rights(create=True)
    return NONE  # internal


def check_type(link_type: str, kind: str) -> LinkType:
    if link_type not in LINK_TYPES:
        raise InvalidInput(
            f"unknown link type {link_type[:40]!r}: use one of {', '.join(LINK_TYPES)}"
        )
    if link_type in FOLDER_ONLY and kind == "file":
        raise InvalidInput(f"a {link_type} link can only be created on a folder")
    return link_type  # type: ignore[return-value]


def check_password(password: str) -> None:
    if len(password) < MIN_PASSWORD:
        raise InvalidInput(f"the password must have at least {MIN_PASSWORD} characters")
    if len(password) > MAX_PASSWORD:
        raise InvalidInput(f"the password must have at most {MAX_PASSWORD} characters")


class LinksService:
    def __init__(
        self,
        driver: StorageDriver,
        spaces: SpacesService,
        *,
        must_have_password: bool = True,
        writeable_must_have_password: bool = False,
        attempts: int = 5,
        window: float = 60.0,
        storage_id: str = "",
        bus: EventBus | None = None,
    ) -> None:
        """``bus`` hears ``link-created``, ``link-updated`` and ``link-removed``
        about the linked item (ids built with ``storage_id``; none when omitted)."""
        self._driver = driver
        self._spaces = spaces
        self._storage_id = storage_id
        self._bus = bus
        self.must_have_password = must_have_password
        self.writeable_must_have_password = writeable_must_have_password
        self._lock = threading.RLock()
        self._links: dict[str, Link] = {}
        self._by_token: dict[str, str] = {}
        # derived from _links: (space, node) → link ids (oc:share-types asks
        # for every entry of a listing)
        self._by_node: dict[tuple[str, str], set[str]] = {}
        self._loaded = False
        self.throttle = Throttle(attempts=attempts, window=window, what="this link")
        self._verified = VerifyCache(ttl=60.0)
        #: the users' keys for signed URLs (``OC-Signature``), kept beside the links
        self.signing_keys = SigningKeys(driver)

    # ------------------------------------------------------------ reading
    def get(self, link_id: str) -> Link:
        self._load()
        found = self._links.get(link_id)
        if found is None:
            raise NotFound(f"no link {link_id[:80]!r}")
        return found

    def by_token(self, token: str) -> Link:
        """The active link with this token; NotFound (always the same message)
        for an unknown, expired or deleted one, and for one whose project
        space is disabled (nothing in it is reachable until it is restored)."""
        self._load()
        link_id = self._by_token.get(token)
        link = self._links.get(link_id) if link_id else None
        if link is None or not link.active(time.time_ns()):
            raise NotFound(NO_LINK)
        if self._spaces.is_disabled(SpaceId(link.space)):
            raise NotFound(NO_LINK)
        return link

    def of_node(self, space: str, node: str) -> list[Link]:
        """Links of one item, oldest first."""
        self._load()
        with self._lock:
            found = [self._links[i] for i in self._by_node.get((space, node), ())]
        return sorted(found, key=lambda x: (x.created, x.id))

    def share_types(self, space: str, node: str) -> set[int]:
        """``{3}`` (OCS's public link) when the item has a link, else nothing:
        an in-memory lookup, cheap enough for every entry of a listing."""
        self._load()
        return {3} if self._by_node.get((space, node)) else set()

    def created_by(self, user: Principal) -> list[Link]:
        self._load()
        return sorted(
            (x for x in self._links.values() if x.creator == user.id), key=lambda x: -x.created
        )

    def all(self) -> Iterator[Link]:
        self._load()
        return iter(list(self._links.values()))

    def node(self, link: Link) -> NodeInfo:
        """Where the linked item is now (NotFound once it is deleted)."""
        return self._driver.stat_id(SpaceId(link.space), NodeId(link.node))

    def rights(self, link: Link) -> Rights:
        """What the public may do below the linked item."""
        if not link.active(time.time_ns()) or self._spaces.is_disabled(SpaceId(link.space)):
            return NONE
        try:
            kind = self.node(link).kind
        except NotFound:
            return NONE
        return link_rights(link.type, kind=kind)

    def needs_password(self, link_type: str) -> bool:
        if link_type == "internal":
            return False
        return self.must_have_password or (
            self.writeable_must_have_password and link_type in WRITEABLE
        )

    # ------------------------------------------------------------ the public
    def check_access(self, link: Link, password: str | None, address: str) -> None:
        """Unauthenticated unless ``password`` opens ``link`` (None: none
        given); Throttled after too many wrong ones for the token or address."""
        if not link.password_hash:
            return
        if password is None:
            raise Unauthenticated("this public link is protected by a password")
        keys = (f"link:{link.token}", f"addr:{address}" if address else "")
        for key in keys:
            self.throttle.check(key)
        if self._verified.get(link.token, password) == (link.id, link.password_hash):
            return
        if verify_password(link.password_hash, password):
            self._verified.put(link.token, password, link.id, link.password_hash)
            return
        for key in keys:
            self.throttle.failed(key)
        raise Unauthenticated("wrong password for this public link")

    def sign(self, link: Link, now_s: float | None = None) -> tuple[str, str]:
        """A signature that opens ``link`` for reading for ``SIGNATURE_TTL``
        seconds without its password, and its expiry (RFC 3339), as
        ``oc:signature-auth`` hands them out. Only for a password-protected link."""
        if not link.has_password:
            raise InvalidInput("only a password-protected link is opened by a signature")
        now = time.time() if now_s is None else now_s
        expiration = _rfc3339(int(now) + SIGNATURE_TTL)
        return self._signature(link, expiration), expiration

    def check_signature(
        self, link: Link, signature: str, expiration: str, now_s: float | None = None
    ) -> None:
        """Accept ``signature`` for ``link`` until ``expiration``: InvalidInput
        for a malformed expiry, Unauthenticated for a wrong or expired one (the
        comparison takes the same time whatever the signature)."""
        moment = parse_rfc3339(expiration, "expiration")
        if not link.has_password:
            raise Unauthenticated("this public link takes no signature")
        expected = self._signature(link, expiration)
        if not hmac.compare_digest(expected.encode(), signature.strip().lower().encode()):
            raise Unauthenticated("wrong signature for this public link")
        now = time.time() if now_s is None else now_s
        if moment <= now:
            raise Unauthenticated("the signature of this public link has expired")

    @staticmethod
    def _signature(link: Link, expiration: str) -> str:
        key = hashlib.sha256(b"opencloud public-link signature\0" + link.password_hash.encode())
        message = f"{link.token}|{expiration}".encode()
        return hmac.new(key.digest(), message, hashlib.sha256).hexdigest()

    # ------------------------------------------------------------ writing
    def create(
        self,
        actor: Principal,
        space: SpaceId,
        node_id: NodeId,
        *,
        link_type: str,
        password: str = "",
        expires: int = 0,
        display_name: str = "",
        quick_link: bool = False,
    ) -> Link:
        self._may_share(actor, space)
        node = self._driver.stat_id(space, node_id)
        checked = check_type(link_type, "file" if node.kind == "file" else "folder")
        check_expiry(expires)
        if len(display_name) > MAX_DISPLAY_NAME:
            raise InvalidInput(f"the display name is longer than {MAX_DISPLAY_NAME} characters")
        password_hash = self._password_hash(checked, password)
        with self._lock:
            self._load()
            link = Link(
                id=_random(_ALPHABET, ID_LENGTH),
                token=_random(_TOKEN_ALPHABET, TOKEN_LENGTH),
                space=space,
                node=node_id,
                type=checked,
                creator=actor.id,
                created=time.time_ns(),
                password_hash=password_hash,
                expires=expires,
                display_name=display_name,
                quick_link=quick_link,
            )
            # mark first, record second: a crash leaves a mark that opens nothing
            self._driver.set_meta(
                Ref(node.space, node.path), {link.mark_key: msgspec.json.encode(link.mark())}
            )
            try:
                self._write(link)
            except BaseException:
                with contextlib.suppress(Exception):
                    self._remove_mark(link)
                raise
            self._add(link)
        self._announce(LinkCreated, link, node)
        return link

    def update(
        self,
        actor: Principal,
        link_id: str,
        *,
        link_type: str | None = None,
        expires: int | None = None,
        display_name: str | None = None,
    ) -> Link:
        """``expires`` 0 removes the expiry; None leaves what is there."""
        with self._lock:
            link = self.get(link_id)
            self._may_share(actor, SpaceId(link.space))
            changed = msgspec.structs.replace(link)
            if link_type is not None:
                kind = "file" if self.node(link).kind == "file" else "folder"
                changed.type = check_type(link_type, kind)
                if changed.type == "internal":
                    changed.password_hash = ""  # an internal link has none
                elif not changed.password_hash and self.needs_password(changed.type):
                    raise InvalidInput("a password is required for this link type")
            if expires is not None:
                check_expiry(expires)
                changed.expires = expires
            if display_name is not None:
                if len(display_name) > MAX_DISPLAY_NAME:
                    raise InvalidInput(
                        f"the display name is longer than {MAX_DISPLAY_NAME} characters"
                    )
                changed.display_name = display_name
            self._write(changed)
            self._links[link.id] = changed
        self._announce(LinkUpdated, changed)
        return changed

    def set_password(self, actor: Principal, link_id: str, password: str) -> Link:
        """A new password (the old one stops working at once); an empty one
        removes it where the link type allows that."""
        with self._lock:
            link = self.get(link_id)
            self._may_share(actor, SpaceId(link.space))
            changed = msgspec.structs.replace(link)
            changed.password_hash = self._password_hash(link.type, password)
            self._write(changed)
            self._links[link.id] = changed
            self._verified.forget_proof(link.password_hash)
        self._announce(LinkUpdated, changed)
        return changed

    def delete(self, actor: Principal, link_id: str) -> Link:
        with self._lock:
            link = self.get(link_id)
            self._may_share(actor, SpaceId(link.space))
            with contextlib.suppress(NotFound):
                self._driver.delete(self._ref(link))  # record first: the truth
            self._drop(link)
            self._verified.forget_proof(link.password_hash)
            self._remove_mark(link)
        self._announce(LinkRemoved, link)
        return link

    # ------------------------------------------------------------ internals
    def _announce(
        self,
        cls: type[LinkCreated | LinkUpdated | LinkRemoved],
        link: Link,
        node: NodeInfo | None = None,
    ) -> None:
        """Publish after the change is stored; nothing for an item that is gone."""
        if self._bus is None:
            return
        if node is None:
            try:
                node = self.node(link)
            except NotFound:
                return
        self._bus.publish(node_event(cls, self._storage_id, node))

    def _password_hash(self, link_type: str, password: str) -> str:
        if link_type == "internal":
            if password:
                raise InvalidInput("an internal link cannot have a password")
            return ""
        if not password:
            if self.needs_password(link_type):
                raise InvalidInput("a password is required for this link")
            return ""
        check_password(password)
        return hash_password(password)

    def _may_share(self, actor: Principal, space: SpaceId) -> None:
        self._spaces.require_share(actor, space, "you may not create or change links in this space")

    def _ref(self, link: Link) -> Ref:
        return Ref(SHARES_SPACE, f"{LINKS_DIR}/{link.id}.json")

    def _remove_mark(self, link: Link) -> None:
        try:
            node = self.node(link)
        except NotFound:
            return  # the item is gone (trash purged): nothing to clean
        self._driver.set_meta(Ref(node.space, node.path), {}, remove=[link.mark_key])

    def _add(self, link: Link) -> None:
        """Called with the lock held."""
        self._links[link.id] = link
        self._by_token[link.token] = link.id
        self._by_node.setdefault((link.space, link.node), set()).add(link.id)

    def _drop(self, link: Link) -> None:
        """Called with the lock held."""
        self._links.pop(link.id, None)
        self._by_token.pop(link.token, None)
        ids = self._by_node.get((link.space, link.node), set())
        ids.discard(link.id)
        if not ids:
            self._by_node.pop((link.space, link.node), None)

    def _write(self, link: Link) -> None:
        ensure_system_space(self._driver, SHARES_SPACE, "shares")
        self._ensure_dir()
        write_json(self._driver, self._ref(link), link)

    def _ensure_dir(self) -> None:
        try:
            self._driver.stat(Ref(SHARES_SPACE, LINKS_DIR))
        except NotFound:
            with contextlib.suppress(AlreadyExists):  # another writer made it meanwhile
                self._driver.mkdir(Ref(SHARES_SPACE, LINKS_DIR))

    def _load(self) -> None:
        if self._loaded:
            return
        with self._lock:
            if self._loaded:
                return
            ensure_system_space(self._driver, SHARES_SPACE, "shares")
            for link in read_json_folder(self._driver, Ref(SHARES_SPACE, LINKS_DIR), Link):
                self._add(link)  # a damaged record opens nothing
            self._loaded = True


def _random(alphabet: str, length: int) -> str:
    return "".join(secrets.choice(alphabet) for _ in range(length))


def _rfc3339(seconds: int) -> str:
    return datetime.fromtimestamp(seconds, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def drop_name(name: str, taken: Collection[str]) -> str:
    """The name a file dropped into a file drop is stored under: ``name``
    itself while it is free, else ``name (2).ext``, ``name (3).ext``… as
    OpenCloud numbers them (the existing file counts as the first); the
    extension of ``a.tar.gz`` is ``.tar.gz``, a dot file has none."""
    if name not in taken:
        return name
    stem, extension = name, ""
    dot = name.rfind(".")
    if dot > 0:
        stem, extension = name[:dot], name[dot:]
        if stem.endswith(".tar"):
            stem, extension = stem[: -len(".tar")], ".tar" + extension
    number = 2
    while f"{stem} ({number}){extension}" in taken:
        number += 1
    return f"{stem} ({number}){extension}"
