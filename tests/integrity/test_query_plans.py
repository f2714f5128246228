"""The hot queries of docs/queries.sql use their indexes on realistic volume.

Per server, once (module scope): a database at head gets 2,000 users, 200,000 jobs, 50,000
licenses and 50,000 audit rows from tests/integrity/volume.sql (generate_series), then VACUUM
(ANALYZE). Each named query runs under EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON); the test
asserts that its index is scanned and that it returned rows.

docs/queries.md shows each query with the plan it produced on PostgreSQL 17. Regenerate it
with ``SCHEMACTL_WRITE_QUERY_DOCS=1 python -m pytest tests/integrity/test_query_plans.py``;
without that variable the test only checks that the docs still show every query of
docs/queries.sql verbatim.
"""

from __future__ import annotations

import datetime
import os
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psycopg
import pytest
import sqlalchemy as sa
from integrity_support import (
    QUERIES_MD,
    QUERIES_SQL,
    SPEC,
    NamedQuery,
    indexes_in_plan,
    libpq_url,
    load_queries,
)

from generator.pg.database import scratch_database
from generator.pg.server import LocalServer

pytestmark = pytest.mark.slow  # volume and subprocess tests: left out of the default run (tests/conftest.py), run by CI

VOLUME_SQL = Path(__file__).with_name("volume.sql")
LOADED = ("jobs", "licenses", "audit_logs")
QUERIES = load_queries()
WRITE_DOCS = os.environ.get("SCHEMACTL_WRITE_QUERY_DOCS") == "1"
DOCS_MAJOR = "17"  # the production target

# Parameter values, looked up in the generated data where they are ids.
PARAMS: dict[str, dict[str, str]] = {
    "jobs_by_status": {"status": "queued"},
    "user_latest_jobs": {"user_id": "SELECT user_id::text FROM jobs WHERE idempotency_key = 'volume-job-1234'"},
    "licenses_ending_soon": {"status": "active"},
    "jobs_metrics_containment": {"probe": '{"alarm": "spindle_overload"}'},
    "audit_chain_head": {"scope_type": "job", "scope_id": "volume-scope-250"},
}


@dataclass
class Volume:
    url: str
    seconds: float
    server_version: str


@pytest.fixture(scope="module")
def volume(pg: LocalServer, head_template: str) -> Iterator[Volume]:
    with scratch_database(pg.url(), prefix="integrity_volume", template=head_template) as url:
        started = time.monotonic()
        with psycopg.connect(libpq_url(url), autocommit=True) as conn:
            conn.execute(VOLUME_SQL.read_text(encoding="utf-8"))  # one script, no parameters
            conn.execute("VACUUM (ANALYZE) users, jobs, licenses, audit_logs")
            version = conn.execute("SHOW server_version").fetchone()[0]
        yield Volume(url, time.monotonic() - started, version)


def test_the_queries_file_names_an_index_for_every_query() -> None:
    assert [q.name for q in QUERIES] == list(PARAMS)
    assert all(q.sql and q.index and q.description for q in QUERIES)


def test_the_volume(volume: Volume) -> None:
    with psycopg.connect(libpq_url(volume.url), autocommit=True) as conn:
        counts = {t: conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in ("jobs", "licenses", "audit_logs")}
        assert counts["jobs"] >= 200_000 and counts["licenses"] >= 50_000 and counts["audit_logs"] >= 50_000
        # The load re-added the CHECKs of the loaded tables NOT VALID (see volume.sql): every
        # other constraint is valid, and a 5% sample of the rows meets every CHECK.
        unvalidated = conn.execute(
            "SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid) FROM pg_constraint "
            "WHERE connamespace = 'public'::regnamespace AND NOT convalidated ORDER BY 1, 2"
        ).fetchall()
        assert {(t, c) for t, c, _ in unvalidated} == {
            (t.name, ck.name) for t in SPEC.tables.values() if t.name in LOADED for ck in t.checks
        }
        for table, name, definition in unvalidated:
            condition = definition.removeprefix("CHECK ").removesuffix(" NOT VALID")
            bad = conn.execute(f"SELECT count(*) FROM {table} TABLESAMPLE SYSTEM (5) WHERE NOT coalesce({condition}, true)")
            assert bad.fetchone()[0] == 0, name
        # Every chain is linked: each row but the first points at its predecessor's hash.
        broken = conn.execute("""
            SELECT count(*) FROM audit_logs a
            LEFT JOIN audit_logs p ON p.scope_type = a.scope_type AND p.scope_id = a.scope_id AND p.chain_hash = a.prev_chain_hash
            WHERE a.prev_chain_hash IS NOT NULL AND p.id IS NULL""").fetchone()[0]
        assert broken == 0
    print(f"volume loaded in {volume.seconds:.1f} s on PostgreSQL {volume.server_version}")


def explain(url: str, query: NamedQuery, fmt: str) -> Any:
    with psycopg.connect(libpq_url(url), autocommit=True) as conn:
        params = {
            key: conn.execute(value).fetchone()[0] if value.startswith("SELECT ") else value
            for key, value in PARAMS[query.name].items()
        }
        sql = f"EXPLAIN (ANALYZE, BUFFERS, FORMAT {fmt}) {query.for_psycopg()}"
        rows = conn.execute(sql, params).fetchall()
    return rows[0][0] if fmt == "JSON" else "\n".join(r[0] for r in rows)


@pytest.mark.parametrize("query", QUERIES, ids=[q.name for q in QUERIES])
def test_the_query_uses_its_index(volume: Volume, query: NamedQuery) -> None:
    plan = explain(volume.url, query, "JSON")
    used = indexes_in_plan(plan)
    assert query.index in used, f"{query.name}: expected {query.index}, plan scans {used or 'no index'}"
    assert plan[0]["Plan"]["Actual Rows"] > 0, f"{query.name} found no rows: the probe is not meaningful"


