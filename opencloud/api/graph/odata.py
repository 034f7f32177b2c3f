"""The OData ``$filter`` Graph clients send for drives: ``driveType eq
'project'``, ``id eq '…'``, joined by ``and``/``or`` (``and`` binds closer).

That is all OpenCloud's clients ask for; anything else is refused with 400
``invalidRequest`` rather than answered with a listing that ignores it.
"""

from __future__ import annotations

import re

from opencloud.core.errors import InvalidInput

#: One token: a quoted string (``''`` escapes a quote), a word, or any other character.
_TOKEN = re.compile(r"\s*(?:'((?:[^']|'')*)'|([^\s()']+)|(\S))")
_FILTERABLE = ("driveType", "id")

#: An OData ``$filter`` over drives: OR of ANDs of ``(property, value)``.
Filter = list[list[tuple[str, str]]]


def parse_filter(text: str) -> Filter:
    """``driveType eq 'personal'``, ``id eq '…'``, joined by ``and``/``or``.
    Anything else is InvalidInput (400 invalidRequest)."""
    tokens: list[tuple[str, bool]] = []  # (text, quoted)
    pos = 0
    text = text.strip()
    while pos < len(text):
        match = _TOKEN.match(text, pos)
        if match is None or match.end() == pos:
            break
        quoted, word, other = match.groups()
        if other is not None:
            raise InvalidInput(f"unsupported $filter: unexpected {other!r}")
        tokens.append((quoted.replace("''", "'"), True) if quoted is not None else (word, False))
        pos = match.end()
    if not tokens:
        return []
    ors: Filter = [[]]
    index = 0
    while True:
        if index + 3 > len(tokens):
            raise InvalidInput(f"unsupported $filter {text!r}")
        (prop, prop_quoted), (op, op_quoted), (value, _) = tokens[index : index + 3]
        if prop_quoted or prop not in _FILTERABLE:
            raise InvalidInput(f"unsupported $filter property {prop!r}")
        if op_quoted or op.lower() != "eq":
            raise InvalidInput(f"unsupported $filter operator {op!r}")
        ors[-1].append((prop, value))
        index += 3
        if index == len(tokens):
            return ors
        joiner, joiner_quoted = tokens[index]
        if joiner_quoted or joiner.lower() not in ("and", "or"):
            raise InvalidInput(f"unsupported $filter {text!r}")
        if joiner.lower() == "or":
            ors.append([])
        index += 1
