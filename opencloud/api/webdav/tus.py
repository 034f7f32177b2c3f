"""TUS 1.0.0 uploads, as OpenCloud's WebDAV does them (reference §2.3, §4.5).

- ``POST`` to a folder URL of any DAV flavour (``create``) with
  ``Tus-Resumable: 1.0.0``, ``Upload-Length`` and ``Upload-Metadata``
  (base64 ``filename``, which may be a path below the folder, as the desktop
  client sends it; ``mtime``; ``checksum`` ``"sha1 <hex>"``), optional
  ``If-Match``. The target is checked at once (name, parent, If-Match, quota,
  locks), then ``201`` with ``Location: {OC_URL}/data/{token}``. A body sent
  as ``application/offset+octet-stream`` is written at once
  (creation-with-upload); when it completes the upload the reply carries the
  new file's ``OC-FileId``/``OC-ETag``/``ETag``/``OC-Perm``/``Last-Modified``.
- ``/data/{token}`` (``DataEndpoint``, no login: the token is an HMAC-signed
  session id): ``HEAD`` (offset), ``PATCH`` (``Upload-Offset``,
  ``application/offset+octet-stream``, optional ``Upload-Checksum`` of the
  request body), ``DELETE`` (termination), ``OPTIONS``;
  ``X-HTTP-Method-Override`` on a ``POST``.

Sessions and bytes live on the storage (``services/files/uploads.py`` has the
design): a request's body is streamed in 1 MiB blocks either into a segment
of the session or, for the request that completes the upload, straight into
the staged file, which is then committed atomically with the announced
checksum (mismatch: ``460``, nothing stored, the session is dropped) and mtime.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import zlib
from typing import Protocol

from starlette.concurrency import run_in_threadpool
from starlette.requests import ClientDisconnect, Request
from starlette.types import Receive, Scope, Send

from opencloud.api.http import context
from opencloud.api.http.errors import exception_response
from opencloud.api.webdav import public
from opencloud.api.webdav.headers import node_headers, parse_checksum, parse_mtime
from opencloud.api.webdav.props import http_date
from opencloud.api.webdav.target import DavTarget, may_write
from opencloud.api.webdav.transfer import RawResponse, body_blocks, declared_length
from opencloud.core.errors import (
    ChecksumMismatch,
    Conflict,
    InvalidInput,
    Locked,
    OpenCloudError,
    PreconditionFailed,
    TooLarge,
)
from opencloud.core.paths import normalize_path
from opencloud.services.auth.types import Principal
from opencloud.services.files.service import FilesService
from opencloud.services.files.uploads import MAX_LENGTH, TusSession, Uploads
from opencloud.storage.protocol import Upload
from opencloud.storage.types import NodeInfo, Ref

VERSION = "1.0.0"
OFFSET_STREAM = "application/offset+octet-stream"
EXTENSIONS = "creation,creation-with-upload,checksum,expiration,termination"
CHECKSUM_ALGORITHMS = "md5,sha1,adler32"
#: TUS's status for a checksum that does not match (the checksum extension).
CHECKSUM_MISMATCH = 460

_EXPOSE = (
    "Tus-Resumable, Tus-Version, Tus-Extension, Upload-Offset, Upload-Length, Upload-Expires, "
    "Location, OC-FileId, OC-ETag, ETag, OC-Perm, Last-Modified"
)
_OVERRIDABLE = {"PATCH", "HEAD", "DELETE"}


class LockCheck(Protocol):
    """Whether a WebDAV lock covers ``ref`` (then a write without its token is refused)."""

    def __call__(self, request: Request, ref: Ref) -> bool: ...


def _base(extra: dict[str, str] | None = None) -> dict[str, str]:
    headers = {
        "Tus-Resumable": VERSION,
        "Access-Control-Expose-Headers": _EXPOSE,
        "Cache-Control": "no-store",
    }
    if extra:
        headers.update(extra)
    return headers


def _precondition() -> RawResponse:
    """A request without ``Tus-Resumable: 1.0.0``."""
    return RawResponse(
        412,
        _base({"Tus-Version": VERSION, "Content-Length": "0"}),
    )


def _resumable(request: Request) -> bool:
    return request.headers.get("tus-resumable", "").strip() == VERSION


def parse_metadata(header: str | None) -> dict[str, str]:
    """``Upload-Metadata``: comma-separated ``key base64(value)`` pairs."""
    result: dict[str, str] = {}
    if header is None or not header.strip():
        return result
    for raw in header.split(","):
        pair = raw.strip()
        if not pair:
            continue
        key, _, value = pair.partition(" ")
        value = value.strip()
        if not key.isascii() or not key.isprintable() or key in result:
            raise InvalidInput(f"Upload-Metadata: bad or repeated key {key[:40]!r}")
        try:
            decoded = base64.b64decode(value, validate=True)
        except (binascii.Error, ValueError):
            raise InvalidInput(f"Upload-Metadata: the value of {key!r} is not base64") from None
        try:
            result[key] = decoded.decode("utf-8")
        except UnicodeDecodeError:
            raise InvalidInput(f"Upload-Metadata: the value of {key!r} is not UTF-8") from None
    return result


def _length(value: str | None) -> int:
    if value is None:
        raise InvalidInput("Upload-Length is required (Upload-Defer-Length is not supported)")
    value = value.strip()
    if not value.isdigit() or not value.isascii():
        raise InvalidInput(f"Upload-Length must be a non-negative integer, not {value[:40]!r}")
    if len(value) > 20 or int(value) > MAX_LENGTH:
        raise TooLarge(f"Upload-Length {value[:40]} is larger than any file this server takes")
    return int(value)


class _Hasher:
    """The ``Upload-Checksum`` of one request body (TUS: base64 digest)."""

    def __init__(self, header: str | None) -> None:
        self.expected: bytes | None = None
        self._hash: hashlib._Hash | None = None
        self._adler: int | None = None
        if header is None or not header.strip():
            return
        algorithm, _, digest = header.strip().partition(" ")
        algorithm = algorithm.lower()
        try:
            self.expected = base64.b64decode(digest.strip(), validate=True)
        except (binascii.Error, ValueError):
            raise InvalidInput("Upload-Checksum: the digest is not base64") from None
        if algorithm in ("sha1", "md5"):
            self._hash = hashlib.new(algorithm, usedforsecurity=False)
        elif algorithm == "adler32":
            self._adler = 1
        else:
            raise InvalidInput(f"Upload-Checksum: unsupported algorithm {algorithm[:20]!r}")

    def update(self, block: bytes) -> None:
        if self._hash is not None:
            self._hash.update(block)
        elif self._adler is not None:
            self._adler = zlib.adler32(block, self._adler)

    def ok(self) -> bool:
        if self.expected is None:
            return True
        if self._hash is not None:
            return self._hash.digest() == self.expected
        return (self._adler or 0).to_bytes(4, "big") == self.expected


class _BodyMismatch(Exception):
    """The request body does not match its Upload-Checksum."""


class _Receiver:
    """Writes one request body into a session, from ``offset``."""

    def __init__(
        self,
        request: Request,
        uploads: Uploads,
        session: TusSession,
        offset: int,
        locked: LockCheck,
    ) -> None:
        self.request = request
        self.uploads = uploads
        self.session = session
        self.offset = offset
        self.locked = locked
        self.node: NodeInfo | None = None

    async def run(self) -> None:
        """Sets ``offset`` (and ``node`` once the file is placed)."""
        declared = declared_length(self.request)
        hasher = _Hasher(self.request.headers.get("upload-checksum"))
        length = self.session.length
        if declared is not None and self.offset + declared > length:
            raise TooLarge(
                f"the body ends at {self.offset + declared}, past Upload-Length {length}"
            )
        if self.offset == length or (declared is not None and self.offset + declared == length):
            await self._final(hasher, declared or 0)
            return
        if declared == 0:
            return
        await run_in_threadpool(self.uploads.probe, self.session.ref, length, self.session.if_match)
        part = await run_in_threadpool(self.uploads.begin_part, self.session, self.offset)
        received = 0
        disconnected = False
        try:
            try:
                async for block in body_blocks(self.request):
                    received += len(block)
                    if self.offset + received > length:
                        raise TooLarge(f"the body goes past Upload-Length {length}")
                    hasher.update(block)
                    await run_in_threadpool(part.write, block)
            except ClientDisconnect:
                disconnected = True
            if received == 0 or (disconnected and hasher.expected is not None):
                await run_in_threadpool(part.abort)
                return
            if not disconnected and not hasher.ok():
                raise _BodyMismatch
        except BaseException:
            await run_in_threadpool(part.abort)
            raise
        try:
            await run_in_threadpool(part.commit)
        except PreconditionFailed:
            raise Conflict("another request wrote this upload meanwhile") from None
        self.offset += received
        if self.offset == length and not disconnected:
            upload = await run_in_threadpool(self.uploads.begin_final, self.session, length)
            await self._commit(upload)

    async def _final(self, hasher: _Hasher, declared: int) -> None:
        """The body completes the upload: stream it straight into the file."""
        upload = await run_in_threadpool(self.uploads.begin_final, self.session, self.offset)
        received = 0
        try:
            async for block in body_blocks(self.request):  # a dropped client: ClientDisconnect
                received += len(block)
                if received > declared:
                    raise TooLarge("the body is longer than its Content-Length")
                hasher.update(block)
                await run_in_threadpool(upload.write, block)
            if received != declared:
                raise InvalidInput("the body is shorter than its Content-Length")
            if not hasher.ok():
                raise _BodyMismatch
        except BaseException:
            await run_in_threadpool(upload.abort)
            raise
        await self._commit(upload)
        self.offset += received

    async def _commit(self, upload: Upload) -> None:
        session = self.session
        try:
            if await run_in_threadpool(self.locked, self.request, session.ref):
                raise Locked(f"{session.path} is locked")
        except BaseException:
            await run_in_threadpool(upload.abort)
            raise
        try:
            self.node = await run_in_threadpool(
                upload.commit, mtime_ns=session.mtime_ns, checksum=session.checksum
            )
        except ChecksumMismatch:
            await run_in_threadpool(self.uploads.remove, session.id)
            raise
        await run_in_threadpool(self.uploads.remove, session.id)


def _error(exc: OpenCloudError, path: str) -> RawResponse:
    if isinstance(exc, ChecksumMismatch):
        return _checksum_mismatch(exc.message)
    response = exception_response(exc, path=path)
    headers = _base(dict(response.headers))
    return RawResponse(response.status_code, headers, bytes(response.body))


def _checksum_mismatch(message: str) -> RawResponse:
    body = message.encode()
    return RawResponse(
        CHECKSUM_MISMATCH,
        _base({"Content-Type": "text/plain; charset=utf-8", "Content-Length": str(len(body))}),
        body,
    )


def _file_headers(
    files: FilesService, node: NodeInfo, target: DavTarget | None = None
) -> dict[str, str]:
    """The new file's headers; with the creation request's ``target`` they
    show the caller's real rights (a PATCH to ``/data/{token}`` knows none)."""
    if target is None:
        headers = node_headers(files, node)
    else:
        headers = node_headers(files, node, target.rights, target.share_root)
    headers["Last-Modified"] = http_date(node.mtime_ns)
    return headers


