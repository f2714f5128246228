"""The append-only guard on a database upgraded by the committed chain (issue 17 item 3, the
guard's compatibility): revisions 0005 (guard created) and 0009 (chain guard) applied by
`alembic upgrade head`, then `schemactl diff` against the spec is clean (the guard's function
and triggers are exactly what the spec builds, with the spec's own functions and triggers of
0010 beside them), and the guard still refuses UPDATE, DELETE and TRUNCATE."""

from __future__ import annotations

from collections.abc import Iterator

import psycopg
import pytest
import sqlalchemy as sa
from migration_helpers import REPO

from cadb import audit
from generator.migrate import api as migrate
from generator.pg.database import connect, libpq_url
from generator.pg.server import LocalServer


@pytest.fixture
def head_db(empty_db: str) -> Iterator[sa.Engine]:
    migrate.upgrade(REPO, empty_db, "head")
    engine = connect(empty_db)
    try:
        yield engine
    finally:
        engine.dispose()


def test_diff_is_clean_after_the_committed_chain(head_db: sa.Engine, pg: LocalServer, run_cli, repo_copy) -> None:
    url = head_db.url.render_as_string(hide_password=False)
    run = run_cli("diff", "--db", url, "--dev-db", pg.url(), cwd=repo_copy)
    assert run.code == 0, run.output
    assert "in_sync" in run.stderr


@pytest.mark.parametrize("statement", ["UPDATE audit_logs SET event_type = 'x'", "DELETE FROM audit_logs",
                                       "TRUNCATE audit_logs"])
def test_the_guard_still_refuses_changes(head_db: sa.Engine, statement: str) -> None:
    audit.append_one(head_db, scope_type="job", scope_id="guard-1", event_type="job.created", payload={})
    url = libpq_url(head_db.url.render_as_string(hide_password=False))
    with psycopg.connect(url) as conn:
        with pytest.raises(psycopg.errors.RaiseException) as exc:
            conn.execute(statement)  # type: ignore[arg-type]
        assert "audit_logs is append-only" in str(exc.value)
        conn.rollback()
        assert conn.execute("SELECT count(*) FROM audit_logs").fetchone() == (1,)
