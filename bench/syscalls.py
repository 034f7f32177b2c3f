"""Counting syscalls with ``strace -f -c`` and turning two counts into a rate.

Run the same work at two sizes (say 1 and 4 listings); the difference of the two
summaries divided by the extra units is the cost per unit, free of start-up
(interpreter, imports, opening the driver) and of anything done once.
"""

from __future__ import annotations

import msgspec

_SEPARATOR = "------"


class Calls(msgspec.Struct, frozen=True):
    calls: int
    errors: int


def parse_summary(text: str) -> dict[str, Calls]:
    """Per-syscall calls and errors from the table ``strace -c`` writes.

    Rows are ``% time, seconds, usecs/call, calls, [errors], syscall``; the errors
    column is empty when there were none. The ``total`` row is left out.
    """
    counts: dict[str, Calls] = {}
    for line in text.splitlines():
        fields = line.split()
        if len(fields) not in (5, 6) or line.startswith(_SEPARATOR) or fields[0] == "%":
            continue
        name = fields[-1]
        if name == "total":
            continue
        try:
            calls = int(fields[3])
            errors = int(fields[4]) if len(fields) == 6 else 0
        except ValueError:
            continue
        counts[name] = Calls(calls, errors)
    return counts


class Rate(msgspec.Struct, frozen=True, kw_only=True):
    """Syscalls per unit (entry listed, file committed), by syscall, highest first;
    ``failed`` has the calls that returned an error (ENOENT, ERANGE…), by syscall."""

    total: float
    errors: float
    by_syscall: dict[str, float]
    failed: dict[str, float]


def rate(small: dict[str, Calls], large: dict[str, Calls], units: int) -> Rate:
    """(large - small) / units, per syscall; syscalls whose difference rounds to
    zero are left out."""
    calls: dict[str, float] = {}
    failed: dict[str, float] = {}
    for name in small.keys() | large.keys():
        low = small.get(name, Calls(0, 0))
        high = large.get(name, Calls(0, 0))
        per = (high.calls - low.calls) / units
        if abs(per) >= 0.0005:
            calls[name] = per
        errors = (high.errors - low.errors) / units
        if abs(errors) >= 0.0005:
            failed[name] = errors
    ordered = dict(sorted(calls.items(), key=lambda item: (-item[1], item[0])))
    return Rate(
        total=sum(ordered.values()), errors=sum(failed.values()), by_syscall=ordered, failed=failed
    )
