"""Drops in reverse dependency order, creates in dependency order, both ways.

Each test starts from a copy of the repo's project (its migrations at head) and generates a
revision towards a much smaller spec, or back: ``generate`` proves it (upgrade on a copy of
the head, compare with the spec, downgrade, compare with the head), so a drop or re-create in
the wrong order (a table before the tables whose foreign keys refer to it, an enum before the
table whose column uses it, a trigger function before its trigger) fails the proof.
"""

from __future__ import annotations

import re
import shutil
import textwrap
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml
from migration_helpers import REPO, revision_files

from generator.drift.engine import compare_databases
from generator.migrate.revision import GenerateResult, generate
from generator.pg.database import connect, scratch_database
from generator.pg.server import LocalServer
from generator.spec import load_spec

pytestmark = pytest.mark.slow

HEAD = sorted(p.name for p in (REPO / "migrations" / "versions").glob("*.py"))

UNRELATED = """
version: 1
tables:
  widgets:
    comment: Things.
    columns:
      id: {type: bigint, primary_key: true, identity: always, comment: Identifier.}
      name: {type: text, nullable: false, comment: Name.}
  gadgets:
    comment: Other things.
    columns:
      id: {type: uuid, primary_key: true, default: gen_random_uuid(), comment: Identifier.}
      label: {type: text, comment: Label.}
"""


@pytest.fixture
def repo_copy(projects_root: Path, request: pytest.FixtureRequest) -> Callable[[], Path]:
    """A copy of the repo's project: schema.yaml, seeds.yaml, alembic.ini and migrations/."""
    made: list[Path] = []

    def make() -> Path:
        name = f"{request.node.name}-{len(made)}".replace("/", "_").replace("[", "-").strip("]")
        root = projects_root / "".join(c if c.isalnum() or c in "-_." else "_" for c in name)
        root.mkdir(parents=True)
        root.chmod(0o755)
        for file in ("schema.yaml", "seeds.yaml", "alembic.ini"):
            shutil.copy(REPO / file, root / file)
        shutil.copytree(REPO / "migrations", root / "migrations", ignore=shutil.ignore_patterns("__pycache__"))
        made.append(root)
        return root

    yield make
    for root in made:
        shutil.rmtree(root, ignore_errors=True)


def run(root: Path, spec_text: str, dev_url: str, message: str) -> GenerateResult:
    (root / "schema.yaml").write_text(textwrap.dedent(spec_text).lstrip())
    return generate(root, load_spec(root / "schema.yaml"), dev_url, message, allow_destructive=True)


def test_full_schema_to_two_unrelated_tables(pg: LocalServer, repo_copy, run_cli, monkeypatch) -> None:
    """The report: ``schemactl generate -m x --allow-destructive`` from the repo's head to a
    spec of two new tables failed its proof with "cannot drop table users because other
    objects depend on it"."""
    root = repo_copy()
    (root / "schema.yaml").write_text(textwrap.dedent(UNRELATED).lstrip())
    monkeypatch.chdir(root)
    result = run_cli("generate", "-m", "x", "--allow-destructive", "--dev-db", pg.url("postgres"))
    assert result.code == 0, result.stderr
    assert revision_files(root) == [*HEAD, f"{len(HEAD) + 1:04d}_x.py"]
    text = (root / "migrations" / "versions" / f"{len(HEAD) + 1:04d}_x.py").read_text()
    upgrade, downgrade = text.split("def downgrade")
    for referring in ("sessions", "licenses", "audit_logs", "security_events", "jobs"):
        assert upgrade.index(f"op.drop_table('{referring}')") < upgrade.index("op.drop_table('users')")
        assert downgrade.index("op.create_table('users'") < downgrade.index(f"op.create_table('{referring}'")
    assert upgrade.index("op.drop_table('invoices')") < upgrade.index("op.drop_table('licenses')")
    assert upgrade.index("op.drop_table('users')") < upgrade.index("op.drop_enum('user_role'")



