"""Public links over WebDAV: ``(/remote.php)/dav/public-files/{token}/{path}``.

The authentication middleware lets these URLs through; the link's token is
the credential. This module opens the link and turns the URL into a
``DavTarget`` anchored at the linked item with the link's rights, so the
ordinary handlers serve it unchanged.

- An unknown, expired or deleted token: 404, always with the same message.
- A password-protected link: Basic auth with any username (OpenCloud's
  clients send ``public``) and the link's password. No credentials: 401 with
  Sabre errorcode ``ERR_MISSING_BASIC_AUTH`` (what makes the web client ask
  for the password); a wrong password: a plain 401; too many wrong ones for
  the token or from the address: 429 with ``Retry-After``.
- An ``internal`` link opens nothing by itself: a signed-in caller who can
  reach the item anyway gets 307 to ``/dav/spaces/{resource id}``; anyone
  else 401 (no credentials) or 404.
- A password-protected link also opens for GET and HEAD with
  ``?signature=&expiration=``, the pair its root's ``oc:signature-auth``
  hands out (``LinksService.sign``): for downloads a browser starts itself.
  No expiration: 400; a malformed one: 400; a wrong or expired signature:
  401; another method: 403.
- ``public-token`` (header or query, what OpenCloud's clients send to say
  "act as this link, not as my account") must name the link of the URL: any
  other token is a 400.
- A link to a file is a folder holding that one file
  (``public-files/{token}/{name}``), as in OpenCloud.
- ``createOnly`` (file drop): the root answers PROPFIND with itself only;
  uploads of new names are allowed, reading, overwriting, renaming and
  deleting are not. An upload under a name that is taken is stored as
  ``name (2).ext`` (``links.drop_name``), as OpenCloud does: the uploader
  learns nothing of what is there, and nothing is overwritten.
- The root's PROPFIND answers OpenCloud's ``oc:public-link-*`` properties
  (``LinkRoot``).
"""

from __future__ import annotations

import msgspec
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response

from opencloud.api.http import context
from opencloud.api.http.auth import authenticate, challenge, parse_authorization
from opencloud.api.http.errors import ErrorInfo, error_response, exception_response
from opencloud.api.webdav.props import LinkRoot
from opencloud.api.webdav.target import DavTarget, TargetResolver, split_dav_path
from opencloud.core.errors import (
    InvalidInput,
    NotFound,
    OpenCloudError,
    PermissionDenied,
    Unauthenticated,
)
from opencloud.core.ids import SpaceId
from opencloud.core.paths import join_path, normalize_path, parent_path, split_path
from opencloud.services.auth.service import AuthService
from opencloud.services.auth.types import Principal
from opencloud.services.files.service import FilesService
from opencloud.services.shares.links import NO_LINK, Link, LinksService, drop_name
from opencloud.services.spaces.rights import Rights
from opencloud.services.spaces.service import SpacesService
from opencloud.storage.types import NodeInfo, Ref

NAMESPACE = "public-files"
MISSING_AUTH = ErrorInfo(401, "ERR_MISSING_BASIC_AUTH")
#: The header (or query parameter) naming the link a request acts as.
TOKEN_HEADER = "public-token"  # noqa: S105 (a header name, not a secret)
#: Methods a signature opens a link for.
SIGNED_METHODS = frozenset({"GET", "HEAD"})


def public_principal(link: Link) -> Principal:
    """Who acts through a public link (WsgiDAV's user name, events)."""
    return Principal(id=f"public-link:{link.id}", username="public", display_name="Public link")


