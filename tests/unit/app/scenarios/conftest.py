"""Share lifecycle scenarios, modelled on OpenCloud's acceptance suites.

Each test is one story of several steps through the whole app (Starlette's
test client over ``create_app`` with the real posix driver and the real
auth), written the way OpenCloud's Behat features are: *Given* some users and
files, *When* someone acts, *Then* the statuses, JSON fields and the state
that results. Every step asserts what it answers; the state is read back
through the API (WebDAV and Graph), not through the services.

Users are made the way an administrator makes them: with the CLI's service
call (``AuthService.create_user`` with a precomputed argon2 hash, so no test
waits for argon2) or over Graph (``POST /graph/v1.0/users``, see
``Scenario.graph_user``). They sign in with the app's own session JWT, or
with HTTP Basic and their password.
"""

from __future__ import annotations

from typing import Any
from xml.etree import ElementTree as ET

import httpx2 as httpx
import pytest
from starlette.testclient import TestClient

from opencloud.services.auth.passwords import hash_password
from opencloud.services.auth.service import AuthService

PASSWORD = "Scenario-pass-1"

# item roles
VIEWER = "b1e2218d-eef8-4d4c-b82d-0f1a1b48f3b5"
EDITOR = "fb6c3e19-e378-47e5-b277-9732f9de6e21"
FILE_EDITOR = "2d00ce52-1fc2-4dbc-8b95-a73b73395f5a"
UPLOADER = "1c996275-f1c9-4e71-abdf-a42f6495e960"
# space roles
SPACE_VIEWER = "a8d5fe5e-96e3-418d-825b-534dbdf22b99"
SPACE_EDITOR = "58c63c02-1d89-4572-916a-870abc5a1b7d"
MANAGER = "312c0871-5ef7-4b3a-85b6-0e4074c64049"
# the Shares space (share jail)
JAIL = "a0ca6a90-a365-4782-871e-d44447bbc668"
SHARES_DRIVE = f"{JAIL}${JAIL}"

V1 = "/graph/v1.0"
BETA = "/graph/v1beta1"
D = "{DAV:}"
OC = "{http://owncloud.org/ns}"

PROPS = (
    '<d:propfind xmlns:d="DAV:" xmlns:oc="http://owncloud.org/ns"><d:prop>'
    "<oc:fileid/><oc:name/><d:getetag/><oc:permissions/><d:resourcetype/><oc:size/>"
    "<oc:share-types/><oc:shareid/>"
    "</d:prop></d:propfind>"
)


def dav_url(drive: str, path: str = "") -> str:
    """The spaces WebDAV URL of ``path`` in ``drive`` (``$`` sent as ``%24``)."""
    return f"/remote.php/dav/spaces/{drive.replace('$', '%24')}{path}"


def multistatus(response: httpx.Response) -> list[dict[str, str]]:
    """The entries of a 207: ``href`` plus the text of each property found
    (``collection`` for a folder's ``d:resourcetype``; nested values joined)."""
    assert response.status_code == 207, response.text
    entries = []
    for entry in ET.fromstring(response.content).iter(f"{D}response"):
        found = {"href": entry.findtext(f"{D}href") or ""}
        for stat in entry.iter(f"{D}propstat"):
            if "200" not in (stat.findtext(f"{D}status") or ""):
                continue
            for prop in stat.find(f"{D}prop") or []:
                if prop.tag == f"{D}resourcetype":
                    found[prop.tag] = "collection" if len(prop) else ""
                else:
                    found[prop.tag] = " ".join(t.strip() for t in prop.itertext() if t.strip())
        entries.append(found)
    return entries


def graph_error(response: httpx.Response, status: int, code: str) -> None:
    """Assert a LibreGraph error answer."""
    assert response.status_code == status, response.text
    assert response.json()["error"]["code"] == code, response.text


