"""Schemas other than ``public`` (top-level ``schemas:``; issue 17 item 5), and the key rule.

```yaml
schemas:
  billing: {comment: "Invoices and payments"}
tables:
  billing.invoices: {...}
```

The key rule: a key is ``[schema.]name``. The text before the FIRST dot is a schema when it is
``public`` or listed under ``schemas:``; otherwise (``naming: verbatim`` only, where a name
may hold a dot) the whole key is a name in ``public``. With the default naming an undeclared
prefix is an error at the key's line.

Canonical names: an object in ``public`` is named by its bare name (``customers``; a key
``public.customers`` means the same), one elsewhere by ``schema.name``. The catalog
(``generator.pg.catalog_schemas``) names what it reads the same way, so the two compare.

Built for tables (with their columns, keys, checks, indexes, triggers and foreign keys),
enums and sequences (``BUILT_KINDS``), and for domains, composite/range types, views,
functions and aggregates (``OTHER_KINDS``: keyed by canonical name, ``canonical_keys``;
their SQL splits names with ``generator.qualnames``).
Pure: no SQLAlchemy, no database.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from generator.spec import naming
from generator.spec.source import Path

if TYPE_CHECKING:
    from generator.errors import Problem
    from generator.spec.source import Source

PUBLIC = "public"
# Top-level keys whose entries may live in another schema (the rest refuse such a key).
BUILT_KINDS = ("tables", "enums", "sequences")
OTHER_KINDS = ("domains", "types", "views", "functions", "aggregates")  # built too (key rule only)
# What a table in another schema cannot have yet (the hand-written DDL of these names public).
_TABLE_FEATURES_PUBLIC_ONLY = ("append_only", "hash_chain", "partition_by", "partitions", "inherits")
# Schemas PostgreSQL owns: never declared in a spec.
SYSTEM_SCHEMAS = ("pg_catalog", "information_schema", "pg_toast")


@dataclass(frozen=True)
class SchemaSpec:
    name: str
    comment: str | None = None
    path: Path = ()


def build_schemas(data: Any) -> dict[str, SchemaSpec]:
    """``schemas:`` of a spec's data (malformed entries are the JSON Schema's to report)."""
    body = data.get("schemas") if isinstance(data, dict) else None
    if not isinstance(body, dict):
        return {}
    out: dict[str, SchemaSpec] = {}
    for name, item in body.items():
        item = item if isinstance(item, dict) else {}
        comment = item.get("comment")
        out[str(name)] = SchemaSpec(str(name), comment if isinstance(comment, str) else None, ("schemas", name))
    return out


def declared(data: Any) -> frozenset[str]:
    """The schema names a key's prefix may be: ``public`` and those under ``schemas:``."""
    body = data.get("schemas") if isinstance(data, dict) else None
    names = set(body) if isinstance(body, dict) else set()
    return frozenset({PUBLIC, *(str(n) for n in names)})


def split(key: str, schemas: frozenset[str] | set[str]) -> tuple[str, str]:
    """``(schema, name)`` of a spec key under the key rule."""
    prefix, dot, rest = key.partition(".")
    if dot and rest and prefix in schemas:
        return prefix, rest
    return PUBLIC, key


def canonical(key: str, schemas: frozenset[str] | set[str]) -> str:
    """The canonical name of a spec key: bare in public, ``schema.name`` elsewhere."""
    schema, name = split(key, schemas)
    return name if schema == PUBLIC else f"{schema}.{name}"


def canonical_keys(items: dict[str, Any], schemas: frozenset[str]) -> dict[str, Any]:
    """``items`` (views, functions, aggregates, domains, types: dataclasses with a ``name``,
    keyed by their spec key) keyed and named by canonical name: ``public.v`` is ``v``,
    ``billing.v`` stays ``billing.v``. Their ``path`` keeps the key as written."""
    from dataclasses import replace

    out: dict[str, Any] = {}
    for key, item in items.items():
        name = canonical(key, schemas)
        out.setdefault(name, item if name == item.name else replace(item, name=name))
    return out


