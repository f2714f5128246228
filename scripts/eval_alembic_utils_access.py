"""Measure alembic_utils' PGPolicy and PGGrantTable against schemactl's access ops (issue 17
item 7, round two: round one measured PGView/PGMaterializedView in
scripts/eval_alembic_utils_views.py) on a PostgreSQL proof database. Not part of the test
suite: alembic_utils is not a dependency. Run it with alembic_utils installed in the venv:

    .venv/bin/pip install alembic_utils
    SCHEMACTL_PG17_BIN=... .venv/bin/python scripts/eval_alembic_utils_access.py [--pg-bin DIR]

Every scenario starts from a fresh database holding BASE (a table ``t`` with a quoted
mixed-case column, three NOLOGIN roles, one of them with a quoted name). For each side:

- alembic_utils: what its autogenerate decides for the registered entity
  (``get_required_migration_op``: it creates the entity in a savepoint of the live database
  and compares its own renderings), the SQL of that op, applied; or the exception it raises.
- schemactl: the catalog snapshots of the live database and of a database built to the
  wanted state (``generator.pg.catalog.read_snapshot``), ``fix_access.access_statements``
  (what ``diff`` writes and ``generate``'s access ops carry), applied.

Then the same probe runs on both results (which rows a role sees, what it may select), and the
time each side took to decide (milliseconds, decision only, not the apply).
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import psycopg
import sqlalchemy as sa
from alembic_utils.pg_grant_table import PGGrantTable
from alembic_utils.pg_policy import PGPolicy
from sqlalchemy.orm import Session

from generator.drift.fix_access import access_statements
from generator.pg.catalog import read_snapshot
from generator.pg.server import LocalServer

ROLES = ("ev_tenant", "ev_reporting", "Ev Auditor", "ev_owner")
BASE = """CREATE TABLE t (id int PRIMARY KEY, tenant_id int NOT NULL, status text NOT NULL, "Order Total" numeric);
INSERT INTO t VALUES (1, 1, 'open', 10), (2, 2, 'open', 20), (3, 2, 'closed', 30);"""


def _roles(url: str) -> None:
    with psycopg.connect(url, autocommit=True) as conn:
        for r in ROLES:
            conn.execute(f"DO $$BEGIN CREATE ROLE \"{r}\" NOLOGIN; EXCEPTION WHEN duplicate_object THEN NULL; END$$")  # type: ignore[arg-type]


def fresh(server: LocalServer, name: str, extra: str = "") -> str:
    with psycopg.connect(server.url("postgres").replace("+psycopg", ""), autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {name}")  # type: ignore[arg-type]
        conn.execute(f"CREATE DATABASE {name}")  # type: ignore[arg-type]
    url = server.url(name).replace("+psycopg", "")
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(BASE + extra)  # type: ignore[arg-type]
    return url


def apply(url: str, statements: list[str]) -> str:
    with psycopg.connect(url) as conn:
        try:
            for sql in statements:
                conn.execute(sql)  # type: ignore[arg-type]
            conn.commit()
            return "ok"
        except psycopg.Error as exc:
            return f"{exc.sqlstate}: {str(exc).splitlines()[0]}"


def theirs(url: str, entity_factory: Callable[[], Any]) -> tuple[str, list[str], float]:
    """(decision, SQL, ms) of alembic_utils' autogenerate for one registered entity."""
    engine = sa.create_engine(url.replace("postgresql://", "postgresql+psycopg://", 1))
    started = time.perf_counter()
    try:
        entity = entity_factory()
        with Session(engine) as sess:
            op = entity.get_required_migration_op(sess)
            sess.rollback()
        ms = round((time.perf_counter() - started) * 1000, 1)
        if op is None:
            return "no change", [], ms
        target = op.target
        if type(op).__name__ == "ReplaceOp":
            sql = [str(s) for s in target.to_sql_statement_create_or_replace()]
        else:
            sql = [str(target.to_sql_statement_create())]
        return type(op).__name__, sql, ms
    except Exception as exc:  # noqa: BLE001 - what it raises is the measurement
        return f"raises {type(exc).__name__}: {str(exc).splitlines()[0][:120]}", [], round((time.perf_counter() - started) * 1000, 1)
    finally:
        engine.dispose()


