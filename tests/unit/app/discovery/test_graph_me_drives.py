"""LibreGraph ``/me``, ``/me/drive(s)``, ``/drives``, ``/drives/{id}``."""

from __future__ import annotations

import re
import uuid
from typing import Any

import pytest
from starlette.testclient import TestClient

from opencloud.api.graph.drives import parse_filter, quota_state, rfc3339
from opencloud.core.errors import InvalidInput
from opencloud.services.auth.service import AuthService
from opencloud.services.auth.types import Principal
from opencloud.services.files.service import FilesService
from opencloud.services.spaces.service import SpacesService
from opencloud.storage.protocol import StorageDriver
from opencloud.storage.types import Ref

Login = Any

RFC3339 = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{1,9})?Z$")


def _drives(client: TestClient, url: str = "/graph/v1.0/me/drives") -> list[dict[str, Any]]:
    response = client.get(url)
    assert response.status_code == 200, response.text
    value: list[dict[str, Any]] = response.json()["value"]
    # the virtual Shares drive is tested with sharing (tests/unit/app/sharing)
    return [d for d in value if d["driveType"] != "virtual"]


def _stable(drive: dict[str, Any]) -> dict[str, Any]:
    """A drive without ``quota.remaining``: free disk moves while tests run."""
    return {**drive, "quota": {k: v for k, v in drive["quota"].items() if k != "remaining"}}


def _error(response: Any, status: int, code: str) -> None:
    assert response.status_code == status
    assert response.json()["error"]["code"] == code


# ---- /me


def test_me(client: TestClient, me: Principal) -> None:
    response = client.get("/graph/v1.0/me")
    assert response.status_code == 200
    assert response.json() == {
        "id": me.id,
        "displayName": "Alice Hansen",
        "mail": "alice@example.org",
        "onPremisesSamAccountName": "alice",
        "userType": "Member",
        "accountEnabled": True,
    }


def test_me_expand_member_of(client: TestClient, auth: AuthService) -> None:
    body = client.get("/graph/v1.0/me?$expand=memberOf").json()
    groups = {g.name: g.id for g in auth.list_groups()}
    assert sorted(body["memberOf"], key=lambda g: g["displayName"]) == [
        {"id": groups["sales"], "displayName": "sales"},
        {"id": groups["users"], "displayName": "users"},
    ]
    # unknown expansions are ignored, as OpenCloud does
    assert "memberOf" not in client.get("/graph/v1.0/me?$expand=drive").json()


def test_me_without_mail_leaves_it_out(app_client: TestClient, login: Login) -> None:
    _, headers = login("bob")
    body = app_client.get("/graph/v1.0/me", headers=headers).json()
    assert "mail" not in body
    assert body["onPremisesSamAccountName"] == "bob"
    assert body["displayName"] == "bob"


def test_me_without_credentials_is_401(anonymous: TestClient) -> None:
    response = anonymous.get("/graph/v1.0/me")
    _error(response, 401, "unauthenticated")


# ---- drives


@pytest.mark.parametrize(
    "url",
    [
        "/graph/v1.0/me/drives",
        "/graph/v1beta1/me/drives",
        "/graph/v1.0/drives",
        "/graph/v1beta1/drives",
    ],
)
def test_personal_drive(
    client: TestClient, me: Principal, files: FilesService, spaces: SpacesService, url: str
) -> None:
    (drive,) = _drives(client, url)
    space = spaces.personal(me)
    root = files.stat(Ref(space.id, "/"))
    drive_id = f"{spaces.storage_id}${me.id}"
    assert drive["id"] == drive_id
    assert drive["driveType"] == "personal"
    assert drive["driveAlias"] == "personal/alice"
    assert drive["name"] == "Alice Hansen"
    assert drive["owner"] == {"user": {"id": me.id, "displayName": "Alice Hansen"}}
    assert drive["root"] == {
        "id": f"{drive_id}!{root.id}",
        "webDavUrl": f"https://localhost:9200/dav/spaces/{spaces.storage_id}%24{me.id}",
        "eTag": root.etag,
    }
    assert drive["root"]["eTag"].startswith('"')
    assert drive["webUrl"].startswith("https://localhost:9200/f/")
    assert RFC3339.match(drive["lastModifiedDateTime"])
    quota = drive["quota"]
    assert quota["total"] == 0
    assert quota["used"] == 0
    assert quota["remaining"] > 0
    assert quota["state"] == "normal"
    assert "special" not in drive
    assert "permissions" not in drive["root"]


def test_root_etag_follows_every_change(
    client: TestClient, me: Principal, files: FilesService, spaces: SpacesService
) -> None:
    space = spaces.personal(me)
    before = _drives(client)[0]["root"]["eTag"]
    files.mkdir(Ref(space.id, "/docs"))
    after_mkdir = _drives(client)[0]["root"]["eTag"]
    assert after_mkdir != before
    files.upload(Ref(space.id, "/docs/a.txt"), [b"hello"])
    after_upload = _drives(client)[0]["root"]["eTag"]
    assert after_upload != after_mkdir
    assert after_upload == files.stat(Ref(space.id, "/")).etag
    assert client.get("/graph/v1.0/me/drive").json()["root"]["eTag"] == after_upload


def test_quota_state(
    client: TestClient,
    me: Principal,
    driver: StorageDriver,
    files: FilesService,
    spaces: SpacesService,
) -> None:
    space = spaces.personal(me)
    driver.set_quota(space.id, 100)
    files.upload(Ref(space.id, "/a"), [b"x" * 80])
    quota = client.get("/graph/v1.0/me/drive").json()["quota"]
    assert quota == {"total": 100, "used": 80, "remaining": 20, "state": "nearing"}


