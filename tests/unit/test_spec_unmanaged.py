"""``unmanaged:`` (issue 15.3): the entries import writes for objects it skipped. Validation
(well-formed, hostile text, not defined by the spec itself), and what ``diff`` sets aside for
each entry (``generator.drift.unmanaged``), without a server; on PostgreSQL in
tests/adopt/test_import_unmanaged.py."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from generator.drift.report import DiffReport
from generator.drift.unmanaged import Allowance, set_aside
from generator.errors import SpecError
from generator.pg.catalog import Change, Snapshot
from generator.spec import parse_spec
from generator.spec.model import UnmanagedSpec

REPO = Path(__file__).resolve().parents[2]
TABLES = {"orders": {"columns": {"id": {"type": "bigint", "identity": "always"}},
                     "primary_key": {"name": "orders_pkey", "columns": ["id"]},
                     "indexes": [{"name": "orders_id_idx", "columns": ["id"]}]}}


def _spec(unmanaged: object) -> str:
    return json.dumps({"version": 1, "settings": {"require_comments": False, "naming": "verbatim"},
                       "tables": TABLES, "unmanaged": unmanaged})


def _problems(text: str) -> list[str]:
    with pytest.raises(SpecError) as info:
        parse_spec(text)
    return [p.message for p in info.value.problems]


def test_entries_are_read_in_order() -> None:
    spec = parse_spec(_spec([{"kind": "view", "name": "public.v"}, {"kind": "trigger", "name": "public.orders.trg"}]))
    assert spec.unmanaged == (UnmanagedSpec("view", "public.v"), UnmanagedSpec("trigger", "public.orders.trg"))
    assert [str(u) for u in spec.unmanaged] == ["view public.v", "trigger public.orders.trg"]
    assert parse_spec(_spec([])).unmanaged == ()


@pytest.mark.parametrize(
    ("entries", "message"),
    [
        ([{"kind": "spaceship", "name": "public.x"}], "unmanaged[0].kind: 'spaceship' is not one of"),
        ([{"kind": "view"}], "unmanaged[0]: missing required key 'name'"),
        ([{"kind": "view", "name": "public.v", "drop": True}], "unmanaged[0]"),
        ([{"kind": "view", "name": ""}], "unmanaged[0].name"),
        ([{"kind": "view", "name": 3}], "unmanaged[0].name"),
        ("public.v", "unmanaged"),
        ([{"kind": "view", "name": "public.v"}, {"kind": "view", "name": "public.v"}], "unmanaged"),
        ([{"kind": "view", "name": "public.v\x1b[2J"}], "control character U+001B"),
        ([{"kind": "view", "name": "public.v\u202e"}], "control character U+202E"),
        ([{"kind": "view", "name": "public.v\x00"}], "NUL character"),
    ],
)
def test_a_malformed_entry_is_refused(entries: object, message: str) -> None:
    problems = _problems(_spec(entries))
    assert any(message in p for p in problems), problems


@pytest.mark.parametrize(
    ("entry", "where"),
    [
        ({"kind": "table", "name": "public.orders"}, "(tables:)"),
        ({"kind": "view", "name": "public.orders"}, "(tables:)"),
        ({"kind": "index", "name": "public.orders_id_idx"}, "(tables: orders: indexes:)"),
        ({"kind": "constraint", "name": "public.orders.orders_pkey"}, "(tables: orders)"),
    ],
)
def test_an_object_the_spec_defines_cannot_be_unmanaged(entry: dict, where: str) -> None:
    text = "version: 1\nsettings: {require_comments: false, naming: verbatim}\ntables: " + json.dumps(TABLES) + \
        "\nunmanaged:\n  - " + json.dumps(entry) + "\n"
    with pytest.raises(SpecError) as info:
        parse_spec(text, "s.yaml")
    [problem] = info.value.problems
    assert (problem.file, problem.line) == ("s.yaml", 5)  # the entry's line
    assert problem.message.startswith(f"unmanaged: {entry['kind']} {entry['name']} is defined by the spec itself {where}")


def test_parts_of_a_managed_table_may_be_unmanaged() -> None:
    spec = parse_spec(_spec([{"kind": "trigger", "name": "public.orders.trg"},
                             {"kind": "column default", "name": "public.orders.id"},
                             {"kind": "row level security", "name": "public.orders"},
                             {"kind": "schema", "name": "app"}, {"kind": "table", "name": "app.orders"}]))
    assert len(spec.unmanaged) == 5


def test_the_json_schema_kinds_cover_every_kind_import_writes() -> None:
    schema = json.loads((REPO / "generator/spec/schemas/schema.schema.json").read_text(encoding="utf-8"))
    kinds = set(schema["properties"]["unmanaged"]["items"]["properties"]["kind"]["enum"])
    from generator.adopt import writer

    written = set(writer._RELKIND.values()) | set(writer._PROKIND.values()) | set(writer._TYPEKIND.values())
    source = (REPO / "generator/adopt/writer.py").read_text(encoding="utf-8")
    written |= set(re.findall(r'Unsupported\(\s*"([a-z ]+)"', source))
    introspect = (REPO / "generator/pg/introspect.py").read_text(encoding="utf-8")
    others = introspect[introspect.index('"others": f"""'):]
    others = others[: others.index('""",')]
    written |= {k for k in re.findall(r"'([a-z][a-z ]+)'", others) if len(k) > 2}
    assert written - kinds == set()


