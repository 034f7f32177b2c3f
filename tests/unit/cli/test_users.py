"""``opencloud users|groups|tokens|auth-app`` and ``init --demo-users``, in process
against a real config and the real posix driver."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from click.testing import Result

from opencloud.app.wiring import build_auth, build_services, load_storage
from opencloud.config.load import load_settings
from opencloud.core.errors import Unauthenticated
from opencloud.core.ids import SpaceId
from opencloud.services.auth.service import AuthService
from opencloud.services.events.bus import InProcessBus
from opencloud.services.spaces.roles import EDITOR, VIEWER
from opencloud.storage.types import Ref

Run = Callable[..., Result]


@contextmanager
def _auth() -> Iterator[AuthService]:
    settings = load_settings(os.environ)
    driver = load_storage(settings)
    try:
        yield build_auth(settings, driver)
    finally:
        driver.close()


@pytest.fixture
def initialised(root: Path, run: Run) -> Path:
    result = run("init", "--admin-password", "admin-pw")
    assert result.exit_code == 0, result.output
    return root


def test_users_add_list_passwd_disable_enable_role_delete(initialised: Path, run: Run) -> None:
    added = run("users", "add", "alice", "--password", "pw1", "--display-name", "Alice A")
    assert added.exit_code == 0, added.output
    assert "created user alice" in added.output
    listed = run("users", "list").output
    assert "admin\t" in listed and "alice\t" in listed and "Alice A" in listed
    with _auth() as auth:
        alice = auth.authenticate_basic("alice", "pw1")
        assert auth.get_user("alice").role == "user"
    assert run("users", "passwd", "alice", "--password", "pw2").exit_code == 0
    assert run("users", "disable", "alice").exit_code == 0
    with _auth() as auth, pytest.raises(Unauthenticated):
        auth.authenticate_basic("alice", "pw2")
    assert run("users", "enable", "alice").exit_code == 0
    assert run("users", "role", "alice", "spaceadmin").exit_code == 0
    with _auth() as auth:
        assert auth.authenticate_basic("alice", "pw2").role == "spaceadmin"
    deleted = run("users", "delete", "alice", "--yes")
    assert deleted.exit_code == 0, deleted.output
    with _auth() as auth:
        assert [u.username for u in auth.list_users()] == ["admin"]
        driver = load_storage(load_settings(os.environ))
        try:
            assert SpaceId(alice.id) not in [s.id for s in driver.list_spaces()]
        finally:
            driver.close()


def test_user_errors_exit_1_with_a_message(initialised: Path, run: Run) -> None:
    run("users", "add", "alice", "--password", "pw")
    again = run("users", "add", "ALICE", "--password", "pw")
    assert again.exit_code == 1
    assert "already exists" in again.stderr
    bad = run("users", "add", "a b", "--password", "pw")
    assert bad.exit_code == 1
    assert "invalid username" in bad.stderr
    assert run("users", "passwd", "nobody", "--password", "x").exit_code == 1
    admin = run("users", "delete", "admin", "--yes")
    assert admin.exit_code == 1
    assert "cannot be deleted" in admin.stderr


def test_users_command_needs_init(root: Path, run: Run) -> None:
    result = run("users", "list")
    assert result.exit_code == 2
    assert "opencloud init" in result.stderr


def test_groups(initialised: Path, run: Run) -> None:
    run("users", "add", "alice", "--password", "pw")
    assert run("groups", "add", "sales", "--description", "Sales team").exit_code == 0
    assert run("groups", "add-member", "sales", "alice").exit_code == 0
    listed = run("groups", "list").output
    assert listed.startswith("sales\t") and "\talice\tSales team" in listed
    with _auth() as auth:
        assert auth.principal("alice").group_names == ("sales",)
    assert run("groups", "remove-member", "sales", "alice").exit_code == 0
    assert run("groups", "remove-member", "sales", "alice").exit_code == 1
    assert run("groups", "delete", "sales").exit_code == 0
    assert run("groups", "list").output == ""


def test_tokens_and_auth_app(initialised: Path, run: Run) -> None:
    run("users", "add", "alice", "--password", "pw")
    created = run("tokens", "create", "alice", "--expiration", "2h", "--label", "rclone")
    assert created.exit_code == 0, created.output
    token = next(x for x in created.output.splitlines() if x.startswith("token:")).split()[1]
    token_id = next(x for x in created.output.splitlines() if x.startswith("id")).split()[-1]
    with _auth() as auth:
        assert auth.authenticate_basic("alice", token).method == "app-token"
    assert token_id in run("tokens", "list", "alice").output
    assert "rclone" in run("tokens", "list", "alice").output
    assert run("tokens", "revoke", "alice", token_id).exit_code == 0
    with _auth() as auth, pytest.raises(Unauthenticated):
        auth.authenticate_basic("alice", token)
    opencloud_style = run("auth-app", "create", "--user-name=alice", "--expiration=72h")
    assert opencloud_style.exit_code == 0, opencloud_style.output
    assert "token:" in opencloud_style.output
    assert run("tokens", "create", "alice", "--expiration", "soon").exit_code == 1


def test_init_with_demo_users(root: Path, run: Run) -> None:
    result = run("init", "--demo-users")
    assert result.exit_code == 0, result.output
    assert "demo users    : alan, mary, margaret, dennis, lynn (password demo)" in result.output
    with _auth() as auth:
        alan = auth.authenticate_basic("alan", "demo")
        assert alan.id == "b1f74ec4-dd7e-11ef-a543-03775734d0f7"
        assert auth.get_user("dennis").role == "admin"
        assert "admin" in {u.username for u in auth.members("users")}
    again = run("init", "--if-missing", "--demo-users")  # idempotent on an existing setup
    assert again.exit_code == 0, again.output


def test_init_puts_the_admin_in_the_directory(initialised: Path) -> None:
    with _auth() as auth:
        admin = auth.authenticate_basic("admin", "admin-pw")
        assert admin.role == "admin"
        assert admin.id == load_settings(os.environ).admin.user_id


def test_deleting_a_user_who_shared_reports_what_ended(initialised: Path, run: Run) -> None:
    for name in ("alice", "bob"):
        assert run("users", "add", name, "--password", "pw").exit_code == 0
    settings = load_settings(os.environ)
    driver = load_storage(settings)
    bus = InProcessBus()
    try:
        services = build_services(settings, driver, bus)
        alice = services.auth.principal("alice")
        bob = services.auth.get_user("bob")
        home = SpaceId(alice.id)
        services.files.mkdir(Ref(home, "/docs"))
        docs = services.files.stat(Ref(home, "/docs")).id
        services.shares.create(alice, home, docs, grantee_kind="u", grantee=bob.id, given=EDITOR)
        project = SpaceId(services.spaces.create_project(alice, "Apollo").id)
        services.files.mkdir(Ref(project, "/plan"))
        plan = services.files.stat(Ref(project, "/plan")).id
        kept = services.shares.create(
            alice, project, plan, grantee_kind="u", grantee=bob.id, given=VIEWER
        )
    finally:
        bus.close()
        driver.close()
    deleted = run("users", "delete", "alice", "--yes")
    assert deleted.exit_code == 0, deleted.output
    assert deleted.output.splitlines() == [
        "ended share of /docs with bob as Editor (from their personal space)",
        "kept 1 share(s) they made in project spaces",
        f"deleted user alice ({alice.id}) and purged their personal space",
    ]
    checked = run("check")
    assert checked.exit_code == 0, checked.output
    assert checked.output.splitlines()[-1].startswith("0 findings")
    driver = load_storage(settings)
    bus = InProcessBus()
    try:
        services = build_services(settings, driver, bus)
        bob_principal = services.auth.principal("bob")
        assert [s.id for s in services.shares.shared_with(bob_principal)] == [kept.id]
        assert services.shares.rights(bob_principal, kept).read
        assert [u.username for u in services.auth.list_users()] == ["admin", "bob"]
    finally:
        bus.close()
        driver.close()
