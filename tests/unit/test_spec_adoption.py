"""What adopting an existing database needs from the spec (issue 15.2), without a server:
``settings``, explicit names, table-level foreign keys, and any PostgreSQL identifier in
verbatim specs, through the model, the checks, the MetaData, the DDL and models.py.
The same spec is built, generated and diffed on PostgreSQL in tests/migrations/test_adopt_spec.py."""

from __future__ import annotations

import ast
import json
import re
from pathlib import Path

import pytest

from generator.errors import SpecError
from generator.schema.ddl import ddl_script
from generator.schema.metadata import build_metadata
from generator.schema.orm_codegen import attribute_name, render
from generator.spec import load_spec, naming, parse_spec

REPO = Path(__file__).resolve().parents[2]
ADOPT = REPO / "tests" / "fixtures" / "adopt" / "schema.yaml"


def _spec(tables: dict, settings: dict | None = None, **top: object) -> str:
    doc: dict = {"version": 1, **top, "tables": tables}
    if settings is not None:
        doc["settings"] = settings
    return json.dumps(doc)  # JSON is YAML, and has no anchors for shared values


def _problems(text: str) -> list[str]:
    with pytest.raises(SpecError) as info:
        parse_spec(text)
    return [p.message for p in info.value.problems]


def test_the_default_settings_keep_todays_spec() -> None:
    spec = load_spec(REPO / "schema.yaml")
    assert (spec.settings.require_comments, spec.settings.naming) == (True, "convention")
    for table in spec.tables.values():
        assert table.primary_key_name == naming.pk_name(table.name)
        for fk in table.fks:
            assert fk.name == naming.fk_name(table.name, list(fk.columns), fk.ref_table)


def test_comments_are_required_unless_settings_say_otherwise() -> None:
    tables = {"t": {"columns": {"id": {"type": "integer", "primary_key": True}}}}
    assert _problems(_spec(tables)) == [
        "tables.t: missing required key 'comment'",
        "tables.t.columns.id: missing required key 'comment'",
    ]
    enums = {"e": {"values": ["a"]}}
    spec = parse_spec(_spec(tables, {"require_comments": False}, enums=enums))
    assert spec.tables["t"].comment == "" and spec.enums["e"].comment == ""
    assert not any(s.startswith("COMMENT") for s in ddl_script(spec))


def test_convention_mode_still_refuses_mixed_case_names() -> None:
    tables = {"Users": {"comment": "U.", "columns": {"id": {"type": "integer", "primary_key": True, "comment": "K."}}}}
    assert any("is not a valid identifier" in m for m in _problems(_spec(tables)))
    tables["Users"]["columns"]["id"]["primary_key"] = False
    tables["Users"]["primary_key"] = {"name": "Users_pkey", "columns": ["id"]}
    spec = parse_spec(_spec(tables, {"naming": "verbatim"}))
    assert spec.tables["Users"].primary_key_name == "Users_pkey"


def test_explicit_names_override_the_convention() -> None:
    tables = {
        "a": {"comment": "A.", "columns": {"id": {"type": "integer", "comment": "K."}},
              "primary_key": {"name": "a_pkey", "columns": ["id"]},
              "checks": [{"name": "positive", "sql": "id > 0"}]},
        "b": {"comment": "B.", "columns": {
            "id": {"type": "integer", "primary_key": True, "comment": "K."},
            "a_id": {"type": "integer", "comment": "A.", "references": {"table": "a", "name": "b_a_fkey"}}}},
    }
    spec = parse_spec(_spec(tables))
    assert spec.tables["a"].primary_key_name == "a_pkey"
    assert spec.tables["a"].checks[0].name == "ck_a_positive"  # convention: a check's name is short
    assert [fk.name for fk in spec.tables["b"].fks] == ["b_a_fkey"]
    verbatim = parse_spec(_spec(tables | {"b": {**tables["b"], "columns": {**tables["b"]["columns"], "id": {
        "type": "integer", "comment": "K."}}, "primary_key": {"name": "b_pkey", "columns": ["id"]}}},
        {"naming": "verbatim"}))
    assert verbatim.tables["a"].checks[0].name == "positive"  # verbatim: the database name


def test_the_adopted_spec_builds_every_form() -> None:
    spec = load_spec(ADOPT)
    md = build_metadata(spec)
    items = md.tables["Order Items"]
    (fk,) = items.foreign_key_constraints
    assert (fk.name, fk.deferrable, fk.initially, fk.match, fk.ondelete) == (
        "order_items_order_fkey", True, "DEFERRED", "FULL", "CASCADE")
    assert [c.name for c in fk.columns] == ["OrderId", "line_no"]
    assert [e.column.name for e in fk.elements] == ["id", "line_no"]
    assert items.primary_key.name == "order_items_pkey"
    ddl = "\n".join(ddl_script(spec))
    assert 'CREATE TYPE "Order Status" AS ENUM' in ddl
    assert 'ALTER TABLE "Orders" ADD CONSTRAINT "Orders_CustomerId_fkey" FOREIGN KEY ("CustomerId") REFERENCES "customers" ("id") ON DELETE NO ACTION ON UPDATE CASCADE' in ddl
    assert 'CREATE INDEX "Orders status idx" ON "Orders" (status, "CustomerId" DESC) WHERE (line_no > 0)' in ddl


