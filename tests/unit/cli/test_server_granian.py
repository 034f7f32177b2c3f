"""``http.server = "granian"``: startup checks and the drain before shutdown
(serving itself is in tests/integration/test_server_granian.py)."""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from click.testing import Result

from opencloud.cli.server_granian import (
    DrainBeforeShutdown,
    Message,
    Receive,
    Scope,
    Send,
    granian_runner,
    split_addr,
    tls_files,
)
from opencloud.config.schema import HttpSettings, Settings
from opencloud.core.errors import ConfigError

Run = Callable[..., Result]


def test_missing_extra_names_the_setting(
    root: Path, run: Run, monkeypatch: pytest.MonkeyPatch
) -> None:
    run("init")
    monkeypatch.setitem(sys.modules, "granian.server.embed", None)  # import fails
    monkeypatch.setenv("OC_HTTP__SERVER", "granian")
    result = run("server")
    assert result.exit_code == 2
    assert result.stderr.startswith('opencloud: setting http.server = "granian"')
    assert "opencloud[granian]" in result.stderr


def test_unknown_server_is_refused(root: Path, run: Run, monkeypatch: pytest.MonkeyPatch) -> None:
    run("init")
    monkeypatch.setenv("OC_HTTP__SERVER", "uvicorn")
    result = run("server")
    assert result.exit_code == 2
    assert "http.server" in result.stderr


def test_split_addr() -> None:
    assert split_addr("127.0.0.1:9200") == ("127.0.0.1", 9200)
    assert split_addr("[::1]:9200") == ("::1", 9200)
    with pytest.raises(ConfigError, match=r"http\.addr"):
        split_addr("unix:/run/oc.sock")


def test_tls_files_from_init(root: Path, run: Run) -> None:
    run("init")
    cdir = root / "config"
    assert tls_files(Settings(), cdir) == (cdir / "server.crt", cdir / "server.key")
    assert tls_files(Settings(http=HttpSettings(tls=False)), Path("/nonexistent")) is None


def test_missing_certificate_says_run_init(tmp_path: Path) -> None:
    pytest.importorskip("granian")
    settings = Settings(http=HttpSettings(server="granian"))
    with pytest.raises(ConfigError, match="run `opencloud init` first"):
        granian_runner(settings, tmp_path)


def _lifespan_and_request(timeout: float, request_s: float) -> list[str]:
    """Run a request taking ``request_s`` and a lifespan shutdown that arrives
    while it is open; return the order things happened in."""
    events: list[str] = []

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            message = await receive()
            events.append(message["type"])
            return
        await asyncio.sleep(request_s)
        events.append("request done")

    async def main() -> None:
        wrapped = DrainBeforeShutdown(app, timeout)
        shutdown: asyncio.Queue[Message] = asyncio.Queue()

        async def nothing() -> Message:
            return {"type": "http.disconnect"}

        async def sink(message: Message) -> None:
            return None

        request = asyncio.ensure_future(wrapped({"type": "http"}, nothing, sink))
        await asyncio.sleep(0.01)
        assert wrapped.open == 1
        await shutdown.put({"type": "lifespan.shutdown"})
        await wrapped({"type": "lifespan"}, shutdown.get, sink)
        await request

    asyncio.run(main())
    return events


def test_shutdown_waits_for_open_requests() -> None:
    assert _lifespan_and_request(timeout=5.0, request_s=0.2) == [
        "request done",
        "lifespan.shutdown",
    ]


def test_shutdown_waits_at_most_the_timeout() -> None:
    assert _lifespan_and_request(timeout=0.05, request_s=0.3) == [
        "lifespan.shutdown",
        "request done",
    ]


def test_other_scopes_pass_through() -> None:
    seen: list[Any] = []

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        seen.append(scope["type"])

    async def nothing() -> Message:
        return {}

    async def sink(message: Message) -> None:
        return None

    wrapped = DrainBeforeShutdown(app, 1.0)
    asyncio.run(wrapped({"type": "websocket"}, nothing, sink))
    assert seen == ["websocket"]
    assert wrapped.open == 0
