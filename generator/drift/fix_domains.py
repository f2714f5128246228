"""The fixing SQL for domains and generated columns, from the two catalog snapshots. Pure.

Domains: migra 3.0 emits nothing for them (it does not compare them), so every statement is
schemactl's: ``CREATE DOMAIN`` (with its CHECKs, default, NOT NULL, collation) and its comment
before anything else of the script uses it (right after the extensions and types are created);
``ALTER DOMAIN ... SET/DROP NOT NULL``, ``SET/DROP DEFAULT``, ``DROP/ADD CONSTRAINT`` (a CHECK
changed is dropped and added again) there too; ``DROP DOMAIN`` at the end, once no column of
the script uses it. A changed base type or collation has no ALTER: reported as missing SQL.

Generated columns: migra writes a changed generation expression as ``SET DEFAULT`` (which
PostgreSQL refuses on a generated column), a column that stopped being generated as
``DROP EXPRESSION`` (refused for a virtual column on 18), and creates every generated column
as STORED. Its statements about such a column are replaced:

- the expression changed, same kind: ``ALTER COLUMN ... SET EXPRESSION AS (...)`` (17: stored
  columns; 18: both kinds);
- stored -> plain: ``DROP EXPRESSION`` (the values stay);
- virtual -> plain: a new column filled from the old one, the old dropped, the new renamed
  (``DROP EXPRESSION`` is not supported for virtual columns);
- plain -> generated, or stored <-> virtual: the column is dropped and added again as the spec
  has it (destructive: its values are recomputed, and what depends on it goes with it);
- a generated column added: ``ADD COLUMN ... GENERATED ALWAYS AS (...) STORED|VIRTUAL``.
"""

from __future__ import annotations

import re

from generator import qualnames
from generator.drift.report import Statement, describe_statement, is_destructive, split_label
from generator.pg.catalog import Change, Snapshot
from generator.pg.catalog_domains import Domain, create_domain, generated_column_def, regenerate_sql
from generator.spec import naming
from generator.spec.types import quote_literal

DOMAIN_KINDS = ("domain", "domain check")


def _q(name: str) -> str:
    return naming.quote_ident(name)


def _qualified(name: str) -> str:
    return qualnames.sql(name)  # "public"."d", "billing"."d" (generator.qualnames)


def _mentions(base: str, name: str) -> bool:
    schema, bare = qualnames.split(name)
    if schema != "public":  # format_type qualifies a type outside public (search_path public)
        return bool(re.fullmatch(rf'(?:{re.escape(schema)}|{re.escape(_q(schema))})\.(?:{re.escape(bare)}|{re.escape(_q(bare))})(?:\[\])*', base))
    return bool(re.fullmatch(rf'(?:public\.)?(?:{re.escape(name)}|{re.escape(_q(name))})(?:\[\])*', base))


def _ordered(names: list[str], domains: dict[str, Domain]) -> list[str]:
    """``names`` with a domain after the domain it is based on."""
    order: list[str] = []

    def visit(name: str, depth: int = 0) -> None:
        if name in order or depth > len(names):
            return
        for other in names:
            if other != name and _mentions(domains[name].base, other):
                visit(other, depth + 1)
        order.append(name)

    for name in sorted(names):
        visit(name)
    return order


def domain_statements(changes: list[Change], live: Snapshot, spec: Snapshot) -> tuple[list[Statement], list[Statement], list[str]]:
    """(statements to run before the rest, statements to run last, changes no SQL fixes)."""
    first: list[str] = []
    last: list[str] = []
    missing: list[str] = []
    added = [c.name for c in changes if c.kind == "domain" and c.action == "added"]
    removed = [c.name for c in changes if c.kind == "domain" and c.action == "removed"]
    for name in _ordered(added, spec.domains):
        first += create_domain(name, spec.domains[name])
    for name in reversed(_ordered(removed, live.domains)):
        last.append(f"DROP DOMAIN {_qualified(name)}")
    for change in changes:
        if change.kind == "domain" and change.action == "changed":
            a, b = live.domains[change.name], spec.domains[change.name]
            target = f"ALTER DOMAIN {_qualified(change.name)}"
            if a.base != b.base or a.collation != b.collation:
                missing.append(f"{change} (a domain's base type or collation cannot be altered; recreate it)")
                continue
            if a.default != b.default:
                first.append(f"{target} DROP DEFAULT" if b.default is None else f"{target} SET DEFAULT {b.default}")
            if a.not_null != b.not_null:
                first.append(f"{target} {'SET' if b.not_null else 'DROP'} NOT NULL")
        elif change.kind == "domain check":
            domain, check = split_label(change.name, [(d, c) for snap in (live, spec) for d in snap.domains
                                                      for c, _x in snap.domains[d].checks])
            target = f"ALTER DOMAIN {_qualified(domain)}"
            if change.action != "added":
                first.append(f"{target} DROP CONSTRAINT {_q(check)}")
            if change.action != "removed":
                first.append(f"{target} ADD CONSTRAINT {_q(check)} {dict(spec.domains[domain].checks)[check]}")
        elif change.kind == "comment" and change.name.startswith("domain "):
            name = change.name[len("domain "):]
            first.append(f"COMMENT ON DOMAIN {_qualified(name)} IS {_literal(spec.domains[name].comment)}")
    return ([Statement(s, is_destructive(s), "schemactl", "migra does not compare domains") for s in first],
            [Statement(s, is_destructive(s), "schemactl", "migra does not compare domains") for s in last], missing)


