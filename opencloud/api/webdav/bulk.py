"""Nextcloud's bulk upload: many small files in one request.

``POST /remote.php/dav/bulk`` (also ``/dav/bulk``) with
``Content-Type: multipart/related; boundary=…``. Every part is one file of the
caller's personal space::

    --boundary\\r\\n
    X-File-Path: /Photos/a.jpg          (relative to the caller's files root)
    X-File-MD5: <hex md5 of the body>   (required)
    X-File-Mtime: 1700000000            (optional; X-OC-Mtime also works)
    OC-Checksum: SHA1:<hex>             (optional)
    If-Match: "<etag>"                  (optional, as the desktop sends it)
    Content-Length: 1234                (required, exact)
    \\r\\n
    <1234 bytes>\\r\\n
    --boundary--\\r\\n

The reply is ``200`` with a JSON object keyed by each ``X-File-Path`` exactly as
sent: ``{"error": false, "etag", "fileid", "permissions", "OC-ETag",
"OC-FileID", "X-OC-MTime"}`` or ``{"error": true, "message"}``. Nextcloud's
server sends ``etag``/``fileid``/``permissions``; the desktop client reads
``etag``, ``OC-FileID`` and ``X-OC-MTime``, so both are there.

Each part is its own atomic upload through ``FilesService``: a part that fails
(bad name, md5 or checksum mismatch, missing folder, lock, quota, If-Match)
stores nothing and the others go on. Folders are not created (Nextcloud does
not either: the desktop client MKCOLs them first). A malformed envelope (no or
bad boundary, a part without ``Content-Length`` or ``X-File-Path``, a body that
does not end where ``Content-Length`` says, a truncated body, junk) is a
``400`` in the Sabre XML form; parts complete before it stay stored.

The body is parsed as it streams in, never held whole: parts up to
``SMALL_PART`` bytes are buffered and stored in batches, several per thread
hop; larger parts stream into a staged upload block by block.
"""

from __future__ import annotations

import hashlib
import logging
import re
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass

import msgspec
from starlette.concurrency import run_in_threadpool
from starlette.requests import ClientDisconnect, Request
from starlette.responses import Response

from opencloud.api.http.errors import ErrorInfo, error_response
from opencloud.api.webdav.headers import parse_checksum, parse_mtime
from opencloud.api.webdav.props import permissions
from opencloud.api.webdav.transfer import BLOCK, declared_length
from opencloud.api.webdav.tus import LockCheck
from opencloud.core.errors import (
    ChecksumMismatch,
    Conflict,
    InvalidInput,
    Locked,
    NotFound,
    OpenCloudError,
    QuotaExceeded,
    TooLarge,
)
from opencloud.core.ids import SpaceId
from opencloud.core.paths import normalize_path
from opencloud.services.files.service import FilesService
from opencloud.services.spaces.service import SpacesService
from opencloud.storage.protocol import Upload
from opencloud.storage.types import NodeInfo, Ref

log = logging.getLogger(__name__)

#: Most parts one request may carry.
MAX_PARTS = 10_000
#: Most bytes of one part's header block (all lines, CRLFs included).
MAX_HEADER_BLOCK = 16 << 10
#: Longest ``X-File-Path``, in UTF-8 bytes.
MAX_PATH_BYTES = 4096
#: Largest request body, whatever the quota.
MAX_REQUEST = 16 << 30
#: Bytes of envelope (boundaries, part headers) allowed on top of a quota, and
#: the most bytes of part headers one request may carry (they bound the reply).
ENVELOPE_ALLOWANCE = 8 << 20
#: Parts up to this size are buffered and stored in batches; larger ones stream.
SMALL_PART = 1 << 20
#: A batch is stored (one thread hop) once it holds this many parts or bytes.
BATCH_PARTS = 64
BATCH_BYTES = 4 << 20

JSON = "application/json; charset=utf-8"

# RFC 2046 boundary: 1-70 of these characters, not ending in a space.
_BOUNDARY = re.compile(r"^[0-9A-Za-z'()+_,\-./:=? ]{0,69}[0-9A-Za-z'()+_,\-./:=?]$")
_HEX = re.compile(r"^[0-9a-f]+$")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_UNEXPECTED = "the server could not store this file"

