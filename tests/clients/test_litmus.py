"""litmus, the WebDAV compliance suite: every suite (basic, copymove, props,
locks, http) with zero failures, on each URL flavour a client may use."""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from .tools import need, run

if TYPE_CHECKING:
    from .tools import ClientServer

pytestmark = [pytest.mark.slow, pytest.mark.timeout(300)]

SUITES = ("basic", "copymove", "props", "locks", "http")
_SUMMARY = re.compile(r"<- summary for `(\w+)': of (\d+) tests run: (\d+) passed, (\d+) failed")


@pytest.mark.parametrize("flavour", ["webdav", "files", "spaces"])
def test_litmus(dav_server: ClientServer, flavour: str, tmp_path: Path) -> None:
    litmus = need("litmus")
    user = dav_server.admin  # litmus cleans up after itself: all flavours share one user
    if flavour == "webdav":
        url = dav_server.webdav_url()
    elif flavour == "files":
        url = dav_server.files_url(user)
    else:
        url = dav_server.space_url(user)
    done = run([litmus, url, user.name, user.password], timeout=240, cwd=tmp_path, check=False)
    out = done.stdout + done.stderr
    summaries = {m[1]: (int(m[2]), int(m[3]), int(m[4])) for m in _SUMMARY.finditer(out)}
    assert set(summaries) == set(SUITES), out
    failed = {suite: s for suite, s in summaries.items() if s[2] or s[1] != s[0]}
    assert not failed, out
    assert "FAIL" not in out, out
    assert done.returncode == 0, out
