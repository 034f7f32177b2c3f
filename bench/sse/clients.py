"""The load generator: a thousand event streams and the uploads they hear of,
on one asyncio loop on raw sockets (an HTTP client library per stream would
spend the client CPU the measurement needs).

Every PUT carries a unique ``Initiator-ID``; the server echoes it in the
event's ``initiatorid``, so the reader of a stream matches each event to the
moment its PUT was sent (one process, one monotonic clock) without parsing
the rest of it.
"""

from __future__ import annotations

import asyncio
import socket
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

import msgspec

from bench.sse.wire import StreamReader

SSE_PATH = "/ocs/v2.php/apps/notifications/api/v1/notifications/sse"
CHANGE_EVENT = "postprocessing-finished"  # what a new file's PUT announces


class _Initiator(msgspec.Struct):
    initiatorid: str = ""


class _Dropped(msgspec.Struct):
    dropped: int = 0


_initiator = msgspec.json.Decoder(_Initiator)
_dropped = msgspec.json.Decoder(_Dropped)


@dataclass
class Tally:
    """What every stream heard since the last ``reset``, and when each PUT was sent."""

    sent: dict[str, float] = field(default_factory=dict)  # initiator id -> monotonic time
    delays: list[float] = field(default_factory=list)  # one per delivery
    last: dict[str, float] = field(default_factory=dict)  # initiator id -> latest delay
    leaked: int = 0
    unmatched: int = 0
    resyncs: int = 0
    resync_dropped: int = 0
    ended: int = 0
    reads: int = 0  # socket reads that carried at least one change event
    other: Counter[str] = field(default_factory=Counter)

    def reset(self) -> None:
        self.sent.clear()
        self.delays = []
        self.last.clear()
        self.leaked = self.unmatched = self.resyncs = self.resync_dropped = self.ended = 0
        self.reads = 0
        self.other = Counter()


class EventStream(asyncio.Protocol):
    """One open SSE stream. ``watching``: its user may see the changes made."""

    def __init__(self, request: bytes, tally: Tally, *, watching: bool) -> None:
        self._request = request
        self._tally = tally
        self.watching = watching
        self.reader = StreamReader()
        self.opened: asyncio.Future[int] = asyncio.get_running_loop().create_future()
        self.transport: asyncio.Transport | None = None
        self.closing = False

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport
        transport.write(self._request)

    def data_received(self, data: bytes) -> None:
        now = time.monotonic()
        tally = self._tally
        messages = self.reader.feed(data)
        status = self.reader.status
        if (
            not self.opened.done()
            and status
            and (status != 200 or self.reader.comments or messages)
        ):
            self.opened.set_result(status)
        if messages:
            tally.reads += 1
        for message in messages:
            if message.event == CHANGE_EVENT:
                if not self.watching:
                    tally.leaked += 1
                initiator = _initiator.decode(message.data).initiatorid
                sent = tally.sent.get(initiator)
                if sent is None:
                    tally.unmatched += 1
                    continue
                delay = now - sent
                tally.delays.append(delay)
                if delay > tally.last.get(initiator, 0.0):
                    tally.last[initiator] = delay
            elif message.event == "resync":
                tally.resyncs += 1
                tally.resync_dropped += _dropped.decode(message.data).dropped
            else:
                tally.other[message.event] += 1

    def connection_lost(self, exc: Exception | None) -> None:
        if not self.opened.done():
            self.opened.set_result(self.reader.status or -1)
        if not self.closing:
            self._tally.ended += 1

    def close(self) -> None:
        self.closing = True
        if self.transport is not None:
            self.transport.close()


async def open_stream(
    host: str, port: int, authorization: str, tally: Tally, *, watching: bool, timeout: float
) -> EventStream:
    """Connect and wait for the first byte of the body (the server's keep-alive)."""
    request = (
        f"GET {SSE_PATH} HTTP/1.1\r\nHost: {host}:{port}\r\nAuthorization: {authorization}\r\n"
        "Accept: text/event-stream\r\nCache-Control: no-cache\r\n\r\n"
    ).encode()
    loop = asyncio.get_running_loop()
    _, stream = await loop.create_connection(
        lambda: EventStream(request, tally, watching=watching), host, port
    )
    status = await asyncio.wait_for(stream.opened, timeout)
    if status != 200:
        stream.close()
        raise ConnectionError(f"the event stream answered {status}")
    return stream