Result = dict[str, object]


class Malformed(InvalidInput):
    """The multipart envelope is broken: the whole request is refused (400)."""


@dataclass(slots=True)
class Part:
    """One part's headers, checked. ``problem`` says why it will not be stored
    (the body is still read past); ``ref`` is set when it has none."""

    key: str
    length: int
    problem: str = ""
    ref: Ref | None = None
    md5: str = ""
    checksum: tuple[str, str] | None = None
    mtime_ns: int | None = None
    if_match: str | None = None


def parse_boundary(content_type: str | None) -> bytes:
    """The boundary of a ``multipart/related`` Content-Type."""
    if not content_type:
        raise Malformed("bulk upload needs Content-Type: multipart/related; boundary=…")
    kind, _, params = content_type.partition(";")
    if kind.strip().lower() != "multipart/related":
        raise Malformed(
            f"bulk upload needs Content-Type multipart/related, not {kind.strip()[:60]!r}"
        )
    boundary: str | None = None
    for param in params.split(";"):
        name, sep, value = param.partition("=")
        if sep and name.strip().lower() == "boundary":
            value = value.strip()
            if len(value) >= 2 and value[0] == value[-1] == '"':
                value = value[1:-1]
            boundary = value
    if boundary is None:
        raise Malformed("the Content-Type has no boundary")
    if not _BOUNDARY.match(boundary):
        raise Malformed(f"invalid multipart boundary {boundary[:80]!r}")
    return boundary.encode("ascii")


class Body:
    """The request body as a buffer refilled from the stream on demand; at most
    ``limit`` bytes are read (then ``too_large()`` is raised)."""

    def __init__(
        self,
        stream: AsyncIterator[bytes],
        *,
        limit: int,
        too_large: Callable[[], OpenCloudError],
    ) -> None:
        self._stream = stream
        self._buf = bytearray()
        self._limit = limit
        self._too_large = too_large
        self._ended = False
        self.received = 0

    async def _fill(self) -> bool:
        """Append the next chunk; False at the end of the body."""
        while not self._ended:
            try:
                chunk = await anext(self._stream)
            except StopAsyncIteration:
                self._ended = True
                return False
            if chunk:
                self.received += len(chunk)
                if self.received > self._limit:
                    raise self._too_large()
                self._buf += chunk
                return True
        return False

    async def upto(self, n: int) -> bytes:
        """``n`` bytes, or fewer when the body ends first."""
        while len(self._buf) < n and await self._fill():
            pass
        data = bytes(self._buf[:n])
        del self._buf[:n]
        return data

    async def take(self, n: int) -> bytes:
        """Exactly ``n`` bytes (Malformed if the body ends first)."""
        while len(self._buf) < n:
            if not await self._fill():
                raise Malformed("the body ended in the middle of a part (truncated request)")
        data = bytes(self._buf[:n])
        del self._buf[:n]
        return data

    async def some(self, n: int) -> bytes:
        """Between 1 and ``n`` bytes, up to about BLOCK at once."""
        while not self._buf:
            if not await self._fill():
                raise Malformed("the body ended in the middle of a part (truncated request)")
        while len(self._buf) < min(n, BLOCK) and await self._fill():
            pass
        return await self.take(min(n, len(self._buf)))

    async def line(self, limit: int) -> bytes:
        """The next line without its CRLF; Malformed past ``limit`` bytes."""
        start = 0
        while True:
            end = self._buf.find(b"\r\n", start)
            if end >= 0:
                if end > limit:
                    break
                data = bytes(self._buf[:end])
                del self._buf[: end + 2]
                return data
            if len(self._buf) > limit:
                break
            start = max(0, len(self._buf) - 1)
            if not await self._fill():
                raise Malformed("the body ended inside a part's headers (truncated request)")
        raise Malformed(f"a part's headers are longer than {MAX_HEADER_BLOCK} bytes")