def canonical_triggers(triggers: dict[str, tuple[Any, ...]], schemas: frozenset[str]) -> dict[str, tuple[Any, ...]]:
    """Triggers by the canonical name of their relation, each naming its relation and its
    function canonically (``function: public.touch`` is ``touch``)."""
    from dataclasses import replace

    out: dict[str, tuple[Any, ...]] = {}
    for key, items in triggers.items():
        table = canonical(key, schemas)
        out.setdefault(table, tuple(replace(t, table=table, function=canonical(t.function, schemas)) for t in items))
    return out


def split_in(spec: Any, name: str) -> tuple[str | None, str]:
    """``(schema, bare)`` of a canonical name in ``spec``: schema None for public."""
    schema, bare = split(name, frozenset(spec.schemas))
    return (None if schema == PUBLIC else schema), bare


def qualified_sql(spec: Any, name: str) -> str:
    """The object as SQL: ``"billing"."invoices"``, or ``"invoices"`` in public."""
    schema, bare = split_in(spec, name)
    return (naming.quote_ident(schema) + "." if schema else "") + naming.quote_ident(bare)


def schema_ddl(spec: Any) -> list[str]:
    """CREATE SCHEMA and COMMENT ON SCHEMA for every declared schema, in the spec's order: the
    first statements of the spec's script. ``public`` is never created; its comment is set only
    when the spec gives one."""
    out: list[str] = []
    for s in spec.schemas.values():
        if s.name != PUBLIC:
            out.append(f"CREATE SCHEMA {naming.quote_ident(s.name)}")
        if s.comment is not None and (s.name != PUBLIC or s.comment):
            out.append(comment_sql(s.name, s.comment))
    return out


def comment_sql(name: str, comment: str | None) -> str:
    from generator.spec.types import quote_literal

    return f"COMMENT ON SCHEMA {naming.quote_ident(name)} IS {quote_literal(comment) if comment else 'NULL'}"


# ---------------------------------------------------------------- semantic checks


def check_schemas(spec: Any, source: Source) -> Iterator[Problem]:
    """The key rule, schema names, and what is not built outside public yet."""
    data = spec.raw if isinstance(spec.raw, dict) else {}
    schemas = declared(data)
    for s in spec.schemas.values():
        if s.name in SYSTEM_SCHEMAS or s.name.startswith("pg_"):
            yield source.problem(s.path, f"schema {s.name}: names starting with pg_ and PostgreSQL's own schemas are reserved", key=True)
        elif len(s.name.encode()) > naming.MAX_IDENTIFIER_BYTES:
            yield source.problem(s.path, f"schema {s.name}: longer than {naming.MAX_IDENTIFIER_BYTES} bytes", key=True)
    verbatim = spec.settings.verbatim
    for kind in (*BUILT_KINDS, *OTHER_KINDS):
        body = data.get(kind)
        if not isinstance(body, dict):
            continue
        for key in body:
            if not isinstance(key, str) or "." not in key:
                continue
            schema, _ = split(key, schemas)
            prefix = key.partition(".")[0]
            if schema == PUBLIC and prefix != PUBLIC:
                if not verbatim:
                    yield source.problem((kind, key), f"{kind} {key}: schema {prefix} is not declared "
                                         f"(add it under schemas: {{{prefix}: {{}}}}, or rename the key)", key=True)
                continue
    yield from _tables(spec, data, schemas, source, verbatim)
    for e in spec.unmanaged:  # checks._unmanaged covers public; here what the spec defines in a schema
        if split_in(spec, e.name)[0] is not None and (e.name in spec.tables or e.name in spec.enums
                                                       or e.name in spec.sequences):
            yield source.problem(e.path, f"unmanaged: {e.kind} {e.name} is defined by this spec; remove the entry")
    for seq in spec.sequences.values():
        owner = seq.owner
        if owner and owner[0] in spec.tables and split_in(spec, owner[0])[0] != seq.schema:
            yield source.problem(seq.path + ("owned_by",), f"sequence {seq.name}: owned_by {seq.owned_by} is a table "
                                 "in another schema (PostgreSQL links a sequence to a table of its own schema only)")


