"""The naming convention for constraints, indexes and triggers: one place, so names are reproducible.

| object       | name                                             |
|--------------|--------------------------------------------------|
| primary key  | ``pk_<table>``                                   |
| foreign key  | ``fk_<table>_<column>_<referred table>``         |
| unique       | ``uq_<table>_<col1>_<col2>...``                  |
| index        | ``ix_<table>_<col1>_<col2>...``                  |
| check        | ``ck_<table>_<name>``                            |
| append-only  | function ``<table>_append_only()``; triggers     |
|              | ``<table>_append_only_row``, ``..._truncate``    |
| hash chain   | function and trigger ``<table>_chain_guard``     |

Any name may be given explicitly in the spec instead (``name:``) for primary keys, foreign
keys, unique constraints and indexes. With ``settings: {naming: verbatim}`` (specs that adopt
an existing database) every one of them, and every check, must carry its ``name:``, which is
the database name exactly. PostgreSQL truncates identifiers longer than 63 bytes, which would
make two names collide silently; validation refuses them instead.

``quote_ident`` is the one helper that quotes a name in SQL that schemactl writes by hand
(guards, revisions' custom ops, diff's fixing SQL, seeds): every name is double-quoted, a
``"`` inside doubled, so any PostgreSQL identifier (mixed case, spaces, quotes, ``%``,
``$$``, ``:x``) is one name and never SQL.
"""

from __future__ import annotations

import re

MAX_IDENTIFIER_BYTES = 63

CONVENTION = "convention"
VERBATIM = "verbatim"

# An identifier PostgreSQL keeps as written without quotes (and the only kind a spec in
# ``convention`` naming may use): no quoting needed to read it back the same.
PLAIN_IDENTIFIER = re.compile(r"[a-z_][a-z0-9_]*\Z", re.ASCII)


def quote_ident(name: str) -> str:
    """``name`` as one SQL identifier: ``"a""b"`` for ``a"b``. The spec refuses NUL and
    control characters in names (``generator.spec.checks``), so the quoted text is exactly the
    name PostgreSQL stores."""
    if "\x00" in name:
        raise ValueError("an identifier cannot hold a NUL character")
    return '"' + name.replace('"', '""') + '"'

# The same patterns as a SQLAlchemy naming_convention, for objects Alembic names itself.
NAMING_CONVENTION = {
    "pk": "pk_%(table_name)s",
    "fk": "fk_%(table_name)s_%(column_0_N_name)s_%(referred_table_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
}


def bare(table: str) -> str:
    """A table's name without its schema (``billing.invoices`` -> ``invoices``): conventional
    names are made of bare names, as SQLAlchemy's ``%(table_name)s`` is. Only convention
    naming uses these names, and its identifiers hold no dot but a schema's
    (generator.spec.namespaces)."""
    return table.partition(".")[2] or table


def pk_name(table: str) -> str:
    return f"pk_{bare(table)}"


def fk_name(table: str, columns: list[str] | tuple[str, ...], referred_table: str) -> str:
    return f"fk_{bare(table)}_{'_'.join(columns)}_{bare(referred_table)}"


def uq_name(table: str, columns: list[str] | tuple[str, ...]) -> str:
    return f"uq_{bare(table)}_{'_'.join(columns)}"


def ix_name(table: str, columns: list[str] | tuple[str, ...]) -> str:
    return f"ix_{bare(table)}_{'_'.join(columns)}"


def ck_name(table: str, name: str) -> str:
    return f"ck_{bare(table)}_{name}"


def append_only_function(table: str) -> str:
    return f"{table}_append_only"


def append_only_triggers(table: str) -> tuple[str, str]:
    return (f"{table}_append_only_row", f"{table}_append_only_truncate")


def chain_guard(table: str) -> str:
    """The BEFORE INSERT trigger of a ``hash_chain`` table, and its function."""
    return f"{table}_chain_guard"


def too_long(name: str) -> bool:
    return len(name.encode("utf-8")) > MAX_IDENTIFIER_BYTES
