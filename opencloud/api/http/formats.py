"""Error bodies in each protocol's own form.

Clients parse error bodies: the ownCloud/OpenCloud desktop and rclone read the
Sabre ``<s:message>`` of a WebDAV error, OCS clients the ``meta`` of the OCS
envelope, the web client LibreGraph's ``error.code``. Which form a request gets
is decided by its path, so even a request refused before routing (no
credentials, throttled) is answered in the form its client understands. OCS
errors are JSON unless the caller also passes the query string: then they
follow OCS's own rule (XML unless ``format=json``).
"""

from __future__ import annotations

import re
from typing import Literal
from xml.sax.saxutils import escape

import msgspec

from opencloud.api.http import ocs_envelope

#: ``ocs-v1``/``ocs-v2`` are the JSON envelope, ``…-xml`` the XML one.
ErrorFormat = Literal["json", "dav", "ocs-v1", "ocs-v2", "ocs-v1-xml", "ocs-v2-xml"]

_DAV = re.compile(r"^(?:/remote\.php)?/(?:web)?dav(?:/|$)")

XML = "application/xml; charset=utf-8"
JSON = "application/json; charset=utf-8"


def error_format(path: str, query: str | None = None) -> ErrorFormat:
    """The error form for a request to ``path``; with its ``query`` string, OCS
    errors are XML unless the client asked for ``format=json``."""
    if _DAV.match(path):
        return "dav"
    version = ocs_envelope.ocs_version(path)
    if version is not None:
        if query is not None and not ocs_envelope.wants_json(query):
            return "ocs-v1-xml" if version == 1 else "ocs-v2-xml"
        return "ocs-v1" if version == 1 else "ocs-v2"
    return "json"


class _Detail(msgspec.Struct, frozen=True):
    code: str
    message: str


class _GraphError(msgspec.Struct, frozen=True):
    error: _Detail


#: OCS status codes for HTTP statuses (reva ``ocs/response``): 997 unauthorised,
#: 998 not found, 996 server error; 400-class codes otherwise pass through.
_OCS_CODES = {401: 997, 403: 997, 404: 998}


def ocs_statuscode(status: int) -> int:
    if status >= 500:
        return 996
    return _OCS_CODES.get(status, status)


def render_error(
    fmt: ErrorFormat, status: int, code: str, message: str, *, exception: str
) -> tuple[bytes, str, int]:
    """``(body, media type, HTTP status)`` of an error. OCS v1 answers HTTP 200
    with the failure in ``meta`` (as ownCloud always did), except 401, which
    clients need to see to ask for credentials."""
    if fmt == "dav":
        body = (
            '<?xml version="1.0" encoding="UTF-8"?>\n'
            '<d:error xmlns:d="DAV:" xmlns:s="http://sabredav.org/ns">'
            f"<s:exception>{escape(exception)}</s:exception>"
            f"<s:message>{escape(message)}</s:message>"
            f"<s:errorcode>{escape(code)}</s:errorcode>"
            "</d:error>"
        )
        return body.encode(), XML, status
    if fmt.startswith("ocs-"):
        meta = ocs_envelope.failure_meta(ocs_statuscode(status), message)
        encoded, media_type = ocs_envelope.encode(meta, {}, as_json=not fmt.endswith("-xml"))
        http_status = status if fmt.startswith("ocs-v2") or status == 401 else 200
        return encoded, media_type, http_status
    return msgspec.json.encode(_GraphError(_Detail(code, message))), JSON, status