class BulkUpload:
    """One bulk request: parse, store, and collect the per-file results."""

    def __init__(
        self,
        request: Request,
        *,
        files: FilesService,
        space: SpaceId,
        locked: LockCheck,
        initiator: str,
        boundary: bytes,
    ) -> None:
        self._request = request
        self._files = files
        self._space = space
        self._locked = locked
        self._initiator = initiator
        self._delimiter = b"--" + boundary
        self._next = b"\r\n" + self._delimiter
        self.results: dict[str, Result] = {}
        self.stored = 0
        self._batch: list[tuple[Part, bytes]] = []
        self._batch_bytes = 0
        self._header_bytes = 0

    # ---- the envelope
    async def run(self, body: Body) -> None:
        """Parse and store every part; parts complete before an error stay stored."""
        try:
            await self._parts(body)
        except BaseException:
            await self._flush()
            raise
        await self._flush()

    async def _parts(self, body: Body) -> None:
        start = await body.upto(len(self._delimiter))
        if start != self._delimiter:
            if self._delimiter.startswith(start):
                raise Malformed("the body ended before the first part (truncated request)")
            raise Malformed("the body does not start with the multipart boundary")
        count = 0
        while not await self._after_delimiter(body):
            count += 1
            if count > MAX_PARTS:
                raise Malformed(f"more than {MAX_PARTS} parts in one request")
            part = self._part(await self._headers(body), count)
            if part.length <= SMALL_PART:
                data = await body.take(part.length)
                await self._closing(body, part)
                self._batch.append((part, data))
                self._batch_bytes += part.length
                if len(self._batch) >= BATCH_PARTS or self._batch_bytes >= BATCH_BYTES:
                    await self._flush()
            else:
                await self._flush()
                await self._large(part, body)
        if count == 0:
            raise Malformed("the request holds no parts")

    async def _after_delimiter(self, body: Body) -> bool:
        """After a boundary: True for the closing one (``--``), False when a
        part follows (CRLF)."""
        tail = await body.take(2)
        if tail == b"--":
            return True
        if tail != b"\r\n":
            raise Malformed("junk after a multipart boundary")
        return False

    async def _closing(self, body: Body, part: Part) -> None:
        """The CRLF and boundary that must follow a part's Content-Length bytes."""
        if await body.take(len(self._next)) != self._next:
            raise Malformed(
                f"part {part.key[:200]!r} does not end where its Content-Length "
                f"({part.length}) says"
            )

    async def _headers(self, body: Body) -> dict[str, bytes]:
        headers: dict[str, bytes] = {}
        used = 0
        while True:
            line = await body.line(MAX_HEADER_BLOCK - used)
            used += len(line) + 2
            if not line:
                self._header_bytes += used
                if self._header_bytes > ENVELOPE_ALLOWANCE:
                    raise Malformed(
                        f"the part headers add up to more than {ENVELOPE_ALLOWANCE} bytes"
                    )
                return headers
            name, sep, value = line.partition(b":")
            key = name.decode("latin-1").lower()
            if not sep or not key or not _token(key):
                raise Malformed(f"malformed part header line {line[:80]!r}")
            if key in headers:
                raise Malformed(f"part header {key} appears twice")
            headers[key] = value.strip(b" \t")

    def _part(self, headers: dict[str, bytes], number: int) -> Part:
        """The part's headers, checked; Malformed for what breaks the envelope."""
        length_raw = headers.get("content-length")
        if length_raw is None:
            raise Malformed(f"part {number} has no Content-Length (required for every part)")
        if not length_raw.isdigit() or len(length_raw) > 15:
            raise Malformed(f"part {number} has an invalid Content-Length {length_raw[:40]!r}")
        path_raw = headers.get("x-file-path")
        if path_raw is None:
            raise Malformed(f"part {number} has no X-File-Path")
        part = Part(key=path_raw.decode("utf-8", "replace"), length=int(length_raw))
        try:
            part.ref = self._ref(path_raw)
            part.md5 = _md5(headers.get("x-file-md5"))
            checksum = headers.get("oc-checksum")
            part.checksum = parse_checksum(checksum.decode("latin-1")) if checksum else None
            part.mtime_ns = _mtime(headers)
            if_match = headers.get("if-match")
            part.if_match = if_match.decode("latin-1") if if_match else None
        except OpenCloudError as exc:
            part.problem = exc.message
            part.ref = None
        return part

    def _ref(self, raw: bytes) -> Ref:
        if len(raw) > MAX_PATH_BYTES:
            raise InvalidInput(f"X-File-Path is longer than {MAX_PATH_BYTES} bytes")
        try:
            path = raw.decode("utf-8")
        except UnicodeDecodeError:
            raise InvalidInput("X-File-Path is not UTF-8") from None
        if _CONTROL.search(path):
            raise InvalidInput("X-File-Path may not contain control characters")
        if path.endswith("/"):
            raise InvalidInput("X-File-Path names a folder; bulk upload writes files")
        normalized = normalize_path(path)
        if normalized == "/":
            raise InvalidInput("X-File-Path names no file")
        return Ref(self._space, normalized)

    # ---- storing
    async def _flush(self) -> None:
        if not self._batch:
            return
        batch, self._batch, self._batch_bytes = self._batch, [], 0
        for key, result in await run_in_threadpool(self._store_batch, batch):
            self._record(key, result)

    def _record(self, key: str, result: Result) -> None:
        self.results.pop(key, None)  # a repeated path: its last result, in its last place
        self.results[key] = result
        if result["error"] is False:
            self.stored += 1

    def _store_batch(self, batch: list[tuple[Part, bytes]]) -> list[tuple[str, Result]]:
        """Worker thread: each small part written, committed and described."""
        return [(part.key, self._store_small(part, data)) for part, data in batch]

    def _store_small(self, part: Part, data: bytes) -> Result:
        try:
            ref = self._check(part)
            checksum = part.checksum
            if checksum is None:
                checksum = ("md5", part.md5)  # the driver verifies it as it hashes
            elif hashlib.md5(data, usedforsecurity=False).hexdigest() != part.md5:
                raise InvalidInput(_md5_mismatch(part))
            node = self._files.upload(
                ref,
                [data],
                size=len(data),
                if_match=part.if_match,
                mtime_ns=part.mtime_ns,
                checksum=checksum,
                initiator=self._initiator,
            )
        except Exception as exc:  # every failure is this file's only
            return self._failed(part, exc)
        return self._stored(part, node)

    def _check(self, part: Part) -> Ref:
        """Worker thread: the part's target, if nothing forbids the write."""
        if part.problem or part.ref is None:
            raise InvalidInput(part.problem or "invalid part")
        if self._locked(self._request, part.ref):
            raise Locked(f"{part.ref.path} is locked; bulk upload carries no lock token")
        return part.ref

    async def _large(self, part: Part, body: Body) -> None:
        """A part too big to buffer: streamed into a staged upload."""
        upload: Upload | None = None
        problem: Exception | None = None
        hasher = hashlib.md5(usedforsecurity=False) if part.checksum is not None else None
        try:
            upload = await run_in_threadpool(self._begin, part)
        except Exception as exc:  # this file's failure only
            problem = exc
        try:
            remaining = part.length
            while remaining:
                block = await body.some(remaining)
                remaining -= len(block)
                if upload is None:
                    continue  # failed already: read past the rest of its body
                try:
                    await run_in_threadpool(_write, upload, hasher, block)
                except Exception as exc:  # this file's failure only
                    await run_in_threadpool(upload.abort)
                    upload, problem = None, exc
            await self._closing(body, part)
        except BaseException:
            if upload is not None:
                await run_in_threadpool(upload.abort)
            raise
        if upload is None:
            self._record(part.key, self._failed(part, problem or InvalidInput("not stored")))
            return
        result = await run_in_threadpool(self._commit, part, upload, hasher)
        self._record(part.key, result)

    def _begin(self, part: Part) -> Upload:
        ref = self._check(part)
        return self._files.begin_upload(
            ref, size=part.length, if_match=part.if_match, initiator=self._initiator
        )

    def _commit(self, part: Part, upload: Upload, hasher: hashlib._Hash | None) -> Result:
        checksum = part.checksum
        if checksum is None:
            checksum = ("md5", part.md5)  # the driver verifies it as it hashes
        elif hasher is not None and hasher.hexdigest() != part.md5:
            upload.abort()
            return self._failed(part, InvalidInput(_md5_mismatch(part)))
        try:
            node = upload.commit(mtime_ns=part.mtime_ns, checksum=checksum)
        except Exception as exc:  # a failed commit stores nothing
            return self._failed(part, exc)
        return self._stored(part, node)

    def _stored(self, part: Part, node: NodeInfo) -> Result:
        file_id = self._files.resource_id(node.space, node.id)
        result: Result = {
            "error": False,
            "etag": node.etag.strip('"'),
            "fileid": file_id,
            "permissions": permissions(node),
            "OC-ETag": node.etag,
            "OC-FileID": file_id,
        }
        if part.mtime_ns is not None:
            result["X-OC-MTime"] = "accepted"
        return result

    def _failed(self, part: Part, exc: BaseException) -> Result:
        if isinstance(exc, ChecksumMismatch) and part.checksum is None:
            message = _md5_mismatch(part)  # we handed X-File-MD5 to the driver
        elif isinstance(exc, OpenCloudError):
            message = exc.message
            if isinstance(exc, Conflict) and "parent" in message:
                message += " (bulk upload creates no folders: create them first)"
        else:
            log.exception("bulk upload of %r failed", part.key[:200], exc_info=exc)
            message = _UNEXPECTED
        return {"error": True, "message": message}