class PublicResolver(TargetResolver):
    """Resolves URLs below one open link (also ``Destination``: COPY and
    MOVE stay inside the link)."""

    def __init__(
        self,
        spaces: SpacesService,
        files: FilesService,
        link: Link,
        node: NodeInfo,
        rights: Rights,
    ) -> None:
        super().__init__(spaces, files)
        self.link = link
        self.node = node
        self.rights = rights
        #: what the root's ``oc:public-link-*`` properties say (set by ``open_link``)
        self.link_root: LinkRoot | None = None

    def resolve(self, url_path: str, user: Principal) -> DavTarget:
        namespace, rest = split_dav_path(url_path)
        token, _, tail = rest.partition("/")
        if namespace != NAMESPACE or token != self.link.token:
            raise InvalidInput("COPY and MOVE work within one public link")
        prefix = url_path[: len(url_path) - len(rest)].rstrip("/")
        base = f"{prefix}/{token}"
        names = split_path(tail)  # refuses '..' before anything is looked up
        node = self.node
        if node.kind == "file":
            # a folder holding the one file: the root lists only it
            folder = parent_path(node.path)
            if not names:
                return DavTarget(
                    node.space,
                    folder,
                    base,
                    self.rights,
                    root=folder,
                    share_root=folder,
                    listing=node.path,
                )
            if names != [node.name]:
                raise NotFound(f"no {'/'.join(names)[:120]!r} in this public link")
            return DavTarget(
                node.space, node.path, base, self.rights, root=folder, share_root=folder
            )
        path = join_path(node.path, "/".join(names)) if names else node.path
        if self.link.type == "createOnly":
            if names:
                return DavTarget(
                    node.space,
                    path,
                    base,
                    self.rights,
                    root=node.path,
                    share_root=node.path,
                    drop=True,
                )
            # a file drop: the root answers PROPFIND with itself and nothing else
            shown = msgspec.structs.replace(self.rights, read=True)
            return DavTarget(
                node.space,
                path,
                base,
                shown,
                root=node.path,
                share_root=node.path,
                listing="",
                drop=True,
            )
        return DavTarget(
            node.space,
            normalize_path(path),
            base,
            self.rights,
            root=node.path,
            share_root=node.path,
        )


async def open_link(request: Request) -> tuple[Principal, PublicResolver] | Response:
    """The caller and a resolver for the link the URL names, or the answer
    that refuses them (404, 401, 429, 400, 403, or 307 for an internal link)."""
    path = request.url.path
    _, rest = split_dav_path(request.scope["path"])
    token = rest.partition("/")[0]
    links = context.links(request)
    files, spaces = context.files(request), context.spaces(request)
    named = request.headers.get(TOKEN_HEADER) or request.query_params.get(TOKEN_HEADER)
    if named is not None and named != token:
        exc: OpenCloudError = InvalidInput(f"the {TOKEN_HEADER} header names another link")
        return _refuse(exc, request)
    try:
        link = links.by_token(token) if token else None
        if link is None:
            raise NotFound(NO_LINK)
        node = await run_in_threadpool(_node, links, link)
    except NotFound:
        return error_response(ErrorInfo(404, "itemNotFound"), NO_LINK, path=path)
    if link.type == "internal":
        return await _internal(request, files, spaces, node)
    signature = request.query_params.get("signature")
    try:
        if signature is not None:
            _check_signed(request, links, link, signature)
        else:
            refused = await _check_password(request, links, link)
            if refused is not None:
                return refused
    except OpenCloudError as exc:
        return _refuse(exc, request)
    rights = links.rights(link)
    resolver = PublicResolver(spaces, files, link, node, rights)
    resolver.link_root = await run_in_threadpool(
        link_root, links, _auth_or_none(request), link, node, rights
    )
    return public_principal(link), resolver


async def _check_password(request: Request, links: LinksService, link: Link) -> Response | None:
    """None when the request's Basic password (any username) opens ``link``;
    the refusal otherwise (raises what ``check_access`` raises)."""
    value = request.headers.get("authorization")
    password: str | None = None
    if value is not None:
        creds = parse_authorization(value)
        if creds.scheme == "basic":
            password = creds.secret
    if link.has_password and password is None:
        response = error_response(
            MISSING_AUTH, "this public link is protected by a password", path=request.url.path
        )
        response.headers["WWW-Authenticate"] = challenge(request.headers)
        return response
    client = request.scope.get("client")
    address = str(client[0]) if client else ""
    await run_in_threadpool(links.check_access, link, password, address)
    return None