def _literal(text: str | None) -> str:
    return "NULL" if text is None else quote_literal(text)


def place_domains(out: list[Statement], first: list[Statement], last: list[Statement]) -> list[Statement]:
    """``first`` right after the script's leading CREATE EXTENSION / CREATE TYPE statements
    (a domain may be over a new enum; a new table may use a new domain), ``last`` at the end."""
    i = 0
    while i < len(out) and re.match(r"\s*create\s+(schema|extension|type)\b", out[i].sql, re.IGNORECASE):
        i += 1
    return out[:i] + first + out[i:] + last


# ------------------------------------------------------------------ generated columns


def generated_columns(changes: list[Change], live: Snapshot, spec: Snapshot) -> dict[tuple[str, str], list[str]]:
    """(table, column) -> the statements that make it as the spec has it, for every column
    whose generation differs (or a generated column the script adds)."""
    out: dict[tuple[str, str], list[str]] = {}
    for change in changes:
        if change.kind != "column" or change.action == "removed":
            continue
        table, column = split_label(change.name, live.columns, spec.columns)
        b = spec.columns.get((table, column))
        if b is None:
            continue
        a = live.columns.get((table, column))
        if a is None:  # added by the script
            if b.generated:
                out[(table, column)] = [f"ALTER TABLE {_qualified(table)} ADD COLUMN {generated_column_def(column, b)}"]
            continue
        if not (a.generated or b.generated) or "generated:" not in change.detail:
            continue
        out[(table, column)] = regenerate_sql(table, column, a, b)
    return out


def fix_generated(out: list[Statement], changes: list[Change], live: Snapshot, spec: Snapshot) -> list[Statement]:
    """``out`` with migra's statements about columns whose generation differs replaced by
    ``generated_columns``'s, placed where migra's first one was (else at the end)."""
    fixes = generated_columns(changes, live, spec)
    if not fixes:
        return out
    result = list(out)
    for (table, column), sql in sorted(fixes.items()):
        label = f"{table}.{column}"
        positions = [i for i, s in enumerate(result) if s.origin == "migra" and _about(s.sql, label)]
        note = "a generated column: migra would write its expression as a default"
        block = [Statement(s, is_destructive(s), "schemactl", note) for s in sql]
        kept = [s for i, s in enumerate(result) if i not in positions]
        at = positions[0] if positions else len(kept)
        result = kept[:at] + block + kept[at:]
    return result


def _about(sql: str, label: str) -> bool:
    d = describe_statement(sql)
    return bool(d and d.kind == "column" and d.name == label)


# ------------------------------------------------------------------ what migra gets wrong about domains


def hide_domain_enums(inspector: object, domains: dict[str, Domain]) -> None:
    """schemainspect reads a domain over an enum as an enum without values (its query joins
    pg_enum through the base type), and migra then writes ``create type ... as enum ()`` for
    it; domains are this module's, so they leave migra's view."""
    enums = getattr(inspector, "enums", None)
    if not enums:
        return
    for key in [k for k, e in enums.items() if getattr(e, "schema", "") == "public" and getattr(e, "name", "") in domains]:
        del enums[key]


def mark_virtual_columns(inspector: object, columns: dict[tuple[str, str], object]) -> None:
    """schemainspect reads only whether a column is generated, and migra writes every
    generated column it creates (in CREATE TABLE or ADD COLUMN) as STORED: the catalog
    snapshot's ``attgenerated`` marks the VIRTUAL ones (PostgreSQL 18), whose creation clause
    then says VIRTUAL (``_patch_creation_clause``)."""
    _patch_creation_clause()
    for table in getattr(inspector, "tables", {}).values():
        if getattr(table, "schema", "") != "public":
            continue
        for name, column in getattr(table, "columns", {}).items():
            found = columns.get((table.name, name))
            column._schemactl_virtual = getattr(found, "generated", "") == "v"


def _patch_creation_clause() -> None:
    from schemainspect.inspected import ColumnInfo

    if getattr(ColumnInfo, "_schemactl_virtual_patched", False):
        return
    stored = ColumnInfo.creation_clause

    def creation_clause(self: object) -> str:
        text = stored.fget(self)  # type: ignore[attr-defined]
        if getattr(self, "_schemactl_virtual", False) and text.endswith(" stored"):
            return text[: -len(" stored")] + " virtual"
        return text

    ColumnInfo.creation_clause = property(creation_clause)
    ColumnInfo._schemactl_virtual_patched = True
