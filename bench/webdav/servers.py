"""The WebDAV servers under test, each started on loopback on a free port with its
own temp dirs, pinned to CPU 0 (``taskset -c 0``), waited for, and stopped.

- nginx with the dav and dav_ext modules (config rendered into a temp dir)
- ``rclone serve webdav`` on a local folder
- wsgidav's FilesystemProvider on cheroot
- ours: ``opencloud init`` + ``opencloud server``, on Hypercorn and on Granian

Peers serve a plain folder, which the harness may fill directly on disk; ours is
filled through its own WebDAV (the posix driver keeps metadata beside each file).
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from bench.webdav.client import Connection, HttpError, basic_auth

SERVER_CPU = 0
CLIENT_CPU = 1
STARTUP_S = 30.0
ADMIN_PASSWORD = "bench-admin-password"
NGINX_DAV_EXT = "/usr/lib/nginx/modules/ngx_http_dav_ext_module.so"
_OURS_ENV = ("OC_", "PROXY_", "STORAGE_USERS_")
#: The CPUs this process may use, read at import: ``pin_client`` narrows the
#: process to CLIENT_CPU before the servers start, and only this tells that
#: SERVER_CPU is still there for them.
USABLE_CPUS = frozenset(os.sched_getaffinity(0))


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def server_pinning(usable: frozenset[int] = USABLE_CPUS) -> list[str]:
    """``taskset -c 0`` when there are two CPUs to split, else nothing.

    Decided on the CPUs the process had before ``pin_client``, not on its
    affinity now: a server started without ``taskset`` inherits the load
    generator's one CPU, and the two then compete for it (the live-updates
    benchmark ran that way until 2026-11-21: the server seemed to idle while
    the load generator's work was in fact taking its CPU)."""
    if shutil.which("taskset") is None or not {SERVER_CPU, CLIENT_CPU} <= usable:
        return []
    return ["taskset", "-c", str(SERVER_CPU)]


def pin_client() -> str:
    """Pin this process (the load generator, and wrk it starts) to CPU 1."""
    cpus = os.sched_getaffinity(0)
    if CLIENT_CPU in cpus and SERVER_CPU in cpus:
        os.sched_setaffinity(0, {CLIENT_CPU})
        return f"servers `taskset -c {SERVER_CPU}`, load generator CPU {CLIENT_CPU}"
    return "none (fewer than two CPUs)"


def nginx_conf(*, port: int, root: Path, prefix: Path, as_root: bool) -> str:
    """nginx.conf for a foreground nginx serving ``root`` over WebDAV on ``port``."""
    temp = prefix / "temp"
    return f"""\
# written by bench.webdav for one benchmark run
{"user root;" if as_root else ""}
daemon off;
master_process on;
worker_processes 1;
pid {prefix}/nginx.pid;
error_log {prefix}/error.log warn;
load_module {NGINX_DAV_EXT};

events {{
    worker_connections 1024;
}}

http {{
    access_log off;
    sendfile on;
    tcp_nopush on;
    tcp_nodelay on;
    keepalive_requests 1000000;
    client_body_temp_path {temp}/body;
    proxy_temp_path {temp}/proxy;
    fastcgi_temp_path {temp}/fastcgi;
    uwsgi_temp_path {temp}/uwsgi;
    scgi_temp_path {temp}/scgi;
    types {{ application/octet-stream bin; text/plain txt; }}
    default_type application/octet-stream;

    server {{
        listen 127.0.0.1:{port};
        root {root};
        client_max_body_size 0;

        location / {{
            dav_methods PUT DELETE MKCOL COPY MOVE;
            dav_ext_methods PROPFIND OPTIONS;
            create_full_put_path on;
            dav_access user:rw group:r all:r;
        }}
    }}
}}
"""


@dataclass
class Spec:
    """One server to run: how to start it and where its WebDAV root is."""

    key: str  # column id: nginx, rclone, wsgidav, ours-hypercorn, ours-granian
    label: str  # column heading
    dav_root: str  # URL path of the WebDAV root, ending in /
    files_on_disk: bool  # the harness may fill the served folder directly
    authorization: str = ""
    version: str = ""
    missing: str = ""  # why it cannot run here ("" = it can)


@dataclass
class Running:
    """A started server."""

    spec: Spec
    port: int
    data: Path  # the folder served (peers) or the data dir (ours)
    process: subprocess.Popen[bytes]
    log: Path
    env: dict[str, str] = field(default_factory=dict)

    def connection(self) -> Connection:
        return Connection("127.0.0.1", self.port, authorization=self.spec.authorization)

    def log_tail(self, chars: int = 1500) -> str:
        try:
            return self.log.read_text(errors="replace")[-chars:]
        except OSError:
            return ""


def _output(*cmd: str) -> str:
    try:
        done = subprocess.run(cmd, capture_output=True, text=True, timeout=10, check=False)
    except (OSError, subprocess.SubprocessError):
        return ""
    return (done.stdout + done.stderr).strip()


def _pkg_version(dist: str) -> str:
    from importlib import metadata

    try:
        return metadata.version(dist)
    except metadata.PackageNotFoundError:
        return ""


