"""The workloads, run against one started server; each row is measured on its own
and a failing row becomes "n/a" with the reason instead of stopping the run."""

from __future__ import annotations

import functools
import hashlib
import os
import re
import threading
import time
from collections.abc import Callable
from pathlib import Path

import msgspec

from bench.stats import Summary
from bench.webdav import wrk
from bench.webdav.client import Connection, HttpError, Response
from bench.webdav.results import Cell, Sizes
from bench.webdav.servers import Running

PROPFIND_BODY = (
    '<?xml version="1.0" encoding="utf-8"?>\n'
    '<d:propfind xmlns:d="DAV:"><d:prop>'
    "<d:resourcetype/><d:getcontentlength/><d:getlastmodified/><d:getetag/>"
    "<d:getcontenttype/>"
    "</d:prop></d:propfind>"
)
PROPFIND_HEADERS = {"Content-Type": 'application/xml; charset="utf-8"'}
FILL_FILE = b"x" * 512  # the files listed and deleted
FILL_THREADS = 8
#: The small-file sync rows: this many files, one connection; the bulk row
#: sends them BULK_BATCH to a request (as the Nextcloud desktop client does).
SYNC_FILES = 1_000
BULK_BATCH = 100
BULK_BOUNDARY = "bench-bulk-boundary-7f3a9c"
_RESPONSE = re.compile(rb"<(?:[A-Za-z0-9_-]+:)?response[\s>]")


class RowFailed(Exception):
    """This row cannot be measured on this server (the reason is the message)."""


def log(message: str) -> None:
    print(f"[bench webdav {time.strftime('%H:%M:%S')}] {message}", flush=True)


def _expect(response: Response, what: str, *ok: int) -> Response:
    if response.status not in ok:
        detail = response.body[:200].decode(errors="replace").strip().replace("\n", " ")
        raise RowFailed(
            f"{what} answered {response.status} {response.reason}".strip()
            + (f": {detail}" if detail else "")
        )
    return response


def responses_in(body: bytes) -> int:
    """How many ``<d:response>`` elements a multistatus body holds."""
    return len(_RESPONSE.findall(body))


