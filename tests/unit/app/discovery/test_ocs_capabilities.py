"""``/ocs/v{1,2}.php/cloud/capabilities``: OpenCloud's document, true only for what works."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from typing import Any

import msgspec
import pytest
from starlette.testclient import TestClient

from opencloud import __version__
from opencloud.api.http.features import Features
from opencloud.api.http.ocs_envelope import Meta, encode
from opencloud.api.http.product import status_for_version
from opencloud.api.ocs import capabilities as caps


def _json(client: TestClient, version: str = "v2") -> dict[str, Any]:
    response = client.get(f"/ocs/{version}.php/cloud/capabilities?format=json")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/json")
    body: dict[str, Any] = response.json()
    return body


@pytest.mark.parametrize(("version", "code"), [("v1", 100), ("v2", 200)])
def test_envelope_and_status_code(client: TestClient, version: str, code: int) -> None:
    meta = _json(client, version)["ocs"]["meta"]
    assert meta == {
        "status": "ok",
        "statuscode": code,
        "message": "OK",
        "totalitems": "",
        "itemsperpage": "",
    }


@pytest.mark.parametrize("version", ["v1", "v2"])
def test_anonymous_callers_get_it(anonymous: TestClient, version: str) -> None:
    data = _json(anonymous, version)["ocs"]["data"]
    assert data["capabilities"]["core"]["status"]["installed"] is True


def test_status_and_version_agree_with_status_php(client: TestClient) -> None:
    data = _json(client)["ocs"]["data"]
    status_php = client.get("/status.php").json()
    assert data["capabilities"]["core"]["status"] == status_php
    major, minor, micro = (int(p) for p in status_php["versionstring"].split("."))
    assert data["version"] == {
        "major": major,
        "minor": minor,
        "micro": micro,
        "string": status_php["versionstring"],
        "edition": "Community",
        "product": "OpenCloud",
        "productversion": __version__,
        "channel": "",
    }


def test_todays_answers(client: TestClient) -> None:
    """Pins what works right now. When a feature lands, flip its flag in
    api/http/features.py and update this test."""
    cap = _json(client)["ocs"]["data"]["capabilities"]
    assert list(cap) == [
        "core",
        "checksums",
        "files",
        "dav",
        "files_sharing",
        "spaces",
        "graph",
    ]
    core = cap["core"]
    assert core["pollinterval"] == 60
    assert core["webdav-root"] == "remote.php/webdav"
    assert core["support-url-signing"] is True
    assert core["support-sse"] is True
    assert core["check-for-updates"] is False
    assert cap["checksums"] == {
        "supportedTypes": ["sha1", "md5", "adler32"],
        "preferredUploadType": "sha1",
    }
    files = cap["files"]
    assert files["tus_support"] == {
        "version": "1.0.0",
        "resumable": "1.0.0",
        "extension": "creation,creation-with-upload",
        "max_chunk_size": 10000000,
        "http_method_override": "",
    }
    # the posix driver keeps a trash and versions, served over WebDAV
    assert files["undelete"] is True
    assert files["versioning"] is True
    assert files["privateLinks"] is False
    assert files["favorites"] is False
    assert files["full_text_search"] is False
    assert files["archivers"] == []
    assert files["app_providers"] == []
    assert cap["dav"] == {
        "chunking": "1.0",
        "bulkupload": "",
        "trashbin": "1.0",
        "reports": [],
        "chunkingParallelUploadDisabled": False,
    }
    sharing = cap["files_sharing"]
    # the OCS share API: user and group shares with roles and expiry
    assert sharing["api_enabled"] is True
    assert sharing["group_sharing"] is True
    assert sharing["sharing_roles"] is True
    assert sharing["user_enumeration"]["enabled"] is True
    assert sharing["user"]["expire_date"] == {"enabled": True}
    assert sharing["search_min_length"] == 3
    assert sharing["resharing"] is False
    assert sharing["public"]["enabled"] is True
    # every link but an internal one needs a password, and clients are told so
    assert sharing["public"]["password"]["enforced"] is True
    assert all(sharing["public"]["password"]["enforced_for"].values())
    assert sharing["federation"] == {"outgoing": False, "incoming": False}
    assert cap["spaces"] == {
        "version": "1.0.0",
        "enabled": True,
        "projects": True,
        "share_jail": True,
        "max_quota": 0,
    }
    assert cap["graph"]["users"]["create_disabled"] is True
    assert "search" not in cap
    assert "notifications" not in cap


def test_flags_drive_the_document() -> None:
    off = msgspec.to_builtins(caps.build(Features(tus=False, chunking_ng=False)))["capabilities"]
    assert off["files"]["tus_support"] is None
    assert off["dav"]["chunking"] == ""
    assert off["dav"]["bulkupload"] == ""
    bulk = msgspec.to_builtins(caps.build(Features(bulk_upload=True)))["capabilities"]
    assert bulk["dav"]["bulkupload"] == "1.0"
    assert off["dav"]["trashbin"] == ""
    assert off["files"]["undelete"] is False
    assert off["spaces"]["projects"] is True  # on by default
    no_shares = msgspec.to_builtins(caps.build(Features(share_api=False)))["capabilities"]
    assert no_shares["files_sharing"]["api_enabled"] is False
    assert no_shares["files_sharing"]["group_sharing"] is False
    no_jail = msgspec.to_builtins(caps.build(Features(sharing=False)))["capabilities"]
    assert no_jail["spaces"]["share_jail"] is False
    no_projects = caps.build(Features(project_spaces=False))
    assert msgspec.to_builtins(no_projects)["capabilities"]["spaces"]["projects"] is False
    on = msgspec.to_builtins(
        caps.build(
            Features(
                sharing=True,
                public_links=True,
                search=True,
                sse=True,
                project_spaces=True,
                user_management=True,
            )
        )
    )["capabilities"]
    assert on["files_sharing"]["api_enabled"] is True
    assert on["files_sharing"]["public"]["enabled"] is True
    assert on["dav"]["reports"] == ["search-files"]
    assert on["core"]["support-sse"] is True
    assert on["spaces"]["projects"] is True
    assert on["graph"]["users"]["create_disabled"] is False


@pytest.mark.parametrize(("version", "code"), [("v1", "100"), ("v2", "200")])
def test_xml_is_the_default(client: TestClient, version: str, code: str) -> None:
    response = client.get(f"/ocs/{version}.php/cloud/capabilities")
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/xml; charset=utf-8"
    assert response.text.startswith('<?xml version="1.0" encoding="UTF-8"?>\n<ocs><meta>')
    root = ET.fromstring(response.content)
    assert root.tag == "ocs"
    assert root.findtext("meta/status") == "ok"
    assert root.findtext("meta/statuscode") == code
    assert root.find("meta/totalitems") is not None
    cap = root.find("data/capabilities")
    assert cap is not None
    # booleans are 1/0, lists are <element> children
    assert cap.findtext("core/status/installed") == "1"
    assert cap.findtext("core/support-sse") == "1"
    assert [e.text for e in cap.findall("checksums/supportedTypes/element")] == [
        "sha1",
        "md5",
        "adler32",
    ]
    assert cap.findtext("files/tus_support/max_chunk_size") == "10000000"
    assert cap.findtext("dav/chunking") == "1.0"
    assert cap.findtext("files_sharing/api_enabled") == "1"
    assert cap.findtext("files_sharing/public/enabled") == "1"
    assert root.findtext("data/version/productversion") == __version__


def test_xml_and_json_carry_the_same_document(client: TestClient) -> None:
    as_json = _json(client)["ocs"]["data"]
    root = ET.fromstring(client.get("/ocs/v2.php/cloud/capabilities?format=xml").content)

    def compare(node: ET.Element, value: object) -> None:
        if isinstance(value, dict):
            assert [child.tag for child in node] == list(value)
            for child in node:
                compare(child, value[child.tag])
        elif isinstance(value, list):
            assert len(node) == len(value)
            for child, item in zip(node, value, strict=True):
                assert child.tag == "element"
                compare(child, item)
        elif isinstance(value, bool):
            assert node.text == ("1" if value else "0")
        elif value is None:
            assert node.text is None
        else:
            assert (node.text or "") == str(value)

    data = root.find("data")
    assert data is not None
    compare(data, as_json)


def test_xml_escapes_text_and_skips_names_xml_cannot_hold() -> None:
    body, _ = encode(Meta(statuscode=100), {"a": "<&>", ".jpg": "image/jpeg"}, as_json=False)
    assert b"<a>&lt;&amp;&gt;</a>" in body
    assert b"jpg" not in body


def test_default_status_matches_status_php() -> None:
    assert caps.build(Features()).capabilities.core.status == status_for_version()


@pytest.mark.parametrize(
    ("agent", "announced"),
    [
        (
            "Mozilla/5.0 (Linux) mirall/3.9.0 (Nextcloud, debian-6.1 ClientArchitecture: x86_64)",
            True,
        ),
        ("Mozilla/5.0 (Linux) mirall/3.13.2git (Nextcloud, fedora)", True),
        (
            "Mozilla/5.0 (Linux) mirall/3.7.3 (Nextcloud, debian-6.1 ClientArchitecture: x86_64)",
            False,
        ),
        ("Mozilla/5.0 (Linux) mirall/2.11.0 (ownCloud, debian)", False),
        ("Mozilla/5.0 (Linux) mirall/4.0 (OpenCloud desktop)", False),
        ("curl/8.0", False),
    ],
)
def test_bulk_upload_is_announced_only_to_clients_that_handle_it(
    anonymous: TestClient, agent: str, announced: bool
) -> None:
    reply = anonymous.get(
        "/ocs/v2.php/cloud/capabilities?format=json", headers={"User-Agent": agent}
    )
    dav = reply.json()["ocs"]["data"]["capabilities"]["dav"]
    assert dav["bulkupload"] == ("1.0" if announced else "")
