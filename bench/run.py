"""``python -m bench.run`` (``make bench``): build the tree, measure, write the report.

Options shrink or grow the run (the defaults take a few minutes on 2 cores);
``--no-docs`` leaves docs/benchmarks.md alone (a trial run).
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import time
from pathlib import Path

import msgspec

from bench import fixture, report, scenarios, sharing
from bench.machine import describe
from bench.results import Config, Results
from bench.spawn import REPO, describe_pinning
from bench.sse import report as sse_report
from bench.sse import run as sse_run
from bench.webdav import report as webdav_report
from bench.webdav import run as webdav_run

DOCS = REPO / "docs" / "benchmarks.md"
RESULTS = REPO / "bench" / "results"


def _arguments(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.run", description=__doc__)
    parser.add_argument("--entries", type=int, default=10_000, help="files in the listed folder")
    parser.add_argument("--list-rounds", type=int, default=5)
    parser.add_argument("--list-repeats", type=int, default=2, help="timed listings per worker")
    parser.add_argument(
        "--strace-listings", type=int, default=3, help="extra listings in the second strace run"
    )
    parser.add_argument("--uploads", type=int, default=1_000, help="files per upload run")
    parser.add_argument("--upload-rounds", type=int, default=5)
    parser.add_argument(
        "--tmp",
        default=tempfile.gettempdir(),
        help="where the tree is made (the filesystem under test)",
    )
    parser.add_argument("--keep", action="store_true", help="keep the tree afterwards")
    parser.add_argument("--no-docs", action="store_true", help="do not write docs/benchmarks.md")
    parser.add_argument(
        "--only",
        choices=["driver", "webdav", "sharing", "sse"],
        help="run only the driver benchmark, the WebDAV one (side by side with peers), "
        "the sharing one or the live-updates one",
    )
    return parser.parse_args(argv)


def main(argv: list[str]) -> int:
    args = _arguments(argv)
    old = DOCS.read_text() if DOCS.exists() else ""
    text = old
    if args.only in (None, "driver"):
        code = _driver(args)
        if isinstance(code, int):
            return code
        # keep the sections of the page the driver report replaces
        text = webdav_report.splice(code, webdav_report.extract(old))
        text = sharing.splice(text, sharing.extract(old)) if sharing.extract(old) else text
        kept = sse_report.extract(old)
        text = sse_report.splice(text, kept) if kept else text
    if args.only in (None, "webdav"):
        _results, section = webdav_run.run(tmp=args.tmp, repo=REPO, results_dir=RESULTS)
        text = webdav_report.splice(text, section)
    if args.only in (None, "sharing"):
        text = sharing.splice(text, sharing.run())
    if args.only in (None, "sse"):
        _sse, section = sse_run.run(tmp=args.tmp, repo=REPO, results_dir=RESULTS)
        text = sse_report.splice(text, section)
    if args.no_docs:
        print(text)
    else:
        DOCS.parent.mkdir(parents=True, exist_ok=True)
        DOCS.write_text(text)
        scenarios.log(f"report: {DOCS.relative_to(REPO)}")
    return 0


def _driver(args: argparse.Namespace) -> str | int:
    """The driver benchmark; its report text, or an exit code."""
    if shutil.which("strace") is None:
        print("bench: strace is required (apt-get install strace)", file=sys.stderr)
        return 2
    started = time.perf_counter()
    work = tempfile.mkdtemp(prefix="opencloud-bench-", dir=args.tmp)
    try:
        scratch = str(Path(work) / "strace")
        Path(scratch).mkdir()
        machine = describe(work, str(REPO))
        config = Config(
            entries=args.entries,
            list_rounds=args.list_rounds,
            list_repeats=args.list_repeats,
            strace_listings=args.strace_listings,
            uploads=args.uploads,
            upload_rounds=args.upload_rounds,
            strace_uploads=(args.uploads // 5, args.uploads // 5 + args.uploads),
            pinning=describe_pinning(),
        )
        scenarios.log(f"building {args.entries:,} files under {work}")
        fx = fixture.build(str(Path(work) / "root"), args.entries)
        scenarios.log(f"built in {fx.build_s:.1f} s")
        listing = scenarios.time_listings(fx, rounds=args.list_rounds, repeats=args.list_repeats)
        listing_syscalls = scenarios.count_listing_syscalls(
            fx, extra=args.strace_listings, scratch=scratch
        )
        uploads = scenarios.time_uploads(fx, count=args.uploads, rounds=args.upload_rounds)
        small, large = config.strace_uploads
        upload_syscalls = scenarios.count_upload_syscalls(
            fx, small=small, large=large, fsync=True, scratch=scratch
        )
    finally:
        if args.keep:
            scenarios.log(f"tree kept in {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)
    results = Results(
        machine=machine,
        config=config,
        fixture=fx,
        listing=listing,
        listing_syscalls=listing_syscalls,
        uploads=uploads,
        upload_syscalls=upload_syscalls,
        runtime_s=time.perf_counter() - started,
    )
    RESULTS.mkdir(parents=True, exist_ok=True)
    stamp = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime())
    raw = RESULTS / f"bench-{stamp}.json"
    raw.write_bytes(msgspec.json.format(msgspec.json.encode(results)) + b"\n")
    scenarios.log(f"raw results: {raw.relative_to(REPO)}")
    return report.render(results)


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
