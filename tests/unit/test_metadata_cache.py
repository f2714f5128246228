"""generator.metadata_cache: the MetaData of a cached spec, unpickled, equals a fresh build."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql
from sqlalchemy.schema import CreateIndex, CreateTable

from generator.materialize import ddl_script
from generator.metadata import build_metadata
from generator.metadata_cache import FILE_NAME, metadata_for
from generator.spec import load_spec
from generator.spec.cache import load_spec_cached

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def project(tmp_path: Path) -> Path:
    shutil.copyfile(ROOT / "schema.yaml", tmp_path / "schema.yaml")
    return tmp_path


def _cached_spec(project: Path):
    path = project / "schema.yaml"
    return load_spec_cached(path, "schema.yaml", project)


EVENTS = ("before_create", "after_create", "before_drop", "after_drop")


def _listeners(md: sa.MetaData) -> list[list[str]]:
    """What listens on the MetaData and on each table, in order (named by what it does)."""

    def names(target) -> list[str]:
        out = []
        for event in EVENTS:
            for fn in getattr(target.dispatch, event):
                if isinstance(fn, sa.util.portable_instancemethod):  # a type's own hook
                    out.append(
                        f"{event}:{type(fn.target).__name__}:{getattr(fn.target, 'name', '')}:{fn.name}"
                    )
                else:  # a DDL hook of generator.metadata.attach_extras
                    out.append(f"{event}:{type(fn).__name__}:{getattr(fn, 'statement', '')}")
        return out

    return [names(md)] + [names(t) for t in md.sorted_tables]


def _compiled(md: sa.MetaData) -> list[str]:
    dialect = postgresql.dialect()
    out = []
    for table in md.sorted_tables:
        out.append(str(CreateTable(table).compile(dialect=dialect)))
        out += sorted(str(CreateIndex(ix).compile(dialect=dialect)) for ix in table.indexes)
    return out


def test_second_build_comes_from_the_file_and_equals_a_fresh_build(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    spec = _cached_spec(project)
    first = metadata_for(spec)
    file = project / ".schemactl" / "cache" / FILE_NAME
    assert file.is_file()
    with monkeypatch.context() as m:  # the second call must not build
        m.setattr(
            "generator.metadata_cache.build_metadata", lambda spec: pytest.fail("built again")
        )
        again = metadata_for(_cached_spec(project))
    assert again is not first
    fresh = build_metadata(load_spec(project / "schema.yaml"))
    assert again.info["spec"] is not None and set(again.tables) == set(fresh.tables)
    assert _listeners(again) == _listeners(fresh)  # the hooks pickling drops are attached again
    assert _compiled(again) == _compiled(fresh)
    assert ddl_script(again.info["spec"], again) == ddl_script(fresh.info["spec"], fresh)


def test_a_spec_not_from_the_cache_is_built_and_nothing_is_written(project: Path) -> None:
    md = metadata_for(load_spec(project / "schema.yaml"))
    assert "jobs" in md.tables
    assert not (project / ".schemactl").exists()


def test_a_damaged_file_is_rebuilt(project: Path) -> None:
    metadata_for(_cached_spec(project))
    file = project / ".schemactl" / "cache" / FILE_NAME
    header = file.read_bytes().split(b"\n", 1)[0]
    file.write_bytes(header + b"\nnot a pickle")
    md = metadata_for(_cached_spec(project))
    assert "jobs" in md.tables and len(file.read_bytes()) > 1000  # rebuilt and stored again


def test_a_changed_spec_never_gets_the_old_metadata(project: Path) -> None:
    metadata_for(_cached_spec(project))
    path = project / "schema.yaml"
    path.write_text(path.read_text().replace("      - {columns: [event_type]}\n", "", 1))
    changed = metadata_for(_cached_spec(project))
    fresh = build_metadata(load_spec(path))
    assert _compiled(changed) == _compiled(fresh)
    names = {ix.name for ix in changed.tables["audit_logs"].indexes}
    assert "ix_audit_logs_event_type" not in names
