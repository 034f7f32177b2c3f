"""The OCS envelope, in JSON and XML, for answers and errors alike.

OCS (``/ocs/v1.php``, ``/ocs/v2.php``) wraps every answer in
``{"ocs": {"meta": {...}, "data": ...}}``. The client picks JSON with
``?format=json``; XML is the default (``<ocs><meta>…</meta><data>…</data></ocs>``).
In XML, booleans are ``1``/``0``, list items are ``<element>`` children and
``null`` is an empty element, as reva writes them. The success status code is
100 on v1 and 200 on v2.

Errors come here through ``formats.render_error``, so a failure anywhere under
``/ocs`` has the same envelope as an answer.
"""

from __future__ import annotations

import re
from typing import Literal
from urllib.parse import parse_qs
from xml.sax.saxutils import escape

import msgspec

OcsVersion = Literal[1, 2]

OCS_JSON = "application/json; charset=utf-8"
OCS_XML = "text/xml; charset=utf-8"

_OCS = re.compile(r"^/ocs/v([12])\.php(?:/|$)")

#: What an XML element name may be (a conservative subset of XML's Name rule).
_XML_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9._-]*$")


def ocs_version(path: str) -> OcsVersion | None:
    """1 or 2 for a path under ``/ocs/v1.php`` or ``/ocs/v2.php``, else None."""
    match = _OCS.match(path)
    if match is None:
        return None
    return 1 if match.group(1) == "1" else 2


def wants_json(query: str) -> bool:
    """True when the query string asks for ``format=json``."""
    return parse_qs(query).get("format", [""])[-1].lower() == "json"


class Meta(msgspec.Struct, frozen=True, kw_only=True):
    status: str = "ok"
    statuscode: int
    message: str = "OK"
    totalitems: str = ""
    itemsperpage: str = ""


def success_meta(version: OcsVersion) -> Meta:
    return Meta(statuscode=100 if version == 1 else 200)


def failure_meta(statuscode: int, message: str) -> Meta:
    return Meta(status="failure", statuscode=statuscode, message=message)


def encode(meta: Meta, data: object, *, as_json: bool) -> tuple[bytes, str]:
    """``(body, media type)`` of an envelope; ``data`` is a Struct or builtins."""
    if as_json:
        return msgspec.json.encode({"ocs": {"meta": meta, "data": data}}), OCS_JSON
    parts = ['<?xml version="1.0" encoding="UTF-8"?>\n<ocs>']
    _xml(parts, "meta", msgspec.to_builtins(meta))
    _xml(parts, "data", msgspec.to_builtins(data))
    parts.append("</ocs>")
    return "".join(parts).encode(), OCS_XML


def _xml(parts: list[str], name: str, value: object) -> None:
    """Append ``<name>value</name>``; dicts become child elements, lists
    ``<element>`` children. A key that is no XML name is skipped (reva cannot
    write maps in XML at all)."""
    if not _XML_NAME.match(name):
        return
    if value is None or value in ({}, []):
        parts.append(f"<{name}/>")
        return
    parts.append(f"<{name}>")
    if isinstance(value, dict):
        for key, item in value.items():
            _xml(parts, str(key), item)
    elif isinstance(value, list | tuple):
        for item in value:
            _xml(parts, "element", item)
    elif isinstance(value, bool):
        parts.append("1" if value else "0")
    else:
        parts.append(escape(str(value)))
    parts.append(f"</{name}>")
