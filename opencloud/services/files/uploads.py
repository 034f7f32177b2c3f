"""Resumable (TUS) and chunked (NG) uploads, kept on the storage.

Everything an unfinished upload needs lives in the ``uploads`` system space,
written through the ordinary driver port, so it survives a restart and sits
beside the data it belongs to (no database, no local state)::

    /secret                         the token key when secrets.transfer_secret is empty
    /tus/<session>/info             the session record (JSON, written once)
    /tus/<session>/part-<offset>    the bytes received so far, one file per request
    /chunking/<user-id>/<transfer>/<chunk-name>   NG chunks, as the client named them

Why segments and not one growing file: the storage port has staged uploads
(write, then an atomic commit) but no "append to a stored file"; adding a
resumable staged upload to the port would make every driver keep half-written
temporaries alive across restarts (the posix driver deletes ``.oc-tmp`` leftovers
at start, rightly). So each TUS request's body becomes one segment, committed
atomically when the request ends (also when the client drops the connection:
the bytes that arrived are kept, as TUS allows). The offset is the sum of the
contiguous segments, read from a listing; a crash mid-request loses only that
request's uncommitted bytes, and the client's HEAD sees the last good offset.
A segment is created with ``If-None-Match: *``, so two requests racing for
one offset cannot both be stored.

The final file is one ordinary staged upload to the target: the earlier
segments are streamed into it, then the last request's body goes straight in
(it is never written twice), and the commit places it atomically, verifying
the announced checksum (mismatch: nothing stored) and applying the mtime. The
target space's quota is checked when the session is created, again before
each request, and by the driver while writing and at commit. The staged
segments themselves are bounded by the announced ``Upload-Length``.

NG chunking is the same idea with the client choosing the segment names: the
``MOVE .file`` streams the chunks, in name order (numerically when all names
are numbers), into one staged upload of the destination.

Sessions and transfers expire (``uploads.expiry``, default 24 h). An expired
one is removed when it is next used, and ``purge_expired`` sweeps them all; it
runs on the way when an upload starts, at most every ``sweep_interval``
seconds (10 minutes, or a quarter of the expiry), so no worker thread is needed
and a server that receives no uploads has nothing to clean.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import hmac
import logging
import secrets
import threading
import time
import uuid
from collections.abc import Callable, Iterator

import msgspec

from opencloud.core.errors import (
    AlreadyExists,
    Conflict,
    InvalidInput,
    NotFound,
    OpenCloudError,
    PreconditionFailed,
)
from opencloud.core.ids import SpaceId
from opencloud.core.paths import check_name
from opencloud.services.files.service import FilesService
from opencloud.storage.protocol import HasTrash, StorageDriver, Upload
from opencloud.storage.records import ensure_system_space, write_file
from opencloud.storage.types import NodeInfo, Ref

log = logging.getLogger(__name__)

UPLOADS_SPACE = SpaceId("uploads")
BLOCK = 1 << 20
#: TUS offsets and lengths: beyond any real file, small enough to stay exact everywhere.
MAX_LENGTH = 1 << 53

_TUS = "/tus"
_CHUNKING = "/chunking"
_PART = "part-"
_SECRET = Ref(UPLOADS_SPACE, "/secret")


class TusSession(msgspec.Struct, frozen=True, kw_only=True):
    """One TUS upload: where it goes and what the client announced."""

    id: str
    user: str
    space: str
    path: str
    length: int
    mtime_ns: int | None = None
    checksum: tuple[str, str] | None = None
    if_match: str | None = None
    initiator: str = ""
    created: float
    expires: float

    @property
    def ref(self) -> Ref:
        return Ref(SpaceId(self.space), self.path)


class Uploads:
    """Session and chunk bookkeeping on the ``uploads`` system space; thread-safe."""

    def __init__(
        self,
        driver: StorageDriver,
        files: FilesService,
        *,
        secret: str = "",
        expiry: float = 86400.0,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._driver = driver
        self._files = files
        self._secret = secret.encode()
        self.expiry = expiry
        self._clock = clock
        self._ready = False
        self._guard = threading.Lock()
        self.sweep_interval = min(600.0, expiry / 4)
        self._next_sweep = 0.0

    # ------------------------------------------------------------------ tokens
    def token(self, session_id: str) -> str:
        """The opaque ``/data/{token}`` of a session: its id and an HMAC of it."""
        return f"{session_id}.{self._sign(session_id)}"

    def session_id(self, token: str) -> str:
        """The session a token names; NotFound for a forged or malformed one."""
        session_id, _, signature = token.partition(".")
        if not _is_id(session_id) or not hmac.compare_digest(
            signature.encode(), self._sign(session_id).encode()
        ):
            raise NotFound("no such upload")
        return session_id

    def _sign(self, session_id: str) -> str:
        digest = hmac.new(self._key(), b"tus:" + session_id.encode(), hashlib.sha256).digest()
        return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()

    def _key(self) -> bytes:
        if not self._secret:
            self._ensure_space()
            self._secret = self._stored_secret()
        return self._secret

    def _stored_secret(self) -> bytes:
        """A key generated once and kept on the storage (a server without
        ``secrets.transfer_secret``), so tokens stay valid across restarts."""
        try:
            with self._driver.open_read(_SECRET) as handle:
                value = handle.read()
            if value:
                return value
        except NotFound:
            pass
        value = secrets.token_urlsafe(32).encode()
        with contextlib.suppress(PreconditionFailed):
            self._write(_SECRET, value, if_none_match="*")
            return value
        with self._driver.open_read(_SECRET) as handle:
            return handle.read()

    # ------------------------------------------------------------------ TUS
    def create(
        self,
        *,
        user: str,
        ref: Ref,
        length: int,
        mtime_ns: int | None = None,
        checksum: tuple[str, str] | None = None,
        if_match: str | None = None,
        initiator: str = "",
    ) -> TusSession:
        """Check the target (name, parent, If-Match, quota) and record a session."""
        if length < 0 or length > MAX_LENGTH:
            raise InvalidInput(f"Upload-Length out of range: {length}")
        self.probe(ref, length, if_match)
        self._ensure_space()
        self._sweep()
        now = self._clock()
        session = TusSession(
            id=uuid.uuid4().hex,
            user=user,
            space=ref.space,
            path=ref.path,
            length=length,
            mtime_ns=mtime_ns,
            checksum=checksum,
            if_match=if_match,
            initiator=initiator,
            created=now,
            expires=now + self.expiry,
        )
        folder = f"{_TUS}/{session.id}"
        self._driver.mkdir(Ref(UPLOADS_SPACE, folder))
        self._write(Ref(UPLOADS_SPACE, folder + "/info"), msgspec.json.encode(session))
        return session

    def probe(self, ref: Ref, size: int, if_match: str | None) -> None:
        """Would a write of ``size`` bytes to ``ref`` be accepted now? Raises
        what the real upload would (Conflict, PreconditionFailed, QuotaExceeded…)."""
        self._driver.begin_upload(ref, size=size, if_match=if_match).abort()

    def load(self, session_id: str) -> tuple[TusSession, int]:
        """The session and its offset; NotFound when unknown or expired (an
        expired one is removed on the way)."""
        self._ensure_space()
        session = self._read_session(session_id)
        if session.expires <= self._clock():
            self.remove(session_id)
            raise NotFound("the upload has expired")
        return session, self._offset(f"{_TUS}/{session_id}")

    def _read_session(self, session_id: str) -> TusSession:
        try:
            with self._driver.open_read(Ref(UPLOADS_SPACE, f"{_TUS}/{session_id}/info")) as f:
                return msgspec.json.decode(f.read(), type=TusSession)
        except (NotFound, InvalidInput, msgspec.DecodeError, msgspec.ValidationError):
            raise NotFound("no such upload") from None

    def _parts(self, folder: str) -> list[tuple[int, NodeInfo]]:
        """The contiguous segments from offset 0, in order."""
        found: list[tuple[int, NodeInfo]] = []
        for node in self._driver.list(Ref(UPLOADS_SPACE, folder)):
            digits = node.name.removeprefix(_PART)
            if node.kind == "file" and node.name.startswith(_PART) and digits.isdigit():
                found.append((int(digits), node))
        found.sort(key=lambda item: item[0])
        contiguous: list[tuple[int, NodeInfo]] = []
        expected = 0
        for offset, node in found:
            if offset != expected or node.size == 0:
                break
            contiguous.append((offset, node))
            expected += node.size
        return contiguous

    def _offset(self, folder: str) -> int:
        return sum(node.size for _, node in self._parts(folder))

    def begin_part(self, session: TusSession, offset: int) -> Upload:
        """A staged segment for bytes from ``offset``; exclusive (two requests
        at one offset cannot both commit)."""
        ref = Ref(UPLOADS_SPACE, f"{_TUS}/{session.id}/{_PART}{offset:020d}")
        return self._driver.begin_upload(ref, if_none_match="*")

    def begin_final(self, session: TusSession, upto: int) -> Upload:
        """The staged upload of the real file, already holding the stored
        segments up to ``upto``; the caller writes the rest and commits."""
        upload = self._files.begin_upload(
            session.ref,
            size=session.length,
            if_match=session.if_match,
            initiator=session.initiator,
        )
        try:
            copied = 0
            for _, node in self._parts(f"{_TUS}/{session.id}"):
                if copied >= upto:
                    break
                copied += self._copy_into(upload, Ref(UPLOADS_SPACE, node.path))
            if copied != upto:
                raise Conflict("the stored upload changed meanwhile; ask for its offset again")
        except BaseException:
            upload.abort()
            raise
        return upload

    def remove(self, session_id: str) -> None:
        """Drop a session and its bytes (finished, terminated or expired)."""
        self._remove(Ref(UPLOADS_SPACE, f"{_TUS}/{session_id}"))

    # ------------------------------------------------------------------ NG chunking
    def _transfer(self, user: str, transfer: str) -> Ref:
        check_name(transfer)
        return Ref(UPLOADS_SPACE, f"{_CHUNKING}/{user}/{transfer}")

    def create_transfer(self, user: str, transfer: str) -> NodeInfo:
        """MKCOL of an upload folder; AlreadyExists when it is there."""
        ref = self._transfer(user, transfer)
        self._ensure_space()
        self._sweep()
        with contextlib.suppress(AlreadyExists):
            self._driver.mkdir(Ref(UPLOADS_SPACE, f"{_CHUNKING}/{user}"))
        return self._driver.mkdir(ref)

    def transfer_info(self, user: str, transfer: str) -> NodeInfo:
        """The upload folder; NotFound when missing or expired (then removed)."""
        self._ensure_space()
        ref = self._transfer(user, transfer)
        node = self._driver.stat(ref)
        if node.mtime_ns / 1e9 + self.expiry <= self._clock():
            self._remove(ref)
            raise NotFound(f"the upload {transfer!r} has expired")
        return node

    def list_transfers(self, user: str) -> list[NodeInfo]:
        self._ensure_space()
        try:
            return sorted(
                self._driver.list(Ref(UPLOADS_SPACE, f"{_CHUNKING}/{user}")), key=lambda n: n.name
            )
        except NotFound:
            return []

    def begin_chunk(
        self, user: str, transfer: str, name: str, size: int | None
    ) -> tuple[bool, Upload]:
        """``(existed, upload)`` for one chunk; Conflict when the folder is missing."""
        check_name(name)
        if name == ".file":
            raise InvalidInput("'.file' is not a chunk name: MOVE it to assemble the upload")
        folder = self._transfer(user, transfer)
        try:
            self.transfer_info(user, transfer)
        except NotFound:
            raise Conflict(f"no upload folder {transfer!r}: create it with MKCOL first") from None
        ref = Ref(UPLOADS_SPACE, f"{folder.path}/{name}")
        try:
            self._driver.stat(ref)
            existed = True
        except NotFound:
            existed = False
        return existed, self._driver.begin_upload(ref, size=size)

    def list_chunks(self, user: str, transfer: str) -> list[NodeInfo]:
        """The chunks in assembly order."""
        self.transfer_info(user, transfer)
        chunks = [n for n in self._driver.list(self._transfer(user, transfer)) if n.kind == "file"]
        numeric = all(n.name.isdigit() for n in chunks)
        chunks.sort(key=(lambda n: (int(n.name), n.name)) if numeric else (lambda n: (0, n.name)))
        return chunks

    def delete_chunk(self, user: str, transfer: str, name: str) -> None:
        check_name(name)
        self.transfer_info(user, transfer)
        self._remove(Ref(UPLOADS_SPACE, f"{self._transfer(user, transfer).path}/{name}"))

    def delete_transfer(self, user: str, transfer: str) -> None:
        self.transfer_info(user, transfer)
        self._remove(self._transfer(user, transfer))

    def assemble(
        self,
        user: str,
        transfer: str,
        dest: Ref,
        *,
        total: int | None = None,
        if_match: str | None = None,
        if_none_match: str | None = None,
        mtime_ns: int | None = None,
        checksum: tuple[str, str] | None = None,
        initiator: str = "",
        before_commit: Callable[[], None] = lambda: None,
    ) -> NodeInfo:
        """Stream the chunks into one staged upload of ``dest`` and commit it
        atomically; the upload folder is removed once the file is placed."""
        chunks = self.list_chunks(user, transfer)
        size = sum(n.size for n in chunks)
        if total is not None and total != size:
            raise InvalidInput(f"the chunks add up to {size} bytes, not OC-Total-Length {total}")
        upload = self._files.begin_upload(
            dest, size=size, if_match=if_match, if_none_match=if_none_match, initiator=initiator
        )
        try:
            for node in chunks:
                self._copy_into(upload, Ref(UPLOADS_SPACE, node.path))
            before_commit()
        except BaseException:
            upload.abort()
            raise
        node = upload.commit(mtime_ns=mtime_ns, checksum=checksum)
        try:
            self._remove(self._transfer(user, transfer))
        except OpenCloudError:
            log.warning("could not remove the finished upload folder %s", transfer)
        return node

    # ------------------------------------------------------------------ expiry
    def purge_expired(self) -> int:
        """Remove expired TUS sessions and NG transfers; returns how many."""
        self._ensure_space()
        now = self._clock()
        removed = 0
        for node in self._list(Ref(UPLOADS_SPACE, _TUS)):
            try:
                session = self._read_session(node.name)
            except NotFound:
                session = None
            if session is not None and session.expires > now:
                continue
            if session is None and node.mtime_ns / 1e9 + self.expiry > now:
                continue  # a session being created, or a young leftover
            self._remove(Ref(UPLOADS_SPACE, node.path))
            removed += 1
        for user in self._list(Ref(UPLOADS_SPACE, _CHUNKING)):
            for transfer in self._list(Ref(UPLOADS_SPACE, user.path)):
                if transfer.mtime_ns / 1e9 + self.expiry <= now:
                    self._remove(Ref(UPLOADS_SPACE, transfer.path))
                    removed += 1
        return removed

    def _sweep(self) -> None:
        """``purge_expired`` when the last sweep is ``sweep_interval`` old; a
        failure is logged, never passed to the upload that triggered it."""
        now = self._clock()
        with self._guard:
            if now < self._next_sweep:
                return
            self._next_sweep = now + self.sweep_interval
        try:
            removed = self.purge_expired()
        except OpenCloudError:
            log.exception("could not remove expired uploads")
            return
        if removed:
            log.info("removed %d expired upload(s)", removed)

    # ------------------------------------------------------------------ internals
    def _ensure_space(self) -> None:
        if self._ready:
            return
        with self._guard:
            if self._ready:
                return
            ensure_system_space(self._driver, UPLOADS_SPACE, "uploads")
            for folder in (_TUS, _CHUNKING):
                with contextlib.suppress(AlreadyExists):
                    self._driver.mkdir(Ref(UPLOADS_SPACE, folder))
            self._ready = True

    def _list(self, ref: Ref) -> Iterator[NodeInfo]:
        try:
            yield from list(self._driver.list(ref))
        except NotFound:
            return

    def _write(self, ref: Ref, body: bytes, *, if_none_match: str | None = None) -> None:
        write_file(self._driver, ref, body, if_none_match=if_none_match)

    def _copy_into(self, upload: Upload, ref: Ref) -> int:
        copied = 0
        with self._driver.open_read(ref) as handle:
            while block := handle.read(BLOCK):
                upload.write(block)
                copied += len(block)
        return copied

    def _remove(self, ref: Ref) -> None:
        """Delete for good (out of the trash too); missing is fine."""
        try:
            item = self._driver.delete(ref)
        except NotFound:
            return
        if item is not None and isinstance(self._driver, HasTrash):
            with contextlib.suppress(NotFound):
                self._driver.purge_trash(UPLOADS_SPACE, item.key)


def _is_id(value: str) -> bool:
    return len(value) == 32 and all(c in "0123456789abcdef" for c in value)
