"""Where a WebDAV URL points: the space, the path inside it, and the URL prefix
the client used for the space root (so replies use the client's own hrefs).

URL forms (``/remote.php`` is optional before every ``/dav`` and ``/webdav``):

- ``/dav/spaces/{storage$space}/{path}``: the real API; ``{storage$space!node}``
  addresses relative to that node, also for a caller who may not read the
  space but received a share that covers the node (the share's rights);
- ``/dav/spaces/{jail$jail}/{mount}/{path}`` and ``{jail$jail!share}/{path}``:
  the Shares space (``jail`` = ``a0ca6a90-…``), the caller's accepted shares
  (``mounts.py``), with each share's rights;
- ``/dav/files/{username}/{path}``: the user's personal space (legacy);
- ``/webdav/{path}``: the caller's personal space (legacy).

Paths arrive percent-decoded from the server; the raw path is checked for
encoded slashes and backslashes, which would let one segment smuggle a
separator past the name rules. ``..`` is refused, never resolved, so a URL
anchored at a node (a resource id, a share) cannot address anything above it.
"""

from __future__ import annotations

import re
from urllib.parse import quote, unquote, urlsplit

import msgspec

from opencloud.api.webdav.mounts import Mount, mounts
from opencloud.core.errors import InvalidInput, NotFound, PermissionDenied
from opencloud.core.ids import SpaceId, parse_resource_id
from opencloud.core.paths import join_path, normalize_path, split_path
from opencloud.services.auth.types import Principal
from opencloud.services.files.service import FilesService
from opencloud.services.shares.service import SharesService
from opencloud.services.shares.types import SHARE_JAIL
from opencloud.services.spaces.rights import FULL, Rights, union
from opencloud.services.spaces.service import SpacesService
from opencloud.storage.types import NodeInfo, Ref

_PREFIX = re.compile(r"^(?:/remote\.php)?(?=/)")
_ENCODED_SEPARATOR = re.compile(rb"%(?:2f|5c|00)", re.IGNORECASE)
_ENCODED_SEPARATOR_STR = re.compile(r"%(?:2f|5c|00)", re.IGNORECASE)


class DavTarget(msgspec.Struct, frozen=True):
    """A resolved WebDAV URL. ``base`` is the decoded URL path of the node at
    ``root`` (the space root, or the node a resource id or share names) as the
    client addressed it (no trailing slash); ``path`` is canonical in the space."""

    space: SpaceId
    path: str
    base: str
    rights: Rights = FULL  # the caller's, in this space (or through the share)
    root: str = "/"  # the path ``base`` names; nothing above it has an href
    #: reached through a share: the shared node's path (its recipient can
    #: neither delete nor move it) and, in the Shares space, the share's id
    share_root: str | None = None
    share_id: str = ""
    #: the Shares space itself (``path`` "/" or a name that is no mount)
    jail: bool = False
    #: a public link's root that lists less than the folder holds: the path
    #: of the one child shown (a link to a file), or "" for none (a file drop)
    listing: str | None = None
    #: inside a file drop: an upload to a taken name is stored beside it
    #: (``public.free_path``), never over it
    drop: bool = False

    def href(self, path: str | None = None, *, collection: bool = False) -> str:
        """The percent-encoded URL path of ``path`` (default: this target);
        a path outside ``root`` is never written out (the root's href instead)."""
        path = self.path if path is None else path
        root = self.root
        if root != "/":
            if path.startswith(root) and path[len(root) : len(root) + 1] in ("", "/"):
                path = path[len(root) :] or "/"
            else:
                path = "/"
        full = self.base + ("" if path == "/" else path)
        if collection or (path == "/" and root == "/"):
            full += "/"
        return quote(full, safe="/!:@&=+,;()'*~")

    def at(self, path: str) -> DavTarget:
        return msgspec.structs.replace(self, path=path)

    def child(self, name: str) -> DavTarget:
        return msgspec.structs.replace(self, path=join_path(self.path, name))


class NotDav(Exception):
    """The URL is not a WebDAV resource URL (e.g. ``/dav/`` itself)."""


def split_dav_path(path: str) -> tuple[str, str]:
    """``(namespace, rest)`` with the optional ``/remote.php`` removed:
    ``("webdav", "/a")``, ``("files", "alan/a")``, ``("spaces", "id/a")``…"""
    path = _PREFIX.sub("", path, count=1)
    if path == "/webdav" or path.startswith("/webdav/"):
        return "webdav", path[len("/webdav") :]
    if path.startswith("/dav/"):
        namespace, _, rest = path[len("/dav/") :].partition("/")
        return namespace, rest
    return "", path


def check_raw_path(raw_path: bytes | None) -> None:
    """Refuse percent-encoded ``/``, ``\\`` and NUL in the URL path."""
    if raw_path and _ENCODED_SEPARATOR.search(raw_path):
        raise InvalidInput("encoded slashes, backslashes and NUL are not allowed in a URL path")


def resolve_url(resolver: TargetResolver, url: str, user: Principal) -> DavTarget:
    """A ``Destination`` (full URL or bare path) as a target of this caller;
    InvalidInput for anything that is no WebDAV resource URL."""
    parts = urlsplit(url.strip())
    if _ENCODED_SEPARATOR_STR.search(parts.path):
        raise InvalidInput("encoded slashes, backslashes and NUL are not allowed in a URL path")
    path = unquote(parts.path)
    if not path.startswith("/"):
        raise InvalidInput(f"not a URL path: {url[:100]!r}")
    try:
        return resolver.resolve(path, user)
    except NotDav:
        raise InvalidInput(f"the destination is not a WebDAV resource: {url[:100]!r}") from None


