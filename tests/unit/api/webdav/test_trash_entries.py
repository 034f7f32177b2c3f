"""Entries inside a trashed folder over WebDAV: ``…/trash-bin/{space}/{key}/{path}``
listed (PROPFIND), restored (MOVE) and purged (DELETE) one by one, with the
same rights as whole items."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pytest

from opencloud.services.spaces.roles import MANAGER, SPACE_EDITOR, SPACE_VIEWER

from .test_trash import MARY, OC, bin_url, key_of, listing, project

if TYPE_CHECKING:
    from .conftest import Dav


def trashed_docs(dav: Dav, space_url: str, **kw: Any) -> tuple[str, str]:
    """``/docs`` holding ``2024/q1/report.txt`` ("report") and ``top.txt``
    ("top"), deleted; the URL of its item in the bin and the report's file id."""
    for folder in ("/docs", "/docs/2024", "/docs/2024/q1"):
        assert dav.request("MKCOL", space_url + folder, **kw).status_code == 201
    assert dav.put(space_url + "/docs/2024/q1/report.txt", b"report", **kw).status_code == 201
    assert dav.put(space_url + "/docs/top.txt", b"top", **kw).status_code == 201
    file_id = dav.request("HEAD", space_url + "/docs/2024/q1/report.txt", **kw).headers["oc-fileid"]
    assert dav.request("DELETE", space_url + "/docs", **kw).status_code == 204
    bin_ = bin_url(space_url)
    (item,) = listing(dav, bin_, **kw)
    return f"{bin_}/{key_of(item)}", file_id


def locations(dav: Dav, url: str, **kw: Any) -> list[str]:
    """``oc:trashbin-original-location`` of every entry a PROPFIND of ``url``
    answers (the item itself first)."""
    response = dav.propfind(url, "", **kw)
    assert response.status_code == 207, response.text
    return [
        line.split("</oc:trashbin-original-location>")[0]
        for line in response.text.split("<oc:trashbin-original-location>")[1:]
    ]


def test_propfind_into_a_trashed_folder(dav: Dav) -> None:
    item, _ = trashed_docs(dav, dav.space_url)
    assert locations(dav, item + "/") == ["docs", "docs/2024", "docs/top.txt"]
    assert locations(dav, item + "/", depth="0") == ["docs"]
    assert locations(dav, item + "/2024/q1") == ["docs/2024/q1", "docs/2024/q1/report.txt"]
    one = dav.propfind(item + "/2024/q1/report.txt", depth="0")
    assert one.status_code == 207
    assert f"<d:href>{item}/2024/q1/report.txt</d:href>" in one.text
    assert "<oc:trashbin-original-filename>report.txt</oc:trashbin-original-filename>" in one.text
    assert "<d:getcontentlength>6</d:getcontentlength>" in one.text
    assert f"<d:href>{item}/2024/</d:href>" in dav.propfind(item + "/").text
    assert dav.propfind(item + "/2024/q2/").status_code == 404
    assert dav.propfind(item + "/top.txt/below").status_code == 404


def test_restore_a_file_nested_two_levels_deep(dav: Dav) -> None:
    item, file_id = trashed_docs(dav, dav.space_url)
    subscription = dav.state["files"]._bus.subscribe("test")
    restored = dav.request(
        "MOVE",
        item + "/2024/q1/report.txt",
        headers={"Destination": f"http://testserver{dav.space_url}/report.txt"},
    )
    assert restored.status_code == 201, restored.text
    assert restored.headers["oc-fileid"] == file_id
    assert dav.request("GET", dav.space_url + "/report.txt").content == b"report"
    assert subscription.get(timeout=1).itemid == file_id
    (rest,) = listing(dav, bin_url(dav.space_url))
    assert rest[f"{OC}size"] == "3"  # what is left of the folder
    assert locations(dav, item + "/2024/q1") == ["docs/2024/q1"]
    again = {"Destination": dav.space_url + "/report2.txt"}
    assert dav.request("MOVE", item + "/2024/q1/report.txt", headers=again).status_code == 404
    folder = dav.request("MOVE", item, headers={"Destination": dav.space_url + "/docs"})
    assert folder.status_code == 201
    assert dav.request("HEAD", dav.space_url + "/docs/top.txt").status_code == 200
    assert dav.request("HEAD", dav.space_url + "/docs/2024/q1/report.txt").status_code == 404


def test_restore_where_the_folder_is_gone_is_409(dav: Dav) -> None:
    """As in OpenCloud: the destination's parent must exist; nothing is recreated."""
    item, _ = trashed_docs(dav, dav.space_url)
    home = {"Destination": dav.space_url + "/docs/2024/q1/report.txt"}
    refused = dav.request("MOVE", item + "/2024/q1/report.txt", headers=home)
    assert refused.status_code == 409
    assert dav.request("HEAD", dav.space_url + "/docs").status_code == 404
    assert locations(dav, item + "/2024/q1") == ["docs/2024/q1", "docs/2024/q1/report.txt"]
    for folder in ("/docs", "/docs/2024", "/docs/2024/q1"):
        dav.request("MKCOL", dav.space_url + folder)
    assert dav.request("MOVE", item + "/2024/q1/report.txt", headers=home).status_code == 201


