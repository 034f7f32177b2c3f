"""The authentication middleware: who is asking, before any handler runs.

Pure ASGI, placed right after the request-id middleware. For every request to a
protected path it reads the ``Authorization`` header:

- ``Basic`` ``user:password`` or ``user:<app token>``;
- ``Bearer <jwt>`` from ``POST /auth/token``;
- or, in place of the header, a signed URL (``?OC-Signature=…``, GET and HEAD
  only; ``signed_urls.py``);

checks it in the thread pool (argon2 blocks for tens of milliseconds) and stores
the ``Principal`` as ``scope["state"]["principal"]`` (``context.principal``).
A missing or wrong credential is answered here, in the form the path's clients
parse (Sabre XML for WebDAV, the OCS envelope, Graph JSON), as 401 with a
challenge, or 429 with ``Retry-After`` when throttled. Malformed headers are a
401 with a message saying what is wrong, never a 500.

Which paths are protected follows OpenCloud's proxy (reference §2.1): see
``PUBLIC``, ``OPTIONAL`` and ``PROTECTED`` below. OPTIONS is authenticated like
any other method, as ownCloud does. Paths matching none of them (the web UI,
unknown URLs) pass through unauthenticated.

The challenge: ``Basic realm="OpenCloud", charset="UTF-8"``; a request that
tried Bearer gets ``Bearer realm="OpenCloud"`` instead, and so does a browser
request (``X-Requested-With: XMLHttpRequest``), so that no login dialog pops up.
"""

from __future__ import annotations

import base64
import binascii
import re

from starlette.concurrency import run_in_threadpool
from starlette.datastructures import Headers
from starlette.types import ASGIApp, Receive, Scope, Send

from opencloud.api.http import signed_urls
from opencloud.api.http.errors import BASIC_CHALLENGE, exception_response
from opencloud.core.errors import (
    InvalidInput,
    OpenCloudError,
    PermissionDenied,
    Throttled,
    Unauthenticated,
)
from opencloud.services.auth.service import AuthService
from opencloud.services.auth.types import Principal

BEARER_CHALLENGE = 'Bearer realm="OpenCloud"'
MAX_HEADER = 8192

#: Never authenticated here: probes, OpenCloud's unprotected routes, public
#: links (their own token, their ``tokeninfo/unprotected`` and ownCloud 10's
#: ``/index.php/s/`` redirect), TUS upload URLs (their own signed token), and
#: the token endpoint (it checks its own credentials).
PUBLIC = re.compile(
    r"^(?:/status(?:\.php)?|/healthz|/readyz"
    r"|/ocs/v[12]\.php/config(?:/.*)?"
    r"|/ocs/v[12]\.php/apps/files_sharing/api/v1/tokeninfo/unprotected/[^/]*"
    r"|/index\.php/s/[^/]*"
    r"|(?:/remote\.php)?/dav/public-files(?:/.*)?"
    r"|/data(?:/.*)?"
    r"|/app/list"
    r"|/auth/token)$"
)
#: Answer anonymous callers too, but authenticate those who send credentials.
OPTIONAL = re.compile(r"^/ocs/v[12]\.php/cloud/capabilities/?$")
#: Everything here needs a signed-in user.
PROTECTED = re.compile(
    r"^(?:/ocs/|/remote\.php(?:/|$)|/dav(?:/|$)|/webdav(?:/|$)|/graph/|/auth-app/"
    r"|/api/|/archiver(?:/|$)|/index\.php/|/apps/|/app/)"
)


def needs_auth(path: str) -> bool | None:
    """True: credentials required; None: checked if given; False: not checked."""
    if PUBLIC.match(path):
        return False
    if OPTIONAL.match(path):
        return None
    return bool(PROTECTED.match(path))


class Credentials:
    """A parsed ``Authorization`` header."""

    def __init__(self, scheme: str, username: str = "", secret: str = "") -> None:
        self.scheme = scheme  # "basic" or "bearer"
        self.username = username
        self.secret = secret