def full_spec_without(*tables: str) -> str:
    spec = yaml.safe_load((REPO / "schema.yaml").read_text())
    for name in tables:
        del spec["tables"][name]
    return yaml.safe_dump(spec, sort_keys=False)


def test_full_schema_to_one_table_and_back(pg: LocalServer, repo_copy) -> None:
    """Every table, enum, guard and the extension dropped (a spec needs one table); then all
    of it created again (the downgrade of each revision is proven too)."""
    root = repo_copy()
    dev = pg.url("postgres")
    emptied = run(root, UNRELATED, dev, "empty")
    assert emptied.status == "written"
    assert "drop table audit_logs" in emptied.summary and "drop enum user_role" in emptied.summary
    back = run(root, (REPO / "schema.yaml").read_text(), dev, "full")
    assert back.status == "written"
    creates = [line.removeprefix("create table ") for line in back.summary if line.startswith("create table ")]
    assert creates.index("users") < creates.index("sessions")
    assert creates.index("users") < creates.index("audit_logs")
    assert creates.index("jobs") < creates.index("cam_runs")
    assert revision_files(root)[-2:] == [f"{emptied.revision}_empty.py", f"{back.revision}_full.py"]


def test_drop_audit_logs_with_its_guards(pg: LocalServer, repo_copy) -> None:
    root = repo_copy()
    result = run(root, full_spec_without("audit_logs"), pg.url("postgres"), "no audit")
    assert result.status == "written"
    assert "drop table audit_logs" in result.summary
    text = result.path.read_text()
    upgrade, downgrade = text.split("def downgrade")
    assert upgrade.index("op.drop_chain_guard('audit_logs'") < upgrade.index("op.drop_table('audit_logs')")
    # the append-only guard is an ordinary function + triggers (generator.spec.append_only): the
    # triggers go with the table, the function after it; the downgrade re-creates them after the table
    assert upgrade.index("op.drop_table('audit_logs')") < upgrade.index('DROP ROUTINE public."audit_logs_append_only"()')
    assert downgrade.index("op.create_table('audit_logs'") < downgrade.index('CREATE TRIGGER "audit_logs_append_only_row"')
    assert downgrade.index("op.create_table('audit_logs'") < downgrade.index("op.create_chain_guard('audit_logs'")


REFERRED = """
version: 1
enums:
  kind:
    comment: Kinds.
    values: [a, b]
tables:
  users:
    comment: People.
    columns:
      id: {type: uuid, primary_key: true, default: gen_random_uuid(), comment: Identifier.}
  accounts:
    comment: Accounts.
    columns:
      id: {type: uuid, primary_key: true, default: gen_random_uuid(), comment: Identifier.}
      owner_id: {type: uuid, nullable: false, references: {table: users, on_delete: restrict}, comment: Owner.}
  posts:
    comment: Posts.
    columns:
      id: {type: uuid, primary_key: true, default: gen_random_uuid(), comment: Identifier.}
      author_id: {type: uuid, nullable: false, references: {table: users, on_delete: restrict}, comment: Author.}
      account_id: {type: uuid, references: {table: accounts, on_delete: restrict}, comment: Account.}
      kind: {type: kind, nullable: false, default: a, comment: Kind.}
  zlikes:
    comment: Likes.
    columns:
      id: {type: uuid, primary_key: true, default: gen_random_uuid(), comment: Identifier.}
      user_id: {type: uuid, nullable: false, references: {table: users, on_delete: cascade}, comment: Who.}
      post_id: {type: uuid, nullable: false, references: {table: posts, on_delete: cascade}, comment: What.}
  audit:
    comment: Stays, loses its reference to users.
    columns:
      id: {type: bigint, primary_key: true, identity: always, comment: Identifier.}
      user_id: {type: uuid, references: {table: users, on_delete: restrict}, comment: Who.}
      note: {type: text, comment: Note.}
"""

ONLY_AUDIT = """
version: 1
tables:
  audit:
    comment: Stays, loses its reference to users.
    columns:
      id: {type: bigint, primary_key: true, identity: always, comment: Identifier.}
      note: {type: text, comment: Note.}
"""


