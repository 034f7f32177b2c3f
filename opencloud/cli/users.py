"""``opencloud users``, ``groups``, ``tokens`` (and OpenCloud's ``auth-app``):
the user directory from the command line.

Each command opens the storage exactly as the server does and changes the
directory's files there. That is safe while a server runs on the same storage
(the posix driver lets several processes share the tree; only
``check --repair`` needs it alone): the server notices the change within
``auth.refresh_interval`` seconds (default 2) and uses it from then on, e.g. a
disabled account's next request is refused.

Users and groups are named by username / group name or by id.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TypeVar

import click

from opencloud.app.wiring import build_auth, build_services, load_storage, require_initialised
from opencloud.config.load import load_settings
from opencloud.services.auth.records import ROLES, rfc3339
from opencloud.services.auth.service import AuthService, parse_duration
from opencloud.services.events.bus import InProcessBus
from opencloud.services.shares.deprovision import UserRemoval

_T = TypeVar("_T")


@contextmanager
def directory() -> Iterator[AuthService]:
    """The auth service over the configured storage, closed afterwards."""
    settings = load_settings(os.environ)
    require_initialised(settings)
    driver = load_storage(settings)
    try:
        yield build_auth(settings, driver)
    finally:
        driver.close()


def _with(action: Callable[[AuthService], _T]) -> _T:
    with directory() as auth:
        return action(auth)


_password = click.option(
    "--password",
    prompt=True,
    hide_input=True,
    confirmation_prompt=True,
    help="The password (asked for when not given).",
)


# ================================================================ users
@click.group()
def users() -> None:
    """Manage users: add, list, passwd, disable, enable, role, delete."""


@users.command("add")
@click.argument("username")
@_password
@click.option("--display-name", default="", help="Full name (default: the username).")
@click.option("--mail", default="", help="E-mail address.")
@click.option("--role", type=click.Choice(ROLES), default="user", show_default=True)
def users_add(username: str, password: str, display_name: str, mail: str, role: str) -> None:
    """Create a user and their personal space."""
    user = _with(
        lambda auth: auth.create_user(
            username, password, display_name=display_name, mail=mail, role=role
        )
    )
    click.echo(f"created user {user.username} ({user.id}, role {user.role})")


@users.command("list")
def users_list() -> None:
    """List users: username, id, role, state, display name, mail."""
    rows = _with(lambda auth: auth.list_users())
    for user in rows:
        state = "enabled" if user.enabled else "disabled"
        click.echo(
            f"{user.username}\t{user.id}\t{user.role}\t{state}\t{user.display_name}\t{user.mail}"
        )


@users.command("passwd")
@click.argument("user")
@_password
def users_passwd(user: str, password: str) -> None:
    """Set a user's password."""
    record = _with(lambda auth: auth.set_password(user, password))
    click.echo(f"password of {record.username} changed")


@users.command("disable")
@click.argument("user")
def users_disable(user: str) -> None:
    """Refuse the user's logins, app tokens and sessions (their files stay)."""
    record = _with(lambda auth: auth.update_user(user, enabled=False))
    click.echo(f"{record.username} disabled")


@users.command("enable")
@click.argument("user")
def users_enable(user: str) -> None:
    """Let a disabled user log in again."""
    record = _with(lambda auth: auth.update_user(user, enabled=True))
    click.echo(f"{record.username} enabled")


@users.command("role")
@click.argument("user")
@click.argument("role", type=click.Choice(ROLES))
def users_role(user: str, role: str) -> None:
    """Set a user's global role."""
    record = _with(lambda auth: auth.update_user(user, role=role))
    click.echo(f"{record.username} is now {record.role}")


@users.command("delete")
@click.argument("user")
@click.confirmation_option(
    prompt="Delete the user, end the shares and links of their personal space, and purge it?"
)
def users_delete(user: str) -> None:
    """Delete a user: the shares and public links of their personal space end
    (each one is listed), the space is purged with all its files, then their app
    tokens, memberships and account go. Shares they made in project spaces stay."""
    settings = load_settings(os.environ)
    require_initialised(settings)
    driver = load_storage(settings)
    bus = InProcessBus()  # nobody listens: a running server learns from the storage
    try:
        services = build_services(settings, driver, bus)
        removal = UserRemoval(services.auth, services.spaces, services.shares, services.links)
        report = removal.delete_user(user)
    finally:
        bus.close()
        driver.close()
    for line in report.lines():
        click.echo(line)