def _write(upload: Upload, hasher: hashlib._Hash | None, block: bytes) -> None:
    upload.write(block)
    if hasher is not None:
        hasher.update(block)


def _token(name: str) -> bool:
    return (
        name.isascii() and name.isprintable() and not any(c in name for c in ' \t()<>@,;"/[]?={}')
    )


def _md5(value: bytes | None) -> str:
    """``X-File-MD5``: hex, or ``MD5:hex``."""
    if value is None or not value.strip():
        raise InvalidInput("X-File-MD5 is required (the hex md5 of the part's body)")
    text = value.decode("latin-1").strip().lower().removeprefix("md5:")
    if len(text) != 32 or not _HEX.match(text):
        raise InvalidInput(f"X-File-MD5 is not an md5 in hex: {text[:40]!r}")
    return text


def _mtime(headers: dict[str, bytes]) -> int | None:
    for name, header in (("x-file-mtime", "X-File-Mtime"), ("x-oc-mtime", "X-OC-Mtime")):
        value = headers.get(name)
        if value is not None:
            try:
                return parse_mtime(value.decode("latin-1"))
            except InvalidInput as exc:
                raise InvalidInput(exc.message.replace("X-OC-Mtime", header)) from None
    return None


def _md5_mismatch(part: Part) -> str:
    return f"X-File-MD5 does not match the content of {part.key[:200]!r}; nothing was stored"


