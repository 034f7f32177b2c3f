"""The WebDAV endpoint: one ASGI app for every DAV URL flavour.

Per request: refuse a hostile raw path, resolve the URL to a space and path
for the signed-in caller (``target.py``), then dispatch.

- Native (hot paths): OPTIONS, PROPFIND, GET, HEAD, PUT. PUT is native only
  when no lock covers the target and the request has no ``If`` header;
  otherwise it goes to WsgiDAV, which evaluates If lists and lock tokens.
- ``/dav/bulk``: Nextcloud's bulk upload of many files in one request (``bulk.py``).
- ``/dav/spaces/trash-bin/…``, ``/dav/trash-bin/…`` and ``/dav/meta/…``: trash and
  versions (``trashbin.py``, ``versions.py``).
- WsgiDAV (through a2wsgi, bodies streamed): everything else, with the request
  path, ``Destination`` and ``If`` resource tags rewritten to the canonical
  ``/dav/spaces/…`` form (``provider.py`` says why).

Both sides raise ``core.errors`` and render through ``api.http.errors``.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable, Iterable
from typing import Any
from urllib.parse import quote, unquote, urlsplit

import msgspec
from a2wsgi import WSGIMiddleware
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response, StreamingResponse
from starlette.types import Receive, Scope, Send
from wsgidav.dav_error import DAVError
from wsgidav.request_resolver import RequestResolver
from wsgidav.wsgidav_app import WsgiDAVApp

from opencloud.api.http import context
from opencloud.api.http.errors import ErrorInfo, error_info, error_response, exception_response
from opencloud.api.webdav import (
    bulk,
    chunking,
    public,
    sharejail,
    transfer,
    trashbin,
    tus,
    versions,
)
from opencloud.api.webdav.headers import node_headers
from opencloud.api.webdav.locks import DurableLockStorage, covering_locks
from opencloud.api.webdav.multistatus import (
    XML,
    overwrite,
    parse_depth,
    prefers_minimal,
    reply_headers,
    small_body,
)
from opencloud.api.webdav.propfind import multistatus, needs, parse_propfind, wanted
from opencloud.api.webdav.props import EntryContext, LinkRoot
from opencloud.api.webdav.provider import (
    CREATED_KEY,
    ENV_KEY,
    DavRequestEnv,
    SpacesProvider,
    canonical_url,
    parse_canonical,
)
from opencloud.api.webdav.target import (
    DavTarget,
    NotDav,
    TargetResolver,
    check_raw_path,
    may_write,
    meta_or_none,
    resolve_url,
    split_dav_path,
    stat_or_none,
)
from opencloud.api.webdav.xmlbody import parse_xml
from opencloud.core.errors import (
    InvalidInput,
    NotFound,
    OpenCloudError,
    PermissionDenied,
)
from opencloud.services.auth.types import Principal
from opencloud.services.files.locks import LockTable
from opencloud.services.files.service import FilesService
from opencloud.services.shares.links import LinksService
from opencloud.services.spaces.rights import Rights
from opencloud.storage.types import NodeInfo, Ref

ALLOW = (
    "OPTIONS, GET, HEAD, POST, DELETE, PROPFIND, PROPPATCH, COPY, MOVE, PUT, MKCOL, LOCK, UNLOCK"
)

OPTIONS_HEADERS = {
    "Allow": ALLOW,
    "DAV": "1, 2",
    "MS-Author-Via": "DAV",
    "Accept-Ranges": "bytes",
    "Tus-Resumable": "1.0.0",
    "Tus-Version": "1.0.0",
    "Tus-Extension": "creation,creation-with-upload,checksum,expiration,termination",
    "Tus-Checksum-Algorithm": "md5,sha1,adler32",
    "Content-Length": "0",
}

#: Methods whose XML body we parse ourselves before WsgiDAV does, so that a
#: DTD is refused with our message and an oversized body never reaches it.
_XML_METHODS = {"PROPPATCH", "LOCK"}

_TAGGED = re.compile(r"<([^>]*)>")

_PRIVATELINK = "{http://owncloud.org/ns}privatelink"

#: Folders with at least this many entries get a streamed PROPFIND reply.
_STREAM_FROM = 200


class WebDav:
    """The ASGI app. WsgiDAV is built on first use, around the lock table of
    the running app (the lifespan state), and kept for the app's lifetime."""

    def __init__(self) -> None:
        self._built: tuple[LockTable, WSGIMiddleware, WsgiDAVApp] | None = None
        self._guard = threading.Lock()

    def _wsgidav(
        self, table: LockTable, files: FilesService | None = None
    ) -> tuple[WSGIMiddleware, WsgiDAVApp]:
        """``files`` (given on the first call that builds it) hears of lock
        changes, for the live updates ``file-locked`` / ``file-unlocked``."""
        with self._guard:
            if self._built is None or self._built[0] is not table:
                on_change = _lock_announcer(files) if files is not None else None
                dav = WsgiDAVApp(
                    {
                        "provider_mapping": {"/": SpacesProvider()},
                        "middleware_stack": [RequestResolver],
                        "lock_storage": DurableLockStorage(table, on_change),
                        "property_manager": None,
                        "logging": {"enable": False},
                        "verbose": 0,
                        "dir_browser": {"enable": False},
                        "add_header_MS_Author_Via": False,
                        "http_authenticator": {
                            "domain_controller": None,
                            "accept_basic": False,
                            "accept_digest": False,
                            "default_to_digest": False,
                        },
                        "simple_dc": {"user_mapping": {"*": True}},
                    }
                )
                wsgi: Any = _SabreErrors(dav)
                self._built = (table, WSGIMiddleware(wsgi, workers=16), dav)
            return self._built[1], self._built[2]

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        request = Request(scope, receive)
        path = scope["path"]
        try:
            response = await self._handle(request, scope, receive, send)
        except OpenCloudError as exc:
            response = exception_response(exc, path=path)
        except NotDav:
            response = error_response(
                error_info(NotFound), "name a space: /dav/spaces/{space-id}/…", path=path
            )
        if response is not None:
            await response(scope, receive, send)

    async def _handle(
        self, request: Request, scope: Scope, receive: Receive, send: Send
    ) -> Response | transfer.RawResponse | None:
        check_raw_path(scope.get("raw_path"))
        method = scope["method"]
        if split_dav_path(scope["path"])[0] == public.NAMESPACE:
            return await self._public(request, scope, send)
        user = context.principal(request)
        files = context.files(request)
        if method == "OPTIONS":
            return Response(status_code=200, headers=OPTIONS_HEADERS)
        namespace, rest = split_dav_path(scope["path"])
        if namespace == "uploads":
            return await chunking.handle(
                request, rest, user=user, files=files, locked=self.write_locked
            )
        if namespace == "bulk":
            spaces = context.spaces(request)
            return await bulk.handle(
                request,
                rest,
                files=files,
                spaces=spaces,
                space=spaces.personal_id(user),
                locked=self.write_locked,
                initiator=context.initiator_id(request),
            )
        if trashbin.is_trash_url(namespace, rest):
            resolver = TargetResolver(context.spaces(request), files, context.shares(request))
            return await trashbin.handle(
                request,
                user=user,
                files=files,
                spaces=context.spaces(request),
                resolve=lambda url: resolve_url(resolver, url, user),
                locked=self.write_locked,
                initiator=context.initiator_id(request),
            )
        if namespace == "meta":
            return await versions.handle(
                request,
                user=user,
                files=files,
                spaces=context.spaces(request),
                locked=self.write_locked,
                initiator=context.initiator_id(request),
                shares=context.shares(request),
            )
        url_path = scope["path"]
        if namespace == "files" and not rest.strip("/"):
            # OpenCloud: a bare /dav/files lists nobody's files, unless the
            # client asked with a Depth, which means "my files".
            if method != "PROPFIND" or "depth" not in request.headers:
                return error_response(
                    ErrorInfo(405, "ERR_LISTING_MEMBERS_NOT_ALLOWED"),
                    "listing the members of /dav/files is not allowed",
                    path=url_path,
                )
            url_path = url_path.rstrip("/") + "/" + user.username
        resolver = TargetResolver(context.spaces(request), files, context.shares(request))
        target = resolver.resolve(url_path, user)
        return await self._dispatch(request, send, user, resolver, target)

    async def _public(
        self, request: Request, scope: Scope, send: Send
    ) -> Response | transfer.RawResponse | None:
        """``/dav/public-files/{token}/…``: the link's rights, no login."""
        if scope["method"] == "OPTIONS":
            return Response(status_code=200, headers=OPTIONS_HEADERS)
        opened = await public.open_link(request)
        if isinstance(opened, Response):
            return opened
        user, resolver = opened
        target = await run_in_threadpool(resolver.resolve, scope["path"], user)
        if target.drop and scope["method"] == "PUT":
            # a file drop stores a taken name beside what holds it
            files = context.files(request)
            target = target.at(await run_in_threadpool(public.free_path, files, target))
        return await self._dispatch(
            request, send, user, resolver, target, link_root=resolver.link_root
        )

    async def _dispatch(
        self,
        request: Request,
        send: Send,
        user: Principal,
        resolver: TargetResolver,
        target: DavTarget,
        *,
        link_root: LinkRoot | None = None,
    ) -> Response | transfer.RawResponse | None:
        """Serve ``target`` with ``method``: every URL flavour ends here
        (``link_root``: the public link a public-files request goes through)."""
        method = request.scope["method"]
        files = context.files(request)
        initiator = context.initiator_id(request)
        if target.listing is not None and method != "PROPFIND":
            # a public link's root only lists: a file drop may still add to it
            hidden = Rights(create=target.rights.create and not target.listing)
            target = msgspec.structs.replace(target, rights=hidden)
        _require(target.rights, method)
        if target.jail:
            return await sharejail.handle(
                request,
                files=files,
                shares=context.shares(request),
                user=user,
                target=target,
                base_url=_base_url(request),
            )
        if target.share_root == target.path and method in ("DELETE", "MOVE"):
            raise PermissionDenied("a shared item cannot be deleted or moved by its recipient")
        if method == "PROPFIND":
            return await self._propfind(request, files, user, target, link_root)
        if method in ("GET", "HEAD"):
            return await transfer.get(request, files, target, head=method == "HEAD")
        if method == "POST":
            return await tus.create(
                request,
                files=files,
                uploads=context.uploads(request),
                target=target,
                user=user,
                initiator=initiator,
                locked=self.write_locked,
            )
        table = context.locks(request)
        middleware, dav = self._wsgidav(table, context.files(request))
        if method == "PUT" and "if" not in request.headers:
            held = covering_locks(dav.lock_manager, files.storage_id, target.space, target.path)
            if not held:
                # checks the rights itself, in the thread hop that writes
                return await transfer.put(request, files, target, initiator)
        if method in ("PUT", "LOCK"):
            await run_in_threadpool(_may_write, files, target, method)
        await self._to_wsgidav(
            middleware=middleware,
            request=request,
            resolver=resolver,
            user=user,
            target=target,
            initiator=initiator,
            files=files,
            send=send,
        )
        return None

    def write_locked(self, request: Request, ref: Ref) -> bool:
        """Whether a WebDAV lock covers ``ref``: TUS and chunked uploads carry
        no lock token, so such a write is refused (423)."""
        files = context.files(request)
        _, dav = self._wsgidav(context.locks(request))
        return bool(covering_locks(dav.lock_manager, files.storage_id, ref.space, ref.path))

    # ---- PROPFIND
    async def _propfind(
        self,
        request: Request,
        files: FilesService,
        user: Principal,
        target: DavTarget,
        link_root: LinkRoot | None = None,
    ) -> Response:
        depth = parse_depth(request.headers.get("depth"))
        body = await small_body(request)
        parsed = parse_propfind(body)
        fetch = needs(wanted(parsed))
        ref = Ref(target.space, target.path)
        minimal = prefers_minimal(request)
        spaces = context.spaces(request)

        shares = context.shares(request)

        def parent_id(n: NodeInfo) -> str:
            if target.share_id and n.path == target.share_root:
                return sharejail.JAIL_ROOT_ID  # a mount's parent is the Shares space
            return files.resource_id(n.space, n.parent_id)

        def prepare() -> tuple[NodeInfo, EntryContext, list[NodeInfo]]:
            node = files.stat(ref)
            if target.share_root is None:
                owner = spaces.reachable_id(user, target.space)  # personal spaces only, for now
            else:
                owner = target.space  # reached through a share
            ctx = EntryContext(
                resource_id=lambda n: files.resource_id(n.space, n.id),
                parent_id=parent_id,
                space_id=files.space_id(target.space),
                owner_id=user.username if owner == user.id else owner,
                owner_name=user.display_name if owner == user.id else owner,
                base_url=_base_url(request) if _PRIVATELINK in parsed.names else "",
                quota=spaces.quota(target.space) if "quota" in fetch else None,
                rights=target.rights,
                share_root=target.share_root,
                share_id=target.share_id,
                link_root=link_root,
            )
            if "shares" in fetch and target.share_root is None:
                # what the caller shared (owner, manager); a recipient sees none
                links = _links_or_none(request)
                if links is None:
                    ctx.share_types = lambda n: shares.share_types(n.space, n.id)
                else:
                    ctx.share_types = lambda n: (
                        shares.share_types(n.space, n.id) | links.share_types(n.space, n.id)
                    )
            if "locks" in fetch:
                manager = self._wsgidav(context.locks(request))[1].lock_manager
                storage = files.storage_id

                def locks_of(node: NodeInfo) -> list[dict[str, Any]]:
                    return covering_locks(manager, storage, node.space, node.path)

                ctx.locks = locks_of
                ctx.lock_href = lambda root: target.href(parse_canonical(root).path)
            children = list(files.list(ref)) if depth == "1" and node.kind == "dir" else []
            if target.listing is not None:
                node, children = _public_listing(files, target.listing, node, children)
            return node, ctx, children

        with_meta = "meta" in fetch

        def entries(
            node: NodeInfo, children: list[NodeInfo]
        ) -> Iterable[tuple[NodeInfo, dict[str, bytes] | None]]:
            for entry in (node, *children):
                meta = meta_or_none(files, entry) if with_meta else None
                yield entry, meta

        def render(node: NodeInfo, ctx: EntryContext, children: list[NodeInfo]) -> Iterable[bytes]:
            return multistatus(target, iter(entries(node, children)), parsed, ctx, minimal=minimal)

        def small_or_prepared() -> tuple[bytes | None, Iterable[bytes]]:
            """One thread hop: small replies are rendered here at once; a large
            folder's reply is streamed from the iterator returned."""
            node, ctx, children = prepare()
            chunks = render(node, ctx, children)
            if len(children) < _STREAM_FROM:
                return b"".join(chunks), ()
            return None, chunks

        headers = reply_headers(minimal)
        if depth == "0" and not with_meta:
            # One stat and one attribute read, microseconds on a local disk: a
            # thread hop would cost more than the work (Depth 0 is what clients
            # poll with).
            content, chunks = small_or_prepared()
        else:
            content, chunks = await run_in_threadpool(small_or_prepared)
        if content is not None:
            return Response(content, status_code=207, headers=headers, media_type=XML)
        return StreamingResponse(
            _iterate_in_thread(chunks), status_code=207, headers=headers, media_type=XML
        )

    # ---- WsgiDAV
    async def _to_wsgidav(
        self,
        *,
        middleware: WSGIMiddleware,
        request: Request,
        resolver: TargetResolver,
        user: Principal,
        target: DavTarget,
        initiator: str,
        files: FilesService,
        send: Send,
    ) -> None:
        scope = dict(request.scope)
        storage = files.storage_id
        canonical = canonical_url(storage, target.space, target.path)
        if request.url.path.endswith("/") and not canonical.endswith("/"):
            canonical += "/"
        headers = [(k, v) for k, v in scope["headers"] if k not in (b"destination", b"if")]
        destination = request.headers.get("destination")
        created_in = target  # where what MKCOL, COPY or MOVE makes lands (its OC-Perm)
        if destination is not None:
            dest = await run_in_threadpool(resolve_url, resolver, destination, user)
            if dest.jail:
                raise PermissionDenied("nothing can be added to the Shares space itself")
            elsewhere = dest.space != target.space or dest.share_root != target.share_root
            if elsewhere and scope["method"] == "MOVE":
                # as OpenCloud: a move is a rename within one storage; a copy
                # may cross spaces and shares (it makes new items there)
                raise InvalidInput(
                    "MOVE works within one space or one share; copy the item, then delete it"
                )
            if dest.share_root == dest.path:
                raise PermissionDenied("a shared item cannot be replaced by its recipient")
            await run_in_threadpool(_may_replace, files, dest, overwrite(request))
            created_in = dest
            headers.append(
                (b"destination", quote(canonical_url(storage, dest.space, dest.path)).encode())
            )
        if_header = request.headers.get("if")
        if if_header is not None:
            rewritten = await run_in_threadpool(_rewrite_if, if_header, resolver, user, storage)
            headers.append((b"if", rewritten.encode("latin-1")))
        scope["headers"] = headers
        scope["path"] = canonical
        scope["raw_path"] = quote(canonical).encode()
        scope["root_path"] = ""
        scope[ENV_KEY] = DavRequestEnv(
            files=files,
            user=user,
            initiator=initiator,
            canonical_base=quote(canonical_url(storage, target.space, target.root)),
            client_base=target.href(target.root).rstrip("/"),
            rights=created_in.rights,
            share_root=created_in.share_root,
        )
        receive = request.receive
        if scope["method"] in _XML_METHODS:
            body = await small_body(request)
            if body.strip():
                parse_xml(body)  # refuses DTDs and malformed XML with our message
            receive = _replay(body)
        bridge: Any = middleware
        await bridge(scope, receive, send)


