"""An expression PostgreSQL printed, made to parse back into the same tree.

``x BETWEEN 1 AND 9 AND y`` is stored as ``AND(AND(x >= 1, x <= 9), y)``: the BETWEEN became an
AND nested as the *first* operand of the outer AND. ``pg_get_constraintdef`` (and
``pg_get_indexdef``, ``pg_get_expr``) print it as ``(((x >= 1) AND (x <= 9)) AND y)``, and
PostgreSQL's grammar flattens a parenthesised AND in first position (``makeAndExpr``): the
text builds ``AND(x >= 1, x <= 9, y)``, a different tree, so an imported CHECK would differ
from its source in ``pg_dump`` and in the drift engine (the same for NOT BETWEEN and OR).

``stable`` casts such a group to boolean, ``((x >= 1) AND (x <= 9))::boolean AND y``: the
grammar then sees a cast, not an AND, and does not flatten it; parse analysis drops a cast of a
boolean to boolean, so the stored tree (``conbin``) is byte-identical to the source's, and
PostgreSQL prints it back exactly as it printed the source. Text with no such group is
returned unchanged. Pure: pglast's scanner, no database.
"""

from __future__ import annotations

from pglast.parser import ParseError, scan

_OPEN, _CLOSE = "ASCII_40", "ASCII_41"
_BOOL = {"AND", "OR"}


def stable(expression: str) -> str:
    """``expression`` with every parenthesised AND (OR) group that is the first operand of an
    AND (OR) cast to boolean (see the module); unchanged when there is none."""
    try:
        tokens = scan(expression)
    except (ParseError, ValueError):
        return expression
    match: dict[int, int] = {}
    stack: list[int] = []
    for i, t in enumerate(tokens):
        if t.name == _OPEN:
            stack.append(i)
        elif t.name == _CLOSE and stack:
            match[stack.pop()] = i
    if stack:
        return expression

    def level_op(open_at: int) -> str | None:
        """The AND/OR at depth 0 inside the group opened at token ``open_at``."""
        depth, i, end = 0, open_at + 1, match[open_at]
        while i < end:
            name = tokens[i].name
            if name == _OPEN:
                i = match[i] + 1
                continue
            if depth == 0 and name in _BOOL:
                return name
            i += 1
        return None

    inserts: list[int] = []
    for open_at, close_at in match.items():
        op = level_op(open_at)
        first = open_at + 1
        if op is None or first >= close_at or tokens[first].name != _OPEN:
            continue
        inner_close = match[first]
        after = inner_close + 1
        if after < close_at and tokens[after].name == op and level_op(first) == op:
            inserts.append(tokens[inner_close].end + 1)  # just past the inner group's ")" (offsets in characters)
    text = expression
    for at in sorted(inserts, reverse=True):
        text = text[:at] + "::boolean" + text[at:]
    return text
