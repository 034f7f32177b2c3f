"""FilesService over the real posix driver: each write publishes the event a
client would see, with ids in storage$space!node form; a failed write
publishes nothing."""

from __future__ import annotations

import uuid

import pytest

from opencloud.core.errors import AlreadyExists, ChecksumMismatch, Conflict
from opencloud.core.ids import NodeId, SpaceId
from opencloud.services.events.bus import InProcessBus, Subscription
from opencloud.services.events.types import (
    Event,
    FileTouched,
    FolderCreated,
    ItemMoved,
    ItemRenamed,
    ItemRestored,
    ItemTrashed,
    PostprocessingFinished,
)
from opencloud.services.files.service import FilesService
from opencloud.storage.protocol import StorageDriver
from opencloud.storage.types import Change, ChangeKind, NodeInfo, NodeKind, Ref

STORAGE = "3b5e1f2a-0000-4000-8000-00000000beef"


@pytest.fixture
def bus() -> InProcessBus:
    return InProcessBus()


@pytest.fixture
def events(bus: InProcessBus) -> Subscription:
    return bus.subscribe("test")


@pytest.fixture
def files(driver: StorageDriver, bus: InProcessBus) -> FilesService:
    return FilesService(driver, bus, STORAGE)


def _drain(sub: Subscription) -> list[Event]:
    out: list[Event] = []
    while (event := sub.get(0)) is not None:
        out.append(event)
    return out


def _rid(space: SpaceId, node: str) -> str:
    return f"{STORAGE}${space}!{node}"


def test_ids_are_in_client_form(files: FilesService, space: SpaceId) -> None:
    assert files.space_id(space) == f"{STORAGE}${space}"
    assert files.resource_id(space, NodeId("n")) == _rid(space, "n")
    assert files.resource_id(space, "") == ""


def test_mkdir_publishes_folder_created(
    files: FilesService, space: SpaceId, events: Subscription
) -> None:
    node = files.mkdir(Ref(space, "/docs"), initiator="client-1")
    assert _drain(events) == [
        FolderCreated(
            itemid=_rid(space, node.id),
            parentitemid=_rid(space, space),  # the space root's node id is the space id
            spaceid=f"{STORAGE}${space}",
            etag=node.etag,
            initiatorid="client-1",
            path="/docs",
        )
    ]


def test_failed_write_publishes_nothing(
    files: FilesService, space: SpaceId, events: Subscription
) -> None:
    files.mkdir(Ref(space, "/docs"))
    _drain(events)
    with pytest.raises(AlreadyExists):
        files.mkdir(Ref(space, "/docs"))
    with pytest.raises(Conflict):
        files.mkdir(Ref(space, "/missing/child"))
    assert _drain(events) == []


def test_upload_publishes_postprocessing_finished(
    files: FilesService, space: SpaceId, events: Subscription
) -> None:
    node = files.upload(Ref(space, "/a.txt"), [b"hello ", b"world"], initiator="c")
    assert node.size == 11
    (event,) = _drain(events)
    assert isinstance(event, PostprocessingFinished)
    assert event.itemid == _rid(space, node.id)
    assert event.etag == node.etag
    assert event.initiatorid == "c"
    with files.open_read(Ref(space, "/a.txt")) as f:
        assert f.read() == b"hello world"


def test_empty_upload_publishes_file_touched(
    files: FilesService, space: SpaceId, events: Subscription
) -> None:
    node = files.upload(Ref(space, "/empty"), [])
    (event,) = _drain(events)
    assert isinstance(event, FileTouched)
    assert event.itemid == _rid(space, node.id)


def test_staged_upload_publishes_only_on_commit(
    files: FilesService, space: SpaceId, events: Subscription
) -> None:
    upload = files.begin_upload(Ref(space, "/b.bin"), size=3)
    upload.write(b"abc")
    assert _drain(events) == []
    node = upload.commit()
    assert [type(e) for e in _drain(events)] == [PostprocessingFinished]
    assert node.size == 3


