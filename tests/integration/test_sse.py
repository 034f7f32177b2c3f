"""Live updates against a real server, read the way a client reads them (httpx-sse).

alan owns a folder he shares with mary; zoe is a stranger. Every user holds
an open stream from the start; each test makes changes and checks who heard
what: the owner and the recipient get the event with its ids and the
writer's ``Initiator-ID``, the stranger never hears a thing, and after the
share is removed mary hears nothing more of the folder.
"""

from __future__ import annotations

import queue
import re
import signal
import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from httpx_sse import ServerSentEvent, connect_sse

from .conftest import Server

SSE = "/ocs/v2.php/apps/notifications/api/v1/notifications/sse"
VIEWER = "b1e2218d-eef8-4d4c-b82d-0f1a1b48f3b5"
PASSWORDS = {"admin": "Admin-pass-123", "alan": "Alan-pass-123", "mary": "Mary-pass-123"}
PASSWORDS["zoe"] = "Zoe-pass-123"
PASSWORDS["kim"] = "Kim-pass-123"
#: generous for CI; the benchmark measures the real delivery latency
WAIT = 5.0


def _start(base: Path, **env: str) -> Server:
    running = Server(base, tls=False)
    running.env |= env
    running.cli("init", "--admin-password", PASSWORDS["admin"])
    for name in ("alan", "mary", "zoe", "kim"):
        running.cli("users", "add", name, "--password", PASSWORDS[name])
    running.start()
    return running


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    running = _start(
        tmp_path_factory.mktemp("sse"), OC_SSE__MAX_STREAMS_PER_USER="3", OC_SSE__KEEPALIVE="1"
    )
    try:
        yield running
    finally:
        running.stop()


class Listener:
    """One user's open stream, read in a thread into a queue."""

    def __init__(self, server: Server, user: str) -> None:
        self.user = user
        self.events: queue.Queue[ServerSentEvent] = queue.Queue()
        self.opened = threading.Event()
        self.ended = threading.Event()
        self.status = 0
        self.skipped: list[str] = []
        self._client = httpx.Client(
            base_url=server.url, auth=(user, PASSWORDS[user]), timeout=httpx.Timeout(10, read=60)
        )
        self._thread = threading.Thread(target=self._read, daemon=True)
        self._thread.start()
        assert self.opened.wait(10), f"{user}'s stream did not open"
        assert self.status == 200, self.status

    def _read(self) -> None:
        try:
            with connect_sse(self._client, "GET", SSE) as source:
                self.status = source.response.status_code
                self.content_type = source.response.headers.get("content-type", "")
                self.opened.set()
                for event in source.iter_sse():
                    self.events.put(event)
        except (httpx.HTTPError, RuntimeError):
            pass
        finally:
            self.opened.set()
            self.ended.set()

    def expect(self, name: str, itemid: str, wait: float = WAIT) -> dict[str, Any]:
        """The next ``name`` event about ``itemid`` (others are skipped)."""
        deadline = time.monotonic() + wait
        while (left := deadline - time.monotonic()) > 0:
            try:
                event = self.events.get(timeout=left)
            except queue.Empty:
                break
            data: dict[str, Any] = event.json() if event.event != "message" else {}
            if event.event == name and data.get("itemid") == itemid:
                return data
            self.skipped.append(f"{event.event} {event.data}")
        pytest.fail(f"{self.user} never heard {name} about {itemid}; heard {self.skipped[-5:]}")

    def heard_of(self, ids: set[str], wait: float = 1.5) -> list[str]:
        """Every event (name) mentioning one of ``ids`` that arrives within ``wait`` s."""
        found: list[str] = []
        deadline = time.monotonic() + wait
        while (left := deadline - time.monotonic()) > 0:
            try:
                event = self.events.get(timeout=left)
            except queue.Empty:
                break
            if any(i in event.data for i in ids):
                found.append(event.event)
        return found

    def close(self) -> None:
        self._client.close()
        self._thread.join(10)


@pytest.fixture(scope="module")
def listeners(server: Server) -> Iterator[dict[str, Listener]]:
    opened = {user: Listener(server, user) for user in ("alan", "mary", "zoe")}
    yield opened
    for listener in opened.values():
        listener.close()


def _client(server: Server, user: str) -> httpx.Client:
    return httpx.Client(base_url=server.url, auth=(user, PASSWORDS[user]), timeout=10)


def _file_id(client: httpx.Client, path: str) -> str:
    body = (
        '<?xml version="1.0"?><d:propfind xmlns:d="DAV:" xmlns:oc="http://owncloud.org/ns">'
        "<d:prop><oc:id/></d:prop></d:propfind>"
    )
    answer = client.request(
        "PROPFIND", f"/remote.php/webdav{path}", content=body, headers={"Depth": "0"}
    )
    assert answer.status_code == 207, answer.text
    found = re.search(r"<oc:id>([^<]+)</oc:id>", answer.text)
    assert found is not None, answer.text
    return found.group(1)


