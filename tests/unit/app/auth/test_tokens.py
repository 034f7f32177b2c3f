"""``POST /auth/token`` (browser sessions) and ``/auth-app/tokens`` (app tokens)."""

from __future__ import annotations

import re

from starlette.testclient import TestClient

from opencloud.services.auth.service import AuthService

from .conftest import ADMIN_PASSWORD, basic

TOKENS = "/auth-app/tokens"


def test_session_token_for_a_password(client: TestClient) -> None:
    response = client.post("/auth/token", headers=basic("admin", ADMIN_PASSWORD))
    assert response.status_code == 200
    body = response.json()
    assert body["token_type"] == "Bearer"
    assert body["expires_in"] == 1800
    assert response.headers["cache-control"] == "no-store"
    bearer = {"Authorization": f"Bearer {body['access_token']}"}
    assert client.get(TOKENS, headers=bearer).status_code == 200


def test_session_token_refusals(client: TestClient, auth: AuthService) -> None:
    assert client.post("/auth/token").status_code == 401
    wrong = client.post(
        "/auth/token",
        headers={**basic("admin", "wrong"), "X-Requested-With": "XMLHttpRequest"},
    )
    assert wrong.status_code == 401
    assert "Basic" not in wrong.headers["www-authenticate"]
    bearer = client.post("/auth/token", headers={"Authorization": "Bearer x"})
    assert bearer.status_code == 401
    from datetime import timedelta

    clear, _ = auth.create_app_token("admin", expires_in=timedelta(hours=1))
    assert client.post("/auth/token", headers=basic("admin", clear)).status_code == 403


def test_session_endpoint_is_throttled(client: TestClient) -> None:
    for _ in range(3):
        client.post("/auth/token", headers=basic("admin", "wrong"))
    response = client.post("/auth/token", headers=basic("admin", ADMIN_PASSWORD))
    assert response.status_code == 429
    assert int(response.headers["retry-after"]) > 0


def test_app_token_life_cycle(client: TestClient, admin_headers: dict[str, str]) -> None:
    created = client.post(TOKENS, headers=admin_headers, params={"expiry": "72h"})
    assert created.status_code == 200
    body = created.json()
    assert set(body) == {"token", "expiration_date", "created_date", "label"}
    assert body["label"] == "Generated via API"
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", body["expiration_date"])
    token = body["token"]
    as_token = basic("admin", token)
    assert client.get(TOKENS, headers=as_token).status_code == 200

    listed = client.get(TOKENS, headers=admin_headers).json()
    assert len(listed) == 1
    assert listed[0]["token"] != token  # the secret is never shown again
    assert listed[0]["expiration_date"] == body["expiration_date"]

    # an app token cannot mint more app tokens
    assert client.post(TOKENS, headers=as_token, params={"expiry": "1h"}).status_code == 403

    revoked = client.delete(TOKENS, headers=admin_headers, params={"token": listed[0]["token"]})
    assert revoked.status_code == 200
    assert client.get(TOKENS, headers=as_token).status_code == 401
    assert client.get(TOKENS, headers=admin_headers).json() == []


def test_app_token_bad_requests(client: TestClient, admin_headers: dict[str, str]) -> None:
    assert client.post(TOKENS, headers=admin_headers).status_code == 400
    assert client.post(TOKENS, headers=admin_headers, params={"expiry": "soon"}).status_code == 400
    for absurd in ("99999999999999999h", "0h"):  # a date past year 9999; already expired
        reply = client.post(TOKENS, headers=admin_headers, params={"expiry": absurd})
        assert reply.status_code == 400, reply.text
    assert client.delete(TOKENS, headers=admin_headers).status_code == 400
    missing = client.delete(TOKENS, headers=admin_headers, params={"token": "nope"})
    assert missing.status_code == 404
    labelled = client.post(
        TOKENS, headers=admin_headers, params={"expiry": "1h", "label": "rclone"}
    )
    assert labelled.json()["label"] == "rclone"
