"""A project space's ``image`` and ``readme``: uploaded through WebDAV, named
with ``PATCH /drives/{id}`` ``special``, listed in the drive's ``special[]``,
and created by ``POST /drives?template=default``, as OpenCloud does."""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING, Any

import pytest

from .conftest import EDITOR, MANAGER, As, error

if TYPE_CHECKING:
    from opencloud.services.spaces.service import SpacesService


def _put(user: As, drive_id: str, path: str, body: bytes = b"# Apollo\n") -> str:
    """Upload ``path`` into the drive (its folder made first); the new file's id."""
    folder = path.rsplit("/", 1)[0]
    if folder:
        user.request("MKCOL", f"/remote.php/dav/spaces/{drive_id}{folder}")
    response = user.request("PUT", f"/remote.php/dav/spaces/{drive_id}{path}", content=body)
    assert response.status_code in (201, 204), response.text
    file_id: str = response.headers["OC-FileId"]
    return file_id


def _special(folder: str, item: str) -> dict[str, Any]:
    return {"special": [{"specialFolder": {"name": folder}, "id": item}]}


def _set(user: As, drive_id: str, folder: str, item: str) -> None:
    response = user.patch(f"/graph/v1.0/drives/{drive_id}", json=_special(folder, item))
    assert response.status_code == 200, response.text


def _drive(user: As, drive_id: str) -> dict[str, Any]:
    response = user.get(f"/graph/v1.0/drives/{drive_id}")
    assert response.status_code == 200, response.text
    drive: dict[str, Any] = response.json()
    return drive


def test_a_manager_sets_the_readme_and_image(alice: As) -> None:
    drive = alice.create()
    readme = _put(alice, drive["id"], "/.space/readme.md", b"# Apollo\n")
    image = _put(alice, drive["id"], "/.space/moon.jpg", b"\xff\xd8\xff" + b"0" * 29)
    response = alice.patch(
        f"/graph/v1.0/drives/{drive['id']}",
        json={
            "special": [
                {"specialFolder": {"name": "readme"}, "id": readme},
                {"specialFolder": {"name": "image"}, "id": image},
            ]
        },
    )
    assert response.status_code == 200, response.text
    special = response.json()["special"]
    # image first, then readme, as OpenCloud lists them
    assert [s["specialFolder"] for s in special] == [{"name": "image"}, {"name": "readme"}]
    picture, text = special
    assert picture["id"] == image and picture["name"] == "moon.jpg"
    assert picture["file"] == {"mimeType": "image/jpeg"}
    assert picture["size"] == 32
    assert text["id"] == readme and text["name"] == "readme.md"
    assert text["size"] == len(b"# Apollo\n")
    assert text["file"]["mimeType"] in ("text/markdown", "text/x-markdown")
    assert text["webDavUrl"].endswith(
        f"/dav/spaces/{drive['id'].replace('$', '%24')}/.space/readme.md"
    )
    assert text["eTag"].startswith('"') and text["lastModifiedDateTime"].endswith("Z")
    assert text["parentReference"]["driveId"] == drive["id"]
    assert text["parentReference"]["driveType"] == "project"
    assert text["parentReference"]["path"] == "/.space"
    # every listing shows them, read fresh
    (listed,) = [d for d in alice.drives() if d["id"] == drive["id"]]
    assert listed["special"] == special
    _put(alice, drive["id"], "/.space/readme.md", b"# Apollo, longer\n")
    (fresh,) = [s for s in _drive(alice, drive["id"])["special"] if s["id"] == readme]
    assert fresh["size"] == len(b"# Apollo, longer\n") and fresh["eTag"] != text["eTag"]


def test_a_new_drive_has_no_special_items(alice: As) -> None:
    drive = alice.create()
    assert "special" not in drive
    assert "special" not in _drive(alice, drive["id"])


def test_the_default_template_adds_an_image_and_a_readme(alice: As) -> None:
    response = alice.post("/graph/v1.0/drives?template=default", json={"name": "Gemini"})
    assert response.status_code == 201, response.text
    drive = response.json()
    image, readme = drive["special"]
    assert image["specialFolder"] == {"name": "image"} and image["name"] == "image.png"
    assert image["file"] == {"mimeType": "image/png"}
    assert readme["specialFolder"] == {"name": "readme"} and readme["name"] == "readme.md"
    body = alice.get(f"/remote.php/dav/spaces/{drive['id']}/.space/readme.md")
    assert body.text == "Here you can add a description for this Space."
    png = alice.get(f"/remote.php/dav/spaces/{drive['id']}/.space/image.png")
    assert png.content.startswith(b"\x89PNG\r\n\x1a\n") and len(png.content) == image["size"]
    # the files are in the space: its quota counts them and its etag moved on
    assert drive["quota"]["used"] == image["size"] + readme["size"]
    assert _drive(alice, drive["id"])["root"]["eTag"] == drive["root"]["eTag"]


@pytest.mark.parametrize("template", ["none", "fancy"])
def test_other_templates_add_nothing(alice: As, template: str) -> None:
    response = alice.post(f"/graph/v1.0/drives?template={template}", json={"name": "Plain"})
    assert response.status_code == 201, response.text
    assert "special" not in response.json()


def test_a_deleted_special_file_is_no_longer_listed(alice: As) -> None:
    drive = alice.create()
    readme = _put(alice, drive["id"], "/.space/readme.md")
    assert alice.patch(
        f"/graph/v1.0/drives/{drive['id']}", json=_special("readme", readme)
    ).is_success
    response = alice.request("DELETE", f"/remote.php/dav/spaces/{drive['id']}/.space/readme.md")
    assert response.status_code == 204
    assert "special" not in _drive(alice, drive["id"])