async def create(
    request: Request,
    *,
    files: FilesService,
    uploads: Uploads,
    target: DavTarget,
    user: Principal,
    initiator: str,
    locked: LockCheck,
) -> RawResponse:
    """``POST`` to a folder: a new TUS session (and maybe its first bytes)."""
    if not _resumable(request):
        return _precondition()
    try:
        length = _length(request.headers.get("upload-length"))
        meta = parse_metadata(request.headers.get("upload-metadata"))
        filename = meta.get("filename")
        if not filename:
            return RawResponse(412, _base({"Content-Length": "0"}))
        ref = _target_ref(target, filename)
        if target.drop:  # a file drop stores a taken name beside what holds it
            dropped = target.at(ref.path)
            ref = Ref(ref.space, await run_in_threadpool(public.free_path, files, dropped))
        # the metadata's mtime, else X-OC-Mtime on the creation request
        # (ownCloud desktop 2.x sends only the header, as reva accepts)
        mtime_ns = (
            parse_mtime(meta["mtime"])
            if meta.get("mtime")
            else parse_mtime(request.headers.get("x-oc-mtime"))
        )
        checksum = parse_checksum(meta.get("checksum"))
        if await run_in_threadpool(locked, request, ref):
            raise Locked(f"{ref.path} is locked")
        await run_in_threadpool(may_write, files, target, ref)
        session = await run_in_threadpool(
            lambda: uploads.create(
                user=user.id,
                ref=ref,
                length=length,
                mtime_ns=mtime_ns,
                checksum=checksum,
                if_match=request.headers.get("if-match"),
                initiator=initiator,
            )
        )
        token = await run_in_threadpool(uploads.token, session.id)
        headers = _base(
            {
                "Location": f"{_public_base(request)}/data/{token}",
                "Upload-Expires": http_date(int(session.expires * 1e9)),
                "Content-Length": "0",
            }
        )
        receiver = _Receiver(request, uploads, session, 0, locked)
        with_body = request.headers.get("content-type", "").split(";")[0].strip() == OFFSET_STREAM
        if with_body or length == 0:
            try:
                await receiver.run()
            except _BodyMismatch:
                return _checksum_mismatch("the body does not match its Upload-Checksum")
            except ClientDisconnect:
                return RawResponse(400, headers)  # nobody reads it
        headers["Upload-Offset"] = str(receiver.offset)
        if receiver.node is not None:
            headers.update(_file_headers(files, receiver.node, target))
            if mtime_ns is not None:
                headers["X-OC-MTime"] = "accepted"
        return RawResponse(201, headers)
    except OpenCloudError as exc:
        return _error(exc, request.url.path)


