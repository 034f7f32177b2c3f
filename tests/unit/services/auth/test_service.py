"""AuthService over the real posix driver: the directory on the storage, real
argon2, real JWTs."""

from __future__ import annotations

import json
import threading
import time
from datetime import timedelta
from pathlib import Path

import jwt
import msgspec
import pytest

from opencloud.config.schema import AdminSettings, Settings
from opencloud.core.errors import (
    AlreadyExists,
    InvalidInput,
    NotFound,
    PermissionDenied,
    Throttled,
    Unauthenticated,
)
from opencloud.core.ids import SpaceId
from opencloud.services.auth import passwords as passwords_module
from opencloud.services.auth import service as service_module
from opencloud.services.auth.demo import DEMO_GROUPS, DEMO_USERS, create_demo_users
from opencloud.services.auth.directory import DIRECTORY_SPACE
from opencloud.services.auth.passwords import hash_password
from opencloud.services.auth.service import AuthService, parse_duration
from opencloud.services.spaces.service import SpacesService
from opencloud.storage.protocol import StorageDriver
from opencloud.storage.registry import load_driver
from opencloud.storage.types import Ref

from .conftest import ADMIN_PASSWORD, Clock

ALAN = "b1f74ec4-dd7e-11ef-a543-03775734d0f7"


def _record(driver: StorageDriver, path: str) -> dict[str, object]:
    with driver.open_read(Ref(DIRECTORY_SPACE, path)) as handle:
        data: dict[str, object] = json.loads(handle.read())
    return data


# ---------------------------------------------------------------- users
def test_create_user_writes_a_readable_record_and_a_personal_space(
    auth: AuthService, driver: StorageDriver
) -> None:
    user = auth.create_user("alice", "pw1", display_name="Alice", mail="alice@example.org")
    record = _record(driver, f"/users/{user.id}.json")
    assert record["username"] == "alice"
    assert record["display_name"] == "Alice"
    assert str(record["password_hash"]).startswith("$argon2id$")
    assert "pw1" not in json.dumps(record)
    space = driver.get_space(SpaceId(user.id))
    assert (space.kind, space.owner, space.name) == ("personal", user.id, "Alice")
    assert driver.get_space(DIRECTORY_SPACE).kind == "system"


def test_usernames_are_validated_and_unique_case_insensitively(auth: AuthService) -> None:
    auth.create_user("Alice", "pw")
    with pytest.raises(AlreadyExists):
        auth.create_user("alice", "pw")
    for bad in ("", "a b", "x" * 65, "ä", "a/b", "a:b"):
        with pytest.raises(InvalidInput):
            auth.create_user(bad, "pw")
    assert auth.create_user("o.k_-@x", "pw").username == "o.k_-@x"
    assert auth.get_user("ALICE").username == "Alice"


def test_other_fields_are_validated(auth: AuthService) -> None:
    with pytest.raises(InvalidInput):
        auth.create_user("bob", "pw", mail="not an address")
    with pytest.raises(InvalidInput):
        auth.create_user("bob", "pw", role="root")
    with pytest.raises(InvalidInput):
        auth.create_user("bob", "pw", display_name="a\x00b")
    with pytest.raises(InvalidInput):
        auth.create_user("bob", "x" * 2000)


def test_a_given_user_id_must_be_a_uuid(
    auth: AuthService, driver: StorageDriver, auth_settings: Settings
) -> None:
    with pytest.raises(InvalidInput):
        auth.create_user("bob", "pw", user_id="not-a-uuid")
    assert auth.list_users(search="bob") == []
    bad = msgspec.structs.replace(
        auth_settings, admin=msgspec.structs.replace(auth_settings.admin, user_id="no-uuid")
    )
    with pytest.raises(InvalidInput, match="no-uuid"):  # a clear message at startup, no traceback
        AuthService(driver, bad)


def test_users_are_loaded_from_the_storage(
    auth: AuthService, driver: StorageDriver, auth_settings: Settings
) -> None:
    auth.create_user("alice", "pw")
    again = AuthService(driver, auth_settings)
    assert [u.username for u in again.list_users()] == ["admin", "alice"]
    assert again.authenticate_basic("alice", "pw").username == "alice"


