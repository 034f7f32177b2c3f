"""``GET …/sharees?search=``: users and groups to share with."""

from __future__ import annotations

from opencloud.api.ocs.capabilities import FilesSharing
from opencloud.api.ocs.sharees import MIN_SEARCH

from .conftest import User


def test_users_and_groups_match(alice: User, bob: User, carol: User) -> None:
    data = alice.ocs("GET", "/sharees?search=car")
    assert [m["value"]["shareWith"] for m in data["users"]] == ["carol"]
    assert data["users"][0] == {
        "label": "Carol Crew",
        "value": {
            "shareType": 0,
            "shareWith": "carol",
            "shareWithProvider": "",
            "shareWithAdditionalInfo": "carol@example.org",
            "userType": 0,
        },
    }
    assert data["remotes"] == []
    crew = alice.ocs("GET", "/sharees?search=cre")
    assert crew["groups"][0]["value"]["shareType"] == 1
    assert crew["groups"][0]["value"]["shareWith"] == "crew"


def test_exact_matches_and_never_oneself(alice: User, bob: User, carol: User) -> None:
    data = alice.ocs("GET", "/sharees?search=crew")
    assert [m["value"]["shareWith"] for m in data["exact"]["groups"]] == ["crew"]
    assert data["groups"] == []
    exact = alice.ocs("GET", "/sharees?search=bob")
    assert [m["value"]["shareWith"] for m in exact["exact"]["users"]] == ["bob"]
    assert alice.ocs("GET", "/sharees?search=alice")["exact"]["users"] == []
    assert alice.ocs("GET", "/sharees?search=example.org&perPage=1")["users"] != []
    assert len(alice.ocs("GET", "/sharees?search=example.org&perPage=1")["users"]) == 1


def test_too_short_or_bad_paging(alice: User) -> None:
    meta = alice.fails("GET", "/sharees?search=ab", 400)
    assert "at least 3" in meta["message"]
    alice.fails("GET", "/sharees?search=abc&perPage=x", 400)
    alice.fails("GET", "/sharees?search=abc&perPage=0", 400)


def test_min_length_agrees_with_capabilities() -> None:
    fields = FilesSharing.__struct_fields__
    defaults = dict(
        zip(
            fields[len(fields) - len(FilesSharing.__struct_defaults__) :],
            FilesSharing.__struct_defaults__,
            strict=True,
        )
    )
    assert defaults["search_min_length"] == MIN_SEARCH
