"""The permission matrix: every role, every operation, every surface.

The expected outcome of each cell is in the tables below, read from
OpenCloud's role definitions (``services/graph/pkg/unifiedrole/roles.go``,
whose permissions are reva's ``pkg/conversions/role.go``), not from this
implementation:

- Viewer, SpaceViewer: stat, list, download (SpaceViewer also lists the
  trash, but may not restore from it);
- Editor (folder): also upload, create, delete, move, restore from the trash;
- FileEditor (file): view and upload (overwrite) the one file; no delete, no move;
- EditorLite ("Uploader"): view and create (see the note in ``WEBDAV``);
- SpaceEditor: everything an Editor may, in the whole space, plus versions;
- Manager and a personal space's owner: everything, including sharing;
- nobody else may share or create links: every item role and the
  SpaceEditor/SpaceViewer lack ``AddGrant``, which reva's share and
  public-link providers require (resharing is off).

A cell's test builds a fresh scene (``conftest.py``), takes a snapshot of
everything the request could change, sends one request as the actor, and
checks: an allowed operation succeeded and had its effect on the storage; a
refused one answered 4xx and left the snapshot (trees, etags, contents,
trash, shares and links) as it was.
"""

from __future__ import annotations

import base64
from collections.abc import Callable
from typing import Literal

import httpx2 as httpx
import pytest

from opencloud.services.spaces import roles
from opencloud.storage.types import Ref

from .conftest import (
    BETA,
    CHANGED,
    DOC,
    INSIDE,
    OCS_SHARES,
    ORIGINAL,
    Role,
    Scene,
)

Surface = Literal["webdav", "graph", "ocs"]
Op = Literal[
    "list",
    "read",
    "create",
    "mkdir",
    "upload",
    "copy",
    "overwrite",
    "rename",
    "move-out",
    "move-in",
    "delete",
    "restore",
    "permissions",
    "share",
    "link",
]


class Skip:
    """A cell that does not exist, and why."""

    def __init__(self, reason: str) -> None:
        self.reason = reason


Cell = bool | Skip
Y, n = True, False

#: Not applicable: FileEditor's scope is a file, nothing can be added,
#: copied, renamed or moved into it.
NA = Skip("a file share has no folder to add to, copy or rename in, or move into")

# ---------------------------------------------------------------- the tables

WEBDAV_OPS: tuple[Op, ...] = (
    "list",  # PROPFIND Depth 1 of the scope
    "read",  # GET doc.txt
    "create",  # PUT new.txt
    "mkdir",  # MKCOL newdir
    "upload",  # TUS creation-with-upload of upload.txt
    "copy",  # COPY doc.txt → copy.txt, in the scope
    "overwrite",  # PUT doc.txt
    "rename",  # MOVE doc.txt → renamed.txt, in the scope
    "move-out",  # MOVE doc.txt out of the scope (see conftest.py: where to)
    "move-in",  # MOVE a file from outside into the scope
    "delete",  # DELETE doc.txt
    "restore",  # MOVE trash-bin/{space}/{key} back (alan deleted doc.txt)
)

# Moves "out" of and "in" to a share go to and come from the recipient's own
# space: OpenCloud moves nothing between spaces (reva answers 502, clients
# copy and delete), we answer 400; either way nothing moves, whatever the role.
# A share's recipient never reaches the trash: it belongs to the owner's space
# (reva checks ListRecycle/RestoreRecycleItem on the space root, where a
# recipient holds no grant), so Editor's RestoreRecycleItem has no path in.
WEBDAV: dict[Role, tuple[Cell, ...]] = {
    # role           list read create mkdir upload copy overwr rename m-out m-in delete restore
    "owner":        (Y,   Y,   Y,     Y,    Y,     Y,   Y,     Y,     Y,    Y,   Y,     Y),
    "manager":      (Y,   Y,   Y,     Y,    Y,     Y,   Y,     Y,     Y,    Y,   Y,     Y),
    "space-editor": (Y,   Y,   Y,     Y,    Y,     Y,   Y,     Y,     Y,    Y,   Y,     Y),
    "space-viewer": (Y,   Y,   n,     n,    n,     n,   n,     n,     n,    n,   n,     n),
    "viewer":       (Y,   Y,   n,     n,    n,     n,   n,     n,     n,    n,   n,     n),
    "editor":       (Y,   Y,   Y,     Y,    Y,     Y,   Y,     Y,     n,    n,   Y,     n),
    # the share is the file itself; deleting or moving it is not the
    # recipient's to do (FileEditor has neither Delete nor Move)
    "file-editor":  (Y,   Y,   NA,    NA,   NA,    NA,  Y,     NA,    n,    NA,  n,     n),
    # Deliberately stricter than OpenCloud: its EditorLite carries CS3 Move
    # and InitiateFileUpload, so decomposedfs would let it rename and
    # overwrite, while the role's advertised rights (OCS bits: create only;
    # letters: CK, no W or NV; "View, download and upload.") say no. We
    # follow the advertised rights: an uploader adds, never replaces.
    "uploader":     (Y,   Y,   Y,     Y,    Y,     Y,   n,     n,     n,    n,   n,     n),
    "stranger":     (n,   n,   n,     n,    n,     n,   n,     n,     n,    n,   n,     n),
}  # fmt: skip

