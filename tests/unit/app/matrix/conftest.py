"""One fresh scene per cell of the permission matrix, on the real app, auth
and posix driver.

``alan`` owns the data: a folder ``/Shared`` holding ``doc.txt`` and, beside
it, ``/Other/inside.txt``, in his personal space or (for the space roles) in
a project space he manages. ``mary`` is the actor whose role is under test,
``rita`` the one she tries to share with. Scenes are built through the
services (not the surfaces under test) and every request is mary's.

What mary sees as "the scope" depends on her role:

- owner (she is alan), space roles: ``/dav/spaces/{drive}/Shared``;
- folder share roles: her Shares space, ``/dav/spaces/{jail}/Shared``;
- FileEditor: the shared file itself, ``/dav/spaces/{jail}/doc.txt``;
- stranger: alan's ``/Shared``, which she may not see.

When mary holds a share role, alan has shared the same item with ``ruth`` too.
"""

from __future__ import annotations

import hashlib
import itertools
import os
import time
import uuid
from collections.abc import Callable, Iterator
from typing import Any, Literal, TypeVar

import httpx2 as httpx
import msgspec
import pytest
from starlette.testclient import TestClient

from opencloud.app.factory import create_app
from opencloud.config.load import ENV_ALIASES
from opencloud.config.schema import Settings, StorageSettings
from opencloud.core.errors import NotFound
from opencloud.core.ids import NodeId, SpaceId
from opencloud.services.auth.service import AuthService
from opencloud.services.auth.types import Principal
from opencloud.services.files.service import FilesService
from opencloud.services.shares.links import LinksService
from opencloud.services.shares.service import SharesService
from opencloud.services.shares.types import SHARE_JAIL
from opencloud.services.spaces import roles
from opencloud.services.spaces.service import SpacesService
from opencloud.storage.registry import load_driver
from opencloud.storage.types import Ref

Role = Literal[
    "owner",
    "manager",
    "space-editor",
    "space-viewer",
    "viewer",
    "editor",
    "file-editor",
    "uploader",
    "stranger",
]

ORIGINAL = b"original content"
CHANGED = b"changed content"
INSIDE = b"moved in"

DOC = "/Shared/doc.txt"
INSIDE_PATH = "/Other/inside.txt"
JAIL_DRIVE = f"{SHARE_JAIL}${SHARE_JAIL}"
BETA = "/graph/v1beta1"
OCS_SHARES = "/ocs/v2.php/apps/files_sharing/api/v1/shares?format=json"

_SPACE_ROLES = {
    "manager": roles.MANAGER,
    "space-editor": roles.SPACE_EDITOR,
    "space-viewer": roles.SPACE_VIEWER,
}
_SHARE_ROLES = {
    "viewer": roles.VIEWER,
    "editor": roles.EDITOR,
    "uploader": roles.UPLOADER,
    "file-editor": roles.FILE_EDITOR,
}


_T = TypeVar("_T")


class Entry(msgspec.Struct, frozen=True):
    kind: str
    etag: str
    digest: str  # sha1 of a file's content, "" for a folder


class Snapshot(msgspec.Struct, frozen=True):
    """Everything a refused request must leave as it was."""

    data: dict[str, Entry]  # the space holding the scope, path → entry
    mine: dict[str, Entry]  # the actor's personal space
    trash: tuple[str, ...]  # trash keys of both
    shares: tuple[str, ...]  # shares of the scope
    links: tuple[str, ...]  # links of the scope


