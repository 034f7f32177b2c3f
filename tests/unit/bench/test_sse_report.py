"""The live-updates benchmark's pure parts: reading a chunked event stream,
percentiles, and the report section (found, replaced, kept)."""

from __future__ import annotations

import pytest

from bench.sse import report
from bench.sse.results import Phase, SseResults, Workload, workload_from_env
from bench.sse.wire import Message, StreamReader

HEAD = (
    b"HTTP/1.1 200 \r\ncontent-type: text/event-stream; charset=utf-8\r\n"
    b"transfer-encoding: chunked\r\n\r\n"
)


def _chunk(data: bytes) -> bytes:
    return f"{len(data):x}\r\n".encode() + data + b"\r\n"


EVENT = b'event: postprocessing-finished\ndata: {"itemid":"a$b!c","initiatorid":"w-1"}\n\n'
WIRE = (
    HEAD
    + _chunk(b": keep-alive\n\n")
    + _chunk(EVENT + b'event: resync\ndata: {"dropped":3}\n\n')
    + _chunk(EVENT)
    + b"0\r\n\r\n"
)
EXPECTED = [
    Message("postprocessing-finished", b'{"itemid":"a$b!c","initiatorid":"w-1"}'),
    Message("resync", b'{"dropped":3}'),
    Message("postprocessing-finished", b'{"itemid":"a$b!c","initiatorid":"w-1"}'),
]


def test_a_stream_read_whole_gives_its_messages_and_keep_alives() -> None:
    reader = StreamReader()
    assert reader.feed(WIRE) == EXPECTED
    assert reader.status == 200
    assert reader.comments == 1
    assert reader.ended


def test_a_stream_split_anywhere_reads_the_same() -> None:
    for size in (1, 2, 3, 7, 64):
        reader = StreamReader()
        found = []
        for at in range(0, len(WIRE), size):
            found += reader.feed(WIRE[at : at + size])
        assert found == EXPECTED, size
        assert reader.comments == 1


def test_a_refusal_is_seen_by_its_status() -> None:
    reader = StreamReader()
    wire = b"HTTP/1.1 429 \r\ncontent-length: 2\r\nretry-after: 30\r\n\r\n{}"
    assert reader.feed(wire) == []
    assert reader.status == 429


def test_a_body_without_chunks_is_read_as_it_comes() -> None:
    reader = StreamReader()
    assert reader.feed(b"HTTP/1.0 200 OK\r\n\r\n" + EVENT) == EXPECTED[:1]


def test_percentiles_are_nearest_rank() -> None:
    ordered = [float(n) for n in range(1, 101)]
    assert report.percentile(ordered, 0.5) == 50
    assert report.percentile(ordered, 0.99) == 99
    assert report.percentile(ordered, 1.0) == 100
    assert report.percentile([7.0], 0.99) == 7
    with pytest.raises(ValueError):
        report.percentile([], 0.5)
    summary = report.summarize([3.0, 1.0, 2.0])
    assert summary is not None
    assert (summary.n, summary.p50, summary.max, summary.mean) == (3, 2.0, 3.0, 2.0)
    assert report.summarize([]) is None


def test_the_workload_comes_from_the_environment() -> None:
    w = workload_from_env({"BENCH_SSE_USERS": "4", "BENCH_SSE_MEMBERS": "2"})
    assert (w.users, w.members, w.streams_per_user, w.streams, w.watching) == (4, 2, 20, 80, 40)
    with pytest.raises(SystemExit):
        workload_from_env({"BENCH_SSE_USERS": "4", "BENCH_SSE_MEMBERS": "5"})


def _phase(name: str, rate: float, *, expected: int = 0, delays: tuple[float, ...] = ()) -> Phase:
    latency = report.summarize(list(delays))
    return Phase(
        name=name,
        streams_open=1000,
        wall_s=10.0,
        puts_ok=int(rate * 10),
        puts_failed=0,
        put_rate=rate,
        put_latency=report.summarize([0.005, 0.010]),
        expected=expected,
        delivered=len(delays),
        delivery=latency,
        fanout=latency,
        resyncs=0,
        resync_dropped=0,
        leaked=0,
        unmatched=0,
        other_events={},
        streams_ended=0,
        reads=len(delays) // 5,
        server_cpu=0.9,
        client_cpu=0.2,
        client_lag_p99=0.002,
    )


def _results() -> SseResults:
    delays = (0.02,) * 90 + (0.3,) * 10
    return SseResults(
        date_utc="2026-11-21 12:00 UTC",
        cpu="Test CPU",
        nproc=2,
        kernel="6.0",
        python="CPython 3.11.7",
        filesystem="ext4",
        commit="abc1234",
        server="opencloud 0.1.0, hypercorn 0.18.0",
        pinning="servers `taskset -c 0`, load generator CPU 1",
        load_before=[1.0, 1.0, 1.0],
        load_after=[2.0, 1.5, 1.0],
        workload=Workload(),
        open_s=1.5,
        open_failed=0,
        rss_before_kib=50 * 1024,
        rss_streams_kib=90 * 1024,
        rss_after_kib=95 * 1024,
        rss_closed_kib=60 * 1024,
        phases=[
            _phase(report.IDLE, 600.0),
            _phase(report.PACED, 100.0, expected=100, delays=delays),
            _phase(report.WITH_IDLE, 630.0),
            _phase(report.WITH_WATCHED, 300.0, expected=100, delays=delays),
            _phase(report.IDLE_AFTER, 600.0),
        ],
        runtime_s=90.0,
    )


def test_the_section_reports_the_numbers_and_round_trips() -> None:
    section = report.render(_results())
    assert section.startswith(report.BEGIN)
    assert section.rstrip().endswith(report.END)
    assert "| deliveries arrived | 100 (100.00 %) |" in section
    assert "20.0 / 20.0 / 300 / 300" in section  # p50 / p90 / p99 / max, ms
    assert "within 1 s (p99 of deliveries): yes" in section
    assert "Per open stream: **41.0 KiB**" in section
    assert "| 1.05x |" in section and "| 0.50x |" in section
    page = "# Benchmarks\n\nintro\n"
    once = report.splice(page, section)
    assert report.extract(once) == section
    assert report.splice(once, section) == once  # replaced in place, not appended again


def test_a_late_delivery_misses_the_target() -> None:
    results = _results()
    slow = _phase(report.PACED, 100.0, expected=100, delays=(1.5,) * 100)
    results.phases[1] = slow
    assert "(p99 of deliveries): **no**" in report.render(results)
