"""The spec's functions, aggregates, triggers and views in cadb/models.py (issue 17): DDL
hooks on ``Base.metadata`` and on the tables, so ``create_all`` in a throwaway test database
builds what the migrations build. Registered after the table classes, so the enum types'
own ``before_create`` hooks run first. Pure: returns source lines.
"""

from __future__ import annotations

from collections.abc import Callable

from generator.schema import functions_ddl
from generator.schema.late_ddl import late_statements
from generator.spec.functions_sql import aggregate_identity, identity
from generator.spec.model import Spec
from generator.spec.naming import quote_ident
from generator.spec.views import creation_order


def _listen(target: str, event: str, ddl: str, q: Callable[[str], str]) -> str:
    return f"sa.event.listen({target}, {q(event)}, sa.DDL({q(ddl.replace('%', '%%'))}))"


def routine_lines(spec: Spec, classes: dict[str, str], q: Callable[[str], str]) -> list[str]:
    """Source lines registering the DDL; ``classes`` maps a table to its class name and ``q``
    writes a string literal."""
    if not (spec.functions or spec.aggregates or spec.triggers or spec.views):
        return []
    lines = ["", "", "# Functions, triggers and views (for create_all in test databases; the migrations create them)."]
    meta = "Base.metadata"
    lines += [_listen(meta, "before_create", ddl, q) for ddl in functions_ddl.before_tables(spec)]
    for table in spec.tables:
        for ddl in functions_ddl.table_triggers(spec, table):
            lines.append(_listen(f"{classes[table]}.__table__", "after_create", ddl, q))
    lines += [_listen(meta, "after_create", ddl, q) for ddl in late_statements(spec)]
    for v in reversed(creation_order(spec.views)):
        keyword = "MATERIALIZED VIEW" if v.materialized else "VIEW"
        lines.append(_listen(meta, "before_drop", f"DROP {keyword} IF EXISTS {quote_ident(v.name)}", q))
    for agg in spec.aggregates.values():
        lines.append(_listen(meta, "after_drop", f"DROP AGGREGATE IF EXISTS {aggregate_identity(agg)}", q))
    for fn in reversed(list(spec.functions.values())):
        kind = "PROCEDURE" if fn.kind == "procedure" else "FUNCTION"
        lines.append(_listen(meta, "after_drop", f"DROP {kind} IF EXISTS {identity(fn)}", q))
    return lines
