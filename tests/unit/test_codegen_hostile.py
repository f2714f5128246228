"""Issue 12 finding 2: no spec value, seed value or -m message can become Python code.

Every generated file (schema revisions, data revisions, cadb/models.py) is rendered from
string literals and escaped docstrings, parsed before it is written, and then imported here:
each hostile payload tries to create a marker file, which must not exist afterwards, and each
hostile value must come back exactly (enum members, docstrings, SEEDS). No database needed.
"""

from __future__ import annotations

import ast
import importlib.util
import shutil
import sys
import uuid
from pathlib import Path

import pytest
from alembic.operations import ops

from generator.errors import CodegenError, SchemactlError, SpecError
from generator.migrate import ops as xops
from generator.migrate.revision import Plan, _write, rollback_note
from generator.schema import orm_codegen
from generator.schema.pysource import check_file_name, doc_text, slug_source
from generator.seeds.apply import literal
from generator.seeds.revision import check_rendering, read_data_revision, render_revision
from generator.spec import parse_spec

REPO = Path(__file__).resolve().parents[2]


def payload(marker: Path) -> str:
    """Python that creates ``marker`` if it ever runs (after closing a docstring or a string)."""
    return f'"""\nimport pathlib; pathlib.Path({str(marker)!r}).write_text("pwned")\n"""'


# Enum values are at most 63 bytes: this one creates ./pwned in the working directory.
SHORT_PAYLOAD = '"""\nopen("pwned","w")\n"""'


HOSTILE_TEXTS = [
    'x"""y',
    'ends with a quote"',
    'ends with two quotes""',
    "back\\slash\\",
    "it's",
    "new\nline",
    "carriage\rreturn",
    "tab\there",
    "x²",
    "line\u2028separator",
    "{braces} %s %(x)s ${mako}",
]


def import_file(path: Path, name: str | None = None):
    """Import a generated file as a module (as Alembic and applications do)."""
    name = name or f"_hostile_{uuid.uuid4().hex}"
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    try:
        spec.loader.exec_module(module)
    finally:
        del sys.modules[name]
    return module


# ------------------------------------------------------------------------------ helpers


@pytest.mark.parametrize("text", HOSTILE_TEXTS + ["\x00nul", "\\x00 literally"])
def test_doc_text_round_trips_inside_a_docstring(text: str) -> None:
    source = f'"""{doc_text(text)}"""\n'
    tree = ast.parse(source)
    assert ast.get_docstring(tree, clean=False) == text


@pytest.mark.parametrize(
    "message",
    ["a/b/../../etc/passwd", "..", "x\x00y", "line\nbreak", "é" * 300, "x²", "", "../" * 100, "\\ \\ C:\\x"],
)
def test_revision_file_names_are_plain_ascii(message: str, tmp_path: Path) -> None:
    from generator.migrate import api as migrate

    scripts = copy_migrations(tmp_path)
    directory = migrate.script_directory(tmp_path, scripts)
    path = directory._rev_path(scripts / "versions", "0009", slug_source(message), directory._generate_create_date())
    assert path.parent == scripts / "versions"
    assert check_file_name(path.name) == path.name
    assert path.name.isascii() and len(path.name) <= 60


# ------------------------------------------------------------------------------ schema revisions


def copy_migrations(tmp_path: Path) -> Path:
    scripts = tmp_path / "migrations"
    (scripts / "versions").mkdir(parents=True, exist_ok=True)
    for name in ("env.py", "script.py.mako"):
        shutil.copy(REPO / "migrations" / name, scripts / name)
    shutil.copy(REPO / "alembic.ini", tmp_path / "alembic.ini")
    return scripts


def enum_value_plan(value: str) -> Plan:
    op = xops.AddEnumValueOp("job_status", value, "queued", ["queued", value])
    code = xops._r_add_enum_value(None, op)
    back = xops._r_drop_enum_value(None, op.reverse())
    return Plan(ops.UpgradeOps([op]), code, back, set(), [], [])


@pytest.mark.parametrize("text", HOSTILE_TEXTS)
def test_a_hostile_message_stays_in_the_revision_docstring(text: str, tmp_path: Path) -> None:
    marker = tmp_path / "marker"
    message = text + payload(marker)
    scripts = copy_migrations(tmp_path)
    path = _write(tmp_path, scripts, "0001", message, None, None)
    module = import_file(path)
    assert not marker.exists()
    assert module.__doc__.startswith(message + "\n\nRevision ID: 0001\n")
    assert module.revision == "0001"