def parse_authorization(value: str | None) -> Credentials:
    """Parse an ``Authorization`` header; Unauthenticated with a message saying
    what is wrong when it is missing or malformed."""
    if value is None or not value.strip():
        raise Unauthenticated("this resource needs credentials (Basic or Bearer)")
    if len(value) > MAX_HEADER:
        raise Unauthenticated(f"the Authorization header is longer than {MAX_HEADER} bytes")
    scheme, _, rest = value.strip().partition(" ")
    rest = rest.strip()
    lowered = scheme.lower()
    if lowered == "bearer":
        if not rest:
            raise Unauthenticated("malformed Bearer credentials: no token")
        return Credentials("bearer", secret=rest)
    if lowered != "basic":
        raise Unauthenticated(
            f"unsupported authentication scheme {scheme[:20]!r}: use Basic or Bearer"
        )
    if not rest:
        raise Unauthenticated("malformed Basic credentials: nothing after 'Basic'")
    try:
        raw = base64.b64decode(rest.encode("ascii"), validate=True)
    except (binascii.Error, UnicodeEncodeError) as exc:
        raise Unauthenticated("malformed Basic credentials: not valid base64") from exc
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise Unauthenticated("malformed Basic credentials: not UTF-8") from exc
    username, colon, password = text.partition(":")
    if not colon:
        raise Unauthenticated("malformed Basic credentials: no ':' between user and password")
    if not username:
        raise Unauthenticated("malformed Basic credentials: empty username")
    return Credentials("basic", username, password)


async def authenticate(auth: AuthService, creds: Credentials, address: str) -> Principal:
    """Check parsed credentials: recently verified Basic credentials from
    memory, on the event loop; anything else in the thread pool (argon2 and
    the directory's storage reads block)."""
    if creds.scheme == "basic":
        cached = auth.cached_basic(creds.username, creds.secret, address)
        if cached is not None:
            return cached
    if creds.scheme == "bearer":
        return await run_in_threadpool(auth.authenticate_bearer, creds.secret, address)
    return await run_in_threadpool(auth.authenticate_basic, creds.username, creds.secret, address)


def challenge(headers: Headers) -> str:
    """The ``WWW-Authenticate`` value for a 401 to a request with ``headers``."""
    tried = (headers.get("authorization") or "").lstrip()[:7].lower()
    if tried.startswith("bearer"):
        return BEARER_CHALLENGE
    if headers.get("x-requested-with", "").lower() == "xmlhttprequest":
        return BEARER_CHALLENGE
    return BASIC_CHALLENGE


def _signed(service: AuthService, scope: Scope, headers: Headers, address: str) -> Principal:
    """The user of a signed URL (``signed_urls.authenticate``)."""
    state = scope["state"]
    host = headers.get("host", "")
    origins = [f"{scope.get('scheme', 'http')}://{host}", f"https://{host}"]
    configured = state.get("public_url")
    if isinstance(configured, str) and signed_urls.origin_of(configured):
        origins.append(signed_urls.origin_of(configured))
    raw = scope.get("raw_path")
    raw_path = raw.decode("latin-1") if raw else scope["path"]
    return signed_urls.authenticate(
        service,
        state["links"].signing_keys,
        method=scope["method"],
        origins=list(dict.fromkeys(origins)),
        raw_path=raw_path,
        query_string=scope.get("query_string", b"").decode("latin-1"),
        address=address,
    )


class AuthMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path: str = scope["path"]
        required = needs_auth(path)
        if required is False:
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        value = headers.get("authorization")
        if required is None and value is None:
            await self.app(scope, receive, send)
            return
        state = scope.setdefault("state", {})
        service = state.get("auth")
        if not isinstance(service, AuthService):
            raise RuntimeError("no auth service in the app state: was the app built by create_app?")
        client = scope.get("client")
        address = str(client[0]) if client else ""
        try:
            if signed_urls.is_signed(scope.get("query_string", b"")) and "links" in state:
                principal = await run_in_threadpool(_signed, service, scope, headers, address)
            else:
                principal = await authenticate(service, parse_authorization(value), address)
        except (Unauthenticated, Throttled, InvalidInput, PermissionDenied) as exc:
            await self._refuse(exc, scope, headers)(scope, receive, send)
            return
        state["principal"] = principal
        await self.app(scope, receive, send)

    @staticmethod
    def _refuse(exc: OpenCloudError, scope: Scope, headers: Headers) -> ASGIApp:
        response = exception_response(exc, path=scope["path"])
        if isinstance(exc, Unauthenticated):
            response.headers["WWW-Authenticate"] = challenge(headers)
        return response
