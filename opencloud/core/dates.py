"""Date-times on the wire: RFC 3339 with an explicit offset.

Signed URLs (``OC-Date``) and link signatures (``expiration``) carry a moment
that must mean the same on every machine, so a time without an offset is
refused rather than guessed.
"""

from __future__ import annotations

from datetime import datetime

from opencloud.core.errors import InvalidInput

#: Longer than any RFC 3339 date-time; a longer value is refused unparsed.
MAX_LENGTH = 40


def parse_rfc3339(value: str, what: str) -> float:
    """Seconds since the epoch of an RFC 3339 date-time with its offset
    (``2025-01-31T12:00:00Z``); InvalidInput naming ``what`` otherwise."""
    text = value.strip()
    try:
        moment = datetime.fromisoformat(text) if "T" in text and len(text) <= MAX_LENGTH else None
    except ValueError:
        moment = None
    if moment is None or moment.tzinfo is None:
        raise InvalidInput(f"{what} is not an RFC 3339 date-time with an offset: {value[:40]!r}")
    return moment.timestamp()
