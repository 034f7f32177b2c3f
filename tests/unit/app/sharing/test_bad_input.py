"""Refusals in Graph's error form, with nothing changed: bad roles and
recipients, items one may not share, bad bodies and ids, and share jail
operations on shares one does not receive."""

from __future__ import annotations

import uuid

import httpx2 as httpx
import pytest

from opencloud.services.shares.service import SharesService

from .conftest import (
    BETA,
    EDITOR,
    FILE_EDITOR,
    MANAGER,
    SHARES_DRIVE,
    SPACE_EDITOR,
    SPACE_VIEWER,
    VIEWER,
    As,
    error,
)


def _nothing_shared(alan: As, item: str, shares: SharesService) -> None:
    assert alan.permissions(item)["value"] == []
    assert list(shares.all()) == []


@pytest.mark.parametrize(
    "case",
    [
        ("/docs", str(uuid.uuid4()), "unknown role"),
        ("/docs", SPACE_VIEWER, "cannot be given on a folder"),
        ("/docs", MANAGER, "cannot be given on a folder"),
        ("/docs", FILE_EDITOR, "cannot be given on a folder"),
        ("/a.txt", EDITOR, "cannot be given on a file"),
        ("/a.txt", SPACE_EDITOR, "cannot be given on a file"),
    ],
)
def test_roles_that_do_not_apply(
    alan: As, mary: As, shares: SharesService, case: tuple[str, str, str]
) -> None:
    item, role, message = case
    item_id = alan.mkdir(item) if item == "/docs" else alan.put(item)
    assert message in error(alan.invite(item_id, mary, role=role), 400, "invalidRequest")
    _nothing_shared(alan, item_id, shares)


@pytest.mark.parametrize(
    "extra",
    [
        {"roles": []},
        {"roles": [VIEWER, EDITOR]},
        {"roles": None, "@libre.graph.permissions.actions": ["libre.graph/driveItem/nothing"]},
        {"expirationDateTime": "2001-01-01T00:00:00Z"},
        {"expirationDateTime": "next tuesday"},
        {"recipients": []},
        {"recipients": [{"objectId": "", "@libre.graph.recipient.type": "user"}]},
        {"recipients": [{"objectId": "x", "@libre.graph.recipient.type": "robot"}]},
        {"recipients": "everyone"},
        {"roles": VIEWER},
    ],
)
def test_bad_invites(alan: As, mary: As, shares: SharesService, extra: dict[str, object]) -> None:
    docs = alan.mkdir("/docs")
    body: dict[str, object] = {
        "recipients": [{"objectId": mary.id, "@libre.graph.recipient.type": "user"}],
        "roles": [VIEWER],
        **extra,
    }
    response = alan.post(f"{BETA}/drives/{alan.drive}/items/{docs}/invite", json=body)
    error(response, 400, "invalidRequest")
    _nothing_shared(alan, docs, shares)


@pytest.mark.parametrize("body", [b"", b"{not json", b"[]", b'{"roles": ["x"]}'])
def test_malformed_bodies(alan: As, shares: SharesService, body: bytes) -> None:
    docs = alan.mkdir("/docs")
    response = alan.post(f"{BETA}/drives/{alan.drive}/items/{docs}/invite", content=body)
    error(response, 400, "invalidRequest")
    _nothing_shared(alan, docs, shares)


def test_bad_recipients(alan: As, mary: As, shares: SharesService) -> None:
    docs = alan.mkdir("/docs")
    assert "yourself" in error(alan.invite(docs, alan), 400, "invalidRequest")
    unknown_user = alan.invite(docs, ("user", str(uuid.uuid4())))
    assert error(unknown_user, 400, "invalidRequest").startswith("itemNotFound")
    unknown_group = alan.invite(docs, ("group", str(uuid.uuid4())))
    assert error(unknown_group, 400, "invalidRequest").startswith("itemNotFound")
    # one bad recipient among good ones: nobody gets a share
    error(alan.invite(docs, mary, ("user", "nobody")), 400, "invalidRequest")
    _nothing_shared(alan, docs, shares)
    alan.share(docs, mary)
    error(alan.invite(docs, mary), 409, "nameAlreadyExists")


def test_who_may_not_share(alan: As, mary: As, lynn: As, shares: SharesService) -> None:
    drive = alan.create_space()
    plans = alan.mkdir("/plans", drive)
    # a non-member: as if the item did not exist
    error(mary.invite(plans, lynn), 404, "itemNotFound")
    error(mary.get(f"{BETA}/drives/{drive}/items/{plans}/permissions"), 404, "itemNotFound")
    # a viewer and an editor see it but may not share it
    alan.add_member(drive, mary, SPACE_VIEWER)
    alan.add_member(drive, lynn, SPACE_EDITOR)
    error(mary.invite(plans, lynn), 403, "accessDenied")
    error(lynn.invite(plans, mary), 403, "accessDenied")
    # someone else's personal item: 404
    docs = alan.mkdir("/docs")
    error(mary.invite(docs, lynn), 404, "itemNotFound")
    assert list(shares.all()) == []
    # nor may they change or remove a share
    permission = alan.share(plans, lynn)
    url = f"{BETA}/drives/{drive}/items/{plans}/permissions/{permission['id']}"
    error(mary.patch(url, json={"roles": [EDITOR]}), 403, "accessDenied")
    error(mary.delete(url), 403, "accessDenied")
    assert shares.get(permission["id"]).role == VIEWER