class Uploader:
    """One keep-alive connection making PUTs, one at a time."""

    def __init__(self, host: str, port: int, authorization: str) -> None:
        self._host = host
        self._port = port
        self._authorization = authorization
        self._reader: asyncio.StreamReader | None = None
        self._writer: asyncio.StreamWriter | None = None

    async def _connect(self) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
        if self._reader is None or self._writer is None:
            self._reader, self._writer = await asyncio.open_connection(self._host, self._port)
            sock = self._writer.get_extra_info("socket")
            if sock is not None:
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        return self._reader, self._writer

    async def put(self, path: str, body: bytes, initiator: str, tally: Tally) -> int:
        """PUT ``body`` to ``path``; the status (0: the connection failed).
        The send time is recorded under ``initiator`` just before the request goes out."""
        head = (
            f"PUT {path} HTTP/1.1\r\nHost: {self._host}:{self._port}\r\n"
            f"Authorization: {self._authorization}\r\nInitiator-ID: {initiator}\r\n"
            f"Content-Length: {len(body)}\r\n\r\n"
        ).encode()
        try:
            reader, writer = await self._connect()
            tally.sent[initiator] = time.monotonic()
            writer.write(head + body)
            return await _read_response(reader)
        except (OSError, asyncio.IncompleteReadError, ValueError):
            self.close()
            return 0

    def close(self) -> None:
        if self._writer is not None:
            self._writer.close()
        self._reader = self._writer = None


async def _read_response(reader: asyncio.StreamReader) -> int:
    """Read one response whole; its status."""
    head = await reader.readuntil(b"\r\n\r\n")
    status_line, *lines = head[:-4].split(b"\r\n")
    status = int(status_line.split(b" ", 2)[1])
    headers = {}
    for line in lines:
        name, _, value = line.partition(b":")
        headers[name.strip().lower()] = value.strip()
    if headers.get(b"transfer-encoding", b"").lower() == b"chunked":
        while True:
            size = int((await reader.readuntil(b"\r\n")).split(b";")[0].strip(), 16)
            await reader.readexactly(size + 2)
            if size == 0:
                break
    elif b"content-length" in headers:
        await reader.readexactly(int(headers[b"content-length"]))
    return status


@dataclass
class PutLog:
    """What a phase's uploads did."""

    ok: int = 0
    failed: int = 0
    durations: list[float] = field(default_factory=list)
    late: list[float] = field(default_factory=list)  # paced: how far behind schedule
    statuses: Counter[int] = field(default_factory=Counter)


async def _one_put(
    uploader: Uploader, path: str, body: bytes, initiator: str, *, tally: Tally, log: PutLog
) -> None:
    started = time.monotonic()
    status = await uploader.put(path, body, initiator, tally)
    log.durations.append(time.monotonic() - started)
    log.statuses[status] += 1
    if 200 <= status < 300:
        log.ok += 1
    else:
        log.failed += 1


async def paced(
    uploaders: list[Uploader],
    *,
    rate: float,
    seconds: float,
    path: Callable[[int], str],
    body: bytes,
    prefix: str,
    tally: Tally,
) -> PutLog:
    """``rate`` PUTs a second for ``seconds``, on a fixed schedule: a PUT that
    finds every connection busy goes out late (counted), never skipped."""
    loop = asyncio.get_running_loop()
    log = PutLog()
    free: asyncio.Queue[Uploader] = asyncio.Queue()
    for uploader in uploaders:
        free.put_nowait(uploader)

    async def one(uploader: Uploader, i: int) -> None:
        try:
            await _one_put(uploader, path(i), body, f"{prefix}{i}", tally=tally, log=log)
        finally:
            free.put_nowait(uploader)

    tasks = []
    start = loop.time()
    for i in range(int(rate * seconds)):
        due = start + i / rate
        if (wait := due - loop.time()) > 0:
            await asyncio.sleep(wait)
        uploader = await free.get()
        log.late.append(max(0.0, loop.time() - due))
        tasks.append(asyncio.create_task(one(uploader, i)))
    await asyncio.gather(*tasks)
    return log


async def flat_out(
    uploaders: list[Uploader],
    *,
    seconds: float,
    path: Callable[[int], str],
    body: bytes,
    prefix: str,
    tally: Tally,
) -> PutLog:
    """PUTs as fast as the server answers, on every connection, for ``seconds``."""
    loop = asyncio.get_running_loop()
    log = PutLog()
    stop_at = loop.time() + seconds
    counter = iter(range(1 << 62))

    async def worker(uploader: Uploader) -> None:
        while loop.time() < stop_at:
            i = next(counter)
            await _one_put(uploader, path(i), body, f"{prefix}{i}", tally=tally, log=log)

    await asyncio.gather(*(worker(u) for u in uploaders))
    return log


class LagProbe:
    """How late a 10 ms tick runs on the load generator's loop: when it is late,
    so is every timestamp the streams take, and the client is the bottleneck."""

    TICK = 0.01

    def __init__(self) -> None:
        self.lags: list[float] = []
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self.lags = []
        self._task = asyncio.create_task(self._run())

    async def _run(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            due = loop.time() + self.TICK
            await asyncio.sleep(self.TICK)
            self.lags.append(max(0.0, loop.time() - due))

    def stop(self) -> list[float]:
        if self._task is not None:
            self._task.cancel()
            self._task = None
        return self.lags