def test_update_and_search(auth: AuthService) -> None:
    user = auth.create_user("alice", "pw", display_name="Alice Hansen")
    auth.create_user("bob", "pw", mail="bob@hansen.example")
    assert [u.username for u in auth.list_users("hansen")] == ["alice", "bob"]
    changed = auth.update_user(user.id, display_name="Alice H.", mail="a@example.org")
    assert (changed.display_name, changed.mail) == ("Alice H.", "a@example.org")
    with pytest.raises(AlreadyExists):
        auth.update_user("alice", username="BOB")
    renamed = auth.update_user("alice", username="alice2")
    assert auth.get_user("alice2").id == renamed.id
    with pytest.raises(NotFound):
        auth.get_user("alice")


def test_delete_user_removes_record_tokens_memberships_and_personal_space(
    auth: AuthService, driver: StorageDriver
) -> None:
    alice = auth.create_user("alice", "pw")
    bob = auth.create_user("bob", "pw")
    auth.create_group("team", members=["alice", "bob"])
    auth.create_app_token("alice", expires_in=timedelta(hours=1))
    auth.delete_user("alice")
    with pytest.raises(NotFound):
        auth.get_user(alice.id)
    with pytest.raises(NotFound):
        driver.get_space(SpaceId(alice.id))
    assert [u.id for u in auth.members("team")] == [bob.id]
    assert [i.name for i in driver.list(Ref(DIRECTORY_SPACE, "/tokens"))] == []
    assert driver.get_space(SpaceId(bob.id)).owner == bob.id  # nothing else touched


def test_the_configured_admin_cannot_be_deleted(auth: AuthService, auth_settings: Settings) -> None:
    with pytest.raises(PermissionDenied):
        auth.delete_user(auth_settings.admin.user_id)


# ---------------------------------------------------------------- passwords
def test_good_and_bad_passwords(auth: AuthService) -> None:
    auth.create_user("alice", "right")
    who = auth.authenticate_basic("alice", "right", "10.0.0.1")
    assert (who.username, who.method) == ("alice", "basic")
    assert auth.authenticate_basic("ALICE", "right").username == "alice"
    with pytest.raises(Unauthenticated):
        auth.authenticate_basic("alice", "wrong")
    with pytest.raises(Unauthenticated):
        auth.authenticate_basic("nobody", "right")


def test_disabled_user_cannot_log_in_even_from_the_cache(auth: AuthService) -> None:
    auth.create_user("alice", "pw")
    auth.authenticate_basic("alice", "pw")  # cached now
    auth.update_user("alice", enabled=False)
    with pytest.raises(Unauthenticated):
        auth.authenticate_basic("alice", "pw")
    auth.update_user("alice", enabled=True)
    assert auth.authenticate_basic("alice", "pw").username == "alice"


def test_password_change_ends_the_cached_check(auth: AuthService) -> None:
    auth.create_user("alice", "old")
    auth.authenticate_basic("alice", "old")
    auth.set_password("alice", "new")
    with pytest.raises(Unauthenticated):
        auth.authenticate_basic("alice", "old")
    assert auth.authenticate_basic("alice", "new").username == "alice"


def test_cached_checks_are_fast_and_expire(auth: AuthService, clock: Clock) -> None:
    auth.create_user("alice", "pw")
    auth.authenticate_basic("alice", "pw")
    started = time.perf_counter()
    for _ in range(50):
        auth.authenticate_basic("alice", "pw")
    assert time.perf_counter() - started < 0.5  # 50 argon2 checks would take seconds
    assert auth.stats()["verify_cache"] == 1
    clock.advance(61)
    auth.authenticate_basic("alice", "pw")  # verified again with argon2, re-cached
    assert auth.stats()["verify_cache"] == 1


