"""Many small requests at full speed: wrk (C, epoll) with a Lua script, one thread
and N keep-alive connections. The script's ``done`` prints one JSON line with
the counts and latency percentiles, so nothing is scraped from wrk's report.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

MARK = "WRKJSON "


@dataclass(frozen=True)
class WrkResult:
    requests: int
    duration_s: float
    status_errors: int  # responses other than 2xx/3xx
    socket_errors: int  # connect/read/write errors and timeouts
    p50_ms: float
    p99_ms: float

    @property
    def per_s(self) -> float:
        return self.requests / self.duration_s if self.duration_s else 0.0

    def problem(self) -> str:
        """Why these numbers do not count, or "" when they do."""
        if not self.requests:
            return "no request completed"
        if self.status_errors:
            return f"{self.status_errors:,} of {self.requests:,} answers were errors"
        if self.socket_errors > self.requests // 100:
            return f"{self.socket_errors:,} socket errors"
        return ""


def _lua_string(text: str) -> str:
    return json.dumps(text)  # a JSON string literal is a valid Lua string literal here


def render_script(
    *,
    method: str,
    path: str,
    headers: dict[str, str],
    body_size: int = 0,
    body: str = "",
    unique: bool = False,
) -> str:
    """The Lua script: ``method`` on ``path`` (with ``unique``, ``path`` + a counter:
    a new file each request), a body of ``body_size`` bytes or ``body``."""
    lines = [f"wrk.method = {_lua_string(method)}"]
    for name, value in headers.items():
        lines.append(f"wrk.headers[{_lua_string(name)}] = {_lua_string(value)}")
    if body_size:
        lines.append(f'local body = string.rep("x", {body_size})')
    else:
        lines.append(f"local body = {_lua_string(body)}")
    lines.append("wrk.body = body")
    lines.append(f"local path = {_lua_string(path)}")
    if unique:
        lines += [
            "local counter = 0",
            "request = function()",
            "  counter = counter + 1",
            "  return wrk.format(nil, path .. counter, nil, body)",
            "end",
        ]
    else:
        # Formatted in init(): wrk adds the Host header only then.
        lines += [
            "local req = nil",
            "init = function(args) req = wrk.format(nil, path, nil, body) end",
            "request = function() return req end",
        ]
    lines += [
        "done = function(summary, latency, requests)",
        "  local e = summary.errors",
        f'  io.write(string.format("{MARK}{{\\"requests\\": %d, \\"duration_us\\": %d, '
        '\\"status\\": %d, \\"socket\\": %d, \\"p50_us\\": %d, \\"p99_us\\": %d}\\n", '
        "summary.requests, summary.duration, e.status, "
        "e.connect + e.read + e.write + e.timeout, "
        "latency:percentile(50), latency:percentile(99)))",
        "end",
    ]
    return "\n".join(lines) + "\n"


def parse_output(stdout: str) -> WrkResult:
    for line in stdout.splitlines():
        if line.startswith(MARK):
            raw = json.loads(line[len(MARK) :])
            return WrkResult(
                requests=int(raw["requests"]),
                duration_s=raw["duration_us"] / 1e6,
                status_errors=int(raw["status"]),
                socket_errors=int(raw["socket"]),
                p50_ms=raw["p50_us"] / 1e3,
                p99_ms=raw["p99_us"] / 1e3,
            )
    raise RuntimeError(f"wrk printed no result:\n{stdout[-2000:]}")


def available() -> bool:
    return shutil.which("wrk") is not None


def run(
    script: str,
    *,
    url: str,
    connections: int,
    seconds: float,
    scratch: Path,
    name: str,
) -> WrkResult:
    """Run wrk with ``script`` against ``url`` (scheme://host:port) for ``seconds``."""
    lua = scratch / f"{name}.lua"
    lua.write_text(script)
    command = [
        "wrk",
        "-t1",
        f"-c{connections}",
        f"-d{max(1, round(seconds))}s",
        "--timeout",
        "10s",
        "-s",
        str(lua),
        url,
    ]
    done = subprocess.run(
        command, capture_output=True, text=True, timeout=seconds + 60, check=False
    )
    if done.returncode != 0:
        raise RuntimeError(f"wrk failed ({done.returncode}): {done.stderr[-2000:]}")
    return parse_output(done.stdout)