def specs() -> list[Spec]:
    """Every server, with its version or why it is missing."""
    found: list[Spec] = []
    nginx = shutil.which("nginx") or ("/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else "")
    spec = Spec("nginx", "nginx", "/", files_on_disk=True)
    if not nginx:
        spec.missing = "nginx not installed (scripts/install-bench-deps.sh)"
    elif not Path(NGINX_DAV_EXT).exists():
        spec.missing = "libnginx-mod-http-dav-ext not installed"
    else:
        spec.version = _output(nginx, "-v").rpartition("/")[2] or "?"
    found.append(spec)

    spec = Spec("rclone", "rclone", "/", files_on_disk=True)
    if shutil.which("rclone") is None:
        spec.missing = "rclone not installed (scripts/install-bench-deps.sh)"
    else:
        spec.version = _output("rclone", "version").split("\n", 1)[0].replace("rclone ", "")
    found.append(spec)

    spec = Spec("wsgidav", "wsgidav (cheroot)", "/", files_on_disk=True)
    wsgidav, cheroot = _pkg_version("wsgidav"), _pkg_version("cheroot")
    if not (wsgidav and cheroot):
        spec.missing = "wsgidav or cheroot not installed (pip install -e '.[bench]')"
    else:
        spec.version = f"{wsgidav}, cheroot {cheroot}"
    found.append(spec)

    auth = basic_auth("admin", ADMIN_PASSWORD)
    ours = _pkg_version("opencloud")
    for server, dist in (("hypercorn", "hypercorn"), ("granian", "granian")):
        spec = Spec(
            f"ours-{server}",
            f"ours ({server.capitalize()})",
            "/remote.php/webdav/",
            files_on_disk=False,
            authorization=auth,
        )
        version = _pkg_version(dist)
        if not version:
            spec.missing = f"{dist} not installed (pip install -e '.[bench]')"
        spec.version = f"{ours}, {dist} {version}"
        found.append(spec)
    return found


def _start(
    command: list[str], *, log: Path, env: dict[str, str] | None, cwd: Path
) -> subprocess.Popen[bytes]:
    with log.open("ab") as out:
        return subprocess.Popen(
            [*server_pinning(), *command],
            stdout=out,
            stderr=subprocess.STDOUT,
            env=env,
            cwd=cwd,
            start_new_session=True,  # its own process group: stopped as one
        )


def _ours_env(base: Path, port: int, server: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(_OURS_ENV)}
    env |= {
        "OC_CONFIG_DIR": str(base / "config"),
        "OC_BASE_DATA_PATH": str(base / "data"),
        "PROXY_HTTP_ADDR": f"127.0.0.1:{port}",
        "PROXY_TLS": "false",
        "OC_URL": f"http://127.0.0.1:{port}",
        "OC_LOG_LEVEL": "info",  # no access log (that is debug); the log says why it stopped
        "OC_HTTP__SERVER": server,
    }
    fsync = os.environ.get("BENCH_WEBDAV_OURS_FSYNC")
    if fsync is not None:
        env["OC_STORAGE__OPTIONS__FSYNC"] = fsync
    return env


def start(spec: Spec, base: Path, *, settings: dict[str, str] | None = None) -> Running:
    """Start ``spec`` with its dirs under ``base``; returns once it answers HTTP.
    ``settings``: more environment for our server (``OC_…`` variables)."""
    base.mkdir(parents=True, exist_ok=True)
    port = free_port()
    log = base / "server.log"
    data = base / "files"
    env: dict[str, str] = {}
    if spec.key == "nginx":
        data.mkdir()
        (base / "temp").mkdir()
        conf = base / "nginx.conf"
        conf.write_text(nginx_conf(port=port, root=data, prefix=base, as_root=os.geteuid() == 0))
        nginx = shutil.which("nginx") or "/usr/sbin/nginx"
        command = [nginx, "-p", str(base), "-c", str(conf), "-e", str(base / "error.log")]
    elif spec.key == "rclone":
        data.mkdir()
        (base / "rclone.conf").write_text("")
        command = [
            "rclone",
            "serve",
            "webdav",
            str(data),
            "--addr",
            f"127.0.0.1:{port}",
            "--config",
            str(base / "rclone.conf"),
            "--log-level",
            "ERROR",
        ]
    elif spec.key == "wsgidav":
        data.mkdir()
        command = [
            sys.executable,
            "-m",
            "wsgidav.server.server_cli",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--root",
            str(data),
            "--auth",
            "anonymous",
            "--server",
            "cheroot",
            "--no-config",
            "-q",
            "-q",
        ]
    else:
        server = spec.key.removeprefix("ours-")
        env = _ours_env(base, port, server) | (settings or {})
        init = subprocess.run(
            [sys.executable, "-m", "opencloud", "init", "--admin-password", ADMIN_PASSWORD],
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        if init.returncode != 0:
            raise RuntimeError(f"opencloud init failed: {init.stderr.strip()[-500:]}")
        data = base / "data"
        command = [sys.executable, "-m", "opencloud", "server"]
    process = _start(command, log=log, env=env or None, cwd=base)
    running = Running(spec=spec, port=port, data=data, process=process, log=log, env=env)
    try:
        _wait_ready(running)
    except BaseException:
        stop(running)
        raise
    return running


def _wait_ready(running: Running) -> None:
    """Until the port answers HTTP (any status: a 401 or 404 is an answer)."""
    deadline = time.monotonic() + STARTUP_S
    while time.monotonic() < deadline:
        if running.process.poll() is not None:
            raise RuntimeError(
                f"{running.spec.label} exited with {running.process.returncode}: "
                f"{running.log_tail()}"
            )
        try:
            with Connection("127.0.0.1", running.port, timeout=2.0) as conn:
                conn.request("OPTIONS", running.spec.dav_root)
            return
        except (HttpError, OSError):
            time.sleep(0.05)
    raise RuntimeError(f"{running.spec.label} did not answer within {STARTUP_S:.0f} s")


def stop(running: Running) -> int | None:
    """SIGTERM, then SIGKILL after 15 s; the exit code (None if it had to be killed)."""
    process = running.process
    if process.poll() is None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGTERM)
        try:
            return process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
            return None
    return process.returncode
