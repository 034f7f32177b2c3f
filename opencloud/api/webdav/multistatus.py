"""A small multistatus renderer for WebDAV resources that are not nodes of a
space: trash items, versions, the ``meta`` view of a file id.

Such resources have a handful of properties, all known when the entry is
built, so an entry is a mapping from Clark name to the property's XML (or
None where it does not apply, e.g. ``getcontentlength`` of a folder). This
renderer picks what the PROPFIND asked for, in the style of ``propfind.py``:
the 200 propstat first, then (unless ``allprop`` or ``Prefer:
return=minimal``) a 404 propstat naming what the resource does not have.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from urllib.parse import quote

from starlette.requests import Request
from starlette.responses import Response

from opencloud.api.webdav.propfind import (
    MISSING,
    MULTISTATUS_OPEN,
    OK,
    PropfindRequest,
    empty_element,
)
from opencloud.api.webdav.props import tag
from opencloud.api.webdav.xmlbody import MAX_XML_BODY, text
from opencloud.core.errors import InvalidInput, TooLarge

XML = "application/xml; charset=utf-8"

#: Characters left unescaped in hrefs (as ``DavTarget.href``): ``$`` is sent
#: as ``%24``, which is how clients write space ids.
HREF_SAFE = "/!:@&=+,;()'*~"

Entry = tuple[str, Mapping[str, str | None]]  # (href, Clark name → XML or None)


def href(path: str, *, collection: bool = False) -> str:
    """The percent-encoded href of a decoded URL path."""
    encoded = quote(path, safe=HREF_SAFE)
    return encoded + "/" if collection and not encoded.endswith("/") else encoded


def prop(name: str, value: str) -> str:
    """``<oc:size>12</oc:size>`` for ``{http://owncloud.org/ns}size``; ``value``
    is escaped here."""
    t = tag(name)
    return f"<{t}>{text(value)}</{t}>" if value else f"<{t}/>"


def render(
    request: PropfindRequest,
    allprop: tuple[str, ...],
    entries: Iterable[Entry],
    *,
    minimal: bool = False,
) -> bytes:
    """The multistatus body. An empty ``<d:prop/>`` counts as ``allprop`` (the
    web client lists versions that way and expects the usual properties)."""
    mode = request.mode
    names: tuple[str, ...]
    if mode == "prop" and request.names:
        names = request.names
    elif mode == "propname":
        names = ()
    else:
        mode = "allprop"
        names = allprop + tuple(n for n in request.names if n not in allprop)
    report_missing = mode == "prop" and not minimal
    parts = [MULTISTATUS_OPEN]
    for where, values in entries:
        found: list[str] = []
        missing: list[str] = []
        if mode == "propname":
            found = [empty_element(n) for n, v in values.items() if v is not None]
        for name in names:
            value = values.get(name)
            if value is not None:
                found.append(value)
            elif report_missing:
                missing.append(empty_element(name))
        parts.append(f"<d:response><d:href>{where}</d:href>")
        if found:
            parts.append(f"<d:propstat><d:prop>{''.join(found)}</d:prop>{OK}")
        if missing:
            parts.append(f"<d:propstat><d:prop>{''.join(missing)}</d:prop>{MISSING}")
        parts.append("</d:response>")
    parts.append("</d:multistatus>")
    return "".join(parts).encode("utf-8", "surrogateescape")


def response(body: bytes, *, minimal: bool = False) -> Response:
    return Response(body, status_code=207, headers=reply_headers(minimal), media_type=XML)


def reply_headers(minimal: bool) -> dict[str, str]:
    """The headers of every 207 reply to a PROPFIND."""
    headers = {"DAV": "1, 3, extended-mkcol"}
    if minimal:
        headers["Preference-Applied"] = "return=minimal"
    return headers


def prefers_minimal(request: Request) -> bool:
    """``Prefer: return=minimal``: no 404 propstat for what is missing."""
    return "return=minimal" in request.headers.get("prefer", "")


def parse_depth(value: str | None, *, infinity: bool = False) -> str:
    """``0`` or ``1`` (the default). ``infinity`` is refused, or with
    ``infinity=True`` read as ``1``, for collections with nothing deeper."""
    depth = (value or "1").strip().lower()
    if depth not in ("0", "1") and not (infinity and depth == "infinity"):
        raise InvalidInput(f"Invalid Depth header value: {depth[:20]!r} (use 0 or 1)")
    return "0" if depth == "0" else "1"


async def small_body(request: Request) -> bytes:
    """A PROPFIND body, refused past ``MAX_XML_BODY``."""
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > MAX_XML_BODY:
        raise TooLarge(f"the request body is over {MAX_XML_BODY} bytes")
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > MAX_XML_BODY:
            raise TooLarge(f"the request body is over {MAX_XML_BODY} bytes")
        chunks.append(chunk)
    return b"".join(chunks)


def overwrite(request: Request) -> bool:
    """The ``Overwrite`` header (``T``, the default, or ``F``)."""
    value = request.headers.get("overwrite", "T").strip().upper()
    if value not in ("T", "F"):
        raise InvalidInput("Overwrite must be T or F")
    return value == "T"
