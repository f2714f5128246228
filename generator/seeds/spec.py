"""Load seeds.yaml and check it against the spec: the rows `schemactl seed` and the data revisions write.

``load_seeds(path, spec)`` returns ``Seeds`` or raises ``SpecError`` listing every problem at
once: YAML (syntax, duplicate keys), the JSON Schema (``seeds.schema.json``), then the checks
against schema.yaml that a JSON Schema cannot express:

- the table exists; every column exists; each value fits its column's type or enum (jsonb
  and json take any YAML value, stored as its JSON); NULL only in nullable columns;
- NOT NULL columns without a default are given; ``created_at``/``updated_at`` and generated
  surrogate keys are left to the database and the seeder;
- the declared natural key is unique in the schema (the primary key, a unique column or
  constraint, or a non-partial unique index on exactly those columns: ON CONFLICT needs one),
  every row gives it, and no two rows share it;
- a foreign key to another seeded table is written as that row's natural key (a scalar for a
  one-column key, else a mapping) and must find it; a foreign key to a table seeds.yaml does
  not seed cannot be given; seeded tables must not reference each other in a cycle.

Pure: no database. ``Seeds.tables`` is in foreign-key order (a table after those it references).
"""

from __future__ import annotations

import difflib
import json
import math
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from generator.errors import Problem, SpecError
from generator.spec.domains import root_type
from generator.spec.model import ColumnSpec, ReferenceSpec, Spec, TableSpec
from generator.spec.namespaces import split_in
from generator.spec.source import Source, capped, load_yaml
from generator.spec.types import ColumnType, TypeProblem, check_default, is_function_default

__all__ = ["Reference", "SeedTable", "Seeds", "load_seeds", "parse_seeds"]

# Set by the database (default) and the seeder (now() when a row changes), never by seeds.yaml.
MANAGED_COLUMNS = ("created_at", "updated_at")
TEXT_TYPES = {"text", "citext", "varchar", "char"}
JSON_TYPES = {"jsonb", "json"}


@dataclass(frozen=True)
class Reference:
    """A seeded column that is a foreign key to another seeded table."""

    column: str  # the foreign-key column of the seeded table
    table: str  # the referenced (seeded) table
    target: str  # the referenced column (usually its surrogate id)
    key: tuple[str, ...]  # the referenced table's natural key, which seeds.yaml writes


@dataclass(frozen=True)
class SeedTable:
    name: str
    key: tuple[str, ...]
    # Each row: column -> value, columns in schema.yaml's order; a reference holds the
    # referenced row's natural key as {key column: value}.
    rows: tuple[dict[str, Any], ...]
    json_columns: frozenset[str] = frozenset()
    array_columns: frozenset[str] = frozenset()
    references: dict[str, Reference] = field(default_factory=dict)
    text_compared: frozenset[str] = frozenset()  # opaque types (point, xml: no "="): compared as text
    has_updated_at: bool = False
    # Every foreign key in the schema that points at this table: (table, column, referenced column).
    referenced_by: tuple[tuple[str, str, str], ...] = ()

    def key_of(self, row: dict[str, Any]) -> tuple[Any, ...]:
        return tuple(row[k] for k in self.key)


@dataclass(frozen=True)
class Seeds:
    file: str
    tables: dict[str, SeedTable]  # foreign-key order

    @property
    def row_count(self) -> int:
        return sum(len(t.rows) for t in self.tables.values())


def load_seeds(path: Path | str, spec: Spec, display: str | None = None) -> Seeds:
    """Read and check seeds.yaml; raise SpecError with every problem, ConfigError if unreadable."""
    from generator.spec import read_source

    source, problems = read_source(path, display)
    return _validated(source, problems, spec)


def parse_seeds(text: str, spec: Spec, file: str = "seeds.yaml") -> Seeds:
    source, problems = load_yaml(text, file)
    return _validated(source, problems, spec)


def _validated(source: Source, problems: list[Problem], spec: Spec) -> Seeds:
    from generator.spec.jsonschema_errors import schema_problems

    if source.data is None:
        raise SpecError(problems)
    schema = schema_problems(source, "seeds")
    checker = _Checker(spec, source)
    try:
        seeds = checker.run()
    except Exception:
        if not (schema or problems):
            raise
        seeds = None  # data this malformed: the YAML/JSON Schema problems say enough
    found = problems + schema + checker.problems
    if found or seeds is None:
        raise SpecError(capped(found))
    return seeds


def _close(word: str, options: list[str]) -> str:
    match = difflib.get_close_matches(word, options, n=1)
    return f" (did you mean {match[0]!r}?)" if match else ""