@pytest.fixture(scope="module")
def shared(server: Server, listeners: dict[str, Listener]) -> dict[str, str]:
    """alan's /docs, shared with mary as Viewer: its ids and the permission id."""
    with _client(server, "alan") as alan:
        assert alan.request("MKCOL", "/remote.php/webdav/docs").status_code == 201
        docs = _file_id(alan, "/docs")
        drive = docs.partition("!")[0]
        mary_id = _user_id(server, "mary")
        invited = alan.post(
            f"/graph/v1beta1/drives/{drive}/items/{docs}/invite",
            json={
                "recipients": [{"objectId": mary_id, "@libre.graph.recipient.type": "user"}],
                "roles": [VIEWER],
            },
        )
        assert invited.status_code == 200, invited.text
    # mary hears of her new share, with herself among the affected users
    created = listeners["mary"].expect("share-created", docs)
    assert created["affecteduserids"] == [mary_id]
    return {"docs": docs, "drive": drive, "permission": invited.json()["value"][0]["id"]}


def _user_id(server: Server, user: str) -> str:
    with _client(server, user) as client:
        me: str = client.get("/graph/v1.0/me").json()["id"]
        return me


def test_the_stream_is_an_event_stream_and_needs_a_login(
    server: Server, listeners: dict[str, Listener]
) -> None:
    assert listeners["alan"].content_type.startswith("text/event-stream")
    with httpx.Client(base_url=server.url, timeout=10) as anonymous:
        assert anonymous.get(SSE).status_code == 401
    with _client(server, "alan") as alan:
        caps = alan.get("/ocs/v2.php/cloud/capabilities", params={"format": "json"})
    assert caps.json()["ocs"]["data"]["capabilities"]["core"]["support-sse"] is True


def test_an_upload_reaches_owner_and_recipient_with_the_initiator_and_no_stranger(
    server: Server, listeners: dict[str, Listener], shared: dict[str, str]
) -> None:
    with _client(server, "alan") as alan:
        put = alan.put(
            "/remote.php/webdav/docs/report.txt",
            content=b"hello",
            headers={"Initiator-ID": "alans-laptop"},
        )
        assert put.status_code == 201, put.text
        file_id = put.headers["OC-FileId"]
    for user in ("alan", "mary"):
        data = listeners[user].expect("postprocessing-finished", file_id)
        assert data["initiatorid"] == "alans-laptop"
        assert data["parentitemid"] == shared["docs"]
        assert data["spaceid"] == shared["drive"]
        assert data["etag"] == put.headers["ETag"]
        assert set(data) == {
            "parentitemid",
            "itemid",
            "spaceid",
            "initiatorid",
            "etag",
            "affecteduserids",
        }
    assert listeners["zoe"].heard_of({file_id, shared["docs"]}) == []


def test_rename_move_and_delete_are_announced(
    server: Server, listeners: dict[str, Listener], shared: dict[str, str]
) -> None:
    base = "/remote.php/webdav/docs"
    with _client(server, "alan") as alan:
        assert alan.put(f"{base}/a.txt", content=b"a").status_code == 201
        item = _file_id(alan, "/docs/a.txt")
        moved = alan.request("MOVE", f"{base}/a.txt", headers={"Destination": f"{base}/b.txt"})
        assert moved.status_code == 201
        listeners["mary"].expect("item-renamed", item)
        assert alan.request("MKCOL", f"{base}/sub").status_code == 201
        sub = _file_id(alan, "/docs/sub")
        listeners["mary"].expect("folder-created", sub)
        into = alan.request("MOVE", f"{base}/b.txt", headers={"Destination": f"{base}/sub/b.txt"})
        assert into.status_code == 201
        assert listeners["mary"].expect("item-moved", item)["parentitemid"] == sub
        assert alan.delete(f"{base}/sub").status_code == 204
        listeners["mary"].expect("item-trashed", sub)
    assert listeners["zoe"].heard_of({item, sub}) == []


def test_locking_and_unlocking_are_announced(
    server: Server, listeners: dict[str, Listener], shared: dict[str, str]
) -> None:
    body = (
        '<?xml version="1.0"?><d:lockinfo xmlns:d="DAV:"><d:lockscope><d:exclusive/>'
        "</d:lockscope><d:locktype><d:write/></d:locktype></d:lockinfo>"
    )
    with _client(server, "alan") as alan:
        assert alan.put("/remote.php/webdav/docs/locked.txt", content=b"l").status_code == 201
        item = _file_id(alan, "/docs/locked.txt")
        locked = alan.request(
            "LOCK", "/remote.php/webdav/docs/locked.txt", content=body, headers={"Timeout": "60"}
        )
        assert locked.status_code == 200, locked.text
        listeners["mary"].expect("file-locked", item)
        unlocked = alan.request(
            "UNLOCK",
            "/remote.php/webdav/docs/locked.txt",
            headers={"Lock-Token": locked.headers["Lock-Token"]},
        )
        assert unlocked.status_code == 204
        listeners["mary"].expect("file-unlocked", item)
    assert listeners["zoe"].heard_of({item}) == []