class Scene:
    """A built scene: who acts, where the data is and how mary reaches it."""

    def __init__(
        self,
        *,
        client: TestClient,
        files: FilesService,
        shares: SharesService,
        links: LinksService,
        actor: Principal,
        token: str,
        recipient: Principal,
        space: SpaceId,
        scope: str,
        dav: str,
        outside: str,
        outside_ref: Ref,
        inside_src: Ref,
        inside_url: str,
        received: bool,
    ) -> None:
        self.client = client
        self.files = files
        self.shares = shares
        self.links = links
        self.actor = actor
        self.headers = {"Authorization": f"Bearer {token}"}
        self.recipient = recipient
        self.space = space  # where the scope lives
        self.scope = scope  # its path there: "/Shared", or "/Shared/doc.txt" for a file share
        self.dav = dav  # its WebDAV URL as mary sees it
        self.outside = outside  # a WebDAV URL outside the scope to move doc.txt to
        self.outside_ref = outside_ref  # where that is on the storage
        self.inside_src = inside_src  # a file outside the scope to move in
        self.inside_url = inside_url  # its WebDAV URL as mary sees it
        self.received = received  # mary holds a share role

    # ---- addressing
    @property
    def drive(self) -> str:
        return self.files.space_id(self.space)

    @property
    def mine(self) -> SpaceId:
        return SpaceId(self.actor.id)

    @property
    def file_scope(self) -> bool:
        return self.scope == DOC

    @property
    def doc_url(self) -> str:
        return self.dav if self.file_scope else f"{self.dav}/doc.txt"

    def url(self, name: str) -> str:
        """The WebDAV URL of ``name`` in the scope folder."""
        return f"{self.dav}/{name}"

    @property
    def scope_id(self) -> str:
        node = self.files.stat(Ref(self.space, self.scope))
        return self.files.resource_id(self.space, node.id)

    def trash_url(self, key: str) -> str:
        return f"/remote.php/dav/spaces/trash-bin/{self.drive}/{key}"

    # ---- requests, as the actor
    def request(self, method: str, url: str, **kwargs: Any) -> httpx.Response:
        headers = {**self.headers, **kwargs.pop("headers", {})}
        return self.client.request(method, url, headers=headers, **kwargs)

    def move(self, src: str, dst: str) -> httpx.Response:
        return self.request("MOVE", src, headers={"Destination": dst, "Overwrite": "F"})

    # ---- what the storage says (behind every API)
    def content(self, path: str, space: SpaceId | None = None) -> bytes | None:
        """A file's content, or None when nothing is there."""
        try:
            with self.files.open_read(Ref(space or self.space, path)) as stream:
                return stream.read()
        except NotFound:
            return None

    def trash(self, space: SpaceId | None = None) -> list[str]:
        return [item.original_path for item in self.files.list_trash(space or self.space)]

    def scope_shares(self) -> list[str]:
        node = self.files.stat(Ref(self.space, self.scope))
        return sorted(s.grantee for s in self.shares.of_node(self.space, node.id))

    def scope_links(self) -> list[str]:
        node = self.files.stat(Ref(self.space, self.scope))
        return sorted(link.type for link in self.links.of_node(self.space, node.id))

    def snapshot(self) -> Snapshot:
        try:
            node_id = str(self.files.stat(Ref(self.space, self.scope)).id)
        except NotFound:
            node_id = ""  # the shared file itself is in the trash (restore)
        return Snapshot(
            data=self._tree(self.space),
            mine=self._tree(self.mine),
            trash=tuple(
                sorted(i.key for s in (self.space, self.mine) for i in self.files.list_trash(s))
            ),
            shares=tuple(sorted(s.id for s in self.shares.of_node(self.space, NodeId(node_id)))),
            links=tuple(sorted(x.id for x in self.links.of_node(self.space, node_id))),
        )

    def _tree(self, space: SpaceId) -> dict[str, Entry]:
        found: dict[str, Entry] = {}
        pending = ["/"]
        while pending:
            path = pending.pop()
            node = self.files.stat(Ref(space, path))
            digest = ""
            if node.kind == "dir":
                pending += [child.path for child in self.files.list(Ref(space, path))]
            else:
                digest = hashlib.sha1(self.content(path, space) or b"").hexdigest()
            found[path] = Entry(node.kind, node.etag, digest)
        return found


