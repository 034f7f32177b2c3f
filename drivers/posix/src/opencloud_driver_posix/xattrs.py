"""The only module that imports pyxattr. Attribute names are full (``user.oc.node``)."""

from __future__ import annotations

import errno

import xattr

Target = str | int  # a path or an open file descriptor

_MISSING = (errno.ENODATA, errno.ENOTSUP)


def get(target: Target, name: str) -> bytes | None:
    """The value, or None when the attribute is absent. Never follows symlinks."""
    try:
        if isinstance(target, int):
            return bytes(xattr.get(target, name))
        return bytes(xattr.get(target, name, nofollow=True))
    except OSError as exc:
        if exc.errno in _MISSING:
            return None
        raise


def set(target: Target, name: str, value: bytes) -> None:
    if isinstance(target, int):
        xattr.set(target, name, value)
    else:
        xattr.set(target, name, value, nofollow=True)


def remove(target: Target, name: str) -> None:
    """Remove the attribute; absent is fine."""
    try:
        if isinstance(target, int):
            xattr.remove(target, name)
        else:
            xattr.remove(target, name, nofollow=True)
    except OSError as exc:
        if exc.errno not in _MISSING:
            raise


def names(target: Target) -> list[str]:
    """All attribute names (``listxattr``)."""
    raw = xattr.list(target) if isinstance(target, int) else xattr.list(target, nofollow=True)
    return [n.decode("utf-8", "surrogateescape") if isinstance(n, bytes) else n for n in raw]


def total_size(target: Target) -> int:
    """Bytes all attributes take (names + values), to compare with the inode's budget."""
    size = 0
    for name in names(target):
        value = get(target, name)
        size += len(name) + 1 + (len(value) if value else 0)
    return size


def supported(path: str) -> str | None:
    """None if ``path`` (a file) can hold ``user.*`` attributes, else the reason."""
    try:
        xattr.set(path, "user.oc.probe", b"1")
        xattr.remove(path, "user.oc.probe")
    except OSError as exc:
        return exc.strerror or str(exc)
    return None
