"""The WebDAV benchmark's pure parts: config rendering, wrk's script and output,
the HTTP client's parsing, the result table and the docs splice. The benchmark
itself runs only under `make bench`."""

from __future__ import annotations

import shutil
import socket
import subprocess
import threading
from pathlib import Path

import pytest

from bench.webdav import report, servers, wrk
from bench.webdav.client import Connection, basic_auth
from bench.webdav.results import Cell, ServerRun, Sizes, WebdavResults
from bench.webdav.servers import nginx_conf
from bench.webdav.workloads import responses_in, sizes_from_env


def test_nginx_conf(tmp_path: Path) -> None:
    text = nginx_conf(port=8123, root=tmp_path / "files", prefix=tmp_path, as_root=False)
    assert "listen 127.0.0.1:8123;" in text
    assert f"root {tmp_path / 'files'};" in text
    for directive in (
        "daemon off;",
        "client_max_body_size 0;",
        "create_full_put_path on;",
        "dav_methods PUT DELETE MKCOL COPY MOVE;",
        "dav_ext_methods PROPFIND OPTIONS;",
        "load_module /usr/lib/nginx/modules/ngx_http_dav_ext_module.so;",
    ):
        assert directive in text
    assert "user root;" not in text
    assert "user root;" in nginx_conf(port=1, root=tmp_path, prefix=tmp_path, as_root=True)


def test_servers_are_pinned_apart_from_the_load_generator() -> None:
    """The servers go to CPU 0 even once this process is pinned to CPU 1."""
    if shutil.which("taskset") is None:
        pytest.skip("no taskset")
    assert servers.server_pinning(frozenset({0, 1})) == ["taskset", "-c", "0"]
    assert servers.server_pinning(frozenset({0, 1, 2, 3})) == ["taskset", "-c", "0"]
    assert servers.server_pinning(frozenset({0})) == []  # one CPU: nothing to split
    assert servers.server_pinning(frozenset({1})) == []


