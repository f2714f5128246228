"""The queries that show whether a pending revision succeeds on the target's rows.

Everything runs in one transaction that is READ ONLY and rolled back, with a statement
timeout; each probe has its own SAVEPOINT, so a probe that fails (a cast error, a timeout, a
column a pending revision adds) is rolled back alone and the next one runs. Each probe
returns the number of offending rows (duplicate groups for a UNIQUE) and up to five primary
keys of offending rows (the ``ctid`` when the table has no primary key).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

from generator.preflight import plan as P

SAMPLES = 5
GUC = "schemactl.preflight"
# rough throughput, bytes of table per second, for the estimates (docs/preflight.md)
RATES = {P.REWRITE: 50e6, P.INDEX_BUILD: 30e6, P.SCAN: 200e6}
_CHAR_TYPE = re.compile(r"^(?:pg_catalog\.)?(varchar|bpchar|char|character varying|character)\((\d+)\)$", re.I)


def q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


@dataclass
class Outcome:
    count: int
    samples: list[Any] = field(default_factory=list)
    rows: int | None = None  # UNIQUE: rows in the duplicate groups
    error: str | None = None  # the probe itself failed: sqlstate + first line
    sqlstate: str | None = None
    not_checked: str | None = None  # why the rows could not be probed


class Prober:
    """Probes on one psycopg connection inside a read-only transaction the caller rolls back."""

    def __init__(self, conn: Any) -> None:
        self.conn = conn
        self._keys: dict[str, tuple[list[str], bool]] = {}
        self._n = 0

    # ------------------------------------------------------------------ plumbing

    def query(self, sql: str, params: Any = None) -> list[tuple[Any, ...]]:
        with self.conn.cursor() as cur:
            cur.execute(sql, params)
            return cur.fetchall() if cur.description else []

    def guarded(self, fn: Any) -> Outcome:
        """Run ``fn()`` in a savepoint; a database error becomes the outcome's ``error``."""
        import psycopg

        self._n += 1
        point = f"schemactl_probe_{self._n}"
        self.query(f"SAVEPOINT {point}")
        try:
            outcome = fn()
        except psycopg.Error as exc:
            self.query(f"ROLLBACK TO SAVEPOINT {point}")
            state = exc.sqlstate or ""
            first = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
            if state in ("42703", "42P01", "42704"):  # a column, table or type a pending revision creates
                return Outcome(0, not_checked=f"needs an object an earlier pending step creates ({first})")
            return Outcome(0, error=first, sqlstate=state)
        self.query(f"RELEASE SAVEPOINT {point}")
        return outcome

    def key(self, table: str) -> tuple[list[str], bool]:
        """The primary key columns of ``table`` (or ``["ctid"]``, False)."""
        if table not in self._keys:
            rows = self.query(
                "SELECT a.attname FROM pg_index i JOIN pg_attribute a ON a.attrelid = i.indrelid "
                "AND a.attnum = ANY (i.indkey) WHERE i.indrelid = to_regclass(%s) AND i.indisprimary "
                "ORDER BY array_position(i.indkey, a.attnum)",
                (q(table),),
            )
            self._keys[table] = ([r[0] for r in rows], True) if rows else (["ctid"], False)
        return self._keys[table]

    def key_expr(self, table: str) -> tuple[str, str]:
        """(a jsonb expression of the row's key, the ORDER BY list)."""
        cols, has_pk = self.key(table)
        t = q(table)
        if not has_pk:
            return f"to_jsonb({t}.ctid::text)", f"{t}.ctid"
        parts = [f"{t}.{q(c)}" for c in cols]
        expr = f"to_jsonb({parts[0]})" if len(parts) == 1 else f"jsonb_build_array({', '.join(parts)})"
        return expr, ", ".join(parts)

    def rows_where(self, table: str, condition: str) -> Outcome:
        key, order = self.key_expr(table)
        t = q(table)
        count = self.query(f"SELECT count(*) FROM {t} WHERE {condition}")[0][0]
        samples = [r[0] for r in self.query(
            f"SELECT {key} FROM {t} WHERE {condition} ORDER BY {order} LIMIT {SAMPLES}")] if count else []
        return Outcome(count, samples)

    # ------------------------------------------------------------------ the checks

    def probe(self, check: P.Check) -> list[tuple[str, Outcome]]:
        """(object, outcome) per probed object: one, or one per column for an enum value."""
        if check.kind == P.ENUM_VALUE_REMOVED:
            return self.enum_value_removed(check)
        fn = {
            P.NOT_NULL: self.not_null,
            P.NEW_NOT_NULL_COLUMN: lambda c: self.guarded(lambda: self.rows_where(c.table, "TRUE")),
            P.CHECK: lambda c: self.guarded(lambda: self.rows_where(c.table, f"({c.expr}) IS FALSE")),
            P.UNIQUE: self.unique,
            P.FOREIGN_KEY: self.foreign_key,
            P.TYPE_CHANGE: self.type_change,
        }[check.kind]
        return [(check.object, fn(check))]

    def not_null(self, c: P.Check) -> Outcome:
        if c.added_column:  # added by a pending revision: NULL in every row unless it had a default
            return Outcome(0, not_checked="the column is added by a pending revision; its default decides")
        return self.guarded(lambda: self.rows_where(c.table, f"{q(c.table)}.{q(c.columns[0])} IS NULL"))

    def unique(self, c: P.Check) -> Outcome:
        def run() -> Outcome:
            t = q(c.table)
            key, order = self.key_expr(c.table)
            where = [f"({c.expr})"] if c.expr else []
            if not c.nulls_not_distinct:
                where += [f"({e}) IS NOT NULL" for e in c.exprs]
            cond = " AND ".join(where) or "TRUE"
            keys = ", ".join(f"({e})" for e in c.exprs)
            groups = (f"SELECT count(*) AS n, (array_agg({key} ORDER BY {order}))[1:{SAMPLES}] AS keys "
                      f"FROM {t} WHERE {cond} GROUP BY {keys} HAVING count(*) > 1")
            count, rows = self.query(f"SELECT count(*), coalesce(sum(n), 0) FROM ({groups}) g")[0]
            samples: list[Any] = []
            if count:
                for (group_keys,) in self.query(f"SELECT keys FROM ({groups}) g LIMIT {SAMPLES}"):
                    samples.extend(_json(k) for k in group_keys)
            return Outcome(count, samples[:SAMPLES], rows=int(rows))

        return self.guarded(run)

    def foreign_key(self, c: P.Check) -> Outcome:
        t = q(c.table)
        present = " AND ".join(f"{t}.{q(col)} IS NOT NULL" for col in c.columns)
        if c.ref_is_new:  # the referenced table is created by a pending revision: empty
            return self.guarded(lambda: self.rows_where(c.table, present))

        def run() -> Outcome:
            ref_cols = c.ref_columns or self.key(c.ref_table or "")[0]
            match = " AND ".join(f"pf_r.{q(rc)} = {t}.{q(col)}" for col, rc in zip(c.columns, ref_cols, strict=False))
            return self.rows_where(c.table, f"{present} AND NOT EXISTS (SELECT 1 FROM {q(c.ref_table or '')} pf_r WHERE {match})")

        return self.guarded(run)

    def type_change(self, c: P.Check) -> Outcome:
        if c.added_column:
            return Outcome(0, not_checked="the column is added by a pending revision")
        t = q(c.table)
        value = c.expr or f"{t}.{q(c.columns[0])}"
        narrow = _CHAR_TYPE.match((c.new_type or "").strip())
        if narrow:  # assignment to varchar(n) fails on a longer value; an explicit cast would truncate
            n = int(narrow.group(2))
            return self.guarded(lambda: self.rows_where(
                c.table, f"char_length(rtrim(CAST(({value}) AS text), ' ')) > {n}"))
        cast = f"CAST(({value}) AS {c.new_type})"

        def all_rows() -> Outcome:
            self.query(f"SELECT count({cast}) FROM {t}")
            return Outcome(0)

        whole = self.guarded(all_rows)
        if whole.error is None or not (whole.sqlstate or "").startswith(("22", "23")):
            return whole
        return self.guarded(lambda: self._rows_failing(c.table, cast))

    def _rows_failing(self, table: str, cast: str) -> Outcome:
        """Each row's cast in its own subtransaction (a DO block, allowed read-only), the count
        and the first keys handed back through a transaction-local setting."""
        key, order = self.key_expr(table)
        t = q(table)
        tag = "$schemactl_pf$"
        while tag in cast:
            tag = tag[:-1] + "x$"
        body = f"""
DECLARE r record; n bigint := 0; keys jsonb := '[]';
BEGIN
  FOR r IN SELECT {key} AS k, {t}.ctid AS c FROM {t} ORDER BY {order} LOOP
    BEGIN
      PERFORM {cast} FROM {t} WHERE {t}.ctid = r.c;
    EXCEPTION WHEN data_exception OR integrity_constraint_violation THEN
      n := n + 1;
      IF n <= {SAMPLES} THEN keys := keys || jsonb_build_array(r.k); END IF;
    END;
  END LOOP;
  PERFORM set_config('{GUC}', jsonb_build_object('n', n, 'keys', keys)::text, true);
END"""
        self.query(f"DO {tag}{body}{tag}")
        got = json.loads(self.query("SELECT current_setting(%s)", (GUC,))[0][0])
        return Outcome(int(got["n"]), list(got["keys"]))

    def enum_value_removed(self, c: P.Check) -> list[tuple[str, Outcome]]:
        typ = c.enum_type or ""
        exists = self.query("SELECT to_regtype(%s) IS NOT NULL", (q(typ),))[0][0]
        if not exists:
            return []
        current = [r[0] for r in self.query(f"SELECT unnest(enum_range(NULL::{q(typ)}))::text")]
        removed = [v for v in current if v not in c.values]
        if not removed:
            return []
        columns = self.query(
            "SELECT c.relname, a.attname, a.atttypid <> t.oid FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid "
            "JOIN pg_namespace n ON n.oid = c.relnamespace JOIN pg_type t ON t.oid = to_regtype(%s) "
            "WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p') AND a.attnum > 0 AND NOT a.attisdropped "
            "AND a.atttypid IN (t.oid, t.typarray) ORDER BY 1, 2",
            (q(typ),),
        )
        lits = ", ".join(_literal(v) for v in removed)
        out = []
        for table, column, is_array in columns:
            col = f"{q(table)}.{q(column)}"
            cond = f"{col}::text[] && ARRAY[{lits}]" if is_array else f"{col}::text IN ({lits})"
            outcome = self.guarded(lambda table=table, cond=cond: self.rows_where(table, cond))
            out.append((f"{table}.{column} ({typ}: {', '.join(removed)})", outcome))
        return out

    # ------------------------------------------------------------------ sizes and blockers

    def table_sizes(self, tables: list[str]) -> dict[str, tuple[int, int | None]]:
        """table -> (bytes of the heap and its TOAST, estimated rows: None when the table was
        never vacuumed or analyzed)."""
        if not tables:
            return {}
        import psycopg

        sql = ("SELECT t, {size}, c.reltuples::bigint "
               "FROM unnest(%s::text[]) t JOIN pg_class c ON c.oid = to_regclass(quote_ident(t))")
        self.query("SAVEPOINT schemactl_sizes")
        try:  # pg_table_size opens the table: a lock held by another session makes it wait (lock_timeout)
            rows = self.query(sql.format(size="pg_table_size(c.oid)"), (tables,))
            self.query("RELEASE SAVEPOINT schemactl_sizes")
        except psycopg.Error:
            self.query("ROLLBACK TO SAVEPOINT schemactl_sizes")  # the planner's figures need no lock
            rows = self.query(sql.format(size="c.relpages::bigint * current_setting('block_size')::bigint"), (tables,))
        return {r[0]: (int(r[1] or 0), int(r[2]) if r[2] is not None and r[2] >= 0 else None) for r in rows}

    def long_transactions(self, tables: list[str], max_age: float) -> list[dict[str, Any]]:
        """Other sessions of this database whose transaction is older than ``max_age`` seconds,
        with the touched tables they hold a lock on: a migration's ACCESS EXCLUSIVE lock waits
        for them (and every query queues behind it), and CREATE INDEX CONCURRENTLY waits for
        every older transaction."""
        rows = self.query(
            "SELECT a.pid, coalesce(a.usename, ''), coalesce(a.state, ''), "
            "extract(epoch FROM clock_timestamp() - a.xact_start)::float8, "
            "coalesce(array(SELECT DISTINCT c.relname::text FROM pg_locks l JOIN pg_class c ON c.oid = l.relation "
            "  WHERE l.pid = a.pid AND l.granted AND c.relname = ANY(%s::text[]) ORDER BY 1), '{}') "
            "FROM pg_stat_activity a WHERE a.datname = current_database() AND a.pid <> pg_backend_pid() "
            "AND a.backend_type = 'client backend' AND a.xact_start IS NOT NULL "
            "AND clock_timestamp() - a.xact_start > make_interval(secs => %s) ORDER BY a.xact_start",
            (tables, max_age),
        )
        return [{"pid": r[0], "user": r[1], "state": r[2], "seconds": round(r[3], 1), "locks": list(r[4])} for r in rows]


def _json(value: Any) -> Any:
    return json.loads(value) if isinstance(value, str) else value


def _literal(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"
