"""What preflight reads from a revision's offline SQL (no server): which statements need the
rows checked, under which name in the target."""

from __future__ import annotations

from generator.preflight import plan as P
from generator.preflight.plan import plan_sql


def kinds(sql: str) -> list[tuple[str, str, str]]:
    return [(c.kind, c.table, c.object) for c in plan_sql("0010", "m", sql).checks]


def test_not_valid_is_checked_only_where_it_is_validated() -> None:
    assert kinds("ALTER TABLE t ADD CONSTRAINT ck CHECK (a > 0) NOT VALID;") == []
    assert kinds("ALTER TABLE t ADD CONSTRAINT ck CHECK (a > 0) NOT VALID; ALTER TABLE t VALIDATE CONSTRAINT ck;") == [
        (P.CHECK, "t", "ck")]
    assert kinds("ALTER TABLE t ADD CONSTRAINT fk FOREIGN KEY (u) REFERENCES u (id) NOT VALID;"
                 "ALTER TABLE t VALIDATE CONSTRAINT fk;") == [(P.FOREIGN_KEY, "t", "fk")]


def test_the_online_not_null_pattern_is_one_probe() -> None:
    sql = ("ALTER TABLE t ADD CONSTRAINT ck_nn CHECK (c IS NOT NULL) NOT VALID; ALTER TABLE t VALIDATE CONSTRAINT ck_nn;"
           "ALTER TABLE t ALTER COLUMN c SET NOT NULL; ALTER TABLE t DROP CONSTRAINT ck_nn;")
    assert kinds(sql) == [(P.CHECK, "t", "ck_nn")]


def test_unique_through_a_concurrent_index_is_probed_once() -> None:
    sql = ("COMMIT; CREATE UNIQUE INDEX CONCURRENTLY uq_t_a ON t (a); BEGIN;"
           "ALTER TABLE t ADD CONSTRAINT uq_t_a UNIQUE USING INDEX uq_t_a;")
    plan = plan_sql("0010", "m", sql)
    assert [(c.kind, c.object, c.exprs) for c in plan.checks] == [(P.UNIQUE, "uq_t_a", ['"a"'])]
    assert [(c.what, c.table) for c in plan.costs] == [(P.INDEX_BUILD, "t")]


def test_new_and_renamed_tables() -> None:
    sql = ("CREATE TABLE n (id int); ALTER TABLE n ADD CONSTRAINT ck CHECK (id > 0);"
           "ALTER TABLE old RENAME TO fresh; ALTER TABLE fresh ALTER COLUMN c SET NOT NULL;"
           "ALTER TABLE t ADD CONSTRAINT fk FOREIGN KEY (n_id) REFERENCES n (id);")
    checks = plan_sql("0010", "m", sql).checks
    assert [(c.kind, c.table) for c in checks] == [(P.NOT_NULL, "old"), (P.FOREIGN_KEY, "t")]
    assert checks[1].ref_is_new  # every non-NULL n_id is an orphan: n starts empty


def test_added_column_with_and_without_default() -> None:
    assert kinds("ALTER TABLE t ADD COLUMN a int NOT NULL DEFAULT 0;") == []
    assert kinds("ALTER TABLE t ADD COLUMN a int GENERATED ALWAYS AS IDENTITY;") == []
    assert kinds("ALTER TABLE t ADD COLUMN a int NOT NULL;") == [(P.NEW_NOT_NULL_COLUMN, "t", "a")]


def test_enum_rebuild_block_names_the_kept_values() -> None:
    from generator.migrate.ops import rebuild_enum_sql

    checks = plan_sql("0010", "m", rebuild_enum_sql("job_status", ["queued", "done"]) + ";").checks
    assert [(c.kind, c.enum_type, c.values) for c in checks] == [(P.ENUM_VALUE_REMOVED, "job_status", ["queued", "done"])]
