"""Results, and the reporters that render them, chosen by ``--format`` name.

Every command with ``--format`` gets one result object from the library and hands it to the
reporter the user named; the library never prints. A result is anything with

- ``status``: one word from ``STATUSES`` (snake_case; the same word starts the text verdict);
- ``as_dict()``: its JSON document (``status`` and ``format_version`` first, stable keys).

The reporters (``REPORTERS``, the names ``--format`` accepts):

- ``text``: for people; the body on stdout, the verdict (``in_sync: ...``) on stderr
  (``cli/text.py`` holds one renderer per result class);
- ``json``: exactly one document on stdout, ``as_dict()``;
- ``sql``: only the fixing script of ``diff`` (the one result with ``sql_script()``).

A command declares the result classes it may return with ``format_option(command, ...)``;
its ``--format`` then accepts exactly the reporters that render all of them
(tests/unit/test_reporters.py checks every command against this registry). Result classes
are named by ``module.QualName`` strings, so building the options imports none of them
(``schemactl --help`` stays fast).
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any, ClassVar, Protocol

import typer

from cli.output import OUT

# The status words of every result (and "error" of the error document, cli/output.py).
STATUSES = frozenset({
    "ok", "invalid",  # validate, seed
    "in_sync", "drift",  # diff
    "written", "no_changes", "needed", "unexpressible",  # generate, seed --revision, seed --check, import
    "intact", "broken",  # audit verify
    "at_head", "behind",  # status
    "clean", "findings",  # lint
    "safe", "unsafe",  # preflight
    "error",
})

# The result classes of the commands (module.QualName), by what they report.
VALIDATE = "generator.seeds.validate.ValidateReport"
DIFF = "generator.drift.report.DiffReport"
GENERATE = "generator.migrate.revision.GenerateResult"
SEED = "generator.seeds.apply.SeedReport"
SEED_CHECK = "generator.seeds.revision.SeedCheck"
SEED_REVISION = "generator.seeds.revision.SeedRevisionResult"
VERIFY = "cadb.audit.VerifyReport"
STATUS = "generator.migrate.api.Status"
IMPORT = "generator.adopt.importer.ImportResult"
LINT = "generator.lint.squawk.LintReport"
PREFLIGHT = "generator.preflight.run.PreflightReport"
RESULTS = (VALIDATE, DIFF, GENERATE, SEED, SEED_CHECK, SEED_REVISION, VERIFY, STATUS, IMPORT, LINT, PREFLIGHT)


class Result(Protocol):
    @property
    def status(self) -> str: ...

    def as_dict(self) -> dict[str, Any]: ...


class Reporter:
    """Renders results; ``renders`` names the result classes it can render (None: every one)."""

    name: ClassVar[str]
    renders: ClassVar[frozenset[str] | None] = None

    @classmethod
    def accepts(cls, result: str) -> bool:
        return cls.renders is None or result in cls.renders

    def stream(self, item: Any) -> None:
        """A part of the result, as soon as it is known (``audit verify``'s scopes): the text
        reporter prints it now, the others wait for ``report``."""

    def report(self, result: Result) -> None:
        raise NotImplementedError


class TextReporter(Reporter):
    name = "text"

    def __init__(self) -> None:
        self.streamed: set[int] = set()

    def stream(self, item: Any) -> None:
        from cli import text

        text.render_item(item)
        self.streamed.add(id(item))

    def report(self, result: Result) -> None:
        from cli import text

        text.render(result, streamed=self.streamed)


class JsonReporter(Reporter):
    name = "json"

    def report(self, result: Result) -> None:
        OUT.json(result.as_dict())


class SqlReporter(Reporter):
    """Only the script (``-f sql``): nothing at all when there is nothing to fix."""

    name = "sql"
    renders = frozenset({DIFF})

    def report(self, result: Result) -> None:
        script = result.sql_script()  # type: ignore[attr-defined]
        if result.statements or result.missing_sql:  # type: ignore[attr-defined]
            OUT.stdout.file.write(script)
            OUT.stdout.file.flush()


REPORTERS: dict[str, type[Reporter]] = {
    "text": TextReporter,
    "json": JsonReporter,
    "sql": SqlReporter,
}

# command path ("diff", "audit verify") -> the result classes it may report: format_option fills it
COMMANDS: dict[str, tuple[str, ...]] = {}


def formats_for(*results: str) -> list[str]:
    """The reporters that render every one of ``results``, in registry order."""
    return [name for name, reporter in REPORTERS.items() if all(reporter.accepts(r) for r in results)]


def format_choice(command: str, *results: str) -> type[StrEnum]:
    """The ``--format`` type of ``command`` (an enum of the reporter names that render its
    results), recorded in ``COMMANDS``."""
    unknown = [r for r in results if r not in RESULTS]
    if unknown:
        raise ValueError(f"unknown result class {unknown}")
    COMMANDS[command] = results
    names = formats_for(*results)
    return StrEnum("Format_" + command.replace(" ", "_"), {n: n for n in names})  # type: ignore[return-value]


def format_option(choice: type[StrEnum]) -> Any:
    names = [m.value for m in choice]  # type: ignore[attr-defined]
    return typer.Option(names[0], "--format", "-f", help=f"{', '.join(names[:-1])} or {names[-1]}.")


def reporter(name: str) -> Reporter:
    """The reporter ``--format name`` chose."""
    return REPORTERS[str(name)]()
