"""The authentication middleware through real HTTP (TestClient): which paths need
credentials, every credential form, every malformed header, throttling, and the
error body each protocol's clients parse."""

from __future__ import annotations

import base64
from datetime import timedelta

import pytest
from starlette.testclient import TestClient

from opencloud.api.http.auth import needs_auth
from opencloud.services.auth.service import AuthService

from .conftest import ADMIN_PASSWORD, basic

ME = "/auth-app/tokens"  # a protected route of ours that any signed-in user may GET


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("/status.php", False),
        ("/healthz", False),
        ("/readyz", False),
        ("/ocs/v1.php/config", False),
        ("/ocs/v2.php/config", False),
        ("/dav/public-files/abc/x.txt", False),
        ("/remote.php/dav/public-files/abc", False),
        ("/data/some-upload-token", False),
        ("/auth/token", False),
        ("/ocs/v1.php/cloud/capabilities", None),
        ("/ocs/v2.php/cloud/capabilities", None),
        ("/ocs/v1.php/cloud/user", True),
        ("/remote.php/webdav/a", True),
        ("/remote.php/dav/files/alice/", True),
        ("/dav/spaces/x", True),
        ("/dav", True),
        ("/webdav", True),
        ("/webdav/x", True),
        ("/graph/v1.0/me", True),
        ("/auth-app/tokens", True),
        ("/api/v0/settings/x", True),
        ("/", False),
        ("/favicon.ico", False),
        ("/davx", False),
        ("/dav/public-filesX/a", True),
    ],
)
def test_which_paths_need_credentials(path: str, expected: bool | None) -> None:
    assert needs_auth(path) is expected


def test_no_credentials_is_401_with_a_basic_challenge(client: TestClient) -> None:
    response = client.get(ME)
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == 'Basic realm="OpenCloud", charset="UTF-8"'
    assert response.json()["error"]["code"] == "unauthenticated"


def test_webdav_clients_get_sabre_xml(client: TestClient) -> None:
    for method in ("PROPFIND", "OPTIONS", "GET"):
        response = client.request(method, "/remote.php/dav/files/alice/")
        assert response.status_code == 401, method
        assert response.headers["content-type"].startswith("application/xml")
        assert "Sabre\\DAV\\Exception\\NotAuthenticated" in response.text
        assert "www-authenticate" in response.headers


def test_ocs_clients_get_the_ocs_envelope(client: TestClient) -> None:
    response = client.get("/ocs/v2.php/cloud/user?format=json")
    assert response.status_code == 401
    assert response.json()["ocs"]["meta"]["statuscode"] == 997


def test_browsers_get_no_basic_challenge(client: TestClient) -> None:
    response = client.get(ME, headers={"X-Requested-With": "XMLHttpRequest"})
    assert response.status_code == 401
    assert "Basic" not in response.headers["www-authenticate"]


def test_a_failed_bearer_gets_a_bearer_challenge(client: TestClient) -> None:
    response = client.get(ME, headers={"Authorization": "Bearer nonsense"})
    assert response.status_code == 401
    assert response.headers["www-authenticate"].startswith("Bearer")


def test_good_and_bad_password(client: TestClient) -> None:
    assert client.get(ME, headers=basic("admin", ADMIN_PASSWORD)).status_code == 200
    response = client.get(ME, headers=basic("admin", "wrong"))
    assert response.status_code == 401
    assert response.json()["error"]["message"] == "wrong username or password"
    assert client.get(ME, headers=basic("nobody", "wrong")).status_code == 401


def test_app_token_accepted_then_revoked(client: TestClient, auth: AuthService) -> None:
    clear, record = auth.create_app_token("admin", expires_in=timedelta(hours=1))
    assert client.get(ME, headers=basic("admin", clear)).status_code == 200
    auth.revoke_app_token("admin", record.id)
    assert client.get(ME, headers=basic("admin", clear)).status_code == 401


def test_jwt_valid_and_tampered(client: TestClient, admin_headers: dict[str, str]) -> None:
    assert client.get(ME, headers=admin_headers).status_code == 200
    tampered = admin_headers["Authorization"][:-3] + "xyz"
    assert client.get(ME, headers={"Authorization": tampered}).status_code == 401


def _b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode()


@pytest.mark.parametrize(
    ("header", "message"),
    [
        ("Basic !!!notbase64", "not valid base64"),
        ("Basic " + _b64(b"no-colon"), "no ':'"),
        ("Basic " + _b64(b"\xff\xfe:\xff"), "not UTF-8"),
        ("Basic " + _b64(b":password"), "empty username"),
        ("Basic ", "nothing after 'Basic'"),
        ("Bearer", "no token"),
        ("Bearer ", "no token"),
        ("Digest username=x", "unsupported authentication scheme"),
        ("Basic " + "A" * 9000, "longer than 8192"),
        ("Basic \u00e9", "not valid base64"),
    ],
)
def test_malformed_authorization_is_a_clear_401(
    client: TestClient, header: str, message: str
) -> None:
    response = client.get(ME, headers=[(b"Authorization", header.encode())])
    assert response.status_code == 401, response.text
    assert message in response.json()["error"]["message"]


def test_throttled_per_user_with_retry_after(client: TestClient) -> None:
    for _ in range(3):
        assert client.get(ME, headers=basic("admin", "bad")).status_code == 401
    response = client.get(ME, headers=basic("admin", ADMIN_PASSWORD))
    assert response.status_code == 429
    assert 1 <= int(response.headers["retry-after"]) <= 300
    assert response.json()["error"]["code"] == "tooManyRequests"
    dav = client.request("PROPFIND", "/remote.php/webdav/", headers=basic("admin", "x"))
    assert dav.status_code == 429
    assert "TooManyRequests" in dav.text


def test_throttled_per_address(client: TestClient, auth: AuthService) -> None:
    auth.create_user("carol", "pw")
    for n in range(6):
        assert client.get(ME, headers=basic(f"guess{n}", "bad")).status_code == 401
    response = client.get(ME, headers=basic("carol", "pw"))
    assert response.status_code == 429
    assert "address" in response.json()["error"]["message"]


def test_public_paths_and_anonymous_capabilities(client: TestClient) -> None:
    assert client.get("/status.php").status_code == 200
    assert client.get("/healthz").status_code == 200
    # anonymous: not refused by the middleware (whatever the route answers)
    anonymous = client.get("/ocs/v1.php/cloud/capabilities")
    assert anonymous.status_code != 401
    refused = client.get("/ocs/v1.php/cloud/capabilities", headers=basic("admin", "wrong"))
    assert refused.status_code == 401


def test_principal_in_scope_state(client: TestClient, admin_headers: dict[str, str]) -> None:
    response = client.get("/graph/v1.0/users/admin", headers=admin_headers)
    assert response.status_code == 200
    assert response.json()["onPremisesSamAccountName"] == "admin"
