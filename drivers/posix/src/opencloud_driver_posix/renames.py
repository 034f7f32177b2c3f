"""Atomic placement: ``renameat2(RENAME_NOREPLACE)`` for exclusive creation.

Python's ``os.rename`` replaces silently. Creating a new name must fail when the
name appeared meanwhile (two clients creating one file, a program writing into
the tree), so new entries are placed with RENAME_NOREPLACE. Filesystems without
it (EINVAL) fall back to ``link`` + ``unlink`` for files, which is exclusive too.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import errno
import os

_AT_FDCWD = -100
_RENAME_NOREPLACE = 1


def _load_renameat2() -> ctypes._CFuncPtr | None:  # type: ignore[name-defined]
    libc = ctypes.CDLL(ctypes.util.find_library("c"), use_errno=True)
    func = getattr(libc, "renameat2", None)
    if func is None:
        return None
    func.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint]
    func.restype = ctypes.c_int
    return func


_renameat2 = _load_renameat2()


def rename_noreplace(src: str, dst: str) -> None:
    """Move ``src`` to ``dst``; FileExistsError if ``dst`` exists. Atomic."""
    if _renameat2 is not None:
        rc = _renameat2(_AT_FDCWD, os.fsencode(src), _AT_FDCWD, os.fsencode(dst), _RENAME_NOREPLACE)
        if rc == 0:
            return
        err = ctypes.get_errno()
        if err not in (errno.EINVAL, errno.ENOSYS):
            raise OSError(err, os.strerror(err), dst)
    if os.path.isdir(src):
        if os.path.lexists(dst):
            raise FileExistsError(errno.EEXIST, "File exists", dst)
        os.rename(src, dst)  # best effort where the filesystem lacks NOREPLACE
        return
    os.link(src, dst)
    os.unlink(src)
