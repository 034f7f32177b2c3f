"""The conformance suite every storage driver passes.

A driver's test module subclasses :class:`DriverConformance` and provides the
``driver`` fixture (and may override ``space``)::

    class TestPosixConformance(DriverConformance):
        @pytest.fixture
        def driver(self, tmp_path: Path) -> Iterator[StorageDriver]:
            driver = PosixDriver.from_options({"root": str(tmp_path / "root")})
            yield driver
            driver.close()

The tests live in one module per area (``spaces``, ``tree``, ``uploads``,
``propagation``, ``moves``, ``copies``, ``trash``, ``versions``, ``metadata``,
``concurrency``); :class:`DriverConformance` gathers them. The suite speaks
only the Protocols of ``opencloud.storage.protocol``: what it checks is what the
services above may rely on, whatever the backend. Tests of optional
capabilities (``HasTrash``, ``HasVersions``) skip for a driver without them.
Each test starts from a fresh project space and, where something must *not*
happen, looks afterwards (a refused write leaves the listing and the etags as
they were).

Decisions the protocol leaves open are pinned here, so every driver makes the
same ones: a space root cannot be deleted, moved or replaced (PermissionDenied);
copying a file onto an existing file with overwrite is an overwrite that keeps
the target's id (as ownCloud does for WebDAV COPY); a restored trash item whose
name is taken becomes ``name (1).ext``; a restore to a vanished folder recreates
it (for an entry inside a trashed folder too).
"""

from __future__ import annotations

from opencloud.storage.conformance.concurrency import ConcurrencyTests
from opencloud.storage.conformance.copies import CopyTests
from opencloud.storage.conformance.metadata import MetadataTests
from opencloud.storage.conformance.moves import MoveTests
from opencloud.storage.conformance.propagation import PropagationTests
from opencloud.storage.conformance.spaces import SpaceTests
from opencloud.storage.conformance.trash import TrashEntryTests, TrashTests
from opencloud.storage.conformance.tree import TreeTests
from opencloud.storage.conformance.uploads import UploadTests
from opencloud.storage.conformance.versions import VersionTests


class DriverConformance(
    SpaceTests,
    TreeTests,
    UploadTests,
    PropagationTests,
    MoveTests,
    CopyTests,
    TrashTests,
    TrashEntryTests,
    VersionTests,
    MetadataTests,
    ConcurrencyTests,
):
    """Subclass and provide ``driver``; see the package docstring."""


__all__ = ["DriverConformance"]
