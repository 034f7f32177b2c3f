"""Where a WebDAV URL points: the space, the path inside it, and the URL prefix
the client used for the space root (so replies use the client's own hrefs).

URL forms (``/remote.php`` is optional before every ``/dav`` and ``/webdav``):

- ``/dav/spaces/{storage$space}/{path}``: the real API; ``{storage$space!node}``
  addresses relative to that node;
- ``/dav/files/{username}/{path}``: the user's personal space (legacy);
- ``/webdav/{path}``: the caller's personal space (legacy).

Paths arrive percent-decoded from the server; the raw path is checked for
encoded slashes and backslashes, which would let one segment smuggle a
separator past the name rules.
"""

from __future__ import annotations

import re
from urllib.parse import quote

import msgspec

from opencloud.core.errors import InvalidInput, NotFound
from opencloud.core.ids import SpaceId, parse_resource_id
from opencloud.core.paths import join_path, normalize_path
from opencloud.services.auth.types import Principal
from opencloud.services.files.service import FilesService
from opencloud.services.spaces.rights import FULL, Rights
from opencloud.services.spaces.service import SpacesService

_PREFIX = re.compile(r"^(?:/remote\.php)?(?=/)")
_ENCODED_SEPARATOR = re.compile(rb"%(?:2f|5c|00)", re.IGNORECASE)


class DavTarget(msgspec.Struct, frozen=True):
    """A resolved WebDAV URL. ``base`` is the decoded URL path of the space root
    as the client addressed it (no trailing slash); ``path`` is canonical."""

    space: SpaceId
    path: str
    base: str
    rights: Rights = FULL  # the caller's, in this space

    def href(self, path: str | None = None, *, collection: bool = False) -> str:
        """The percent-encoded URL path of ``path`` (default: this target)."""
        path = self.path if path is None else path
        full = self.base + ("" if path == "/" else path)
        if collection or path == "/":
            full += "/"
        return quote(full, safe="/!:@&=+,;()'*~")

    def at(self, path: str) -> DavTarget:
        return DavTarget(self.space, path, self.base, self.rights)

    def child(self, name: str) -> DavTarget:
        return DavTarget(self.space, join_path(self.path, name), self.base, self.rights)


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


class TargetResolver:
    """Turns URL paths into targets for one caller.

    Cheap enough to run on the event loop: no storage access, except the first
    time a user's personal space is reached (it is created then) and for the
    rare ``{space!node}`` form, which looks the node up."""

    def __init__(self, spaces: SpacesService, files: FilesService) -> None:
        self._spaces = spaces
        self._files = files

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
        if storage != self._files.storage_id:
            raise NotFound(f"no space {head!r}")
        space = SpaceId(space_part)
        rights = self._spaces.rights(user, space)
        if not rights.read:
            raise NotFound(f"no space {head!r}")
        if not node:
            return DavTarget(space, normalize_path(tail), base, rights)
        _, _, node_id = parse_resource_id(head)
        anchor = self._files.stat_id(space, node_id)
        return DavTarget(space, normalize_path(anchor.path + "/" + tail), base, rights)
