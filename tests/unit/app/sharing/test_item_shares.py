"""Sharing files and folders: invite, list, change and remove shares of an
item (``/graph/v1beta1/drives/{id}/items/{id}/…``)."""

from __future__ import annotations

import re

from opencloud.services.shares.service import SharesService

from .conftest import (
    BETA,
    EDITOR,
    FILE_EDITOR,
    MANAGER,
    SPACE_VIEWER,
    UPLOADER,
    VIEWER,
    As,
)

RFC3339 = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{1,9})?Z$")


def test_invite_a_user_to_a_folder(alan: As, mary: As, shares: SharesService) -> None:
    docs = alan.mkdir("/docs")
    response = alan.invite(docs, mary, role=EDITOR)
    assert response.status_code == 200, response.text
    (permission,) = response.json()["value"]
    storage, space = alan.drive.split("$")
    assert re.fullmatch(rf"{storage}:{space}:[0-9a-f-]{{36}}", permission["id"])
    assert permission["roles"] == [EDITOR]
    assert permission["grantedToV2"] == {
        "user": {"id": mary.id, "displayName": "Mary", "@libre.graph.userType": "Member"}
    }
    assert permission["invitation"] == {
        "invitedBy": {"user": {"id": alan.id, "displayName": "Alan"}}
    }
    assert RFC3339.match(permission["createdDateTime"])
    assert "expirationDateTime" not in permission
    # the share is real: mary receives it with the role's rights
    share = shares.get(permission["id"])
    assert shares.rights(mary.who, share).create

    listed = alan.permissions(docs)
    assert listed["value"] == [permission]
    allowed = listed["@libre.graph.permissions.roles.allowedValues"]
    assert [r["id"] for r in allowed] == [VIEWER, UPLOADER, EDITOR]
    assert {"id", "description", "displayName", "@libre.graph.weight"} == set(allowed[0])
    assert (
        "libre.graph/driveItem/permissions/create"
        in listed["@libre.graph.permissions.actions.allowedValues"]
    )


def test_a_file_offers_file_roles(alan: As, mary: As) -> None:
    report = alan.put("/report.txt")
    alan.share(report, mary, role=FILE_EDITOR)
    listed = alan.permissions(report)
    assert [r["id"] for r in listed["@libre.graph.permissions.roles.allowedValues"]] == [
        VIEWER,
        FILE_EDITOR,
    ]
    assert [p["roles"] for p in listed["value"]] == [[FILE_EDITOR]]
    only = alan.get(
        f"{BETA}/drives/{alan.drive}/items/{report}/permissions",
        params={"$select": "@libre.graph.permissions.roles.allowedValues"},
    ).json()
    assert set(only) == {"@libre.graph.permissions.roles.allowedValues"}


def test_several_recipients_a_group_and_an_expiry(
    alan: As, mary: As, lynn: As, readers: str
) -> None:
    docs = alan.mkdir("/docs")
    response = alan.invite(
        docs, mary, ("group", readers), mary, expirationDateTime="2099-01-31T12:00:00Z"
    )
    assert response.status_code == 200, response.text
    value = response.json()["value"]
    assert [p["grantedToV2"] for p in value] == [
        {"user": {"id": mary.id, "displayName": "Mary", "@libre.graph.userType": "Member"}},
        {"group": {"id": readers, "displayName": "readers"}},
    ]
    assert {p["expirationDateTime"] for p in value} == {"2099-01-31T12:00:00Z"}
    assert sorted(p["id"] for p in alan.permissions(docs)["value"]) == sorted(
        p["id"] for p in value
    )


def test_actions_instead_of_a_role(alan: As, mary: As) -> None:
    docs = alan.mkdir("/docs")
    viewer = alan.get(f"{BETA}/roleManagement/permissions/roleDefinitions/{VIEWER}").json()
    actions = viewer["rolePermissions"][0]["allowedResourceActions"]
    response = alan.post(
        f"{BETA}/drives/{alan.drive}/items/{docs}/invite",
        json={
            "recipients": [{"objectId": mary.id, "@libre.graph.recipient.type": "user"}],
            "@libre.graph.permissions.actions": actions,
        },
    )
    assert response.status_code == 200, response.text
    assert response.json()["value"][0]["roles"] == [VIEWER]


def test_change_and_remove_a_share(alan: As, mary: As, shares: SharesService) -> None:
    docs = alan.mkdir("/docs")
    permission = alan.share(docs, mary)
    url = f"{BETA}/drives/{alan.drive}/items/{docs}/permissions/{permission['id']}"
    response = alan.patch(
        url, json={"roles": [EDITOR], "expirationDateTime": "2099-05-01T00:00:00Z"}
    )
    assert response.status_code == 200, response.text
    assert response.json()["roles"] == [EDITOR]
    assert response.json()["expirationDateTime"] == "2099-05-01T00:00:00Z"
    assert shares.get(permission["id"]).role == EDITOR
    # null clears the expiry, an absent field leaves it
    response = alan.patch(url, json={"expirationDateTime": None})
    assert "expirationDateTime" not in response.json()
    assert alan.patch(url, json={}).json()["roles"] == [EDITOR]
    # "" clears it too, as it does for links
    alan.patch(url, json={"expirationDateTime": "2099-05-01T00:00:00Z"})
    response = alan.patch(url, json={"expirationDateTime": ""})
    assert response.status_code == 200, response.text
    assert "expirationDateTime" not in response.json()
    assert shares.get(permission["id"]).expires == 0

    assert alan.delete(url).status_code == 204
    assert alan.permissions(docs)["value"] == []
    assert mary.shared_with_me() == []
    assert alan.delete(url).status_code == 404


def test_project_space_items_are_shared_by_managers(alan: As, mary: As, lynn: As) -> None:
    drive = alan.create_space()
    plans = alan.mkdir("/plans", drive)
    permission = alan.share(plans, mary, role=UPLOADER)
    assert permission["roles"] == [UPLOADER]
    (item,) = mary.shared_with_me()
    assert item["remoteItem"]["parentReference"] == {"driveId": drive, "driveType": "project"}
    # a space viewer sees the shares but is offered only the roles within their own rights
    alan.add_member(drive, lynn, SPACE_VIEWER)
    listed = lynn.permissions(plans)
    assert [p["id"] for p in listed["value"]] == [permission["id"]]
    assert [r["id"] for r in listed["@libre.graph.permissions.roles.allowedValues"]] == [VIEWER]
    assert listed["@libre.graph.permissions.actions.allowedValues"] == []


def test_the_root_item_is_the_space_membership(alan: As, mary: As) -> None:
    drive = alan.create_space()
    root = f"{drive}!{drive.partition('$')[2]}"
    response = alan.invite(root, mary, role=SPACE_VIEWER, drive=drive)
    assert response.status_code == 200, response.text
    assert response.json()["value"][0]["id"] == f"u:{mary.id}"
    listed = alan.permissions(root)
    assert {p["id"] for p in listed["value"]} == {f"u:{alan.id}", f"u:{mary.id}"}
    assert [p["roles"] for p in listed["value"] if p["id"] == f"u:{alan.id}"] == [[MANAGER]]
