"""PROPFIND: parse the request, then stream the multistatus.

The reply is produced while the listing is read, in chunks of about 64 KiB,
so the first byte of a 10,000-entry folder leaves as soon as the first
entries are rendered and memory stays flat. The first entry is the resource
itself (clients rely on it), then its children for ``Depth: 1``.
"""

from __future__ import annotations

import functools
from collections.abc import Iterator
from typing import Literal
from xml.etree.ElementTree import Element

import msgspec

from opencloud.api.webdav.props import ALLPROP, LIVE, NAMESPACE_DECLS, NEEDS, EntryContext
from opencloud.api.webdav.target import DavTarget
from opencloud.api.webdav.xmlbody import DAV_NS, attr, parse_xml, split_clark
from opencloud.core.errors import InvalidInput
from opencloud.storage.types import NodeInfo

Mode = Literal["allprop", "propname", "prop"]

_CHUNK = 64 * 1024

#: The opening of every multistatus reply.
MULTISTATUS_OPEN = f'<?xml version="1.0" encoding="UTF-8"?>\n<d:multistatus {NAMESPACE_DECLS}>'
#: The ends of a 200 and a 404 propstat.
OK = "<d:status>HTTP/1.1 200 OK</d:status></d:propstat>"
MISSING = "<d:status>HTTP/1.1 404 Not Found</d:status></d:propstat>"


class PropfindRequest(msgspec.Struct, frozen=True):
    mode: Mode
    names: tuple[str, ...] = ()  # Clark names: those asked for, or allprop's ``include``


#: Bodies up to this size are remembered parsed: clients send the same few
#: property lists over and over (a sync client polls with one), and parsing
#: costs more than the rest of a Depth 0 reply's rendering.
_REMEMBERED_BODY = 4096


def parse_propfind(body: bytes) -> PropfindRequest:
    """An empty body means allprop (RFC 4918 §9.1)."""
    if len(body) <= _REMEMBERED_BODY:
        return _parse_remembered(body)
    return _parse(body)


@functools.lru_cache(maxsize=64)
def _parse_remembered(body: bytes) -> PropfindRequest:
    return _parse(body)  # the result is frozen; errors are raised, never cached


def _parse(body: bytes) -> PropfindRequest:
    if not body.strip():
        return PropfindRequest("allprop")
    root = parse_xml(body)
    if root.tag != f"{{{DAV_NS}}}propfind":
        raise InvalidInput("the PROPFIND body must be a DAV:propfind element")
    children = list(root)
    kinds = [c.tag for c in children]
    if f"{{{DAV_NS}}}propname" in kinds:
        return PropfindRequest("propname")
    if f"{{{DAV_NS}}}allprop" in kinds:
        include = next((c for c in children if c.tag == f"{{{DAV_NS}}}include"), None)
        return PropfindRequest("allprop", _names(include) if include is not None else ())
    prop = next((c for c in children if c.tag == f"{{{DAV_NS}}}prop"), None)
    if prop is None:
        raise InvalidInput("the PROPFIND body names neither prop, allprop nor propname")
    return PropfindRequest("prop", _names(prop))


def _names(parent: Element) -> tuple[str, ...]:
    names = []
    for child in parent:
        ns, local = split_clark(str(child.tag))
        if not local:
            raise InvalidInput("a property needs a name")
        names.append(child.tag if ns else local)
    return tuple(dict.fromkeys(names))


def wanted(request: PropfindRequest) -> tuple[str, ...]:
    if request.mode == "prop":
        return request.names
    if request.mode == "allprop":
        return ALLPROP + tuple(n for n in request.names if n not in ALLPROP)
    return tuple(LIVE)


def needs(names: tuple[str, ...]) -> set[str]:
    """Which fetches (``quota``, ``meta``) rendering ``names`` takes."""
    found = {NEEDS[n] for n in names if n in NEEDS}
    if any(n not in LIVE for n in names):
        found.add("meta")
    return found


def render_dead(name: str, meta: dict[str, bytes] | None) -> str | None:
    """A stored dead property's XML, as PROPPATCH stored it (self-contained,
    namespace declarations included)."""
    if meta is None:
        return None
    value = meta.get(dead_key(name))
    return value.decode("utf-8") if value is not None else None


def dead_key(name: str) -> str:
    """The metadata key of a dead property: ``prop:{ns}local``."""
    return "prop:" + (name if name.startswith("{") else "{}" + name)


def empty_element(name: str) -> str:
    ns, local = split_clark(name)
    if ns == DAV_NS:
        return f"<d:{local}/>"
    if ns == "http://owncloud.org/ns":
        return f"<oc:{local}/>"
    if ns:
        return f"<x:{local} xmlns:x={attr(ns)}/>"
    return f'<{local} xmlns=""/>'


def multistatus(
    target: DavTarget,
    entries: Iterator[tuple[NodeInfo, dict[str, bytes] | None]],
    request: PropfindRequest,
    ctx: EntryContext,
    *,
    minimal: bool = False,
) -> Iterator[bytes]:
    """The reply body, in chunks of about 64 KiB."""
    names = wanted(request)
    render = _Renderer(target, names, request.mode, ctx, minimal)
    buffer: list[str] = [MULTISTATUS_OPEN]
    size = 0
    for node, meta in entries:
        part = render(node, meta)
        buffer.append(part)
        size += len(part)
        if size >= _CHUNK:
            yield "".join(buffer).encode("utf-8", "surrogateescape")
            buffer.clear()
            size = 0
    buffer.append("</d:multistatus>")
    yield "".join(buffer).encode("utf-8", "surrogateescape")


def render_response(
    target: DavTarget,
    node: NodeInfo,
    meta: dict[str, bytes] | None,
    request: PropfindRequest,
    ctx: EntryContext,
    *,
    minimal: bool = False,
) -> str:
    """One ``<d:response>`` with its own target and context, for replies whose
    entries live in different places (the Shares space lists its mounts)."""
    return _Renderer(target, wanted(request), request.mode, ctx, minimal)(node, meta)


class _Renderer:
    """One ``<d:response>`` per call; what can be decided per request is
    decided once, here, not per entry."""

    def __init__(
        self,
        target: DavTarget,
        names: tuple[str, ...],
        mode: Mode,
        ctx: EntryContext,
        minimal: bool,
    ) -> None:
        self.target = target
        self.mode = mode
        self.ctx = ctx
        self.report_missing = not (minimal or mode == "allprop")
        self.props = [(name, LIVE.get(name), empty_element(name)) for name in names]

    def __call__(self, node: NodeInfo, meta: dict[str, bytes] | None) -> str:
        ctx = self.ctx
        if meta is not None:
            ctx.meta = meta
        found: list[str] = []
        missing: list[str] = []
        propname = self.mode == "propname"
        for name, live, empty in self.props:
            if live is not None:
                value = live(node, ctx)
                if propname and value is not None:
                    value = empty
            else:
                value = None if propname else render_dead(name, meta)
            if value is None:
                missing.append(empty)
            else:
                found.append(value)
        if propname and meta:
            found += [empty_element(k[len("prop:") :]) for k in meta if k.startswith("prop:")]
        href = self.target.href(node.path, collection=node.kind == "dir")
        parts = f"<d:response><d:href>{href}</d:href>"
        if found:
            parts += f"<d:propstat><d:prop>{''.join(found)}</d:prop>{OK}"
        if missing and self.report_missing:
            parts += f"<d:propstat><d:prop>{''.join(missing)}</d:prop>{MISSING}"
        return parts + "</d:response>"
