"""The WsgiDAV side: a ``DAVProvider`` over the files service for the methods
that are not hot paths (PROPPATCH, MKCOL, DELETE, COPY, MOVE, LOCK, UNLOCK,
and writes that carry ``If`` conditions or hit a lock).

WsgiDAV only ever sees canonical URLs, ``/dav/spaces/{storage$space}/{path}``,
produced by our own resolver after the caller was authorised (``app.py``
rewrites the request path, ``Destination`` and the ``If`` header's resource
tags). Locks taken through any URL flavour therefore meet in one place, and a
path WsgiDAV derives (a member, a destination) can only name a space the
caller already reached.

Domain errors raised here propagate out of WsgiDAV unchanged (its error
printer is not installed) and are rendered by the one error table, so clients
see the same Sabre bodies as from the native handlers. WsgiDAV's own
``DAVError`` is converted by ``app.py`` the same way.
"""

from __future__ import annotations

import functools
import io
from collections.abc import Callable
from typing import Any, BinaryIO, TypeVar, cast
from urllib.parse import unquote
from xml.etree.ElementTree import Element

import msgspec
from wsgidav import xml_tools
from wsgidav.dav_error import HTTP_FORBIDDEN, DAVError
from wsgidav.dav_provider import DAVCollection, DAVNonCollection, DAVProvider

from opencloud.api.http.errors import status_for
from opencloud.api.webdav.headers import parse_mtime
from opencloud.api.webdav.propfind import dead_key
from opencloud.api.webdav.props import FAVORITE_KEY, PROTECTED, content_type
from opencloud.api.webdav.target import stat_or_none
from opencloud.core.errors import NotFound, NotSupported, OpenCloudError
from opencloud.core.ids import SpaceId
from opencloud.core.paths import join_path, normalize_path
from opencloud.services.auth.types import Principal
from opencloud.services.files.service import FilesService
from opencloud.services.spaces.rights import FULL, Rights
from opencloud.storage.protocol import Upload
from opencloud.storage.types import NodeInfo, Ref

CANONICAL_PREFIX = "/dav/spaces/"

#: The environ key where ``app.py`` leaves the request's context.
ENV_KEY = "opencloud.dav"


class DavRequestEnv(msgspec.Struct, frozen=True):
    """What the provider needs from the ASGI side for one request."""

    files: FilesService
    user: Principal
    initiator: str = ""
    #: the quoted URL of the space root as WsgiDAV sees it, and as the client
    #: addressed it: hrefs in WsgiDAV's XML replies are turned back into the latter
    canonical_base: str = ""
    client_base: str = ""
    #: the caller's rights there (and the shared node's path when reached
    #: through a share), for the ``OC-Perm`` of what MKCOL, COPY, MOVE create
    rights: Rights = FULL
    share_root: str | None = None


def canonical_url(storage_id: str, space: SpaceId, path: str) -> str:
    """The canonical, unquoted URL path WsgiDAV works with."""
    return f"{CANONICAL_PREFIX}{storage_id}${space}{'' if path == '/' else path}"


def parse_canonical(url_path: str) -> Ref:
    """Inverse of ``canonical_url`` (the storage part is checked by the caller)."""
    rest = unquote(url_path)[len(CANONICAL_PREFIX) :]
    head, _, tail = rest.partition("/")
    _, _, space = head.partition("$")
    return Ref(SpaceId(space), normalize_path(tail))


#: Set in the environ when a COPY or MOVE created its target: WsgiDAV answers
#: 204 for every natively handled one, clients expect 201 for a new resource.
CREATED_KEY = "opencloud.created"

_F = TypeVar("_F", bound=Callable[..., Any])


def dav_errors(method: _F) -> _F:
    """Raise domain errors as WsgiDAV ``DAVError``s with the table's status:
    WsgiDAV turns any other exception inside COPY/MOVE into a 500."""

    @functools.wraps(method)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return method(*args, **kwargs)
        except OpenCloudError as exc:
            raise DAVError(status_for(exc), context_info=exc.message) from exc

    return cast(_F, wrapper)


def _env(environ: dict[str, Any]) -> DavRequestEnv:
    value = environ.get(ENV_KEY)
    if not isinstance(value, DavRequestEnv):
        raise RuntimeError("WsgiDAV called without the opencloud request context")
    return value


