"""Request bodies as XML, parsed safely, and the few XML helpers replies need.

Parsing refuses any document type declaration: no DTD means no entity
declarations, so neither external entities (XXE) nor entity expansion bombs
can reach us. Bodies are size-capped before parsing by the caller.
"""

from __future__ import annotations

import xml.parsers.expat
from typing import Any
from xml.etree.ElementTree import Element
from xml.sax.saxutils import escape, quoteattr

from opencloud.core.errors import InvalidInput

DAV_NS = "DAV:"
OC_NS = "http://owncloud.org/ns"
SABRE_NS = "http://sabredav.org/ns"
OCS_NS = "http://open-collaboration-services.org/ns"

#: The largest XML request body we parse (PROPFIND/PROPPATCH/LOCK bodies are small).
MAX_XML_BODY = 1 << 20


def parse_xml(body: bytes) -> Element:
    """The document's root element, with names in Clark notation ``{ns}local``.

    Raises InvalidInput for malformed XML, any DOCTYPE, or an unbound or empty
    namespace prefix.
    """
    parser = xml.parsers.expat.ParserCreate(namespace_separator=" ")
    parser.SetParamEntityParsing(xml.parsers.expat.XML_PARAM_ENTITY_PARSING_NEVER)
    stack: list[Element] = []
    root: list[Element] = []
    text: list[str] = []

    def refuse_dtd(*_: object) -> Any:
        raise InvalidInput("XML document type declarations (DTD, entities) are not accepted")

    def clark(name: str) -> str:
        ns, sep, local = name.partition(" ")
        return f"{{{ns}}}{local}" if sep else name

    def start(name: str, attrs: dict[str, str]) -> None:
        flush()
        element = Element(clark(name), {clark(k): v for k, v in attrs.items()})
        if stack:
            stack[-1].append(element)
        else:
            root.append(element)
        stack.append(element)

    def end(_name: str) -> None:
        flush()
        stack.pop()

    def chars(data: str) -> None:
        text.append(data)

    def flush() -> None:
        if not text or not stack:
            text.clear()
            return
        joined = "".join(text)
        text.clear()
        current = stack[-1]
        if len(current):
            last = current[-1]
            last.tail = (last.tail or "") + joined
        else:
            current.text = (current.text or "") + joined

    handler: Any = refuse_dtd
    parser.StartDoctypeDeclHandler = handler
    parser.EntityDeclHandler = handler
    parser.ExternalEntityRefHandler = handler
    parser.StartElementHandler = start
    parser.EndElementHandler = end
    parser.CharacterDataHandler = chars
    try:
        parser.Parse(body, True)
    except xml.parsers.expat.ExpatError as exc:
        raise InvalidInput(
            f"malformed XML: {xml.parsers.expat.errors.messages[exc.code]}"
        ) from None
    if not root:
        raise InvalidInput("malformed XML: no root element")
    return root[0]


def split_clark(name: str) -> tuple[str, str]:
    """``("DAV:", "getetag")`` from ``{DAV:}getetag``; no namespace gives ``""``."""
    if name.startswith("{"):
        ns, _, local = name[1:].partition("}")
        return ns, local
    return "", name


def text(value: str) -> str:
    """Escape character data; most values (ids, etags, names) need nothing."""
    if "&" in value or "<" in value or ">" in value:
        return escape(value)
    return value


def attr(value: str) -> str:
    """An attribute value, escaped and quoted."""
    return quoteattr(value)