GRAPH_OPS: tuple[Op, ...] = (
    "permissions",  # GET /drives/{d}/items/{scope}/permissions
    "share",  # POST …/invite rita as Viewer
    "link",  # POST …/createLink type view
)

# OpenCloud's ListPermissions needs only a stat of the item (the share list
# it returns is filtered by what the caller may see), so every role that
# reaches the item may list; only AddGrant (owner, Manager) creates.
GRAPH: dict[Role, tuple[Cell, ...]] = {
    # role           permissions share link
    "owner":        (Y,          Y,    Y),
    "manager":      (Y,          Y,    Y),
    "space-editor": (Y,          n,    n),
    "space-viewer": (Y,          n,    n),
    "viewer":       (Y,          n,    n),
    "editor":       (Y,          n,    n),
    "file-editor":  (Y,          n,    n),
    "uploader":     (Y,          n,    n),
    "stranger":     (n,          n,    n),
}  # fmt: skip

OCS_OPS: tuple[Op, ...] = (
    "share",  # POST shares shareType=0 (rita, read)
    "link",  # POST shares shareType=3 (read)
)

OCS: dict[Role, tuple[Cell, ...]] = {
    # role           share link
    "owner":        (Y,    Y),
    "manager":      (Y,    Y),
    "space-editor": (n,    n),
    "space-viewer": (n,    n),
    "viewer":       (n,    n),
    "editor":       (n,    n),
    "file-editor":  (n,    n),
    "uploader":     (n,    n),
    "stranger":     (n,    n),
}  # fmt: skip

#: Operations a surface does not have at all (one skipped cell each).
ABSENT: dict[Surface, tuple[tuple[Op, ...], str]] = {
    "webdav": (
        ("permissions", "share", "link"),
        "WebDAV only shows shares (oc:share-types, oc:permissions); "
        "sharing goes through Graph or OCS",
    ),
    "graph": (
        WEBDAV_OPS,
        "LibreGraph has no file operations on drive items here (children, content, "
        "upload, move, delete, restore): files are WebDAV's, as with OpenCloud's clients",
    ),
    "ocs": (
        (*WEBDAV_OPS, "permissions"),
        "the OCS share API only shares; files are WebDAV's (an item's shares are "
        "listed by Graph's permissions cell)",
    ),
}

TABLES: dict[Surface, tuple[tuple[Op, ...], dict[Role, tuple[Cell, ...]]]] = {
    "webdav": (WEBDAV_OPS, WEBDAV),
    "graph": (GRAPH_OPS, GRAPH),
    "ocs": (OCS_OPS, OCS),
}

#: Cells where the server is known to be wrong, with the bug (strict xfail).
KNOWN_BUGS: dict[tuple[Surface, Role, Op], str] = {}


def cells() -> list[object]:
    found: list[object] = []
    for surface, (ops, table) in TABLES.items():
        for role, row in table.items():
            assert len(row) == len(ops), f"{surface} {role}: {len(row)} cells for {len(ops)}"
            for op, cell in zip(ops, row, strict=True):
                name = f"{surface}-{role}-{op}"
                if isinstance(cell, Skip):
                    found.append(
                        pytest.param(
                            surface,
                            role,
                            op,
                            False,
                            id=name,
                            marks=pytest.mark.skip(reason=cell.reason),
                        )
                    )
                    continue
                bug = KNOWN_BUGS.get((surface, role, op))
                marks = [pytest.mark.xfail(strict=True, reason=bug)] if bug else []
                found.append(pytest.param(surface, role, op, cell, id=name, marks=marks))
        absent, reason = ABSENT[surface]
        for op in absent:
            found.append(
                pytest.param(
                    surface,
                    "owner",
                    op,
                    False,
                    id=f"{surface}-*-{op}",
                    marks=pytest.mark.skip(reason=f"{surface} has no {op}: {reason}"),
                )
            )
    return found