class SpacesProvider(DAVProvider):  # type: ignore[misc]
    """Resolves canonical URLs to files and folders of the storage."""

    def get_resource_inst(self, path: str, environ: dict[str, Any]) -> _Resource | None:
        if not path.startswith(CANONICAL_PREFIX):
            return None
        env = _env(environ)
        ref = parse_canonical(path)
        try:
            node = env.files.stat(ref)
        except NotFound:
            return None
        cls = FolderResource if node.kind == "dir" else FileResource
        return cls(path, environ, env, node)

    def is_readonly(self) -> bool:
        return False


class _Common:
    """Behaviour shared by files and folders (mixed into WsgiDAV's bases)."""

    env: DavRequestEnv
    node: NodeInfo
    path: str
    environ: dict[str, Any]
    provider: Any  # set by WsgiDAV's resource base class
    get_ref_url: Callable[[], str]

    def _setup(self, env: DavRequestEnv, node: NodeInfo) -> None:
        self.env = env
        self.node = node

    @property
    def ref(self) -> Ref:
        return Ref(self.node.space, self.node.path)

    def _dest(self, dest_path: str) -> Ref:
        if not dest_path.startswith(CANONICAL_PREFIX):
            raise NotSupported("the destination is not in a space")
        return parse_canonical(dest_path)

    # ---- live properties WsgiDAV reads (LOCK replies, conditional requests)
    def get_display_name(self) -> str:
        return self.node.name

    def get_etag(self) -> str:
        return self.node.etag.strip('"')

    def get_last_modified(self) -> float:
        return self.node.mtime_ns / 1e9

    def get_creation_date(self) -> None:
        return None

    def support_etag(self) -> bool:
        return True

    def support_modified(self) -> bool:
        return True

    # ---- dead properties (PROPPATCH)
    @dav_errors
    def get_property_value(self, name: str) -> Any:
        if name in PROTECTED or name.startswith("{DAV:}"):
            return super().get_property_value(name)  # type: ignore[misc]
        stored = self.env.files.get_meta(self.ref, [dead_key(name)]).get(dead_key(name))
        if stored is None:
            raise DAVError(404)
        return xml_tools.string_to_xml(stored.decode("utf-8"))

    @dav_errors
    def set_property_value(
        self, name: str, value: Element | None, *, dry_run: bool = False
    ) -> None:
        if name in PROTECTED or name.startswith("{DAV:}"):
            raise DAVError(HTTP_FORBIDDEN, f"{name} is a live property and cannot be changed")
        if dry_run:
            return
        key = dead_key(name)
        if value is None:
            self.env.files.set_meta(self.ref, {}, remove=[key])
        elif key == FAVORITE_KEY:
            flag = (value.text or "").strip().lower() in ("1", "true")
            self.env.files.set_meta(self.ref, {key: b"1" if flag else b"0"})
        else:
            self.env.files.set_meta(self.ref, {key: _serialize(value)})

    @dav_errors
    def get_property_names(self, *, is_allprop: bool) -> list[str]:
        names: list[str] = super().get_property_names(is_allprop=is_allprop)  # type: ignore[misc]
        meta = self.env.files.get_meta(self.ref)
        return names + [
            k[len("prop:") :].replace("{}", "", 1) for k in meta if k.startswith("prop:")
        ]

    def remove_all_properties(self, *, recursive: bool) -> None:
        """Dead properties live with the node and go with it to the trash."""

    # ---- native tree operations (one driver call each, never a walk)
    def _check_unlocked(self) -> None:
        """The resource and everything below it must be unlocked or unlocked
        by the caller's tokens. (WsgiDAV's DELETE checks only the parent.)"""
        manager = self.provider.lock_manager
        if manager is None:
            return
        manager.check_write_permission(
            url=self.get_ref_url(),
            depth="infinity",
            token_list=self.environ.get("wsgidav.ifLockTokenList", []),
            principal=self.environ.get("wsgidav.user_name"),
        )

    def _drop_locks(self) -> None:
        """Locks name URLs: once the resource left this URL, they go."""
        manager = self.provider.lock_manager
        if manager is not None:
            manager.remove_all_locks_from_url(self.get_ref_url(), recursive=True)

    @dav_errors
    def handle_delete(self) -> bool:
        self._check_unlocked()
        self.env.files.delete(self.ref, initiator=self.env.initiator)
        self._drop_locks()
        return True

    @dav_errors
    def handle_move(self, dest_path: str) -> bool:
        overwrite = self.environ.get("HTTP_OVERWRITE", "T") == "T"
        dest = self._dest(dest_path)
        self._check_unlocked()
        self._note_created(dest)
        self.env.files.move(self.ref, dest, overwrite=overwrite, initiator=self.env.initiator)
        self._drop_locks()
        return True

    def _note_created(self, dest: Ref) -> None:
        self.environ[CREATED_KEY] = stat_or_none(self.env.files, dest) is None

    @dav_errors
    def handle_copy(self, dest_path: str, *, depth_infinity: bool) -> bool:
        dest = self._dest(dest_path)
        overwrite = self.environ.get("HTTP_OVERWRITE", "T") == "T"
        files = self.env.files
        self._note_created(dest)
        if self.node.kind == "dir" and not depth_infinity:
            existing = stat_or_none(files, dest)
            if existing is not None:
                files.delete(dest, initiator=self.env.initiator)
            files.mkdir(dest, initiator=self.env.initiator)
            return True
        files.copy(self.ref, dest, overwrite=overwrite, initiator=self.env.initiator)
        return True

    def support_recursive_move(self, dest_path: str) -> bool:
        return True

    def move_recursive(self, dest_path: str) -> None:
        self.handle_move(dest_path)

    def copy_move_single(self, dest_path: str, *, is_move: bool) -> None:
        if is_move:
            self.handle_move(dest_path)
        else:
            self.handle_copy(dest_path, depth_infinity=False)

    def delete(self) -> None:
        self.handle_delete()


