"""Issue 14.3: one result object per command, rendered by the reporter ``--format`` names.

Every command with ``--format`` accepts exactly the reporters of the registry that render its
results (cli/reporters.py); every result has a status word of the one vocabulary and an
``as_dict()`` whose document is pinned here, with its text rendering (stdout and stderr).
No server: the results are built by hand.
"""

from __future__ import annotations

import io
import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from rich.console import Console

import cli.output
from cadb.audit import Break, Scope, ScopeResult, VerifyReport
from cli import reporters, text
from cli.main import _register, app
from cli.reporters import COMMANDS, REPORTERS, RESULTS, STATUSES, formats_for, reporter
from generator.adopt.importer import ImportResult
from generator.adopt.writer import ImportPlan, Unsupported
from generator.drift.report import UNCHECKED, DiffReport, Statement
from generator.errors import Problem
from generator.migrate.api import Status
from generator.migrate.data_proof import DataProof
from generator.migrate.revision import GenerateResult
from generator.pg.catalog import Change
from generator.seeds.apply import SeedReport, TableReport
from generator.seeds.revision import SeedCheck, SeedRevisionResult
from generator.seeds.validate import ValidateReport


def _click_commands() -> Iterator[tuple[str, Any]]:
    """(command path, click command) of every command and sub-command of schemactl."""
    import typer.main

    _register()
    group = typer.main.get_command(app)

    def walk(command: Any, path: str) -> Iterator[tuple[str, Any]]:
        sub = getattr(command, "commands", None)
        if sub is None:
            yield path, command
            return
        for name, child in sub.items():
            yield from walk(child, f"{path} {name}".strip())

    yield from walk(group, "")


def _format_choices(command: Any) -> list[str] | None:
    for param in command.params:
        if "--format" in getattr(param, "opts", ()):
            if hasattr(param, "type_descriptor"):  # typer >= 0.29: the annotation is the enum
                return [member.value for member in param.type_descriptor.annotation]
            return list(param.type.choices)
    return None


def test_every_format_option_accepts_exactly_the_registered_reporters() -> None:
    with_format = {path: _format_choices(cmd) for path, cmd in _click_commands() if _format_choices(cmd) is not None}
    assert set(with_format) == set(COMMANDS)  # every --format is declared through cli/reporters.py
    assert {"validate", "diff", "generate", "seed", "audit verify", "status"} <= set(with_format)
    for path, choices in with_format.items():
        assert choices == formats_for(*COMMANDS[path]), path
        assert set(choices) <= set(REPORTERS)
        assert choices[0] == "text"  # the default
    assert with_format["diff"] == ["text", "json", "sql"]
    assert all(choices == ["text", "json"] for path, choices in with_format.items() if path != "diff")


def test_the_early_format_parse_knows_every_reporter() -> None:
    """cli/output.py reads --format before click does (so errors follow the contract)."""
    assert tuple(REPORTERS) == cli.output.FORMATS


def test_every_result_has_a_text_rendering_and_sql_renders_only_diff() -> None:
    assert text.renders() == set(RESULTS)
    assert [r for r in RESULTS if reporters.SqlReporter.accepts(r)] == [reporters.DIFF]


def test_a_format_not_registered_for_the_command_is_one_error_line(run_cli) -> None:
    result = run_cli("validate", "-f", "sql")
    assert result.code == 1 and "Traceback" not in result.output
    assert result.stderr.splitlines()[0].startswith("error: Invalid value for '--format'")


# ------------------------------------------------------------------------ rendering


@pytest.fixture
def render(monkeypatch: pytest.MonkeyPatch) -> Callable[[str, Any], tuple[str, str]]:
    """render(format, result) -> (stdout, stderr) of the reporter ``format``."""

    def run(name: str, result: Any, stream: list[Any] | None = None) -> tuple[str, str]:
        out, err = io.StringIO(), io.StringIO()
        monkeypatch.setattr(cli.output.OUT, "stdout", Console(file=out, highlight=False, soft_wrap=True))
        monkeypatch.setattr(cli.output.OUT, "stderr", Console(file=err, highlight=False, soft_wrap=True))
        monkeypatch.setattr(cli.output.OUT, "format", name)
        rep = reporter(name)
        for item in stream or []:
            rep.stream(item)
        rep.report(result)
        return out.getvalue(), err.getvalue()

    return run