async def handle(
    request: Request,
    rest: str,
    *,
    files: FilesService,
    spaces: SpacesService,
    space: SpaceId,
    locked: LockCheck,
    initiator: str,
) -> Response | None:
    """``/dav/bulk``: POST only; a JSON map of results (200), or a Sabre error."""
    path = request.url.path
    if rest.strip("/"):
        raise NotFound("no such resource under /dav/bulk")
    if request.method != "POST":
        return error_response(
            ErrorInfo(405, "notAllowed", {"Allow": "POST, OPTIONS"}),
            "bulk upload takes POST only",
            path=path,
        )
    boundary = parse_boundary(request.headers.get("content-type"))
    quota = await run_in_threadpool(spaces.quota, space)
    limit = MAX_REQUEST
    if quota.total > 0:
        limit = min(limit, quota.total + ENVELOPE_ALLOWANCE)

    def too_large() -> OpenCloudError:
        if limit < MAX_REQUEST:
            return QuotaExceeded(
                f"the request is larger than the space's quota ({quota.total} bytes)",
                space=space,
            )
        return TooLarge(f"a bulk upload may carry at most {MAX_REQUEST} bytes")

    declared = declared_length(request)
    if declared is not None and declared > limit:
        raise too_large()
    bulk = BulkUpload(
        request,
        files=files,
        space=space,
        locked=locked,
        initiator=initiator,
        boundary=boundary,
    )
    body = Body(request.stream(), limit=limit, too_large=too_large)
    try:
        await bulk.run(body)
    except ClientDisconnect:
        return None
    except Malformed as exc:
        stored = f"; {bulk.stored} files before it were stored" if bulk.stored else ""
        raise Malformed(exc.message + stored) from None
    return Response(msgspec.json.encode(bulk.results), status_code=200, media_type=JSON)
