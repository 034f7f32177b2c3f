"""``GET /ocs/v{1,2}.php/apps/files_sharing/api/v1/sharees?search=``: whom the
caller may share with (reva's ``ShareeData``).

Users and groups whose name, display name or mail contains ``search``
(case-insensitive); those that match it exactly are listed under ``exact``
instead. The caller is never offered. ``search`` must be at least
``files_sharing.search_min_length`` (3) characters long; ``perPage`` (default
200) limits each list. ``remotes`` is always empty (no federation).
"""

from __future__ import annotations

import msgspec
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response

from opencloud.api.http import context
from opencloud.api.ocs.endpoints import ocs_response
from opencloud.core.errors import InvalidInput

#: ``files_sharing.search_min_length`` of the capabilities document (a test
#: checks that they agree).
MIN_SEARCH = 3
DEFAULT_PER_PAGE = 200
MAX_PER_PAGE = 1000


class MatchValue(
    msgspec.Struct,
    frozen=True,
    kw_only=True,
    rename={
        "share_type": "shareType",
        "share_with": "shareWith",
        "share_with_provider": "shareWithProvider",
        "share_with_additional_info": "shareWithAdditionalInfo",
        "user_type": "userType",
    },
):
    share_type: int
    share_with: str
    share_with_provider: str = ""
    share_with_additional_info: str = ""
    user_type: int = 0


class Match(msgspec.Struct, frozen=True, kw_only=True):
    label: str
    value: MatchValue


class Exact(msgspec.Struct, frozen=True, kw_only=True):
    users: list[Match]
    groups: list[Match]
    remotes: list[Match] = []


class ShareeData(msgspec.Struct, frozen=True, kw_only=True):
    exact: Exact
    users: list[Match]
    groups: list[Match]
    remotes: list[Match] = []


def _per_page(raw: str) -> int:
    if not raw:
        return DEFAULT_PER_PAGE
    try:
        value = int(raw)
    except ValueError:
        raise InvalidInput("perPage must be a number") from None
    if value < 1:
        raise InvalidInput("perPage must be at least 1")
    return min(value, MAX_PER_PAGE)


async def sharees(request: Request) -> Response:
    who = context.principal(request)
    directory = context.auth(request)
    search = request.query_params.get("search", "").strip()
    if len(search) < MIN_SEARCH:
        raise InvalidInput(f"search must be at least {MIN_SEARCH} characters long")
    limit = _per_page(request.query_params.get("perPage", "").strip())
    needle = search.lower()

    def work() -> ShareeData:
        exact_users: list[Match] = []
        users: list[Match] = []
        for user in directory.list_users(search):
            if user.id == who.id:
                continue
            match = Match(
                label=user.display_name or user.username,
                value=MatchValue(
                    share_type=0, share_with=user.username, share_with_additional_info=user.mail
                ),
            )
            names = (user.username.lower(), user.display_name.lower(), user.mail.lower())
            (exact_users if needle in names else users).append(match)
        exact_groups: list[Match] = []
        groups: list[Match] = []
        for group in directory.list_groups(search):
            match = Match(label=group.name, value=MatchValue(share_type=1, share_with=group.name))
            (exact_groups if group.name.lower() == needle else groups).append(match)
        return ShareeData(
            exact=Exact(users=exact_users, groups=exact_groups),
            users=users[:limit],
            groups=groups[:limit],
        )

    return ocs_response(request, await run_in_threadpool(work))