def check(render: Callable[..., tuple[str, str]], result: Any, document: dict[str, Any], stdout: str, stderr: str) -> None:
    assert result.status in STATUSES
    assert result.as_dict() == document
    assert list(result.as_dict())[:2] in (["status", "format_version"], ["format_version", "status"])
    out, err = render("json", result)
    assert json.loads(out) == document and err == ""
    assert render("text", result) == (stdout, stderr)


def test_validate_ok(render) -> None:
    report = ValidateReport(["schema.yaml", "seeds.yaml"], [], "3 tables, 9 columns, 1 enum (0.01s)")
    document = {"status": "ok", "format_version": 1, "files": ["schema.yaml", "seeds.yaml"], "problems": [],
                "summary": "3 tables, 9 columns, 1 enum (0.01s)"}
    check(render, report, document, "", "ok: 3 tables, 9 columns, 1 enum (0.01s)\n")


def test_validate_invalid(render) -> None:
    problems = [Problem("schema.yaml", 9, 3, "b"), Problem("schema.yaml", 2, 7, "a")]
    report = ValidateReport(["schema.yaml"], problems)
    document = {"status": "invalid", "format_version": 1, "files": ["schema.yaml"], "summary": "", "problems": [
        {"file": "schema.yaml", "line": 2, "column": 7, "message": "a"},
        {"file": "schema.yaml", "line": 9, "column": 3, "message": "b"},
    ]}
    check(render, report, document, "schema.yaml:2:7: a\nschema.yaml:9:3: b\n", "2 problems in schema.yaml\n")


def _diff(**kw: Any) -> DiffReport:
    return DiffReport(server_versions={"database": "17.6", "dev": "18.6"}, timings={"total": 0.42},
                      database="postgresql+psycopg://app:***@h/app", engine="migra 3", spec_cache="hit", **kw)


def _diff_document(**kw: Any) -> dict[str, Any]:
    return {
        "format_version": 1, "status": "in_sync", "database": "postgresql+psycopg://app:***@h/app",
        "dev_database": "", "server_versions": {"database": "17.6", "dev": "18.6"}, "engine": "migra 3",
        "changes": [], "statements": [], "destructive": False, "complete": True, "missing_sql": [],
        "unchecked": list(UNCHECKED), "timings": {"total": 0.42}, "spec_cache": "hit", "preamble": [],
        "pending_revisions": None, "unmanaged": [],
    } | kw


def test_diff_in_sync(render) -> None:
    verdict = "in_sync: the database matches the spec (PostgreSQL 17.6 vs spec on 18.6, 0.4s)\n"
    check(render, _diff(), _diff_document(), "", verdict)
    assert render("sql", _diff()) == ("", "")


def test_diff_names_what_the_spec_marks_unmanaged(render) -> None:
    from generator.spec.model import UnmanagedSpec

    report = _diff(unmanaged=[UnmanagedSpec("view", "public.v"), UnmanagedSpec("trigger", "public.t.trg")])
    document = _diff_document(unmanaged=[{"kind": "view", "name": "public.v"}, {"kind": "trigger", "name": "public.t.trg"}])
    check(render, report, document, "",
          "unchecked: 2 objects the spec marks unmanaged (view public.v, trigger public.t.trg); their differences "
          "are set aside, not drift\nin_sync: the database matches the spec (PostgreSQL 17.6 vs spec on 18.6, 0.4s)\n")


