"""Staged uploads: conditions, checksums, sizes, quota, big files."""

from __future__ import annotations

import hashlib
import random

import pytest

from opencloud.core import errors
from opencloud.core.ids import SpaceId
from opencloud.storage.conformance.base import (
    MB,
    ConformanceBase,
    Tracker,
    etags,
    names,
    put,
    read,
    sums,
)
from opencloud.storage.protocol import StorageDriver
from opencloud.storage.types import Ref


class UploadTests(ConformanceBase):
    def test_upload_new_file(self, driver: StorageDriver, space: SpaceId) -> None:
        info = put(driver, Ref(space, "/f.txt"), b"hello")
        assert (info.kind, info.name, info.path, info.size, info.parent_id) == (
            "file",
            "f.txt",
            "/f.txt",
            5,
            space,
        )
        assert info.checksums == sums(b"hello")
        assert read(driver, Ref(space, "/f.txt")) == b"hello"
        stat = driver.stat(Ref(space, "/f.txt"))
        assert (stat.id, stat.etag, stat.size, stat.mtime_ns) == (
            info.id,
            info.etag,
            5,
            info.mtime_ns,
        )
        assert [c.id for c in driver.list(Ref(space))] == [info.id]

    def test_overwrite_keeps_id_and_changes_etag(
        self, driver: StorageDriver, space: SpaceId
    ) -> None:
        first = put(driver, Ref(space, "/f"), b"one")
        second = put(driver, Ref(space, "/f"), b"two!")
        assert second.id == first.id
        assert second.etag != first.etag
        assert second.size == 4 and second.checksums == sums(b"two!")
        assert read(driver, Ref(space, "/f")) == b"two!"
        assert driver.stat(Ref(space, "/")).size == 4

    def test_same_content_and_mtime_again_still_a_valid_write(
        self, driver: StorageDriver, space: SpaceId
    ) -> None:
        first = put(driver, Ref(space, "/f"), b"same", mtime_ns=1_500_000_000_000_000_000)
        second = put(driver, Ref(space, "/f"), b"diff", mtime_ns=1_500_000_000_000_000_000)
        assert second.etag != first.etag  # new content, same mtime: still a new etag

    def test_if_match(self, driver: StorageDriver, space: SpaceId) -> None:
        first = put(driver, Ref(space, "/f"), b"one")
        second = put(driver, Ref(space, "/f"), b"two", if_match=first.etag)
        with pytest.raises(errors.PreconditionFailed):
            put(driver, Ref(space, "/f"), b"three", if_match=first.etag)
        with pytest.raises(errors.PreconditionFailed):
            put(driver, Ref(space, "/f"), b"three", if_match='"bogus"')
        with pytest.raises(errors.PreconditionFailed):
            put(driver, Ref(space, "/new"), b"x", if_match=first.etag)
        assert read(driver, Ref(space, "/f")) == b"two"
        assert driver.stat(Ref(space, "/f")).etag == second.etag
        assert names(driver, Ref(space)) == ["f"]

    def test_if_none_match(self, driver: StorageDriver, space: SpaceId) -> None:
        put(driver, Ref(space, "/f"), b"one", if_none_match="*")
        with pytest.raises(errors.PreconditionFailed):
            put(driver, Ref(space, "/f"), b"two", if_none_match="*")
        assert read(driver, Ref(space, "/f")) == b"one"

    def test_condition_checked_again_at_commit(self, driver: StorageDriver, space: SpaceId) -> None:
        upload = driver.begin_upload(Ref(space, "/f"), if_none_match="*")
        upload.write(b"late")
        put(driver, Ref(space, "/f"), b"first")
        with pytest.raises((errors.PreconditionFailed, errors.AlreadyExists)):
            upload.commit()
        upload.abort()
        assert read(driver, Ref(space, "/f")) == b"first"

    def test_checksum(self, driver: StorageDriver, space: SpaceId) -> None:
        good = put(driver, Ref(space, "/f"), b"good", checksum=("SHA1", sums(b"good")["sha1"]))
        put(driver, Ref(space, "/g"), b"good", checksum=("md5", sums(b"good")["md5"]))
        put(driver, Ref(space, "/h"), b"good", checksum=("adler32", sums(b"good")["adler32"]))
        with pytest.raises(errors.ChecksumMismatch):
            put(driver, Ref(space, "/f"), b"evil", checksum=("sha1", sums(b"good")["sha1"]))
        with pytest.raises(errors.ChecksumMismatch):
            put(driver, Ref(space, "/new"), b"evil", checksum=("md5", "0" * 32))
        assert read(driver, Ref(space, "/f")) == b"good"
        assert driver.stat(Ref(space, "/f")).etag == good.etag
        assert names(driver, Ref(space)) == ["f", "g", "h"]

    def test_announced_size_must_match(self, driver: StorageDriver, space: SpaceId) -> None:
        with pytest.raises(errors.InvalidInput):
            put(driver, Ref(space, "/short"), b"12345", size=10)
        with pytest.raises(errors.InvalidInput):
            put(driver, Ref(space, "/long"), [b"12345", b"678"], size=6)
        with pytest.raises(errors.InvalidInput):
            driver.begin_upload(Ref(space, "/negative"), size=-1)
        assert names(driver, Ref(space)) == []
        assert driver.stat(Ref(space, "/")).size == 0

    def test_abort_leaves_nothing(self, driver: StorageDriver, space: SpaceId) -> None:
        tracker = Tracker(driver, space, "/")
        upload = driver.begin_upload(Ref(space, "/f"), size=6)
        upload.write(b"abc")
        upload.abort()
        upload.abort()  # idempotent
        assert names(driver, Ref(space)) == []
        assert etags(driver, space, ["/"]) == tracker.before

    def test_upload_into_a_folder_name_or_the_root(
        self, driver: StorageDriver, space: SpaceId
    ) -> None:
        driver.mkdir(Ref(space, "/d"))
        with pytest.raises(errors.Conflict):
            put(driver, Ref(space, "/d"), b"x")
        with pytest.raises(errors.Conflict):
            put(driver, Ref(space, "/"), b"x")
        with pytest.raises(errors.Conflict):
            put(driver, Ref(space, "/missing/f"), b"x")
        assert names(driver, Ref(space)) == ["d"]

    def test_mtime_is_honoured(self, driver: StorageDriver, space: SpaceId) -> None:
        mtime = 1_600_000_000_123_456_789
        info = put(driver, Ref(space, "/f"), b"x", mtime_ns=mtime)
        assert info.mtime_ns == mtime
        assert driver.stat(Ref(space, "/f")).mtime_ns == mtime

    def test_empty_file(self, driver: StorageDriver, space: SpaceId) -> None:
        info = put(driver, Ref(space, "/empty"), b"", size=0)
        assert info.size == 0 and info.checksums == sums(b"")
        assert read(driver, Ref(space, "/empty")) == b""
        upload = driver.begin_upload(Ref(space, "/empty2"))
        assert upload.commit().size == 0

    def test_large_file_streamed_in_chunks(self, driver: StorageDriver, space: SpaceId) -> None:
        rng = random.Random(50)  # noqa: S311 - reproducible test data, not a secret
        block = rng.randbytes(MB)
        chunks = [bytes([i]) + block[1:] for i in range(50)]
        whole = b"".join(chunks)
        info = put(driver, Ref(space, "/big.bin"), chunks, size=len(whole))
        assert info.size == 50 * MB
        assert info.checksums == sums(whole)
        digest = hashlib.sha1(usedforsecurity=False)
        with driver.open_read(Ref(space, "/big.bin")) as src:
            while chunk := src.read(MB):
                digest.update(chunk)
        assert digest.hexdigest() == sums(whole)["sha1"]
        assert driver.stat(Ref(space, "/")).size == 50 * MB

    def test_quota_refused_at_begin(self, driver: StorageDriver, space: SpaceId) -> None:
        driver.set_quota(space, 1000)
        with pytest.raises(errors.QuotaExceeded):
            driver.begin_upload(Ref(space, "/f"), size=1001)
        assert names(driver, Ref(space)) == []

    def test_quota_refused_while_writing(self, driver: StorageDriver, space: SpaceId) -> None:
        driver.set_quota(space, 1000)
        upload = driver.begin_upload(Ref(space, "/f"))
        with pytest.raises(errors.QuotaExceeded):
            for _ in range(4):
                upload.write(b"x" * 400)  # MUST fail on the write that crosses the quota
        upload.abort()
        assert names(driver, Ref(space)) == []
        assert driver.quota(space).used == 0
        put(driver, Ref(space, "/small"), b"x" * 900)  # the space still works

    def test_overwrite_counts_only_the_difference(
        self, driver: StorageDriver, space: SpaceId
    ) -> None:
        driver.set_quota(space, 1000)
        put(driver, Ref(space, "/f"), b"a" * 700)
        put(driver, Ref(space, "/f"), [b"b" * 400, b"b" * 400], size=800)
        assert driver.quota(space).used == 800
        with pytest.raises(errors.QuotaExceeded):
            put(driver, Ref(space, "/f"), b"c" * 1001)
        assert read(driver, Ref(space, "/f")) == b"b" * 800
