"""Python source that schemactl writes (revisions, data revisions, models.py), made from spec values.

A spec or seeds file is untrusted input (a pull request), and every file written from it is
imported as code right after, by Alembic or by the application. So no spec value is ever
pasted into Python source as it is: each one becomes a string literal (``literal``), or text
inside a triple-quoted docstring whose value is exactly the original (``doc_text``); every
generated file is parsed (``check_source``) before anything writes or imports it; and the
identifiers made from spec values (``identifier``) are valid, not keywords, and NFKC-stable
(Python normalises identifiers with NFKC, so two different spellings can be one name).
"""

from __future__ import annotations

import ast
import keyword
import re
import unicodedata

from generator.errors import CodegenError


def literal(text: str) -> str:
    """A Python string literal whose value is ``text``: double-quoted when that needs no escape
    (readable, deterministic), else ``repr``, which escapes everything that needs it."""
    if '"' not in text and "\\" not in text and text.isprintable():
        return f'"{text}"'
    return repr(text)


def doc_text(text: str) -> str:
    """``text`` escaped for the inside of a ``\"\"\"...\"\"\"`` docstring: backslashes and
    double quotes get a backslash (so nothing can close the docstring), every character that is
    not printable except the newline becomes its escape (``\\r``, ``\\x00``, ``\\u2028``...).
    The docstring's value is then exactly ``text``; newlines stay real line breaks."""
    out = []
    for ch in text:
        if ch in ('"', "\\"):
            out.append("\\" + ch)
        elif ch == "\n" or ch.isprintable():
            out.append(ch)
        else:
            out.append(repr(ch)[1:-1])
    return "".join(out)


def docstring(text: str) -> str:
    """A triple-quoted docstring literal whose value is ``text``."""
    return f'"""{doc_text(text)}"""'


def check_source(text: str, what: str, docstring_parts: tuple[str, ...] = ()) -> ast.Module:
    """Parse generated Python before it is written or imported; refuse it when it does not parse,
    or when its module docstring lost one of ``docstring_parts`` (a template that pasted a value
    without escaping it: its text would then have leaked out of the docstring)."""
    try:
        tree = ast.parse(text)
    except (SyntaxError, ValueError, RecursionError, MemoryError) as exc:
        raise CodegenError(
            f"the generated {what} is not valid Python ({type(exc).__name__}: {exc}); nothing was written",
            "this is a bug in schemactl's rendering; please report it with the spec value involved",
        ) from None
    if docstring_parts:
        doc = ast.get_docstring(tree, clean=False) or ""
        for part in docstring_parts:
            if part not in doc:
                raise CodegenError(
                    f"the generated {what} does not keep {part[:60]!r} inside its docstring; nothing was written",
                    "the revision template (migrations/script.py.mako) must escape values with doc() "
                    "(see docs/models.md)",
                )
    return tree


def slug_source(message: str) -> str:
    """The message as Alembic's file-name slug should see it: ASCII only (``café`` -> ``cafe``,
    ``x²`` -> ``x2``); Alembic then keeps only runs of ``[A-Za-z0-9_]``, so no ``/``, ``..``,
    NUL or newline reaches a file name, and it cuts the slug at ``truncate_slug_length``."""
    return unicodedata.normalize("NFKD", message).encode("ascii", "ignore").decode("ascii")


_SAFE_FILE = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.\-]*\.py", re.ASCII)


def check_file_name(name: str) -> str:
    """Refuse a revision file name that is not one plain ASCII name ending in .py."""
    if not _SAFE_FILE.fullmatch(name) or ".." in name:
        raise CodegenError(
            f"refusing the revision file name {name!r}",
            "check file_template in alembic.ini: it must give a plain file name",
        )
    return name


def identifier(candidate: str) -> str | None:
    """``candidate`` when it is a usable Python name (an identifier, not a keyword, unchanged by
    NFKC normalisation), else None."""
    if not candidate.isidentifier() or keyword.iskeyword(candidate):
        return None
    if unicodedata.normalize("NFKC", candidate) != candidate:
        return None
    return candidate
