"""How the CLI talks to a human or a machine: consoles, the error line, JSON output.

Only cli/ prints. Errors go to stderr as ``error: <what>`` plus a ``hint: <fix>`` line.
Everything written to stderr (errors, notes, ``--debug`` tracebacks) passes through
``generator.dburl.scrub``: no password schemactl has seen is ever printed there.
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


def _scrub(text: str) -> str:
    from generator.dburl import scrub

    return scrub(text)


def _escape(text: str) -> str:
    from rich.markup import escape

    return escape(text)


OUT = Out()
