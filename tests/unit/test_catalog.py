"""generator.pg.catalog without a database: snapshots from catalog rows, and the pure comparison."""

from __future__ import annotations

from dataclasses import replace

import pytest

from generator.pg.catalog import Change, Column, Snapshot, compare, snapshot_from_rows

TEXT = Column("text", False, None, "", "Comment.")


def base(**kw: object) -> Snapshot:
    """One table ``jobs`` with one column, plus whatever ``kw`` sets."""
    snapshot = Snapshot(tables={"jobs": "Units of work."}, columns={("jobs", "name"): TEXT})
    for key, value in kw.items():
        setattr(snapshot, key, value)
    return snapshot


def changes(a: Snapshot, b: Snapshot) -> list[str]:
    return [str(c) for c in compare(a, b)]


def test_equal_snapshots_have_no_changes() -> None:
    assert compare(base(), base()) == []
    assert compare(Snapshot(), Snapshot()) == []


def test_change_renders_kind_name_action_and_detail() -> None:
    assert str(Change("column", "jobs.x", "added")) == "column jobs.x: added"
    assert str(Change("enum", "s", "changed", "values added: a")) == "enum s: changed (values added: a)"


def test_extensions() -> None:
    assert changes(Snapshot(extensions={"citext", "old"}), Snapshot(extensions={"citext", "pgcrypto"})) == [
        "extension pgcrypto: added",
        "extension old: removed",
    ]


@pytest.mark.parametrize(
    ("a", "b", "detail"),
    [
        (("a", "b"), ("a", "b", "c"), "values added: c"),
        (("a", "b", "c"), ("a", "c"), "values removed: b"),
        (("a", "b"), ("a", "c"), "values added: c; values removed: b"),
        (("a", "b"), ("b", "a"), "values reordered"),
    ],
)
def test_enum_values(a: tuple, b: tuple, detail: str) -> None:
    assert changes(Snapshot(enums={"s": a}), Snapshot(enums={"s": b})) == [f"enum s: changed ({detail})"]


def test_enums_added_removed_and_recommented() -> None:
    a = Snapshot(enums={"old": ("x",), "s": ("a",)}, enum_comments={"old": None, "s": "Before."})
    b = Snapshot(enums={"new": ("y",), "s": ("a",)}, enum_comments={"new": None, "s": "After."})
    assert changes(a, b) == ["enum new: added", "enum old: removed", "comment type s: changed"]


def test_tables_and_their_comments() -> None:
    a = Snapshot(tables={"jobs": "Work.", "old": None})
    b = Snapshot(tables={"jobs": "Units of work.", "new": "New."})
    assert changes(a, b) == ["comment table jobs: changed", "table new: added", "table old: removed"]


def test_column_details() -> None:
    a = base()
    b = base(columns={("jobs", "name"): Column("character varying(10)", True, "'x'::text", "d", "Other."),
                      ("jobs", "extra"): TEXT})
    assert changes(a, b) == [
        "column jobs.extra: added",
        "column jobs.name: changed (type: text -> character varying(10); not null: false -> true; "
        "default: none -> 'x'::text; identity: none -> by default)",
        "comment column jobs.name: changed",
    ]
    assert changes(b, a)[0] == "column jobs.extra: removed"


def test_objects_of_a_table_added_or_removed_as_a_whole_are_not_listed_again() -> None:
    a = Snapshot()
    b = base(
        constraints={("jobs", "pk_jobs"): ("p", "PRIMARY KEY (name)")},
        indexes={"ix_jobs_name": ("jobs", "CREATE INDEX ON public.jobs USING btree (name)")},
        triggers={("jobs", "guard"): "CREATE TRIGGER BEFORE UPDATE ON public.jobs ..."},
    )
    assert changes(a, b) == ["table jobs: added"]
    assert changes(b, a) == ["table jobs: removed"]


def test_constraints_indexes_triggers() -> None:
    a = base(
        constraints={("jobs", "ck_jobs_a"): ("c", "CHECK ((a > 0))"), ("jobs", "ck_jobs_gone"): ("c", "CHECK (true)")},
        indexes={"ix_jobs_name": ("jobs", "CREATE INDEX ON public.jobs USING btree (name)")},
        triggers={("jobs", "t_old"): "CREATE TRIGGER BEFORE DELETE ON public.jobs FOR EACH ROW EXECUTE FUNCTION f()"},
    )
    b = base(
        constraints={("jobs", "ck_jobs_a"): ("c", "CHECK ((a > 1))")},
        indexes={"ix_jobs_name": ("jobs", "CREATE INDEX ON public.jobs USING hash (name)")},
        triggers={("jobs", "t_new"): "CREATE TRIGGER BEFORE DELETE ON public.jobs FOR EACH ROW EXECUTE FUNCTION f()"},
    )
    assert changes(a, b) == [
        "constraint ck_jobs_a: changed (CHECK ((a > 0)) -> CHECK ((a > 1)))",
        "constraint ck_jobs_gone: removed (CHECK (true))",
        "index ix_jobs_name: changed (CREATE INDEX ON public.jobs USING btree (name) -> "
        "CREATE INDEX ON public.jobs USING hash (name))",
        "trigger jobs.t_new: added (CREATE TRIGGER BEFORE DELETE ON public.jobs FOR EACH ROW EXECUTE FUNCTION f())",
        "trigger jobs.t_old: removed (CREATE TRIGGER BEFORE DELETE ON public.jobs FOR EACH ROW EXECUTE FUNCTION f())",
    ]