# ---------------------------------------------------------------- requests


def _trash_key(s: Scene) -> str:
    (item,) = [i for i in s.files.list_trash(s.space) if i.original_path == DOC]
    return item.key


def _items(s: Scene, what: str) -> str:
    return f"{BETA}/drives/{s.drive}/items/{s.scope_id}/{what}"


def _ocs(s: Scene, **fields: str) -> httpx.Response:
    body = {"space_ref": s.scope_id, "path": "", "permissions": "1", **fields}
    return s.request("POST", OCS_SHARES, data=body)


Request = Callable[[Scene], httpx.Response]

#: Public links need a password by default (OpenCloud's
#: ``OC_SHARING_PUBLIC_SHARE_MUST_HAVE_PASSWORD``).
LINK_PASSWORD = "Matrix-pass-1!"

REQUESTS: dict[tuple[Surface, Op], Request] = {
    ("webdav", "list"): lambda s: s.request("PROPFIND", s.dav, headers={"Depth": "1"}),
    ("webdav", "read"): lambda s: s.request("GET", s.doc_url),
    ("webdav", "create"): lambda s: s.request("PUT", s.url("new.txt"), content=b"new"),
    ("webdav", "mkdir"): lambda s: s.request("MKCOL", s.url("newdir")),
    ("webdav", "upload"): lambda s: s.request(
        "POST",
        s.dav,
        content=b"abc",
        headers={
            "Tus-Resumable": "1.0.0",
            "Upload-Length": "3",
            "Upload-Metadata": "filename " + base64.b64encode(b"upload.txt").decode(),
            "Content-Type": "application/offset+octet-stream",
        },
    ),
    ("webdav", "copy"): lambda s: s.request(
        "COPY", s.doc_url, headers={"Destination": s.url("copy.txt"), "Overwrite": "F"}
    ),
    ("webdav", "overwrite"): lambda s: s.request("PUT", s.doc_url, content=CHANGED),
    ("webdav", "rename"): lambda s: s.move(s.doc_url, s.url("renamed.txt")),
    ("webdav", "move-out"): lambda s: s.move(s.doc_url, s.outside),
    ("webdav", "move-in"): lambda s: s.move(s.inside_url, s.url("inside.txt")),
    ("webdav", "delete"): lambda s: s.request("DELETE", s.doc_url),
    ("webdav", "restore"): lambda s: s.move(s.trash_url(_trash_key(s)), s.doc_url),
    ("graph", "permissions"): lambda s: s.request("GET", _items(s, "permissions")),
    ("graph", "share"): lambda s: s.request(
        "POST",
        _items(s, "invite"),
        json={
            "recipients": [{"objectId": s.recipient.id, "@libre.graph.recipient.type": "user"}],
            "roles": [roles.VIEWER.id],
        },
    ),
    ("graph", "link"): lambda s: s.request(
        "POST", _items(s, "createLink"), json={"type": "view", "password": LINK_PASSWORD}
    ),
    ("ocs", "share"): lambda s: _ocs(s, shareType="0", shareWith=s.recipient.username),
    ("ocs", "link"): lambda s: _ocs(s, shareType="3", password=LINK_PASSWORD),
}

#: What the scene needs before the snapshot, per operation.
PREPARE: dict[Op, Callable[[Scene], object]] = {
    "restore": lambda s: s.files.delete(Ref(s.space, DOC)),
}

# ---------------------------------------------------------------- effects


def _listed(s: Scene, r: httpx.Response) -> None:
    assert r.status_code == 207, r.text
    assert "doc.txt" in r.text


def _read(s: Scene, r: httpx.Response) -> None:
    assert r.status_code == 200, r.text
    assert r.content == ORIGINAL