def test_drop_table_referenced_from_several_tables_and_its_enum(pg: LocalServer, new_project) -> None:
    """users is referred to by four tables (one of which stays and loses the column), posts by
    one; the enum kind goes with posts, the only table using it."""
    root = new_project()
    dev = pg.url("postgres")
    assert run(root, REFERRED, dev, "before").status == "written"
    result = run(root, ONLY_AUDIT, dev, "after")
    assert result.status == "written"
    assert "drop enum kind" in result.summary
    dropped = [line.removeprefix("drop table ") for line in result.summary if line.startswith("drop table ")]
    assert sorted(dropped) == ["accounts", "posts", "users", "zlikes"]
    assert dropped.index("zlikes") < dropped.index("posts") < dropped.index("accounts") < dropped.index("users")
    assert result.summary.index("drop column audit.user_id") < result.summary.index("drop table users")


CYCLE = """
version: 1
tables:
  left_side:
    comment: One side.
    columns:
      id: {type: bigint, primary_key: true, comment: Identifier.}
      right_id: {type: bigint, references: {table: right_side, on_delete: set null}, comment: Other side.}
  right_side:
    comment: Other side.
    columns:
      id: {type: bigint, primary_key: true, comment: Identifier.}
      left_id: {type: bigint, references: {table: left_side, on_delete: set null}, comment: One side.}
"""


def test_drop_tables_in_a_foreign_key_cycle(pg: LocalServer, new_project) -> None:
    """Two tables referring to each other (the keys added in a second revision: a cycle of
    new tables is another matter) are dropped: one key goes first, and comes back last."""
    root = new_project()
    dev = pg.url("postgres")
    unlinked = re.sub(r"\n      \w+_id: .*", "", CYCLE)
    assert run(root, unlinked, dev, "tables").status == "written"
    assert run(root, CYCLE, dev, "keys").status == "written"
    result = run(root, UNRELATED, dev, "after")
    assert result.status == "written"
    assert {"drop table left_side", "drop table right_side"} <= set(result.summary)
    assert any(line.startswith("drop constraint fk_") for line in result.summary)


@pytest.mark.parametrize(
    ("written", "same"),
    [
        ("((a >= 1) AND (a <= 9) AND (b > 0))", True),  # what a re-created CHECK stores
        ("a BETWEEN 1 AND 10 AND b > 0", False),  # a real change is still one
    ],
)
def test_check_with_nested_and_compares_equal_to_its_flattened_text(pg: LocalServer, written: str, same: bool) -> None:
    """``a BETWEEN 1 AND 9 AND b`` is stored as a nested AND and printed with it, but the text
    PostgreSQL prints parses back flat: a downgrade re-creating the table cannot restore the
    nesting, and the proof must not count that as a difference."""
    dev = pg.url("postgres")
    with scratch_database(dev) as original, scratch_database(dev) as recreated:
        for url, condition in ((original, "a BETWEEN 1 AND 9 AND b > 0"), (recreated, written)):
            engine = connect(url)
            try:
                with engine.begin() as conn:
                    conn.exec_driver_sql(f"CREATE TABLE t (a int, b int, CONSTRAINT ck_t_range CHECK ({condition}))")
            finally:
                engine.dispose()
        assert compare_databases(original, recreated).empty is same


def test_create_and_drop_tables_in_a_foreign_key_cycle(pg: LocalServer, new_project) -> None:
    """New tables referring to each other: one key is added after both tables (and dropped
    first by the downgrade); dropping them again works the other way round."""
    root = new_project()
    dev = pg.url("postgres")
    created = run(root, CYCLE, dev, "cycle")
    assert created.status == "written"
    assert created.summary[:2] == ["create table left_side", "create table right_side"] or created.summary[:2] == [
        "create table right_side", "create table left_side"
    ]
    assert any(line.startswith("add foreign key fk_") for line in created.summary)
    dropped = run(root, UNRELATED, dev, "gone")
    assert dropped.status == "written"
    assert any(line.startswith("drop constraint fk_") for line in dropped.summary)