def test_aborted_or_refused_upload_publishes_nothing(
    files: FilesService, space: SpaceId, events: Subscription
) -> None:
    upload = files.begin_upload(Ref(space, "/c.bin"))
    upload.write(b"abc")
    upload.abort()
    with pytest.raises(ChecksumMismatch):
        files.upload(Ref(space, "/d.bin"), [b"abc"], checksum=("sha1", "0" * 40))
    assert _drain(events) == []


def test_rename_in_same_folder(files: FilesService, space: SpaceId, events: Subscription) -> None:
    before = files.upload(Ref(space, "/old.txt"), [b"x"])
    _drain(events)
    node = files.move(Ref(space, "/old.txt"), Ref(space, "/new.txt"), initiator="c")
    assert node.id == before.id
    assert _drain(events) == [
        ItemRenamed(
            itemid=_rid(space, node.id),
            parentitemid=_rid(space, space),
            spaceid=f"{STORAGE}${space}",
            etag=node.etag,
            initiatorid="c",
            path="/new.txt",
            oldpath="/old.txt",
        )
    ]


def test_move_to_other_folder(files: FilesService, space: SpaceId, events: Subscription) -> None:
    folder = files.mkdir(Ref(space, "/dir"))
    files.upload(Ref(space, "/f.txt"), [b"x"])
    _drain(events)
    node = files.move(Ref(space, "/f.txt"), Ref(space, "/dir/f.txt"))
    (event,) = _drain(events)
    assert isinstance(event, ItemMoved)
    assert event.parentitemid == _rid(space, folder.id)
    assert event.oldparentitemid == _rid(space, space)
    assert event.oldpath == "/f.txt"
    assert event.path == "/dir/f.txt"
    assert event.itemid == _rid(space, node.id)


def test_move_over_existing_reports_the_replaced_item(
    files: FilesService, space: SpaceId, events: Subscription
) -> None:
    files.upload(Ref(space, "/a"), [b"a"])
    target = files.upload(Ref(space, "/b"), [b"b"])
    _drain(events)
    files.move(Ref(space, "/a"), Ref(space, "/b"), overwrite=True)
    trashed, renamed = _drain(events)
    assert isinstance(trashed, ItemTrashed)
    assert trashed.itemid == _rid(space, target.id)
    assert isinstance(renamed, ItemRenamed)


def test_copy_announces_the_copy(files: FilesService, space: SpaceId, events: Subscription) -> None:
    src = files.upload(Ref(space, "/a"), [b"a"])
    files.mkdir(Ref(space, "/d"))
    _drain(events)
    file_copy = files.copy(Ref(space, "/a"), Ref(space, "/a2"))
    dir_copy = files.copy(Ref(space, "/d"), Ref(space, "/d2"))
    first, second = _drain(events)
    assert isinstance(first, PostprocessingFinished)
    assert first.itemid == _rid(space, file_copy.id) != _rid(space, src.id)
    assert isinstance(second, FolderCreated)
    assert second.itemid == _rid(space, dir_copy.id)


def test_delete_and_restore(files: FilesService, space: SpaceId, events: Subscription) -> None:
    node = files.upload(Ref(space, "/gone.txt"), [b"bye"])
    _drain(events)
    item = files.delete(Ref(space, "/gone.txt"), initiator="c")
    assert item is not None
    (trashed,) = _drain(events)
    assert trashed == ItemTrashed(
        itemid=_rid(space, node.id),
        parentitemid=_rid(space, space),
        spaceid=f"{STORAGE}${space}",
        etag=node.etag,
        initiatorid="c",
        path="/gone.txt",
    )
    assert [t.key for t in files.list_trash(space)] == [item.key]
    restored = files.restore_trash(space, item.key)
    assert restored.id == node.id
    (event,) = _drain(events)
    assert isinstance(event, ItemRestored)
    assert event.itemid == _rid(space, node.id)
    assert event.path == "/gone.txt"


