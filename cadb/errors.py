"""The one error base, and the errors the application runtime raises.

``SchemactlError`` is the base of every error schemactl raises on purpose, in the tool
(``generator.errors`` adds its own subclasses) and in this runtime package alike, so an
application catches one class and the CLI turns any of them into one line and an exit code.
It lives here, at the bottom, because ``cadb`` must not import the tool.
"""

from __future__ import annotations

from typing import Any


class SchemactlError(Exception):
    """Base of every error schemactl raises deliberately (a user mistake or an environment fault)."""

    exit_code: int = 1

    def __init__(self, message: str, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return self.message if not self.hint else f"{self.message} ({self.hint})"


class DatabaseError(SchemactlError):
    """A database could not be reached or refused what we asked of it."""


class IdempotencyConflict(SchemactlError):
    """An idempotency key was reused with a different request."""

    def __init__(self, key: str, existing: Any) -> None:
        super().__init__(
            f"idempotency key {key!r} was already used for a different request",
            "use a new key for a new request",
        )
        self.key = key
        self.existing = existing


class InvalidIdempotencyKey(SchemactlError):
    """An idempotency key does not match the documented format."""
