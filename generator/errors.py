"""One error base for everything schemactl raises on purpose.

The base (``SchemactlError``) and ``DatabaseError`` live in ``cadb/errors.py``: the application
runtime raises them too, and it must not import the tool. Library code raises these; only
``cli/`` turns them into a message and an exit code.
Every error carries a one-line ``message`` (what went wrong) and an optional ``hint``
(how to fix it). Subclasses carry data so callers can act on it without parsing text.
"""

from __future__ import annotations

from dataclasses import dataclass

# The one base, shared with the application runtime (which may not import the tool).
from cadb.errors import DatabaseError, SchemactlError

__all__ = [
    "CodegenError", "ConfigError", "DatabaseError", "DestructiveChange", "MigrationError",
    "Problem", "ProofFailed", "SchemactlError", "ServerError", "SpecError",
]  # fmt: skip


@dataclass(frozen=True, order=True)
class Problem:
    """One problem found in a YAML file, with its position (1-based line and column)."""

    file: str
    line: int
    column: int
    message: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.column}: {self.message}"


class SpecError(SchemactlError):
    """schema.yaml or seeds.yaml has problems; ``problems`` lists every one of them."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = sorted(problems)
        n = len(self.problems)
        super().__init__(f"{n} problem{'s' if n != 1 else ''} found", None)


class ConfigError(SchemactlError):
    """A bad option, URL or environment setting."""


class ServerError(SchemactlError):
    """A local PostgreSQL server (embedded or test) could not be set up, started or stopped."""


class CodegenError(SchemactlError):
    """Python could not be generated from the spec: names that collide or cannot be Python names
    (``schemactl models``), or a rendering that does not parse (a bug, refused before writing)."""


class MigrationError(SchemactlError):
    """Alembic revisions are missing, inconsistent, or the database is at an unknown revision."""


class ProofFailed(SchemactlError):
    """A generated revision could not be proven correct; ``differences`` says what was left over."""

    def __init__(self, message: str, differences: list[str], hint: str | None = None) -> None:
        super().__init__(message, hint)
        self.differences = differences


class DestructiveChange(SchemactlError):
    """A revision would lose data; ``steps`` lists each destructive step."""

    def __init__(self, steps: list[str]) -> None:
        super().__init__(
            f"the revision has {len(steps)} destructive step{'s' if len(steps) != 1 else ''}",
            "review them and pass --allow-destructive if they are intended",
        )
        self.steps = steps
