"""The links service on the real posix driver: the mark on the linked item,
share types, signatures of password-protected links, file-drop names and
``opencloud check`` of link records."""

from __future__ import annotations

from typing import TYPE_CHECKING

import msgspec
import pytest

from opencloud.core.dates import parse_rfc3339
from opencloud.core.errors import InvalidInput, Unauthenticated
from opencloud.services.shares.links import (
    LINKS_DIR,
    SIGNATURE_TTL,
    Link,
    LinksService,
    drop_name,
)
from opencloud.services.shares.reconcile import check_links
from opencloud.services.shares.service import SHARES_SPACE
from opencloud.services.shares.signing import SigningKeys, url_signature
from opencloud.storage.protocol import HasTrash, StorageDriver
from opencloud.storage.records import write_file
from opencloud.storage.types import Ref

if TYPE_CHECKING:
    from .conftest import World


@pytest.fixture
def links(w: World, driver: StorageDriver) -> LinksService:
    return LinksService(driver, w.spaces, must_have_password=False)


def _view(w: World, links: LinksService) -> Link:
    return links.create(w.alan, w.home, w.docs, link_type="view")


# ---------------------------------------------------------------- the mark


def test_a_link_marks_its_item_and_removal_clears_it(
    w: World, links: LinksService, driver: StorageDriver
) -> None:
    link = _view(w, links)
    meta = driver.get_meta(Ref(w.home, "/docs"))
    assert msgspec.json.decode(meta[f"link:{link.id}"])["creator"] == w.alan.id
    assert links.share_types(w.home, w.docs) == {3}
    assert links.share_types(w.home, w.file) == set()
    links.delete(w.alan, link.id)
    assert f"link:{link.id}" not in driver.get_meta(Ref(w.home, "/docs"))
    assert links.share_types(w.home, w.docs) == set()


