"""How the CLI talks to a human or a machine: consoles, the error line, JSON output.

Only cli/ prints. Errors go to stderr as ``error: <what>`` plus a ``hint: <fix>`` line.
Everything written to stderr (errors, notes, ``--debug`` tracebacks) passes through
``generator.pg.urls.scrub``: no password schemactl has seen is ever printed there.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from rich.console import Console


def _console(stderr: bool) -> Console:
    from rich.console import Console

    # no file: rich writes to whatever sys.stdout / sys.stderr is at the time (a console made
    # while a test captured the stream would otherwise keep that stream after it is closed)
    return Console(stderr=stderr, highlight=False, soft_wrap=True)


class Out:
    """The two streams a command writes to; tests inject their own (``OUT.stdout = ...``).

    The consoles are made on first use: rich.console is a fifth of ``--help``'s start-up, and
    ``--help`` prints through click, never through them."""

    stdout: Console
    stderr: Console

    def __getattr__(self, name: str) -> Any:  # only for attributes not set yet
        if name in ("stdout", "stderr"):
            console = _console(stderr=name == "stderr")
            setattr(self, name, console)
            return console
        raise AttributeError(name)

    format: str = "text"  # "text" | "json" | "sql": the --format of this run (OUT.begin)
    _documents: int = 0  # JSON documents written to stdout in this run

    def begin(self, args: list[str]) -> None:
        """A new run: remember its --format (read from the arguments, before click parses
        them) and that no JSON document was written yet."""
        self.format = format_in(args)
        self._documents = 0

    def line(self, text: str = "") -> None:
        self.stdout.print(text, markup=False)

    def rich(self, text: str) -> None:
        self.stdout.print(text)

    def note(self, text: str) -> None:
        """Progress and summaries: stderr, so stdout stays data."""
        self.stderr.print(_scrub(text))

    def error(self, message: str, hint: str | None = None) -> None:
        self.stderr.print(f"[bold red]error:[/] {_escape(_scrub(message))}")
        if hint:
            self.stderr.print(f"[dim]hint:[/] {_escape(_scrub(hint))}")

    def traceback(self) -> None:
        """The traceback of the exception being handled (``--debug``), passwords scrubbed:
        driver messages in it may repeat a connection string."""
        import traceback

        text = _scrub(traceback.format_exc())
        self.stderr.file.write(text if text.endswith("\n") else text + "\n")
        self.stderr.file.flush()

    def json(self, payload: Any) -> None:
        self.stdout.file.write(json.dumps(payload, indent=2, sort_keys=False, default=str) + "\n")
        self.stdout.file.flush()
        self._documents += 1

    # The output contract of every command with --format (docs/drift.md, "On failure"):
    # - -f json: stdout is always exactly one JSON document. On failure it is the error
    #   document {"status": "error", "format_version": 1, "error": {"kind", "message",
    #   "hint", "exit_code", "details"}}, whatever failed (the spec, a server, a usage
    #   mistake, a bug); the error line goes to stderr as well.
    # - -f sql: stdout holds only SQL; every error line (and a spec's problems) goes to
    #   stderr, so stdout is empty on failure.
    # - -f text: as before; a spec's problems are listed on stdout (validate's output).
    # main() tells OUT the format before the command runs (OUT.begin), so errors raised
    # before the command body (a usage mistake, the spec) follow the contract too.

    def report(
        self, message: str, hint: str | None = None, *, kind: str = "error", exit_code: int = 1,
        details: list[Any] | None = None,
    ) -> None:
        """A failed run: the error line (and hint) on stderr; with ``-f json`` also the error
        document on stdout, unless the command already wrote its document."""
        self.error(message, hint)
        if self.format == "json" and not self._documents:
            message, hint = _scrub(message), _scrub(hint) if hint else hint  # as on stderr
            self.json(error_document(message, hint, kind=kind, exit_code=exit_code, details=details))

    def fail(self, exc: Any) -> int:
        """Report a SchemactlError by the output contract: its message, hint, kind and
        ``details`` (every subclass carries them the same way, cadb/errors.py); return its
        exit code. In text, a detail that is a position (a spec's problem) is a
        FILE:LINE:COL line (stdout with -f text, as validate prints it; stderr otherwise), a
        string (a proof's difference, a destructive step) a ``  - `` line on stderr; other
        details restate the message and go only into the JSON document."""
        details = list(exc.details)
        self.report(exc.message, exc.hint, kind=exc.kind, exit_code=exc.exit_code, details=details)
        for detail in details:
            if isinstance(detail, str):
                self.note(f"  - {detail}")
        for detail in details:
            if isinstance(detail, dict) and _POSITION <= set(detail):
                line = "{file}:{line}:{column}: {message}".format(**detail)
                if self.format == "text":
                    self.line(line)
                else:
                    self.stderr.print(line, markup=False, highlight=False)
        return exc.exit_code



FORMATS = ("text", "json", "sql")
ERROR_FORMAT_VERSION = 1


def format_in(args: list[str]) -> str:
    """The value of the last ``--format``/``-f`` option in ``args`` ("text" when none, or
    when it is not a known format: click then reports the mistake)."""
    found = "text"
    i = 0
    while i < len(args):
        arg = args[i]
        if arg == "--":
            break
        value = None
        if arg in ("-f", "--format"):
            value = args[i + 1] if i + 1 < len(args) else None
            i += 1
        elif arg.startswith("--format="):
            value = arg.split("=", 1)[1]
        elif arg.startswith("-f") and not arg.startswith("--") and len(arg) > 2:
            value = arg[2:]
        if value in FORMATS:
            found = value
        i += 1
    return found


def error_document(
    message: str, hint: str | None, *, kind: str = "error", exit_code: int = 1,
    details: list[Any] | None = None,
) -> dict[str, Any]:
    """The JSON document of a failed run (``-f json``): ``status`` is always "error"."""
    return {
        "status": "error",
        "format_version": ERROR_FORMAT_VERSION,
        "error": {
            "kind": kind,
            "message": message,
            "hint": hint,
            "exit_code": exit_code,
            "details": list(details or []),
        },
    }


_POSITION = {"file", "line", "column", "message"}  # a detail that is a spec's problem


def _scrub(text: str) -> str:
    from generator.pg.urls import scrub

    return scrub(text)


def _escape(text: str) -> str:
    from rich.markup import escape

    return escape(text)


OUT = Out()
