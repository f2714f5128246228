"""Domains in the catalog snapshot: read from pg_type/pg_constraint, compared. Knows no spec.

migra (3.0) does not compare domains at all, so a database with extra domains was "in sync"
(issue 16); the catalog compares each domain's base type, NOT NULL, default, collation,
comment and every CHECK (by name, as ``pg_get_constraintdef`` prints it). PostgreSQL 18 also
lists a domain's NOT NULL in pg_constraint (contype 'n'): only CHECKs are read, NOT NULL is
``pg_type.typnotnull`` on both majors.

Generated columns: ``pg_attribute.attgenerated`` ('s' stored, 'v' virtual) rides on the
column (``Column.generated``), and ``generated_detail`` reports a generation expression as
such, never as a default.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from generator import qualnames
from generator.pg.catalog_schemas import MANAGED, qualified

SCHEMA = "public"


def _q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _qualified(name: str) -> str:
    return qualnames.sql(name)  # "public"."d", "billing"."d" (generator.qualnames)


def _literal(text: str) -> str:
    if "\\" in text:
        return "E'" + text.replace("\\", "\\\\").replace("'", "''") + "'"
    return "'" + text.replace("'", "''") + "'"


@dataclass(frozen=True)
class Domain:
    base: str  # format_type of the base type, with its typmod
    not_null: bool
    default: str | None
    collation: str | None  # an explicit collation (one other than the base type's), else None
    checks: tuple[tuple[str, str], ...]  # (name, pg_get_constraintdef), by name
    comment: str | None


QUERIES = {
    "domains": f"""
        SELECT {qualified('t.typname')}, format_type(t.typbasetype, t.typtypmod), t.typnotnull, t.typdefault,
               CASE WHEN t.typcollation <> b.typcollation THEN co.collname END,
               obj_description(t.oid, 'pg_type')
        FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace
        JOIN pg_type b ON b.oid = t.typbasetype
        LEFT JOIN pg_collation co ON co.oid = t.typcollation
        WHERE {MANAGED} AND t.typtype = 'd'
          AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_type'::regclass
                          AND d.objid = t.oid AND d.deptype = 'e')""",
    "domain_checks": f"""
        SELECT {qualified('t.typname')}, k.conname, pg_get_constraintdef(k.oid)
        FROM pg_constraint k JOIN pg_type t ON t.oid = k.contypid
        JOIN pg_namespace n ON n.oid = t.typnamespace
        WHERE {MANAGED} AND k.contype = 'c'""",
}


def read_domains(rows: dict[str, list[tuple[Any, ...]]]) -> dict[str, Domain]:
    checks: dict[str, list[tuple[str, str]]] = {}
    for domain, name, definition in rows.get("domain_checks", ()):
        checks.setdefault(domain, []).append((name, definition))
    return {
        name: Domain(base, bool(not_null), default, collation, tuple(sorted(checks.get(name, ()))), comment)
        for name, base, not_null, default, collation, comment in rows.get("domains", ())
    }


def compare_domains(source: dict[str, Domain], target: dict[str, Domain], show: Any,
                    same_check_definition: Any) -> list[tuple[str, str, str, str]]:
    """Changes (kind, name, action, detail: ``generator.pg.catalog.Change``'s fields) turning
    ``source``'s domains into ``target``'s: ``domain`` added/removed/changed (base type, not
    null, default, collation), ``domain check`` per CHECK, ``comment``."""
    out: list[tuple[str, str, str, str]] = []
    for name in sorted(set(source) | set(target)):
        a, b = source.get(name), target.get(name)
        if a is None or b is None:
            out.append(("domain", name, "added" if a is None else "removed", ""))
            continue
        details = [
            f"{what}: {show(x)} -> {show(y)}"
            for what, x, y in (
                ("base type", a.base, b.base),
                ("not null", a.not_null, b.not_null),
                ("default", a.default, b.default),
                ("collation", a.collation, b.collation),
            )
            if x != y
        ]
        if details:
            out.append(("domain", name, "changed", "; ".join(details)))
        mine, theirs = dict(a.checks), dict(b.checks)
        for check in sorted(set(mine) | set(theirs)):
            x, y = mine.get(check), theirs.get(check)
            if x is None or y is None:
                out.append(("domain check", f"{name}.{check}", "added" if x is None else "removed", x or y or ""))
            elif not same_check_definition(x, y):
                out.append(("domain check", f"{name}.{check}", "changed", f"{x} -> {y}"))
        if a.comment != b.comment:
            out.append(("comment", f"domain {name}", "changed", ""))
    return out


_KIND = {"s": "stored", "v": "virtual"}


def generated_text(generated: str, expression: str | None) -> str | None:
    """``(price * qty) stored`` for a generated column, None for another."""
    if not generated:
        return None
    return f"{expression} {_KIND.get(generated, generated)}"


def generated_detail(a: Any, b: Any) -> tuple[str, str | None, str | None] | None:
    """The ``generated`` line of a column change (None when neither side is generated, or both
    generate the same way). A generated column's pg_attrdef row is its expression, not a
    default: ``compare`` leaves the default line out whenever either side is generated."""
    x, y = generated_text(a.generated, a.default), generated_text(b.generated, b.default)
    if x is None and y is None:
        return None
    if x == y:
        return None
    return ("generated", x, y)


# ------------------------------------------------------------------ SQL from snapshot values


def create_domain(name: str, d: Domain) -> list[str]:
    sql = f"CREATE DOMAIN {_qualified(name)} AS {d.base}"
    if d.collation is not None:
        sql += f" COLLATE {_q(d.collation)}"
    if d.default is not None:
        sql += f" DEFAULT {d.default}"
    if d.not_null:
        sql += " NOT NULL"
    sql += "".join(f" CONSTRAINT {_q(check)} {definition}" for check, definition in d.checks)
    out = [sql]
    if d.comment is not None:
        out.append(f"COMMENT ON DOMAIN {_qualified(name)} IS {_literal(d.comment)}")
    return out


def generated_column_def(column: str, col: object) -> str:
    kind = "VIRTUAL" if col.generated == "v" else "STORED"  # type: ignore[attr-defined]
    not_null = " NOT NULL" if col.not_null else ""  # type: ignore[attr-defined]
    return f"{_q(column)} {col.type} GENERATED ALWAYS AS ({col.default}) {kind}{not_null}"  # type: ignore[attr-defined]


def regenerate_sql(table: str, column: str, a: object, b: object) -> list[str]:
    t = f"ALTER TABLE {_qualified(table)}"
    c = _q(column)
    ga, gb = a.generated, b.generated  # type: ignore[attr-defined]
    if ga and gb and ga == gb:
        return [f"{t} ALTER COLUMN {c} SET EXPRESSION AS ({b.default})"]  # type: ignore[attr-defined]
    if ga == "s" and not gb:
        out = [f"{t} ALTER COLUMN {c} DROP EXPRESSION"]
        if b.default is not None:  # type: ignore[attr-defined]
            out.append(f"{t} ALTER COLUMN {c} SET DEFAULT {b.default}")  # type: ignore[attr-defined]
        return out
    if ga == "v" and not gb:
        tmp = _q(f"{column}__schemactl_new"[:63])
        out = [
            f"{t} ADD COLUMN {tmp} {b.type}",  # type: ignore[attr-defined]
            f"UPDATE {_qualified(table)} SET {tmp} = {c}",
            f"{t} DROP COLUMN {c}",
            f"{t} RENAME COLUMN {tmp} TO {c}",
        ]
        if b.default is not None:  # type: ignore[attr-defined]
            out.append(f"{t} ALTER COLUMN {c} SET DEFAULT {b.default}")  # type: ignore[attr-defined]
        if b.not_null:  # type: ignore[attr-defined]
            out.append(f"{t} ALTER COLUMN {c} SET NOT NULL")
        return out
    return [f"{t} DROP COLUMN {c}", f"{t} ADD COLUMN {generated_column_def(column, b)}"]