def test_a_disabled_drive_shows_no_special_items(alice: As) -> None:
    drive = alice.create()
    readme = _put(alice, drive["id"], "/.space/readme.md")
    assert alice.patch(
        f"/graph/v1.0/drives/{drive['id']}", json=_special("readme", readme)
    ).is_success
    assert alice.delete(f"/graph/v1.0/drives/{drive['id']}").status_code == 204
    assert "special" not in _drive(alice, drive["id"])
    restored = alice.patch(f"/graph/v1.0/drives/{drive['id']}", headers={"Restore": "T"})
    assert [s["id"] for s in restored.json()["special"]] == [readme]


# ---------------------------------------------------------------- who may


def test_only_managers_set_them(
    alice: As, bob: As, carol: As, root: As, spaces: SpacesService
) -> None:
    drive = alice.create()
    assert alice.invite(drive["id"], bob, EDITOR).status_code == 200
    assert alice.invite(drive["id"], carol, MANAGER).status_code == 200
    readme = _put(bob, drive["id"], "/.space/readme.md")
    body = _special("readme", readme)
    error(bob.patch(f"/graph/v1.0/drives/{drive['id']}", json=body), 403, "accessDenied")
    # an admin who is not a member may not either (they cannot see the files)
    error(root.patch(f"/graph/v1.0/drives/{drive['id']}", json=body), 403, "accessDenied")
    (info,) = spaces.list_projects()
    assert spaces.details(info).special == {}
    response = carol.patch(f"/graph/v1.0/drives/{drive['id']}", json=body)
    assert response.status_code == 200, response.text
    assert [s["id"] for s in response.json()["special"]] == [readme]


def test_a_stranger_gets_404(alice: As, carol: As) -> None:
    drive = alice.create()
    readme = _put(alice, drive["id"], "/.space/readme.md")
    response = carol.patch(f"/graph/v1.0/drives/{drive['id']}", json=_special("readme", readme))
    error(response, 404, "itemNotFound")


# ---------------------------------------------------------------- bad input


def _unchanged(user: As, drive_id: str, name: str = "Apollo") -> None:
    after = _drive(user, drive_id)
    assert "special" not in after and after["name"] == name


def test_an_item_of_another_space_is_404(alice: As) -> None:
    drive, other = alice.create("Apollo"), alice.create("Gemini")
    elsewhere = _put(alice, other["id"], "/.space/readme.md")
    body = {"name": "Renamed", **_special("readme", elsewhere)}
    error(alice.patch(f"/graph/v1.0/drives/{drive['id']}", json=body), 404, "itemNotFound")
    _unchanged(alice, drive["id"])


def test_an_item_of_a_personal_space_is_404(alice: As) -> None:
    drive = alice.create()
    (personal,) = [d for d in alice.drives() if d["driveType"] == "personal"]
    mine = _put(alice, personal["id"], "/notes.md")
    body = _special("image", mine)
    error(alice.patch(f"/graph/v1.0/drives/{drive['id']}", json=body), 404, "itemNotFound")
    _unchanged(alice, drive["id"])


def test_an_unknown_item_is_404(alice: As) -> None:
    drive = alice.create()
    unknown = f"{drive['id']}!{uuid.uuid4()}"
    body = {"name": "Renamed", **_special("readme", unknown)}
    error(alice.patch(f"/graph/v1.0/drives/{drive['id']}", json=body), 404, "itemNotFound")
    _unchanged(alice, drive["id"])


@pytest.mark.parametrize(
    "special",
    [
        [{"specialFolder": {"name": "banner"}, "id": "ITEM"}],  # no such special folder
        [{"specialFolder": {"name": ""}, "id": "ITEM"}],
        [{"specialFolder": {"name": "readme"}, "id": "not-an-id"}],
        [{"specialFolder": {"name": "readme"}}],  # no id
        [{"id": "ITEM"}],  # no folder
        [
            {"specialFolder": {"name": "readme"}, "id": "ITEM"},
            {"specialFolder": {"name": "readme"}, "id": "ITEM"},
        ],
        "readme",
    ],
)
def test_malformed_special_is_400(alice: As, special: Any) -> None:
    drive = alice.create()
    item = _put(alice, drive["id"], "/.space/readme.md")
    if isinstance(special, list):
        special = [{k: (item if v == "ITEM" else v) for k, v in s.items()} for s in special]
    body = {"name": "Renamed", "special": special}
    error(alice.patch(f"/graph/v1.0/drives/{drive['id']}", json=body), 400, "invalidRequest")
    _unchanged(alice, drive["id"])


def test_a_folder_or_the_root_cannot_be_special(alice: As) -> None:
    drive = alice.create()
    response = alice.request("MKCOL", f"/remote.php/dav/spaces/{drive['id']}/.space")
    folder = response.headers["OC-FileId"]
    for item in (folder, drive["root"]["id"]):
        body = {"name": "Renamed", **_special("image", item)}
        error(alice.patch(f"/graph/v1.0/drives/{drive['id']}", json=body), 400, "invalidRequest")
    _unchanged(alice, drive["id"])


def test_a_personal_space_has_none(alice: As, root: As) -> None:
    (personal,) = [d for d in alice.drives() if d["driveType"] == "personal"]
    item = _put(alice, personal["id"], "/me.png")
    response = root.patch(f"/graph/v1.0/drives/{personal['id']}", json=_special("image", item))
    error(response, 400, "invalidRequest")
