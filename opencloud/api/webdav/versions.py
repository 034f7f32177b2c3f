"""``/dav/meta/{file-id}``: a file by its id, and its versions (reva's
``meta.go`` and ``versions.go``).

- ``PROPFIND /dav/meta/{id}``: ``oc:meta-path-for-user`` (the path in its
  space; for a share's recipient, from the shared item on), ``oc:id``,
  ``oc:fileid``, ``oc:spaceid`` (needs ``read``);
- ``PROPFIND /dav/meta/{id}/v``: the versions, newest first, after an entry
  for the ``v`` collection itself (clients drop the first entry); each with
  ``getcontentlength``, ``getlastmodified``, ``getetag``,
  ``getcontenttype`` and ``oc:checksums`` when known (needs ``versions``);
- ``GET``/``HEAD /dav/meta/{id}/v/{key}``: a version's content, streamed,
  with ranges (``versions``);
- ``COPY /dav/meta/{id}/v/{key}``: make that version current, in place; the
  ``Destination`` is ignored, as in OpenCloud (``versions`` and ``update``);
  204, ``item-restored`` is published.

Version keys are ``{node-id}.REV.{driver key}``, as OpenCloud keys them: the
key alone names the file, so a restore addressed below another id (the web
client sends the parent folder's) still finds it, within the same space.
``{id}`` is a resource id (``storage$space!node``): a malformed one is 400;
an unknown one, or one in a space the caller cannot see, 404. A recipient
of a share reaches the files below the shared item with the share's rights
(an Editor or File Editor lists, downloads and restores versions, a Viewer
gets 403), and nothing outside it.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from typing import BinaryIO

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response

from opencloud.api.http.errors import ErrorInfo, error_response
from opencloud.api.webdav import multistatus as ms
from opencloud.api.webdav.headers import node_headers
from opencloud.api.webdav.propfind import parse_propfind
from opencloud.api.webdav.props import checksum_value, content_type, http_date
from opencloud.api.webdav.target import split_dav_path
from opencloud.api.webdav.transfer import RawResponse, serve_file
from opencloud.api.webdav.xmlbody import text
from opencloud.core.errors import InvalidInput, Locked, NotFound
from opencloud.core.ids import NodeId, SpaceId, is_uuid, parse_resource_id
from opencloud.core.paths import parent_path
from opencloud.services.auth.types import Principal
from opencloud.services.files.service import FilesService
from opencloud.services.shares.service import SharesService
from opencloud.services.spaces.rights import Rights, union
from opencloud.services.spaces.service import SpacesService
from opencloud.storage.types import NodeInfo, Ref, Version

OC = "{http://owncloud.org/ns}"
META_PATH = OC + "meta-path-for-user"
ID = OC + "id"
FILEID = OC + "fileid"
SPACEID = OC + "spaceid"
CHECKSUMS = OC + "checksums"
LENGTH = "{DAV:}getcontentlength"
MODIFIED = "{DAV:}getlastmodified"
ETAG = "{DAV:}getetag"
CONTENT_TYPE = "{DAV:}getcontenttype"
RESOURCETYPE = "{DAV:}resourcetype"

META_ALLPROP = (META_PATH, ID, FILEID, SPACEID)
VERSION_ALLPROP = (RESOURCETYPE, LENGTH, MODIFIED, ETAG, CONTENT_TYPE, CHECKSUMS)

REV = ".REV."

#: A driver's version key (the posix driver: RFC 3339 with nanoseconds, maybe
#: ``.1``); separators, dot names and control characters never get through.
_DRIVER_KEY = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9._:+-]{0,99}$")

IsLocked = Callable[[Request, Ref], bool]


class _Meta:
    """A resolved meta URL: the file (or folder) the id names, the caller's
    rights in its space (or through the shares of it they received, then
    ``share_root`` is the shared item's path), the decoded URL path of
    ``/dav/meta/{id}`` as the client wrote it, and what follows (``[]``,
    ``["v"]``, ``["v", key]``)."""

    def __init__(
        self,
        node: NodeInfo,
        rights: Rights,
        base: str,
        parts: list[str],
        share_root: str | None = None,
    ) -> None:
        self.node = node
        self.rights = rights
        self.base = base
        self.parts = parts
        self.share_root = share_root


def _resolve(
    url_path: str,
    user: Principal,
    files: FilesService,
    spaces: SpacesService,
    shares: SharesService | None = None,
) -> _Meta:
    _, rest = split_dav_path(url_path)
    prefix = url_path[: len(url_path) - len(rest)].rstrip("/")
    head, _, tail = rest.partition("/")
    if not head:
        raise NotFound("name a file: /dav/meta/{file-id}")
    storage, space, node_id = parse_resource_id(head)  # InvalidInput when malformed
    if storage != files.storage_id:
        raise NotFound(f"no file {head!r}")
    rights = spaces.rights(user, space)
    share_root = None
    if not rights.read:
        rights, share_root = _shared_rights(files, shares, user, space, node_id, head=head)
    parts = [p for p in tail.split("/") if p]
    if parts and (parts[0] != "v" or len(parts) > 2):
        raise NotFound(f"nothing at {url_path[:200]!r}: use /dav/meta/{{id}}/v[/{{key}}]")
    node = files.stat_id(space, node_id)
    return _Meta(node, rights, prefix + "/" + head, parts, share_root)


def _shared_rights(
    files: FilesService,
    shares: SharesService | None,
    user: Principal,
    space: SpaceId,
    node_id: NodeId,
    *,
    head: str,
) -> tuple[Rights, str]:
    """The rights of the shares ``user`` received of the node or a folder
    above it, and the deepest shared path; NotFound when there are none."""
    try:
        node = files.stat_id(space, node_id)
    except NotFound:
        raise NotFound(f"no file {head!r}") from None
    covering = shares.covering(user, node) if shares is not None else []
    if not covering:
        raise NotFound(f"no file {head!r}")
    granted = union(*(rights for rights, _ in covering))
    return granted, max((shared.path for _, shared in covering), key=len)


def parse_version_key(key: str) -> tuple[NodeId | None, str]:
    """``(node id, driver key)`` of an API version key; the node id is None
    for a bare driver key (then the URL's id names the file)."""
    node, rev, driver_key = key.partition(REV)
    if not rev:
        node, driver_key = "", key
    elif not is_uuid(node):
        raise InvalidInput(f"malformed version key {key[:100]!r}")
    if not _DRIVER_KEY.match(driver_key):
        raise InvalidInput(f"malformed version key {key[:100]!r}")
    return (NodeId(node) if node else None), driver_key


def version_key(version: Version) -> str:
    return f"{version.node_id}{REV}{version.key}"


async def handle(
    request: Request,
    *,
    user: Principal,
    files: FilesService,
    spaces: SpacesService,
    locked: IsLocked,
    initiator: str,
    shares: SharesService | None = None,
) -> Response | RawResponse:
    url_path = request.scope["path"]
    method = request.scope["method"]
    meta = await run_in_threadpool(_resolve, url_path, user, files, spaces, shares)
    if not meta.parts:
        if method == "PROPFIND":
            return await _propfind_meta(request, files, meta)
        return _not_allowed(method, url_path, "PROPFIND")
    if len(meta.parts) == 1:
        if method == "PROPFIND":
            meta.rights.require("versions", "see the versions of this file")
            return await _list_versions(request, files, meta)
        return _not_allowed(method, url_path, "PROPFIND")
    node_id, key = parse_version_key(meta.parts[1])
    if method in ("GET", "HEAD"):
        meta.rights.require("versions", "download earlier versions of this file")
        return await _download(request, files, meta, node_id, key, head=method == "HEAD")
    if method == "COPY":
        meta.rights.require("versions", "restore earlier versions of this file")
        meta.rights.require("update", "change this file")
        return await _restore(
            request, files, meta, node_id=node_id, key=key, locked=locked, initiator=initiator
        )
    return _not_allowed(method, url_path, "GET, HEAD, COPY")


def _not_allowed(method: str, url_path: str, allowed: str) -> Response:
    return error_response(
        ErrorInfo(405, "notAllowed"),
        f"{method} is not allowed here; use {allowed}",
        path=url_path,
        headers={"Allow": "OPTIONS, " + allowed},
    )


async def _propfind_meta(request: Request, files: FilesService, meta: _Meta) -> Response:
    ms.parse_depth(request.headers.get("depth"), infinity=True)
    parsed = parse_propfind(await ms.small_body(request))
    minimal = ms.prefers_minimal(request)
    node = meta.node
    rid = files.resource_id(node.space, node.id)
    values: dict[str, str | None] = {
        META_PATH: ms.prop(META_PATH, _path_for_user(meta)),
        ID: ms.prop(ID, rid),
        FILEID: ms.prop(FILEID, rid),
        SPACEID: ms.prop(SPACEID, files.space_id(node.space)),
    }
    body = ms.render(parsed, META_ALLPROP, [(ms.href(meta.base), values)], minimal=minimal)
    return ms.response(body, minimal=minimal)


def _path_for_user(meta: _Meta) -> str:
    """The node's path in its space or, reached through a share, from the
    shared item on (reva's GetPath stops at the first folder the caller may
    not see): a recipient never learns the owner's folders above it."""
    path = meta.node.path
    if meta.share_root is None:
        return path
    above = parent_path(meta.share_root).rstrip("/")
    return path[len(above) :] if above and path.startswith(above + "/") else path


async def _list_versions(request: Request, files: FilesService, meta: _Meta) -> Response:
    depth = ms.parse_depth(request.headers.get("depth"), infinity=True)
    parsed = parse_propfind(await ms.small_body(request))
    minimal = ms.prefers_minimal(request)
    node = meta.node
    ref = Ref(node.space, node.path)
    versions = await run_in_threadpool(files.list_versions, ref) if depth == "1" else []
    folder: dict[str, str | None] = {
        RESOURCETYPE: "<d:resourcetype><d:collection/></d:resourcetype>"
    }
    entries: list[ms.Entry] = [(ms.href(meta.base + "/v", collection=True), folder)]
    kind = content_type(node.name)
    for version in versions:
        sums = checksum_value(_as_node(node, version))
        values: dict[str, str | None] = {
            RESOURCETYPE: "<d:resourcetype/>",
            LENGTH: ms.prop(LENGTH, str(version.size)),
            MODIFIED: ms.prop(MODIFIED, http_date(version.mtime_ns)),
            ETAG: ms.prop(ETAG, version.etag),
            CONTENT_TYPE: ms.prop(CONTENT_TYPE, kind),
            CHECKSUMS: (
                f"<oc:checksums><oc:checksum>{text(sums)}</oc:checksum></oc:checksums>"
                if sums
                else None
            ),
        }
        entries.append((ms.href(f"{meta.base}/v/{version_key(version)}"), values))
    body = ms.render(parsed, VERSION_ALLPROP, entries, minimal=minimal)
    return ms.response(body, minimal=minimal)


def _as_node(node: NodeInfo, version: Version) -> NodeInfo:
    return NodeInfo(
        id=node.id,
        parent_id=node.parent_id,
        space=node.space,
        path=node.path,
        name=node.name,
        kind="file",
        size=version.size,
        mtime_ns=version.mtime_ns,
        etag=version.etag,
        checksums=version.checksums,
    )


def _file_of(files: FilesService, meta: _Meta, node_id: NodeId | None) -> NodeInfo:
    """The file a version key names: the key's node (same space), else the URL's."""
    if node_id is None or node_id == meta.node.id:
        return meta.node
    node = files.stat_id(SpaceId(meta.node.space), node_id)
    root = meta.share_root
    if root is not None and node.path != root and not node.path.startswith(root.rstrip("/") + "/"):
        raise NotFound(f"no file {node_id!r}")  # outside what was shared with the caller
    return node


async def _download(
    request: Request,
    files: FilesService,
    meta: _Meta,
    node_id: NodeId | None,
    key: str,
    *,
    head: bool,
) -> RawResponse:
    def open_it() -> tuple[NodeInfo, Version, BinaryIO]:
        node = _file_of(files, meta, node_id)
        ref = Ref(node.space, node.path)
        found = [v for v in files.list_versions(ref) if v.key == key]
        if not found:
            raise NotFound(f"no version {key!r} of {node.path}")
        return node, found[0], files.open_version(ref, key)

    node, version, handle = await run_in_threadpool(open_it)
    size = os.fstat(handle.fileno()).st_size
    headers = node_headers(files, _as_node(node, version), meta.rights)
    headers.pop("OC-Perm", None)
    headers.update(
        {
            "Content-Type": content_type(node.name),
            "Last-Modified": http_date(version.mtime_ns),
            "Accept-Ranges": "bytes",
        }
    )
    return serve_file(
        request,
        handle,
        size=size,
        etag=version.etag,
        mtime_ns=version.mtime_ns,
        headers=headers,
        head=head,
    )


async def _restore(
    request: Request,
    files: FilesService,
    meta: _Meta,
    *,
    node_id: NodeId | None,
    key: str,
    locked: IsLocked,
    initiator: str,
) -> RawResponse:
    def restore() -> NodeInfo:
        node = _file_of(files, meta, node_id)
        ref = Ref(node.space, node.path)
        if locked(request, ref):
            raise Locked(f"{node.path} is locked")
        return files.restore_version(ref, key, initiator=initiator)

    node = await run_in_threadpool(restore)
    headers = node_headers(files, node, meta.rights)
    headers["Content-Length"] = "0"
    return RawResponse(204, headers)
