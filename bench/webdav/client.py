"""A lean blocking HTTP/1.1 client on a raw socket, for the big transfers and the
big listings: keep-alive, bodies sent straight from a memoryview, responses read
with ``recv_into`` a reused buffer (nothing kept unless asked), chunked
responses decoded. It times the first response byte (TTFB) and the last.

Small requests at high rates go through wrk instead (bench.webdav.wrk): a
Python client would measure itself there.
"""

from __future__ import annotations

import base64
import socket
import time
from dataclasses import dataclass, field

CHUNK = 1 << 20
_MAX_HEAD = 64 * 1024


class HttpError(Exception):
    """The server answered something unusable (or not at all)."""


@dataclass
class Response:
    status: int
    headers: dict[str, str]
    body: bytes  # empty when the body was only counted (``keep=False``)
    length: int  # body bytes received
    ttfb_s: float  # request start to the first response byte
    total_s: float  # request start to the last body byte
    reason: str = ""
    chunks: list[bytes] = field(default_factory=list, repr=False)


def basic_auth(user: str, password: str) -> str:
    token = base64.b64encode(f"{user}:{password}".encode()).decode()
    return f"Basic {token}"


class Connection:
    """One keep-alive connection to ``host:port``; reconnects when the server closed."""

    def __init__(
        self, host: str, port: int, *, authorization: str = "", timeout: float = 120.0
    ) -> None:
        self.host = host
        self.port = port
        self.authorization = authorization
        self.timeout = timeout
        self._sock: socket.socket | None = None
        self._buf = bytearray(CHUNK)
        self._view = memoryview(self._buf)
        self._pending = b""  # bytes read past the previous response

    def close(self) -> None:
        if self._sock is not None:
            self._sock.close()
            self._sock = None
        self._pending = b""

    def __enter__(self) -> Connection:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _connect(self) -> socket.socket:
        if self._sock is None:
            sock = socket.create_connection((self.host, self.port), timeout=self.timeout)
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            self._sock = sock
            self._pending = b""
        return self._sock

    def request(
        self,
        method: str,
        path: str,
        *,
        headers: dict[str, str] | None = None,
        body: bytes | memoryview = b"",
        keep: bool = True,
    ) -> Response:
        """Send one request and read the whole response (``keep=False``: count it only)."""
        for attempt in (1, 2):
            sock = self._connect()
            started = time.perf_counter()
            try:
                self._send(sock, method, path, headers or {}, body)
                return self._read(sock, method, started, keep)
            except (ConnectionError, HttpError) as exc:
                self.close()
                # A keep-alive connection the server had closed: one retry on a fresh one.
                if attempt == 2 or not isinstance(exc, ConnectionError | _Closed):
                    raise HttpError(f"{method} {path}: {exc}") from exc
            except OSError as exc:
                self.close()
                raise HttpError(f"{method} {path}: {exc}") from exc
        raise AssertionError("unreachable")

    def _send(
        self,
        sock: socket.socket,
        method: str,
        path: str,
        headers: dict[str, str],
        body: bytes | memoryview,
    ) -> None:
        lines = [f"{method} {path} HTTP/1.1", f"Host: {self.host}:{self.port}"]
        if self.authorization:
            lines.append(f"Authorization: {self.authorization}")
        if body or method in ("PUT", "POST", "PROPFIND"):
            lines.append(f"Content-Length: {len(body)}")
        lines += [f"{k}: {v}" for k, v in headers.items()]
        head = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")
        if len(body) <= 64 * 1024:
            sock.sendall(head + bytes(body))
        else:
            sock.sendall(head)
            sock.sendall(body)

    def _recv(self, sock: socket.socket) -> bytes:
        n = sock.recv_into(self._buf)
        if n == 0:
            raise _Closed("connection closed by the server")
        return bytes(self._view[:n])

    def _read(self, sock: socket.socket, method: str, started: float, keep: bool) -> Response:
        data = self._pending
        self._pending = b""
        ttfb = 0.0
        if data:
            ttfb = time.perf_counter() - started
        while b"\r\n\r\n" not in data:
            chunk = self._recv(sock)
            if not ttfb:
                ttfb = time.perf_counter() - started
            data += chunk
            if len(data) > _MAX_HEAD and b"\r\n\r\n" not in data:
                raise HttpError("response head too long")
        head, _, rest = data.partition(b"\r\n\r\n")
        status_line, *header_lines = head.decode("latin-1").split("\r\n")
        parts = status_line.split(" ", 2)
        if len(parts) < 2 or not parts[1].isdigit():
            raise HttpError(f"bad status line {status_line!r}")
        status = int(parts[1])
        headers: dict[str, str] = {}
        for line in header_lines:
            name, _, value = line.partition(":")
            headers[name.strip().lower()] = value.strip()
        if status == 100:  # interim; the real response follows
            self._pending = rest
            return self._read(sock, method, started, keep)
        body = bytearray()
        length = 0
        if method == "HEAD" or status in (204, 304):
            self._pending = rest
        elif headers.get("transfer-encoding", "").lower() == "chunked":
            length, rest = self._read_chunked(sock, rest, body if keep else None)
            self._pending = rest
        elif "content-length" in headers:
            want = int(headers["content-length"])
            take = rest[:want]
            length = len(take)
            if keep:
                body += take
            self._pending = rest[want:]
            while length < want:
                n = sock.recv_into(self._view[: min(CHUNK, want - length)])
                if n == 0:
                    raise _Closed("connection closed mid-body")
                if keep:
                    body += self._view[:n]
                length += n
        else:  # body until close
            if keep:
                body += rest
            length = len(rest)
            while True:
                n = sock.recv_into(self._buf)
                if n == 0:
                    break
                if keep:
                    body += self._view[:n]
                length += n
            self.close()
        total = time.perf_counter() - started
        if headers.get("connection", "").lower() == "close":
            self.close()
        return Response(
            status=status,
            headers=headers,
            body=bytes(body),
            length=length,
            ttfb_s=ttfb,
            total_s=total,
            reason=parts[2] if len(parts) > 2 else "",
        )

    def _read_chunked(
        self, sock: socket.socket, data: bytes, body: bytearray | None
    ) -> tuple[int, bytes]:
        total = 0
        while True:
            while b"\r\n" not in data:
                data += self._recv(sock)
            size_line, _, data = data.partition(b"\r\n")
            size = int(size_line.split(b";", 1)[0].strip() or b"0", 16)
            if size == 0:
                # trailers end with an empty line
                while True:
                    while b"\r\n" not in data:
                        data += self._recv(sock)
                    line, _, data = data.partition(b"\r\n")
                    if not line:
                        return total, data
            while len(data) < size + 2:
                data += self._recv(sock)
            if body is not None:
                body += data[:size]
            total += size
            data = data[size + 2 :]


class _Closed(ConnectionError):
    """The server closed the connection (maybe an idle keep-alive one)."""