# ================================================================ groups
@click.group()
def groups() -> None:
    """Manage groups: add, list, delete, add-member, remove-member."""


@groups.command("add")
@click.argument("name")
@click.option("--description", default="", help="What the group is for.")
def groups_add(name: str, description: str) -> None:
    """Create a group."""
    group = _with(lambda auth: auth.create_group(name, description=description))
    click.echo(f"created group {group.name} ({group.id})")


@groups.command("list")
def groups_list() -> None:
    """List groups: name, id, members (usernames), description."""

    def rows(auth: AuthService) -> list[str]:
        lines = []
        for group in auth.list_groups():
            members = ",".join(u.username for u in auth.members(group.id))
            lines.append(f"{group.name}\t{group.id}\t{members}\t{group.description}")
        return lines

    for line in _with(rows):
        click.echo(line)


@groups.command("delete")
@click.argument("group")
def groups_delete(group: str) -> None:
    """Delete a group (its members keep their accounts)."""
    record = _with(lambda auth: auth.delete_group(group))
    click.echo(f"deleted group {record.name}")


@groups.command("add-member")
@click.argument("group")
@click.argument("user")
def groups_add_member(group: str, user: str) -> None:
    """Add a user to a group."""
    record = _with(lambda auth: auth.add_member(group, user))
    click.echo(f"{user} is a member of {record.name}")


@groups.command("remove-member")
@click.argument("group")
@click.argument("user")
def groups_remove_member(group: str, user: str) -> None:
    """Remove a user from a group."""
    record = _with(lambda auth: auth.remove_member(group, user))
    click.echo(f"{user} is no longer a member of {record.name}")


# ================================================================ app tokens
@click.group()
def tokens() -> None:
    """Manage app tokens (app passwords): create, list, revoke."""


def _create_token(user: str, expiration: str, label: str) -> None:
    lifetime = parse_duration(expiration)
    clear, record = _with(
        lambda auth: auth.create_app_token(user, expires_in=lifetime, label=label)
    )
    click.echo(f"app token for {user}, valid until {rfc3339(record.expires)}:")
    click.echo(f"token: {clear}")
    click.echo(f"id   : {record.id}")


@tokens.command("create")
@click.argument("user")
@click.option("--expiration", default="72h", show_default=True, help="Lifetime: 72h, 30d, …")
@click.option("--label", default="Generated via CLI", show_default=True)
def tokens_create(user: str, expiration: str, label: str) -> None:
    """Create an app token; it is shown once."""
    _create_token(user, expiration, label)


@tokens.command("list")
@click.argument("user")
def tokens_list(user: str) -> None:
    """List a user's unexpired app tokens: id, created, expires, label."""
    for token in _with(lambda auth: auth.list_app_tokens(user)):
        created, expires = rfc3339(token.created), rfc3339(token.expires)
        click.echo(f"{token.id}\t{created}\t{expires}\t{token.label}")


@tokens.command("revoke")
@click.argument("user")
@click.argument("token")
def tokens_revoke(user: str, token: str) -> None:
    """Revoke an app token, named by its id (or the token itself)."""
    record = _with(lambda auth: auth.revoke_app_token(user, token))
    click.echo(f"revoked app token {record.id}")


@click.group("auth-app")
def auth_app() -> None:
    """OpenCloud's spelling of `opencloud tokens`."""


@auth_app.command("create")
@click.option("--user-name", required=True, help="The user the token is for.")
@click.option("--expiration", default="72h", show_default=True, help="Lifetime: 72h, 30d, …")
@click.option("--label", default="Generated via CLI", show_default=True)
def auth_app_create(user_name: str, expiration: str, label: str) -> None:
    """Create an app token; it is shown once."""
    _create_token(user_name, expiration, label)