def test_quote_ident_is_one_name_whatever_it_holds() -> None:
    assert naming.quote_ident('x"; DROP TABLE pwned_a; --') == '"x""; DROP TABLE pwned_a; --"'
    assert naming.quote_ident("a$$b") == '"a$$b"'
    with pytest.raises(ValueError):
        naming.quote_ident("a\x00b")


HOSTILE_NAMES = ['x"; DROP TABLE pwned_a; --', 'a"b', "it's", "$$", "back\\slash", "%s", "%(x)s", ":name",
                 "__class__", "import os", "class", "_sa_instance_state", "metadata", "1st"]


def test_hostile_names_stay_names_in_ddl_and_models() -> None:
    columns = {"id": {"type": "integer"}} | {n: {"type": "text"} for n in HOSTILE_NAMES}
    tables = {
        n: {"columns": columns, "primary_key": {"name": f"{n} pk", "columns": ["id"]}, "append_only": True,
            "checks": [{"name": f"{n} ck", "sql": "(id > 0)"}],
            "indexes": [{"name": f"{n} ix", "columns": [HOSTILE_NAMES[0], "%s desc"]}]}
        for n in ('x"; DROP TABLE pwned_a; --', "a$$b", "100%")
    }
    spec = parse_spec(_spec(tables, {"naming": "verbatim", "require_comments": False}))
    for statement in ddl_script(spec):
        # every name is inside double quotes: no statement ends early, no dollar quote closes early
        if statement.startswith("CREATE FUNCTION"):  # the append-only guards (generator.spec.append_only)
            assert "$$b" not in statement.split("\nAS ", 1)[1][:12]
    source = render(spec)
    tree = ast.parse(source)
    assigned = {t.id for node in ast.walk(tree) if isinstance(node, ast.AnnAssign) for t in [node.target] if isinstance(t, ast.Name)}
    for name in HOSTILE_NAMES:
        assert attribute_name(name) in assigned
        assert attribute_name(name).isidentifier()
    assert "c__class__" in assigned and "import_os" in assigned and "class_" in assigned
    assert "import os" not in [n.names[0].name for n in ast.walk(tree) if isinstance(n, ast.Import)]


def test_models_refuse_a_foreign_key_to_a_dotted_name_cleanly() -> None:
    from generator.errors import CodegenError

    tables = {
        "a.b": {"columns": {"id": {"type": "integer"}}, "primary_key": {"name": "ab_pkey", "columns": ["id"]}},
        "c": {"columns": {"id": {"type": "integer"}, "ab": {"type": "integer", "references": {"table": "a.b", "name": "c_ab_fkey"}}},
              "primary_key": {"name": "c_pkey", "columns": ["id"]}},
    }
    spec = parse_spec(_spec(tables, {"naming": "verbatim", "require_comments": False}))
    assert [c.name for c in build_metadata(spec).tables["c"].foreign_key_constraints] == ["c_ab_fkey"]
    with pytest.raises(CodegenError) as refused:
        render(spec)
    assert "SQLAlchemy reads the '.' in 'a.b' as a separator" in str(refused.value)


def test_erd_and_data_dictionary_keep_hostile_names_inert() -> None:
    """Mermaid gets names it can read; Markdown gets every name in a code span or escaped
    cell, so a name cannot end a table cell or put HTML into the rendered docs."""
    from generator.schema.docs import data_dictionary, erd_mermaid

    hostile = REPO / "tests" / "fixtures" / "hostile" / "verbatim_names_stay_names" / "schema.yaml"
    spec = load_spec(hostile)
    erd = erd_mermaid(spec)
    for line in erd.splitlines()[1:]:
        words = line.split('"')[0].split()
        assert all(re.fullmatch(r"[A-Za-z0-9_{}|o-]+|--|\|o--o\{|\|\|--o\{|:", w) for w in words), line
    table = {"columns": {"id": {"type": "integer"}, "a|b`<img src=x>": {"type": "text"}},
             "primary_key": {"name": "p`<b>", "columns": ["id"]}}
    text = data_dictionary(parse_spec(_spec({"t|<i>": table}, {"naming": "verbatim", "require_comments": False})))
    assert "### t\\|&lt;i&gt;" in text
    assert "| ``a\\|b`<img src=x>`` | `text` |" in text  # a code span: shown, never rendered
    assert "Primary key: ``p`<b>`` (id)" in text