def ours(live_url: str, wanted_url: str) -> tuple[list[str], float]:
    """(SQL, ms) of schemactl's access statements from the live database to the wanted one."""
    started = time.perf_counter()
    snaps = []
    for url in (live_url, wanted_url):
        engine = sa.create_engine(url.replace("postgresql://", "postgresql+psycopg://", 1))
        with engine.connect() as conn:
            snaps.append(read_snapshot(conn))
        engine.dispose()
    first, last = access_statements(snaps[0], snaps[1], set())
    return first + last, round((time.perf_counter() - started) * 1000, 1)


def probe(url: str, role: str, sql: str) -> str:
    with psycopg.connect(url) as conn:
        try:
            conn.execute(f'SET ROLE "{role}"')  # type: ignore[arg-type]
            conn.execute("SET app.tenant = '2'")
            cur = conn.execute(sql)  # type: ignore[arg-type]
            return f"{len(cur.fetchall())} rows" if cur.description else "allowed"
        except psycopg.Error as exc:
            return f"{exc.sqlstate}"


POLICY_SQL = "tenant_id = current_setting('app.tenant')::int"

SCENARIOS: list[dict[str, Any]] = [
    {
        "name": "a tenant policy is added (the table has RLS off)",
        "live": 'GRANT SELECT ON t TO ev_tenant;',
        "wanted": f'GRANT SELECT ON t TO ev_tenant; ALTER TABLE t ENABLE ROW LEVEL SECURITY; '
                  f'CREATE POLICY tenant ON t TO ev_tenant USING ({POLICY_SQL});',
        "entity": lambda: PGPolicy(schema="public", signature="tenant", on_entity="public.t",
                                   definition=f"as permissive for all to ev_tenant using ({POLICY_SQL})"),
        "probe": ("ev_tenant", "SELECT * FROM t"),
    },
    {
        "name": "an unchanged policy for a role with a quoted name",
        "live": f'ALTER TABLE t ENABLE ROW LEVEL SECURITY; CREATE POLICY audit ON t TO "Ev Auditor" USING ({POLICY_SQL});',
        "wanted": f'ALTER TABLE t ENABLE ROW LEVEL SECURITY; CREATE POLICY audit ON t TO "Ev Auditor" USING ({POLICY_SQL});',
        "entity": lambda: PGPolicy(schema="public", signature="audit", on_entity="public.t",
                                   definition=f'as permissive for all to "Ev Auditor" using ({POLICY_SQL})'),
    },
    {
        "name": "FORCE ROW LEVEL SECURITY and a policy comment",
        "live": f"ALTER TABLE t ENABLE ROW LEVEL SECURITY; CREATE POLICY tenant ON t USING ({POLICY_SQL});",
        "wanted": f"ALTER TABLE t ENABLE ROW LEVEL SECURITY; ALTER TABLE t FORCE ROW LEVEL SECURITY; "
                  f"CREATE POLICY tenant ON t USING ({POLICY_SQL}); COMMENT ON POLICY tenant ON t IS 'One tenant';",
        "entity": lambda: PGPolicy(schema="public", signature="tenant", on_entity="public.t",
                                   definition=f"as permissive for all to public using ({POLICY_SQL})"),
    },
    {
        "name": "SELECT on the whole table to ev_reporting",
        "live": "",
        "wanted": "GRANT SELECT ON t TO ev_reporting;",
        "entity": lambda: PGGrantTable(schema="public", table="t", role="ev_reporting", grant="SELECT"),
        "probe": ("ev_reporting", "SELECT * FROM t"),
    },
    {
        "name": "SELECT on every column, then a column is added (table-level grant live)",
        "live": "CREATE TABLE t2 (id int, a int); GRANT SELECT ON t2 TO ev_reporting; ALTER TABLE t2 ADD COLUMN note text;",
        "wanted": "CREATE TABLE t2 (id int, a int); GRANT SELECT ON t2 TO ev_reporting; ALTER TABLE t2 ADD COLUMN note text;",
        "entity": lambda: PGGrantTable(schema="public", table="t2", role="ev_reporting", grant="SELECT", columns=["id", "a"]),
        "probe": ("ev_reporting", "SELECT note FROM t2"),
    },
    {
        "name": "UPDATE on a mixed-case column",
        "live": "",
        "wanted": 'GRANT UPDATE ("Order Total") ON t TO ev_reporting;',
        "entity": lambda: PGGrantTable(schema="public", table="t", role="ev_reporting", grant="UPDATE",
                                       columns=["Order Total"]),
    },
    {
        "name": "an extra grant made by the table's owner (not the migration role)",
        "live": "ALTER TABLE t OWNER TO ev_owner; SET ROLE ev_owner; GRANT DELETE ON t TO ev_reporting; RESET ROLE;",
        "wanted": "ALTER TABLE t OWNER TO ev_owner;",
        "entity": "from_database",  # nothing registered: which grants does its autogenerate see at all?
        "probe": ("ev_reporting", "DELETE FROM t WHERE false"),
    },
    {
        "name": "MAINTAIN (PostgreSQL 17) on the table",
        "live": "",
        "wanted": "GRANT MAINTAIN ON t TO ev_reporting;",
        "entity": lambda: PGGrantTable(schema="public", table="t", role="ev_reporting", grant="MAINTAIN"),
    },
    {
        "name": "USAGE on a sequence, EXECUTE on a function, USAGE on a schema, default privileges",
        "live": "CREATE SEQUENCE s; CREATE SCHEMA b;",
        "wanted": "CREATE SEQUENCE s; CREATE SCHEMA b; GRANT USAGE ON SEQUENCE s TO ev_reporting; "
                  "GRANT USAGE ON SCHEMA b TO ev_reporting; ALTER DEFAULT PRIVILEGES GRANT SELECT ON TABLES TO ev_reporting;",
        "entity": None,
    },
]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--pg-bin", default=os.environ.get("SCHEMACTL_PG17_BIN"))
    args = parser.parse_args()
    root = Path(tempfile.mkdtemp(prefix="schemactl-eval-"))
    os.chmod(root, 0o755)
    server = LocalServer(Path(args.pg_bin), root / "pg", name="eval", fsync=False)
    server.ensure_running()
    try:
        _roles(server.url("postgres").replace("+psycopg", ""))
        for s in SCENARIOS:
            print(f"== {s['name']}")
            live = fresh(server, "eval_theirs", s["live"])
            if s["entity"] is None:
                print("alembic_utils | no entity class for this: not managed")
            elif s["entity"] == "from_database":
                engine = sa.create_engine(live.replace("postgresql://", "postgresql+psycopg://", 1))
                with Session(engine) as sess:
                    seen = PGGrantTable.from_database(sess, "public")
                engine.dispose()
                print(f"alembic_utils | PGGrantTable.from_database sees {len(seen)} grants (a DropOp needs one); "
                      f"probe {probe(live, *s['probe'])}")
            else:
                decision, sql, ms = theirs(live, s["entity"])
                result = apply(live, sql) if sql else "-"
                after = f", probe {probe(live, *s['probe'])}" if "probe" in s and result in ("ok", "-") else ""
                print(f"alembic_utils | {decision} ({ms} ms); apply: {result}{after}")
                if sql:
                    print(f"    sql: {' ; '.join(x.strip() for x in sql)[:300]}")
            live = fresh(server, "eval_ours", s["live"])
            wanted = fresh(server, "eval_wanted", s["wanted"])
            sql, ms = ours(live, wanted)
            result = apply(live, sql) if sql else "-"
            after = f", probe {probe(live, *s['probe'])}" if "probe" in s else ""
            print(f"schemactl     | {len(sql)} statements ({ms} ms); apply: {result}{after}")
            if sql:
                print(f"    sql: {' ; '.join(sql)[:300]}")
        scale(server)
    finally:
        server.stop()


def scale(server: LocalServer, n: int = 50) -> None:
    """Autogenerate time with ``n`` unchanged grants (TRUNCATE: a table-level grant both sides
    can say): alembic_utils decides per registered entity, schemactl per database pair."""
    tables = "".join(f"CREATE TABLE s{i} (id int); GRANT TRUNCATE ON s{i} TO ev_reporting; " for i in range(n))
    live = fresh(server, "eval_theirs", tables)
    engine = sa.create_engine(live.replace("postgresql://", "postgresql+psycopg://", 1))
    started = time.perf_counter()
    with Session(engine) as sess:
        ops = [PGGrantTable(schema="public", table=f"s{i}", role="ev_reporting", grant="TRUNCATE").get_required_migration_op(sess)
               for i in range(n)]
        sess.rollback()
    theirs_ms = round((time.perf_counter() - started) * 1000)
    engine.dispose()
    sql, ours_ms = ours(live, fresh(server, "eval_wanted", tables))
    print(f"== {n} unchanged table grants: alembic_utils {theirs_ms} ms ({sum(o is not None for o in ops)} ops); "
          f"schemactl {round(ours_ms)} ms ({len(sql)} statements)")


if __name__ == "__main__":
    main()
