"""The Shares space itself (``/dav/spaces/{jail$jail}``): a read-only folder
whose entries are the caller's accepted shares (``mounts.py``).

Only its root is handled here; a URL below a mount resolves to the shared
item (``target.py``) and goes to the ordinary handlers with the share's
rights. Writes at the root were refused before this is reached (the root's
rights are read-only); what is left is PROPFIND, GET and HEAD.

Each mount is shown with the shared item's own properties (id, etag, size…,
read live, so a change inside shows at once) under its mount name, plus
``oc:shareid`` and ``S``/``M`` in ``oc:permissions``.
"""

from __future__ import annotations

import msgspec
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response

from opencloud.api.webdav.mounts import Mount, jail_root, mounts
from opencloud.api.webdav.multistatus import parse_depth, prefers_minimal, response, small_body
from opencloud.api.webdav.propfind import (
    MULTISTATUS_OPEN,
    PropfindRequest,
    needs,
    parse_propfind,
    render_response,
    wanted,
)
from opencloud.api.webdav.props import EntryContext
from opencloud.api.webdav.target import DavTarget, meta_or_none
from opencloud.core.errors import Conflict, NotFound
from opencloud.services.auth.types import Principal
from opencloud.services.files.service import FilesService
from opencloud.services.shares.service import SharesService
from opencloud.services.shares.types import SHARE_JAIL

#: ``oc:spaceid`` of the Shares space, and ``oc:id`` of its root.
JAIL_SPACE_ID = f"{SHARE_JAIL}${SHARE_JAIL}"
JAIL_ROOT_ID = f"{JAIL_SPACE_ID}!{SHARE_JAIL}"


async def handle(
    request: Request,
    *,
    files: FilesService,
    shares: SharesService,
    user: Principal,
    target: DavTarget,
    base_url: str,
) -> Response:
    """PROPFIND, GET or HEAD on the Shares space (``target.jail``)."""
    if target.path != "/":
        raise NotFound(f"no share mounted as {target.path[1:][:80]!r}")
    if request.method != "PROPFIND":
        raise Conflict("the Shares space is a folder: GET needs a file")
    depth = parse_depth(request.headers.get("depth"))
    parsed = parse_propfind(await small_body(request))
    minimal = prefers_minimal(request)

    def render() -> bytes:
        return _listing(
            files=files,
            shares=shares,
            user=user,
            target=target,
            parsed=parsed,
            children=depth == "1",
            base_url=base_url,
            minimal=minimal,
        )

    return response(await run_in_threadpool(render), minimal=minimal)


def _listing(
    *,
    files: FilesService,
    shares: SharesService,
    user: Principal,
    target: DavTarget,
    parsed: PropfindRequest,
    children: bool,
    base_url: str,
    minimal: bool,
) -> bytes:
    found = mounts(shares, user)
    with_meta = "meta" in needs(wanted(parsed))
    root_ctx = EntryContext(
        resource_id=lambda n: JAIL_ROOT_ID,
        parent_id=lambda n: "",
        space_id=JAIL_SPACE_ID,
        owner_id=user.username,
        owner_name=user.display_name,
        base_url=base_url,
        rights=target.rights,
    )
    root = jail_root(found)
    parts = [
        MULTISTATUS_OPEN,
        render_response(target, root, {} if with_meta else None, parsed, root_ctx, minimal=minimal),
    ]
    if children:
        for mount in found:
            node = msgspec.structs.replace(mount.node, name=mount.name)
            meta = meta_or_none(files, node) if with_meta else None
            ctx = _mount_context(files, shares, user, mount, base_url)
            at = DavTarget(
                node.space,
                node.path,
                target.base + "/" + mount.name,
                ctx.rights,
                root=node.path,
                share_root=node.path,
                share_id=mount.share.id,
            )
            parts.append(render_response(at, node, meta, parsed, ctx, minimal=minimal))
    parts.append("</d:multistatus>")
    return "".join(parts).encode("utf-8", "surrogateescape")


def _mount_context(
    files: FilesService, shares: SharesService, user: Principal, mount: Mount, base_url: str
) -> EntryContext:
    owner = mount.share.owner or mount.share.creator
    return EntryContext(
        resource_id=lambda n: files.resource_id(n.space, n.id),
        parent_id=lambda n: JAIL_ROOT_ID,  # a mount's parent is the Shares space
        space_id=files.space_id(mount.node.space),
        owner_id=owner,
        owner_name=owner,
        base_url=base_url,
        rights=shares.rights(user, mount.share),
        share_root=mount.node.path,
        share_id=mount.share.id,
    )