def test_diff_drift(render) -> None:
    report = _diff(changes=[Change("column", "users.nickname", "removed")],
                   statements=[Statement('alter table "users" drop column "nickname"', destructive=True)],
                   pending_revisions=2)
    document = _diff_document(
        status="drift", destructive=True, pending_revisions=2,
        changes=[{"kind": "column", "name": "users.nickname", "action": "removed", "detail": ""}],
        statements=[{"sql": 'alter table "users" drop column "nickname";', "destructive": True, "origin": "migra", "note": ""}],
    )
    stdout = (
        "1 difference between the database and the spec:\n"
        "  column  users.nickname  not in the spec\n"
        "\n"
        "SQL to bring the database to the spec (1 statement, 1 destructive):\n"
        "-- DESTRUCTIVE\n"
        'alter table "users" drop column "nickname";\n'
    )
    verdict = "drift: 1 difference; the fix has destructive statements (PostgreSQL 17.6 vs spec on 18.6, 0.4s)\n"
    check(render, report, document, stdout, verdict)
    sql, err = render("sql", report)
    assert sql == report.sql_script() and sql.endswith('-- DESTRUCTIVE\nalter table "users" drop column "nickname";\n')
    assert err == ""


def test_generate(render) -> None:
    base = {"format_version": 1, "revision": None, "down_revision": "0009", "path": None, "operations": [],
            "destructive": [], "leftover": [], "hazards": [], "timings": {}, "data_proof": None}
    check(render, GenerateResult("no_changes", down_revision="0009"), base | {"status": "no_changes"},
          "", "no_changes: the migrations already match the spec\n")
    needed = GenerateResult("needed", ["add column jobs.x", "drop column jobs.y"], ["drop column jobs.y"], down_revision="0009")
    check(render, needed, base | {"status": "needed", "operations": needed.summary, "destructive": ["drop column jobs.y"]},
          "  add column jobs.x\n! drop column jobs.y\n",
          "a revision is needed: 2 operation(s); run schemactl generate -m MSG\n")
    odd = GenerateResult("unexpressible", leftover=["check ck_x differs"], down_revision="0009")
    check(render, odd, base | {"status": "unexpressible", "leftover": ["check ck_x differs"]},
          "  check ck_x differs\n",
          "error: the spec differs from the migrations' head, but autogenerate found no operation for it:\n")
    path = Path.cwd() / "migrations" / "versions" / "0010_x.py"
    written = GenerateResult("written", ["add column jobs.x"], path=path, revision="0010", down_revision="0009", timings={"proof": 1.25})
    check(render, written, base | {"status": "written", "revision": "0010", "path": str(path),
                                   "operations": ["add column jobs.x"], "timings": {"proof": 1.25}},
          "  add column jobs.x\n", "wrote migrations/versions/0010_x.py (revision 0010, proven in 1.2s)\n")
    proof = DataProof({"jobs": 20, "users": 20}, {"audit_logs": "every synthetic row was rejected (x)"}, 0.5)
    on_data = GenerateResult("written", ["add column jobs.x"], path=path, revision="0010", down_revision="0009",
                             timings={"proof": 1.25}, data_proof=proof)
    check(render, on_data, base | {"status": "written", "revision": "0010", "path": str(path),
                                   "operations": ["add column jobs.x"], "timings": {"proof": 1.25},
                                   "data_proof": {"rows": {"jobs": 20, "users": 20},
                                                  "skipped": {"audit_logs": "every synthetic row was rejected (x)"},
                                                  "seconds": 0.5}},
          "  add column jobs.x\n",
          "data proof: 40 synthetic rows in 2 tables, 0.5s\n"
          "data proof skipped audit_logs: every synthetic row was rejected (x)\n"
          "wrote migrations/versions/0010_x.py (revision 0010, proven in 1.2s)\n")


def test_generate_hazards(render) -> None:
    """issue 18: the hazards of a revision are in the document and listed after the verdict."""
    hazard = "index_build: create index ix_jobs_x on jobs (built CONCURRENTLY: writes go on, the build takes time)"
    needed = GenerateResult("needed", ["create index ix_jobs_x on jobs"], down_revision="0009", hazards=[hazard])
    out, err = render("json", needed)
    assert json.loads(out)["hazards"] == [hazard]
    out, err = render("text", needed)
    assert out == "  create index ix_jobs_x on jobs\n"
    assert err.endswith(f"hazards (1, listed in the revision's docstring):\n  {hazard}\n")


