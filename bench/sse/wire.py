"""Reading an event stream off a raw socket: the HTTP/1.1 response head, the
chunked transfer encoding, and the SSE messages inside it.

Incremental and allocation-light, because one load-generator process reads a
thousand streams on one CPU: ``feed`` takes whatever the socket delivered
(a message may be split anywhere, even inside a chunk-size line) and returns
the messages completed by it.
"""

from __future__ import annotations

from typing import NamedTuple


class Message(NamedTuple):
    """One SSE message: its ``event:`` name ("message" when absent) and ``data:``."""

    event: str
    data: bytes


class StreamReader:
    """One response: ``status`` once the head is in, then its messages.

    ``comments`` counts comment-only blocks (keep-alives); ``ended`` is set by
    the last chunk of a chunked body. A body that is not chunked is read as is
    (until the connection closes).
    """

    def __init__(self) -> None:
        self.status = 0
        self.comments = 0
        self.ended = False
        self._head = b""
        self._chunked = False
        self._raw = b""  # transfer-encoded bytes not decoded yet
        self._left = 0  # bytes of the current chunk still to come
        self._crlf = 0  # bytes of the CRLF after a chunk still to skip
        self._body = b""  # decoded bytes not yet split into messages

    def feed(self, data: bytes) -> list[Message]:
        if not self.status:
            self._head += data
            head, sep, rest = self._head.partition(b"\r\n\r\n")
            if not sep:
                return []
            self._head = b""
            self._parse_head(head)
            data = rest
        if self._chunked:
            self._body += self._dechunk(data)
        else:
            self._body += data
        return self._messages()

    def _parse_head(self, head: bytes) -> None:
        status_line, *lines = head.split(b"\r\n")
        parts = status_line.split(b" ", 2)
        self.status = int(parts[1]) if len(parts) > 1 and parts[1].isdigit() else -1
        for line in lines:
            name, _, value = line.partition(b":")
            if name.strip().lower() == b"transfer-encoding" and b"chunked" in value.lower():
                self._chunked = True

    def _dechunk(self, data: bytes) -> bytes:
        raw = self._raw + data
        out: list[bytes] = []
        at = 0
        while at < len(raw) and not self.ended:
            if self._crlf:
                skip = min(self._crlf, len(raw) - at)
                self._crlf -= skip
                at += skip
            elif self._left:
                take = raw[at : at + self._left]
                out.append(take)
                self._left -= len(take)
                at += len(take)
                if not self._left:
                    self._crlf = 2
            else:
                end = raw.find(b"\r\n", at)
                if end < 0:
                    break  # the size line is not complete yet
                size = int(raw[at:end].split(b";", 1)[0].strip() or b"0", 16)
                at = end + 2
                if size == 0:
                    self.ended = True
                self._left = size
        self._raw = raw[at:]
        return b"".join(out)

    def _messages(self) -> list[Message]:
        if b"\n\n" not in self._body:
            return []
        *blocks, self._body = self._body.split(b"\n\n")
        found: list[Message] = []
        for block in blocks:
            event, fields = "message", 0
            data: list[bytes] = []
            for line in block.split(b"\n"):
                if line.startswith(b"event:"):
                    event = line[6:].strip().decode()
                    fields += 1
                elif line.startswith(b"data:"):
                    data.append(line[5:].removeprefix(b" "))
                    fields += 1
            if fields:
                found.append(Message(event, b"\n".join(data)))
            elif block:
                self.comments += 1
        return found
