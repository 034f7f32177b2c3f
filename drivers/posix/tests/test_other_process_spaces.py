"""A space another process created on the same tree (``opencloud users add``
while the server runs) is found by this process on first use."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from opencloud.core.errors import NotFound
from opencloud.core.ids import SpaceId, new_space_id
from opencloud.storage.types import Ref
from opencloud_driver_posix.driver import PosixDriver


def test_a_space_made_by_another_process_is_found(
    make_driver: Callable[..., PosixDriver],
) -> None:
    server = make_driver()
    cli = make_driver()  # a second process on the same tree
    space = new_space_id()
    cli.create_space(space, kind="personal", name="alan", owner=str(space))
    cli.mkdir(Ref(space, "/docs"))
    assert server.get_space(space).name == "alan"
    assert server.stat(Ref(space, "/docs")).kind == "dir"
    again = server.create_space(space, kind="personal", name="alan", owner=str(space))
    assert again.id == space  # provisioning twice stays harmless


@pytest.mark.parametrize("name", ["nope", "..", "a/b", "", "."])
def test_unknown_spaces_stay_unknown(driver: PosixDriver, name: str) -> None:
    with pytest.raises(NotFound):
        driver.get_space(SpaceId(name))