def _check_signed(request: Request, links: LinksService, link: Link, signature: str) -> None:
    """``?signature=&expiration=`` in place of the password (GET and HEAD)."""
    expiration = request.query_params.get("expiration")
    if not expiration:
        raise InvalidInput("a signature needs its expiration (?signature=…&expiration=…)")
    if request.scope["method"] not in SIGNED_METHODS:
        raise PermissionDenied("a signature opens a public link for GET and HEAD only")
    links.check_signature(link, signature, expiration)


def link_root(
    links: LinksService, auth: AuthService | None, link: Link, node: NodeInfo, rights: Rights
) -> LinkRoot:
    """What the public-files root says of its link (``oc:public-link-*``)."""
    owner = ""
    if auth is not None:
        try:
            owner = auth.get_user(link.creator).username
        except NotFound:
            owner = ""  # the account is gone; the link stays
    signature, expiration = links.sign(link) if link.has_password else ("", "")
    folder = node.path if node.kind == "dir" else parent_path(node.path)
    return LinkRoot(
        path=folder,
        item_type="folder" if node.kind == "dir" else "file",
        permission=rights.ocs_bits(kind=node.kind),
        expires_ns=link.expires,
        created_ns=link.created,
        owner=owner,
        signature=signature,
        signature_expiration=expiration,
    )


def _auth_or_none(request: Request) -> AuthService | None:
    try:
        return context.auth(request)
    except RuntimeError:  # a state without a directory (some unit tests)
        return None


def free_path(files: FilesService, target: DavTarget) -> str:
    """Where an upload into a file drop lands: the target's own path while
    nothing holds it, else the next free ``name (n).ext`` beside it."""
    folder, name = parent_path(target.path), target.path.rpartition("/")[2]
    try:
        files.stat(Ref(target.space, target.path))
    except NotFound:
        return target.path
    taken = {entry.name for entry in files.list(Ref(target.space, folder))}
    return join_path(folder, drop_name(name, taken))


def _node(links: LinksService, link: Link) -> NodeInfo:
    try:
        return links.node(link)
    except NotFound:
        raise NotFound(NO_LINK) from None  # the item is gone: the link opens nothing


async def _internal(
    request: Request, files: FilesService, spaces: SpacesService, node: NodeInfo
) -> Response:
    """An internal link: 307 to the item for a signed-in caller who may reach it."""
    path = request.url.path
    value = request.headers.get("authorization")
    if value is None:
        exc: OpenCloudError = Unauthenticated("an internal link needs a signed-in user")
        return _refuse(exc, request)
    client = request.scope.get("client")
    address = str(client[0]) if client else ""
    try:
        user = await authenticate(context.auth(request), parse_authorization(value), address)
    except OpenCloudError as exc:
        return _refuse(exc, request)
    resource = files.resource_id(SpaceId(node.space), node.id)
    prefix = "/remote.php" if request.scope["path"].startswith("/remote.php/") else ""
    location = f"{prefix}/dav/spaces/{resource}"
    resolver = TargetResolver(spaces, files, context.shares(request))
    try:
        await run_in_threadpool(resolver.resolve, location, user)
    except NotFound:
        return error_response(ErrorInfo(404, "itemNotFound"), NO_LINK, path=path)
    return Response(status_code=307, headers={"Location": location.replace("$", "%24")})


def _refuse(exc: OpenCloudError, request: Request) -> Response:
    response = exception_response(exc, path=request.url.path)
    if isinstance(exc, Unauthenticated):
        response.headers["WWW-Authenticate"] = challenge(request.headers)
    return response
