"""Public links over WebDAV beyond the basics (``tests/unit/api/webdav``):
the ``oc:public-link-*`` properties of the root, ``oc:signature-auth`` and
``?signature=&expiration=``, the ``public-token`` header, file-drop names and
``oc:share-types`` 3 for the owner."""

from __future__ import annotations

import re
import time
from typing import TYPE_CHECKING, Any

import httpx2 as httpx
import pytest

from opencloud.core.ids import SpaceId
from opencloud.services.shares.links import SIGNATURE_TTL, Link
from opencloud.storage.types import Ref

from .conftest import LINK_PASSWORD

if TYPE_CHECKING:
    from .conftest import As

LINK_PROPS = """<?xml version="1.0"?>
<d:propfind xmlns:d="DAV:" xmlns:oc="http://owncloud.org/ns"><d:prop>
<d:resourcetype/><oc:public-link-item-type/><oc:public-link-permission/>
<oc:public-link-expiration/><oc:public-link-share-datetime/><oc:public-link-share-owner/>
<oc:signature-auth/><d:getcontenttype/>
</d:prop></d:propfind>"""


def _public(
    alan: As,
    method: str,
    link: Link,
    tail: str = "",
    *,
    password: str | None = LINK_PASSWORD,
    **kw: Any,
) -> httpx.Response:
    if password is not None:
        kw["auth"] = ("public", password)
    return alan.client.request(method, f"/remote.php/dav/public-files/{link.token}{tail}", **kw)


def _responses(body: str) -> list[str]:
    return re.findall(r"<d:response>.*?</d:response>", body, re.S)


def _href(response: str) -> str:
    found = re.search(r"<d:href>(.*?)</d:href>", response)
    assert found
    return found.group(1)


def _ok(response: str) -> str:
    """The 200 propstat of one response."""
    return response.split("HTTP/1.1 200 OK", maxsplit=1)[0]


def _value(xml: str, prop: str) -> str | None:
    found = re.search(rf"<oc:{prop}>(.*?)</oc:{prop}>", xml, re.S)
    return found.group(1) if found else None


# ---------------------------------------------------------------- properties


def test_the_root_tells_what_the_link_is(alan: As, folder: str) -> None:
    link = alan.link("/pub", "upload")
    expires = int(time.time() + 86400) * 1_000_000_000
    link = alan.links.update(alan.principal(), link.id, expires=expires)
    response = _public(alan, "PROPFIND", link, "/", headers={"Depth": "1"}, content=LINK_PROPS)
    assert response.status_code == 207, response.text
    root, child = _responses(response.text)
    ok = _ok(root)
    assert _value(ok, "public-link-item-type") == "folder"
    assert _value(ok, "public-link-permission") == "5"  # read + create
    assert _value(ok, "public-link-share-owner") == "alan"
    assert re.fullmatch(
        r"\w{3}, \d\d \w{3} \d{4} \d\d:\d\d:\d\d GMT",
        _value(ok, "public-link-share-datetime") or "",
    )
    assert (_value(ok, "public-link-expiration") or "").endswith("GMT")
    assert "<oc:signature>" in ok and "<oc:expiration>" in ok
    # below the root: none of them
    assert "public-link-item-type" not in _ok(child)
    assert "signature-auth" not in _ok(child)


def test_a_file_link_and_a_link_without_password_or_expiry(alan: As, folder: str) -> None:
    alan.links.must_have_password = False
    link = alan.link("/pub/a.txt", "view", password="")
    response = _public(alan, "PROPFIND", link, headers={"Depth": "0"}, content=LINK_PROPS)
    assert response.status_code == 207, response.text
    (root,) = _responses(response.text)
    ok = _ok(root)
    assert _value(ok, "public-link-item-type") == "file"
    assert _value(ok, "public-link-permission") == "1"
    assert "public-link-expiration" not in ok  # never expires: a 404 propstat
    assert "signature-auth" not in ok  # nothing to sign without a password


def test_a_file_drop_root_says_create_only(alan: As, folder: str) -> None:
    link = alan.link("/pub", "createOnly")
    response = _public(alan, "PROPFIND", link, headers={"Depth": "1"}, content=LINK_PROPS)
    (root,) = _responses(response.text)
    assert _value(_ok(root), "public-link-permission") == "4"


def test_public_link_properties_cannot_be_set(alan: As, folder: str) -> None:
    link = alan.link("/pub", "edit")
    body = (
        '<?xml version="1.0"?><d:propertyupdate xmlns:d="DAV:" xmlns:oc="http://owncloud.org/ns">'
        "<d:set><d:prop><oc:public-link-permission>31</oc:public-link-permission></d:prop></d:set>"
        "</d:propertyupdate>"
    )
    response = _public(alan, "PROPPATCH", link, "/", content=body)
    assert response.status_code in (207, 403), response.text
    assert "HTTP/1.1 200" not in response.text


def test_the_owner_sees_share_type_3(alan: As, folder: str) -> None:
    alan.link("/pub", "view")
    body = (
        '<?xml version="1.0"?><d:propfind xmlns:d="DAV:" xmlns:oc="http://owncloud.org/ns">'
        "<d:prop><oc:share-types/></d:prop></d:propfind>"
    )
    url = f"/remote.php/dav/spaces/{alan.drive.replace('$', '%24')}/"
    response = alan.request("PROPFIND", url, headers={"Depth": "1"}, content=body)
    assert response.status_code == 207
    by_href = {_href(r): r for r in _responses(response.text)}
    pub = next(r for href, r in by_href.items() if href.endswith("/pub/"))
    assert "<oc:share-type>3</oc:share-type>" in pub
    others = [r for href, r in by_href.items() if not href.endswith("/pub/")]
    assert all("<oc:share-type>3" not in r for r in others)