def _created(s: Scene, r: httpx.Response) -> None:
    assert r.status_code == 201, r.text
    assert s.content("/Shared/new.txt") == b"new"


def _made_dir(s: Scene, r: httpx.Response) -> None:
    assert r.status_code == 201, r.text
    assert s.files.stat(Ref(s.space, "/Shared/newdir")).kind == "dir"


def _uploaded(s: Scene, r: httpx.Response) -> None:
    assert r.status_code == 201, r.text
    assert s.content("/Shared/upload.txt") == b"abc"


def _copied(s: Scene, r: httpx.Response) -> None:
    assert r.status_code == 201, r.text
    assert s.content("/Shared/copy.txt") == ORIGINAL
    assert s.content(DOC) == ORIGINAL


def _overwritten(s: Scene, r: httpx.Response) -> None:
    assert r.status_code == 204, r.text
    assert s.content(DOC) == CHANGED


def _renamed(s: Scene, r: httpx.Response) -> None:
    assert r.status_code == 201, r.text
    assert s.content(DOC) is None
    assert s.content("/Shared/renamed.txt") == ORIGINAL


def _moved_out(s: Scene, r: httpx.Response) -> None:
    assert r.status_code == 201, r.text
    assert s.content(DOC) is None
    assert s.content(s.outside_ref.path, s.outside_ref.space) == ORIGINAL


def _moved_in(s: Scene, r: httpx.Response) -> None:
    assert r.status_code == 201, r.text
    assert s.content("/Shared/inside.txt") == INSIDE
    assert s.content(s.inside_src.path, s.inside_src.space) is None


def _deleted(s: Scene, r: httpx.Response) -> None:
    assert r.status_code == 204, r.text
    assert s.content(DOC) is None
    assert DOC in s.trash()


def _restored(s: Scene, r: httpx.Response) -> None:
    assert r.status_code == 201, r.text
    assert s.content(DOC) == ORIGINAL
    assert DOC not in s.trash()


def _permissions_listed(s: Scene, r: httpx.Response) -> None:
    assert r.status_code == 200, r.text
    shown = sorted(p["grantedToV2"]["user"]["id"] for p in r.json()["value"])
    # a recipient cannot list grants (no ListGrants): only the share to them
    assert shown == ([s.actor.id] if s.received else s.scope_shares())


def _shared(s: Scene, r: httpx.Response) -> None:
    assert r.status_code == 200, r.text
    assert s.recipient.id in s.scope_shares()


def _linked(s: Scene, r: httpx.Response) -> None:
    assert r.status_code == 200, r.text
    assert s.scope_links() == ["view"]


EFFECTS: dict[Op, Callable[[Scene, httpx.Response], None]] = {
    "list": _listed,
    "read": _read,
    "create": _created,
    "mkdir": _made_dir,
    "upload": _uploaded,
    "copy": _copied,
    "overwrite": _overwritten,
    "rename": _renamed,
    "move-out": _moved_out,
    "move-in": _moved_in,
    "delete": _deleted,
    "restore": _restored,
    "permissions": _permissions_listed,
    "share": _shared,
    "link": _linked,
}


def _ocs_ok(r: httpx.Response) -> None:
    assert r.json()["ocs"]["meta"]["statuscode"] == 200, r.text


# ---------------------------------------------------------------- the test


@pytest.mark.parametrize(("surface", "role", "op", "allowed"), cells())
def test_cell(
    build: Callable[[Role], Scene], surface: Surface, role: Role, op: Op, allowed: bool
) -> None:
    scene = build(role)
    prepare = PREPARE.get(op)
    if prepare is not None:
        prepare(scene)
    before = scene.snapshot()
    response = REQUESTS[surface, op](scene)
    if allowed:
        EFFECTS[op](scene, response)
        if surface == "ocs":
            _ocs_ok(response)
        return
    assert 400 <= response.status_code < 500, (response.status_code, response.text)
    assert scene.snapshot() == before


def test_every_cell_is_in_a_table_or_absent() -> None:
    """Each surface names every operation once: as a column or as absent."""
    every: set[Op] = {*WEBDAV_OPS, *GRAPH_OPS, *OCS_OPS}
    for surface, (ops, table) in TABLES.items():
        absent = set(ABSENT[surface][0])
        assert not absent & set(ops), surface
        assert absent | set(ops) == every, surface
        assert set(table) == set(WEBDAV), surface