def test_restore_version(files: FilesService, space: SpaceId, events: Subscription) -> None:
    ref = Ref(space, "/v.txt")
    files.upload(ref, [b"one"])
    files.upload(ref, [b"two"])
    (version,) = files.list_versions(ref)
    _drain(events)
    node = files.restore_version(ref, version.key)
    (event,) = _drain(events)
    assert isinstance(event, ItemRestored)
    assert event.itemid == _rid(space, node.id)
    with files.open_read(ref) as f:
        assert f.read() == b"one"


def test_reads_pass_through(files: FilesService, space: SpaceId) -> None:
    node = files.upload(Ref(space, "/r.txt"), [b"r"])
    assert files.stat(Ref(space, "/r.txt")).id == node.id
    assert files.stat_id(space, node.id).path == "/r.txt"
    assert [n.name for n in files.list(Ref(space, "/"))] == ["r.txt"]


# ---- outside changes: Change values as the watcher yields them


def _node(space: SpaceId, kind: NodeKind = "file", size: int = 5, parent: str = "") -> NodeInfo:
    return NodeInfo(
        id=NodeId(str(uuid.uuid4())),
        parent_id=NodeId(parent or space),
        space=space,
        path="/x",
        name="x",
        kind=kind,
        size=size,
        mtime_ns=1,
        etag='"e"',
    )


def _change(
    kind: ChangeKind, node: NodeInfo, *, old_path: str = "", old_parent: str = ""
) -> Change:
    return Change(
        kind=kind,
        space=node.space,
        node_id=node.id,
        parent_id=node.parent_id,
        path=node.path,
        node=None if kind == "deleted" else node,
        old_path=old_path,
        old_parent_id=NodeId(old_parent),
    )


_CASES: list[tuple[ChangeKind, NodeKind, int, type[Event]]] = [
    ("created", "dir", 0, FolderCreated),
    ("created", "file", 0, FileTouched),
    ("created", "file", 5, PostprocessingFinished),
    ("modified", "file", 5, PostprocessingFinished),
    ("modified", "file", 0, PostprocessingFinished),
    ("deleted", "file", 5, ItemTrashed),
]


@pytest.mark.parametrize("case", _CASES, ids=lambda c: f"{c[0]}-{c[1]}-{c[2]}")
def test_change_maps_to_event(
    files: FilesService,
    space: SpaceId,
    events: Subscription,
    case: tuple[ChangeKind, NodeKind, int, type[Event]],
) -> None:
    kind, node_kind, size, expected = case
    node = _node(space, node_kind, size)
    published = files.publish_change(_change(kind, node))
    assert isinstance(published, expected)
    assert published.itemid == _rid(space, node.id)
    assert published.parentitemid == _rid(space, space)
    assert published.initiatorid == ""
    assert _drain(events) == [published]


def test_modified_folder_is_not_announced(
    files: FilesService, space: SpaceId, events: Subscription
) -> None:
    assert files.publish_change(_change("modified", _node(space, "dir"))) is None
    assert _drain(events) == []


def test_moved_change_in_same_folder_is_a_rename(files: FilesService, space: SpaceId) -> None:
    node = _node(space)
    event = files.publish_change(_change("moved", node, old_path="/old", old_parent=node.parent_id))
    assert isinstance(event, ItemRenamed)
    assert event.oldpath == "/old"


def test_moved_change_across_folders_is_a_move(files: FilesService, space: SpaceId) -> None:
    node = _node(space, parent=str(uuid.uuid4()))
    event = files.publish_change(_change("moved", node, old_path="/old", old_parent=space))
    assert isinstance(event, ItemMoved)
    assert event.oldparentitemid == _rid(space, space)
    assert event.parentitemid == _rid(space, node.parent_id)


def test_changes_in_system_spaces_are_not_announced(
    files: FilesService, driver: StorageDriver, events: Subscription
) -> None:
    system = SpaceId("system-records")
    driver.create_space(system, kind="system", name="records", owner="")
    node = _node(system, "file", 5)
    assert files.publish_change(_change("created", node)) is None
    assert files.publish_change(_change("deleted", node)) is None
    assert _drain(events) == []