# ------------------------------------------------------------------ what diff sets aside


def _allow(*entries: tuple[str, str]) -> Allowance:
    return Allowance.of_entries([UnmanagedSpec(k, n) for k, n in entries])


def test_each_entry_sets_aside_its_object_and_nothing_else() -> None:
    allow = _allow(("view", "public.v"), ("trigger", "public.note.note_touch"), ("function", "public.f()"),
                   ("column default", "public.audit.id"), ("sequence", "public.audit_id_seq"),
                   ("row level security", "public.note"), ("policy", "public.note.iso"), ("domain", "public.short"))
    changes = [
        Change("view", "v", "removed"), Change("trigger", "note.note_touch", "removed"),
        Change("function", "f()", "changed"), Change("column", "audit.id", "changed", "default: nextval(...) -> none"),
        Change("column", "note.extra", "removed"), Change("table", "other", "removed"),
        Change("column", "audit.id", "changed", "type: integer -> bigint"),
    ]
    statements = [
        'drop view if exists "public"."v";', 'drop trigger if exists "note_touch" on "public"."note";',
        'drop function if exists "public"."f"();', 'drop sequence if exists "public"."audit_id_seq";',
        'alter table "public"."audit" alter column "id" drop default;',
        'alter table "public"."note" disable row level security;', 'drop policy "iso" on "public"."note";',
        'alter table "public"."note" drop column "extra";', 'drop table "public"."other";',
    ]
    kept, sql = set_aside(changes, statements, allow)
    assert kept == [Change("column", "note.extra", "removed"), Change("table", "other", "removed"),
                    Change("column", "audit.id", "changed", "type: integer -> bigint")]
    assert sql == ['alter table "public"."note" drop column "extra";', 'drop table "public"."other";']


def test_a_whole_table_takes_its_indexes_and_constraints_along() -> None:
    live = Snapshot(indexes={"tag_pkey": ("tag", "x"), "tag_name_idx": ("tag", "y"), "note_pkey": ("note", "z")},
                    constraints={("tag", "tag_pkey"): ("p", "PRIMARY KEY (id)"), ("note", "note_pkey"): ("p", "")})
    allow = _allow(("table", "public.tag"), ("materialized view", "public.mv")).with_snapshot(live, {"mv_idx": "mv"})
    changes = [Change("table", "tag", "removed"), Change("index", "tag_name_idx", "removed"),
               Change("constraint", "tag_pkey", "removed"), Change("index", "note_pkey", "removed"),
               Change("index", "mv_idx", "removed")]
    kept, sql = set_aside(changes, ['drop index if exists "public"."mv_idx";', 'drop index "public"."note_pkey";'], allow)
    assert kept == [Change("index", "note_pkey", "removed")]
    assert sql == ['drop index "public"."note_pkey";']


def test_no_entries_change_nothing() -> None:
    changes = [Change("view", "v", "removed")]
    assert set_aside(changes, ["drop view v;"], _allow()) == (changes, ["drop view v;"])


def test_the_report_lists_the_entries_and_keeps_its_keys() -> None:
    report = DiffReport(unmanaged=[UnmanagedSpec("view", "public.v")])
    doc = report.as_dict()
    assert doc["unmanaged"] == [{"kind": "view", "name": "public.v"}]
    assert doc["status"] == "in_sync" and doc["unchecked"]
    from cli.text import unmanaged_line

    many = DiffReport(unmanaged=[UnmanagedSpec("view", f"public.v{i}") for i in range(7)] + [UnmanagedSpec("view", "public.[bold]x")])
    line = unmanaged_line(many)
    assert line.startswith("[yellow]unchecked[/]: 8 objects the spec marks unmanaged (view public.v0, ")
    assert "... 3 more" in line
    assert "\\[bold]" not in unmanaged_line(DiffReport(unmanaged=[UnmanagedSpec("view", "public.ok")]))
    assert "\\[bold]x" in unmanaged_line(DiffReport(unmanaged=[UnmanagedSpec("view", "public.[bold]x")]))
