"""Fix SQL for constraints the spec keeps NOT VALID (issue 16, item 7). Pure.

migra adds every CHECK and foreign key as ``... not valid`` followed by ``validate
constraint`` (so the add takes a light lock). For a constraint whose definition in the spec
is itself NOT VALID, that prints ``NOT VALID not valid`` and then validates what must stay
unvalidated: the script fails, or leaves the database different from the spec. Here the add
is written from the spec's definition and the validate is dropped.
"""

from __future__ import annotations

import re

from generator.drift.report import Statement, describe_statement
from generator.pg.catalog import Snapshot
from generator.spec import naming

_VALIDATE = re.compile(r"^\s*alter\s+table\s+.*\bvalidate\s+constraint\b", re.IGNORECASE | re.DOTALL)
NOTE = "the spec keeps this constraint NOT VALID: added from its definition, never validated"


def keep_not_valid(out: list[Statement], spec: Snapshot) -> list[Statement]:
    result = []
    for s in out:
        d = describe_statement(s.sql)
        if s.origin != "migra" or d is None or d.kind != "constraint" or not d.table:
            result.append(s)
            continue
        definition = spec.constraints.get((d.table, d.name), ("", ""))[1]
        if not definition.endswith(" NOT VALID"):
            result.append(s)
        elif d.action == "added":
            q = naming.quote_ident
            result.append(Statement(f"ALTER TABLE {q('public')}.{q(d.table)} ADD CONSTRAINT {q(d.name)} {definition}",
                                    s.destructive, "schemactl", NOTE))
        elif not _VALIDATE.match(s.sql):
            result.append(s)
    return result
