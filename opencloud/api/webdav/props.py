"""Live WebDAV properties: how each is rendered from a NodeInfo.

A renderer returns the property's XML (element included) or None when the
property does not apply to that node (``getcontentlength`` of a folder), which
PROPFIND reports in a 404 propstat. Everything here works on what the listing
already returned: no renderer may touch the storage, so a Depth 1 PROPFIND
costs no per-entry round trips. The few properties that need more
(``oc:favorite``, dead properties, quota) are marked in ``NEEDS`` and fetched
once per request or per entry only when asked for by name.
"""

from __future__ import annotations

import mimetypes
from collections.abc import Callable, Mapping
from email.utils import formatdate
from functools import lru_cache

import msgspec

from opencloud.api.webdav.xmlbody import DAV_NS, OC_NS, OCS_NS, text
from opencloud.storage.types import NodeInfo, Quota

#: Prefixes declared on every multistatus (what OpenCloud declares, plus ocs).
PREFIXES = {DAV_NS: "d", OC_NS: "oc", "http://sabredav.org/ns": "s", OCS_NS: "ocs"}
NAMESPACE_DECLS = " ".join(f'xmlns:{p}="{ns}"' for ns, p in PREFIXES.items())


class EntryContext(msgspec.Struct, kw_only=True):
    """What the renderers need beyond the node, computed once per request."""

    resource_id: Callable[[NodeInfo], str]
    parent_id: Callable[[NodeInfo], str]
    space_id: str
    owner_id: str
    owner_name: str
    base_url: str
    quota: Quota | None = None
    meta: Mapping[str, bytes] = {}


Renderer = Callable[[NodeInfo, EntryContext], str | None]


def tag(name: str) -> str:
    """``d:getetag`` for ``{DAV:}getetag``; names outside the known namespaces
    are rendered by the caller with their own declaration."""
    ns, _, local = name[1:].partition("}")
    return f"{PREFIXES[ns]}:{local}"


def element(name: str, value: str) -> str:
    t = tag(name)
    return f"<{t}>{value}</{t}>" if value else f"<{t}/>"


@lru_cache(maxsize=4096)
def content_type(name: str) -> str:
    guessed, _ = mimetypes.guess_type(name, strict=False)
    return guessed or "application/octet-stream"


def http_date(mtime_ns: int) -> str:
    return formatdate(mtime_ns / 1e9, usegmt=True)


def permissions(node: NodeInfo) -> str:
    """The caller's rights as ownCloud letters. The owner of a personal space
    may do everything, except delete or move the space root itself. (Shares
    and space roles will narrow this.)"""
    if not node.parent_id:
        return "CK"
    return "DNVCK" if node.kind == "dir" else "DNVW"


def checksum_value(node: NodeInfo) -> str:
    """``SHA1:… MD5:… ADLER32:…`` as ownCloud writes them (upper-case types)."""
    order = ("sha1", "md5", "adler32")
    return " ".join(
        f"{alg.upper()}:{node.checksums[alg]}" for alg in order if alg in node.checksums
    )


def _checksums(node: NodeInfo, ctx: EntryContext) -> str | None:
    if node.kind == "dir":
        return None
    value = checksum_value(node)
    return f"<oc:checksums><oc:checksum>{value}</oc:checksum></oc:checksums>" if value else None


def _file_only(render: Callable[[NodeInfo], str]) -> Renderer:
    return lambda node, ctx: render(node) if node.kind == "file" else None


def _quota_used(node: NodeInfo, ctx: EntryContext) -> str | None:
    if node.kind != "dir" or ctx.quota is None:
        return None
    return element("{DAV:}quota-used-bytes", str(node.size))


def _quota_available(node: NodeInfo, ctx: EntryContext) -> str | None:
    if node.kind != "dir" or ctx.quota is None:
        return None
    return element("{DAV:}quota-available-bytes", str(ctx.quota.remaining))


def _favorite(node: NodeInfo, ctx: EntryContext) -> str:
    stored = ctx.meta.get(FAVORITE_KEY, b"0")
    return element("{http://owncloud.org/ns}favorite", "1" if stored == b"1" else "0")


FAVORITE_KEY = "prop:{http://owncloud.org/ns}favorite"

