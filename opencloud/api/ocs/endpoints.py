"""OCS endpoints: capabilities, the signed-in user, and the server's config.

Each is served under ``/ocs/v1.php`` and ``/ocs/v2.php`` alike; the version
only changes the success code in ``meta`` (100 or 200) and how errors map to
HTTP statuses (``formats.render_error``). ``?format=json`` picks JSON, XML is
the default.

``cloud/capabilities`` and ``config`` answer anonymous callers too; the others
run behind the authentication middleware, which sets the principal.
"""

from __future__ import annotations

import re

import msgspec
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response

from opencloud.api.http import context, ocs_envelope
from opencloud.api.ocs import capabilities as caps
from opencloud.core.errors import PermissionDenied
from opencloud.services.auth.types import Principal
from opencloud.services.spaces.service import SpacesService

#: reva's ``UserTypeString`` for an ordinary account.
USER_TYPE = "primary"


def ocs_response(request: Request, data: object) -> Response:
    """``data`` in a success envelope for the version and format of ``request``."""
    version = ocs_envelope.ocs_version(request.url.path) or 2
    body, media_type = ocs_envelope.encode(
        ocs_envelope.success_meta(version),
        data,
        as_json=ocs_envelope.wants_json(request.url.query),
    )
    return Response(body, media_type=media_type)


# ---- capabilities


async def capabilities(request: Request) -> Response:
    """OpenCloud's capabilities, true only for what this server does. Anonymous
    callers get the same document (it holds nothing about the user), except
    that the user agent may switch on what only some clients handle."""
    features = context.features(request)
    if bulk_upload_safe(request.headers.get("user-agent", "")):
        features = msgspec.structs.replace(features, bulk_upload=True)
    return ocs_response(request, caps.build(features))


_NEXTCLOUD_DESKTOP = re.compile(r"mirall/(\d+)\.(\d+)")


def bulk_upload_safe(user_agent: str) -> bool:
    """Nextcloud desktop 3.9 and later use bulk upload correctly; 3.7 and 3.8
    (Debian 12's) never send the body of a batch holding an empty file
    (nextcloud/desktop#5871), so they are not told about it. OpenCloud's own
    clients do not use it."""
    match = _NEXTCLOUD_DESKTOP.search(user_agent)
    if match is None or "Nextcloud" not in user_agent:
        return False
    return (int(match.group(1)), int(match.group(2))) >= (3, 9)


# ---- config


class Config(msgspec.Struct, frozen=True, kw_only=True):
    version: str = "1.7"
    website: str = "OpenCloud"
    host: str
    contact: str = ""
    ssl: str


async def config(request: Request) -> Response:
    url = context.public_url(request)
    return ocs_response(
        request, Config(host=url, ssl="true" if url.startswith("https://") else "false")
    )


# ---- the user


class CloudUser(msgspec.Struct, frozen=True, kw_only=True):
    """``/cloud/user``: ``id`` is the login name."""

    id: str
    display_name: str = msgspec.field(name="display-name")
    email: str
    user_type: str = msgspec.field(default=USER_TYPE, name="user-type")


class UserQuota(msgspec.Struct, frozen=True, kw_only=True):
    free: int
    used: int
    total: int
    relative: float
    definition: str


class UserDetails(msgspec.Struct, frozen=True, kw_only=True):
    """``/cloud/users/{id}``, as reva writes it (``displayname`` without the dash)."""

    enabled: str = "true"
    quota: UserQuota
    email: str
    displayname: str
    user_type: str = msgspec.field(default=USER_TYPE, name="user-type")
    two_factor_auth_enabled: bool = False
    last_login: int = 0


class UserGroups(msgspec.Struct, frozen=True, kw_only=True):
    groups: list[str]


class SigningKey(msgspec.Struct, frozen=True, kw_only=True):
    """``/cloud/user/signing-key``: the key the client signs URLs with
    (``OC-Signature``; ``api/http/signed_urls.py``), made on first use."""

    user: str  # the user's id, as OpenCloud answers
    signing_key: str = msgspec.field(name="signing-key")


async def signing_key(request: Request) -> Response:
    who, links = context.principal(request), context.links(request)
    key = await run_in_threadpool(links.signing_keys.key, who.id)
    return ocs_response(request, SigningKey(user=who.id, signing_key=key))


async def user(request: Request) -> Response:
    who = context.principal(request)
    return ocs_response(
        request, CloudUser(id=who.username, display_name=who.display_name, email=who.mail)
    )


def _subject(request: Request) -> tuple[Principal, bool]:
    """The user the path names (by login name or id) and whether their account
    is enabled: oneself, or for an admin anyone (NotFound for no such user).
    Others are refused, as reva does."""
    who = context.principal(request)
    userid = request.path_params["userid"]
    if userid == who.id or userid.lower() == who.username.lower():
        return who, True
    if who.role != "admin":
        raise PermissionDenied("user id mismatch")
    directory = context.auth(request)
    return directory.principal(userid), directory.get_user(userid).enabled


def _quota(spaces: SpacesService, who: Principal) -> UserQuota:
    space = spaces.personal(who)
    quota = spaces.quota(space.id)
    if quota.total > 0:
        return UserQuota(
            free=max(quota.total - quota.used, 0),
            used=quota.used,
            total=quota.total,
            relative=round(quota.used / quota.total * 100, 2),
            definition="default",
        )
    # unlimited: what is left is the free disk; "none" tells the web UI there is no quota
    return UserQuota(free=quota.remaining, used=quota.used, total=0, relative=0, definition="none")


async def users(request: Request) -> Response:
    spaces = context.spaces(request)

    def work() -> UserDetails:
        who, enabled = _subject(request)
        return UserDetails(
            enabled="true" if enabled else "false",
            quota=_quota(spaces, who),
            email=who.mail,
            displayname=who.display_name,
        )

    return ocs_response(request, await run_in_threadpool(work))


async def user_groups(request: Request) -> Response:
    """The user's groups by name (reva lists names here)."""
    who, _ = await run_in_threadpool(_subject, request)
    names = who.group_names if len(who.group_names) == len(who.groups) else who.groups
    return ocs_response(request, UserGroups(groups=list(names)))