@pytest.mark.skipif(
    shutil.which("nginx") is None
    or not Path("/usr/lib/nginx/modules/ngx_http_dav_ext_module.so").exists(),
    reason="nginx with dav_ext not installed (scripts/install-bench-deps.sh)",
)
def test_nginx_accepts_the_conf(tmp_path: Path) -> None:
    (tmp_path / "files").mkdir()
    (tmp_path / "temp").mkdir()
    conf = tmp_path / "nginx.conf"
    conf.write_text(nginx_conf(port=8123, root=tmp_path / "files", prefix=tmp_path, as_root=False))
    done = subprocess.run(
        ["nginx", "-t", "-q", "-p", str(tmp_path), "-c", str(conf), "-e", str(tmp_path / "e.log")],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr


def test_wrk_script_fixed_request() -> None:
    script = wrk.render_script(
        method="PROPFIND",
        path="/dav/bench/probe.txt",
        headers={"Depth": "0", "Authorization": "Basic YTpi"},
        body='<d:propfind xmlns:d="DAV:"/>',
    )
    assert 'wrk.method = "PROPFIND"' in script
    assert 'wrk.headers["Depth"] = "0"' in script
    assert 'local body = "<d:propfind xmlns:d=\\"DAV:\\"/>"' in script
    # formatted in init(), after wrk has set the Host header
    assert "init = function(args) req = wrk.format(nil, path, nil, body) end" in script
    assert "counter" not in script


def test_wrk_script_new_file_each_request() -> None:
    script = wrk.render_script(method="PUT", path="/bench/small/f", headers={}, body_size=16384)
    assert 'string.rep("x", 16384)' in script
    assert "return wrk.format(nil, path, nil, body)" not in script
    assert 'local path = "/bench/small/f"' in script
    script = wrk.render_script(
        method="PUT", path="/bench/small/f", headers={}, body_size=1, unique=True
    )
    assert "wrk.format(nil, path .. counter, nil, body)" in script


def test_wrk_output_parsed() -> None:
    out = (
        "Running 3s test @ http://127.0.0.1:1\n"
        'WRKJSON {"requests": 6000, "duration_us": 3000000, "status": 0, "socket": 0, '
        '"p50_us": 1500, "p99_us": 9000}\n'
    )
    result = wrk.parse_output(out)
    assert result.per_s == 2000.0
    assert (result.p50_ms, result.p99_ms) == (1.5, 9.0)
    assert result.problem() == ""
    bad = wrk.WrkResult(
        requests=10, duration_s=1, status_errors=10, socket_errors=0, p50_ms=1, p99_ms=1
    )
    assert bad.problem() == "10 of 10 answers were errors"
    with pytest.raises(RuntimeError, match="no result"):
        wrk.parse_output("wrk: connection refused\n")


def test_responses_counted_whatever_the_prefix() -> None:
    body = (
        b'<d:multistatus xmlns:d="DAV:"><d:response><d:href>/a/</d:href></d:response>'
        b"<d:response>\n<d:href>/a/b</d:href></d:response></d:multistatus>"
        b'<D:response xmlns:D="DAV:"></D:response><response></response><d:responsedescription/>'
    )
    assert responses_in(body) == 4


def test_sizes_from_env() -> None:
    assert sizes_from_env({}) == Sizes()
    sizes = sizes_from_env(
        {
            "BENCH_WEBDAV_LARGE_MIB": "8",
            "BENCH_WEBDAV_FOLDERS": "10, 100",
            "BENCH_WEBDAV_SECONDS": "1",
        }
    )
    assert (sizes.large_mib, sizes.folders, sizes.seconds) == (8, [10, 100], 1.0)
    assert sizes.small_kib == 16


def _serve_once(responses: list[bytes]) -> int:
    """A server on a free port that answers each request (read up to the blank
    line) with the next canned response, on one connection."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen()

    def serve() -> None:
        conn, _ = listener.accept()
        with conn, listener:
            for canned in responses:
                data = b""
                while b"\r\n\r\n" not in data:
                    data += conn.recv(65536)
                conn.sendall(canned)

    threading.Thread(target=serve, daemon=True).start()
    port: int = listener.getsockname()[1]
    return port


def test_client_reads_lengths_chunks_and_keeps_alive() -> None:
    port = _serve_once(
        [
            b"HTTP/1.1 201 Created\r\nContent-Length: 5\r\n\r\nhello",
            b"HTTP/1.1 207 Multi-Status\r\nTransfer-Encoding: chunked\r\n\r\n"
            b"3;ext=1\r\nabc\r\n4\r\ndefg\r\n0\r\nX-Trailer: 1\r\n\r\n",
            b"HTTP/1.1 204 No Content\r\n\r\n",
            b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n0123456789",
        ]
    )
    with Connection("127.0.0.1", port, authorization=basic_auth("a", "b")) as conn:
        first = conn.request("PUT", "/x", body=b"data")
        assert (first.status, first.body, first.reason) == (201, b"hello", "Created")
        chunked = conn.request("PROPFIND", "/", headers={"Depth": "1"})
        assert (chunked.status, chunked.body, chunked.length) == (207, b"abcdefg", 7)
        assert conn.request("DELETE", "/x").status == 204
        counted = conn.request("GET", "/big", keep=False)
        assert (counted.body, counted.length) == (b"", 10)
        assert 0 < counted.ttfb_s <= counted.total_s


def _results(ours_reason: str = "") -> WebdavResults:
    sizes = Sizes(folders=[1000, 10000])
    full = {
        "put_large": 200.0,
        "get_large": 1000.0,
        "put_small": 1800.0,
        "put_seq": 900.0,
        "bulk_upload": 2700.0,
        "propfind0": 3000.0,
        "propfind0_p99": 4.0,
        "propfind1_1000": 0.04,
        "propfind1_1000_ttfb": 0.01,
        "propfind1_10000": 0.4,
        "propfind1_10000_ttfb": 0.02,
        "delete_10000": 1.5,
    }
    rclone = ServerRun(
        key="rclone",
        label="rclone",
        version="v1",
        reason="",
        cells={k: Cell(value=v) for k, v in full.items()},
    )
    mine = {k: Cell(value=v * 2) for k, v in full.items()}
    mine["propfind0"] = Cell(value=None, note="PROPFIND /x answered 404 Not Found")
    ours = ServerRun(
        key="ours-hypercorn", label="ours (Hypercorn)", version="0.1", reason="", cells=mine
    )
    granian = ServerRun(
        key="ours-granian",
        label="ours (Granian)",
        version="0.1",
        reason=ours_reason or "granian not installed",
        cells={},
    )
    return WebdavResults(
        date_utc="2026-01-01 00:00 UTC",
        cpu="cpu",
        nproc=2,
        kernel="6",
        python="CPython 3.11",
        filesystem="ext4",
        commit="abc",
        pinning="servers `taskset -c 0`",
        sizes=sizes,
        servers=[rclone, ours, granian],
        runtime_s=100,
    )


def test_ratio_is_a_speed() -> None:
    assert report.speed_ratio(400, 200, True) == "2.00x"
    assert report.speed_ratio(0.8, 0.4, False) == "0.50x"
    assert report.speed_ratio(None, 1, True) == "n/a"
    assert report.speed_ratio(1, None, True) == "n/a"


def test_table() -> None:
    lines = report.table(_results())
    assert lines[0] == (
        "| workload | unit | rclone | ours (Hypercorn) | ours (Granian) | "
        "ours (Hypercorn) vs rclone | ours (Granian) vs rclone |"
    )
    assert lines[1] == "|---|---|---:|---:|---:|---:|---:|"
    by_label = {line.split(" | ")[0].removeprefix("| "): line for line in lines[2:]}
    assert by_label["PUT of a 256 MiB file"] == (
        "| PUT of a 256 MiB file | MB/s | 200 | 400 | n/a | 2.00x | n/a |"
    )
    # times: twice as long is half the speed
    assert by_label["PROPFIND Depth 1, folder of 10,000 files"].endswith(
        "| 0.400 | 0.800 | n/a | 0.50x | n/a |"
    )
    assert by_label["DELETE of a 10,000-file folder"].startswith(
        "| DELETE of a 10,000-file folder | s |"
    )
    assert "| n/a [1] |" in by_label["PROPFIND Depth 0 on a file, 8 connections"]
    assert "- **ours (Granian): not available** (granian not installed)." in lines
    assert any(
        line.startswith("- [1] ours (Hypercorn): PROPFIND Depth 0 on a file") for line in lines
    )
    assert by_label[
        "bulk upload of 1,000 files of 16 KiB in requests of 100, 1 connection (ours only)"
    ] == (
        "| bulk upload of 1,000 files of 16 KiB in requests of 100, 1 connection (ours only) "
        "| files/s | 2,700 | 5,400 | n/a | 2.00x | n/a |"
    )
    assert (
        len([row for row in lines if row.startswith("| ")]) == 1 + 12
    )  # the head, then 12 workload rows


def test_reason_with_a_pipe_does_not_break_the_table() -> None:
    lines = report.table(_results(ours_reason="PUT |x| answered\n500"))
    assert "- **ours (Granian): not available** (PUT \\|x\\| answered 500)." in lines


def test_render_and_splice() -> None:
    section = report.render(_results())
    assert section.startswith(report.BEGIN + "\n## WebDAV, side by side\n")
    assert section.endswith(report.END + "\n")
    page = "# Benchmarks\n\n## 1. Listing\n\ntext\n"
    once = report.splice(page, section)
    assert once.startswith(page.rstrip("\n") + "\n\n" + report.BEGIN)
    assert report.extract(once) == section
    # a second run replaces the section, keeping what is around it
    around = once + "\n## After\n"
    newer = section.replace("2026-01-01", "2026-02-02")
    twice = report.splice(around, newer)
    assert twice.count(report.BEGIN) == 1
    assert "2026-02-02" in twice
    assert "2026-01-01" not in twice
    assert twice.endswith("## After\n")
    # the driver report (without the section) keeps the old one; nothing to keep: unchanged
    assert report.splice(page, report.extract(once)) == once
    assert report.splice(page, "") == page
    assert report.extract(page) == ""
