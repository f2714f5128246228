"""The private Alembic names schemactl uses, and why the Alembic range is pinned (``<2``).

Alembic has no public way to (a) render ops to Python source while keeping the imports the
rendering needs (``render_python_code`` drops them), (b) name a revision file and its create
date without ``ScriptDirectory.generate_revision`` writing and importing the file (schemactl
checks the rendered source before anything made from the spec runs), (c) run the operator's
``post_write_hooks`` on a file it wrote itself, or (d) extend alter_column's rendering with
``postgresql_using``; nor does it expose (e) a DropTableOp's table or (f) the running
command's options inside env.py. So these private names are used; this test fails if an Alembic upgrade
removes one or changes its parameters, or if a new private use appears without being listed.
"""

from __future__ import annotations

import importlib
import inspect
import re
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]

# (module, attribute path, parameter names, where schemactl uses it)
PRIVATE = [
    ("alembic.autogenerate.render", "_indent", ["text"], "generator/migrate/revision.py"),
    (
        "alembic.autogenerate.render",
        "_render_cmd_body",
        ["op_container", "autogen_context"],
        "generator/migrate/revision.py",
    ),
    (
        "alembic.autogenerate.render",
        "_alter_column",
        ["autogen_context", "op"],
        "generator/migrate/ops.py",
    ),
    (
        "alembic.script.write_hooks",
        "_run_hooks",
        ["path", "hooks"],
        "generator/migrate/revision.py",
    ),
    (
        "alembic.script",
        "ScriptDirectory._rev_path",
        ["self", "path", "rev_id", "message", "create_date"],
        "generator/migrate/revision.py generator/seeds/revision.py",
    ),
    (
        "alembic.script",
        "ScriptDirectory._generate_create_date",
        ["self"],
        "generator/migrate/revision.py",
    ),
]


@pytest.mark.parametrize("module, name, params, where", PRIVATE, ids=[p[1] for p in PRIVATE])
def test_the_private_name_still_exists_with_these_parameters(
    module: str, name: str, params: list[str], where: str
) -> None:
    obj = importlib.import_module(module)
    for part in name.split("."):
        obj = getattr(obj, part)
    assert list(inspect.signature(obj).parameters) == params
    for path in where.split():
        assert name.rsplit(".", 1)[-1] in (REPO / path).read_text(encoding="utf-8"), (
            f"{name} not used in {path}"
        )


def test_every_private_alembic_use_is_listed() -> None:
    listed = {name.rsplit(".", 1)[-1] for _, name, _, _ in PRIVATE}
    used: set[str] = set()
    for path in [
        *REPO.glob("generator/**/*.py"),
        *REPO.glob("cli/**/*.py"),
        *REPO.glob("cadb/**/*.py"),
    ]:
        text = path.read_text(encoding="utf-8")
        if "alembic" not in text:
            continue
        used.update(re.findall(r"from alembic[\w.]* import (_\w+)", text))
        used.update(
            re.findall(r"\b(?:alembic_render|render|write_hooks|directory)\.(_\w+)\(", text)
        )
    assert used == listed


def test_a_drop_table_op_keeps_its_table_in_reverse() -> None:
    """generator/migrate/autogen.py orders dropped tables by ``DropTableOp._reverse.columns``."""
    import sqlalchemy as sa
    from alembic.operations import ops

    table = sa.Table("t", sa.MetaData(), sa.Column("id", sa.Integer, primary_key=True))
    op = ops.DropTableOp.from_table(table)
    assert isinstance(op._reverse, ops.CreateTableOp)
    # columns and constraints
    assert "id" in [getattr(c, "name", None) for c in op._reverse.columns]


def test_the_environment_proxy_holds_the_context_options() -> None:
    """generator/migrate/env.py reads the running command's options (``fn``,
    ``revision_context``) from ``alembic.context._proxy.context_opts``."""
    import alembic.context
    from alembic.config import Config
    from alembic.runtime.environment import EnvironmentContext
    from alembic.script import ScriptDirectory

    config = Config()
    config.set_main_option("script_location", str(REPO / "migrations"))
    with EnvironmentContext(config, ScriptDirectory.from_config(config), fn=len) as env:
        assert alembic.context._proxy is env  # type: ignore[attr-defined]
        assert env.context_opts["fn"] is len


def test_the_alembic_range_is_pinned_below_the_next_major() -> None:
    text = (REPO / "pyproject.toml").read_text(encoding="utf-8")
    assert re.search(r'"alembic>=1\.13,<2"', text), (
        "keep an upper bound: private Alembic names are used"
    )