def test_purge_an_entry_then_restore_the_folder(dav: Dav) -> None:
    item, _ = trashed_docs(dav, dav.space_url)
    assert dav.request("DELETE", item + "/2024/q1/report.txt").status_code == 204
    assert dav.request("DELETE", item + "/2024/q1/report.txt").status_code == 404
    assert locations(dav, item + "/2024/q1") == ["docs/2024/q1"]
    folder = dav.request("MOVE", item, headers={"Destination": dav.space_url + "/docs"})
    assert folder.status_code == 201
    assert dav.propfind(dav.space_url + "/docs/2024/q1", depth="0").status_code == 207
    assert dav.request("HEAD", dav.space_url + "/docs/2024/q1/report.txt").status_code == 404
    assert dav.request("GET", dav.space_url + "/docs/top.txt").content == b"top"


def test_restoring_an_entry_onto_a_taken_name(dav: Dav) -> None:
    item, _ = trashed_docs(dav, dav.space_url)
    assert dav.put(dav.space_url + "/top.txt", b"new").status_code == 201
    dest = {"Destination": dav.space_url + "/top.txt"}
    refused = dav.request("MOVE", item + "/top.txt", headers={**dest, "Overwrite": "F"})
    assert refused.status_code == 412
    assert dav.request("GET", dav.space_url + "/top.txt").content == b"new"
    assert locations(dav, item + "/") == ["docs", "docs/2024", "docs/top.txt"]
    replaced = dav.request("MOVE", item + "/top.txt", headers=dest)
    assert replaced.status_code == 204
    assert dav.request("GET", dav.space_url + "/top.txt").content == b"top"
    bin_items = listing(dav, bin_url(dav.space_url))  # the holder of the name went to the trash
    assert sorted(i[f"{OC}trashbin-original-location"] for i in bin_items) == ["docs", "top.txt"]


@pytest.mark.parametrize(
    "below", ["/%2e%2e", "/%2E%2E/%2e%2e/x", "/2024/%2e%2e/%2e%2e/%2e%2e", "/.%2e", "/a%5Cb"]
)
def test_traversal_in_the_path_is_400(dav: Dav, below: str) -> None:
    item, _ = trashed_docs(dav, dav.space_url)
    assert dav.put(dav.space_url + "/x", b"keep").status_code == 201
    assert dav.propfind(item + below).status_code == 400
    restore = {"Destination": dav.space_url + "/restored"}
    assert dav.request("MOVE", item + below, headers=restore).status_code == 400
    assert dav.request("DELETE", item + below).status_code == 400
    assert len(listing(dav, bin_url(dav.space_url))) == 1
    assert locations(dav, item + "/") == ["docs", "docs/2024", "docs/top.txt"]
    assert dav.request("GET", dav.space_url + "/x").content == b"keep"
    assert dav.request("HEAD", dav.space_url + "/restored").status_code == 404


# ---------------------------------------------------------------- rights
def test_without_the_trash_right_nothing_changes(dav: Dav) -> None:
    url = project(dav, SPACE_VIEWER)
    item, _ = trashed_docs(dav, url)
    restore = {"Destination": url + "/top.txt"}
    assert dav.propfind(item + "/top.txt", auth=MARY).status_code == 207  # listing is reading
    assert dav.request("MOVE", item + "/top.txt", headers=restore, auth=MARY).status_code == 403
    assert dav.request("DELETE", item + "/top.txt", auth=MARY).status_code == 403
    assert locations(dav, item + "/") == ["docs", "docs/2024", "docs/top.txt"]
    assert dav.request("HEAD", url + "/top.txt").status_code == 404


def test_a_non_member_gets_404(dav: Dav) -> None:
    url = project(dav, None)
    item, _ = trashed_docs(dav, url)
    restore = {"Destination": url + "/top.txt"}
    assert dav.propfind(item + "/top.txt", auth=MARY).status_code == 404
    assert dav.request("MOVE", item + "/top.txt", headers=restore, auth=MARY).status_code == 404
    assert dav.request("DELETE", item + "/top.txt", auth=MARY).status_code == 404
    assert dav.propfind(item + "/%2e%2e", auth=MARY).status_code == 404  # the space first
    assert locations(dav, item + "/") == ["docs", "docs/2024", "docs/top.txt"]


def test_an_editor_restores_an_entry_but_only_a_manager_purges_one(dav: Dav) -> None:
    url = project(dav, SPACE_EDITOR)
    item, _ = trashed_docs(dav, url, auth=MARY)
    restore = {"Destination": url + "/top.txt"}
    assert dav.request("MOVE", item + "/top.txt", headers=restore, auth=MARY).status_code == 201
    assert dav.request("DELETE", item + "/2024", auth=MARY).status_code == 403
    assert locations(dav, item + "/", auth=MARY) == ["docs", "docs/2024"]
    assert dav.request("DELETE", item + "/2024").status_code == 204  # alan manages the space
    assert locations(dav, item + "/") == ["docs"]


def test_a_manager_member_purges_an_entry(dav: Dav) -> None:
    url = project(dav, MANAGER)
    item, _ = trashed_docs(dav, url)
    assert dav.request("DELETE", item + "/top.txt", auth=MARY).status_code == 204
    assert locations(dav, item + "/", auth=MARY) == ["docs", "docs/2024"]
