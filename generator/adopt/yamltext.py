"""A small YAML emitter with one fixed style, for the specs ``schemactl import`` writes.

Why our own: the layout is part of the contract (a second import is byte-identical, a reviewer
reads a diff of it), and PyYAML's emitter decides quoting and line breaks by itself. Here a
scalar is written plain only when it is a lower/upper-case identifier that no YAML reader
(1.1 or 1.2) takes for anything but a string; everything else is double-quoted with JSON-like
escapes, which YAML reads back exactly (quotes, ``: ``, ``#``, newlines, ``{}``, ``*``, ``&``,
``!``, non-printable characters as ``\\uXXXX``). Mappings are ordered as given.

Layout: block mappings and lists of mappings at the top levels; a column and every list item
(a constraint, an index) as one flow mapping on one line.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

_PLAIN = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")
# YAML 1.1 booleans and nulls (PyYAML reads these case variants), and 1.2's
_SPECIAL = {
    "y", "n", "yes", "no", "on", "off", "true", "false", "null", "nan", "inf",
}
# what YAML reads exactly in a double-quoted scalar: printable characters (PyYAML's reader
# refuses others in the stream, so they are escaped)
_ESCAPES = {'"': '\\"', "\\": "\\\\", "\n": "\\n", "\t": "\\t", "\r": "\\r"}


def _printable(ch: str) -> bool:
    o = ord(ch)
    return (0x20 <= o <= 0x7E) or (0xA0 <= o <= 0xD7FF and o not in (0x2028, 0x2029)) or (
        0xE000 <= o <= 0xFFFD and o != 0xFEFF
    ) or 0x10000 <= o <= 0x10FFFF


_SIMPLE_QUOTED = re.compile(r'[\x20-\x7e]*\Z')  # printable ASCII: only " and \ need escapes


def scalar(value: Any) -> str:
    if value is True:
        return "true"
    if value is False:
        return "false"
    if value is None:
        return "null"
    if isinstance(value, int):
        return str(value)
    return _string(str(value))


@lru_cache(maxsize=65536)
def _string(text: str) -> str:
    if _PLAIN.match(text) and text.lower() not in _SPECIAL:
        return text
    if _SIMPLE_QUOTED.match(text):
        return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'
    out = ['"']
    for ch in text:
        if ch in _ESCAPES:
            out.append(_ESCAPES[ch])
        elif _printable(ch):
            out.append(ch)
        elif ord(ch) <= 0xFFFF:
            out.append(f"\\u{ord(ch):04x}")
        else:
            out.append(f"\\U{ord(ch):08x}")
    out.append('"')
    return "".join(out)


def flow(value: Any) -> str:
    """A value on one line: flow mappings and sequences."""
    if isinstance(value, dict):
        return "{" + ", ".join(f"{scalar(k)}: {flow(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list | tuple):
        return "[" + ", ".join(flow(v) for v in value) + "]"
    return scalar(value)


class Block:
    """Mark a mapping that is written as a block (one key per line) rather than in flow style."""

    def __init__(self, items: dict[str, Any]) -> None:
        self.items = items


def emit(value: Block, indent: int = 0) -> str:
    """The document: ``Block`` mappings as blocks, lists of mappings as ``- {...}`` lines,
    everything else in flow style on its key's line."""
    lines: list[str] = []
    _emit_block(value, indent, lines)
    return "\n".join(lines) + "\n"


def _emit_block(block: Block, indent: int, lines: list[str]) -> None:
    pad = " " * indent
    for key, value in block.items.items():
        if isinstance(value, Block):
            lines.append(f"{pad}{scalar(key)}:")
            _emit_block(value, indent + 2, lines)
        elif isinstance(value, list) and value and all(isinstance(v, dict) for v in value):
            lines.append(f"{pad}{scalar(key)}:")
            lines.extend(f"{pad}  - {flow(v)}" for v in value)
        else:
            lines.append(f"{pad}{scalar(key)}: {flow(value)}")
