"""Token endpoints: browser sessions and app tokens.

``POST /auth/token`` trades Basic credentials (a password, not an app token)
for a short-lived session token::

    {"access_token": "<jwt>", "token_type": "Bearer", "expires_in": 1800}

The path is not behind the authentication middleware: it checks its own
credentials, with the same throttling, and answers a browser
(``X-Requested-With: XMLHttpRequest``) without a Basic challenge.

``/auth-app/tokens`` (OpenCloud's auth-app API, signed in):

- ``POST ?expiry=72h[&label=…]`` → ``{token, expiration_date, created_date, label}``;
  the token is shown this once. App tokens cannot create app tokens.
- ``GET`` → ``[{token, expiration_date, created_date, label}]`` where ``token`` is
  the token's id (the secret is never shown again).
- ``DELETE ?token=<id or token>`` → 200.
"""

from __future__ import annotations

from functools import partial

import msgspec
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import Headers
from starlette.requests import Request
from starlette.responses import Response

from opencloud.api.http import context
from opencloud.api.http.auth import authenticate, challenge, parse_authorization
from opencloud.api.http.errors import exception_response
from opencloud.api.http.responses import json_response
from opencloud.core.errors import InvalidInput, PermissionDenied, Throttled, Unauthenticated
from opencloud.services.auth.records import AppToken, rfc3339
from opencloud.services.auth.service import parse_duration


class SessionToken(msgspec.Struct, frozen=True):
    access_token: str
    expires_in: int
    token_type: str = "Bearer"  # noqa: S105 (the scheme name, not a secret)


class TokenJson(msgspec.Struct, frozen=True):
    token: str
    expiration_date: str
    created_date: str
    label: str


_NO_STORE = {"Cache-Control": "no-store"}


async def session_token(request: Request) -> Response:
    auth = context.auth(request)
    client = request.client
    try:
        creds = parse_authorization(request.headers.get("authorization"))
        if creds.scheme != "basic":
            raise Unauthenticated("sign in with Basic credentials (username and password)")
        who = await authenticate(auth, creds, client.host if client else "")
    except (Unauthenticated, Throttled) as exc:
        response = exception_response(exc, path=request.url.path)
        if isinstance(exc, Unauthenticated):
            response.headers["WWW-Authenticate"] = challenge(Headers(scope=request.scope))
        return response
    if who.method != "basic":
        raise PermissionDenied("an app token cannot open a session; use the password")
    token, expires_in = auth.issue_jwt(who)
    return json_response(SessionToken(access_token=token, expires_in=expires_in), headers=_NO_STORE)


def _token_json(record: AppToken, token: str) -> TokenJson:
    return TokenJson(
        token=token,
        expiration_date=rfc3339(record.expires),
        created_date=rfc3339(record.created),
        label=record.label,
    )


async def create_app_token(request: Request) -> Response:
    who = context.principal(request)
    if who.method == "app-token":
        raise PermissionDenied("app tokens cannot create app tokens; sign in with the password")
    expiry = request.query_params.get("expiry")
    if not expiry:
        raise InvalidInput("the expiry parameter is required (e.g. expiry=72h)")
    lifetime = parse_duration(expiry)
    label = request.query_params.get("label", "")
    auth = context.auth(request)
    clear, record = await run_in_threadpool(
        partial(auth.create_app_token, who.id, expires_in=lifetime, label=label)
    )
    return json_response(_token_json(record, clear), headers=_NO_STORE)


async def list_app_tokens(request: Request) -> Response:
    who = context.principal(request)
    tokens = await run_in_threadpool(context.auth(request).list_app_tokens, who.id)
    return json_response([_token_json(t, t.id) for t in tokens])


async def revoke_app_token(request: Request) -> Response:
    who = context.principal(request)
    token = request.query_params.get("token")
    if not token:
        raise InvalidInput("the token parameter is required")
    await run_in_threadpool(context.auth(request).revoke_app_token, who.id, token)
    return Response(status_code=200)