class _SabreErrors:
    """WSGI wrapper: hands our request context to WsgiDAV (a2wsgi keeps the
    ASGI scope in the environ) and renders any error that escapes WsgiDAV
    through the one error table."""

    def __init__(self, app: WsgiDAVApp) -> None:
        self._app = app

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        scope = environ["asgi.scope"]
        env: DavRequestEnv = scope[ENV_KEY]
        environ[ENV_KEY] = env
        environ["wsgidav.auth.user_name"] = env.user.username
        environ["wsgidav.auth.realm"] = "OpenCloud"
        environ["wsgidav.auth.roles"] = ["editor"]

        started: list[tuple[str, list[tuple[str, str]]]] = []

        def start(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
            if exc_info is not None and started:
                raise exc_info[1].with_traceback(exc_info[2])
            started[:] = [(status, headers)]
            return chunks.append

        chunks: list[bytes] = []
        try:
            chunks += list(self._app(environ, start))
        except OpenCloudError as exc:
            response = exception_response(exc, path=scope["path"])
        except DAVError as exc:
            response = _dav_error_response(exc, scope["path"])
        else:
            status, headers = started[0]
            body = b"".join(chunks)
            start_response(*_finish(env, environ, status, headers, body))
            return [_client_hrefs(env, body, headers)]
        start_response(
            f"{response.status_code} X",
            [(k, v) for k, v in response.headers.items()],
        )
        return [bytes(response.body)]


def _finish(
    env: DavRequestEnv,
    environ: dict[str, Any],
    status: str,
    headers: list[tuple[str, str]],
    body: bytes,
) -> tuple[str, list[tuple[str, str]]]:
    """WsgiDAV's status and headers as our clients expect them."""
    if status.startswith("204") and environ.get(CREATED_KEY):
        status = "201 Created"
    # the HTTP server sets its own Date; WsgiDAV's would make two
    kept = [(k, v) for k, v in headers if k.lower() not in ("date", "content-length")]
    if status.startswith("201") and environ["REQUEST_METHOD"] in ("MKCOL", "COPY", "MOVE"):
        kept += _created_headers(env, environ)
    kept.append(("Content-Length", str(len(_client_hrefs(env, body, headers)))))
    return status, kept


def _client_hrefs(env: DavRequestEnv, body: bytes, headers: list[tuple[str, str]]) -> bytes:
    """WsgiDAV writes hrefs (multistatus, lockroot) in the canonical form it was
    given; clients expect the URL flavour they used."""
    if not env.canonical_base:
        return body
    if not any(k.lower() == "content-type" and "xml" in v for k, v in headers):
        return body
    client = env.client_base.encode()
    for canonical in {env.canonical_base, unquote(env.canonical_base)}:
        for end in (b"/", b"<"):  # whole segments only: /a/b is no prefix of /a/bc
            body = body.replace(b">" + canonical.encode() + end, b">" + client + end)
    return body


#: The right each method needs in the target's space (PUT and POST: creating
#: or overwriting, decided by the handler once it knows which it is).
_NEEDS: dict[str, tuple[str, ...]] = {
    "PROPFIND": ("read",),
    "GET": ("read",),
    "HEAD": ("read",),
    "PUT": ("create", "update"),
    "POST": ("create", "update"),
    "MKCOL": ("create",),
    "DELETE": ("delete",),
    "MOVE": ("delete",),
    "COPY": ("read",),  # the source; the destination needs create (_may_replace)
    "PROPPATCH": ("update",),
    "LOCK": ("update", "create"),
    "UNLOCK": ("update", "create"),
}


def _require(rights: Rights, method: str) -> None:
    """PermissionDenied unless ``rights`` allow ``method`` at all (the space
    is readable, or resolution would have said NotFound)."""
    needed = _NEEDS.get(method, ("update",))
    if not any(getattr(rights, what) for what in needed):
        raise PermissionDenied(f"your role does not allow {method} here")


def _may_write(files: FilesService, target: DavTarget, method: str) -> None:
    """A PUT or LOCK that WsgiDAV would carry out, checked against what is
    there now (a LOCK of an existing item changes nothing)."""
    if method == "PUT":
        may_write(files, target)
        return
    if stat_or_none(files, Ref(target.space, target.path)) is None:
        target.rights.require("create", "add files here")


def _may_replace(files: FilesService, dest: DavTarget, overwrite: bool) -> None:
    """A COPY or MOVE destination: adding needs ``create``, replacing what
    holds the name (it goes to the trash) needs ``delete``."""
    if stat_or_none(files, Ref(dest.space, dest.path)) is None:
        dest.rights.require("create", "add items there")
    elif overwrite:
        dest.rights.require("delete", "replace what holds the name")


def _created_headers(env: DavRequestEnv, environ: dict[str, Any]) -> list[tuple[str, str]]:
    """Ids of what MKCOL, COPY or MOVE created (clients read ``OC-FileId`` and
    save a PROPFIND). Best effort: the item may already be gone again."""
    where = environ.get("PATH_INFO", "")
    if environ["REQUEST_METHOD"] != "MKCOL":
        where = unquote(urlsplit(environ.get("HTTP_DESTINATION", "")).path)
    try:
        node = env.files.stat(parse_canonical(where))
    except OpenCloudError:
        return []
    return list(node_headers(env.files, node, env.rights, env.share_root).items())


def _dav_error_response(exc: DAVError, path: str) -> Response:
    status = int(exc.value)
    message = exc.context_info or exc.get_user_info()
    code = {404: "itemNotFound", 409: "conflict", 412: "preconditionFailed", 423: "itemIsLocked"}
    return error_response(
        ErrorInfo(status, code.get(status, "invalidRequest")), str(message), path=path
    )


def _rewrite_if(header: str, resolver: TargetResolver, user: Principal, storage: str) -> str:
    """Resource tags (``<http://host/remote.php/webdav/a>``) in an ``If`` header,
    rewritten to canonical URLs; lock tokens and etags stay as they are."""

    def replace(match: re.Match[str]) -> str:
        inner = match.group(1)
        if not (inner.startswith("/") or inner.lower().startswith(("http://", "https://"))):
            return match.group(0)
        try:
            target = resolve_url(resolver, inner, user)
        except OpenCloudError:
            return match.group(0)
        return "<" + quote(canonical_url(storage, target.space, target.path)) + ">"

    return _TAGGED.sub(replace, header)


def _public_listing(
    files: FilesService, listing: str, node: NodeInfo, children: list[NodeInfo]
) -> tuple[NodeInfo, list[NodeInfo]]:
    """A public link's root as it may be seen: a file drop shows no entries;
    a link to a file is a folder holding that file alone (the real folder's
    name, size and etag stay hidden)."""
    if not listing:
        return node, []
    linked = files.stat(Ref(node.space, listing))
    shown = msgspec.structs.replace(
        node, name="", size=linked.size, etag=linked.etag, mtime_ns=linked.mtime_ns
    )
    return shown, [c for c in children if c.path == listing]


def _links_or_none(request: Request) -> LinksService | None:
    try:
        return context.links(request)
    except RuntimeError:  # a state without links (some unit tests)
        return None


def _base_url(request: Request) -> str:
    """The public URL (``OC_URL``) private links point at; the request's own
    origin when the app state has none (tests)."""
    configured = request.scope.get("state", {}).get("public_url")
    if isinstance(configured, str) and configured:
        return configured.rstrip("/")
    return f"{request.url.scheme}://{request.url.netloc}"


def _replay(body: bytes) -> Receive:
    sent = False

    async def receive() -> dict[str, Any]:
        nonlocal sent
        if sent:
            return {"type": "http.disconnect"}
        sent = True
        return {"type": "http.request", "body": body, "more_body": False}

    return receive


async def _iterate_in_thread(chunks: Iterable[bytes]) -> Any:
    iterator = iter(chunks)
    sentinel = object()
    while True:
        chunk = await run_in_threadpool(next, iterator, sentinel)
        if chunk is sentinel:
            break
        yield chunk


def _lock_announcer(files: FilesService) -> Callable[[str, bool], None]:
    """Lock changes (canonical URLs) as ``file-locked`` / ``file-unlocked``."""

    def announce(url: str, locked: bool) -> None:
        files.announce_lock(parse_canonical(url), locked=locked)

    return announce
