"""OpenCloud's demo users and groups (``IDM_CREATE_DEMO_USERS``), for trying the
server out and for client test suites that log in as ``alan:demo``.

Same usernames, display names, UUIDs, roles and groups as OpenCloud's
``demousers.ldif``; every password is ``demo``. Never use them on a server
reachable by others.
"""

from __future__ import annotations

import msgspec

from opencloud.core.errors import AlreadyExists, NotFound
from opencloud.services.auth.service import AuthService
from opencloud.services.auth.types import GlobalRole

DEMO_PASSWORD = "demo"  # noqa: S105 (OpenCloud's published demo password)


class DemoUser(msgspec.Struct, frozen=True):
    username: str
    display_name: str
    id: str
    role: GlobalRole


class DemoGroup(msgspec.Struct, frozen=True):
    name: str
    description: str
    id: str
    members: tuple[str, ...]


DEMO_USERS = (
    DemoUser("alan", "Alan Turing", "b1f74ec4-dd7e-11ef-a543-03775734d0f7", "user"),
    DemoUser("mary", "Mary Kenneth Keller", "056fc874-dd7f-11ef-ba84-af6fca4b7289", "user"),
    DemoUser("margaret", "Margaret Hamilton", "801abee4-dd7f-11ef-a324-83f55a754b62", "spaceadmin"),
    DemoUser("dennis", "Dennis Ritchie", "cd88bf9a-dd7f-11ef-a609-7f78deb2345f", "admin"),
    DemoUser("lynn", "Lynn Conway", "60708dda-e897-11ef-919f-bbb7437d6ec2", "user"),
)

#: ``users`` also gets the administrator from the configuration.
DEMO_GROUPS = (
    DemoGroup(
        "users",
        "Users",
        "509a9dcd-bb37-4f4f-a01a-19dca27d9cfa",
        ("alan", "mary", "margaret", "dennis", "lynn"),
    ),
    DemoGroup("chess-lovers", "Chess lovers", "9d31ec04-dd80-11ef-ac47-a38ba68cc36d", ("alan",)),
    DemoGroup(
        "machine-lovers", "Machine Lovers", "d901562a-dd80-11ef-a510-fba1ed43fb21", ("alan",)
    ),
    DemoGroup("bible-readers", "Bible readers", "2fc6ba22-dd81-11ef-89e6-e3eff494a998", ("mary",)),
    DemoGroup(
        "apollos",
        "Contributors to the Appollo mission",
        "6f9bab36-dd94-11ef-a252-dbbdd20299dd",
        ("margaret",),
    ),
    DemoGroup("unix-lovers", "Unix lovers", "75bc3882-dd94-11ef-ad60-335f3df6cef3", ("dennis",)),
    DemoGroup(
        "basic-haters",
        "Haters of the Basic programming language",
        "a4eb2c12-dd94-11ef-9ebe-eb96f938d517",
        ("dennis",),
    ),
    DemoGroup(
        "vlsi-lovers",
        "Lovers of VLSI microchip design",
        "914ce3de-e899-11ef-9a4b-732fbb2acc42",
        ("lynn",),
    ),
    DemoGroup(
        "programmers",
        "Computer Programmers",
        "ce4aa240-dd94-11ef-82b8-4f4828849072",
        ("alan", "margaret", "dennis", "lynn"),
    ),
)


def create_demo_users(auth: AuthService, *, admin_id: str = "") -> list[str]:
    """Create what is missing of the demo users and groups (idempotent); returns
    the usernames created."""
    created: list[str] = []
    for demo in DEMO_USERS:
        try:
            auth.get_user(demo.id)
            continue
        except NotFound:
            pass
        try:
            auth.create_user(
                demo.username,
                DEMO_PASSWORD,
                display_name=demo.display_name,
                mail=f"{demo.username}@example.org",
                role=demo.role,
                user_id=demo.id,
            )
            created.append(demo.username)
        except AlreadyExists:
            continue  # a real user already has the name: leave them alone
    for group in DEMO_GROUPS:
        try:
            auth.get_group(group.id)
        except NotFound:
            try:
                auth.create_group(group.name, description=group.description, group_id=group.id)
            except AlreadyExists:
                continue
        members = list(group.members)
        if group.name == "users" and admin_id:
            members.append(admin_id)
        for member in members:
            try:
                auth.add_member(group.id, member)
            except NotFound:
                continue
    return created
