"""LibreGraph project spaces: ``POST /drives``, ``PATCH`` and ``DELETE /drives/{id}``.

- **Create** ``{"name", "description", "quota": {"total"}}`` → 201 with the
  drive. Admins and space admins only (OpenCloud's "create space"
  permission); the creator becomes the space's first Manager.
  ``?template=default`` adds ``.space/image.png`` and ``.space/readme.md``
  as its image and readme, as OpenCloud does. Without a ``quota`` the space
  gets OpenCloud's default of 1 GB (``GRAPH_SPACES_DEFAULT_QUOTA``);
  ``quota.total`` 0 means unlimited.
- **Change** ``{"name", "description", "quota": {"total"}, "special":
  [{"specialFolder": {"name": "image"|"readme"}, "id": "<item id>"}]}``
  (each optional) → 200 with the drive. Managers rename and describe; only
  admins and space admins change a quota (also of a personal space, as the
  web UI's user management does); only the space's Managers choose its image
  and readme, which must be files inside the space (``special.py``). The
  header ``Restore: T`` re-enables a disabled space; anything else on a
  disabled space is refused until it is restored.
- **Delete** → 204: disables the space (its data stays; only its managers,
  admins and space admins still see it, with ``root.deleted.state =
  "trashed"``). With ``Purge: T`` a disabled space is deleted for good (400
  while it is enabled), by admins and space admins only: a Manager who is
  neither gets 403, as in OpenCloud. Personal spaces go with their user,
  never here.

Who may not see the space gets 404; who sees it but may not do this, 403.
Everything is checked before anything changes.
"""

from __future__ import annotations

import msgspec
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response

from opencloud.api.graph.common import read_json
from opencloud.api.graph.drives import (
    Drive,
    drive_json,
    legacy_roles,
    member_names,
    parse_drive_id,
    visible_space,
)
from opencloud.api.graph.special import SpecialRef, apply_default_template, parse_special
from opencloud.api.http import context
from opencloud.api.http.responses import json_response
from opencloud.core.errors import InvalidInput, PermissionDenied
from opencloud.services.auth.types import Principal
from opencloud.services.spaces.service import check_space_name

#: OpenCloud's ``GRAPH_SPACES_DEFAULT_QUOTA``: a new project space without a quota.
DEFAULT_PROJECT_QUOTA = 1_000_000_000
#: Longest description kept (it lives in the space root's metadata).
MAX_DESCRIPTION = 4096


class QuotaBody(msgspec.Struct, kw_only=True):
    total: int | None = None


class DriveCreate(msgspec.Struct, kw_only=True, rename="camel"):
    name: str
    description: str | None = None
    quota: QuotaBody | None = None
    drive_type: str | None = None


class DrivePatch(msgspec.Struct, kw_only=True):
    name: str | None = None
    description: str | None = None
    quota: QuotaBody | None = None
    special: list[SpecialRef] | None = None


def _flag(request: Request, header: str) -> bool:
    """``Purge: T`` / ``Restore: true`` (OpenCloud's clients send either)."""
    return request.headers.get(header, "").strip().lower() in ("t", "true", "1")


def _description(value: str | None) -> str | None:
    if value is None:
        return None
    if len(value) > MAX_DESCRIPTION:
        raise InvalidInput(f"a space description may be at most {MAX_DESCRIPTION} characters")
    if "\0" in value:
        raise InvalidInput("a space description may not contain NUL")
    return value


def _quota(body: QuotaBody | None) -> int | None:
    if body is None or body.total is None:
        return None
    if body.total < 0:
        raise InvalidInput("a quota cannot be negative")
    return body.total