@pytest.fixture(scope="module")
def app_client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    """One app for the whole matrix: each cell builds its own users, spaces
    and files in it, so cells share nothing but the process (an app per
    cell would spend most of the run starting and stopping)."""
    data = tmp_path_factory.mktemp("matrix")
    settings = Settings(
        data_path=str(data),
        storage=StorageSettings(storage_id=str(uuid.uuid4()), options={"watch": "off"}),
    )
    with pytest.MonkeyPatch.context() as env:
        for name in list(os.environ):
            if name.startswith(("OC_", "PROXY_", "STORAGE_USERS_")) or name in ENV_ALIASES:
                env.delenv(name)
        driver = load_driver("posix", {"base_data_path": str(data), "watch": "off"})
        try:
            with TestClient(create_app(settings, driver=driver)) as test_client:
                index = getattr(getattr(driver, "tree", None), "index", None)
                deadline = time.monotonic() + 10
                while index is not None and not index.scanned and time.monotonic() < deadline:
                    time.sleep(0.005)  # let the startup scan finish before creating spaces
                yield test_client
        finally:
            driver.close()


def _service(client: TestClient, name: str, kind: type[_T]) -> _T:
    service = client.app_state[name]
    assert isinstance(service, kind)
    return service


_numbers = itertools.count(1)


@pytest.fixture
def build(app_client: TestClient) -> Callable[[Role], Scene]:
    """``build(role)``: a fresh scene in which mary holds ``role``."""
    auth = _service(app_client, "auth", AuthService)
    files = _service(app_client, "files", FilesService)
    spaces = _service(app_client, "spaces", SpacesService)
    shares = _service(app_client, "shares", SharesService)
    links = _service(app_client, "links", LinksService)

    def user(name: str, role: str = "user") -> Principal:
        auth.create_user(name, "", display_name=name.title(), role=role)
        principal = auth.principal(name)
        spaces.personal(principal)
        return principal

    def populate(space: SpaceId) -> None:
        files.mkdir(Ref(space, "/Shared"))
        files.mkdir(Ref(space, "/Other"))
        files.upload(Ref(space, DOC), [ORIGINAL])
        files.upload(Ref(space, INSIDE_PATH), [INSIDE])

    def scene(role: Role) -> Scene:
        n = next(_numbers)
        alan = user(f"alan{n}", "spaceadmin")
        mary = alan if role == "owner" else user(f"mary{n}")
        rita = user(f"rita{n}")
        space = SpaceId(alan.id)
        if role in _SPACE_ROLES:
            space = spaces.create_project(alan, "Apollo").id
            spaces.set_member(space, "u", mary.id, _SPACE_ROLES[role], creator=alan.id)
        populate(space)
        scope = DOC if role == "file-editor" else "/Shared"
        if role in _SHARE_ROLES:
            node = files.stat(Ref(space, scope))
            shares.create(
                alan, space, node.id, grantee_kind="u", grantee=mary.id, given=_SHARE_ROLES[role]
            )
            # someone else received it too: a recipient does not see that
            ruth = user(f"ruth{n}")
            shares.create(
                alan, space, node.id, grantee_kind="u", grantee=ruth.id, given=roles.VIEWER
            )
        drive = files.space_id(space)
        mine = files.space_id(SpaceId(mary.id))
        token, _ = auth.issue_jwt(mary)
        dav = f"/remote.php/dav/spaces/{drive}/Shared"
        outside = f"/remote.php/dav/spaces/{drive}/Other/doc.txt"
        outside_ref = Ref(space, "/Other/doc.txt")
        inside_src = Ref(space, INSIDE_PATH)
        if role in _SHARE_ROLES or role == "stranger":
            # a recipient sees nothing of alan's space beyond the share: what
            # is "outside" is her own space (a move between spaces)
            if role in _SHARE_ROLES:
                dav = f"/remote.php/dav/spaces/{JAIL_DRIVE}/{scope.rpartition('/')[2]}"
            outside = f"/remote.php/dav/spaces/{mine}/doc.txt"
            outside_ref = Ref(SpaceId(mary.id), "/doc.txt")
            inside_src = Ref(SpaceId(mary.id), "/inside.txt")
            files.upload(inside_src, [INSIDE])
        inside_url = f"/remote.php/dav/spaces/{files.space_id(inside_src.space)}{inside_src.path}"
        return Scene(
            client=app_client,
            files=files,
            shares=shares,
            links=links,
            actor=mary,
            token=token,
            recipient=rita,
            space=space,
            scope=scope,
            dav=dav,
            outside=outside,
            outside_ref=outside_ref,
            inside_src=inside_src,
            inside_url=inside_url,
            received=role in _SHARE_ROLES,
        )

    return scene