def test_functions() -> None:
    a = Snapshot(functions={"f()": "BEGIN END", "gone()": "x"})
    b = Snapshot(functions={"f()": "BEGIN RAISE; END", "new(integer)": "y"})
    assert changes(a, b) == ["function f(): changed (BEGIN END -> BEGIN RAISE; END)", "function gone(): removed", "function new(integer): added"]


def test_compare_is_directional() -> None:
    a, b = base(), base(columns={})
    assert changes(a, b) == ["column jobs.name: removed"]
    assert changes(b, a) == ["column jobs.name: added"]


ROWS = {
    "extensions": [("citext",)],
    "enums": [("job_status", ["queued", "done"], "Lifecycle.")],
    "tables": [("jobs", "Units of work."), ("alembic_version", None)],
    "columns": [
        ("jobs", "id", "bigint", True, None, "a", "Identifier."),
        ("jobs", "status", "job_status", True, "'queued'::job_status", "", None),
        ("alembic_version", "version_num", "character varying(32)", True, None, "", None),
    ],
    "constraints": [("jobs", "pk_jobs", "p", "PRIMARY KEY (id)"), ("alembic_version", "alembic_version_pkc", "p", "PRIMARY KEY (version_num)")],
    "indexes": [
        ("jobs", "pk_jobs", "CREATE UNIQUE INDEX pk_jobs ON public.jobs USING btree (id)"),
        ("jobs", "ix_jobs_status", "CREATE INDEX ix_jobs_status ON public.jobs USING btree (status) WHERE (status = 'queued'::job_status)"),
        ("alembic_version", "alembic_version_pkc", "CREATE UNIQUE INDEX alembic_version_pkc ON public.alembic_version USING btree (version_num)"),
    ],
    "triggers": [("jobs", "jobs_guard", "CREATE TRIGGER jobs_guard BEFORE UPDATE ON public.jobs FOR EACH ROW EXECUTE FUNCTION g()")],
    "functions": [("g()", "\n BEGIN END \n")],
}


def test_snapshot_from_rows() -> None:
    s = snapshot_from_rows(ROWS)
    assert s.extensions == {"citext"}
    assert s.enums == {"job_status": ("queued", "done")} and s.enum_comments == {"job_status": "Lifecycle."}
    assert s.tables == {"jobs": "Units of work."}  # alembic_version is not part of the schema
    assert s.columns[("jobs", "id")] == Column("bigint", True, None, "a", "Identifier.")
    assert s.columns[("jobs", "status")].identity == ""
    assert set(s.constraints) == {("jobs", "pk_jobs")}
    # index and trigger definitions lose their own name, so a rename alone is no change
    assert s.indexes == {
        "pk_jobs": ("jobs", "CREATE UNIQUE INDEX ON public.jobs USING btree (id)"),
        "ix_jobs_status": ("jobs", "CREATE INDEX ON public.jobs USING btree (status) WHERE (status = 'queued'::job_status)"),
    }
    assert s.index_def("ix_jobs_status") == s.indexes["ix_jobs_status"][1]
    assert s.index_def("missing") is None
    assert s.triggers == {("jobs", "jobs_guard"): "CREATE TRIGGER BEFORE UPDATE ON public.jobs FOR EACH ROW EXECUTE FUNCTION g()"}
    assert s.functions == {"g()": "BEGIN END"}


def test_an_index_renamed_compares_as_removed_and_added_with_the_same_definition() -> None:
    a = snapshot_from_rows(ROWS)
    b = replace(a, indexes={("ix_jobs_state" if k == "ix_jobs_status" else k): v for k, v in a.indexes.items()})
    found = compare(a, b)
    assert [(c.name, c.action) for c in found] == [("ix_jobs_state", "added"), ("ix_jobs_status", "removed")]
    assert found[0].detail == found[1].detail


def test_a_function_key_splits_at_the_arguments_postgresql_printed() -> None:
    """A verbatim name may hold "(" or SQL: the split is the "(" matching the last ")", so the
    name is quoted whole and nothing of it lands in the argument list (hostile corpus:
    verbatim_names_stay_names)."""
    from generator.pg.catalog_functions import routine, split_key

    assert split_key("f(integer, text)") == ("f", "(integer, text)")
    assert routine("x(integer); DROP TABLE y; --(text)") == 'public."x(integer); DROP TABLE y; --"(text)'
    assert split_key('g(text, "we(ird")') == ("g", '(text, "we(ird")')
