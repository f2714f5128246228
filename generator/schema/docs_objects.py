"""The data dictionary's sections for the kinds beside tables and enums: composite and range
types, domains and sequences (before the tables), views, functions, procedures, aggregates
and triggers (after them). Pure: Markdown from the Spec, every spec value escaped by
``docs._cell`` (prose) or ``docs._code`` (code spans), as the table sections do."""

from __future__ import annotations

import re
from collections.abc import Callable

from generator.spec.functions import ArgumentSpec
from generator.spec.model import Spec

Escape = Callable[[str], str]


def _options(pairs: list[tuple[str, object]]) -> str:
    return ", ".join(f"{key} {value}" for key, value in pairs if value is not None)


# the meaning of the function and triggers append_only: true adds (generator.spec.append_only)
_GUARD = "The append-only guard (`append_only: true`): refuses UPDATE, DELETE and TRUNCATE."


def _fenced(sql: str) -> list[str]:
    """A fenced SQL block whose fence is longer than any backtick run inside (a query from a
    pull request cannot end the block early)."""
    fence = "`" * max(3, max((len(run) for run in re.findall(r"`+", sql)), default=0) + 1)
    return [f"{fence}sql", sql, fence, ""]


def _arguments(arguments: tuple[ArgumentSpec, ...]) -> str:
    parts = []
    for arg in arguments:
        mode = "" if arg.mode == "in" else f"{arg.mode} "
        name = f"{arg.name} " if arg.name else ""
        default = f" default {arg.default}" if arg.default else ""
        parts.append(f"{mode}{name}{arg.type}{default}")
    return ", ".join(parts)


def before_tables(spec: Spec, cell: Escape, code: Escape) -> list[str]:
    """``## Types``, ``## Domains`` and ``## Sequences``: what the tables' columns use."""
    out: list[str] = []
    if spec.types:
        out += ["## Types", "", "| type | kind | definition | meaning |", "|---|---|---|---|"]
        for t in spec.types.values():
            if t.kind == "composite":
                definition = ", ".join(f"{a.name} {a.type_text}" + (f" collate {a.collation}" if a.collation else "")
                                       for a in t.attributes)
            else:
                subtype = t.subtype.type_text if t.subtype else ""
                definition = f"subtype {subtype}" + (f", subtype_diff {t.subtype_diff}" if t.subtype_diff else "")
            out.append(f"| {code(t.name)} | {t.kind} | {code(definition)} | {cell(t.comment)} |")
        out.append("")
    if spec.domains:
        out += ["## Domains", "", "| domain | type | null | default | checks | meaning |", "|---|---|---|---|---|---|"]
        for d in spec.domains.values():
            default = d.default_sql or (repr(d.default) if d.has_literal_default else "")
            checks = "; ".join(f"{c.name}: {c.sql}" for c in d.checks)
            out.append(f"| {code(d.name)} | {code(d.type_text)} | {'yes' if d.nullable else 'no'} | "
                       f"{default and code(default)} | {checks and code(checks)} | {cell(d.comment)} |")
        out.append("")
    if spec.sequences:
        out += ["## Sequences", "", "| sequence | type | options | owned by | meaning |", "|---|---|---|---|---|"]
        for s in spec.sequences.values():
            o = s.options
            options = _options([("start", o.start), ("increment", o.increment), ("min", o.min), ("max", o.max),
                                ("cache", o.cache), ("cycle", None if o.cycle is None else str(o.cycle).lower())])
            out.append(f"| {code(s.name)} | {s.type} | {options and code(options)} | "
                       f"{code(s.owned_by) if s.owned_by else ''} | {cell(s.comment)} |")
        out.append("")
    return out


def after_tables(spec: Spec, cell: Escape, code: Escape) -> list[str]:
    """``## Views``, ``## Functions``, ``## Aggregates`` and ``## Triggers``."""
    out: list[str] = []
    if spec.views:
        out += ["## Views", ""]
        for v in spec.views.values():
            traits = [v.kind]
            if v.check_option:
                traits.append(f"with {v.check_option} check option")
            if v.security_barrier:
                traits.append("security_barrier")
            if v.security_invoker:
                traits.append("security_invoker")
            if v.materialized and not v.with_data:
                traits.append("created with no data")
            out += [f"### {cell(v.name)}", "", cell(v.comment or ""), "", f"Kind: {', '.join(traits)}.", ""]
            if v.column_comments:
                out += ["| column | description |", "|---|---|"]
                out += [f"| {code(name)} | {cell(text)} |" for name, text in v.column_comments]
                out.append("")
            out += _fenced(v.sql.strip())
    if spec.functions:
        out += ["## Functions and procedures", "", "| name | arguments | returns | language | traits | meaning |",
                "|---|---|---|---|---|---|"]
        for f in spec.functions.values():
            traits = [f.volatility] + (["strict"] if f.strict else []) + (["security definer"] if f.security == "definer" else [])
            if f.parallel != "unsafe":
                traits.append(f"parallel {f.parallel}")
            returns = f.returns if f.kind == "function" else "(procedure)"
            meaning = _GUARD if f.from_append_only else cell(f.comment)
            out.append(f"| {code(f.name)} | {_arguments(f.arguments) and code(_arguments(f.arguments))} | "
                       f"{code(returns or '')} | {f.language} | {', '.join(traits)} | {meaning} |")
        out.append("")
    if spec.aggregates:
        out += ["## Aggregates", "", "| aggregate | arguments | state | meaning |", "|---|---|---|---|"]
        for a in spec.aggregates.values():
            state = f"{a.sfunc} over {a.stype}" + (f", final {a.finalfunc}" if a.finalfunc else "")
            out.append(f"| {code(a.name)} | {code(_arguments(a.arguments))} | {code(state)} | {cell(a.comment)} |")
        out.append("")
    triggers = [t for relation in spec.triggers.values() for t in relation]
    if triggers:
        out += ["## Triggers", "", "| trigger | on | fires | calls | meaning |", "|---|---|---|---|---|"]
        for t in triggers:
            events = " or ".join(e + (f" of {', '.join(t.columns)}" if e == "update" and t.columns else "") for e in t.events)
            fires = f"{t.timing} {events} for each {t.level}" + (f" when {t.when}" if t.when else "")
            if t.enabled != "origin":
                fires += f" ({t.enabled})"
            call = f"{t.function}({', '.join(t.arguments)})"
            meaning = _GUARD if t.from_append_only else cell(t.comment)
            out.append(f"| {code(t.name)} | {code(t.table)} | {code(fires)} | {code(call)} | {meaning} |")
        out.append("")
    return out
