"""Identifiers: node and space ids, and the resource id form clients see.

OpenCloud presents a resource as ``{storage-id}${space-id}!{node-id}`` and a space
as ``{storage-id}${space-id}``. Ids are random UUIDs: they never encode a path, so
they survive rename and move.
"""

from __future__ import annotations

import re
import uuid
from typing import NewType

from opencloud.core.errors import InvalidInput

SpaceId = NewType("SpaceId", str)
NodeId = NewType("NodeId", str)

_UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")


def new_node_id() -> NodeId:
    """A fresh random node id."""
    return NodeId(str(uuid.uuid4()))


def new_space_id() -> SpaceId:
    """A fresh random space id."""
    return SpaceId(str(uuid.uuid4()))


def is_uuid(value: str) -> bool:
    """True for the canonical lower-case UUID form our ids take."""
    return bool(_UUID.match(value))


def format_resource_id(storage_id: str, space: str, node: str) -> str:
    """``storage$space!node``, the id OpenCloud clients read from ``oc:id``."""
    return f"{storage_id}${space}!{node}"


def format_space_id(storage_id: str, space: str) -> str:
    """``storage$space``, the drive id of LibreGraph and ``oc:spaceid``."""
    return f"{storage_id}${space}"


def parse_resource_id(value: str) -> tuple[str, SpaceId, NodeId]:
    """Split ``storage$space!node``; a bare ``storage$space`` means the space root.

    Raises InvalidInput for anything else, so a hostile id never reaches a driver.
    """
    storage, sep, rest = value.partition("$")
    if not sep or not storage:
        raise InvalidInput(f"not a resource id: {value!r}")
    space, bang, node = rest.partition("!")
    if not bang:
        node = space
    if not is_uuid(space) or not is_uuid(node):
        raise InvalidInput(f"not a resource id: {value!r}")
    return storage, SpaceId(space), NodeId(node)