@pytest.mark.parametrize("text", HOSTILE_TEXTS)
def test_a_hostile_enum_value_stays_in_the_rollback_note_and_the_ops(text: str, tmp_path: Path) -> None:
    marker = tmp_path / "marker"
    value = text + payload(marker)
    plan = enum_value_plan(value)
    scripts = copy_migrations(tmp_path)
    path = _write(tmp_path, scripts, "0001", "add a value", None, plan)
    module = import_file(path)
    assert not marker.exists()
    assert rollback_note(plan.upgrade_ops) in module.__doc__
    assert f"job_status.{value}" in module.__doc__
    calls = [n for n in ast.walk(ast.parse(path.read_text(encoding="utf-8"))) if isinstance(n, ast.Call)]
    added = [c for c in calls if getattr(c.func, "attr", "") == "add_enum_value"]
    assert [ast.literal_eval(added[0].args[1])] == [value]


def test_the_issue_payload_does_not_run(tmp_path: Path) -> None:
    """The reproduction of the issue: an enum value that closes the docstring and calls os.system."""
    marker = tmp_path / "marker"
    value = f'x"""\nimport os; os.system("touch {marker}")\n"""'
    scripts = copy_migrations(tmp_path)
    path = _write(tmp_path, scripts, "0001", "hostile", None, enum_value_plan(value))
    import_file(path)
    assert not marker.exists()


def test_the_issue_payload_does_not_run_without_the_future_import_either(tmp_path: Path) -> None:
    """The repo's template starts with `from __future__ import annotations`, which turned the
    issue's payload into a SyntaxError; without that line (Alembic's stock template has none)
    the old rendering ran it. Escaping must not depend on that line."""
    marker = tmp_path / "marker"
    value = f'x"""\nimport os; os.system("touch {marker}")\n"""'
    scripts = copy_migrations(tmp_path)
    mako = scripts / "script.py.mako"
    mako.write_text(mako.read_text(encoding="utf-8").replace("from __future__ import annotations\n", ""), encoding="utf-8")
    path = _write(tmp_path, scripts, "0001", "hostile " + value, None, enum_value_plan(value))
    module = import_file(path)
    assert not marker.exists()
    assert f"job_status.{value}" in module.__doc__


def test_a_template_that_pastes_the_message_raw_is_refused_before_writing(tmp_path: Path) -> None:
    marker = tmp_path / "marker"
    scripts = copy_migrations(tmp_path)
    mako = scripts / "script.py.mako"
    mako.write_text(mako.read_text(encoding="utf-8").replace("${doc(message)}", "${message}"), encoding="utf-8")
    with pytest.raises(CodegenError) as refused:
        _write(tmp_path, scripts, "0001", "x" + payload(marker), None, None)
    assert "inside its docstring" in refused.value.message
    assert list((scripts / "versions").glob("*.py")) == []
    assert not marker.exists()


def test_a_template_that_does_not_parse_is_refused(tmp_path: Path) -> None:
    scripts = copy_migrations(tmp_path)
    mako = scripts / "script.py.mako"
    mako.write_text(mako.read_text(encoding="utf-8") + "\ndef broken(:\n", encoding="utf-8")
    with pytest.raises(CodegenError) as refused:
        _write(tmp_path, scripts, "0001", "fine", None, None)
    assert refused.value.message.startswith("the generated revision is not valid Python")
    assert list((scripts / "versions").glob("*.py")) == []


def test_plain_alembic_revision_escapes_the_message_too(tmp_path: Path) -> None:
    """`alembic revision -m` renders the same template: its docstring is escaped as well."""
    from generator.migrate import api as migrate

    marker = tmp_path / "marker"
    message = "x" + payload(marker)
    scripts = copy_migrations(tmp_path)
    directory = migrate.script_directory(tmp_path, scripts)
    script = directory.generate_revision("0001", message, head="base")  # imports the file
    assert script is not None
    assert not marker.exists()
    assert script.module.__doc__.startswith(message + "\n")


# ------------------------------------------------------------------------------ data revisions


def seed_state(key_value: str) -> dict:
    return {
        "tool_types": {
            "key": ["code"],
            "json": [],
            "arrays": [],
            "references": {},
            "updated_at": False,
            "referenced_by": [],
            "rows": [{"code": key_value, "name": key_value}],
        }
    }