LIVE: dict[str, Renderer] = {
    "{DAV:}getetag": lambda n, c: element("{DAV:}getetag", text(n.etag)),
    "{DAV:}getlastmodified": lambda n, c: element("{DAV:}getlastmodified", http_date(n.mtime_ns)),
    "{DAV:}resourcetype": lambda n, c: (
        "<d:resourcetype><d:collection/></d:resourcetype>"
        if n.kind == "dir"
        else "<d:resourcetype/>"
    ),
    "{DAV:}displayname": lambda n, c: element("{DAV:}displayname", text(n.name)),
    "{DAV:}getcontentlength": _file_only(lambda n: element("{DAV:}getcontentlength", str(n.size))),
    "{DAV:}getcontenttype": _file_only(
        lambda n: element("{DAV:}getcontenttype", text(content_type(n.name)))
    ),
    "{DAV:}quota-used-bytes": _quota_used,
    "{DAV:}quota-available-bytes": _quota_available,
    "{http://owncloud.org/ns}id": lambda n, c: element(
        "{http://owncloud.org/ns}id", text(c.resource_id(n))
    ),
    "{http://owncloud.org/ns}fileid": lambda n, c: element(
        "{http://owncloud.org/ns}fileid", text(c.resource_id(n))
    ),
    "{http://owncloud.org/ns}spaceid": lambda n, c: element(
        "{http://owncloud.org/ns}spaceid", text(c.space_id)
    ),
    "{http://owncloud.org/ns}file-parent": lambda n, c: (
        element("{http://owncloud.org/ns}file-parent", text(c.parent_id(n)))
        if n.parent_id
        else None
    ),
    "{http://owncloud.org/ns}name": lambda n, c: element(
        "{http://owncloud.org/ns}name", text(n.name)
    ),
    "{http://owncloud.org/ns}permissions": lambda n, c: element(
        "{http://owncloud.org/ns}permissions", permissions(n)
    ),
    "{http://owncloud.org/ns}size": lambda n, c: element(
        "{http://owncloud.org/ns}size", str(n.size)
    ),
    "{http://owncloud.org/ns}checksums": _checksums,
    "{http://owncloud.org/ns}favorite": _favorite,
    "{http://owncloud.org/ns}share-types": lambda n, c: "<oc:share-types/>",
    "{http://owncloud.org/ns}owner-id": lambda n, c: element(
        "{http://owncloud.org/ns}owner-id", text(c.owner_id)
    ),
    "{http://owncloud.org/ns}owner-display-name": lambda n, c: element(
        "{http://owncloud.org/ns}owner-display-name", text(c.owner_name)
    ),
    "{http://owncloud.org/ns}privatelink": lambda n, c: element(
        "{http://owncloud.org/ns}privatelink", text(f"{c.base_url}/f/{c.resource_id(n)}")
    ),
    "{http://owncloud.org/ns}has-preview": lambda n, c: (
        element("{http://owncloud.org/ns}has-preview", "0") if n.kind == "file" else None
    ),
    "{http://owncloud.org/ns}tags": lambda n, c: "<oc:tags/>",
    "{http://open-collaboration-services.org/ns}share-permissions": lambda n, c: element(
        "{http://open-collaboration-services.org/ns}share-permissions",
        "31" if n.kind == "dir" else "19",
    ),
}

#: What ``allprop`` (or an empty PROPFIND) returns, in OpenCloud's order.
#: ``oc:favorite`` and dead properties are left out: they live in per-node
#: metadata, and reading it for every entry of a listing is the round trip
#: this design avoids. Clients that want them ask by name.
ALLPROP = (
    "{http://owncloud.org/ns}id",
    "{http://owncloud.org/ns}fileid",
    "{http://owncloud.org/ns}spaceid",
    "{http://owncloud.org/ns}file-parent",
    "{http://owncloud.org/ns}name",
    "{DAV:}displayname",
    "{DAV:}getetag",
    "{http://owncloud.org/ns}permissions",
    "{DAV:}resourcetype",
    "{http://owncloud.org/ns}size",
    "{DAV:}getcontentlength",
    "{DAV:}getcontenttype",
    "{DAV:}getlastmodified",
    "{http://owncloud.org/ns}checksums",
    "{http://owncloud.org/ns}has-preview",
)

#: Live properties that need something fetched: ``quota`` once per request,
#: ``meta`` (the node's metadata) once per entry.
NEEDS: dict[str, str] = {
    "{DAV:}quota-used-bytes": "quota",
    "{DAV:}quota-available-bytes": "quota",
    "{http://owncloud.org/ns}favorite": "meta",
}

#: Properties the server computes; PROPPATCH refuses to set them (403).
PROTECTED = frozenset(LIVE) - {"{http://owncloud.org/ns}favorite"} | {
    "{DAV:}lockdiscovery",
    "{DAV:}supportedlock",
    "{DAV:}creationdate",
}