def _fmt_key(key: tuple[str, ...], values: tuple[Any, ...]) -> str:
    return ", ".join(f"{k}={v!r}" for k, v in zip(key, values, strict=True))


def _hashable(value: Any) -> Any:
    return json.dumps(value, sort_keys=True) if isinstance(value, dict | list) else value


class _Checker:
    """Collects problems while building Seeds; tolerant of data the JSON Schema refused."""

    def __init__(self, spec: Spec, source: Source) -> None:
        self.spec, self.source = spec, source
        self.problems: list[Problem] = []
        self.keys: dict[str, tuple[str, ...]] = {}  # seeded table -> its valid natural key
        self.seeded_keys: dict[str, set[tuple[Any, ...]]] = {}
        self.unsound: set[str] = set()
        # (table, row index, column, value, foreign key, the built row to store the resolved key in)
        self.pending: list[tuple[str, int, str, Any, ReferenceSpec, dict[str, Any]]] = []

    def problem(self, path: tuple[Any, ...], message: str, *, key: bool = False) -> None:
        self.problems.append(self.source.problem(path, message, key=key))

    def run(self) -> Seeds:
        data = self.source.data
        bodies = data.get("tables") if isinstance(data, dict) else None
        if not isinstance(bodies, dict):
            return Seeds(self.source.file, {})
        rows: dict[str, list[dict[str, Any]]] = {}
        for name, body in bodies.items():
            table = self.spec.tables.get(name)
            if table is None:
                self.problem(("tables", name), f"{name}: no table {name!r} in {self.spec.file}{_close(name, list(self.spec.tables))}", key=True)
                continue
            if split_in(self.spec, name)[0] is not None:  # generator.spec.namespaces
                self.problem(("tables", name), f"{name}: seeds for tables outside public are not supported yet", key=True)
                continue
            if isinstance(body, dict):
                rows[name] = self._table(table, body)
        for name, i, column, value, ref, built in self.pending:
            self._reference(name, i, column, value, ref, built, rows)
        order = self._order(rows)
        return Seeds(self.source.file, {name: self._seed_table(self.spec.tables[name], rows[name]) for name in order})

    # ------------------------------------------------------------------ one table

    def _table(self, table: TableSpec, body: dict[str, Any]) -> list[dict[str, Any]]:
        path = ("tables", table.name)
        key = self._key(table, body.get("key"), path + ("key",))
        seen: dict[tuple[Any, ...], int] = {}
        out: list[dict[str, Any]] = []
        raw_rows = body.get("rows") if isinstance(body.get("rows"), list) else []
        for i, row in enumerate(raw_rows):
            if not isinstance(row, dict):
                continue
            out.append(self._row(table, key, i, row, path + ("rows", i)))
            if key and all(row.get(k) is not None for k in key):
                values = tuple(_hashable(row[k]) for k in key)
                if values in seen:
                    first = self.source.position(path + ("rows", seen[values]))[0]
                    self.problem(path + ("rows", i, key[0]), f"{table.name}[{i}]: duplicate natural key {_fmt_key(key, tuple(row[k] for k in key))} (first at line {first})")
                else:
                    seen[values] = i
        if key:
            self.keys[table.name] = key
            self.seeded_keys[table.name] = set(seen)
        if key is None or not isinstance(body.get("rows"), list) or frozenset(key) not in {frozenset(c) for c in unique_keys(table)}:
            self.unsound.add(table.name)  # references to it are not checked: its own problems say enough
        return out

    def _key(self, table: TableSpec, key: Any, path: tuple[Any, ...]) -> tuple[str, ...] | None:
        if not isinstance(key, list) or not key or not all(isinstance(k, str) for k in key):
            return None
        ok = True
        for i, column in enumerate(key):
            if column not in table.columns:
                self.problem(path + (i,), f"{table.name}.key: no column {column!r} in table {table.name}{_close(column, list(table.columns))}")
                ok = False
        if not ok:
            return None
        candidates = unique_keys(table)
        if frozenset(key) not in {frozenset(c) for c in candidates}:
            listed = ", ".join("(" + ", ".join(c) + ")" for c in candidates) or "none"
            self.problem(path, f"{table.name}.key: ({', '.join(key)}) is not unique in {self.spec.file}; the upsert needs a unique constraint or unique index on exactly these columns (unique keys of {table.name}: {listed})")
        return tuple(key)

    def _row(self, table: TableSpec, key: tuple[str, ...] | None, i: int, row: dict[str, Any], path: tuple[Any, ...]) -> dict[str, Any]:
        where = f"{table.name}[{i}]"
        built = {name: row[name] for name in table.columns if name in row}
        for name, value in row.items():
            column = table.columns.get(name)
            cpath = path + (name,)
            if column is None:
                self.problem(cpath, f"{where}: no column {name!r} in table {table.name}{_close(name, list(table.columns))}", key=True)
            elif name in MANAGED_COLUMNS:
                self.problem(cpath, f"{where}.{name}: set by the database and schemactl seed; leave it out", key=True)
            elif column.generated is not None:
                self.problem(cpath, f"{where}.{name}: a generated column (PostgreSQL computes it); leave it out", key=True)
            elif (column.identity is not None or (column.primary_key and column.has_default)) and name not in (key or ()):
                natural = f" ({', '.join(key)})" if key else ""
                self.problem(cpath, f"{where}.{name}: a generated surrogate key; seeds identify rows by their natural key{natural}, leave it out", key=True)
            elif column.references is not None:
                self.pending.append((table.name, i, name, value, column.references, built))
            elif key and name in key and value is None:
                self.problem(cpath, f"{where}.{name}: the natural key must not be null")
            else:
                if column.ctype is not None and column.ctype.domain:  # checked against the domain's base type
                    column = replace(column, ctype=root_type(self.spec, column.ctype) or column.ctype)
                message = value_problem(column, value, self._enum_values(column))
                if message:
                    self.problem(cpath, f"{where}.{name}: {message}")
        for column in table.columns.values():
            if column.name in row:
                continue
            if key and column.name in key:
                self.problem(path, f"{where}: missing natural key column {column.name!r}")
            elif not column.nullable and not column.has_default:
                self.problem(path, f"{where}: missing column {column.name!r} (NOT NULL without a default)")
        return built

    def _enum_values(self, column: ColumnSpec) -> list[str] | None:
        if column.ctype is None or not column.ctype.enum:
            return None
        enum = self.spec.enums.get(column.ctype.base)
        return list(enum.values) if enum else None

    # ------------------------------------------------------------------ references and order

    def _reference(self, name: str, i: int, column: str, value: Any, ref: ReferenceSpec, built: dict[str, Any],
                   rows: dict[str, list[dict[str, Any]]]) -> None:
        path = ("tables", name, "rows", i, column)
        where = f"{name}[{i}].{column}"
        col_spec = self.spec.tables[name].columns[column]
        if value is None:
            if not col_spec.nullable:
                self.problem(path, f"{where}: null in a NOT NULL column")
            return
        target = ref.table
        if target not in rows:
            self.problem(path, f"{where}: references {target}, which seeds.yaml does not seed; seed that row too, or leave {column} out")
            return
        key = self.keys.get(target)
        if key is None or target in self.unsound:
            return  # the target's key or rows are wrong; reported there
        if isinstance(value, dict):
            if set(value) != set(key):
                self.problem(path, f"{where}: write the referenced {target} row by its natural key, a mapping of exactly ({', '.join(key)})")
                return
            values = tuple(value[k] for k in key)
        elif len(key) == 1 and not isinstance(value, list):
            values = (value,)
        else:
            self.problem(path, f"{where}: {target} has a composite natural key; write the reference as a mapping of ({', '.join(key)})")
            return
        if tuple(_hashable(v) for v in values) not in self.seeded_keys.get(target, set()):
            known = [str(r[key[0]]) for r in rows[target] if key[0] in r] if len(key) == 1 else []
            hint = _close(str(values[0]), known) if known else ""
            self.problem(path, f"{where}: no seeded {target} row has {_fmt_key(key, values)}{hint}")
            return
        built[column] = dict(zip(key, values, strict=True))

    def _order(self, rows: dict[str, list[dict[str, Any]]]) -> list[str]:
        """Seeded tables, each after the seeded tables it references (stable: seeds.yaml order)."""
        deps: dict[str, dict[str, str]] = {}  # table -> {referenced seeded table: via column}
        for name in rows:
            used = {c for r in rows[name] for c in r}
            deps[name] = {
                c.references.table: c.name for c in self.spec.tables[name].columns.values()
                if c.references is not None and c.name in used and c.references.table in rows
            }
        order: list[str] = []
        while len(order) < len(rows):
            ready = [n for n in rows if n not in order and set(deps[n]) <= set(order)]
            if not ready:
                stuck = [n for n in rows if n not in order]
                self._cycle(stuck, deps)
                return order + stuck
            order.append(ready[0])
        return order

    def _cycle(self, stuck: list[str], deps: dict[str, dict[str, str]]) -> None:
        path = [stuck[0]]
        while True:  # every stuck table references another stuck one: walk until a table repeats
            name = path[-1]
            nxt = next(t for t in deps[name] if t in stuck)
            if nxt in path:
                cycle = path[path.index(nxt):] + [nxt]
                break
            path.append(nxt)
        first = cycle[0]
        column = deps[first][cycle[1]]
        edges = ", ".join(f"{a}.{deps[a][b]} -> {b}" for a, b in zip(cycle, cycle[1:], strict=False))
        self.problem(("tables", first), f"{first}: seeded rows reference each other in a cycle ({edges}); seeds cannot order them: leave {first}.{column} out of seeds.yaml and set it in a data revision written by hand", key=True)

    def _seed_table(self, table: TableSpec, rows: list[dict[str, Any]]) -> SeedTable:
        columns = table.columns.values()
        references = {}
        for c in columns:
            if c.references is not None and c.references.table in self.keys:
                target = self.spec.referenced_column(c.references) or "id"
                references[c.name] = Reference(c.name, c.references.table, target, self.keys[c.references.table])
        referenced_by = sorted(
            (other.name, c.name, self.spec.referenced_column(c.references) or "id")
            for other in self.spec.tables.values()
            for c in other.columns.values()
            if c.references is not None and c.references.table == table.name
        )
        return SeedTable(
            name=table.name,
            key=self.keys.get(table.name, ()),
            rows=tuple(rows),
            json_columns=frozenset(c.name for c in columns if c.ctype and c.ctype.base in JSON_TYPES and not c.ctype.array),
            array_columns=frozenset(c.name for c in columns if c.ctype and c.ctype.array),
            references={k: v for k, v in references.items() if any(k in r for r in rows)},
            has_updated_at="updated_at" in table.columns,
            referenced_by=tuple(referenced_by),
            text_compared=frozenset(c.name for c in columns if c.ctype and (c.ctype.opaque or c.ctype.dims > 1)),
        )