class Actor:
    """One signed-in user (or the anonymous public), talking HTTP to the app."""

    def __init__(self, client: TestClient, name: str, user_id: str, headers: dict[str, str]):
        self.client = client
        self.name = name
        self.id = user_id
        self.headers = headers
        self._drive = ""

    # ---- plain HTTP
    def request(self, method: str, url: str, **kwargs: Any) -> httpx.Response:
        headers = {**self.headers, **kwargs.pop("headers", {})}
        return self.client.request(method, url, headers=headers, **kwargs)

    def get(self, url: str, **kwargs: Any) -> httpx.Response:
        return self.request("GET", url, **kwargs)

    def post(self, url: str, **kwargs: Any) -> httpx.Response:
        return self.request("POST", url, **kwargs)

    def patch(self, url: str, **kwargs: Any) -> httpx.Response:
        return self.request("PATCH", url, **kwargs)

    def delete(self, url: str, **kwargs: Any) -> httpx.Response:
        return self.request("DELETE", url, **kwargs)

    # ---- WebDAV
    @property
    def drive(self) -> str:
        """The id of the personal drive, as ``GET /graph/v1.0/me/drive`` says."""
        if not self._drive:
            response = self.get(f"{V1}/me/drive")
            assert response.status_code == 200, response.text
            assert response.json()["driveType"] == "personal"
            self._drive = response.json()["id"]
        return self._drive

    def dav(self, method: str, path: str, drive: str | None = None, **kw: Any) -> httpx.Response:
        return self.request(method, dav_url(drive or self.drive, path), **kw)

    def put(self, path: str, body: bytes, drive: str | None = None) -> httpx.Response:
        response = self.dav("PUT", path, drive, content=body)
        assert response.status_code in (201, 204), response.text
        return response

    def mkdir(self, path: str, drive: str | None = None) -> str:
        """Create a folder; its resource id."""
        response = self.dav("MKCOL", path, drive)
        assert response.status_code == 201, response.text
        return self.file_id(path, drive)

    def propfind(
        self, path: str, drive: str | None = None, depth: str = "1", body: str = PROPS
    ) -> list[dict[str, str]]:
        response = self.dav("PROPFIND", path, drive, content=body, headers={"Depth": depth})
        return multistatus(response)

    def stat(self, path: str, drive: str | None = None) -> dict[str, str]:
        (entry,) = self.propfind(path, drive, depth="0")
        return entry

    def file_id(self, path: str, drive: str | None = None) -> str:
        return self.stat(path, drive)[f"{OC}fileid"]

    def etag(self, path: str, drive: str | None = None) -> str:
        return self.stat(path, drive)[f"{D}getetag"]

    def names(self, path: str = "/", drive: str | None = None) -> set[str]:
        """The names directly inside a folder."""
        return {e[f"{OC}name"] for e in self.propfind(path, drive)[1:]}

    def read(self, path: str, drive: str | None = None) -> bytes:
        response = self.dav("GET", path, drive)
        assert response.status_code == 200, response.text
        return response.content

    # ---- Graph
    def drives(self, query: str = "") -> list[dict[str, Any]]:
        response = self.get(f"{V1}/me/drives{query}")
        assert response.status_code == 200, response.text
        value: list[dict[str, Any]] = response.json()["value"]
        return value

    def drive_names(self, query: str = "?$filter=driveType eq 'project'") -> set[str]:
        return {d["name"] for d in self.drives(query)}

    def create_space(self, name: str, **body: Any) -> dict[str, Any]:
        response = self.post(f"{V1}/drives", json={"name": name, **body})
        assert response.status_code == 201, response.text
        drive: dict[str, Any] = response.json()
        assert drive["driveType"] == "project"
        assert drive["name"] == name
        return drive

    def invite_member(self, drive: str, user: Actor, role: str) -> httpx.Response:
        return self.post(
            f"{BETA}/drives/{drive}/root/invite",
            json={
                "recipients": [{"objectId": user.id, "@libre.graph.recipient.type": "user"}],
                "roles": [role],
            },
        )

    def invite(
        self, item: str, recipient: Actor | tuple[str, str], role: str, **extra: Any
    ) -> httpx.Response:
        """Share ``item`` with a user or a ``("group", id)``."""
        kind, object_id = ("user", recipient.id) if isinstance(recipient, Actor) else recipient
        return self.post(
            f"{BETA}/drives/{item.partition('!')[0]}/items/{item}/invite",
            json={
                "recipients": [{"objectId": object_id, "@libre.graph.recipient.type": kind}],
                "roles": [role],
                **extra,
            },
        )

    def share(self, item: str, recipient: Actor | tuple[str, str], role: str) -> dict[str, Any]:
        """Share ``item``; the new permission (checked against OpenCloud's shape)."""
        response = self.invite(item, recipient, role)
        assert response.status_code == 200, response.text
        (permission,) = response.json()["value"]
        assert permission["roles"] == [role]
        assert permission["invitation"]["invitedBy"]["user"]["id"] == self.id
        assert isinstance(permission, dict)
        return permission

    def item_permissions(self, item: str) -> list[dict[str, Any]]:
        response = self.get(f"{BETA}/drives/{item.partition('!')[0]}/items/{item}/permissions")
        assert response.status_code == 200, response.text
        value: list[dict[str, Any]] = response.json()["value"]
        return value

    def shared_with_me(self) -> list[dict[str, Any]]:
        response = self.get(f"{BETA}/me/drive/sharedWithMe")
        assert response.status_code == 200, response.text
        value: list[dict[str, Any]] = response.json()["value"]
        return value

    def shared_by_me(self) -> list[dict[str, Any]]:
        response = self.get(f"{BETA}/me/drive/sharedByMe")
        assert response.status_code == 200, response.text
        value: list[dict[str, Any]] = response.json()["value"]
        return value