def _target_ref(folder: DavTarget, filename: str) -> Ref:
    """``filename`` below the folder URL; every name checked by the core rules."""
    name = filename.rpartition("/")[2]
    if name in ("", "."):
        raise InvalidInput(f"Upload-Metadata: filename {filename[:100]!r} names no file")
    return Ref(folder.space, normalize_path(folder.path + "/" + filename))


def _public_base(request: Request) -> str:
    try:
        url = context.public_url(request)
    except RuntimeError:
        url = ""
    return url or f"{request.url.scheme}://{request.url.netloc}"


class DataEndpoint:
    """``/data/{token}``: HEAD, PATCH, DELETE, OPTIONS on one session."""

    def __init__(self, locked: LockCheck) -> None:
        self._locked = locked
        self._busy: set[str] = set()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        request = Request(scope, receive)
        try:
            response = await self._handle(request)
        except OpenCloudError as exc:
            response = _error(exc, request.url.path)
        except _BodyMismatch:
            response = _checksum_mismatch("the body does not match its Upload-Checksum")
        except ClientDisconnect:
            return  # nobody to answer; the bytes of a non-final request were kept
        await response(scope, receive, send)

    async def _handle(self, request: Request) -> RawResponse:
        method = request.method
        override = request.headers.get("x-http-method-override", "").strip().upper()
        if method == "POST" and override in _OVERRIDABLE:
            method = override
        if method == "OPTIONS":
            return RawResponse(
                204,
                _base(
                    {
                        "Tus-Version": VERSION,
                        "Tus-Extension": EXTENSIONS,
                        "Tus-Checksum-Algorithm": CHECKSUM_ALGORITHMS,
                        "Tus-Max-Size": str(MAX_LENGTH),
                    }
                ),
            )
        if method not in _OVERRIDABLE:
            return RawResponse(
                405, _base({"Allow": "OPTIONS, HEAD, PATCH, DELETE", "Content-Length": "0"})
            )
        if not _resumable(request):
            return _precondition()
        uploads = context.uploads(request)
        session_id = uploads.session_id(str(request.path_params.get("token", "")))
        session, offset = await run_in_threadpool(uploads.load, session_id)
        expires = http_date(int(session.expires * 1e9))
        if method == "HEAD":
            return RawResponse(
                200,
                _base(
                    {
                        "Upload-Offset": str(offset),
                        "Upload-Length": str(session.length),
                        "Upload-Expires": expires,
                    }
                ),
            )
        if method == "DELETE":
            if session_id in self._busy:
                raise Conflict("a request is writing this upload")
            await run_in_threadpool(uploads.remove, session_id)
            return RawResponse(204, _base())
        kind = request.headers.get("content-type", "").split(";")[0].strip().lower()
        if kind != OFFSET_STREAM:
            return RawResponse(415, _base({"Content-Length": "0"}))
        claimed = request.headers.get("upload-offset", "").strip()
        if not claimed.isdigit() or not claimed.isascii():
            raise InvalidInput(f"Upload-Offset must be a non-negative integer: {claimed[:40]!r}")
        if int(claimed) != offset:
            return RawResponse(409, _base({"Upload-Offset": str(offset), "Content-Length": "0"}))
        if session_id in self._busy:
            raise Conflict("another request is writing this upload")
        self._busy.add(session_id)
        try:
            receiver = _Receiver(request, uploads, session, offset, self._locked)
            await receiver.run()
        finally:
            self._busy.discard(session_id)
        headers = _base({"Upload-Offset": str(receiver.offset), "Upload-Expires": expires})
        if receiver.node is not None:
            headers.update(_file_headers(context.files(request), receiver.node))
        return RawResponse(204, headers)
