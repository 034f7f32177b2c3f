"""Live updates from a disabled project space: its shares' recipients hear
nothing until it is restored, as they can reach nothing (review finding)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from opencloud.core.ids import NodeId
from opencloud.services.events.types import FolderCreated
from opencloud.services.spaces.roles import VIEWER
from opencloud.storage.types import Ref

if TYPE_CHECKING:
    from .conftest import World


def test_a_disabled_spaces_shares_tell_their_recipients_nothing(w: World) -> None:
    w.files.mkdir(Ref(w.project, "/plans"))
    node = w.driver.stat(Ref(w.project, "/plans"))
    alan = w.auth.principal("alan")
    w.shares.create(
        alan, w.project, NodeId(node.id), grantee_kind="u", grantee=w.paul, given=VIEWER
    )
    event = FolderCreated(
        itemid=f"st${node.space}!{node.id}",
        parentitemid=f"st${node.space}!{node.parent_id}",
        spaceid=f"st${node.space}",
    )
    assert w.paul in w.audience.users(event)  # enabled: the recipient hears
    w.spaces.set_disabled(w.project, True)
    assert w.audience.users(event) == {w.alan}  # disabled: its managers only
