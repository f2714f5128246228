"""What the spec's script creates after the tables and their keys (issue 17 item 6): the
functions that need the tables and the views, in one topological order of what each reads
and calls (generator.spec.dependencies.late_order), each view followed by its INSTEAD OF
triggers. Pure.
"""

from __future__ import annotations

from generator.schema import functions_ddl, views_ddl
from generator.spec.dependencies import late_order
from generator.spec.model import Spec


def late_statements(spec: Spec) -> list[str]:
    out: list[str] = []
    for kind, obj in late_order(spec):
        if kind == "function":
            out += functions_ddl.function_statements(spec, obj)
        else:
            out += views_ddl.view_statements(obj)
            if not obj.materialized:
                out += functions_ddl.table_triggers(spec, obj.name)
    return out