def _tables(spec: Any, data: dict[str, Any], schemas: frozenset[str], source: Source, verbatim: bool) -> Iterator[Problem]:
    tables = data.get("tables") if isinstance(data.get("tables"), dict) else {}
    seen: dict[str, str] = {}
    for key, body in tables.items():
        if not isinstance(key, str):
            continue
        name = canonical(key, schemas)
        if name in seen and seen[name] != key:
            yield source.problem(("tables", key), f"table {key}: the same table as {seen[name]} (public is the default schema)", key=True)
        seen.setdefault(name, key)
        schema = split(key, schemas)[0]
        if schema == PUBLIC or not isinstance(body, dict):
            continue
        for feature in _TABLE_FEATURES_PUBLIC_ONLY:
            if body.get(feature):
                yield source.problem(("tables", key, feature), f"table {key}: {feature} is built for tables in public "
                                     "only so far; keep this table in public or drop the key")
    for table in spec.tables.values():
        for fk in table.fks:
            raw = fk.raw_ref_table if hasattr(fk, "raw_ref_table") else fk.ref_table
            prefix = raw.partition(".")[0]
            if "." in raw and not verbatim and prefix not in schemas:
                yield source.problem(fk.path, f"foreign key of {table.name}: schema {prefix} of {raw} is not declared "
                                     f"(add it under schemas: {{{prefix}: {{}}}})")


def refuse_not_built(spec: Any, command: str) -> None:
    """Raise SpecError for what ``command`` ("generate" or "models") does not build outside
    public yet, one problem per key at its line: objects of ``OTHER_KINDS`` in another schema
    (views, functions, domains, types, aggregates: their ops and models name public's objects),
    and for generate ``renamed_from`` on a table, column, enum or enum value in another schema
    (the rename pre-pass names public's objects only). Tables, enums, sequences and the schemas
    themselves are built by both."""
    from generator.errors import Problem, SpecError

    data = spec.raw if isinstance(spec.raw, dict) else {}
    schemas = declared(data)
    found: list[tuple[Path, str, bool]] = []
    for kind in OTHER_KINDS:
        body = data.get(kind)
        for key in body if isinstance(body, dict) else ():
            if isinstance(key, str) and split(key, schemas)[0] != PUBLIC:
                found.append(((kind, key), f"{kind} {key}: {command} does not handle {kind} outside public yet", True))
    if command == "generate":
        found += [(path, f"{what}: generate does not rename objects outside public yet; drop renamed_from (the "
                   "revision then drops and re-creates it) or rename it by hand in its own revision", False)
                  for path, what in _renames_outside_public(spec)]
    if not found:
        return
    if spec.source is not None:
        raise SpecError([spec.source.problem(path, message, key=key) for path, message, key in found])
    raise SpecError([Problem(spec.file, 1, 1, message) for _, message, _ in found])


def _renames_outside_public(spec: Any) -> list[tuple[Path, str]]:
    found: list[tuple[Path, str]] = []
    for table in spec.tables.values():
        if split_in(spec, table.name)[0] is None:
            continue
        if table.renamed_from:
            found.append((table.path + ("renamed_from",), f"table {table.name}"))
        found += [(col.path + ("renamed_from",), f"column {table.name}.{col.name}")
                  for col in table.columns.values() if col.renamed_from]
    for enum in spec.enums.values():
        if split_in(spec, enum.name)[0] is not None and (enum.renamed_from or enum.value_renames):
            found.append((enum.path, f"enum {enum.name}"))
    return found