# ---------------------------------------------------------------- signatures


def _signature_auth(alan: As, link: Link) -> tuple[str, str]:
    response = _public(alan, "PROPFIND", link, headers={"Depth": "0"}, content=LINK_PROPS)
    (root,) = _responses(response.text)
    signature, expiration = _value(root, "signature"), _value(root, "expiration")
    assert signature and expiration
    return signature, expiration


def test_a_signature_downloads_without_the_password(alan: As, folder: str) -> None:
    link = alan.link("/pub", "view")
    signature, expiration = _signature_auth(alan, link)
    query = {"signature": signature, "expiration": expiration}
    got = _public(alan, "GET", link, "/a.txt", password=None, params=query)
    assert got.status_code == 200 and got.content == b"alpha"
    assert _public(alan, "HEAD", link, "/a.txt", password=None, params=query).status_code == 200


BAD_SIGNATURES = [
    ("GET", {"signature": "ab" * 32}, 400, "expiration"),
    ("GET", {"signature": "ab" * 32, "expiration": "tomorrow"}, 400, "RFC 3339"),
    ("GET", {"signature": "ab" * 32, "expiration": "2999-01-01T00:00:00Z"}, 401, "wrong"),
    ("PROPFIND", {"signature": "SIG", "expiration": "EXP"}, 403, "GET and HEAD"),
    ("PUT", {"signature": "SIG", "expiration": "EXP"}, 403, "GET and HEAD"),
]


@pytest.mark.parametrize("case", BAD_SIGNATURES)
def test_bad_signatures_are_refused(
    alan: As, folder: str, case: tuple[str, dict[str, str], int, str]
) -> None:
    method, query, status, needle = case
    link = alan.link("/pub", "edit")
    signature, expiration = _signature_auth(alan, link)
    query = {k: v.replace("SIG", signature).replace("EXP", expiration) for k, v in query.items()}
    response = _public(alan, method, link, "/a.txt", password=None, params=query, content=b"x")
    assert response.status_code == status, response.text
    assert needle in response.text
    assert "<s:exception>" in response.text  # Sabre's error body
    assert alan.files.stat(Ref(SpaceId(alan.id), "/pub/a.txt")).size == 5


def test_an_expired_or_stale_signature_is_refused(alan: As, folder: str) -> None:
    link = alan.link("/pub", "view")
    signature, expiration = alan.links.sign(link, now_s=time.time() - SIGNATURE_TTL - 1)
    query = {"signature": signature, "expiration": expiration}
    expired = _public(alan, "GET", link, "/a.txt", password=None, params=query)
    assert expired.status_code == 401 and "expired" in expired.text
    fresh, fresh_expiration = _signature_auth(alan, link)
    alan.links.set_password(alan.principal(), link.id, "Other-pass-2")
    query = {"signature": fresh, "expiration": fresh_expiration}
    stale = _public(alan, "GET", link, "/a.txt", password=None, params=query)
    assert stale.status_code == 401  # a new password ends every signature


# ---------------------------------------------------------------- public-token


def test_the_public_token_must_name_the_link_of_the_url(alan: As, folder: str) -> None:
    link = alan.link("/pub", "view")
    same = _public(alan, "GET", link, "/a.txt", headers={"public-token": link.token})
    assert same.status_code == 200
    other = _public(alan, "GET", link, "/a.txt", headers={"public-token": "A" * 32})
    assert other.status_code == 400 and "<s:exception>" in other.text
    query = _public(alan, "GET", link, "/a.txt", params={"public-token": "B" * 32})
    assert query.status_code == 400


# ---------------------------------------------------------------- file drop


def test_a_file_drop_never_overwrites_and_never_tells(alan: As, folder: str) -> None:
    link = alan.link("/pub", "createOnly")
    for body in (b"one", b"two", b"three"):
        put = _public(alan, "PUT", link, "/a.txt", content=body)
        assert put.status_code == 201, put.text
        assert "a (" not in put.text
    names = sorted(e.name for e in alan.files.list(Ref(SpaceId(alan.id), "/pub")))
    assert names == ["a (2).txt", "a (3).txt", "a (4).txt", "a.txt"]
    assert alan.files.stat(Ref(SpaceId(alan.id), "/pub/a.txt")).size == 5  # alpha, untouched
    # the same with If-None-Match: * (what the web client sends for new files)
    put = _public(alan, "PUT", link, "/a.txt", content=b"4", headers={"If-None-Match": "*"})
    assert put.status_code == 201
    assert "a (5).txt" in {e.name for e in alan.files.list(Ref(SpaceId(alan.id), "/pub"))}


def test_a_tus_upload_into_a_file_drop_takes_a_free_name(alan: As, folder: str) -> None:
    link = alan.link("/pub", "createOnly")
    created = _public(
        alan,
        "POST",
        link,
        "/",
        headers={
            "Tus-Resumable": "1.0.0",
            "Upload-Length": "3",
            "Upload-Metadata": "filename YS50eHQ=",  # a.txt
            "Content-Type": "application/offset+octet-stream",
        },
        content=b"tus",
    )
    assert created.status_code == 201, created.text
    names = {e.name for e in alan.files.list(Ref(SpaceId(alan.id), "/pub"))}
    assert "a (2).txt" in names
    assert alan.files.stat(Ref(SpaceId(alan.id), "/pub/a.txt")).size == 5
