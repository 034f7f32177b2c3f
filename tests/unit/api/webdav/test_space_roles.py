"""Project spaces over WebDAV: each space role allows what it says, and
nothing else; non-members cannot even see the space."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pytest

from opencloud.core.errors import Conflict, InvalidInput
from opencloud.services.shares.types import SHARE_JAIL
from opencloud.services.spaces.roles import MANAGER, SPACE_EDITOR, SPACE_VIEWER, Role

from .conftest import PASSWORD

if TYPE_CHECKING:
    from .conftest import Dav

MARY = ("mary", PASSWORD)


def project(dav: Dav, role: Role | None) -> str:
    """A project space alan manages, with mary in ``role``; its URL."""
    auth = dav.state["auth"]
    spaces = dav.state["spaces"]
    alan = auth.principal("alan")
    info = spaces.create_project(alan, "Apollo")
    if role is not None:
        spaces.set_member(info.id, "u", auth.get_user("mary").id, role, creator=alan.id)
    url: str = "/dav/spaces/" + dav.state["files"].space_id(info.id).replace("$", "%24")
    assert dav.put(url + "/plan.txt", b"v1").status_code == 201  # alan, the manager
    dav.request("MKCOL", url + "/docs")
    return url


def as_mary(dav: Dav, method: str, url: str, **kwargs: Any) -> int:
    status: int = dav.request(method, url, auth=MARY, **kwargs).status_code
    return status


def test_a_non_member_sees_nothing(dav: Dav) -> None:
    url = project(dav, None)
    assert dav.propfind(url + "/", auth=MARY).status_code == 404
    assert as_mary(dav, "GET", url + "/plan.txt") == 404
    assert dav.put(url + "/x.txt", b"x", auth=MARY).status_code == 404


def test_a_viewer_reads_and_changes_nothing(dav: Dav) -> None:
    url = project(dav, SPACE_VIEWER)
    listing = dav.propfind(url + "/", auth=MARY)
    assert listing.status_code == 207
    assert "<oc:permissions/>" in listing.text  # no letters: read only
    assert dav.request("GET", url + "/plan.txt", auth=MARY).content == b"v1"
    assert dav.put(url + "/plan.txt", b"v2", auth=MARY).status_code == 403
    assert dav.put(url + "/new.txt", b"x", auth=MARY).status_code == 403
    assert as_mary(dav, "MKCOL", url + "/d") == 403
    assert as_mary(dav, "DELETE", url + "/plan.txt") == 403
    moved = {"Destination": url + "/moved.txt"}
    assert as_mary(dav, "MOVE", url + "/plan.txt", headers=moved) == 403
    assert as_mary(dav, "COPY", url + "/plan.txt", headers=moved) == 403
    assert dav.request("GET", url + "/plan.txt").content == b"v1"  # nothing changed
    assert dav.request("HEAD", url + "/moved.txt").status_code == 404


def test_an_editor_writes(dav: Dav) -> None:
    url = project(dav, SPACE_EDITOR)
    assert dav.put(url + "/plan.txt", b"v2", auth=MARY).status_code == 204
    assert dav.put(url + "/new.txt", b"x", auth=MARY).status_code == 201
    assert as_mary(dav, "MKCOL", url + "/d") == 201
    moved = {"Destination": url + "/d/new.txt"}
    assert as_mary(dav, "MOVE", url + "/new.txt", headers=moved) == 201
    assert as_mary(dav, "DELETE", url + "/d") == 204
    root = dav.propfind(url + "/", depth="0", auth=MARY).text
    assert "<oc:permissions>CK</oc:permissions>" in root
    files = dav.propfind(url + "/plan.txt", depth="0", auth=MARY).text
    assert "<oc:permissions>DNVW</oc:permissions>" in files
    assert dav.request("GET", url + "/plan.txt", auth=MARY).headers["oc-perm"] == "DNVW"


def test_a_manager_may_share_and_purge(dav: Dav) -> None:
    url = project(dav, MANAGER)
    root = dav.propfind(url + "/", depth="0", auth=MARY).text
    assert "<oc:permissions>RCKP</oc:permissions>" in root


def test_group_membership_counts(dav: Dav) -> None:
    auth = dav.state["auth"]
    spaces = dav.state["spaces"]
    group = auth.create_group("apollos", members=[auth.get_user("mary").id])
    alan = auth.principal("alan")
    info = spaces.create_project(alan, "Apollo")
    spaces.set_member(info.id, "g", group.id, SPACE_VIEWER, creator=alan.id)
    url = "/dav/spaces/" + dav.state["files"].space_id(info.id).replace("$", "%24")
    assert dav.propfind(url + "/", auth=MARY).status_code == 207
    assert dav.put(url + "/x.txt", b"x", auth=MARY).status_code == 403


def test_a_disabled_space_is_closed_to_everyone(dav: Dav) -> None:
    url = project(dav, SPACE_EDITOR)
    spaces = dav.state["spaces"]
    space = url.rsplit("%24", 1)[1]
    spaces.set_disabled(space, True)
    assert dav.propfind(url + "/", auth=MARY).status_code == 404
    assert dav.propfind(url + "/").status_code == 404  # even its manager cannot read inside
    spaces.set_disabled(space, False)
    assert dav.request("GET", url + "/plan.txt", auth=MARY).content == b"v1"


@pytest.mark.parametrize("role", [SPACE_VIEWER, SPACE_EDITOR])
def test_the_last_manager_stays(dav: Dav, role: Role) -> None:
    auth = dav.state["auth"]
    spaces = dav.state["spaces"]
    alan = auth.principal("alan")
    info = spaces.create_project(alan, "Apollo")
    with pytest.raises(Conflict):
        spaces.set_member(info.id, "u", alan.id, role)
    with pytest.raises(Conflict):
        spaces.remove_member(info.id, "u", alan.id)
    assert [g.role for g in spaces.members(info.id)] == [MANAGER.id]


def test_tus_uploads_follow_the_role(dav: Dav) -> None:
    tus = {"Tus-Resumable": "1.0.0", "Upload-Length": "2"}
    meta = {"Upload-Metadata": "filename bmV3LnR4dA=="}  # new.txt
    viewer = project(dav, SPACE_VIEWER)
    refused = dav.request("POST", viewer + "/", headers={**tus, **meta}, auth=MARY)
    assert refused.status_code == 403
    editor = project(dav, SPACE_EDITOR)
    created = dav.request("POST", editor + "/", headers={**tus, **meta}, auth=MARY)
    assert created.status_code == 201


def test_chunked_uploads_follow_the_role(dav: Dav) -> None:
    """Assembling NG chunks writes the destination: a viewer may neither add
    nor replace a file, and nothing can be assembled into the Shares space."""
    viewer = project(dav, SPACE_VIEWER)
    up = "/remote.php/dav/uploads/mary/t"
    assert as_mary(dav, "MKCOL", up) == 201
    assert dav.put(up + "/0", b"mine", auth=MARY).status_code == 201
    for name in ("plan.txt", "new.txt"):
        moved = {"Destination": viewer + "/" + name}
        assert as_mary(dav, "MOVE", up + "/.file", headers=moved) == 403
    assert dav.request("GET", viewer + "/plan.txt").content == b"v1"  # nothing changed
    assert dav.request("HEAD", viewer + "/new.txt").status_code == 404
    jail = {"Destination": f"/dav/spaces/{SHARE_JAIL}${SHARE_JAIL}/x.txt"}
    assert as_mary(dav, "MOVE", up + "/.file", headers=jail) == 403


def test_a_membership_cannot_start_expired(dav: Dav) -> None:
    auth = dav.state["auth"]
    spaces = dav.state["spaces"]
    alan = auth.principal("alan")
    info = spaces.create_project(alan, "Apollo")
    with pytest.raises(InvalidInput):
        spaces.set_member(info.id, "u", auth.get_user("mary").id, SPACE_VIEWER, expires=1)
    assert [g.id for g in spaces.members(info.id)] == [alan.id]


def test_tus_creation_reports_the_callers_rights(dav: Dav) -> None:
    editor = project(dav, SPACE_EDITOR)
    headers = {
        "Tus-Resumable": "1.0.0",
        "Upload-Length": "2",
        "Upload-Metadata": "filename bmV3LnR4dA==",  # new.txt
        "Content-Type": "application/offset+octet-stream",
    }
    done = dav.request("POST", editor + "/", headers=headers, content=b"hi", auth=MARY)
    assert done.status_code == 201
    assert done.headers["oc-perm"] == "DNVW"  # an editor's letters, not the owner's
