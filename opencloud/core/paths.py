"""Name and path rules shared by every API and driver.

Names are kept byte-exact: no Unicode normalisation and no case folding (what a
client sends is what lands on disk; OpenCloud does the same). What is refused is
what OpenCloud's WebDAV refuses, plus what would break the tree: empty names,
``.``/``..``, ``/``, NUL, ``\\``, ``\\r``, ``\\n``, ``\\f``, names over 255 bytes, and
the names reserved for the server's own folders at a space's root.
"""

from __future__ import annotations

from opencloud.core.errors import InvalidName, PathEscapes

MAX_NAME_BYTES = 255

#: Folders at a space's root that belong to the server; clients never see or create them.
RESERVED_ROOT_NAMES = frozenset({".oc-nodes", ".oc-tmp", ".Trash"})

_FORBIDDEN_CHARS = {
    "/": "a slash",
    "\0": "a NUL byte",
    "\\": "a backslash",
    "\r": "a carriage return",
    "\n": "a line feed",
    "\f": "a form feed",
}


def check_name(name: str, *, at_root: bool = False) -> str:
    """Return ``name`` unchanged if it may be stored; raise InvalidName saying why not."""
    if not name:
        raise InvalidName("a name may not be empty")
    if name in (".", ".."):
        raise InvalidName(f"{name!r} is not a valid name")
    for char, what in _FORBIDDEN_CHARS.items():
        if char in name:
            raise InvalidName(f"a name may not contain {what}: {name!r}")
    if len(name.encode("utf-8", "surrogateescape")) > MAX_NAME_BYTES:
        raise InvalidName(f"a name may be at most {MAX_NAME_BYTES} bytes long")
    if at_root and name in RESERVED_ROOT_NAMES:
        raise InvalidName(f"{name!r} is reserved for the server")
    return name


def split_path(path: str) -> list[str]:
    """Split a space-relative path into checked names; ``""`` and ``"/"`` mean the root.

    Empty segments (``a//b``) and a single ``.`` are dropped, as URL paths allow;
    ``..`` is refused outright rather than resolved, so no path can climb out of
    its space however it is encoded.
    """
    return _split(path, in_space=True)


def split_relative(path: str) -> list[str]:
    """Split a path relative to a folder (an entry inside a trashed folder) into
    checked names, by the rules of ``split_path``; the names reserved at a space
    root are ordinary names here."""
    return _split(path, in_space=False)


def _split(path: str, *, in_space: bool) -> list[str]:
    names: list[str] = []
    for segment in path.split("/"):
        if segment in ("", "."):
            continue
        if segment == "..":
            raise PathEscapes(f"a path may not contain '..': {path!r}")
        names.append(check_name(segment, at_root=in_space and not names))
    return names


def normalize_path(path: str) -> str:
    """The canonical form of a space-relative path: ``/a/b``, root ``/``."""
    return "/" + "/".join(split_path(path))


def join_path(parent: str, name: str) -> str:
    """Join a canonical parent path and a checked name."""
    return f"{parent.rstrip('/')}/{name}"


def parent_path(path: str) -> str:
    """The canonical parent of a canonical path; the root is its own parent."""
    head, _, _ = path.rstrip("/").rpartition("/")
    return head or "/"


def base_name(path: str) -> str:
    """The last name of a canonical path; ``""`` for the root."""
    return path.rstrip("/").rpartition("/")[2]
