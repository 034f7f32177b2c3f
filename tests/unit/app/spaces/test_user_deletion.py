"""Deleting a user never deletes a project space or its data: the space
stays, admins and space admins still see it and can give it a new Manager."""

from __future__ import annotations

from opencloud.core.ids import SpaceId
from opencloud.services.auth.service import AuthService
from opencloud.services.files.service import FilesService
from opencloud.services.spaces.service import SpacesService
from opencloud.storage.types import Ref

from .conftest import MANAGER, As

ROOT = "/graph/v1beta1/drives/{}/root"


def test_the_only_manager_leaves(
    alice: As, bob: As, carol: As, *, auth: AuthService, spaces: SpacesService, files: FilesService
) -> None:
    # alice (a space admin) creates a space, hands it to bob, and leaves it
    apollo = alice.create("Apollo", quota={"total": 10_000})
    space = SpaceId(apollo["id"].split("$", 1)[1])
    assert alice.invite(apollo["id"], bob, MANAGER).status_code == 200
    assert alice.delete(ROOT.format(apollo["id"]) + f"/permissions/u:{alice.id}").status_code == 204
    dav = "/dav/spaces/" + apollo["id"].replace("$", "%24")
    assert bob.request("PUT", dav + "/plan.txt", content=b"the plan").status_code == 201
    bob_personal = SpaceId(bob.id)

    auth.delete_user("bob")

    # bob's personal space is gone, the project and its data are not
    assert spaces.rights(alice.who, bob_personal).read is False
    assert space in {s.id for s in spaces.list_projects()}
    with files.open_read(Ref(space, "/plan.txt")) as stream:
        assert stream.read() == b"the plan"
    drives = {d["name"]: d for d in alice.drives("/graph/v1.0/drives")}
    assert "Apollo" in drives
    # its data still counts against the space's own quota, nobody else's
    assert drives["Apollo"]["quota"]["used"] == len(b"the plan")
    # the departed manager is still listed (under their id) until removed
    listing = alice.get(ROOT.format(apollo["id"]) + "/permissions").json()["value"]
    assert [(p["id"], p["grantedToV2"]["user"]["displayName"]) for p in listing] == [
        (f"u:{bob.id}", bob.id)
    ]
    # a space admin who is not a member gives it a new Manager
    assert alice.invite(apollo["id"], carol, MANAGER).status_code == 200
    assert "Apollo" in [d["name"] for d in carol.drives()]
    assert carol.request("GET", dav + "/plan.txt").content == b"the plan"
    # who may now remove the ghost
    ghost = ROOT.format(apollo["id"]) + f"/permissions/u:{bob.id}"
    assert carol.delete(ghost).status_code == 204
