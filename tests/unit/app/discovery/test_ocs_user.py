"""OCS ``cloud/user``, ``cloud/users/{id}``, ``config``, and OCS errors."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from typing import Any

import pytest
from starlette.testclient import TestClient

from opencloud.services.auth.types import Principal
from opencloud.services.files.service import FilesService
from opencloud.services.spaces.service import SpacesService
from opencloud.storage.protocol import StorageDriver
from opencloud.storage.types import Ref


@pytest.mark.parametrize(("version", "code"), [("v1", 100), ("v2", 200)])
def test_cloud_user(client: TestClient, me: Principal, version: str, code: int) -> None:
    response = client.get(f"/ocs/{version}.php/cloud/user?format=json")
    assert response.status_code == 200
    ocs = response.json()["ocs"]
    assert ocs["meta"]["statuscode"] == code
    assert ocs["data"] == {
        "id": "alice",
        "display-name": "Alice Hansen",
        "email": "alice@example.org",
        "user-type": "primary",
    }


def test_cloud_user_xml(client: TestClient) -> None:
    root = ET.fromstring(client.get("/ocs/v1.php/cloud/user").content)
    assert root.findtext("meta/statuscode") == "100"
    assert root.findtext("data/id") == "alice"
    assert root.findtext("data/display-name") == "Alice Hansen"


@pytest.mark.parametrize("userid", ["alice", "ALICE_ID"])
def test_cloud_users_self_unlimited(client: TestClient, me: Principal, userid: str) -> None:
    userid = me.id if userid == "ALICE_ID" else userid
    response = client.get(f"/ocs/v2.php/cloud/users/{userid}?format=json")
    assert response.status_code == 200, response.text
    data = response.json()["ocs"]["data"]
    assert data["enabled"] == "true"
    assert data["email"] == "alice@example.org"
    assert data["displayname"] == "Alice Hansen"
    assert data["user-type"] == "primary"
    quota = data["quota"]
    assert quota["total"] == 0
    assert quota["definition"] == "none"
    assert quota["relative"] == 0
    assert quota["free"] > 0  # the free disk
    assert quota["used"] == 0


def test_cloud_users_self_with_quota(
    client: TestClient,
    me: Principal,
    driver: StorageDriver,
    files: FilesService,
    spaces: SpacesService,
) -> None:
    space = spaces.personal(me)
    driver.set_quota(space.id, 1000)
    files.upload(Ref(space.id, "/a.txt"), [b"x" * 80])
    quota = client.get("/ocs/v1.php/cloud/users/alice?format=json").json()["ocs"]["data"]["quota"]
    assert quota == {
        "free": 920,
        "used": 80,
        "total": 1000,
        "relative": 8.0,
        "definition": "default",
    }


def test_cloud_users_groups(client: TestClient) -> None:
    response = client.get("/ocs/v2.php/cloud/users/alice/groups?format=json")
    assert sorted(response.json()["ocs"]["data"]["groups"]) == ["sales", "users"]
    root = ET.fromstring(client.get("/ocs/v2.php/cloud/users/alice/groups").content)
    assert sorted(str(e.text) for e in root.findall("data/groups/element")) == ["sales", "users"]


@pytest.mark.parametrize(("version", "status"), [("v1", 200), ("v2", 403)])
def test_someone_else_is_refused(client: TestClient, version: str, status: int) -> None:
    response = client.get(f"/ocs/{version}.php/cloud/users/bob?format=json")
    assert response.status_code == status
    meta = response.json()["ocs"]["meta"]
    assert meta["status"] == "failure"
    assert meta["statuscode"] == 997


def test_admins_see_other_users(app_client: TestClient, login: Any, me: Principal) -> None:
    _, headers = login("root", role="admin")
    response = app_client.get("/ocs/v2.php/cloud/users/alice?format=json", headers=headers)
    assert response.status_code == 200
    data = response.json()["ocs"]["data"]
    assert data["displayname"] == "Alice Hansen"
    assert data["enabled"] == "true"
    assert data["quota"]["definition"] == "none"
    response = app_client.get("/ocs/v2.php/cloud/users/nobody", headers=headers)
    assert response.status_code == 404
    assert ET.fromstring(response.content).findtext("meta/statuscode") == "998"


def test_protected_without_credentials_is_401_in_the_ocs_form(anonymous: TestClient) -> None:
    response = anonymous.get("/ocs/v1.php/cloud/user?format=json")
    assert response.status_code == 401
    assert response.json()["ocs"]["meta"]["statuscode"] == 997


@pytest.mark.parametrize("version", ["v1", "v2"])
def test_config_is_anonymous(anonymous: TestClient, version: str) -> None:
    response = anonymous.get(f"/ocs/{version}.php/config?format=json")
    assert response.status_code == 200
    assert response.json()["ocs"]["data"] == {
        "version": "1.7",
        "website": "OpenCloud",
        "host": "https://localhost:9200",
        "contact": "",
        "ssl": "true",
    }


# ---- errors in the OCS form


@pytest.mark.parametrize(
    "path", ["/ocs/v1.php/nope", "/ocs/v1.php/cloud/nope", "/ocs/v1.php/cloud/users/a/b/c"]
)
def test_unknown_v1_path_is_998_in_an_http_200(client: TestClient, path: str) -> None:
    response = client.get(path)
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/xml; charset=utf-8"
    root = ET.fromstring(response.content)
    assert root.findtext("meta/status") == "failure"
    assert root.findtext("meta/statuscode") == "998"
    assert root.find("data") is not None


def test_unknown_v2_path_is_404(client: TestClient) -> None:
    response = client.get("/ocs/v2.php/nope?format=json")
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("application/json")
    assert response.json()["ocs"]["meta"]["statuscode"] == 998
    xml_response = client.get("/ocs/v2.php/nope")
    assert xml_response.status_code == 404
    assert ET.fromstring(xml_response.content).findtext("meta/statuscode") == "998"


def test_wrong_method_is_answered_in_the_ocs_form(anonymous: TestClient) -> None:
    response = anonymous.post("/ocs/v2.php/cloud/capabilities?format=json")
    assert response.status_code == 405
    assert response.json()["ocs"]["meta"]["status"] == "failure"


def test_junk_query_does_not_matter(anonymous: TestClient) -> None:
    response = anonymous.get("/ocs/v1.php/cloud/capabilities?format=%ff&format=json&x=%00")
    assert response.status_code == 200
    assert response.json()["ocs"]["meta"]["statuscode"] == 100