@pytest.mark.parametrize("text", HOSTILE_TEXTS)
def test_a_hostile_seed_key_and_message_stay_data(text: str, tmp_path: Path) -> None:
    marker = tmp_path / "marker"
    value = text + payload(marker)
    message = "seed " + text + payload(marker)
    state = seed_state(value)
    rendered = render_revision(state, None, "0001", None, message, "2026-12-01 00:00:00+00:00")
    check_rendering(rendered, state, message)
    path = tmp_path / "0001_seed.py"
    path.write_text(rendered, encoding="utf-8")
    module = import_file(path)
    assert not marker.exists()
    assert module.SEEDS == state
    assert module.__doc__.startswith(message + "\n\nRevision ID: 0001\n")
    assert any(literal(value) in statement for statement in module.UPGRADE)  # the SQL literal, intact
    back = read_data_revision(path)
    assert back is not None and back.message == message and back.state == state


def test_a_data_revision_whose_seeds_do_not_read_back_is_refused() -> None:
    state = seed_state("a")
    rendered = render_revision(state, None, "0001", None, "m", "now")
    with pytest.raises(CodegenError):
        check_rendering(rendered, seed_state("b"), "m")


# ------------------------------------------------------------------------------ models.py


def spec_text(enum_values: list[str], *, comment: str = "A comment.", columns: str = "") -> str:
    values = ", ".join(_yaml_str(v) for v in enum_values)
    return f"""version: 1
enums:
  unit:
    comment: {_yaml_str(comment)}
    values: [{values}]
tables:
  parts:
    comment: {_yaml_str(comment)}
    columns:
      id: {{type: bigint, primary_key: true, identity: always, comment: {_yaml_str(comment)}}}
      unit: {{type: unit, nullable: false, comment: {_yaml_str(comment)}}}
{columns}"""


def _yaml_str(text: str) -> str:
    import json

    return json.dumps(text)  # a JSON string is a YAML double-quoted scalar


def render_and_import(text: str, tmp_path: Path):
    spec = parse_spec(text)
    path = tmp_path / "models_under_test.py"
    path.write_text(orm_codegen.render(spec), encoding="utf-8")
    return import_file(path)


