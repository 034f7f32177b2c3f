"""Legacy "NG" chunked uploads (``dav.chunking: "1.0"``), as ownCloud 10 and
Nextcloud clients send them:

- ``MKCOL /remote.php/dav/uploads/{user}/{transfer-id}``: an upload folder;
- ``PUT …/{transfer-id}/{chunk-name}``: one chunk (streamed; names sort in
  order, numerically when they are all numbers, e.g. zero-padded offsets);
- ``PROPFIND …/{transfer-id}`` (or ``…/uploads/{user}``): the chunks (or
  folders) with their sizes, for a client resuming;
- ``MOVE …/{transfer-id}/.file`` with ``Destination`` (any DAV URL of the
  final file), ``OC-Total-Length``, ``X-OC-Mtime``, ``OC-Checksum``,
  ``If-Match``/``If-None-Match``/``Overwrite: F``: the chunks are streamed, in
  order, into one staged upload that is committed atomically (201 new, 204
  overwrite; ``OC-FileId``, ``OC-ETag``, ``ETag``, ``X-OC-MTime: accepted``);
- ``DELETE`` of the folder (abort) or of one chunk.

Chunks live in the ``uploads`` system space, per user id; another user's
upload folder is 404, like anything else of theirs.
"""

from __future__ import annotations

from urllib.parse import quote

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response

from opencloud.api.http import context
from opencloud.api.http.errors import ErrorInfo, error_response
from opencloud.api.webdav.headers import node_headers, parse_checksum, parse_mtime
from opencloud.api.webdav.multistatus import XML, overwrite, parse_depth
from opencloud.api.webdav.propfind import MULTISTATUS_OPEN, OK
from opencloud.api.webdav.props import http_date
from opencloud.api.webdav.target import TargetResolver, may_write, resolve_url
from opencloud.api.webdav.transfer import RawResponse, body_blocks, declared_length
from opencloud.api.webdav.tus import LockCheck
from opencloud.api.webdav.xmlbody import text
from opencloud.core.errors import (
    AlreadyExists,
    Conflict,
    InvalidInput,
    Locked,
    NotFound,
    QuotaExceeded,
    TooLarge,
)
from opencloud.core.paths import check_name
from opencloud.services.auth.types import Principal
from opencloud.services.files.service import FilesService
from opencloud.services.files.uploads import Uploads
from opencloud.storage.protocol import Upload
from opencloud.storage.types import NodeInfo, Ref


async def handle(
    request: Request,
    rest: str,
    *,
    user: Principal,
    files: FilesService,
    locked: LockCheck,
) -> Response | RawResponse:
    """One request below ``/dav/uploads/``; ``rest`` is ``{user}/{transfer}/{chunk}``."""
    method = request.method
    parts = [p for p in rest.split("/") if p]
    if not parts or parts[0] not in (user.username, user.id):
        raise NotFound("no such upload folder")
    if len(parts) > 3:
        raise NotFound("no such upload chunk")
    for name in parts[1:]:
        check_name(name)
    uploads = context.uploads(request)
    base = request.url.path[: len(request.url.path) - len(rest.lstrip("/"))].rstrip("/")
    base += "/" + parts[0]
    if len(parts) == 1:
        if method == "PROPFIND":
            return await _propfind_transfers(request, uploads, user, base)
        return _not_allowed(request, "OPTIONS, PROPFIND")
    transfer = parts[1]
    if len(parts) == 2:
        if method == "MKCOL":
            try:
                await run_in_threadpool(uploads.create_transfer, user.id, transfer)
            except AlreadyExists:
                return _not_allowed(request, "OPTIONS, PROPFIND, DELETE", "it already exists")
            return Response(status_code=201, headers={"Content-Length": "0"})
        if method == "PROPFIND":
            return await _propfind_chunks(request, uploads, user, transfer, base)
        if method == "DELETE":
            await run_in_threadpool(uploads.delete_transfer, user.id, transfer)
            return Response(status_code=204)
        return _not_allowed(request, "OPTIONS, MKCOL, PROPFIND, DELETE")
    chunk = parts[2]
    if method == "MOVE" and chunk == ".file":
        return await _assemble(
            request, uploads=uploads, files=files, user=user, transfer=transfer, locked=locked
        )
    if method == "PUT":
        return await _put_chunk(request, uploads, user, transfer, chunk)
    if method == "DELETE":
        await run_in_threadpool(uploads.delete_chunk, user.id, transfer, chunk)
        return Response(status_code=204)
    return _not_allowed(request, "OPTIONS, PUT, DELETE, MOVE")


def _not_allowed(request: Request, allow: str, why: str = "") -> Response:
    message = f"{request.method} is not allowed here" + (f": {why}" if why else "")
    return error_response(
        ErrorInfo(405, "notAllowed"), message, path=request.url.path, headers={"Allow": allow}
    )


