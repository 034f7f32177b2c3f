"""Name and path rules: what may be stored, and no way out of a space."""

from __future__ import annotations

import pytest

from opencloud.core.errors import InvalidInput, InvalidName, PathEscapes
from opencloud.core.paths import (
    MAX_NAME_BYTES,
    RESERVED_ROOT_NAMES,
    base_name,
    check_name,
    join_path,
    normalize_path,
    parent_path,
    split_path,
    split_relative,
)


@pytest.mark.parametrize(
    "name",
    ["", ".", "..", "a/b", "/", "a\0b", "a\\b", "a\rb", "a\nb", "a\fb", "\n"],
)
def test_bad_names_are_refused(name: str) -> None:
    with pytest.raises(InvalidName):
        check_name(name)


def test_name_length_is_counted_in_utf8_bytes() -> None:
    assert check_name("a" * MAX_NAME_BYTES)
    with pytest.raises(InvalidName, match="255 bytes"):
        check_name("a" * (MAX_NAME_BYTES + 1))
    # 128 two-byte characters: 128 characters, 256 bytes
    with pytest.raises(InvalidName):
        check_name("é" * 128)


@pytest.mark.parametrize("name", sorted(RESERVED_ROOT_NAMES))
def test_reserved_names_only_at_the_root(name: str) -> None:
    with pytest.raises(InvalidName, match="reserved"):
        check_name(name, at_root=True)
    assert check_name(name) == name
    with pytest.raises(InvalidName):
        split_path(f"/{name}/x")
    assert split_path(f"/x/{name}") == ["x", name]
    assert split_relative(f"{name}/x") == [name, "x"]  # inside a folder: an ordinary name


@pytest.mark.parametrize("name", ["a b", "Ünïcödé", "e\u0301", ".hidden", "...", "a.", "日本語"])
def test_good_names_are_kept_byte_exact(name: str) -> None:
    assert check_name(name) == name


def test_bad_names_are_invalid_input() -> None:
    with pytest.raises(InvalidInput):
        check_name("a/b")


@pytest.mark.parametrize(
    "path", ["..", "/..", "/a/..", "/a/../b", "../etc/passwd", "a/../../x", "/a/b/.."]
)
def test_traversal_is_refused_not_resolved(path: str) -> None:
    with pytest.raises(PathEscapes):
        split_path(path)
    with pytest.raises(PathEscapes):
        split_relative(path)


@pytest.mark.parametrize(
    ("raw", "canonical"),
    [("", "/"), ("/", "/"), ("a", "/a"), ("/a/b/", "/a/b"), ("//a//b", "/a/b"), ("/./a/.", "/a")],
)
def test_normalize(raw: str, canonical: str) -> None:
    assert normalize_path(raw) == canonical


def test_bad_segment_in_path_is_refused() -> None:
    with pytest.raises(InvalidName):
        normalize_path("/a/b\nc")


def test_join_parent_and_base() -> None:
    assert join_path("/", "a") == "/a"
    assert join_path("/a", "b") == "/a/b"
    assert parent_path("/a/b") == "/a"
    assert parent_path("/a") == "/"
    assert parent_path("/") == "/"
    assert base_name("/a/b") == "b"
    assert base_name("/") == ""
