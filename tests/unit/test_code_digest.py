"""generator.pg.dbcache.code_digest: a kept database's key follows only the code that builds it."""

from __future__ import annotations

from pathlib import Path

import pytest

from generator.drift.spec_db import SPEC_BUILD_CODE
from generator.migrate.revision import HEAD_BUILD_CODE
from generator.pg import dbcache


@pytest.fixture
def package(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A copy of the generator package's layout, with one file per folder."""
    root = tmp_path / "generator"
    # every file the two keys name (a folder gets one file), plus files that build nothing
    named = [rel if "." in rel.rsplit("/", 1)[-1] else f"{rel}/model.py" for rel in (*SPEC_BUILD_CODE, *HEAD_BUILD_CODE)]
    for rel in dict.fromkeys([*named, "spec/model.py", "spec/schemas/schema.schema.json", "schema/docs.py",
                              "drift/report.py", "pg/dbcache.py", "migrate/ops.py"]):
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(f"# {rel}\n")
    monkeypatch.setattr(dbcache, "_PACKAGE", root)
    monkeypatch.setattr(dbcache, "_CODE_DIGESTS", {})
    return root


def _edit(package: Path, rel: str) -> None:
    path = package / rel
    path.write_text(path.read_text() + "# edited\n")
    dbcache._CODE_DIGESTS.clear()


@pytest.mark.parametrize("rel", ["drift/report.py", "schema/docs.py", "pg/dbcache.py"])
def test_editing_code_that_builds_nothing_keeps_both_keys(package: Path, rel: str) -> None:
    spec, head = dbcache.code_digest(SPEC_BUILD_CODE), dbcache.code_digest(HEAD_BUILD_CODE)
    _edit(package, rel)
    assert (dbcache.code_digest(SPEC_BUILD_CODE), dbcache.code_digest(HEAD_BUILD_CODE)) == (spec, head)


@pytest.mark.parametrize("rel", ["spec/model.py", "spec/schemas/schema.schema.json", "schema/ddl.py", "drift/spec_db.py"])
def test_editing_what_builds_the_spec_changes_both_keys(package: Path, rel: str) -> None:
    spec, head = dbcache.code_digest(SPEC_BUILD_CODE), dbcache.code_digest(HEAD_BUILD_CODE)
    _edit(package, rel)
    assert dbcache.code_digest(SPEC_BUILD_CODE) != spec
    assert dbcache.code_digest(HEAD_BUILD_CODE) != head


def test_editing_the_migration_ops_changes_only_the_head_key(package: Path) -> None:
    spec, head = dbcache.code_digest(SPEC_BUILD_CODE), dbcache.code_digest(HEAD_BUILD_CODE)
    _edit(package, "migrate/ops.py")
    assert dbcache.code_digest(SPEC_BUILD_CODE) == spec
    assert dbcache.code_digest(HEAD_BUILD_CODE) != head


def test_the_app_runtime_and_the_cli_are_outside_every_key() -> None:
    """cadb/ and cli/ sit beside generator/: no member can name them."""
    for member in SPEC_BUILD_CODE + HEAD_BUILD_CODE:
        assert not member.startswith((".", "/")) and ".." not in member