def test_lint(render) -> None:
    from generator.lint.squawk import Explained, Finding, LintReport

    clean = LintReport(["0010"], baseline="0009", squawk_version="2.70.0",
                       explained=[Explained("0010", "prefer-robust-stmts", "resumes", 3)])
    check(render, clean, {"status": "clean", "format_version": 1, "revisions": ["0010"], "baseline": "0009",
                          "squawk_version": "2.70.0", "findings": [],
                          "explained": [{"revision": "0010", "rule": "prefer-robust-stmts", "reason": "resumes", "count": 3}],
                          "notes": []},
          "", "clean: no squawk findings in 1 revision(s) after 0009 (3 explained in revision headers)\n")
    finding = Finding("0010", "migrations/versions/0010_x.py", 9, "require-concurrent-index-creation",
                      "During normal index creation, table updates are blocked", "", 'CREATE INDEX "ix" ON t (a);')
    found = LintReport(["0010"], [finding])
    assert found.status == "findings"
    out, err = render("text", found)
    assert out == ("0010 (migrations/versions/0010_x.py): sql line 9: require-concurrent-index-creation: "
                   "During normal index creation, table updates are blocked\n    CREATE INDEX \"ix\" ON t (a);\n")
    assert err == "findings: 1 squawk finding(s) in 1 revision(s) (0 explained in revision headers)\n"
    assert json.loads(render("json", found)[0])["findings"][0]["rule"] == "require-concurrent-index-creation"


def test_import(render) -> None:
    plan = ImportPlan(spec=None, unsupported=[Unsupported("view", "public.open_orders", "not in the spec yet")],  # type: ignore[arg-type]
                      tables=["customers", "orders"])
    spec = "version: 1\n"
    to_stdout = ImportResult(spec, plan, "17.6", {"total": 1.5}, verified=True)
    base = {"status": "written", "format_version": 1, "server_version": "17.6", "verified": True,
            "tables": ["customers", "orders"],
            "skipped": [{"kind": "view", "name": "public.open_orders", "reason": "not in the spec yet", "because_of": None}],
            "excluded": [], "unread_schemas": [], "baseline": None, "timings": {"total": 1.5}}
    check(render, to_stdout, base | {"output": None, "spec": spec}, spec,
          "imported 2 tables to stdout: round trip proven; 1 object skipped (listed at its top) (PostgreSQL 17.6, 1.5s)\n")
    baseline = {"revision": "0001", "path": "migrations/versions/0001_baseline.py", "stamped": True}
    to_file = ImportResult(spec, plan, "17.6", {"total": 1.5}, verified=False, output="schema.yaml", baseline=baseline)
    check(render, to_file, base | {"output": "schema.yaml", "spec": None, "verified": False, "baseline": baseline}, "",
          "imported 2 tables to schema.yaml: NOT verified (--no-verify); 1 object skipped (listed at its top) "
          "(PostgreSQL 17.6, 1.5s)\nwrote migrations/versions/0001_baseline.py (revision 0001, proven)\n"
          "stamped the database at 0001: `schemactl generate` continues from here\n")


def test_seed(render) -> None:
    report = SeedReport([TableReport("tools", ("code",), [{"code": "t1"}], [], 2)], revision="0009", seconds=0.25)
    document = {"status": "ok", "format_version": 1, "dry_run": False, "revision": "0009",
                "tables": [{"table": "tools", "inserted": 1, "updated": 0, "unchanged": 2, "rows": 3,
                            "inserted_keys": [{"code": "t1"}], "updated_keys": []}],
                "totals": {"inserted": 1, "updated": 0, "unchanged": 2, "rows": 3}}
    check(render, report, document, "tools  inserted   1  updated   0  unchanged   2\n  + t1\n",
          "seeded 3 rows at revision 0009: 1 inserted, 0 updated, 2 unchanged (0.25s)\n")