def test_connections_of_one_client_verify_its_password_once_between_them(
    auth: AuthService, clock: Clock, monkeypatch: pytest.MonkeyPatch
) -> None:
    """When a cached check expires, a client's parallel connections must not
    all run argon2 at once: one does, the others wait for it and use its result."""
    auth.create_user("alice", "pw")
    auth.authenticate_basic("alice", "pw")
    clock.advance(61)  # expired
    calls: list[int] = []
    real = passwords_module.verify_password

    def counting(stored: str, password: str) -> bool:
        calls.append(1)
        return real(stored, password)

    monkeypatch.setattr(service_module, "verify_password", counting)
    start = threading.Barrier(8)
    results: list[str] = []

    def login() -> None:
        start.wait()
        results.append(auth.authenticate_basic("alice", "pw").username)

    threads = [threading.Thread(target=login) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert results == ["alice"] * 8
    assert len(calls) == 1


def test_the_memory_only_check_never_decides_more_than_the_full_one(
    auth: AuthService, clock: Clock
) -> None:
    auth.create_user("alice", "pw")
    assert auth.cached_basic("alice", "pw") is None  # never verified: check in full
    auth.authenticate_basic("alice", "pw", "10.0.0.1")
    clock.advance(1)  # the directory was just refreshed
    cached = auth.cached_basic("alice", "pw", "10.0.0.1")
    assert cached is not None
    assert cached.username == "alice"
    assert auth.cached_basic("alice", "other", "10.0.0.1") is None
    auth.set_password("alice", "new")
    assert auth.cached_basic("alice", "pw", "10.0.0.1") is None
    auth.authenticate_basic("alice", "new", "10.0.0.1")
    clock.advance(1)
    for _ in range(3):
        with pytest.raises(Unauthenticated):
            auth.authenticate_basic("alice", "bad", "10.0.0.1")
    assert auth.cached_basic("alice", "new", "10.0.0.1") is None  # throttled: full path
    clock.advance(61)
    assert auth.cached_basic("alice", "new", "10.0.0.1") is None  # refresh due: full path


# ---------------------------------------------------------------- throttling
def test_throttle_per_username(auth: AuthService, clock: Clock) -> None:
    auth.create_user("alice", "pw")
    for _ in range(3):
        with pytest.raises(Unauthenticated):
            auth.authenticate_basic("alice", "bad", "10.0.0.1")
    with pytest.raises(Throttled) as refused:
        auth.authenticate_basic("alice", "pw", "10.0.0.2")  # even the right password
    assert 55 <= refused.value.retry_after <= 60
    clock.advance(61)
    assert auth.authenticate_basic("alice", "pw", "10.0.0.2").username == "alice"


def test_success_resets_the_username_count(auth: AuthService) -> None:
    auth.create_user("alice", "pw")
    for _ in range(2):
        with pytest.raises(Unauthenticated):
            auth.authenticate_basic("alice", "bad")
    auth.authenticate_basic("alice", "pw")
    for _ in range(2):
        with pytest.raises(Unauthenticated):
            auth.authenticate_basic("alice", "bad")
    assert auth.authenticate_basic("alice", "pw").username == "alice"


def test_throttle_per_address(auth: AuthService, clock: Clock) -> None:
    auth.create_user("alice", "pw")
    for n in range(5):
        with pytest.raises(Unauthenticated):
            auth.authenticate_basic(f"guess{n}", "bad", "192.0.2.7")
    with pytest.raises(Throttled):
        auth.authenticate_basic("alice", "pw", "192.0.2.7")
    assert auth.authenticate_basic("alice", "pw", "192.0.2.8").username == "alice"
    clock.advance(61)
    assert auth.authenticate_basic("alice", "pw", "192.0.2.7").username == "alice"


def test_throttle_tables_are_bounded(driver: StorageDriver, auth_settings: Settings) -> None:
    auth = AuthService(driver, auth_settings)
    auth._user_throttle.capacity = 100
    auth._address_throttle.capacity = 100
    for n in range(300):
        auth._user_throttle.failed(f"user{n}")
        auth._address_throttle.failed(f"10.0.{n // 256}.{n % 256}")
    assert auth.stats()["user_throttle"] == 100
    assert auth.stats()["address_throttle"] == 100


# ---------------------------------------------------------------- app tokens
def test_app_token_is_accepted_as_password_until_revoked(
    auth: AuthService, driver: StorageDriver
) -> None:
    auth.create_user("alice", "pw")
    clear, record = auth.create_app_token("alice", expires_in=timedelta(hours=72), label="rclone")
    assert len(clear) >= 43 and clear.isalnum()
    stored = _record(driver, f"/tokens/{record.id}.json")
    assert clear not in json.dumps(stored)
    who = auth.authenticate_basic("alice", clear)
    assert who.method == "app-token"
    listed = auth.list_app_tokens("alice")
    assert [(t.id, t.label) for t in listed] == [(record.id, "rclone")]
    auth.revoke_app_token("alice", record.id)
    with pytest.raises(Unauthenticated):
        auth.authenticate_basic("alice", clear)
    assert auth.list_app_tokens("alice") == []


def test_app_token_only_for_its_user_and_until_it_expires(auth: AuthService) -> None:
    auth.create_user("alice", "pw")
    auth.create_user("bob", "pw")
    clear, record = auth.create_app_token("alice", expires_in=timedelta(seconds=3))
    assert auth.authenticate_basic("alice", clear).method == "app-token"
    with pytest.raises(Unauthenticated):
        auth.authenticate_basic("bob", clear)
    time.sleep(max(0.0, record.expires.timestamp() - time.time()) + 0.1)
    with pytest.raises(Unauthenticated):
        auth.authenticate_basic("alice", clear)


def test_revoke_by_the_token_itself_and_not_someone_elses(auth: AuthService) -> None:
    auth.create_user("alice", "pw")
    auth.create_user("bob", "pw")
    clear, _ = auth.create_app_token("alice", expires_in=timedelta(hours=1))
    with pytest.raises(NotFound):
        auth.revoke_app_token("bob", clear)
    auth.revoke_app_token("alice", clear)
    with pytest.raises(NotFound):
        auth.revoke_app_token("alice", clear)


def test_token_lifetimes() -> None:
    assert parse_duration("72h") == timedelta(hours=72)
    assert parse_duration("1h30m") == timedelta(minutes=90)
    assert parse_duration("7d") == timedelta(days=7)
    for bad in ("", "72", "h", "1x", "-1h", "1" * 40, "0h", "99999999999999999h", "3651d"):
        with pytest.raises(InvalidInput):
            parse_duration(bad)


# ---------------------------------------------------------------- JWT
def test_jwt_round_trip(auth: AuthService) -> None:
    auth.create_user("alice", "pw")
    who = auth.authenticate_basic("alice", "pw")
    token, expires_in = auth.issue_jwt(who)
    assert expires_in == 1800
    again = auth.authenticate_bearer(token)
    assert (again.id, again.method) == (who.id, "jwt")


def test_jwt_expired_tampered_foreign(auth: AuthService, auth_settings: Settings) -> None:
    alice = auth.create_user("alice", "pw")
    token, _ = auth.issue_jwt(auth.principal("alice"))
    head, body, sig = token.split(".")
    tampered = f"{head}.{body}.{sig[:-4]}AAAA"
    with pytest.raises(Unauthenticated):
        auth.authenticate_bearer(tampered)
    with pytest.raises(Unauthenticated):
        auth.authenticate_bearer("not-a-jwt")
    key = auth._jwt_key
    now = int(time.time())
    expired = jwt.encode(
        {"iss": "https://cloud.example.org", "sub": alice.id, "iat": now - 100, "exp": now - 10},
        key,
        algorithm="HS256",
    )
    with pytest.raises(Unauthenticated, match="expired"):
        auth.authenticate_bearer(expired)
    other_issuer = jwt.encode(
        {"iss": "https://evil.example", "sub": alice.id, "iat": now, "exp": now + 60},
        key,
        algorithm="HS256",
    )
    with pytest.raises(Unauthenticated):
        auth.authenticate_bearer(other_issuer)
    unsigned = jwt.encode(
        {"iss": "https://cloud.example.org", "sub": alice.id, "iat": now, "exp": now + 60},
        "some other key of sufficient length 0123456789",
        algorithm="HS256",
    )
    with pytest.raises(Unauthenticated):
        auth.authenticate_bearer(unsigned)


def test_jwt_of_disabled_or_deleted_user_stops_working(auth: AuthService) -> None:
    auth.create_user("alice", "pw")
    token, _ = auth.issue_jwt(auth.principal("alice"))
    auth.update_user("alice", enabled=False)
    with pytest.raises(Unauthenticated):
        auth.authenticate_bearer(token)
    auth.update_user("alice", enabled=True)
    auth.authenticate_bearer(token)
    auth.delete_user("alice")
    with pytest.raises(Unauthenticated):
        auth.authenticate_bearer(token)


# ---------------------------------------------------------------- groups
def test_groups_and_membership(auth: AuthService) -> None:
    alice = auth.create_user("alice", "pw")
    group = auth.create_group("Sales", description="the sales team")
    with pytest.raises(AlreadyExists):
        auth.create_group("sales")
    auth.add_member("sales", "alice")
    auth.add_member(group.id, alice.id)  # twice: no change
    assert [u.id for u in auth.members(group.id)] == [alice.id]
    who = auth.principal("alice")
    assert who.groups == (group.id,)
    assert who.group_names == ("Sales",)
    auth.update_group(group.id, name="Sales EU")
    assert auth.principal("alice").group_names == ("Sales EU",)
    auth.remove_member("Sales EU", "alice")
    with pytest.raises(NotFound):
        auth.remove_member("Sales EU", "alice")
    auth.delete_group(group.id)
    assert auth.list_groups() == []
    with pytest.raises(NotFound):
        auth.add_member("Sales EU", "alice")


# ---------------------------------------------------------------- other processes
def test_changes_by_another_process_are_picked_up(
    auth: AuthService, data_path: Path, auth_settings: Settings, clock: Clock
) -> None:
    auth.create_user("alice", "pw")
    auth.authenticate_basic("alice", "pw")
    other_driver = load_driver("posix", {"base_data_path": str(data_path), "watch": "off"})
    try:
        other = AuthService(other_driver, auth_settings)
        other.update_user("alice", enabled=False)
        other.create_user("bob", "pw2")
        group = other.create_group("team", members=["bob"])
    finally:
        other_driver.close()
    clock.advance(3)  # past auth.refresh_interval
    with pytest.raises(Unauthenticated):
        auth.authenticate_basic("alice", "pw")
    who = auth.authenticate_basic("bob", "pw2")
    assert who.groups == (group.id,)


# ---------------------------------------------------------------- admin bootstrap
def test_admin_from_the_configuration_is_in_the_directory(
    auth: AuthService, auth_settings: Settings, driver: StorageDriver
) -> None:
    admin = auth.get_user(auth_settings.admin.user_id)
    assert (admin.username, admin.role, admin.display_name) == ("admin", "admin", "Admin")
    assert auth.authenticate_basic("admin", ADMIN_PASSWORD).role == "admin"
    assert driver.get_space(SpaceId(admin.id)).owner == admin.id


def test_admin_password_changed_later_stays_until_the_config_hash_changes(
    auth: AuthService, driver: StorageDriver, auth_settings: Settings
) -> None:
    auth.set_password("admin", "changed")
    restarted = AuthService(driver, auth_settings)
    assert restarted.authenticate_basic("admin", "changed").username == "admin"
    reset = AdminSettings(
        user_id=auth_settings.admin.user_id, password_hash=hash_password("from-config")
    )
    restarted = AuthService(driver, msgspec.structs.replace(auth_settings, admin=reset))
    assert restarted.authenticate_basic("admin", "from-config").username == "admin"
    with pytest.raises(Unauthenticated):
        restarted.authenticate_basic("admin", "changed")


# ---------------------------------------------------------------- demo users and spaces
def test_demo_users(auth: AuthService, auth_settings: Settings) -> None:
    created = create_demo_users(auth, admin_id=auth_settings.admin.user_id)
    assert created == ["alan", "mary", "margaret", "dennis", "lynn"]
    assert create_demo_users(auth) == []  # idempotent
    alan = auth.authenticate_basic("alan", "demo")
    assert (alan.id, alan.display_name) == (ALAN, "Alan Turing")
    roles = {u.username: u.role for u in auth.list_users()}
    assert roles["margaret"] == "spaceadmin"
    assert roles["dennis"] == "admin"
    assert roles["mary"] == roles["lynn"] == "user"
    assert {g.name for g in auth.list_groups()} == {g.name for g in DEMO_GROUPS}
    users = {u.username for u in auth.members("users")}
    assert users == {d.username for d in DEMO_USERS} | {"admin"}
    assert "chess-lovers" in alan.group_names


def test_users_reach_only_their_own_personal_space(
    auth: AuthService, driver: StorageDriver
) -> None:
    spaces = SpacesService(driver, "storage")
    auth.create_user("alice", "pw")
    bob = auth.create_user("bob", "pw")
    alice = auth.authenticate_basic("alice", "pw")
    assert spaces.reachable(alice, SpaceId(alice.id)).owner == alice.id
    with pytest.raises(NotFound):
        spaces.reachable(alice, SpaceId(bob.id))
    with pytest.raises(NotFound):
        spaces.reachable(alice, DIRECTORY_SPACE)
