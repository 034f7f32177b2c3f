"""davfs2, the kernel-mounted WebDAV file system (FUSE): copy a tree in and,
through a second mount with an empty cache, out again (``diff -r``), rename and
delete files and folders; after each unmount the server holds what the mount
showed. Runs as root (mount), each mount with its own cache (root:davfs2).

On kernels from 6.16 on davfs2 needs ``buf_size 64``: with its default, files
written through the mount reach the server empty (seen on 6.18).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from .tools import contents, diff, local_tree, need, run

if TYPE_CHECKING:
    from .tools import ClientServer, User

pytestmark = [pytest.mark.slow, pytest.mark.timeout(420)]


def _why_no_mount() -> str | None:
    """Why a FUSE mount cannot work here, precisely, or None."""
    if os.geteuid() != 0:
        return "davfs2 mounts need root here (the tests run mount(8) directly)"
    if not Path("/dev/fuse").exists():
        return "/dev/fuse is missing (no FUSE in this kernel or container: modprobe fuse)"
    filesystems = Path("/proc/filesystems").read_text()
    if "fuse" not in filesystems.split():
        return "the kernel does not list fuse in /proc/filesystems"
    return None


class Davfs:
    def __init__(self, server: ClientServer, user: User, tmp: Path) -> None:
        self.mount_davfs = need("mount.davfs")
        why = _why_no_mount()
        if why is not None:
            pytest.fail(f"davfs2 cannot mount in this environment: {why}")
        self.url = server.files_url(user)
        self.tmp = tmp
        self.secrets = tmp / "secrets"
        self.secrets.write_text(f'"{self.url}" {user.name} {user.password}\n')
        self.secrets.chmod(0o600)

    @contextmanager
    def mounted(self, name: str) -> Iterator[Path]:
        """A mount with its own, empty cache (root:davfs2 0775, like /var/cache/davfs2:
        mount.davfs refuses other owners)."""
        point = self.tmp / name
        point.mkdir()
        cache = Path(tempfile.mkdtemp(prefix="davfs2-cache-"))
        shutil.chown(cache, "root", "davfs2")
        cache.chmod(0o775)
        conf = self.tmp / f"{name}.conf"
        conf.write_text(
            f"secrets {self.secrets}\n"
            f"cache_dir {cache}\n"
            "buf_size 64\n"  # kernels >= 6.16
            "ask_auth 0\n"
            "delay_upload 0\n"  # upload on close, not 10 s later
            "use_locks 1\n"  # davfs2 locks files while they are open for writing
        )
        run(["mount", "-t", "davfs", "-o", f"conf={conf}", self.url, str(point)], timeout=60)
        try:
            yield point
        finally:
            # umount.davfs waits until every changed file is uploaded.
            done = subprocess.run(
                ["umount", str(point)], capture_output=True, text=True, timeout=180, check=False
            )
            if done.returncode != 0:
                subprocess.run(["umount", "-l", str(point)], timeout=30, check=False)
            shutil.rmtree(cache, ignore_errors=True)
            assert done.returncode == 0, f"umount failed: {done.stdout}{done.stderr}"


def test_davfs2_copy_rename_delete(
    dav_server: ClientServer, data_tree: Path, tmp_path: Path
) -> None:
    user = dav_server.take_user()
    davfs = Davfs(dav_server, user, tmp_path)

    # A tree in; after the unmount the server holds it.
    with davfs.mounted("in") as mnt:
        run(["cp", "-r", str(data_tree), str(mnt / "tree")], timeout=180)
        assert diff(data_tree, mnt / "tree") == ""
    assert contents(dav_server.remote_tree(user, "tree")) == local_tree(data_tree)

    # Out again through a fresh mount (empty cache, so read from the server).
    fresh = tmp_path / "fresh"
    with davfs.mounted("out") as mnt:
        run(["cp", "-r", str(mnt / "tree"), str(fresh)], timeout=180)
        assert diff(data_tree, fresh) == ""

        # Rename and delete through the mount; the same on the local copy.
        tree = mnt / "tree"
        for root in (tree, data_tree):
            (root / "readme.txt").rename(root / "read me ✓.txt")
            (root / "dir with spaces").rename(root / "renamed dir")
            (root / "big" / "fifty MB.bin").rename(root / "big" / "moved 50 MB.bin")
            (root / "empty.txt").unlink()
            shutil.rmtree(root / "to delete")
        (tree / "written here.txt").write_text("through the mount\n")
        (data_tree / "written here.txt").write_text("through the mount\n")
        assert diff(data_tree, tree) == ""
    assert contents(dav_server.remote_tree(user, "tree")) == local_tree(data_tree)