@pytest.mark.parametrize("text", HOSTILE_TEXTS)
def test_models_keep_hostile_comments_and_values_as_data(text: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    marker = tmp_path / "marker"
    hostile = text + payload(marker)
    values = ["plain", text + SHORT_PAYLOAD, "x²", "class", "None", "name", "1st", "_x_", "a-b"]
    if "\r" in text:  # validate refuses control characters but tab and newline (12: hidden text)
        with pytest.raises(SpecError) as info:
            render_and_import(spec_text(values, comment=hostile), tmp_path)
        assert all("control character U+000D" in str(p) for p in info.value.problems)
        return
    module = render_and_import(spec_text(values, comment=hostile), tmp_path)
    assert not marker.exists() and not (tmp_path / "pwned").exists()
    assert [m.value for m in module.Unit] == values  # one member per value, in order
    assert module.Unit.x2.value == "x²"
    assert module.Unit.class_.value == "class"
    assert module.Unit.None_.value == "None"
    assert module.Unit.name_.value == "name"
    assert module.Unit._1st.value == "1st"
    assert module.Unit.v_x_.value == "_x_"
    assert module.Unit.a_b.value == "a-b"
    assert module.Unit.__doc__ == hostile.strip()
    assert module.Part.__doc__ == hostile.strip()
    table = module.Base.metadata.tables["parts"]
    assert table.comment == hostile and table.c.unit.comment == hostile


def test_models_map_keyword_and_reserved_column_names(tmp_path: Path) -> None:
    columns = (
        "      from: {type: text, comment: c}\n"
        "      metadata: {type: jsonb, comment: c}\n"
        "      class_id: {type: bigint, references: {table: kinds}, comment: c}\n"
        "  kinds:\n    comment: c\n    columns:\n      id: {type: bigint, primary_key: true, comment: c}\n"
    )
    module = render_and_import(spec_text(["a"], columns=columns), tmp_path)
    table = module.Base.metadata.tables["parts"]
    assert {"from", "metadata", "class_id"} <= set(table.c.keys())
    part = module.Part(from_="x", metadata_={"k": 1})
    assert part.from_ == "x" and part.metadata_ == {"k": 1}
    assert module.Part.class_.property.direction.name == "MANYTOONE"
    assert module.Part.class_.property.mapper.class_ is module.Kind


@pytest.mark.parametrize(
    ("values", "first", "second", "name"),
    [
        (["a-b", "a_b"], "'a-b'", "'a_b'", "a_b"),
        (["a_b", "a-b"], "'a-b'", "'a_b'", "a_b"),
        (["x²", "x2"], "'x2'", "'x²'", "x2"),
        (["class", "class_"], "'class_'", "'class'", "class_"),
    ],
)
def test_colliding_enum_values_are_refused_naming_both(values: list[str], first: str, second: str, name: str) -> None:
    spec = parse_spec(spec_text(values))
    with pytest.raises(CodegenError) as refused:
        orm_codegen.render(spec)
    message = refused.value.message
    assert isinstance(refused.value, SchemactlError)
    assert first in message and second in message and f"the Python name {name}" in message
    assert message.startswith("schema.yaml:5:")  # FILE:LINE:COL of the later value
    assert "(schema.yaml:5:" in message  # ... and of the earlier one
    assert "\n" not in message and refused.value.hint


def test_colliding_column_attributes_and_classes_are_refused() -> None:
    columns = "      from: {type: text, comment: c}\n      from_: {type: text, comment: c}\n"
    with pytest.raises(CodegenError, match=r"schema.yaml:13:7: column parts.from_ and column parts.from \(schema.yaml:12:7\)"):
        orm_codegen.render(parse_spec(spec_text(["a"], columns=columns)))
    two_tables = spec_text(["a"]) + "  part:\n    comment: c\n    columns:\n      id: {type: bigint, primary_key: true, comment: c}\n"
    with pytest.raises(CodegenError, match=r"table 'part' and table 'parts' .* both become the Python name Part"):
        orm_codegen.render(parse_spec(two_tables))


def test_class_names_that_are_keywords_or_shadow_imports(tmp_path: Path) -> None:
    tables = "  none:\n    comment: c\n    columns:\n      id: {type: bigint, primary_key: true, comment: c}\n"
    module = render_and_import(spec_text(["a"]) + tables, tmp_path)
    assert module.MODELS["none"].__name__ == "None_"
    shadow = "  anies:\n    comment: c\n    columns:\n      id: {type: bigint, primary_key: true, comment: c}\n"
    with pytest.raises(CodegenError, match=r"^schema.yaml:\d+:3: table 'anies' cannot be a Python name \('Any'"):
        orm_codegen.render(parse_spec(spec_text(["a"]) + shadow))


def test_a_format_check_python_cannot_compile_is_left_to_the_database(tmp_path: Path) -> None:
    checks = "    checks:\n      - {name: code_format, sql: \"code ~ '^a{1,99999999999}$'\"}\n"
    columns = "      code: {type: text, comment: c}\n" + checks
    module = render_and_import(spec_text(["a"], columns=columns), tmp_path)
    assert "parts.code" not in module._FORMATS


def test_python_m_orm_codegen_prints_one_line_for_a_collision(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "schema.yaml").write_text(spec_text(["a-b", "a_b"]), encoding="utf-8")
    (tmp_path / "cadb").mkdir()
    assert orm_codegen.main(["--spec", str(tmp_path / "schema.yaml")]) == 1
    err = capsys.readouterr().err
    assert err.startswith("error: ") and "schema.yaml:5:21: value 'a_b' of enum unit" in err and err.count("\n") == 1
    assert not (tmp_path / "cadb" / "models.py").exists()


def test_cli_models_prints_one_line_for_a_collision(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from cli.main import main

    (tmp_path / "schema.yaml").write_text(spec_text(["a-b", "a_b"]), encoding="utf-8")
    code = main(["--spec", str(tmp_path / "schema.yaml"), "models", "-o", str(tmp_path / "models.py")])
    err = capsys.readouterr().err
    assert code == 1
    assert "internal error" not in err and "Traceback" not in err
    assert "value 'a_b' of enum unit and value 'a-b' of enum unit" in err
    assert "hint: rename one of them in schema.yaml" in err
    assert not (tmp_path / "models.py").exists()


def test_the_committed_models_render_unchanged_by_the_escaping() -> None:
    """The repo's own spec has no hostile value: every name is its plain form."""
    from generator.spec import load_spec

    names = orm_codegen.plan_names(load_spec(REPO / "schema.yaml"))
    assert all(a == c for table in names.attributes.values() for c, a in table.items())
    assert all(m == v for e in names.members.values() for v, m in e.items())
