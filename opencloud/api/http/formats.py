"""Error bodies in each protocol's own form.

Clients parse error bodies: the ownCloud/OpenCloud desktop and rclone read the
Sabre ``<s:message>`` of a WebDAV error, OCS clients the ``meta`` of the OCS
envelope, the web client LibreGraph's ``error.code``. Which form a request gets
is decided by its path alone, so even a request refused before routing (no
credentials, throttled) is answered in the form its client understands.
"""

from __future__ import annotations

import re
from typing import Literal
from xml.sax.saxutils import escape

import msgspec

ErrorFormat = Literal["json", "dav", "ocs-v1", "ocs-v2"]

_DAV = re.compile(r"^(?:/remote\.php)?/(?:web)?dav(?:/|$)")
_OCS = re.compile(r"^/ocs/v([12])\.php(?:/|$)")

XML = "application/xml; charset=utf-8"
JSON = "application/json; charset=utf-8"


def error_format(path: str) -> ErrorFormat:
    """The error form for a request to ``path``."""
    if _DAV.match(path):
        return "dav"
    match = _OCS.match(path)
    if match:
        return "ocs-v1" if match.group(1) == "1" else "ocs-v2"
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
    if fmt in ("ocs-v1", "ocs-v2"):
        statuscode = ocs_statuscode(status)
        envelope = {
            "ocs": {
                "meta": {
                    "status": "failure",
                    "statuscode": statuscode,
                    "message": message,
                    "totalitems": "",
                    "itemsperpage": "",
                },
                "data": {},
            }
        }
        http_status = status if fmt == "ocs-v2" or status == 401 else 200
        return msgspec.json.encode(envelope), JSON, http_status
    return msgspec.json.encode(_GraphError(_Detail(code, message))), JSON, status
