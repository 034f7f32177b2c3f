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
import re
import time
from collections.abc import Callable, Mapping
from functools import lru_cache
from typing import Any

import msgspec

from opencloud.api.webdav.xmlbody import DAV_NS, OC_NS, OCS_NS, text
from opencloud.services.spaces.rights import FULL, Rights
from opencloud.storage.types import NodeInfo, Quota

#: Prefixes declared on every multistatus (what OpenCloud declares, plus ocs).
PREFIXES = {DAV_NS: "d", OC_NS: "oc", "http://sabredav.org/ns": "s", OCS_NS: "ocs"}
NAMESPACE_DECLS = " ".join(f'xmlns:{p}="{ns}"' for ns, p in PREFIXES.items())


class LinkRoot(msgspec.Struct, frozen=True, kw_only=True):
    """The public link whose root a public-files PROPFIND lists: what its
    ``oc:public-link-*`` properties and ``oc:signature-auth`` say (only on
    the node at ``path``; everywhere else they are 404 propstats, as in reva)."""

    path: str  # the root's path in its space (a file link: the file's folder)
    item_type: str  # "file" or "folder": what the link points at
    permission: int  # OCS bits of what the link allows
    expires_ns: int  # 0: never
    created_ns: int
    owner: str  # the login name of who made the link ("" if unknown)
    signature: str = ""  # for a password-protected link
    signature_expiration: str = ""  # RFC 3339


class EntryContext(msgspec.Struct, kw_only=True):
    """What the renderers need beyond the node, computed once per request."""

    resource_id: Callable[[NodeInfo], str]
    parent_id: Callable[[NodeInfo], str]
    space_id: str
    owner_id: str
    owner_name: str
    base_url: str
    quota: Quota | None = None
    rights: Rights = FULL  # the caller's, in the space listed
    #: reached through a share: the shared node's path (``S`` in the letters,
    #: ``M`` on the node itself) and, in the Shares space, the share's id
    share_root: str | None = None
    share_id: str = ""
    #: OCS share types of a node (``oc:share-types``); set when asked for by name
    share_types: Callable[[NodeInfo], set[int]] | None = None
    meta: Mapping[str, bytes] = {}
    #: the locks on a node (direct, or from a folder above with depth infinity)
    #: and the client's href of a lock root; set when lockdiscovery is asked for
    locks: Callable[[NodeInfo], list[dict[str, Any]]] | None = None
    lock_href: Callable[[str], str] | None = None
    #: the public link a public-files request goes through
    link_root: LinkRoot | None = None
    _memo_node: NodeInfo | None = None
    _memo_id: str = ""

    def rid(self, node: NodeInfo) -> str:
        """``resource_id(node)``, computed once per entry (id and fileid both use it)."""
        if self._memo_node is not node:
            self._memo_node = node
            self._memo_id = text(self.resource_id(node))
        return self._memo_id


Renderer = Callable[[NodeInfo, EntryContext], str | None]


def tag(name: str) -> str:
    """``d:getetag`` for ``{DAV:}getetag`` (known namespaces only)."""
    ns, _, local = name[1:].partition("}")
    return f"{PREFIXES[ns]}:{local}"


def _wrap(name: str) -> Callable[[str], str]:
    """A function wrapping a value in ``name``'s element, tags built once."""
    t = tag(name)
    opening, closing, empty = f"<{t}>", f"</{t}>", f"<{t}/>"
    return lambda value: f"{opening}{value}{closing}" if value else empty


def element(name: str, value: str) -> str:
    return _wrap(name)(value)


_EXTENSION = re.compile(r"\.([^./]{1,16})$")


@lru_cache(maxsize=1024)
def _type_of_extension(extension: str) -> str:
    guessed, _ = mimetypes.guess_type("x." + extension, strict=False)
    return guessed or "application/octet-stream"


def content_type(name: str) -> str:
    match = _EXTENSION.search(name)
    return _type_of_extension(match.group(1).lower()) if match else "application/octet-stream"


_DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def http_date(mtime_ns: int) -> str:
    """RFC 1123 date (``Mon, 02 Jan 2006 15:04:05 GMT``); ``formatdate`` is
    several times slower and this runs once per listed entry."""
    t = time.gmtime(mtime_ns // 1_000_000_000)
    return (
        f"{_DAYS[t.tm_wday]}, {t.tm_mday:02d} {_MONTHS[t.tm_mon - 1]} {t.tm_year} "
        f"{t.tm_hour:02d}:{t.tm_min:02d}:{t.tm_sec:02d} GMT"
    )


def permissions(node: NodeInfo, rights: Rights = FULL, share_root: str | None = None) -> str:
    """The caller's rights on ``node`` as ownCloud letters (a space root can
    be neither deleted nor moved, nor can a shared item by its recipient).
    ``share_root``: the shared node's path when reached through a share."""
    mounted = node.path == share_root
    return rights.letters(
        kind=node.kind,
        is_root=mounted or not node.parent_id,
        shared=share_root is not None,
        mounted=mounted,
    )


def checksum_value(node: NodeInfo) -> str:
    """``SHA1:… MD5:… ADLER32:…`` as ownCloud writes them (upper-case types)."""
    sums = node.checksums
    return " ".join(
        f"{alg.upper()}:{sums[alg]}" for alg in ("sha1", "md5", "adler32") if alg in sums
    )


def _checksums(node: NodeInfo, ctx: EntryContext) -> str | None:
    if node.kind == "dir":
        return None
    value = checksum_value(node)
    return f"<oc:checksums><oc:checksum>{value}</oc:checksum></oc:checksums>" if value else None


def _quota_used(node: NodeInfo, ctx: EntryContext) -> str | None:
    if node.kind != "dir" or ctx.quota is None:
        return None
    return _QUOTA_USED(str(node.size))


def _quota_available(node: NodeInfo, ctx: EntryContext) -> str | None:
    if node.kind != "dir" or ctx.quota is None:
        return None
    return _QUOTA_AVAILABLE(str(ctx.quota.remaining))


def _share_types(node: NodeInfo, ctx: EntryContext) -> str:
    types = sorted(ctx.share_types(node)) if ctx.share_types is not None else []
    inner = "".join(f"<oc:share-type>{t}</oc:share-type>" for t in types)
    return f"<oc:share-types>{inner}</oc:share-types>" if inner else "<oc:share-types/>"


def _at_link_root(node: NodeInfo, ctx: EntryContext) -> LinkRoot | None:
    root = ctx.link_root
    return root if root is not None and node.path == root.path else None


def _link_item_type(node: NodeInfo, ctx: EntryContext) -> str | None:
    root = _at_link_root(node, ctx)
    return _LINK_ITEM_TYPE(root.item_type) if root else None


def _link_permission(node: NodeInfo, ctx: EntryContext) -> str | None:
    root = _at_link_root(node, ctx)
    return _LINK_PERMISSION(str(root.permission)) if root else None


def _link_expiration(node: NodeInfo, ctx: EntryContext) -> str | None:
    root = _at_link_root(node, ctx)
    return _LINK_EXPIRATION(http_date(root.expires_ns)) if root and root.expires_ns else None


def _link_share_datetime(node: NodeInfo, ctx: EntryContext) -> str | None:
    root = _at_link_root(node, ctx)
    return _LINK_SHARE_DATETIME(http_date(root.created_ns)) if root else None


def _link_share_owner(node: NodeInfo, ctx: EntryContext) -> str | None:
    root = _at_link_root(node, ctx)
    return _LINK_SHARE_OWNER(text(root.owner)) if root and root.owner else None


def _signature_auth(node: NodeInfo, ctx: EntryContext) -> str | None:
    """``<oc:signature>…</oc:signature><oc:expiration>RFC 3339</oc:expiration>``:
    what opens a password-protected link for a download without the password."""
    root = _at_link_root(node, ctx)
    if root is None or not root.signature:
        return None
    return (
        f"<oc:signature-auth><oc:signature>{text(root.signature)}</oc:signature>"
        f"<oc:expiration>{text(root.signature_expiration)}</oc:expiration></oc:signature-auth>"
    )


def _favorite(node: NodeInfo, ctx: EntryContext) -> str:
    stored = ctx.meta.get(FAVORITE_KEY, b"0")
    return _FAVORITE("1" if stored == b"1" else "0")


FAVORITE_KEY = "prop:{http://owncloud.org/ns}favorite"

SUPPORTED_LOCKS = (
    "<d:supportedlock>"
    "<d:lockentry><d:lockscope><d:exclusive/></d:lockscope><d:locktype><d:write/></d:locktype>"
    "</d:lockentry>"
    "<d:lockentry><d:lockscope><d:shared/></d:lockscope><d:locktype><d:write/></d:locktype>"
    "</d:lockentry>"
    "</d:supportedlock>"
)


def _lockdiscovery(node: NodeInfo, ctx: EntryContext) -> str:
    """``d:activelock`` for each lock on the node (RFC 4918 §15.8)."""
    if ctx.locks is None:
        return "<d:lockdiscovery/>"
    active = [_activelock(lock, ctx) for lock in ctx.locks(node)]
    return (
        f"<d:lockdiscovery>{''.join(active)}</d:lockdiscovery>" if active else "<d:lockdiscovery/>"
    )


def _activelock(lock: Mapping[str, Any], ctx: EntryContext) -> str:
    timeout = float(lock.get("timeout", -1))
    expire = float(lock.get("expire", -1))
    if timeout < 0 or expire < 0:
        seconds = "Infinite"
    else:
        seconds = f"Second-{max(0, int(expire - time.time()))}"
    owner = lock.get("owner") or b""
    owner_xml = owner.decode("utf-8", "replace") if isinstance(owner, bytes) else str(owner)
    if owner_xml.startswith("<?xml"):
        owner_xml = owner_xml[owner_xml.index("?>") + 2 :].strip()
    root = str(lock.get("root", ""))
    root_href = text(ctx.lock_href(root) if ctx.lock_href else root)
    return (
        "<d:activelock>"
        f"<d:locktype><d:{text(str(lock.get('type', 'write')))}/></d:locktype>"
        f"<d:lockscope><d:{text(str(lock.get('scope', 'exclusive')))}/></d:lockscope>"
        f"<d:depth>{text(str(lock.get('depth', '0')))}</d:depth>"
        f"{owner_xml}"
        f"<d:timeout>{seconds}</d:timeout>"
        f"<d:locktoken><d:href>{text(str(lock.get('token', '')))}</d:href></d:locktoken>"
        f"<d:lockroot><d:href>{root_href}</d:href></d:lockroot>"
        "</d:activelock>"
    )


_QUOTA_USED = _wrap("{DAV:}quota-used-bytes")
_QUOTA_AVAILABLE = _wrap("{DAV:}quota-available-bytes")
_FAVORITE = _wrap("{http://owncloud.org/ns}favorite")
_ETAG = _wrap("{DAV:}getetag")
_MODIFIED = _wrap("{DAV:}getlastmodified")
_DISPLAYNAME = _wrap("{DAV:}displayname")
_LENGTH = _wrap("{DAV:}getcontentlength")
_TYPE = _wrap("{DAV:}getcontenttype")
_ID = _wrap("{http://owncloud.org/ns}id")
_FILEID = _wrap("{http://owncloud.org/ns}fileid")
_SPACEID = _wrap("{http://owncloud.org/ns}spaceid")
_PARENT = _wrap("{http://owncloud.org/ns}file-parent")
_NAME = _wrap("{http://owncloud.org/ns}name")
_SHAREID = _wrap("{http://owncloud.org/ns}shareid")
_PERMISSIONS = _wrap("{http://owncloud.org/ns}permissions")
_SIZE = _wrap("{http://owncloud.org/ns}size")
_OWNER_ID = _wrap("{http://owncloud.org/ns}owner-id")
_OWNER_NAME = _wrap("{http://owncloud.org/ns}owner-display-name")
_PRIVATELINK = _wrap("{http://owncloud.org/ns}privatelink")
_PREVIEW = _wrap("{http://owncloud.org/ns}has-preview")
_SHARE_PERMISSIONS = _wrap("{http://open-collaboration-services.org/ns}share-permissions")
_LINK_ITEM_TYPE = _wrap("{http://owncloud.org/ns}public-link-item-type")
_LINK_PERMISSION = _wrap("{http://owncloud.org/ns}public-link-permission")
_LINK_EXPIRATION = _wrap("{http://owncloud.org/ns}public-link-expiration")
_LINK_SHARE_DATETIME = _wrap("{http://owncloud.org/ns}public-link-share-datetime")
_LINK_SHARE_OWNER = _wrap("{http://owncloud.org/ns}public-link-share-owner")
_COLLECTION = "<d:resourcetype><d:collection/></d:resourcetype>"

LIVE: dict[str, Renderer] = {
    "{DAV:}getetag": lambda n, c: _ETAG(text(n.etag)),
    "{DAV:}getlastmodified": lambda n, c: _MODIFIED(http_date(n.mtime_ns)),
    "{DAV:}resourcetype": lambda n, c: _COLLECTION if n.kind == "dir" else "<d:resourcetype/>",
    "{DAV:}displayname": lambda n, c: _DISPLAYNAME(text(n.name)),
    "{DAV:}getcontentlength": lambda n, c: _LENGTH(str(n.size)) if n.kind == "file" else None,
    "{DAV:}getcontenttype": lambda n, c: (
        _TYPE(text(content_type(n.name))) if n.kind == "file" else None
    ),
    "{DAV:}quota-used-bytes": _quota_used,
    "{DAV:}quota-available-bytes": _quota_available,
    "{http://owncloud.org/ns}id": lambda n, c: _ID(c.rid(n)),
    "{http://owncloud.org/ns}fileid": lambda n, c: _FILEID(c.rid(n)),
    "{http://owncloud.org/ns}spaceid": lambda n, c: _SPACEID(c.space_id),
    "{http://owncloud.org/ns}file-parent": lambda n, c: (
        _PARENT(c.parent_id(n)) if n.parent_id else None
    ),
    "{http://owncloud.org/ns}shareid": lambda n, c: (
        _SHAREID(text(c.share_id)) if c.share_id and n.path == c.share_root else None
    ),
    "{http://owncloud.org/ns}name": lambda n, c: _NAME(text(n.name)),
    "{http://owncloud.org/ns}permissions": lambda n, c: _PERMISSIONS(
        permissions(n, c.rights, c.share_root)
    ),
    "{http://owncloud.org/ns}size": lambda n, c: _SIZE(str(n.size)),
    "{http://owncloud.org/ns}checksums": _checksums,
    "{http://owncloud.org/ns}favorite": _favorite,
    "{DAV:}lockdiscovery": _lockdiscovery,
    "{DAV:}supportedlock": lambda n, c: SUPPORTED_LOCKS,
    "{http://owncloud.org/ns}share-types": _share_types,
    "{http://owncloud.org/ns}owner-id": lambda n, c: _OWNER_ID(text(c.owner_id)),
    "{http://owncloud.org/ns}owner-display-name": lambda n, c: _OWNER_NAME(text(c.owner_name)),
    "{http://owncloud.org/ns}privatelink": lambda n, c: _PRIVATELINK(
        text(f"{c.base_url}/f/{c.rid(n)}")
    ),
    "{http://owncloud.org/ns}has-preview": lambda n, c: _PREVIEW("0") if n.kind == "file" else None,
    "{http://owncloud.org/ns}tags": lambda n, c: "<oc:tags/>",
    # the desktop compares the root's data fingerprint across syncs to notice
    # a server restored from backup; empty means "never restored", as in ownCloud
    "{http://owncloud.org/ns}data-fingerprint": lambda n, c: "<oc:data-fingerprint/>",
    "{http://owncloud.org/ns}dDC": lambda n, c: "<oc:dDC/>",
    "{http://open-collaboration-services.org/ns}share-permissions": lambda n, c: _SHARE_PERMISSIONS(
        "31" if n.kind == "dir" else "19"
    ),
    # the root of a public-files request only
    "{http://owncloud.org/ns}public-link-item-type": _link_item_type,
    "{http://owncloud.org/ns}public-link-permission": _link_permission,
    "{http://owncloud.org/ns}public-link-expiration": _link_expiration,
    "{http://owncloud.org/ns}public-link-share-datetime": _link_share_datetime,
    "{http://owncloud.org/ns}public-link-share-owner": _link_share_owner,
    "{http://owncloud.org/ns}signature-auth": _signature_auth,
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
    "{http://owncloud.org/ns}shareid",  # in the Shares space only
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
#: ``meta`` (the node's metadata) once per entry, ``shares`` an in-memory
#: lookup per entry (not in allprop).
NEEDS: dict[str, str] = {
    "{DAV:}quota-used-bytes": "quota",
    "{DAV:}quota-available-bytes": "quota",
    "{http://owncloud.org/ns}favorite": "meta",
    "{DAV:}lockdiscovery": "locks",
    "{http://owncloud.org/ns}share-types": "shares",
}

#: Properties the server computes; PROPPATCH refuses to set them (403).
PROTECTED = frozenset(LIVE) - {"{http://owncloud.org/ns}favorite"} | {"{DAV:}creationdate"}