def test_bad_drive_and_item_ids(alan: As, mary: As) -> None:
    docs = alan.mkdir("/docs")
    storage = alan.drive.partition("$")[0]
    other_item = mary.mkdir("/mine")

    def invite(drive: str, item: str) -> httpx.Response:
        return alan.post(
            f"{BETA}/drives/{drive}/items/{item}/invite",
            json={
                "recipients": [{"objectId": mary.id, "@libre.graph.recipient.type": "user"}],
                "roles": [VIEWER],
            },
        )

    error(invite("garbage", docs), 400, "invalidRequest")
    error(invite(alan.drive, "garbage"), 400, "invalidRequest")
    error(invite(alan.drive, f"{alan.drive}!not-a-uuid"), 400, "invalidRequest")
    unknown_drive = f"{storage}${uuid.uuid4()}"
    error(invite(unknown_drive, docs), 404, "itemNotFound")
    error(invite(alan.drive, f"{alan.drive}!{uuid.uuid4()}"), 404, "itemNotFound")
    error(invite(alan.drive, other_item), 404, "itemNotFound")
    error(invite(f"{uuid.uuid4()}${alan.drive.partition('$')[2]}", docs), 404, "itemNotFound")
    error(
        alan.patch(
            f"{BETA}/drives/{alan.drive}/items/{docs}/permissions/{storage}:x:{uuid.uuid4()}",
            json={"roles": [VIEWER]},
        ),
        404,
        "itemNotFound",
    )
    error(
        alan.delete(f"{BETA}/drives/{alan.drive}/items/{docs}/permissions/u:{mary.id}"),
        404,
        "itemNotFound",
    )


def test_bad_changes_change_nothing(alan: As, mary: As, shares: SharesService) -> None:
    docs = alan.mkdir("/docs")
    permission = alan.share(docs, mary)
    url = f"{BETA}/drives/{alan.drive}/items/{docs}/permissions/{permission['id']}"
    bodies: list[dict[str, object]] = [
        {"roles": [FILE_EDITOR]},
        {"roles": [MANAGER]},
        {"roles": ["nope"]},
        {"roles": []},
        {"expirationDateTime": "2000-01-01T00:00:00Z"},
        {"roles": "x"},
    ]
    for body in bodies:
        error(alan.patch(url, json=body), 400, "invalidRequest")
    share = shares.get(permission["id"])
    assert (share.role, share.expires) == (VIEWER, 0)


def test_jail_refusals(alan: As, mary: As, lynn: As, shares: SharesService) -> None:
    docs = alan.mkdir("/docs")
    permission = alan.share(docs, mary)
    jail_item = f"{BETA}/drives/{SHARES_DRIVE}/items/{SHARES_DRIVE}!{permission['id']}"
    # declining, hiding, reading or accepting a share one does not receive
    error(lynn.delete(jail_item), 404, "itemNotFound")
    error(lynn.patch(jail_item, json={"@UI.Hidden": True}), 404, "itemNotFound")
    error(lynn.get(jail_item), 404, "itemNotFound")
    children = f"{BETA}/drives/{SHARES_DRIVE}/root/children"
    error(lynn.post(children, json={"remoteItem": {"id": docs}}), 404, "itemNotFound")
    error(alan.delete(jail_item), 404, "itemNotFound")  # the sharer receives nothing
    missing = f"{BETA}/drives/{SHARES_DRIVE}/items/{SHARES_DRIVE}!a:b:{uuid.uuid4()}"
    error(mary.delete(missing), 404, "itemNotFound")
    # malformed ids and bodies
    error(mary.delete(f"{BETA}/drives/{SHARES_DRIVE}/items/garbage"), 400, "invalidRequest")
    error(mary.post(children, json={"remoteItem": {"id": "garbage"}}), 400, "invalidRequest")
    error(mary.post(children, json={"name": "x"}), 400, "invalidRequest")
    error(mary.patch(jail_item, json={"@UI.Hidden": "yes"}), 400, "invalidRequest")
    error(mary.patch(jail_item, json={"name": "a/b"}), 400, "invalidRequest")
    error(mary.patch(jail_item, json={"name": ""}), 400, "invalidRequest")
    # items of other drives are not served here
    error(
        mary.post(f"{BETA}/drives/{mary.drive}/root/children", json={"remoteItem": {"id": docs}}),
        501,
        "notSupported",
    )
    error(mary.get(f"{BETA}/drives/{alan.drive}/items/{docs}"), 404, "itemNotFound")
    error(mary.get(f"{BETA}/drives/garbage/items/{docs}"), 400, "invalidRequest")
    # nothing changed
    share = shares.get(permission["id"])
    assert shares.state(mary.who, share) == "accepted"
    assert share.hidden == {} and share.mounts == {}
