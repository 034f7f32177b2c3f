"""Ids: random UUIDs, and the storage$space!node form clients read."""

from __future__ import annotations

import pytest

from opencloud.core.errors import InvalidInput
from opencloud.core.ids import (
    format_resource_id,
    format_space_id,
    is_uuid,
    new_node_id,
    new_space_id,
    parse_resource_id,
)

SPACE = "1111aaaa-2222-4333-8444-555555555555"
NODE = "66666666-7777-4888-9999-aaaaaaaaaaaa"


def test_new_ids_are_distinct_uuids() -> None:
    ids = {new_node_id() for _ in range(100)} | {new_space_id() for _ in range(100)}
    assert len(ids) == 200
    assert all(is_uuid(i) for i in ids)


def test_is_uuid_wants_the_canonical_form() -> None:
    assert is_uuid(SPACE)
    assert not is_uuid(SPACE.upper())
    assert not is_uuid(SPACE.replace("-", ""))
    assert not is_uuid("")


def test_format() -> None:
    assert format_resource_id("st", SPACE, NODE) == f"st${SPACE}!{NODE}"
    assert format_space_id("st", SPACE) == f"st${SPACE}"


def test_parse_round_trips() -> None:
    assert parse_resource_id(format_resource_id("st", SPACE, NODE)) == ("st", SPACE, NODE)


def test_bare_space_id_means_its_root() -> None:
    assert parse_resource_id(format_space_id("st", SPACE)) == ("st", SPACE, SPACE)


@pytest.mark.parametrize(
    "value",
    [
        "",
        SPACE,
        f"${SPACE}!{NODE}",
        f"st${SPACE}!../../etc",
        f"st$../x!{NODE}",
        f"st${SPACE}!",
        f"st${SPACE}!{NODE}/x",
    ],
)
def test_parse_refuses_anything_else(value: str) -> None:
    with pytest.raises(InvalidInput):
        parse_resource_id(value)
