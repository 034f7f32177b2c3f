"""OpenCloud's unified roles, by their GUIDs (reference §2.6), as Rights.

Space roles apply to a space root (membership); the item roles apply to a
shared file or folder. Ids, names and descriptions are OpenCloud's so that
clients that hard-code them (the web client does) keep working.
"""

from __future__ import annotations

from typing import Literal

import msgspec

from opencloud.core.errors import InvalidInput
from opencloud.services.spaces.rights import FULL, Rights

AppliesTo = Literal["space", "folder", "file"]


class Role(msgspec.Struct, frozen=True, kw_only=True):
    id: str
    name: str  # OpenCloud's role name (``Viewer``, ``SpaceEditor``…)
    display_name: str  # what the web client shows (``Can view``…)
    legacy: str  # the CS3 / v1.0 name (``viewer``, ``editor``, ``manager``…)
    applies_to: tuple[AppliesTo, ...]
    rights: Rights
    weight: int  # higher wins when several grants meet


_READ = Rights(read=True)
_EDIT = Rights(read=True, create=True, update=True, delete=True, trash=True, versions=True)

SPACE_VIEWER = Role(
    id="a8d5fe5e-96e3-418d-825b-534dbdf22b99",
    name="SpaceViewer",
    display_name="Can view",
    legacy="viewer",
    applies_to=("space",),
    rights=_READ,
    weight=1,
)
SPACE_EDITOR = Role(
    id="58c63c02-1d89-4572-916a-870abc5a1b7d",
    name="SpaceEditor",
    display_name="Can edit",
    legacy="editor",
    applies_to=("space",),
    rights=_EDIT,
    weight=2,
)
MANAGER = Role(
    id="312c0871-5ef7-4b3a-85b6-0e4074c64049",
    name="Manager",
    display_name="Can manage",
    legacy="manager",
    applies_to=("space",),
    rights=FULL,
    weight=3,
)
VIEWER = Role(
    id="b1e2218d-eef8-4d4c-b82d-0f1a1b48f3b5",
    name="Viewer",
    display_name="Can view",
    legacy="viewer",
    applies_to=("folder", "file"),
    rights=_READ,
    weight=1,
)
UPLOADER = Role(
    id="1c996275-f1c9-4e71-abdf-a42f6495e960",
    name="EditorLite",
    display_name="Can upload",
    legacy="editor-lite",
    applies_to=("folder",),
    rights=Rights(read=True, create=True),
    weight=1,
)
FILE_EDITOR = Role(
    id="2d00ce52-1fc2-4dbc-8b95-a73b73395f5a",
    name="FileEditor",
    display_name="Can edit",
    legacy="file-editor",
    applies_to=("file",),
    rights=Rights(read=True, update=True, versions=True),
    weight=2,
)
EDITOR = Role(
    id="fb6c3e19-e378-47e5-b277-9732f9de6e21",
    name="Editor",
    display_name="Can edit",
    legacy="editor",
    applies_to=("folder",),
    rights=Rights(read=True, create=True, update=True, delete=True, versions=True),
    weight=2,
)

ROLES: dict[str, Role] = {
    r.id: r for r in (SPACE_VIEWER, SPACE_EDITOR, MANAGER, VIEWER, UPLOADER, FILE_EDITOR, EDITOR)
}
SPACE_ROLES = (SPACE_VIEWER, SPACE_EDITOR, MANAGER)


def role(role_id: str, *, for_: AppliesTo | None = None) -> Role:
    """The role with this GUID; InvalidInput for an unknown one, or one that
    does not apply to ``for_``."""
    found = ROLES.get(role_id)
    if found is None:
        raise InvalidInput(f"unknown role id {role_id[:64]!r}")
    if for_ is not None and for_ not in found.applies_to:
        raise InvalidInput(f"the role {found.name} cannot be given on a {for_}")
    return found
