"""Measure alembic_utils' PGView/PGMaterializedView against schemactl's view ops (issue 17
item 7) on a PostgreSQL 17.6 proof database. Not part of the test suite: alembic_utils is not
a dependency. Run it with alembic_utils installed in the venv:

    .venv/bin/pip install alembic_utils
    SCHEMACTL_PG17_BIN=... .venv/bin/python scripts/eval_alembic_utils_views.py

It prints, per scenario, what each side's SQL did on a fresh database (ok, or the SQLSTATE
and the first line of PostgreSQL's error) and the time it took.
"""

from __future__ import annotations

import os
import tempfile
import time
from pathlib import Path

import psycopg
from alembic_utils.pg_materialized_view import PGMaterializedView
from alembic_utils.pg_view import PGView

from generator.pg.catalog import Change
from generator.pg.catalog_views import ViewState, create_sql, drop_sql, plan
from generator.pg.server import LocalServer

BASE = """CREATE TABLE t (id int PRIMARY KEY, amount int NOT NULL, status text NOT NULL);
CREATE VIEW v1 AS SELECT id, amount FROM t;
CREATE VIEW v2 AS SELECT id, amount FROM v1 WHERE amount > 100;
CREATE VIEW v3 AS SELECT amount FROM v2;
CREATE VIEW guarded WITH (security_barrier = true) AS SELECT id, status FROM t WHERE status = 'open' WITH LOCAL CHECK OPTION;
CREATE MATERIALIZED VIEW m AS SELECT status, count(*) AS n FROM t GROUP BY status WITH NO DATA;
CREATE UNIQUE INDEX m_status ON m (status);"""


def run(url: str, statements: list[str]) -> tuple[str, float]:
    started = time.perf_counter()
    with psycopg.connect(url) as conn:
        try:
            for sql in statements:
                conn.execute(sql)  # type: ignore[arg-type]
            conn.commit()
            result = "ok"
        except psycopg.Error as exc:
            result = f"{exc.sqlstate}: {str(exc).splitlines()[0]}"
    return result, round((time.perf_counter() - started) * 1000, 1)


def fresh(server: LocalServer, name: str) -> str:
    with psycopg.connect(server.url("postgres").replace("+psycopg", ""), autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {name}")  # type: ignore[arg-type]
        conn.execute(f"CREATE DATABASE {name}")  # type: ignore[arg-type]
    url = server.url(name).replace("+psycopg", "")
    run(url, [BASE])
    return url


def state(definition: str, reads: set[str], materialized: bool = False, options: tuple[str, ...] = ()) -> ViewState:
    return ViewState(materialized, definition, None, options, True, (), frozenset(reads))


def main() -> None:
    root = Path(tempfile.mkdtemp(prefix="schemactl-eval-"))
    os.chmod(root, 0o755)
    server = LocalServer(Path(os.environ["SCHEMACTL_PG17_BIN"]), root / "pg17", name="eval", fsync=False)
    server.ensure_running()
    try:
        v1 = PGView("public", "v1", "SELECT id, amount, amount * 2 AS doubled FROM t")
        v1_typed = PGView("public", "v1", "SELECT id, amount::bigint AS amount FROM t")
        guarded = PGView("public", "guarded", "SELECT id, status FROM t WHERE status IN ('open', 'held')")
        m = PGMaterializedView("public", "m", "SELECT status, count(*) AS n FROM t GROUP BY status", with_data=False)
        live = {"v1": state("SELECT id, amount FROM t", {"t", "t.id", "t.amount"}),
                "v2": state("SELECT id, amount FROM v1 WHERE amount > 100", {"v1", "v1.id", "v1.amount"}),
                "v3": state("SELECT amount FROM v2", {"v2", "v2.amount"})}
        scenarios = {
            "replace v1 (a column added)": (
                [str(x) for x in v1.to_sql_statement_create_or_replace()],
                "v1", "SELECT id, amount, amount * 2 AS doubled FROM t"),
            "replace v1 (a column's type changes)": (
                [str(x) for x in v1_typed.to_sql_statement_create_or_replace()],
                "v1", "SELECT id, amount::bigint AS amount FROM t"),
            "replace guarded (keeps its options?)": (
                [str(x) for x in guarded.to_sql_statement_create_or_replace()], None, None),
            "drop v1 under v2 and v3": ([str(PGView("public", "v1", "SELECT 1").to_sql_statement_drop())], "drop v1", None),
            "t.amount becomes bigint under the chain": (["ALTER TABLE t ALTER COLUMN amount TYPE bigint"], "column", None),
            "replace m (materialized)": ([str(s) for s in [m.to_sql_statement_drop(), m.to_sql_statement_create()]], None, None),
        }
        for name, (theirs, what, new_def) in scenarios.items():
            url = fresh(server, "eval_theirs")
            result, ms = run(url, theirs)
            extra = ""
            if name.startswith("replace guarded") and result == "ok":
                with psycopg.connect(url) as conn:
                    extra = f" -> reloptions {conn.execute('SELECT reloptions FROM pg_class WHERE relname = %s', ('guarded',)).fetchone()[0]}"
            if name.startswith("replace m") and result == "ok":
                with psycopg.connect(url) as conn:
                    extra = f" -> index m_status {'kept' if conn.execute('SELECT 1 FROM pg_class WHERE relname = %s', ('m_status',)).fetchone() else 'lost'}"
            print(f"alembic_utils | {name}: {result} ({ms} ms){extra}")
            print(f"    sql: {' ; '.join(s.strip() for s in theirs)[:300]}")
            if what is None:
                continue
            target = dict(live)
            changes: list[Change] = []
            if what == "v1":
                target["v1"] = state(new_def or "", {"t", "t.id", "t.amount"})
                changes = [Change("view", "v1", "changed")]
            elif what == "drop v1":
                target = {}
                changes = [Change("view", n, "removed") for n in live]
            else:
                changes = [Change("column", "t.amount", "changed", "type: integer -> bigint")]

            class S:  # the two snapshots the plan reads
                def __init__(self, views: dict) -> None:
                    self.views, self.indexes = views, {}

            p = plan(changes, S(live), S(target))
            ours = [drop_sql(n, live[n]) for n in p.drop]
            if what == "column":
                ours.append("ALTER TABLE t ALTER COLUMN amount TYPE bigint")
            ours += [sql for n in p.create for sql in create_sql(n, target[n], {})]
            result, ms = run(fresh(server, "eval_ours"), ours)
            print(f"schemactl     | {name}: {result} ({ms} ms)")
            print(f"    sql: {' ; '.join(s.replace(chr(10), ' ') for s in ours)[:300]}")
    finally:
        server.stop()


if __name__ == "__main__":
    main()
