"""The one error base, and the errors the application runtime raises.

``SchemactlError`` is the base of every error schemactl raises on purpose, in the tool
(``generator.errors`` adds its own subclasses) and in this runtime package alike, so an
application catches one class and the CLI turns any of them into one line and an exit code.
It lives here, at the bottom, because ``cadb`` must not import the tool.
"""

from __future__ import annotations

from typing import Any


class SchemactlError(Exception):
    """Base of every error schemactl raises deliberately (a user mistake or an environment fault).

    Every one carries the same three things, so a caller (the CLI, an application) reads them
    without knowing the subclass: ``message`` (one line: what went wrong), ``hint`` (how to
    fix it, or None) and ``details`` (a list of JSON-ready items: a spec's problems as
    objects, a proof's differences or a revision's destructive steps as strings, ...).
    ``kind`` is a stable word for the class (the ``kind`` of the CLI's JSON error document).
    Subclasses may also keep their data as named attributes (``SpecError.problems``)."""

    exit_code: int = 1
    kind: str = "error"

    def __init__(self, message: str, hint: str | None = None, *, details: list[Any] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint
        self.details: list[Any] = list(details or [])

    def __str__(self) -> str:
        return self.message if not self.hint else f"{self.message} ({self.hint})"


class DatabaseError(SchemactlError):
    """A database could not be reached or refused what we asked of it. ``sqlstate`` is the
    server's SQLSTATE when it sent one (callers branch on it, never on the message)."""

    kind = "database"

    def __init__(
        self, message: str, hint: str | None = None, *, sqlstate: str | None = None,
        details: list[Any] | None = None,
    ) -> None:
        super().__init__(message, hint, details=details)
        self.sqlstate = sqlstate


class IdempotencyConflict(SchemactlError):
    """An idempotency key was reused with a different request."""

    kind = "idempotency"

    def __init__(self, key: str, existing: Any) -> None:
        super().__init__(
            f"idempotency key {key!r} was already used for a different request",
            "use a new key for a new request",
            details=[{"key": key}],
        )
        self.key = key
        self.existing = existing


class InvalidIdempotencyKey(SchemactlError):
    """An idempotency key does not match the documented format."""

    kind = "idempotency"
