"""Locks: honoured by every writer, and kept on the storage across restarts."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from starlette.testclient import TestClient

from opencloud.app.factory import create_app
from opencloud.config.schema import Settings

from .conftest import PASSWORD

if TYPE_CHECKING:
    from .conftest import Dav

LOCKINFO = (
    '<?xml version="1.0"?><d:lockinfo xmlns:d="DAV:"><d:lockscope><d:exclusive/></d:lockscope>'
    "<d:locktype><d:write/></d:locktype><d:owner>tests</d:owner></d:lockinfo>"
)
URL = "/remote.php/webdav/locked.txt"


def lock(dav: Dav, url: str = URL) -> str:
    reply = dav.request("LOCK", url, content=LOCKINFO.encode(), headers={"Timeout": "Second-600"})
    assert reply.status_code == 200, reply.text
    token = reply.headers["lock-token"]
    assert re.fullmatch(r"<[^>]+>", token)
    return token


def test_a_lock_stops_native_puts_without_its_token(dav: Dav) -> None:
    dav.put(URL, b"v1")
    token = lock(dav)
    refused = dav.put(URL, b"v2")
    assert refused.status_code == 423
    assert b"Sabre\\DAV\\Exception\\Locked" in refused.content
    assert dav.request("GET", URL).content == b"v1"
    ok = dav.put(URL, b"v2", headers={"If": f"({token})"})
    assert ok.status_code == 204
    assert dav.request("GET", URL).content == b"v2"


def test_a_lock_on_a_folder_covers_what_is_inside(dav: Dav) -> None:
    dav.request("MKCOL", "/remote.php/webdav/d")
    reply = dav.request(
        "LOCK",
        "/remote.php/webdav/d",
        content=LOCKINFO.encode(),
        headers={"Depth": "infinity"},
    )
    token = reply.headers["lock-token"]
    assert dav.put("/remote.php/webdav/d/new.txt", b"x").status_code == 423
    assert dav.request("MKCOL", "/remote.php/webdav/d/sub").status_code == 423
    assert (
        dav.put("/remote.php/webdav/d/new.txt", b"x", headers={"If": f"({token})"}).status_code
        == 201
    )


def test_locks_meet_across_url_flavours(dav: Dav) -> None:
    dav.put(URL, b"v1")
    lock(dav)
    assert dav.put(dav.space_url + "/locked.txt", b"v2").status_code == 423
    assert dav.request("DELETE", "/remote.php/dav/files/alan/locked.txt").status_code == 423


def test_unlock(dav: Dav) -> None:
    dav.put(URL, b"v1")
    token = lock(dav)
    assert dav.request("UNLOCK", URL, headers={"Lock-Token": token}).status_code == 204
    assert dav.put(URL, b"v2").status_code == 204


def test_locks_survive_a_restart(settings: Settings, dav: Dav) -> None:
    dav.put(URL, b"v1")
    token = lock(dav)
    dav.client.__exit__(None, None, None)
    with TestClient(create_app(settings)) as again:
        refused = again.put(URL, content=b"v2", auth=("alan", PASSWORD))
        assert refused.status_code == 423
        ok = again.put(URL, content=b"v2", auth=("alan", PASSWORD), headers={"If": f"({token})"})
        assert ok.status_code == 204


DISCOVER = (
    '<?xml version="1.0"?><d:propfind xmlns:d="DAV:"><d:prop><d:lockdiscovery/>'
    "<d:supportedlock/></d:prop></d:propfind>"
)


def test_propfind_shows_active_and_supported_locks(dav: Dav) -> None:
    dav.request("MKCOL", "/remote.php/webdav/d")
    dav.put("/remote.php/webdav/d/f.txt", b"x")
    reply = dav.request(
        "LOCK", "/remote.php/webdav/d", content=LOCKINFO.encode(), headers={"Depth": "infinity"}
    )
    token = reply.headers["lock-token"].strip("<>")
    for url in ("/remote.php/webdav/d", "/remote.php/webdav/d/f.txt"):  # the child inherits it
        found = dav.propfind(url, DISCOVER, depth="0")
        assert found.status_code == 207
        body = found.text
        assert "HTTP/1.1 404" not in body
        assert f"<d:locktoken><d:href>{token}</d:href></d:locktoken>" in body
        assert "<d:lockroot><d:href>/remote.php/webdav/d</d:href></d:lockroot>" in body
        assert "<d:depth>infinity</d:depth>" in body
        assert re.search(r"<(\w+:)?owner [^>]*>tests</(\w+:)?owner>", body)  # as sent
        assert "<d:supportedlock><d:lockentry>" in body
    dav.request("UNLOCK", "/remote.php/webdav/d", headers={"Lock-Token": f"<{token}>"})
    after = dav.propfind("/remote.php/webdav/d/f.txt", DISCOVER, depth="0")
    assert "<d:lockdiscovery/>" in after.text


def test_wsgidav_replies_use_the_clients_url_flavour(dav: Dav) -> None:
    dav.put(URL, b"x")
    locked = dav.request("LOCK", URL, content=LOCKINFO.encode())
    assert "<ns0:href>/remote.php/webdav/locked.txt</ns0:href>" in locked.text
    assert "/dav/spaces/" not in locked.text
    assert int(locked.headers["content-length"]) == len(locked.content)
    token = locked.headers["lock-token"]
    patch = (
        '<d:propertyupdate xmlns:d="DAV:" xmlns:x="urn:x"><d:set><d:prop><x:a>1</x:a>'
        "</d:prop></d:set></d:propertyupdate>"
    )
    for base in ("/remote.php/webdav", "/remote.php/dav/files/alan", dav.space_url):
        reply = dav.request(
            "PROPPATCH", f"{base}/locked.txt", content=patch.encode(), headers={"If": f"({token})"}
        )
        assert reply.status_code == 207
        assert f"<ns0:href>{base}/locked.txt</ns0:href>" in reply.text