def test_seed_check(render) -> None:
    check(render, SeedCheck([], "0007"), {"status": "in_sync", "format_version": 1, "revision": "0007", "changes": []},
          "", "in_sync: seeds.yaml matches data revision 0007\n")
    check(render, SeedCheck(["machines: update m1 (name)"], "0007"),
          {"status": "needed", "format_version": 1, "revision": "0007", "changes": ["machines: update m1 (name)"]},
          "  machines: update m1 (name)\n",
          'a data revision is needed: seeds.yaml changed since the last one; run schemactl seed --revision -m "what changed"\n')


def test_seed_revision(render) -> None:
    none = SeedRevisionResult("no_changes", down_revision="0009")
    check(render, none, {"status": "no_changes", "format_version": 1, "revision": None, "down_revision": "0009",
                         "path": None, "changes": []},
          "", "no_changes: the data revisions already match seeds.yaml\n")
    path = Path.cwd() / "migrations" / "versions" / "0010_seed.py"
    written = SeedRevisionResult("written", ["tools: insert t9"], path, "0010", "0009")
    check(render, written, {"status": "written", "format_version": 1, "revision": "0010", "down_revision": "0009",
                            "path": str(path), "changes": ["tools: insert t9"]},
          "  tools: insert t9\n",
          "wrote migrations/versions/0010_seed.py (data revision 0010, proven on a scratch database)\n")


def _scope(scope_id: str, rows: int, brk: Break | None = None) -> ScopeResult:
    return ScopeResult("job", scope_id, rows, 0 if brk is None else 1, brk, rows, "ab" * 32)


def test_audit_verify(render) -> None:
    intact = VerifyReport((_scope("a", 2),), seconds=0.01)
    scope_doc = {"scope": "job:a", "scope_type": "job", "scope_id": "a", "status": "intact", "rows": 2,
                 "broken_rows": 0, "head_id": 2, "head_hash": "ab" * 32, "first_broken": None}
    check(render, intact, {"status": "intact", "format_version": 1, "scopes_checked": 1, "rows_checked": 2,
                           "broken_scopes": 0, "scopes": [scope_doc]},
          "ok      job:a  2 rows\n", "intact: 1 scope, 2 rows in 0.01 s\n")
    brk = Break(4, "hash_mismatch", "chain_hash does not match")
    broken = VerifyReport((_scope("a", 2), _scope("b", 5, brk)), seconds=0.01)
    out, err = render("text", broken)
    assert out.splitlines() == ["ok      job:a  2 rows",
                                "BROKEN  job:b  5 rows, 1 broken; first broken row id 4: hash mismatch: chain_hash does not match"]
    assert err == "broken: 1 of 2 scopes, 7 rows in 0.01 s\n" and broken.status == "broken"
    assert broken.as_dict()["scopes"][1]["first_broken"] == {"id": 4, "kind": "hash_mismatch", "message": "chain_hash does not match"}
    # streamed scopes (as `audit verify` prints them while it reads) are not printed twice
    assert render("text", broken, stream=list(broken.scopes)) == (out, err)
    assert render("json", broken, stream=list(broken.scopes))[0] == json.dumps(broken.as_dict(), indent=2) + "\n"
    empty = VerifyReport((), Scope("job", "zz"))
    assert render("text", empty) == ("", "no rows in scope job:zz: nothing to verify\n")
    assert VerifyReport.to_dict is VerifyReport.as_dict  # the old name, kept for applications


def test_status(render) -> None:
    behind = Status(current=["0008"], heads=["0009"], pending=["0009"])
    check(render, behind, {"status": "behind", "format_version": 1, "current": ["0008"], "heads": ["0009"],
                           "pending": ["0009"], "at_head": False},
          "current: 0008\nhead:    0009\npending: 0009\nbehind by 1 revision(s): run schemactl upgrade\n", "")
    at_head = Status(current=["0009"], heads=["0009"], pending=[])
    assert at_head.status == "at_head" and render("text", at_head)[0].splitlines()[-1] == "at_head"
