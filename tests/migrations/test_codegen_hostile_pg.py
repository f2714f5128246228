"""Issue 12 finding 2 end to end, on 17 and 18: hostile spec values, seed keys and -m messages go
through `schemactl generate`, `seed --revision` and `models` without running anything, and come
back exactly from the database (catalog queries) and from the generated Python.

Every payload, if it ever ran as Python, would create a marker file: ``./pwned`` in the working
directory (the enum values, at most 63 bytes) or an absolute path under the project (comments,
natural keys, messages). None may exist afterwards.
"""

from __future__ import annotations

import importlib.util
import json
import sys
import uuid
from pathlib import Path

import pytest
import sqlalchemy as sa
from migration_helpers import revision_files

from generator.pg.database import connect, scratch_database
from generator.pg.server import LocalServer

SHORT = '"""\nopen("pwned","w")\n"""'  # 25 bytes: fits an enum value
VALUES = ["mm", "x²", "class", "None", 'v' + SHORT, "it's", "back\\slash", 'q"']


def long_payload(marker: Path) -> str:
    return f'"""\nimport pathlib; pathlib.Path({str(marker)!r}).write_text("pwned")\n"""'


def spec_yaml(comment: str, values: list[str]) -> str:
    q = json.dumps  # JSON strings are YAML double-quoted scalars
    return f"""version: 1
enums:
  unit:
    comment: {q(comment)}
    values: [{", ".join(q(v) for v in values)}]
tables:
  tool_types:
    comment: {q(comment)}
    columns:
      code: {{type: text, primary_key: true, comment: {q(comment)}}}
      name: {{type: text, nullable: false, comment: {q(comment + '"')}}}
      unit: {{type: unit, nullable: false, default: "x²", comment: Unit.}}
"""


def seeds_yaml(key: str, name: str) -> str:
    return f"""version: 1
tables:
  tool_types:
    key: [code]
    rows:
      - code: {json.dumps(key)}
        name: {json.dumps(name)}
        unit: {json.dumps(VALUES[4])}
"""


def import_file(path: Path):
    name = f"_hostile_{uuid.uuid4().hex}"
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    try:
        spec.loader.exec_module(module)
    finally:
        del sys.modules[name]
    return module


def no_marker(root: Path, marker: Path) -> None:
    assert not marker.exists(), "a payload ran"
    assert not (root / "pwned").exists(), "a payload ran"


def test_hostile_values_round_trip_through_generate_seed_and_models(
    new_project, pg: LocalServer, run_cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = new_project()
    monkeypatch.chdir(root)
    marker = root / "marker"
    comment = 'ends with a quote"' + long_payload(marker) + " \t tab"  # backslash and % in comments: finding 12.3 (helper sqlfrag)
    message = 'add "units" x"""y/../..\n' + long_payload(marker)
    key = 'k"""' + long_payload(marker) + "'; DROP TABLE tool_types; --"
    (root / "schema.yaml").write_text(spec_yaml(comment, VALUES), encoding="utf-8")
    spec, dev = str(root / "schema.yaml"), pg.url("postgres")

    generated = run_cli("--spec", spec, "generate", "-m", message, "--dev-db", dev)
    assert generated.code == 0, generated.stderr
    no_marker(root, marker)
    [name] = revision_files(root)
    assert name.isascii() and name.startswith("0001_add_units_x_y_") and name.endswith(".py")
    revision = import_file(root / "migrations" / "versions" / name)
    no_marker(root, marker)
    assert revision.__doc__.startswith(message + "\n\nRevision ID: 0001\n")

    (root / "seeds.yaml").write_text(seeds_yaml(key, comment), encoding="utf-8")
    seeded = run_cli("--spec", spec, "seed", "--revision", "-m", message, "--dev-db", dev)
    assert seeded.code == 0, seeded.stderr
    no_marker(root, marker)
    assert len(revision_files(root)) == 2

    with scratch_database(dev, prefix="schemactl_hostile") as url:
        upgraded = run_cli("--spec", spec, "upgrade", "--db", url)
        assert upgraded.code == 0, upgraded.stderr
        no_marker(root, marker)
        engine = connect(url)
        try:
            with engine.connect() as conn:
                labels = conn.execute(sa.text(
                    "SELECT enumlabel FROM pg_enum WHERE enumtypid = 'unit'::regtype ORDER BY enumsortorder"
                )).scalars().all()
                table_comment = conn.execute(sa.text("SELECT obj_description('tool_types'::regclass, 'pg_class')")).scalar()
                column_comments = conn.execute(sa.text(
                    "SELECT col_description('tool_types'::regclass, attnum) FROM pg_attribute "
                    "WHERE attrelid = 'tool_types'::regclass AND attname IN ('code', 'name') ORDER BY attnum"
                )).scalars().all()
                enum_comment = conn.execute(sa.text("SELECT obj_description('unit'::regtype, 'pg_type')")).scalar()
                rows = conn.execute(sa.text("SELECT code, name, unit::text FROM tool_types")).all()
        finally:
            engine.dispose()
    assert labels == VALUES
    assert table_comment == comment and enum_comment == comment
    assert column_comments == [comment, comment + '"']
    assert [tuple(r) for r in rows] == [(key, comment, VALUES[4])]

    models = run_cli("--spec", spec, "models", "-o", str(root / "models_out.py"))
    assert models.code == 0, models.stderr
    module = import_file(root / "models_out.py")
    no_marker(root, marker)
    assert [m.value for m in module.Unit] == VALUES
    assert module.Unit.x2 == "x²" and module.Unit.class_ == "class" and module.Unit.None_ == "None"
    assert module.ToolType.__doc__ == comment.strip()
    assert module.Base.metadata.tables["tool_types"].c.name.comment == comment + '"'


def test_colliding_enum_values_fail_models_with_one_line(new_project, run_cli) -> None:
    root = new_project()
    (root / "schema.yaml").write_text(spec_yaml("c", ["a-b", "x²", "a_b"]).replace('default: "x²", ', ""), encoding="utf-8")
    result = run_cli("--spec", str(root / "schema.yaml"), "models", "-o", str(root / "models_out.py"))
    assert result.code == 1
    assert "internal error" not in result.stderr and "Traceback" not in result.stderr
    lines = [ln for ln in result.stderr.splitlines() if ln.strip()]
    assert lines[0].startswith("error: ") and "schema.yaml:5:" in lines[0]
    assert "value 'a_b' of enum unit and value 'a-b' of enum unit" in lines[0]
    assert lines[1].startswith("hint: ") and len(lines) == 2
    assert not (root / "models_out.py").exists()
