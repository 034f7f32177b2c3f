"""Helpers the Graph user and group endpoints share: request bodies, query
options, admin checks, and the JSON shapes of users and groups.

Bodies are decoded straight into msgspec Structs: a value of the wrong type, or
JSON that does not parse, is a 400 ``invalidRequest`` naming the field; fields
the server does not keep (``givenName``, ``surname``, …) are ignored, as Graph
clients send more than a server has to store. Bodies over 1 MiB are refused
with 413 before they are read in full.
"""

from __future__ import annotations

from typing import TypeVar

import msgspec
from starlette.requests import Request

from opencloud.api.http.body import read_body
from opencloud.core.errors import InvalidInput, PermissionDenied
from opencloud.services.auth.records import Group, User
from opencloud.services.auth.types import Principal

MAX_BODY = 1 << 20

_T = TypeVar("_T")


async def read_json(
    request: Request, kind: type[_T], *, limit: int = MAX_BODY, empty: _T | None = None
) -> _T:
    """The request body decoded as ``kind``; InvalidInput / TooLarge otherwise.
    ``empty``: what an empty body means (else an empty body is InvalidInput)."""
    body = await read_body(request, limit)
    if not body.strip():
        if empty is not None:
            return empty
        raise InvalidInput("the request needs a JSON body")
    try:
        return msgspec.json.decode(body, type=kind)
    except msgspec.ValidationError as exc:
        raise InvalidInput(f"invalid request body: {exc}") from exc
    except msgspec.DecodeError as exc:
        raise InvalidInput(f"the request body is not valid JSON: {exc}") from exc


def require_admin(who: Principal) -> None:
    if who.role != "admin":
        raise PermissionDenied("only administrators may do this")


def expansions(request: Request) -> set[str]:
    """The names in ``$expand`` (comma-separated)."""
    return {part.strip() for part in request.query_params.get("$expand", "").split(",") if part}


def search_term(request: Request) -> str:
    """``$search`` without the double quotes Graph puts around it."""
    value = request.query_params.get("$search", "").strip()
    if len(value) >= 2 and value[0] == value[-1] == '"':
        value = value[1:-1]
    return value.strip()


def odata_id(value: str) -> str:
    """The id at the end of an ``@odata.id`` / ``@odata.bind`` URL
    (``https://…/graph/v1.0/users/<id>``), or the value itself if it is a bare id."""
    tail = value.rstrip("/").rsplit("/", 1)[-1]
    if not tail:
        raise InvalidInput(f"invalid @odata reference {value[:80]!r}")
    return tail


# ---------------------------------------------------------------- JSON shapes
class GroupRef(msgspec.Struct, frozen=True, kw_only=True, rename="camel"):
    id: str
    display_name: str


class GraphUser(msgspec.Struct, frozen=True, kw_only=True, rename="camel"):
    id: str
    display_name: str
    #: left out when the user has no address, as OpenCloud does
    mail: str | msgspec.UnsetType = msgspec.UNSET
    on_premises_sam_account_name: str
    account_enabled: bool | msgspec.UnsetType = msgspec.UNSET
    user_type: str = "Member"
    member_of: list[GroupRef] | msgspec.UnsetType = msgspec.UNSET


class GraphGroup(msgspec.Struct, frozen=True, kw_only=True, rename="camel"):
    id: str
    display_name: str
    description: str | msgspec.UnsetType = msgspec.UNSET
    group_types: list[str] = msgspec.field(default_factory=list)
    members: list[GraphUser] | msgspec.UnsetType = msgspec.UNSET


def user_json(user: User, *, groups: list[Group] | None = None, full: bool = True) -> GraphUser:
    """``full``: what an admin sees (``accountEnabled`` too); else the public fields."""
    return GraphUser(
        id=user.id,
        display_name=user.display_name,
        mail=user.mail or msgspec.UNSET,
        on_premises_sam_account_name=user.username,
        account_enabled=user.enabled if full else msgspec.UNSET,
        member_of=[GroupRef(id=g.id, display_name=g.name) for g in groups]
        if groups is not None
        else msgspec.UNSET,
    )


def group_json(group: Group, *, members: list[User] | None = None) -> GraphGroup:
    return GraphGroup(
        id=group.id,
        display_name=group.name,
        description=group.description or msgspec.UNSET,
        members=[user_json(u, full=False) for u in members]
        if members is not None
        else msgspec.UNSET,
    )
