"""OpenCloud's signed URLs: a request that carries its own credential.

``?OC-Credential=<login>&OC-Date=<RFC 3339>&OC-Expires=<seconds>&OC-Verb=GET
&OC-Algo=PBKDF2/10000-SHA512&OC-Signature=<hex>`` (reference §2.16; what
OpenCloud's proxy checks in ``signed_url_auth.go`` and its web client writes
in ``urlSign.ts``). The signature is PBKDF2-SHA512 of the URL as signed
(``url_to_sign``), salted with the user's signing key
(``GET /ocs/v1.php/cloud/user/signing-key``).

Checked in this order, each failure a clear 4xx in the path's own error form:

- a parameter missing, ``OC-Date`` not RFC 3339, ``OC-Expires`` not a whole
  number of seconds from 1 to 604800 (7 days), ``OC-Date`` more than
  ``MAX_SKEW`` in the future, an ``OC-Algo`` other than
  ``PBKDF2/10000-SHA512``: 400;
- ``OC-Verb`` not the request's method, a method other than GET and HEAD,
  or the signing-key endpoint itself: 403;
- the URL's time is over (``OC-Date`` + ``OC-Expires`` ≤ now), an unknown or
  disabled user, a signature that does not match: 401;
- a user or address that failed too often (signatures and passwords count
  together): 429 with ``Retry-After``.

The URL as signed: the request's other query parameters (sorted by name, Go's
``url.Values.Encode``), then ``OC-Credential``, ``OC-Date``, ``OC-Expires``,
``OC-Verb``, form-encoded, after the scheme, host and path the client used
(the other parameters in the order they came are accepted too: a browser's
``URL`` does not sort them).
Behind a proxy the client may have used another origin than the one the
request arrived with, so the configured public URL's origin is tried too, and
a ``$`` or ``%24`` in the path (the space ids') either way (owncloud/ocis#10180).
Each candidate costs one PBKDF2 run; the comparison takes the same time
whatever the signature.
"""

from __future__ import annotations

import re
import time
from urllib.parse import parse_qsl, urlencode, urlsplit

from opencloud.core.dates import parse_rfc3339
from opencloud.core.errors import InvalidInput, NotFound, PermissionDenied, Unauthenticated
from opencloud.services.auth.service import AuthService
from opencloud.services.auth.types import Principal
from opencloud.services.shares.signing import ALGORITHM, SigningKeys

SIGNATURE = "OC-Signature"
CREDENTIAL = "OC-Credential"
DATE = "OC-Date"
EXPIRES = "OC-Expires"
VERB = "OC-Verb"
ALGO = "OC-Algo"
#: what the URL as signed ends with, in this order
SIGNED = (CREDENTIAL, DATE, EXPIRES, VERB)
REQUIRED = (SIGNATURE, *SIGNED)
MAX_EXPIRES = 604_800  # seconds: 7 days
MAX_SKEW = 300  # seconds an OC-Date may lie ahead of our clock
METHODS = frozenset({"GET", "HEAD"})
#: A signed URL never fetches a signing key: one leaked URL would otherwise
#: let its holder sign any URL for a week.
NOT_SIGNABLE = re.compile(r"^/ocs/v[12]\.php/cloud/user/signing-key/?$")


def is_signed(query_string: bytes) -> bool:
    """Whether the request carries an ``OC-Signature`` (cheap: no parsing)."""
    return b"OC-Signature=" in query_string


def authenticate(
    auth: AuthService,
    keys: SigningKeys,
    *,
    method: str,
    origins: list[str],
    raw_path: str,
    query_string: str,
    address: str = "",
    now: float | None = None,
) -> Principal:
    """The user a signed URL speaks for (see the module docstring for the
    refusals). ``origins``: ``scheme://host`` forms the client may have used.
    A wrong signature counts as a failed login of its user and ``address``
    (each check costs a dozen PBKDF2 runs: guessing must stay slow and cheap
    to refuse), and a throttled caller gets 429 before any of that work."""
    if NOT_SIGNABLE.match(raw_path):
        raise PermissionDenied("a signing key is never handed out to a signed URL")
    params = parse_qsl(query_string, keep_blank_values=True)
    found = dict(params)
    for name in REQUIRED:
        if not found.get(name):
            raise InvalidInput(f"a signed URL needs {name}")
    algo = found.get(ALGO)
    if algo is not None and algo != ALGORITHM:
        raise InvalidInput(f"{ALGO} must be {ALGORITHM}, not {algo[:40]!r}")
    valid_from = parse_rfc3339(found[DATE], DATE)
    lifetime = _expires(found[EXPIRES])
    current = time.time() if now is None else now
    if valid_from > current + MAX_SKEW:
        raise InvalidInput(f"{DATE} lies in the future")
    if found[VERB].upper() != method:
        raise PermissionDenied(f"this URL was signed for {found[VERB][:10]}, not {method}")
    if method not in METHODS:
        raise PermissionDenied("a signed URL is good for GET and HEAD only")
    if valid_from + lifetime <= current:
        raise Unauthenticated("this signed URL has expired")
    credential = found[CREDENTIAL]
    auth.check_attempt(credential, address)
    try:
        user = auth.get_user(credential)
    except NotFound:
        user = None
    urls = candidates(origins, raw_path, params)
    if user is None or not user.enabled or not keys.verify(user.id, urls, found[SIGNATURE]):
        auth.attempt_failed(credential, address)
        raise Unauthenticated("the signature of this URL does not match")
    return auth.principal(user.id)


def url_to_sign(
    origin: str, raw_path: str, params: list[tuple[str, str]], *, keep_order: bool = False
) -> str:
    """The URL as OpenCloud signs it (module docstring); ``keep_order``: the
    other parameters in the order they came, as a browser's ``URL`` keeps
    them, rather than sorted as OpenCloud's proxy sorts them."""
    found = dict(params)
    rest = [(k, v) for k, v in params if k not in (*REQUIRED, ALGO)]
    if not keep_order:
        rest.sort(key=lambda kv: kv[0])
    signed = urlencode([(name, found.get(name, "")) for name in SIGNED])
    query = f"{urlencode(rest)}&{signed}" if rest else signed
    return f"{origin}{raw_path}?{query}"


def candidates(origins: list[str], raw_path: str, params: list[tuple[str, str]]) -> list[str]:
    paths = [raw_path, raw_path.replace("$", "%24", 1), raw_path.replace("%24", "$", 1)]
    seen: list[str] = []
    for origin in origins:
        for path in paths:
            for keep_order in (False, True):
                url = url_to_sign(origin, path, params, keep_order=keep_order)
                if url not in seen:
                    seen.append(url)
    return seen


def origin_of(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}" if parts.scheme and parts.netloc else ""


def _expires(value: str) -> int:
    text = value.strip()
    if not (text.isascii() and text.isdigit() and len(text) <= 7) or not (
        1 <= int(text) <= MAX_EXPIRES
    ):
        raise InvalidInput(f"{EXPIRES} must be a number of seconds from 1 to {MAX_EXPIRES}")
    return int(text)
