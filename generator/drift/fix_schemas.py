"""Fix SQL for schemas other than public (issue 17 item 5).

The snapshot names an object outside public ``schema.name`` (generator.pg.catalog_schemas);
``qualified`` turns such a name into SQL (``"billing"."invoices"``) and a bare one into
``"public"."name"``, so every statement of the script names its object whatever search_path
the session that applies it has. Whether the text before the first dot is a schema is decided
by the schemas the two snapshots hold (``known_schemas``, set by ``generator.drift.fix_sql``
for the script being written): a verbatim name in public that holds a dot stays one name.

migra creates and drops the schemas themselves (CREATE SCHEMA first, DROP SCHEMA last);
``comment_statements`` sets their comments, which migra does not see.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

from generator.spec.naming import quote_ident
from generator.spec.types import quote_literal

if TYPE_CHECKING:
    from generator.pg.catalog import Snapshot

PUBLIC = "public"


@contextmanager
def known_schemas(live: Snapshot, spec: Snapshot) -> Iterator[None]:
    """The schemas ``qualified`` may split a name at, for the block (one mechanism for every
    layer: ``generator.qualnames``)."""
    from generator import qualnames

    with qualnames.known(frozenset({PUBLIC, *live.schemas, *spec.schemas})):
        yield


def split(name: str) -> tuple[str, str]:
    """``(schema, bare name)`` of a snapshot name."""
    from generator import qualnames

    return qualnames.split(name)


def qualified(name: str) -> str:
    schema, bare = split(name)
    return f"{quote_ident(schema)}.{quote_ident(bare)}"


def comment_statements(live: Snapshot, spec: Snapshot) -> list[str]:
    """COMMENT ON SCHEMA for every schema of the spec whose comment the database lacks or
    differs in (public's is not managed: see catalog_schemas.compare)."""
    out = []
    for name, comment in sorted(spec.schemas.items()):
        if name == PUBLIC:
            continue
        if (live.schemas.get(name) if name in live.schemas else None) != comment:
            out.append(f"COMMENT ON SCHEMA {quote_ident(name)} IS {'NULL' if comment is None else quote_literal(comment)}")
    return out


# Statements that carry text PostgreSQL rendered while the snapshot was read with search_path
# pinned to public (generator.pg.catalog_schemas): a view's query, a function's body, a
# trigger's EXECUTE FUNCTION name public's objects bare.
_CATALOG_TEXT = re.compile(
    r"^\s*create\s+(or\s+replace\s+)?(materialized\s+view|view|function|procedure|aggregate|(constraint\s+)?trigger)\b",
    re.IGNORECASE)
PIN_SEARCH_PATH = "SET search_path = public"


def search_path_preamble(statements: list[str]) -> list[str]:
    """The session setting that makes such text mean what it meant when it was read (public's
    names bare, every other schema's qualified), whatever search_path the database or role
    sets (``ALTER DATABASE ... SET search_path = ''``): only when the script has one."""
    return [PIN_SEARCH_PATH] if any(_CATALOG_TEXT.match(sql) for sql in statements) else []
