"""Who hears of a change: owner, space members, share recipients, and only them."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from opencloud.core.ids import NodeId, SpaceId
from opencloud.services.events.types import (
    Event,
    FolderCreated,
    ItemMoved,
    ShareRemoved,
    SpaceMemberAdded,
    SpaceMemberRemoved,
)
from opencloud.services.spaces.roles import SPACE_VIEWER
from opencloud.storage.records import write_file
from opencloud.storage.types import Ref

if TYPE_CHECKING:
    from .conftest import World


def _published(w: World, action: Callable[[], object]) -> list[Event]:
    """The events ``action`` published, in order."""
    subscription = w.bus.subscribe("test")
    action()
    found: list[Event] = []
    while (event := subscription.get(0)) is not None:
        found.append(event)
    subscription.close()
    return found


def _event_for(w: World, path: str, space: SpaceId | None = None) -> FolderCreated:
    node = w.driver.stat(Ref(w.home if space is None else space, path))
    return FolderCreated(
        itemid=f"st${node.space}!{node.id}",
        parentitemid=f"st${node.space}!{node.parent_id}",
        spaceid=f"st${node.space}",
    )


def test_a_private_folder_is_heard_of_by_its_owner_alone(w: World) -> None:
    assert w.audience.users(_event_for(w, "/private")) == {w.alan}


def test_a_shared_folder_reaches_the_user_and_group_recipients(w: World) -> None:
    assert w.audience.users(_event_for(w, "/docs")) == {w.alan, w.mary, w.lynn}


def test_a_change_deep_below_a_shared_folder_reaches_its_recipients(w: World) -> None:
    w.files.mkdir(Ref(w.home, "/docs/deep/deeper"))
    assert w.audience.users(_event_for(w, "/docs/deep/deeper")) == {w.alan, w.mary, w.lynn}


def test_a_declined_share_is_not_heard_of(w: World) -> None:
    share = next(s for s in w.shares.all() if s.grantee == w.mary)
    w.shares.answer(w.auth.principal("mary"), share.id, "declined")
    assert w.audience.users(_event_for(w, "/docs")) == {w.alan, w.lynn}


def test_a_removed_share_is_not_heard_of_afterwards(w: World) -> None:
    share = next(s for s in w.shares.all() if s.grantee == w.mary)
    w.shares.delete(w.auth.principal("alan"), share.id)
    assert w.mary not in w.audience.users(_event_for(w, "/docs/deep"))


def test_a_group_member_added_later_hears_and_one_removed_does_not(w: World) -> None:
    w.auth.add_member(w.group, w.paul)
    w.auth.remove_member(w.group, w.lynn)
    assert w.audience.users(_event_for(w, "/docs")) == {w.alan, w.mary, w.paul}


def test_project_members_hear_of_the_space_and_strangers_do_not(w: World) -> None:
    w.files.mkdir(Ref(w.project, "/plans"))
    heard = w.audience.users(_event_for(w, "/plans", w.project))
    assert heard == {w.alan, w.zoe}


def test_a_disabled_project_is_heard_of_by_its_managers_only(w: World) -> None:
    w.files.mkdir(Ref(w.project, "/plans"))
    w.spaces.set_disabled(w.project, True)
    assert w.audience.users(_event_for(w, "/plans", w.project)) == {w.alan}


def test_a_trashed_item_is_named_by_ids_and_still_reaches_the_recipients(w: World) -> None:
    event = _event_for(w, "/docs/deep")
    w.files.delete(Ref(w.home, "/docs/deep"))  # the item is gone, its parent is not
    assert w.audience.users(event) == {w.alan, w.mary, w.lynn}


def test_an_item_moved_out_of_a_share_reaches_who_saw_it_before(w: World) -> None:
    write_file(w.driver, Ref(w.home, "/docs/f.txt"), b"x")
    (moved,) = _published(
        w, lambda: w.files.move(Ref(w.home, "/docs/f.txt"), Ref(w.home, "/private/f.txt"))
    )
    assert isinstance(moved, ItemMoved)
    assert w.audience.users(moved) == {w.alan, w.mary, w.lynn}
    # …and a later change there stays private
    later = _event_for(w, "/private")
    assert w.audience.users(later) == {w.alan}


def test_share_and_membership_events_reach_the_grantee_even_when_access_ends(w: World) -> None:
    alan = w.auth.principal("alan")
    share = next(s for s in w.shares.all() if s.grantee == w.mary)
    (removed,) = _published(w, lambda: w.shares.delete(alan, share.id))
    assert isinstance(removed, ShareRemoved)
    assert removed.grantee == w.mary
    assert w.mary in w.audience.users(removed)
    (left,) = _published(w, lambda: w.spaces.remove_member(w.project, "u", w.zoe))
    assert isinstance(left, SpaceMemberRemoved)
    assert w.audience.users(left) == {w.alan, w.zoe}
    (joined,) = _published(w, lambda: w.spaces.set_member(w.project, "g", w.group, SPACE_VIEWER))
    assert isinstance(joined, SpaceMemberAdded)
    assert w.audience.users(joined) == {w.alan, w.lynn}


def test_garbage_ids_reach_nobody(w: World) -> None:
    event = FolderCreated(itemid="x", parentitemid="y", spaceid="not-an-id")
    assert w.audience.users(event) == set()
    missing = FolderCreated(
        itemid=f"st${w.home}!{NodeId('00000000-0000-4000-8000-000000000000')}",
        parentitemid=f"st${w.home}!00000000-0000-4000-8000-000000000001",
        spaceid=f"st${w.home}",
    )
    assert w.audience.users(missing) == {w.alan}  # the space is known, the nodes are not