def may_write(files: FilesService, target: DavTarget, ref: Ref | None = None) -> bool:
    """Whether writing file content to ``ref`` (default: the target) replaces
    something, if the caller may: creating and overwriting are separate rights
    (an uploader may add files but not replace them), and nothing can be added
    to the Shares space itself."""
    if target.jail:
        raise PermissionDenied("nothing can be added to the Shares space itself")
    if stat_or_none(files, ref or Ref(target.space, target.path)) is None:
        target.rights.require("create", "add files here")
        return False
    target.rights.require("update", "change this file")
    return True


def stat_or_none(files: FilesService, ref: Ref) -> NodeInfo | None:
    """What ``ref`` names now, or None."""
    try:
        return files.stat(ref)
    except NotFound:
        return None


def meta_or_none(files: FilesService, node: NodeInfo) -> dict[str, bytes] | None:
    """The metadata of ``node``, or None when it is gone (listed a moment ago)."""
    try:
        return files.get_meta(Ref(node.space, node.path))
    except NotFound:
        return None


class TargetResolver:
    """Turns URL paths into targets for one caller.

    Cheap enough to run on the event loop: no storage access, except the first
    time a user's personal space is reached (it is created then), for the
    rare ``{space!node}`` form, which looks the node up, and for the Shares
    space, which stats the caller's shared items (shares are in memory)."""

    def __init__(
        self, spaces: SpacesService, files: FilesService, shares: SharesService | None = None
    ) -> None:
        self._spaces = spaces
        self._files = files
        self._shares = shares

    def resolve(self, url_path: str, user: Principal) -> DavTarget:
        """NotFound for a space the user may not reach (or that does not exist),
        InvalidInput/PathEscapes for a malformed path, NotDav for a URL that
        names no space at all."""
        namespace, rest = split_dav_path(url_path)
        prefix = url_path[: len(url_path) - len(rest)].rstrip("/")
        if namespace == "webdav":
            return DavTarget(self._spaces.personal_id(user), normalize_path(rest), prefix)
        head, _, tail = rest.partition("/")
        if not head:
            raise NotDav(url_path)
        base = prefix + "/" + head
        if namespace == "files":
            if head != user.username:
                raise NotFound(f"no user {head!r} visible to you")
            return DavTarget(self._spaces.personal_id(user), normalize_path(tail), base)
        if namespace == "spaces":
            return self._space_target(head, tail, base, user)
        raise NotDav(url_path)

    def _space_target(self, head: str, tail: str, base: str, user: Principal) -> DavTarget:
        storage, _, rest = head.partition("$")
        if not rest:
            raise NotFound(f"no space {head!r}")
        space_part, _, node = rest.partition("!")
        if storage == SHARE_JAIL and space_part == SHARE_JAIL and self._shares is not None:
            return self._jail_target(self._shares, node, tail, base, user)
        if storage != self._files.storage_id:
            raise NotFound(f"no space {head!r}")
        space = SpaceId(space_part)
        rights = self._spaces.rights(user, space)
        if not node:
            if not rights.read:
                raise NotFound(f"no space {head!r}")
            return DavTarget(space, normalize_path(tail), base, rights)
        _, _, node_id = parse_resource_id(head)
        below = normalize_path(tail)  # refuses '..' before anything is looked up
        try:
            anchor = self._files.stat_id(space, node_id)
        except NotFound:
            raise NotFound(f"no space {head!r}") from None
        path = anchor.path if below == "/" else join_path(anchor.path, below[1:])
        if rights.read:
            return DavTarget(space, path, base, rights, root=anchor.path)
        covering = self._shares.covering(user, anchor) if self._shares is not None else []
        if not covering:
            raise NotFound(f"no space {head!r}")
        granted = union(*(rights for rights, _ in covering))
        share_root = max((node.path for _, node in covering), key=len)
        return DavTarget(space, path, base, granted, root=anchor.path, share_root=share_root)

    def _jail_target(
        self, shares: SharesService, share_id: str, tail: str, base: str, user: Principal
    ) -> DavTarget:
        """``/dav/spaces/{jail$jail}[/{mount}]/…`` or ``{jail$jail!share}/…``."""
        names = split_path(tail)  # refuses '..' and bad names before any lookup
        if not share_id and not names:  # the Shares space itself
            return DavTarget(SpaceId(SHARE_JAIL), "/", base, _JAIL_RIGHTS, jail=True)
        found = mounts(shares, user)
        if share_id:
            mount = next((m for m in found if m.share.id == share_id), None)
            if mount is None:
                raise NotFound("no such share in your Shares space")
            return _share_target(shares, user, mount, names, base)
        mount = next((m for m in found if m.name == names[0]), None)
        if mount is not None:
            return _share_target(shares, user, mount, names[1:], base + "/" + names[0])
        if len(names) > 1:
            raise NotFound("no such share in your Shares space")
        # a name at the root that is no mount: reading it is 404, writing
        # there 403 (nothing can be added to the Shares space itself)
        return DavTarget(SpaceId(SHARE_JAIL), "/" + names[0], base, _JAIL_RIGHTS, jail=True)


#: The Shares space itself is read-only: only its mounts can be written into.
_JAIL_RIGHTS = Rights(read=True)


def _share_target(
    shares: SharesService, user: Principal, mount: Mount, names: list[str], base: str
) -> DavTarget:
    """A path below a mount: ``base`` names the shared item."""
    node = mount.node
    path = join_path(node.path, "/".join(names)) if names else node.path
    return DavTarget(
        SpaceId(node.space),
        path,
        base,
        shares.rights(user, mount.share),
        root=node.path,
        share_root=node.path,
        share_id=mount.share.id,
    )