class Scenario:
    """The app, its user directory, and the people of a story."""

    def __init__(self, client: TestClient, password_hash: str) -> None:
        self.client = client
        self.password_hash = password_hash
        auth = client.app_state["auth"]
        assert isinstance(auth, AuthService)
        self.auth = auth

    def user(self, name: str, role: str = "user") -> Actor:
        """A user made as ``opencloud users add`` makes one (its service call),
        signed in with a session token."""
        self.auth.create_user(
            name, "", display_name=name.title(), role=role, password_hash=self.password_hash
        )
        return self.sign_in(name)

    def sign_in(self, name: str) -> Actor:
        """A session token for ``name``, as after a login (groups read now)."""
        principal = self.auth.principal(name)
        token, _ = self.auth.issue_jwt(principal)
        return Actor(self.client, name, principal.id, {"Authorization": f"Bearer {token}"})

    def graph_user(self, admin: Actor, name: str) -> Actor:
        """A user made over Graph by ``admin``, then signed in with HTTP Basic
        and the password given there."""
        response = admin.post(
            f"{V1}/users",
            json={
                "onPremisesSamAccountName": name,
                "displayName": name.title(),
                "mail": f"{name}@example.org",
                "passwordProfile": {"password": PASSWORD},
            },
        )
        assert response.status_code == 201, response.text
        created = response.json()
        assert created["onPremisesSamAccountName"] == name
        assert created["accountEnabled"] is True
        actor = Actor(self.client, name, created["id"], {})
        me = self.client.get(f"{V1}/me", auth=(name, PASSWORD))
        assert me.status_code == 200, me.text
        assert me.json()["id"] == created["id"]
        token, _ = self.auth.issue_jwt(self.auth.principal(name))  # argon2 once, not per step
        actor.headers = {"Authorization": f"Bearer {token}"}
        return actor

    def group(self, name: str, *members: Actor) -> str:
        """A group with ``members`` (who sign in again to carry it); its id."""
        group = self.auth.create_group(name, members=[m.id for m in members])
        for member in members:
            member.headers = self.sign_in(member.name).headers
        return group.id

    @property
    def public(self) -> Actor:
        """Anyone on the internet: no credentials."""
        return Actor(self.client, "public", "", {})


@pytest.fixture(scope="session")
def password_hash() -> str:
    """argon2id once for the whole package: it is slow on purpose."""
    return hash_password(PASSWORD)


@pytest.fixture
def world(app_client: TestClient, password_hash: str) -> Scenario:
    return Scenario(app_client, password_hash)
