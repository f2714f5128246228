"""Issue 14.3: one error base, and every subclass reaches the CLI's JSON error document with
its kind and details, read the same way (``exc.kind``, ``exc.details``; no getattr chains).

Every SchemactlError subclass in generator/, cadb/ and cli/ is found by walking the class
tree after importing every module; one without a sample below fails the test, so a new error
class is checked the day it is written. Each is raised from a real command (``validate``,
its body replaced) under ``-f json`` and ``-f text``.
"""

from __future__ import annotations

import importlib
import json
import pkgutil
from collections.abc import Callable
from typing import Any

import pytest

import cadb
import cli
import generator
from cadb.errors import SchemactlError

PROBLEM = {"file": "schema.yaml", "line": 3, "column": 5, "message": "unknown type 'intt'"}


def _samples() -> dict[str, Callable[[], SchemactlError]]:
    from cadb.audit import AuditChainConflict, AuditError
    from cadb.canonical import NotCanonicalJson
    from cadb.errors import DatabaseError, IdempotencyConflict, InvalidIdempotencyKey
    from cadb.jobs import InvalidJobRequest
    from generator.adopt.importer import UnsupportedObjects
    from generator.adopt.writer import Unsupported
    from generator.errors import (
        CodegenError,
        ConfigError,
        DestructiveChange,
        MigrationError,
        Problem,
        ProofFailed,
        ServerError,
        SpecError,
    )
    from generator.lint.squawk import LintError
    from generator.migrate.online_hazards import Hazard, HazardRefused

    return {
        "SchemactlError": lambda: SchemactlError("something failed", "do this"),
        "DatabaseError": lambda: DatabaseError("the database user lacks a privilege", "grant it", sqlstate="42501"),
        "IdempotencyConflict": lambda: IdempotencyConflict("key-12345", {"id": 1}),
        "InvalidIdempotencyKey": lambda: InvalidIdempotencyKey("the key is too short", "use 8 characters"),
        "InvalidJobRequest": lambda: InvalidJobRequest("unknown job type 'x'", "use one of cam, nest"),
        "NotCanonicalJson": lambda: NotCanonicalJson("NaN is not JSON", "$.a[1]"),
        "AuditError": lambda: AuditError("scope 'x' is not TYPE:ID", "e.g. job:1"),
        "AuditChainConflict": lambda: AuditChainConflict("the chain moved on", "retry the transaction"),
        "SpecError": lambda: SpecError([Problem(**PROBLEM)]),
        "ConfigError": lambda: ConfigError("--check and --revision exclude each other"),
        "ServerError": lambda: ServerError("the embedded server did not start", "see its log"),
        "CodegenError": lambda: CodegenError("class name Jobs collides", "rename a table"),
        "MigrationError": lambda: MigrationError("the migrations have 2 heads", "merge them"),
        "ProofFailed": lambda: ProofFailed("after the upgrade, the database still differs", ["column jobs.x differs"]),
        "DestructiveChange": lambda: DestructiveChange(["drop column jobs.y"]),
        "UnsupportedObjects": lambda: UnsupportedObjects([Unsupported("view", "public.open_orders", "not in the spec yet")]),
        # issue 18
        "HazardRefused": lambda: HazardRefused([Hazard("table_rewrite", "alter column jobs.x type integer -> bigint", "rewritten")]),
        "LintError": lambda: LintError("squawk is not installed", "pip install squawk-cli"),
    }


def _all_subclasses() -> set[type[SchemactlError]]:
    for package in (generator, cadb, cli):
        for module in pkgutil.walk_packages(package.__path__, package.__name__ + "."):
            importlib.import_module(module.name)
    found: set[type[SchemactlError]] = set()
    todo = [SchemactlError]
    while todo:
        cls = todo.pop()
        if cls.__module__.split(".")[0] in ("generator", "cadb", "cli") and cls not in found:
            found.add(cls)
            todo.extend(cls.__subclasses__())
    return found