def test_the_docs_show_every_query(pg: LocalServer, volume: Volume) -> None:
    if WRITE_DOCS and pg.version().split(".")[0] == DOCS_MAJOR:
        QUERIES_MD.write_text(render_docs(volume), encoding="utf-8")
    text = QUERIES_MD.read_text(encoding="utf-8")
    for query in QUERIES:
        assert f"```sql\n{query.sql}\n```" in text, f"docs/queries.md does not show {query.name} as in docs/queries.sql"
        assert query.index in text


def render_docs(volume: Volume) -> str:
    today = datetime.date.today().isoformat()
    out = [
        "# Query examples and their plans",
        "",
        "The application's hot queries, with the plan PostgreSQL chose for each on realistic volume.",
        f"The SQL is [`docs/queries.sql`]({QUERIES_SQL.name}), the one copy the tests also run",
        "(`tests/integrity/test_query_plans.py` asserts the named index in every plan, on",
        "PostgreSQL 17 and 18).",
        "",
        "**Data**: 2,000 users, 200,000 jobs, 50,000 licenses, 50,000 audit rows (500 chains of 100),",
        "generated by `tests/integrity/volume.sql` (loaded the way pg_restore loads a dump: constraints",
        "and indexes re-created after the rows), then `VACUUM (ANALYZE)`. Plans below: PostgreSQL",
        f"{volume.server_version}, {today}, a shared 2-core machine busy with other work; the timings are",
        "indicative, the plan shapes are what the tests assert.",
        "",
        "Run one yourself: the parameters are psql variables.",
        "",
        "```",
        "$ psql \"$DATABASE_URL\" -v status=queued",
        "=> EXPLAIN (ANALYZE, BUFFERS)",
        "   SELECT id, user_id, type, created_at FROM jobs WHERE status = :'status' ORDER BY created_at LIMIT 50;",
        "```",
        "",
        "Regenerate this page (plans and all): "
        "`SCHEMACTL_WRITE_QUERY_DOCS=1 SCHEMACTL_TEST_PG=17 python -m pytest tests/integrity/test_query_plans.py`.",
        "",
    ]
    for query in QUERIES:
        params = ", ".join(f"`{k}` = {_shown(v)}" for k, v in PARAMS[query.name].items())
        out += [
            f"## {query.name}",
            "",
            query.description,
            "",
            "```sql",
            query.sql,
            "```",
            "",
            f"Parameters: {params}. Index: `{query.index}`.",
            "",
            "```",
            explain(volume.url, query, "TEXT"),
            "```",
            "",
        ]
    out += _kept_sections()
    out += _notes()
    return "\n".join(out).rstrip() + "\n"


def _kept_sections() -> list[str]:
    """The page's "## Reporting: ..." section, which tests/integrity/test_reporting_view.py writes."""
    existing = QUERIES_MD.read_text(encoding="utf-8")
    start = existing.find("## Reporting: ")
    if start < 0:
        return []
    end = existing.find("\n## ", start + 3)
    return existing[start:end + 1 if end >= 0 else None].rstrip("\n").split("\n") + [""]


def _shown(value: str) -> str:
    if value.startswith("SELECT "):
        return f"a user's id (the test takes `{value}`)"
    return f"`'{value}'`"


def _notes() -> list[str]:
    return [
        "## Reading the plans",
        "",
        "- **jobs_by_status**: `ix_jobs_status_created_at` (status, created_at) returns the rows already",
        "  in `created_at` order, so `LIMIT 50` stops after 50 index entries: no sort, no scan of the",
        "  other statuses.",
        "- **user_latest_jobs**: `ix_jobs_user_id_created_at` is (user_id, created_at DESC): the newest",
        "  jobs of one user come first; `deleted_at IS NULL` is checked on the fetched rows (soft-deleted",
        "  rows are rare, a partial index is not worth it yet).",
        "- **licenses_ending_soon**: equality on `status`, then a range on `ends_at`: both columns of",
        "  `ix_licenses_status_ends_at` bound the index scan (`Index Cond` names both), so only the",
        "  matching entries are read; PostgreSQL may fetch them as a bitmap and sort the few rows.",
        "- **jobs_metrics_containment**: `@>` on JSONB is served by the GIN index `ix_jobs_metrics`",
        "  (default `jsonb_ops`): a Bitmap Index Scan, then a Bitmap Heap Scan that rechecks the rows.",
        "  Selective probes (here 100 rows of 200,000) profit most; a probe matching most rows is",
        "  rightly done with a sequential scan.",
        "- **audit_chain_head**: `ix_audit_logs_scope_type_scope_id_id` is (scope_type, scope_id, id),",
        "  scanned backward: the chain head is the last entry for the scope, one index probe however",
        "  long the chain is (ascending since 0008, so `audit verify` reads every chain in order from",
        "  the same index without a sort). An append takes the scope's lock, then reads the head and",
        "  inserts the next row; should two appends race on the same head, the fork guard",
        "  `uq_audit_logs_scope_prev` refuses the second.",
    ]


def test_every_plan_index_exists_in_the_schema(volume: Volume) -> None:
    engine = sa.create_engine(volume.url)
    try:
        with engine.connect() as conn:
            names = set(conn.execute(sa.text("SELECT indexname FROM pg_indexes WHERE schemaname = 'public'")).scalars())
    finally:
        engine.dispose()
    assert {q.index for q in QUERIES} <= names