def test_a_failed_record_write_leaves_no_mark(
    w: World, links: LinksService, driver: StorageDriver, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(link: Link) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(links, "_write", broken)
    with pytest.raises(OSError):
        _view(w, links)
    assert not any(k.startswith("link:") for k in driver.get_meta(Ref(w.home, "/docs")))
    assert links.of_node(w.home, w.docs) == []


def test_links_are_found_again_after_a_restart(
    w: World, links: LinksService, driver: StorageDriver
) -> None:
    link = _view(w, links)
    again = LinksService(driver, w.spaces)
    assert again.by_token(link.token).id == link.id
    assert again.share_types(w.home, w.docs) == {3}


# ---------------------------------------------------------------- signatures


STORED_HASH = "$argon2id$v=19$m=65536,t=3,p=4$c2FsdA$aGFzaA"


def _protected(link: Link) -> Link:
    # any stored hash will do: signatures are keyed by it, never by the password
    return msgspec.structs.replace(link, password_hash=STORED_HASH)


def test_a_signature_opens_until_it_expires(w: World, links: LinksService) -> None:
    link = _protected(_view(w, links))
    signature, expiration = links.sign(link, now_s=1_000_000)
    assert parse_rfc3339(expiration, "x") == 1_000_000 + SIGNATURE_TTL
    links.check_signature(link, signature, expiration, now_s=1_000_001)
    links.check_signature(link, signature.upper(), expiration, now_s=1_000_001)
    with pytest.raises(Unauthenticated, match="expired"):
        links.check_signature(link, signature, expiration, now_s=1_000_000 + SIGNATURE_TTL)


def test_a_signature_is_bound_to_token_expiry_and_password(w: World, links: LinksService) -> None:
    link = _protected(_view(w, links))
    signature, expiration = links.sign(link)
    with pytest.raises(Unauthenticated, match="wrong signature"):
        links.check_signature(link, "0" * 64, expiration)
    later = expiration.replace(expiration[:4], str(int(expiration[:4]) + 1))
    with pytest.raises(Unauthenticated, match="wrong signature"):
        links.check_signature(link, signature, later)  # a stretched expiry
    other = msgspec.structs.replace(link, password_hash=link.password_hash + "x")
    with pytest.raises(Unauthenticated, match="wrong signature"):
        links.check_signature(other, signature, expiration)  # a new password
    with pytest.raises(Unauthenticated):
        unprotected = msgspec.structs.replace(link, password_hash="")
        links.check_signature(unprotected, signature, expiration)


@pytest.mark.parametrize("bad", ["", "tomorrow", "2030-01-01", "2030-01-01T00:00:00", "9" * 50])
def test_a_malformed_expiration_is_bad_input(w: World, links: LinksService, bad: str) -> None:
    link = _protected(_view(w, links))
    with pytest.raises(InvalidInput):
        links.check_signature(link, "00", bad)


def test_only_a_protected_link_is_signed(w: World, links: LinksService) -> None:
    with pytest.raises(InvalidInput):
        links.sign(_view(w, links))


# ---------------------------------------------------------------- signing keys


def test_signing_keys_are_made_once_kept_and_rotated(driver: StorageDriver) -> None:
    keys = SigningKeys(driver)
    key = keys.key("u1")
    assert len(key) == 128 and key == keys.key("u1") == SigningKeys(driver).key("u1")
    url = "https://cloud/dav/x?OC-Credential=alan"
    assert keys.verify("u1", ["nope", url], url_signature(url, key))
    assert not keys.verify("u1", [url], url_signature(url, "other"))
    assert not keys.verify("u2", [url], url_signature(url, key))  # u2 has no key yet
    keys.rotate("u1")
    assert not SigningKeys(driver).verify("u1", [url], url_signature(url, key))
    with pytest.raises(InvalidInput):
        keys.key("../x")


# ---------------------------------------------------------------- file drop names


@pytest.mark.parametrize(
    ("name", "taken", "stored"),
    [
        ("a.txt", set(), "a.txt"),
        ("a.txt", {"a.txt"}, "a (2).txt"),
        ("a.txt", {"a.txt", "a (2).txt", "a (3).txt"}, "a (4).txt"),
        ("notes", {"notes"}, "notes (2)"),
        ("b.tar.gz", {"b.tar.gz"}, "b (2).tar.gz"),
        (".env", {".env"}, ".env (2)"),
        ("x.y.z", {"x.y.z"}, "x.y (2).z"),
    ],
)
def test_drop_names(name: str, taken: set[str], stored: str) -> None:
    assert drop_name(name, taken) == stored


# ---------------------------------------------------------------- opencloud check


def test_consistent_links_have_no_findings(
    w: World, links: LinksService, driver: StorageDriver
) -> None:
    assert list(check_links(driver)) == []
    _view(w, links)
    links.create(w.alan, w.home, w.file, link_type="edit")
    assert list(check_links(driver)) == []


def test_a_lost_mark_is_found_and_written_again(
    w: World, links: LinksService, driver: StorageDriver
) -> None:
    link = _view(w, links)
    driver.set_meta(Ref(w.home, "/docs"), {}, remove=[f"link:{link.id}"])
    (found,) = check_links(driver)
    assert (found.code, found.repaired) == ("link-mark", False)
    assert link.id in found.message
    (fixed,) = check_links(driver, repair=True)
    assert fixed.repaired
    assert list(check_links(driver)) == []


def test_a_record_whose_item_is_gone_is_removed(
    w: World, links: LinksService, driver: StorageDriver
) -> None:
    link = links.create(w.alan, w.home, w.file, link_type="view")
    assert isinstance(driver, HasTrash)
    driver.delete(Ref(w.home, "/docs/a.txt"))
    driver.purge_trash(w.home)
    (found,) = check_links(driver)
    assert found.code == "link-orphan" and link.node in found.message
    assert [f.repaired for f in check_links(driver, repair=True)] == [True]
    assert list(check_links(driver)) == []
    assert list(driver.list(Ref(SHARES_SPACE, LINKS_DIR))) == []


def test_a_mark_without_a_record_is_a_stray(
    w: World, links: LinksService, driver: StorageDriver
) -> None:
    link = _view(w, links)
    driver.delete(Ref(SHARES_SPACE, f"{LINKS_DIR}/{link.id}.json"))  # a crash mid-removal
    # a mark copied onto another item (restored from elsewhere) is a stray too
    kept = links.create(w.alan, w.home, w.file, link_type="view")
    driver.set_meta(Ref(w.home, "/docs"), {f"link:{kept.id}": b"{}"})
    found = sorted((f.code, f.severity, f.message) for f in check_links(driver))
    assert [(code, severity) for code, severity, _ in found] == [("link-stray", "warning")] * 2
    assert {link.id in m or kept.id in m for _, _, m in found} == {True}
    assert all(f.repaired for f in check_links(driver, repair=True))
    assert list(check_links(driver)) == []
    assert f"link:{kept.id}" in driver.get_meta(Ref(w.home, "/docs/a.txt"))


def test_bad_records_are_reported_not_touched(
    w: World, links: LinksService, driver: StorageDriver
) -> None:
    link = _view(w, links)
    write_file(driver, Ref(SHARES_SPACE, f"{LINKS_DIR}/broken.json"), b"{not json")
    copy = msgspec.json.encode(msgspec.structs.replace(link, id="Z" * 15))
    write_file(driver, Ref(SHARES_SPACE, f"{LINKS_DIR}/{'Z' * 15}.json"), copy)
    other = msgspec.structs.replace(link, id="Y" * 15, token="t" * 32)
    write_file(driver, Ref(SHARES_SPACE, f"{LINKS_DIR}/misnamed.json"), msgspec.json.encode(other))
    found = list(check_links(driver, repair=True))
    assert sorted(f.code for f in found) == ["link-record"] * 4  # broken, 2 tokens, misnamed
    assert not any(f.repaired for f in found)
    assert driver.stat(Ref(SHARES_SPACE, f"{LINKS_DIR}/broken.json")).size == 9


def test_a_link_of_an_item_in_the_trash_survives_a_repair(
    w: World, links: LinksService, driver: StorageDriver
) -> None:
    """An item in the trash is not gone: restored, it is linked again as
    before. ``opencloud check --repair`` must not remove its link record (nor,
    inside a trashed folder, the record of a link to one of its entries)."""
    whole = links.create(w.alan, w.home, w.docs, link_type="view")
    inner = links.create(w.alan, w.home, w.file, link_type="view")
    assert isinstance(driver, HasTrash)
    trashed = driver.delete(Ref(w.home, "/docs"))
    assert trashed is not None
    list(check_links(driver, repair=True))
    driver.restore_trash(w.home, trashed.key)
    stored = {e.name for e in driver.list(Ref(SHARES_SPACE, LINKS_DIR))}
    assert stored == {f"{whole.id}.json", f"{inner.id}.json"}
    fresh = LinksService(driver, w.spaces, must_have_password=False)
    assert fresh.by_token(whole.token).id == whole.id
    assert fresh.by_token(inner.token).id == inner.id