async def _put_chunk(
    request: Request, uploads: Uploads, user: Principal, transfer: str, chunk: str
) -> Response:
    length = declared_length(request)
    total = _int_header(request, "oc-total-length")
    spaces = context.spaces(request)

    def begin() -> tuple[bool, Upload]:
        existed, upload = uploads.begin_chunk(user.id, transfer, chunk, length)
        try:
            staged = sum(n.size for n in uploads.list_chunks(user.id, transfer))
            remaining = spaces.quota(spaces.personal(user).id).remaining
            if max(total or 0, staged + (length or 0)) > remaining:
                raise QuotaExceeded("the upload does not fit in your quota")
        except BaseException:
            upload.abort()
            raise
        return existed, upload

    existed, upload = await run_in_threadpool(begin)
    received = 0
    try:
        async for block in body_blocks(request):
            received += len(block)
            if length is not None and received > length:
                raise TooLarge("the body is longer than its Content-Length")
            await run_in_threadpool(upload.write, block)
        if length is not None and received != length:
            raise InvalidInput("the body is shorter than its Content-Length")
        await run_in_threadpool(upload.commit)
    except BaseException:
        await run_in_threadpool(upload.abort)
        raise
    return Response(status_code=204 if existed else 201, headers={"Content-Length": "0"})


def _int_header(request: Request, name: str) -> int | None:
    value = request.headers.get(name)
    if value is None or not value.strip():
        return None
    value = value.strip()
    if not value.isdigit() or not value.isascii() or len(value) > 18:
        raise InvalidInput(f"{name} must be a non-negative integer, not {value[:40]!r}")
    return int(value)


async def _assemble(
    request: Request,
    *,
    uploads: Uploads,
    files: FilesService,
    user: Principal,
    transfer: str,
    locked: LockCheck,
) -> RawResponse:
    destination = request.headers.get("destination")
    if not destination:
        raise InvalidInput("MOVE .file needs a Destination header")
    resolver = TargetResolver(context.spaces(request), files, context.shares(request))
    dest = await run_in_threadpool(resolve_url, resolver, destination, user)
    if dest.path == "/":
        raise Conflict("cannot write file content to a space root")
    total = _int_header(request, "oc-total-length")
    mtime_ns = parse_mtime(request.headers.get("x-oc-mtime"))
    checksum = parse_checksum(request.headers.get("oc-checksum"))
    if_none_match = request.headers.get("if-none-match")
    if not overwrite(request):
        if_none_match = "*"
    ref = Ref(dest.space, dest.path)
    initiator = context.initiator_id(request)

    def before_commit() -> None:
        if locked(request, ref):
            raise Locked(f"{ref.path} is locked")

    def run() -> tuple[bool, NodeInfo]:
        uploads.transfer_info(user.id, transfer)  # 404 for a missing transfer first
        existed = may_write(files, dest, ref)
        node = uploads.assemble(
            user.id,
            transfer,
            ref,
            total=total,
            if_match=request.headers.get("if-match"),
            if_none_match=if_none_match,
            mtime_ns=mtime_ns,
            checksum=checksum,
            initiator=initiator,
            before_commit=before_commit,
        )
        return existed, node

    existed, node = await run_in_threadpool(run)
    headers = node_headers(files, node, dest.rights, dest.share_root)
    headers["Content-Length"] = "0"
    headers["Last-Modified"] = http_date(node.mtime_ns)
    if mtime_ns is not None:
        headers["X-OC-MTime"] = "accepted"
    return RawResponse(204 if existed else 201, headers)


# ---- PROPFIND


def _entry(href: str, node: NodeInfo) -> str:
    if node.kind == "dir":
        props = "<d:resourcetype><d:collection/></d:resourcetype>"
        props += f"<oc:size>{node.size}</oc:size>"
    else:
        props = "<d:resourcetype/>"
        props += f"<d:getcontentlength>{node.size}</d:getcontentlength>"
    props += f"<d:getlastmodified>{http_date(node.mtime_ns)}</d:getlastmodified>"
    props += f"<d:getetag>{text(node.etag)}</d:getetag>"
    return (
        f"<d:response><d:href>{text(href)}</d:href><d:propstat><d:prop>{props}</d:prop>"
        f"{OK}</d:response>"
    )


def _multistatus(entries: list[str]) -> Response:
    body = MULTISTATUS_OPEN + "".join(entries) + "</d:multistatus>"
    return Response(body.encode(), status_code=207, media_type=XML)


async def _propfind_chunks(
    request: Request, uploads: Uploads, user: Principal, transfer: str, base: str
) -> Response:
    depth = parse_depth(request.headers.get("depth"))

    def read() -> tuple[NodeInfo, list[NodeInfo]]:
        folder = uploads.transfer_info(user.id, transfer)
        chunks = uploads.list_chunks(user.id, transfer) if depth == "1" else []
        return folder, chunks

    folder, chunks = await run_in_threadpool(read)
    href = quote(f"{base}/{transfer}/")
    entries = [_entry(href, folder)]
    entries += [_entry(href + quote(chunk.name), chunk) for chunk in chunks]
    return _multistatus(entries)


async def _propfind_transfers(
    request: Request, uploads: Uploads, user: Principal, base: str
) -> Response:
    depth = parse_depth(request.headers.get("depth"))
    transfers = await run_in_threadpool(uploads.list_transfers, user.id) if depth == "1" else []
    href = quote(base + "/")
    root = f"<d:response><d:href>{text(href)}</d:href><d:propstat><d:prop>"
    root += "<d:resourcetype><d:collection/></d:resourcetype></d:prop>"
    root += f"{OK}</d:response>"
    entries = [root] + [_entry(href + quote(t.name) + "/", t) for t in transfers]
    return _multistatus(entries)