@pytest.mark.parametrize(
    ("total", "used", "state"),
    [
        (0, 10**12, "normal"),
        (100, 0, "normal"),
        (100, 75, "normal"),
        (100, 76, "nearing"),
        (100, 90, "nearing"),
        (100, 91, "critical"),
        (100, 99, "critical"),
        (100, 100, "exceeded"),
        (100, 150, "exceeded"),
    ],
)
def test_quota_states(total: int, used: int, state: str) -> None:
    assert quota_state(total, used) == state


def test_rfc3339() -> None:
    assert rfc3339(0) == "1970-01-01T00:00:00Z"
    assert rfc3339(1_700_000_000_123_000_000) == "2023-11-14T22:13:20.123Z"
    assert rfc3339(1_700_000_000_000_000_001) == "2023-11-14T22:13:20.000000001Z"


@pytest.mark.parametrize(
    ("flt", "count"),
    [
        ("driveType eq 'personal'", 1),
        ("driveType eq personal", 1),  # as the web client sends it
        ("driveType eq 'project'", 0),
        ("driveType eq 'mountpoint'", 0),
        ("driveType eq 'project' or driveType eq 'personal'", 1),
        ("driveType eq 'personal' and driveType eq 'project'", 0),
        ("DRIVE_ID", 1),
        ("", 1),
    ],
)
def test_filter(
    client: TestClient, spaces: SpacesService, me: Principal, flt: str, count: int
) -> None:
    flt = flt.replace("DRIVE_ID", f"id eq '{spaces.storage_id}${me.id}'")
    for url in ("/graph/v1.0/me/drives", "/graph/v1beta1/me/drives", "/graph/v1.0/drives"):
        assert len(_drives(client, f"{url}?$filter={flt}")) == count
    # the web client's encoding
    encoded = flt.replace(" ", "+").replace("$", "%24")
    assert len(_drives(client, f"/graph/v1.0/me/drives?%24filter={encoded}")) == count


@pytest.mark.parametrize(
    "flt",
    [
        "driveType",
        "driveType eq",
        "driveType ne 'personal'",
        "foo eq 'x'",
        "'driveType' eq 'personal'",
        "(driveType eq 'personal')",
        "driveType eq 'personal' xor driveType eq 'project'",
        "driveType eq 'personal' and",
        "driveType eq 'personal",
        "driveType eq 'personal' driveType",
    ],
)
def test_bad_filter_is_400(client: TestClient, flt: str) -> None:
    _error(client.get("/graph/v1.0/me/drives", params={"$filter": flt}), 400, "invalidRequest")
    with pytest.raises(InvalidInput):
        parse_filter(flt)


def test_quoted_values_may_hold_quotes() -> None:
    assert parse_filter("id eq 'a''b'") == [[("id", "a'b")]]


@pytest.mark.parametrize("order", ["name", "name asc", "lastModifiedDateTime desc"])
def test_orderby(client: TestClient, order: str) -> None:
    assert len(_drives(client, f"/graph/v1.0/me/drives?$orderby={order}")) == 1


@pytest.mark.parametrize("order", ["size", "name sideways", "name asc extra"])
def test_bad_orderby_is_400(client: TestClient, order: str) -> None:
    _error(client.get("/graph/v1.0/me/drives", params={"$orderby": order}), 400, "invalidRequest")


def test_me_drive(client: TestClient, me: Principal, spaces: SpacesService) -> None:
    drive = client.get("/graph/v1.0/me/drive").json()
    assert drive["id"] == f"{spaces.storage_id}${me.id}"
    assert _stable(drive) == _stable(_drives(client)[0])


@pytest.mark.parametrize("version", ["v1.0", "v1beta1"])
def test_drive_by_id(
    client: TestClient, spaces: SpacesService, me: Principal, version: str
) -> None:
    drive_id = f"{spaces.storage_id}${me.id}"
    for path_id in (drive_id, drive_id.replace("$", "%24")):
        response = client.get(f"/graph/{version}/drives/{path_id}")
        assert response.status_code == 200
        assert _stable(response.json()) == _stable(_drives(client)[0])


def test_unknown_drive_is_404(client: TestClient, spaces: SpacesService) -> None:
    for drive_id in (
        f"{spaces.storage_id}${uuid.uuid4()}",  # no such space
        f"{uuid.uuid4()}${uuid.uuid4()}",  # another storage
    ):
        _error(client.get(f"/graph/v1.0/drives/{drive_id}"), 404, "itemNotFound")


def test_someone_elses_drive_is_404(
    app_client: TestClient, login: Login, me: Principal, spaces: SpacesService
) -> None:
    _, headers = login("bob")
    response = app_client.get(f"/graph/v1.0/drives/{spaces.storage_id}${me.id}", headers=headers)
    _error(response, 404, "itemNotFound")
    bobs, shares = app_client.get("/graph/v1.0/me/drives", headers=headers).json()["value"]
    assert shares["driveType"] == "virtual"
    assert bobs["driveAlias"] == "personal/bob"


@pytest.mark.parametrize(
    "drive_id",
    ["garbage", "x$not-a-uuid", "$" + str(uuid.uuid4()), "STORAGE$SPACE!SPACE", "%00"],
)
def test_malformed_drive_id_is_400(
    client: TestClient, spaces: SpacesService, me: Principal, drive_id: str
) -> None:
    drive_id = drive_id.replace("STORAGE", spaces.storage_id).replace("SPACE", me.id)
    _error(client.get(f"/graph/v1.0/drives/{drive_id}"), 400, "invalidRequest")
