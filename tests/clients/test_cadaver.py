"""cadaver, the command-line WebDAV client: a scripted session (mkcol, put, ls,
lock, discover, a put by the lock holder, unlock, move, get, delete, rmcol),
checked against what the server holds after each step that matters."""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from .tools import need, run

if TYPE_CHECKING:
    from .tools import ClientServer, User

pytestmark = [pytest.mark.slow, pytest.mark.timeout(120)]


def _session(server: ClientServer, user: User, home: Path, *commands: str) -> str:
    cadaver = need("cadaver")
    done = run(
        [cadaver, server.files_url(user)],
        input="\n".join([*commands, "quit", ""]),
        timeout=60,
        cwd=home,
        env=dict(os.environ, HOME=str(home)),
    )
    out = done.stdout + done.stderr
    assert "failed" not in out.lower(), out
    return out


def test_cadaver_session(dav_server: ClientServer, tmp_path: Path) -> None:
    user = dav_server.take_user()
    home = tmp_path
    netrc = home / ".netrc"
    netrc.write_text(f"machine 127.0.0.1 login {user.name} password {user.password}\n")
    netrc.chmod(0o600)
    (home / "one.txt").write_text("first version\n")
    (home / "two.txt").write_text("second version, by the lock holder\n")
    url = dav_server.files_url(user)

    out = _session(
        dav_server,
        user,
        home,
        "mkcol coll",
        "put one.txt 'coll/a file.txt'",
        "ls coll",
        "lock 'coll/a file.txt'",
    )
    assert re.search(r"a file\.txt\s+14\b", out), out  # ls: name and size
    # cadaver's lock is gone with its session; the lock itself stays on the server.
    with dav_server.client(user) as http:
        blocked = http.put(url + "coll/a file.txt", content=b"intruder\n")
        assert blocked.status_code == 423, (blocked.status_code, blocked.text)
        assert http.get(url + "coll/a file.txt").content == b"first version\n"

    # In one session: the lock is discoverable, its holder may write, then unlock.
    out = _session(
        dav_server,
        user,
        home,
        "lock 'coll/b.txt'",
        "discover 'coll/b.txt'",
        "put two.txt 'coll/b.txt'",
        "unlock 'coll/b.txt'",
        "move 'coll/b.txt' 'coll/moved b.txt'",
        "get 'coll/moved b.txt' back.txt",
        "copy 'coll/moved b.txt' 'coll/copy.txt'",
        "delete 'coll/moved b.txt'",
        "ls coll",
    )
    assert (home / "back.txt").read_text() == "second version, by the lock holder\n"
    with dav_server.client(user) as http:
        assert http.get(url + "coll/moved b.txt").status_code == 404
        assert http.get(url + "coll/copy.txt").content == b"second version, by the lock holder\n"
        # b.txt was locked while unmapped (a lock-null resource, RFC 4918 §7.3): now a file.
        unlocked = http.put(url + "coll/copy.txt", content=b"free again\n")
        assert unlocked.status_code in (201, 204), unlocked.text
    # Last, so the steps above are checked either way: PROPFIND DAV:lockdiscovery
    # on the locked b.txt must list the lock (RFC 4918 §15.8).
    assert re.search(r"Lock token <[^>]+>", out), f"discover showed no lock:\n{out}"