async def create_drive(request: Request) -> Response:
    who, spaces = context.principal(request), context.spaces(request)
    if not spaces.administers(who):
        raise PermissionDenied("you may not create spaces")
    body = await read_json(request, DriveCreate)
    if body.drive_type not in (None, "project"):
        raise InvalidInput(f"cannot create a drive of type {body.drive_type[:40]!r}")
    name = check_space_name(body.name)
    description = _description(body.description) or ""
    quota = _quota(body.quota)
    template = request.query_params.get("template", "")
    files, base_url = context.files(request), context.public_url(request)
    names, legacy = member_names(request), legacy_roles(request)
    initiator = context.initiator_id(request)

    def work() -> Drive:
        info = spaces.create_project(
            who,
            name,
            description=description,
            quota_bytes=DEFAULT_PROJECT_QUOTA if quota is None else quota,
        )
        # OpenCloud ignores a template it does not know ("none" included)
        if template == "default":
            apply_default_template(files, spaces, info.id, initiator=initiator)
        info = spaces.info(info.id)  # fresh: the drive shows the root's etag as it is now
        return drive_json(files, spaces, info, who, base_url, names=names, legacy_roles=legacy)

    response = json_response(await run_in_threadpool(work))
    response.status_code = 201
    return response


async def update_drive(request: Request) -> Response:
    who, spaces = context.principal(request), context.spaces(request)
    space_id = parse_drive_id(request.path_params["drive_id"], spaces.storage_id)
    restore = _flag(request, "restore")
    # ``Restore: T`` may come alone; any other PATCH needs a body
    body = await read_json(request, DrivePatch, empty=DrivePatch() if restore else None)
    name = check_space_name(body.name) if body.name is not None else None
    description = _description(body.description)
    quota = _quota(body.quota)
    special = parse_special(body.special or [], spaces.storage_id, space_id)
    files, base_url = context.files(request), context.public_url(request)
    names, legacy = member_names(request), legacy_roles(request)
    auth = context.auth(request)

    def work() -> Drive:
        admin = spaces.administers(who)
        info = visible_space(spaces, who, space_id, any_personal=admin)
        owner: Principal = who
        if info.kind == "personal":
            if not admin:
                raise PermissionDenied("only administrators may change a personal space")
            if name is not None or description is not None:
                raise InvalidInput("a personal space takes its name from its user")
            if special:
                raise InvalidInput("a personal space has no image or readme")
            if info.owner != who.id:
                owner = auth.principal(info.owner)
        elif not (admin or spaces.rights(who, space_id).manage):
            raise PermissionDenied("only the space's managers may change it")
        if special and not spaces.rights(who, space_id).manage:
            raise PermissionDenied("only the space's managers may set its image and readme")
        if quota is not None and not admin:
            raise PermissionDenied("only administrators and space admins may change a quota")
        disabled = spaces.is_disabled(space_id)
        if disabled and not restore:
            raise InvalidInput("the space is disabled: restore it first (header Restore: T)")
        for folder, node in special.items():  # checked before anything changes
            spaces.special_item(space_id, folder, node)
        if disabled:
            spaces.set_disabled(space_id, False)
        if info.kind == "personal":
            if quota is not None:
                spaces.update_project(space_id, quota_bytes=quota)
        elif name is not None or description is not None or quota is not None:
            spaces.update_project(space_id, name=name, description=description, quota_bytes=quota)
        spaces.set_special(space_id, special)
        info = spaces.info(space_id)
        return drive_json(files, spaces, info, owner, base_url, names=names, legacy_roles=legacy)

    return json_response(await run_in_threadpool(work))


async def delete_drive(request: Request) -> Response:
    who, spaces = context.principal(request), context.spaces(request)
    space_id = parse_drive_id(request.path_params["drive_id"], spaces.storage_id)
    purge = _flag(request, "purge")

    def work() -> None:
        info = visible_space(spaces, who, space_id)
        if info.kind != "project":
            raise PermissionDenied("a personal space is deleted with its user")
        if not (spaces.administers(who) or spaces.rights(who, space_id).manage):
            raise PermissionDenied("only the space's managers may disable or delete it")
        if not purge:
            spaces.set_disabled(space_id, True)
            return
        if not spaces.administers(who):  # OpenCloud: Managers disable, space admins delete
            raise PermissionDenied("only admins and space admins may delete a space")
        if not spaces.is_disabled(space_id):
            raise InvalidInput("a space must be disabled before it can be deleted")
        spaces.delete_project(space_id)

    await run_in_threadpool(work)
    return Response(status_code=204)
