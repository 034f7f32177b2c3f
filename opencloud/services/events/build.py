"""Events from nodes: the one place a ``NodeInfo`` becomes an event's ids.

Every publisher (files, shares, spaces, links) names items the way clients read
them (``storage$space!node``); building them here keeps the three id fields
consistent, and a space root's ``parentitemid`` empty, wherever the change was made.
"""

from __future__ import annotations

from typing import Any, TypeVar

from opencloud.core.ids import format_resource_id, format_space_id
from opencloud.services.events.types import ItemEvent
from opencloud.storage.types import NodeInfo

_E = TypeVar("_E", bound=ItemEvent)


def node_event(
    cls: type[_E], storage_id: str, node: NodeInfo, *, initiator: str = "", **extra: Any
) -> _E:
    """An event of type ``cls`` about ``node`` (its ids, etag and path)."""
    parent = node.parent_id
    return cls(
        itemid=format_resource_id(storage_id, node.space, node.id),
        parentitemid=format_resource_id(storage_id, node.space, parent) if parent else "",
        spaceid=format_space_id(storage_id, node.space),
        etag=node.etag,
        initiatorid=initiator,
        path=node.path,
        **extra,
    )
