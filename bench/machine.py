"""What the numbers were measured on: CPU, kernel, Python, filesystem, versions."""

from __future__ import annotations

import datetime
import os
import platform
import shutil
import subprocess
from importlib import metadata
from pathlib import Path

import msgspec


class Machine(msgspec.Struct, frozen=True, kw_only=True):
    date_utc: str
    nproc: int
    cpu: str
    kernel: str
    python: str
    filesystem: str
    mount_options: str
    strace: str
    pyxattr: str
    msgspec: str
    commit: str
    uncommitted: list[str]  # tracked files that differed from the commit


def _output(*cmd: str, cwd: str | None = None) -> str | None:
    """A command's stripped stdout, or None when it is missing or fails."""
    if shutil.which(cmd[0]) is None:
        return None
    try:
        done = subprocess.run(cmd, capture_output=True, text=True, check=True, timeout=10, cwd=cwd)
    except (OSError, subprocess.SubprocessError):
        return None
    return done.stdout.rstrip()


def _run(*cmd: str, cwd: str | None = None) -> str:
    return _output(*cmd, cwd=cwd) or "unknown"


def _cpu_model() -> str:
    try:
        text = Path("/proc/cpuinfo").read_text()
    except OSError:
        return platform.processor() or "unknown"
    for line in text.splitlines():
        if line.startswith("model name"):
            return line.split(":", 1)[1].strip()
    return "unknown"


def _version(dist: str) -> str:
    try:
        return metadata.version(dist)
    except metadata.PackageNotFoundError:
        return "not installed"


def describe(data_dir: str, repo: str) -> Machine:
    """The machine, and the filesystem that holds ``data_dir``."""
    commit = _run("git", "rev-parse", "--short", "HEAD", cwd=repo)
    status = _output("git", "status", "--porcelain", "--untracked-files=no", cwd=repo) or ""
    dirty = sorted(line[3:] for line in status.splitlines() if line.strip())
    if dirty:
        commit += f" + uncommitted changes to {len(dirty)} files"
    return Machine(
        date_utc=datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        nproc=os.cpu_count() or 1,
        cpu=_cpu_model(),
        kernel=platform.release(),
        python=f"{platform.python_implementation()} {platform.python_version()}",
        filesystem=_run("findmnt", "-n", "-o", "FSTYPE", "-T", data_dir),
        mount_options=_run("findmnt", "-n", "-o", "OPTIONS", "-T", data_dir),
        strace=_run("strace", "-V").splitlines()[0],
        pyxattr=_version("pyxattr"),
        msgspec=_version("msgspec"),
        commit=commit,
        uncommitted=dirty,
    )
