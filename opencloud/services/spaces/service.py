"""The spaces service: a user's personal space, and who may reach which space.

Until shares and project spaces exist (they come with the sharing work), the
rule is simple: a user reaches exactly their own personal space, whose id is
their user id. Someone else's space answers NotFound, not PermissionDenied,
so a client cannot probe which spaces exist.
"""

from __future__ import annotations

from opencloud.core.errors import NotFound
from opencloud.core.ids import SpaceId
from opencloud.services.auth.types import Principal
from opencloud.storage.protocol import StorageDriver
from opencloud.storage.types import Quota, SpaceInfo


class SpacesService:
    def __init__(self, driver: StorageDriver, storage_id: str) -> None:
        self._driver = driver
        self.storage_id = storage_id
        self._known: set[str] = set()  # personal spaces seen to exist

    def personal_id(self, user: Principal) -> SpaceId:
        """The id of the user's personal space, creating it on first use.

        Cheap after the first call (no storage access): WebDAV resolves a URL
        on every request, before anything else, on the event loop."""
        if user.id not in self._known:
            self.personal(user)
            self._known.add(user.id)
        return SpaceId(user.id)

    def reachable_id(self, user: Principal, space: SpaceId) -> SpaceId:
        """``reachable`` without reading the space (see ``personal_id``)."""
        if space == user.id:
            return self.personal_id(user)
        raise NotFound(f"no space {space!r}")

    def forget(self, space: SpaceId) -> None:
        """Drop a deleted space from the cache of known ones."""
        self._known.discard(space)

    def personal(self, user: Principal) -> SpaceInfo:
        """The user's personal space, created on first use (idempotent)."""
        try:
            return self._driver.get_space(SpaceId(user.id))
        except NotFound:
            return self._driver.create_space(
                SpaceId(user.id), kind="personal", name=user.display_name, owner=user.id
            )

    def reachable(self, user: Principal, space: SpaceId) -> SpaceInfo:
        """The space if ``user`` may reach it; NotFound otherwise (and for a
        space that does not exist, which looks the same)."""
        if space == user.id:
            return self.personal(user)
        raise NotFound(f"no space {space!r}")

    def list_reachable(self, user: Principal) -> list[SpaceInfo]:
        """Every space ``user`` may reach, personal first."""
        return [self.personal(user)]

    def quota(self, space: SpaceId) -> Quota:
        return self._driver.quota(space)