def test_a_file_written_by_another_program_is_announced(
    server: Server, listeners: dict[str, Listener], shared: dict[str, str]
) -> None:
    alan_id = _user_id(server, "alan")
    folder = server.base / "data" / "storage" / "users" / "users" / alan_id / "docs"
    (folder / "outside.txt").write_bytes(b"written by rsync")
    with _client(server, "alan") as alan:
        deadline = time.monotonic() + WAIT
        while True:
            try:
                item = _file_id(alan, "/docs/outside.txt")
                break
            except AssertionError:
                assert time.monotonic() < deadline, "the watcher never saw the file"
                time.sleep(0.1)
    data = listeners["mary"].expect("postprocessing-finished", item)
    assert data["initiatorid"] == ""  # nobody's client made it


def test_links_are_announced_to_who_sees_the_item(
    server: Server, listeners: dict[str, Listener], shared: dict[str, str]
) -> None:
    base = f"/graph/v1beta1/drives/{shared['drive']}/items/{shared['docs']}"
    with _client(server, "alan") as alan:
        made = alan.post(f"{base}/createLink", json={"type": "view", "password": "Link-pass-123!"})
        assert made.status_code == 200, made.text
        for user in ("alan", "mary"):
            listeners[user].expect("link-created", shared["docs"])
        removed = alan.delete(f"{base}/permissions/{made.json()['id']}")
        assert removed.status_code == 204, removed.text
        listeners["mary"].expect("link-removed", shared["docs"])
    assert listeners["zoe"].heard_of({shared["docs"]}) == []


def test_after_the_share_is_removed_the_recipient_hears_nothing_more(
    server: Server, listeners: dict[str, Listener], shared: dict[str, str]
) -> None:
    with _client(server, "alan") as alan:
        removed = alan.delete(
            f"/graph/v1beta1/drives/{shared['drive']}/items/{shared['docs']}"
            f"/permissions/{shared['permission']}"
        )
        assert removed.status_code == 204, removed.text
        listeners["mary"].expect("share-removed", shared["docs"])
        put = alan.put("/remote.php/webdav/docs/secret.txt", content=b"not for mary")
        assert put.status_code == 201
        listeners["alan"].expect("postprocessing-finished", put.headers["OC-FileId"])
    assert listeners["mary"].heard_of({put.headers["OC-FileId"]}) == []


def test_idle_streams_get_keep_alive_comments(server: Server) -> None:
    # OC_SSE__KEEPALIVE=1 on this server: read raw lines for a little over a second
    with (
        _client(server, "zoe") as zoe,
        zoe.stream("GET", SSE, timeout=httpx.Timeout(10, read=5)) as answer,
    ):
        assert answer.status_code == 200
        seen: list[str] = []
        started = time.monotonic()
        for line in answer.iter_lines():
            seen.append(line)
            if seen.count(": keep-alive") >= 2 or time.monotonic() - started > 4:
                break
    assert seen.count(": keep-alive") >= 2  # the first at once, one more after a second


def test_a_user_cannot_open_more_streams_than_the_limit(
    server: Server, listeners: dict[str, Listener]
) -> None:
    # alan holds one (listeners); the limit on this server is 3
    extra = [Listener(server, "alan"), Listener(server, "alan")]
    try:
        with _client(server, "alan") as alan:
            refused = alan.get(SSE)
        assert refused.status_code == 429
        assert "max_streams_per_user" in refused.text
        assert refused.headers["Retry-After"]
    finally:
        for listener in extra:
            listener.close()
    # closed streams free their slots (the server notices the disconnect)
    deadline = time.monotonic() + WAIT
    while True:
        again = Listener(server, "alan") if _slots_free(server) else None
        if again is not None:
            again.close()
            break
        assert time.monotonic() < deadline, "closed streams kept their slots"
        time.sleep(0.2)


def _slots_free(server: Server) -> bool:
    with (
        _client(server, "alan") as alan,
        alan.stream("GET", SSE, timeout=httpx.Timeout(10, read=1)) as answer,
    ):
        return answer.status_code == 200


def test_a_disabled_users_stream_ends(server: Server) -> None:
    kim = Listener(server, "kim")
    try:
        with _client(server, "admin") as admin:
            kim_id = admin.get("/graph/v1.0/users/kim").json()["id"]
            disabled = admin.patch(f"/graph/v1.0/users/{kim_id}", json={"accountEnabled": False})
            assert disabled.status_code == 200, disabled.text
        # checked again at the next keep-alive (1 s here) once the directory is re-read
        assert kim.ended.wait(WAIT), "a disabled user kept their stream"
    finally:
        kim.close()


@pytest.mark.parametrize("http_server", ["hypercorn", "granian"])
def test_shutdown_ends_open_streams_cleanly(tmp_path: Path, http_server: str) -> None:
    running = _start(tmp_path / str(uuid.uuid4()), OC_HTTP__SERVER=http_server)
    try:
        listener = Listener(running, "alan")
        started = time.monotonic()
        assert running.signal(signal.SIGTERM) == 0
        assert listener.ended.wait(WAIT), "the stream outlived the server"
        # ended by the server at once, not after http.shutdown_timeout
        assert time.monotonic() - started < WAIT
        listener.close()
    finally:
        running.stop()
