"""One error base for everything schemactl raises on purpose.

The base (``SchemactlError``) and ``DatabaseError`` live in ``cadb/errors.py``: the application
runtime raises them too, and it must not import the tool. Library code raises these; only
``cli/`` turns them into a message and an exit code.
Every error carries a one-line ``message`` (what went wrong) and an optional ``hint``
(how to fix it). Subclasses carry data so callers can act on it without parsing text.
"""

from __future__ import annotations

from dataclasses import dataclass

# The one base, shared with the application runtime (which may not import the tool); the tool
# imports both from here.
from cadb.errors import DatabaseError, SchemactlError


@dataclass(frozen=True, order=True)
class Problem:
    """One problem found in a YAML file, with its position (1-based line and column)."""

    file: str
    line: int
    column: int
    message: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.column}: {self.message}"

    def as_dict(self) -> dict[str, str | int]:
        return {"file": self.file, "line": self.line, "column": self.column, "message": self.message}


class SpecError(SchemactlError):
    """schema.yaml or seeds.yaml has problems; ``problems`` lists every one of them (and
    ``details`` the same, as objects)."""

    kind = "spec"

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = sorted(problems)
        n = len(self.problems)
        super().__init__(
            f"{n} problem{'s' if n != 1 else ''} found",
            "fix each FILE:LINE:COL problem listed and rerun (schemactl validate checks schema.yaml and seeds.yaml)",
            details=[p.as_dict() for p in self.problems],
        )


class ConfigError(SchemactlError):
    """A bad option, URL or environment setting."""

    kind = "config"


class ServerError(SchemactlError):
    """A local PostgreSQL server (embedded or test) could not be set up, started or stopped."""

    kind = "server"


class CodegenError(SchemactlError):
    """Python could not be generated from the spec: names that collide or cannot be Python names
    (``schemactl models``), or a rendering that does not parse (a bug, refused before writing)."""

    kind = "codegen"


class MigrationError(SchemactlError):
    """Alembic revisions are missing, inconsistent, or the database is at an unknown revision."""

    kind = "migration"


class ProofFailed(SchemactlError):
    """A generated revision could not be proven correct; ``differences`` (and ``details``) say
    what was left over."""

    kind = "proof"

    DEFAULT_HINT = "nothing was written: split the change, or write this revision by hand (docs/generator.md)"

    def __init__(self, message: str, differences: list[str], hint: str | None = None) -> None:
        super().__init__(message, hint or self.DEFAULT_HINT, details=list(differences))
        self.differences = differences


class DestructiveChange(SchemactlError):
    """A revision would lose data; ``steps`` (and ``details``) list each destructive step."""

    kind = "destructive"

    def __init__(self, steps: list[str]) -> None:
        super().__init__(
            f"the revision has {len(steps)} destructive step{'s' if len(steps) != 1 else ''}",
            "review them and pass --allow-destructive if they are intended",
            details=list(steps),
        )
        self.steps = steps


# --------------------------------------------------------------- database errors by SQLSTATE

# SQLSTATE (or its two-character class) -> (message prefix, hint). The message is
# "<prefix>: <the server's primary message>"; docs/troubleshooting.md lists them.
_SQLSTATE_RULES: dict[str, tuple[str, str]] = {
    "42501": (
        "the database user lacks a privilege",
        "grant it to this user (GRANT ... ON ... TO ...), or connect as the user that owns the schema",
    ),
    "25006": (
        "the database is read-only",
        "run this on the primary, or turn off default_transaction_read_only for this user or "
        "database (ALTER ROLE ... SET default_transaction_read_only = off)",
    ),
    "08": (
        "the connection to the database server was lost",
        "is the server running? start it and rerun; work committed before stays (schemactl status shows the revision)",
    ),
    "57P01": (
        "the database server shut down while schemactl was using it",
        "start the server and rerun; work committed before stays (schemactl status shows the revision)",
    ),
    "57P02": (
        "the database server crashed while schemactl was using it",
        "check the server log, start the server and rerun",
    ),
    "57P03": ("the database server does not accept connections now", "wait until it has started and rerun"),
    "57014": (
        "a statement was canceled (statement_timeout or a cancel request)",
        "raise statement_timeout for this user, or rerun when the server is less busy",
    ),
    "55P03": (
        "a lock could not be taken (lock_timeout)",
        "another session holds it: rerun when that work is done, or raise lock_timeout",
    ),
    "40P01": ("a deadlock with another session aborted the work", "rerun; nothing of the aborted transaction was kept"),
    "40001": ("a concurrent change aborted the work (serialization failure)", "rerun"),
    "53": ("the database server is out of resources", "free disk, memory or connections on the server and rerun"),
    "42P01": (
        "the database lacks a table this command needs",
        "is it at head? run schemactl status, then schemactl upgrade",
    ),
    "42703": (
        "the database lacks a column this command needs",
        "is it at head? run schemactl status, then schemactl upgrade",
    ),
}


def sqlstate_of(exc: BaseException) -> tuple[str | None, BaseException | None]:
    """The SQLSTATE of the first psycopg error in ``exc``'s chain (a SQLAlchemy DBAPIError's
    ``orig``, ``__cause__``, ``__context__``), and that error; (None, None) when there is none.
    A psycopg OperationalError without a SQLSTATE (the socket closed under a query) is "08000"."""
    seen: set[int] = set()
    todo: list[BaseException | None] = [exc]
    while todo:
        current = todo.pop(0)
        if current is None or id(current) in seen:
            continue
        seen.add(id(current))
        module = type(current).__module__ or ""
        if module.startswith("psycopg"):
            state = getattr(current, "sqlstate", None)
            if state is None and _is_operational(current):
                state = "08000"
            if state:
                return state, current
        todo += [getattr(current, "orig", None), current.__cause__, current.__context__]
    return None, None


def _is_operational(exc: BaseException) -> bool:
    return any(cls.__name__ == "OperationalError" for cls in type(exc).__mro__)


def from_database_exception(exc: BaseException) -> DatabaseError | None:
    """A DatabaseError with one clear line (cause and hint) for a server error that is the
    user's or the environment's doing (a missing privilege, a read-only database, a server
    that went away, ...), branching on its SQLSTATE; None for anything else (a bug)."""
    state, error = sqlstate_of(exc)
    if state is None or error is None:
        return None
    rule = _SQLSTATE_RULES.get(state) or _SQLSTATE_RULES.get(state[:2])
    if rule is None:
        return None
    diag = getattr(error, "diag", None)
    primary = getattr(diag, "message_primary", None) if diag is not None else None
    text = primary or next((ln.strip() for ln in str(error).splitlines() if ln.strip()), "")
    message = f"{rule[0]}: {text}" if text else rule[0]
    return DatabaseError(message, rule[1], sqlstate=state)