def _serialize(value: Element) -> bytes:
    """A property element as self-contained XML, without the XML declaration
    (it is embedded in PROPFIND replies as is)."""
    data: bytes = xml_tools.xml_to_bytes(value, pretty=False)
    if data.startswith(b"<?xml"):
        data = data[data.index(b"?>") + 2 :].lstrip()
    return data


class FolderResource(_Common, DAVCollection):  # type: ignore[misc]
    def __init__(
        self, path: str, environ: dict[str, Any], env: DavRequestEnv, node: NodeInfo
    ) -> None:
        DAVCollection.__init__(self, path, environ)
        self._setup(env, node)

    @dav_errors
    def get_member_names(self) -> list[str]:
        return [child.name for child in self.env.files.list(self.ref)]

    @dav_errors
    def get_member(self, name: str) -> _Resource | None:
        ref = Ref(self.node.space, join_path(self.node.path, name))
        node = stat_or_none(self.env.files, ref)
        if node is None:
            return None
        path = self.path.rstrip("/") + "/" + name
        cls = FolderResource if node.kind == "dir" else FileResource
        return cls(path, self.environ, self.env, node)

    @dav_errors
    def create_collection(self, name: str) -> None:
        ref = Ref(self.node.space, join_path(self.node.path, name))
        self.env.files.mkdir(ref, initiator=self.env.initiator)

    @dav_errors
    def create_empty_resource(self, name: str) -> FileResource:
        """An empty file (a PUT or LOCK on a new name creates it first)."""
        ref = Ref(self.node.space, join_path(self.node.path, name))
        node = self.env.files.upload(ref, [], if_none_match="*", initiator=self.env.initiator)
        return FileResource(self.path.rstrip("/") + "/" + name, self.environ, self.env, node)

    def support_recursive_delete(self) -> bool:
        return True


class FileResource(_Common, DAVNonCollection):  # type: ignore[misc]
    def __init__(
        self, path: str, environ: dict[str, Any], env: DavRequestEnv, node: NodeInfo
    ) -> None:
        DAVNonCollection.__init__(self, path, environ)
        self._setup(env, node)
        self._upload: Upload | None = None

    def get_content_length(self) -> int:
        return self.node.size

    def get_content_type(self) -> str:
        return content_type(self.node.name)

    @dav_errors
    def get_content(self) -> BinaryIO:
        return self.env.files.open_read(self.ref)

    def support_ranges(self) -> bool:
        return True

    @dav_errors
    def begin_write(self, *, content_type: str | None = None) -> io.RawIOBase:
        self._upload = self.env.files.begin_upload(self.ref, initiator=self.env.initiator)
        return _UploadWriter(self._upload)

    @dav_errors
    def end_write(self, *, with_errors: bool) -> None:
        upload, self._upload = self._upload, None
        if upload is None:
            return
        if with_errors:
            upload.abort()
            return
        mtime = parse_mtime(self.environ.get("HTTP_X_OC_MTIME"))
        self.node = upload.commit(mtime_ns=mtime)


class _UploadWriter(io.RawIOBase):
    """The file object WsgiDAV writes a PUT body to."""

    def __init__(self, upload: Upload) -> None:
        self._upload = upload

    def writable(self) -> bool:
        return True

    def write(self, data: Any) -> int:
        chunk = bytes(data)
        self._upload.write(chunk)
        return len(chunk)


_Resource = FolderResource | FileResource