class Bench:
    """The workloads against one server; ``cells`` collects the rows."""

    def __init__(self, server: Running, sizes: Sizes, scratch: Path) -> None:
        self.server = server
        self.sizes = sizes
        self.scratch = scratch
        self.root = server.spec.dav_root + "bench/"
        self.cells: dict[str, Cell] = {}

    # ---------------------------------------------------------------- helpers
    def conn(self) -> Connection:
        return self.server.connection()

    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.port}"

    def mkcol(self, conn: Connection, path: str) -> None:
        _expect(conn.request("MKCOL", path), f"MKCOL {path}", 201)

    def row(self, keys: list[str], measure: Callable[[], Cell | dict[str, Cell]]) -> None:
        """Run one measurement (giving the cells ``keys``); a failure makes them n/a
        with its reason."""
        try:
            result = measure()
        except (RowFailed, HttpError, RuntimeError, OSError) as exc:
            self.fail(keys, str(exc))
            return
        cells = result if isinstance(result, dict) else {keys[0]: result}
        for name, cell in cells.items():
            self.cells[name] = cell
            log(f"  {name}: {cell.value:,.3f}")

    def fail(self, keys: list[str], reason: str) -> None:
        log(f"  {', '.join(keys)}: n/a ({reason})")
        for key in keys:
            self.cells[key] = Cell(value=None, note=reason[:300])

    # ---------------------------------------------------------------- probe
    def probe(self) -> str:
        """ "" when the server's WebDAV works for the basics, else why not."""
        try:
            with self.conn() as conn:
                self.mkcol(conn, self.root)
                path = self.root + "probe.txt"
                _expect(conn.request("PUT", path, body=b"probe"), f"PUT {path}", 200, 201, 204)
                got = _expect(conn.request("GET", path), f"GET {path}", 200)
                if got.body != b"probe":
                    return f"GET {path} returned other content than was PUT"
                _expect(
                    conn.request(
                        "PROPFIND",
                        path,
                        headers={"Depth": "0", **PROPFIND_HEADERS},
                        body=PROPFIND_BODY.encode(),
                    ),
                    f"PROPFIND {path}",
                    207,
                )
        except (RowFailed, HttpError, OSError) as exc:
            return str(exc)[:300]
        return ""

    # ---------------------------------------------------------------- rows
    def put_large(self) -> Cell:
        size = self.sizes.large_mib << 20
        body = memoryview(bytes(range(256)) * (size // 256))
        rates: list[float] = []
        with self.conn() as conn:
            for i in range(self.sizes.repeats):
                path = f"{self.root}large-{i}.bin"
                response = conn.request("PUT", path, body=body)
                _expect(response, f"PUT {path}", 200, 201, 204)
                rates.append(size / response.total_s / 1e6)
        return _median(rates)

    def get_large(self) -> Cell:
        size = self.sizes.large_mib << 20
        path = f"{self.root}large-{self.sizes.repeats - 1}.bin"
        rates: list[float] = []
        with self.conn() as conn:
            for _ in range(self.sizes.repeats):
                response = conn.request("GET", path, keep=False)
                _expect(response, f"GET {path}", 200)
                if response.length != size:
                    raise RowFailed(f"GET {path} returned {response.length} of {size} bytes")
                rates.append(size / response.total_s / 1e6)
        return _median(rates)

    def put_small(self) -> Cell:
        folder = self.root + "small/"
        with self.conn() as conn:
            self.mkcol(conn, folder)
        script = wrk.render_script(
            method="PUT",
            path=folder + "f",
            headers=self._auth(),
            body_size=self.sizes.small_kib << 10,
            unique=True,
        )
        return self._wrk(script, "put-small")

    def put_sequential(self) -> Cell:
        """SYNC_FILES PUTs of small files, one after another on one connection
        (how a sync client without bulk upload sends them): files/s."""
        body = b"s" * (self.sizes.small_kib << 10)
        rates: list[float] = []
        with self.conn() as conn:
            for r in range(self.sizes.repeats):
                folder = f"{self.root}seq-{r}/"
                self.mkcol(conn, folder)
                started = time.perf_counter()
                for i in range(SYNC_FILES):
                    path = f"{folder}f{i:05d}.bin"
                    _expect(conn.request("PUT", path, body=body), f"PUT {path}", 201, 204)
                rates.append(SYNC_FILES / (time.perf_counter() - started))
        return _median(rates)

    def bulk_upload(self) -> Cell:
        """The same files through Nextcloud's bulk upload (``POST /dav/bulk``),
        BULK_BATCH per request, one connection: files/s. Ours only."""
        if not self.server.spec.key.startswith("ours"):
            raise RowFailed("no bulk upload API (Nextcloud's POST /remote.php/dav/bulk)")
        data = b"b" * (self.sizes.small_kib << 10)
        digest = hashlib.md5(data).hexdigest()
        headers = {"Content-Type": f"multipart/related; boundary={BULK_BOUNDARY}"}
        relative = "/" + self.root.removeprefix(self.server.spec.dav_root)  # /bench/
        rates: list[float] = []
        with self.conn() as conn:
            for r in range(self.sizes.repeats):
                folder = f"{self.root}bulk-{r}/"
                self.mkcol(conn, folder)
                bodies = [
                    _bulk_body(
                        [f"{relative}bulk-{r}/f{i:05d}.bin" for i in range(s, s + BULK_BATCH)],
                        data,
                        digest,
                    )
                    for s in range(0, SYNC_FILES, BULK_BATCH)
                ]
                replies: list[Response] = []
                started = time.perf_counter()
                for body in bodies:
                    reply = conn.request("POST", "/remote.php/dav/bulk", headers=headers, body=body)
                    replies.append(_expect(reply, "POST /remote.php/dav/bulk", 200))
                rates.append(SYNC_FILES / (time.perf_counter() - started))
                for reply in replies:
                    results = msgspec.json.decode(reply.body)
                    failed = [k for k, v in results.items() if v.get("error") is not False]
                    if len(results) != BULK_BATCH or failed:
                        raise RowFailed(f"bulk upload stored {len(results) - len(failed)} files")
        return _median(rates)

    def propfind0(self) -> dict[str, Cell]:
        script = wrk.render_script(
            method="PROPFIND",
            path=self.root + "probe.txt",
            headers={**self._auth(), "Depth": "0", **PROPFIND_HEADERS},
            body=PROPFIND_BODY,
        )
        cell = self._wrk(script, "propfind0")
        return {
            "propfind0": cell,
            "propfind0_p99": Cell(value=cell.extra["p99_ms"], samples=[cell.extra["p99_ms"]]),
        }

    def fill(self, count: int) -> str:
        """A folder of ``count`` small files, made through the server; its path."""
        folder = f"{self.root}list-{count}/"
        with self.conn() as conn:
            self.mkcol(conn, folder)
        started = time.perf_counter()
        errors: list[str] = []
        counter = iter(range(count))
        lock = threading.Lock()

        def worker() -> None:
            with self.conn() as conn:
                while not errors:
                    with lock:
                        i = next(counter, None)
                    if i is None:
                        return
                    path = f"{folder}file-{i:05d}.txt"
                    try:
                        _expect(conn.request("PUT", path, body=FILL_FILE), f"PUT {path}", 201, 204)
                    except (RowFailed, HttpError, OSError) as exc:
                        errors.append(str(exc))
                        return

        threads = [threading.Thread(target=worker) for _ in range(FILL_THREADS)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        if errors:
            raise RowFailed(f"filling {folder}: {errors[0]}")
        took = time.perf_counter() - started
        log(f"  filled {folder} with {count:,} files in {took:.1f} s")
        return folder

    def propfind1(self, folder: str, count: int) -> dict[str, Cell]:
        totals: list[float] = []
        firsts: list[float] = []
        with self.conn() as conn:
            for i in range(self.sizes.repeats + 1):  # the first warms caches, untimed
                response = conn.request(
                    "PROPFIND",
                    folder,
                    headers={"Depth": "1", **PROPFIND_HEADERS},
                    body=PROPFIND_BODY.encode(),
                )
                _expect(response, f"PROPFIND {folder}", 207)
                found = responses_in(response.body)
                if found != count + 1:
                    raise RowFailed(f"PROPFIND {folder} listed {found - 1} of {count} files")
                if i:
                    totals.append(response.total_s)
                    firsts.append(response.ttfb_s)
        return {
            f"propfind1_{count}": _median(totals),
            f"propfind1_{count}_ttfb": _median(firsts),
        }

    def delete(self, folder: str, count: int) -> Cell:
        with self.conn() as conn:
            response = conn.request("DELETE", folder)
            _expect(response, f"DELETE {folder}", 200, 204)
            gone = conn.request("PROPFIND", folder, headers={"Depth": "0"})
            if gone.status != 404:
                raise RowFailed(f"after DELETE, PROPFIND {folder} answered {gone.status}")
        return Cell(value=response.total_s, samples=[response.total_s])

    # ---------------------------------------------------------------- all
    def run(self) -> str:
        """Every row; returns "" or why the server is not available at all."""
        reason = self.probe()
        if reason:
            log(f"  not available: {reason}")
            return reason
        self.row(["put_large"], self.put_large)
        if "put_large" in self.cells and self.cells["put_large"].value is not None:
            self.row(["get_large"], self.get_large)
        else:
            self.fail(["get_large"], "the PUT of the file failed")
        self.row(["put_small"], self.put_small)
        self.row(["put_seq"], self.put_sequential)
        self.row(["bulk_upload"], self.bulk_upload)
        self.row(["propfind0", "propfind0_p99"], self.propfind0)
        biggest = max(self.sizes.folders)
        for count in self.sizes.folders:
            listing = [f"propfind1_{count}", f"propfind1_{count}_ttfb"]
            deleting = [f"delete_{count}"] if count == biggest else []
            try:
                folder = self.fill(count)
            except (RowFailed, HttpError, OSError) as exc:
                self.fail(listing + deleting, str(exc))
                continue
            self.row(listing, functools.partial(self.propfind1, folder, count))
            if deleting:
                self.row(deleting, functools.partial(self.delete, folder, count))
        return ""

    def _auth(self) -> dict[str, str]:
        auth = self.server.spec.authorization
        return {"Authorization": auth} if auth else {}

    def _wrk(self, script: str, name: str) -> Cell:
        if not wrk.available():
            raise RowFailed("wrk not installed (scripts/install-bench-deps.sh)")
        result = wrk.run(
            script,
            url=self.url(),
            connections=self.sizes.connections,
            seconds=self.sizes.seconds,
            scratch=self.scratch,
            name=f"{self.server.spec.key}-{name}",
        )
        problem = result.problem()
        if problem:
            raise RowFailed(problem)
        return Cell(
            value=result.per_s,
            samples=[result.per_s],
            extra={"p50_ms": result.p50_ms, "p99_ms": result.p99_ms, "requests": result.requests},
        )


def _bulk_body(paths: list[str], data: bytes, digest: str) -> bytes:
    """A bulk upload request body: one multipart/related part per path."""
    head = (
        "--{b}\r\nX-File-Path: {p}\r\nX-File-MD5: {m}\r\nX-File-Mtime: 1700000000\r\n"
        "Content-Length: {n}\r\n\r\n"
    )
    parts = [
        head.format(b=BULK_BOUNDARY, p=path, m=digest, n=len(data)).encode() + data + b"\r\n"
        for path in paths
    ]
    return b"".join(parts) + f"--{BULK_BOUNDARY}--\r\n".encode()


def _median(samples: list[float]) -> Cell:
    """The median of ``samples`` (the spread is kept in ``samples``)."""
    summary = Summary.of(samples)
    return Cell(value=summary.median, samples=summary.samples)


def sizes_from_env(environ: dict[str, str] | None = None) -> Sizes:
    """Sizes, shrunk or grown by ``BENCH_WEBDAV_*`` variables."""
    env = dict(os.environ if environ is None else environ)
    base = Sizes()
    folders = env.get("BENCH_WEBDAV_FOLDERS")
    return msgspec.structs.replace(
        base,
        large_mib=int(env.get("BENCH_WEBDAV_LARGE_MIB", base.large_mib)),
        small_kib=int(env.get("BENCH_WEBDAV_SMALL_KIB", base.small_kib)),
        connections=int(env.get("BENCH_WEBDAV_CONNECTIONS", base.connections)),
        seconds=float(env.get("BENCH_WEBDAV_SECONDS", base.seconds)),
        repeats=int(env.get("BENCH_WEBDAV_REPEATS", base.repeats)),
        folders=(
            [int(n) for n in folders.replace(" ", "").split(",") if n] if folders else base.folders
        ),
    )
