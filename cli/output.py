"""How the CLI talks to a human or a machine: consoles, the error line, JSON output.

Only cli/ prints. Errors go to stderr as ``error: <what>`` plus a ``hint: <fix>`` line.
"""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass, field
from typing import Any

from rich.console import Console


@dataclass
class Out:
    """The two streams a command writes to; tests inject their own."""

    stdout: Console = field(default_factory=lambda: Console(file=sys.stdout, highlight=False, soft_wrap=True))
    stderr: Console = field(default_factory=lambda: Console(file=sys.stderr, highlight=False, soft_wrap=True))

    def line(self, text: str = "") -> None:
        self.stdout.print(text, markup=False)

    def rich(self, text: str) -> None:
        self.stdout.print(text)

    def note(self, text: str) -> None:
        """Progress and summaries: stderr, so stdout stays data."""
        self.stderr.print(text)

    def error(self, message: str, hint: str | None = None) -> None:
        self.stderr.print(f"[bold red]error:[/] {_escape(message)}")
        if hint:
            self.stderr.print(f"[dim]hint:[/] {_escape(hint)}")

    def json(self, payload: Any) -> None:
        self.stdout.file.write(json.dumps(payload, indent=2, sort_keys=False, default=str) + "\n")
        self.stdout.file.flush()


def _escape(text: str) -> str:
    from rich.markup import escape

    return escape(text)


OUT = Out()
