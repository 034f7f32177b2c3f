"""The authenticated caller, as every API adapter and service sees it."""

from __future__ import annotations

from typing import Literal

import msgspec

#: OpenCloud's global roles (settings service): what a user may administer.
GlobalRole = Literal["admin", "spaceadmin", "user"]

#: How the caller proved who they are.
AuthMethod = Literal["basic", "app-token", "jwt"]


class Principal(msgspec.Struct, frozen=True, kw_only=True):
    """A signed-in user. ``id`` is the user's UUID, which is also the id of
    their personal space; ``username`` is the login name
    (``onPremisesSamAccountName``)."""

    id: str
    username: str
    display_name: str
    mail: str = ""
    role: GlobalRole = "user"
    #: ids of the user's groups (stable across renames), sorted
    groups: tuple[str, ...] = ()
    method: AuthMethod = "basic"
    #: names (``displayName``) of the same groups, in the same order as ``groups``
    group_names: tuple[str, ...] = ()