def unique_keys(table: TableSpec) -> list[tuple[str, ...]]:
    """Column sets ON CONFLICT can name: the primary key, unique columns and constraints, and
    non-partial unique indexes."""
    keys: list[tuple[str, ...]] = []
    if table.primary_key and not table.pk_deferrable:  # a deferrable key is no ON CONFLICT arbiter
        keys.append(tuple(table.primary_key))
    keys += [u.columns for u in table.uniques if not u.deferrable]
    keys += [ix.column_names for ix in table.indexes
             if ix.unique and ix.where is None and all(c.expression is None for c in ix.columns)]
    return list(dict.fromkeys(keys))


# ---------------------------------------------------------------------- values


def value_problem(column: ColumnSpec, value: Any, enum_values: list[str] | None) -> str | None:
    """Why ``value`` cannot be stored in ``column``, or None if it can."""
    if value is None:
        return None if column.nullable else "null in a NOT NULL column"
    ctype = column.ctype
    if ctype is None:  # pragma: no cover - the spec was validated first
        return None
    if ctype.base in JSON_TYPES and not ctype.array:
        return _json_problem(value)
    return _literal_problem(ctype, value, enum_values)


def _literal_problem(ctype: ColumnType, value: Any, enum_values: list[str] | None) -> str | None:
    if ctype.array:
        if not isinstance(value, list):
            return f"a value of array type {ctype.sql()} must be a list"
        element = replace(ctype, array=False, dims=1)
        for item in value:
            message = None if item is None else _literal_problem(element, item, enum_values)
            if message:
                return message
        return None
    if isinstance(value, str) and "\x00" in value:
        return "contains a NUL character, which PostgreSQL cannot store"
    if ctype.base in TEXT_TYPES and not ctype.enum:
        if not isinstance(value, str):
            return f"value {value!r} does not fit type {ctype.sql()}: quote it as a string"
        if ctype.length is not None and len(value) > ctype.length:
            return f"value {value!r} is longer than {ctype.sql()}"
        return None
    if isinstance(value, str) and is_function_default(value):
        return f"value {value!r} is a SQL call; seeds take literal values only"
    if isinstance(value, dict | list):
        return f"a {'mapping' if isinstance(value, dict) else 'list'} does not fit type {ctype.sql()}"
    try:
        check_default(ctype, value, enum_values)
    except TypeProblem as exc:
        message = str(exc)
        return "value " + message[len("default "):] if message.startswith("default ") else message
    return None


def _json_problem(value: Any) -> str | None:
    if isinstance(value, float) and not math.isfinite(value):
        return f"{value} is not JSON (PostgreSQL refuses NaN and infinity in jsonb)"
    if isinstance(value, str) and "\x00" in value:
        return "contains a NUL character, which jsonb cannot store"
    if isinstance(value, dict):
        for item in value.values():
            if message := _json_problem(item):
                return message
    if isinstance(value, list):
        for item in value:
            if message := _json_problem(item):
                return message
    return None