def test_every_error_class_has_a_sample_and_a_kind() -> None:
    classes = _all_subclasses()
    assert {cls.__name__ for cls in classes} == set(_samples())
    kinds = {}
    for cls in classes:
        exc = _samples()[cls.__name__]()
        assert type(exc) is cls
        assert isinstance(exc.kind, str) and exc.kind.isidentifier(), cls
        assert isinstance(exc.details, list)
        json.dumps(exc.details)  # JSON as it is: nothing falls back to str()
        kinds.setdefault(exc.kind, set()).add(cls.__name__)
    # the kinds of docs/drift.md ("On failure"), each class's own word or its base's
    assert {"spec", "config", "database", "server", "migration", "proof", "destructive", "error"} <= set(kinds)


@pytest.fixture
def raising(monkeypatch: pytest.MonkeyPatch) -> Callable[[SchemactlError], None]:
    """Make ``schemactl validate`` raise ``exc`` (through main(), as any command would)."""

    def arm(exc: SchemactlError) -> None:
        def fail(_state: Any) -> Any:
            raise exc

        monkeypatch.setattr("cli.spec.validate_files", fail)

    return arm


@pytest.mark.parametrize("name", sorted(_samples()))
def test_every_error_reaches_the_json_error_document(name: str, run_cli, raising) -> None:
    exc = _samples()[name]()
    raising(exc)
    result = run_cli("validate", "-f", "json")
    assert result.code == exc.exit_code == 1 and "Traceback" not in result.output
    document = json.loads(result.stdout)  # exactly one document
    assert document == {
        "status": "error",
        "format_version": 1,
        "error": {"kind": exc.kind, "message": exc.message, "hint": exc.hint, "exit_code": 1, "details": exc.details},
    }
    assert result.stderr.splitlines()[0] == f"error: {exc.message}"


def test_details_in_text(run_cli, raising) -> None:
    """A spec's problems are FILE:LINE:COL lines on stdout (validate's own output); a proof's
    differences are `  - ` lines on stderr; one error line, one hint line."""
    from generator.errors import Problem, ProofFailed, SpecError

    raising(SpecError([Problem(**PROBLEM)]))
    result = run_cli("validate")
    assert result.stdout == "schema.yaml:3:5: unknown type 'intt'\n"
    assert result.stderr.splitlines() == ["error: 1 problem found", f"hint: {SpecError([]).hint}"]
    raising(ProofFailed("the downgrade left a difference", ["column jobs.x differs"], "split the change"))
    result = run_cli("validate")
    assert result.stdout == ""
    assert result.stderr.splitlines() == [
        "error: the downgrade left a difference", "hint: split the change", "  - column jobs.x differs",
    ]


def test_a_database_error_keeps_its_sqlstate() -> None:
    from psycopg.errors import InsufficientPrivilege

    from generator.errors import from_database_exception

    found = from_database_exception(InsufficientPrivilege("permission denied for table jobs"))
    assert found is not None and found.sqlstate == "42501" and found.kind == "database"
    assert found.message == "the database user lacks a privilege: permission denied for table jobs"


def test_every_error_raised_on_purpose_has_a_hint() -> None:
    """A user mistake is an `error:` line and a `hint:` line: every ``raise SomeError(...)``
    (or ``return SomeError(...)``) of a SchemactlError class with a message passes a hint
    (read with ast; the constructors of SpecError, ProofFailed, DestructiveChange, HazardRefused,
    IdempotencyConflict and UnsupportedObjects supply their own)."""
    import ast
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    own = {"SpecError", "ProofFailed", "DestructiveChange", "IdempotencyConflict", "UnsupportedObjects", "HazardRefused"}
    names = {cls.__name__ for cls in _all_subclasses()} - own
    missing = []
    for package in ("generator", "cadb", "cli"):
        for path in sorted((root / package).rglob("*.py")):
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                call = node.exc if isinstance(node, ast.Raise) else node.value if isinstance(node, ast.Return) else None
                if not isinstance(call, ast.Call):
                    continue
                func = call.func
                name = func.id if isinstance(func, ast.Name) else getattr(func, "attr", None)
                has_hint = len(call.args) >= 2 or any(k.arg == "hint" for k in call.keywords)
                if name in names and not has_hint:
                    missing.append(f"{path.relative_to(root)}:{node.lineno} {name}")
    assert not missing, "errors without a hint:\n" + "\n".join(missing)
