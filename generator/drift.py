"""Compare two databases: migra's SQL plus our catalog comparison for what migra cannot see.

This is the one comparison schemactl has. The revision proof uses it (the upgraded scratch
database must equal one built from the spec; the downgraded one must equal the previous head)
and ``schemactl diff`` reports it. Nothing else imports migra.

migra (3.0) ignores COMMENTs; ``generator.catalog`` compares them, along with everything else
it snapshots, so a difference migra misses still counts.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from generator.catalog import Change, Snapshot, compare, read_snapshot


@dataclass
class DriftResult:
    """Differences that would turn ``source`` into ``target``."""

    statements: list[str] = field(default_factory=list)  # migra's SQL, in order
    changes: list[Change] = field(default_factory=list)  # per-object, from the catalog

    @property
    def empty(self) -> bool:
        return not self.statements and not self.changes

    def describe(self) -> list[str]:
        """Lines for a human: every catalog change, then migra's statements not explained by one."""
        lines = [str(c) for c in self.changes]
        if self.statements and not self.changes:
            lines += [f"sql: {s.strip()}" for s in self.statements]
        return lines


def migra_statements(source_url: str, target_url: str) -> list[str]:
    """The statements migra would run to turn source into target (unsafe ones included)."""
    from migra import Migration
    from sqlbag import S

    with S(source_url) as a, S(target_url) as b:
        m = Migration(a, b)
        m.set_safety(False)
        m.add_all_changes(privileges=False)
        return [s for s in m.statements if s.strip() and not _ignored(s)]


def _ignored(statement: str) -> bool:
    """Alembic's bookkeeping table is not part of the schema (the catalog skips it too)."""
    return '"alembic_version"' in statement or "alembic_version_pkc" in statement


def snapshot_of(url: str) -> Snapshot:
    from generator.database import connect

    engine = connect(url)
    try:
        with engine.connect() as conn:
            return read_snapshot(conn)
    finally:
        engine.dispose()


def compare_databases(source_url: str, target_url: str) -> DriftResult:
    """migra statements plus catalog changes from source to target."""
    changes = compare(snapshot_of(source_url), snapshot_of(target_url))
    return DriftResult(migra_statements(source_url, target_url), changes)
