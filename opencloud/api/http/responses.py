"""Response helpers shared by the adapters: msgspec-encoded JSON.

msgspec encodes Structs directly (no dict detour) and keeps field order, which
matters for bodies clients compare byte for byte, like ``status.php``.
"""

from __future__ import annotations

from collections.abc import Mapping

import msgspec
from starlette.responses import Response

JSON = "application/json; charset=utf-8"


def json_response(
    value: object, *, status_code: int = 200, headers: Mapping[str, str] | None = None
) -> Response:
    """``value`` (a Struct or builtins) as a JSON response."""
    return Response(
        msgspec.json.encode(value), status_code=status_code, headers=headers, media_type=JSON
    )
