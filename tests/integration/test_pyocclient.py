"""pyocclient (PyPI ``pyocclient``, ``import owncloud``) against a real server.

The server is set up the way an admin would: ``opencloud init
--admin-password``, then ``opencloud users add`` and ``opencloud groups``
for a second user and a group, before it starts. The client then logs in
(it reads ``cloud/capabilities`` first), uploads over WebDAV and shares
through the OCS share API (``ocs/v1.php``, XML).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from .conftest import Server

owncloud = pytest.importorskip("owncloud")

pytestmark = pytest.mark.slow

ADMIN_PASSWORD = "Admin-pass-123"
BOB_PASSWORD = "Bob-pass-123"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    base: Path = tmp_path_factory.mktemp("pyocclient")
    running = Server(base, tls=False)
    running.cli("init", "--admin-password", ADMIN_PASSWORD)
    running.cli("users", "add", "bob", "--password", BOB_PASSWORD, "--display-name", "Bob")
    running.cli("groups", "add", "crew")
    running.cli("groups", "add-member", "crew", "bob")
    running.start()
    try:
        yield running
    finally:
        running.stop()


def _client(server: Server, user: str, password: str) -> Any:
    client = owncloud.Client(server.url)
    client.login(user, password)
    return client


def test_share_life_cycle(server: Server) -> None:
    admin = _client(server, "admin", ADMIN_PASSWORD)
    bob = _client(server, "bob", BOB_PASSWORD)

    assert admin.put_file_contents("/shared.txt", b"for bob")
    assert admin.is_shared("/shared.txt") is False

    info = admin.share_file_with_user("/shared.txt", "bob", perms=1)
    share_id = info.get_id()
    assert isinstance(share_id, int)
    assert admin.is_shared("/shared.txt") is True

    (share,) = admin.get_shares("/shared.txt")
    assert share.get_id() == share_id
    assert share.get_share_with() == "bob"
    assert share.get_permissions() == 1
    assert share.get_uid_owner() == "admin"
    assert share.get_path() == "/shared.txt"

    fetched = admin.get_share(share_id)
    assert fetched.get_share_type() == owncloud.Client.OCS_SHARE_TYPE_USER

    received = bob.get_shares("/", shared_with_me=True)
    assert [s.get_id() for s in received] == [share_id]

    # a file takes read (1) and update (2): FileEditor
    assert admin.update_share(share_id, perms=3) is True
    assert admin.get_share(share_id).get_permissions() == 3

    assert admin.delete_share(share_id)
    assert admin.is_shared("/shared.txt") is False
    assert bob.get_shares("/", shared_with_me=True) == []


def test_group_share(server: Server) -> None:
    admin = _client(server, "admin", ADMIN_PASSWORD)
    bob = _client(server, "bob", BOB_PASSWORD)
    admin.mkdir("/team")
    info = admin.share_file_with_group("/team", "crew", perms=15)
    assert isinstance(info.get_id(), int)
    (share,) = admin.get_shares("/team")
    assert share.get_share_type() == owncloud.Client.OCS_SHARE_TYPE_GROUP
    assert share.get_share_with() == "crew"
    assert share.get_permissions() == 15
    received = bob.get_shares("/", shared_with_me=True)
    assert [s.get_id() for s in received] == [info.get_id()]
    assert admin.delete_share(info.get_id())


def test_errors_reach_the_client(server: Server) -> None:
    admin = _client(server, "admin", ADMIN_PASSWORD)
    admin.put_file_contents("/mine.txt", b"x")
    with pytest.raises(owncloud.OCSResponseError) as failure:
        admin.share_file_with_user("/mine.txt", "nobody")
    assert failure.value.status_code == 998
    with pytest.raises(owncloud.OCSResponseError) as failure:
        admin.get_share(123456)
    assert failure.value.status_code == 998
