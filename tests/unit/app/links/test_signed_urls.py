"""OpenCloud's signed URLs: the signing key from OCS, then ``OC-Credential``,
``OC-Date``, ``OC-Expires``, ``OC-Verb``, ``OC-Algo`` and ``OC-Signature``
on a URL that then needs no other credential. The URLs are signed here the
way OpenCloud's web client signs them (``urlSign.ts``)."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING
from urllib.parse import urlencode

import pytest

if TYPE_CHECKING:
    from .conftest import As

KEY_URL = "/ocs/v2.php/cloud/user/signing-key?format=json"


def _key(user: As) -> str:
    response = user.request("GET", KEY_URL)
    assert response.status_code == 200, response.text
    data = response.json()["ocs"]["data"]
    assert data["user"] == user.id
    key: str = data["signing-key"]
    return key


def _iso(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def sign(
    path: str,
    key: str,
    *,
    user: str = "alan",
    verb: str = "GET",
    date: str | None = None,
    expires: str = "1200",
    extra: str = "",
) -> str:
    """``path`` signed as the web client does: the parameters appended, the
    whole URL hashed, then ``OC-Algo`` and ``OC-Signature`` added."""
    params = {
        "OC-Credential": user,
        "OC-Date": date or _iso(datetime.now(UTC)),
        "OC-Expires": expires,
        "OC-Verb": verb,
    }
    query = (extra + "&" if extra else "") + urlencode(params)
    url = f"http://testserver{path}?{query}"
    signature = hashlib.pbkdf2_hmac("sha512", url.encode(), key.encode(), 10000, 32).hex()
    return f"{path}?{query}&OC-Algo=PBKDF2%2F10000-SHA512&OC-Signature={signature}"


@pytest.fixture
def file_url(alan: As, folder: str) -> str:
    return f"/remote.php/dav/spaces/{alan.drive.replace('$', '%24')}/pub/a.txt"


def test_the_signing_key_is_made_once_and_kept(alan: As, mary: As) -> None:
    key = _key(alan)
    assert len(key) == 128 and key == _key(alan) != _key(mary)
    xml = alan.request("GET", "/ocs/v1.php/cloud/user/signing-key")
    assert xml.status_code == 200 and f"<signing-key>{key}</signing-key>" in xml.text
    assert alan.client.get(KEY_URL).status_code == 401  # no anonymous keys


def test_a_signed_url_downloads_without_credentials(alan: As, file_url: str) -> None:
    url = sign(file_url, _key(alan))
    got = alan.client.get(url)
    assert got.status_code == 200, got.text
    assert got.content == b"alpha"
    head = alan.client.head(sign(file_url, _key(alan), verb="HEAD"))
    assert head.status_code == 200
    # other query parameters are signed too
    extra = alan.client.get(sign(file_url, _key(alan), extra="preview=0&c=1"))
    assert extra.status_code == 200


def test_a_signed_url_speaks_for_its_signer_only(alan: As, mary: As, file_url: str) -> None:
    # mary signs with her key for alan's file: her own rights, so not found
    forged = alan.client.get(sign(file_url, _key(mary), user="mary"))
    assert forged.status_code == 404
    # mary's key with alan's name: no match
    assert alan.client.get(sign(file_url, _key(mary))).status_code == 401


def _tamper(url: str, old: str, new: str) -> str:
    assert old in url
    return url.replace(old, new, 1)


def test_bad_signed_urls_are_refused(alan: As, file_url: str) -> None:
    key = _key(alan)
    now = datetime.now(UTC)
    good = sign(file_url, key)
    cases = [
        # (url, method, status, words in the body)
        (_tamper(good, "OC-Signature=", "OC-Signature=00"), "GET", 401, "does not match"),
        (_tamper(good, "pub/a.txt", "pub/b.txt"), "GET", 401, "does not match"),
        (sign(file_url, key, user="nobody"), "GET", 401, "does not match"),
        (
            sign(file_url, key, date=_iso(now - timedelta(hours=1)), expires="60"),
            "GET",
            401,
            "expired",
        ),
        (sign(file_url, key, date="yesterday"), "GET", 400, "RFC 3339"),
        (sign(file_url, key, date=_iso(now + timedelta(hours=1))), "GET", 400, "future"),
        (sign(file_url, key, expires="0"), "GET", 400, "OC-Expires"),
        (sign(file_url, key, expires="604801"), "GET", 400, "OC-Expires"),
        (sign(file_url, key, expires="1e3"), "GET", 400, "OC-Expires"),
        (_tamper(good, "&OC-Date=", "&X-Date="), "GET", 400, "OC-Date"),
        (_tamper(good, "PBKDF2%2F10000", "MD5%2F1"), "GET", 400, "OC-Algo"),
        (good, "HEAD", 403, ""),  # signed for GET
        (sign(file_url, key, verb="PUT"), "PUT", 403, "GET and HEAD"),
        (sign("/ocs/v2.php/cloud/user/signing-key", key), "GET", 403, "signing key"),
    ]
    for url, method, status, words in cases:
        response = alan.client.request(method, url, content=b"x" if method == "PUT" else None)
        assert response.status_code == status, (url, response.text)
        if method != "HEAD":
            assert words in response.text, (url, response.text)
    # WebDAV paths get Sabre's error body
    refused = alan.client.get(_tamper(good, "OC-Signature=", "OC-Signature=00"))
    assert "<s:exception>Sabre\\DAV\\Exception\\NotAuthenticated</s:exception>" in refused.text
    assert (
        alan.request(
            "GET", f"/remote.php/dav/spaces/{alan.drive.replace('$', '%24')}/pub/a.txt"
        ).content
        == b"alpha"
    )


def test_wrong_signatures_count_as_failed_logins(alan: As, mary: As, file_url: str) -> None:
    """Each check costs a dozen PBKDF2 runs: after auth.throttle_attempts (5)
    wrong signatures for one user, that user's signed URLs get 429 until the
    window passes, without the work (as their passwords would); a session
    already signed in and other users are not affected."""
    key = _key(alan)
    forged = _tamper(sign(file_url, key), "OC-Signature=", "OC-Signature=00")
    for _ in range(5):
        assert alan.client.get(forged).status_code == 401
    throttled = alan.client.get(sign(file_url, key))  # even a good one, for now
    assert throttled.status_code == 429
    assert throttled.headers["Retry-After"]
    assert alan.request("GET", file_url).status_code == 200  # a session is no guess
    assert mary.request("GET", KEY_URL).status_code == 200


def test_ocs_paths_answer_in_the_ocs_envelope(alan: As) -> None:
    url = sign("/ocs/v2.php/cloud/user", _key(alan), date="garbage")
    response = alan.client.get(url + "&format=json")
    assert response.status_code == 400
    assert "OC-Date" in response.json()["ocs"]["meta"]["message"]
