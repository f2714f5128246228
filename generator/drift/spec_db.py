"""The spec side of ``schemactl diff``: the DDL that builds the spec, remembered between runs.

Turning schema.yaml into DDL (YAML with positions, JSON Schema and semantic checks, MetaData,
compiling every CREATE) costs most of a cold diff's CPU time, and the result depends only on
the file's bytes and the code that builds it. ``cache_key`` is a sha256 of schema.yaml, of the
modules and JSON Schemas that build the spec's database (``SPEC_BUILD_CODE``: spec/, the
MetaData, DDL and guards of schema/, drift/materialize.py and this module), and of the
SQLAlchemy and Alembic versions; it names the spec's database in the kept-database store on the
dev server (``generator.pg.dbcache``, kind ``KIND``: the one database ``diff``, ``up`` and
``generate`` share), and it keys the statements
of the last spec built successfully, kept in ``<root>/.schemactl/cache/spec-ddl.json``.
``SpecDDL.load_cached`` computes only the key: the statements are read (or the spec loaded and
validated, when the key does not match) on first use, so a diff whose spec database is cached
reads neither. An unwritable cache only costs speed. The file is signed with a secret kept
outside the project (``generator.cache_auth``): one that a pull request committed is ignored.

The statements are those of ``generator.schema.ddl.ddl_script`` and run the way
``materialize`` runs them (one statement per extended-protocol message, pipelined in one
round trip). If the dev server refuses them, the spec is loaded
and ``materialize`` runs instead, so the error names the spec's line like any other.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from generator.spec.model import Spec

CACHE_FILE = Path(".schemactl") / "cache" / "spec-ddl.json"
KIND = "spec"  # the spec's database in the kept-database store (generator.pg.dbcache), keyed by cache_key

# What builds the spec's database (files and folders of generator/, see
# generator.pg.dbcache.code_digest): loading and checking the spec, MetaData, the DDL script
# and how it runs. tests/unit/test_layers.py checks that their imports stay inside this list.
SPEC_BUILD_CODE = (
    "spec",
    "schema/metadata.py",
    "schema/opaque_sa.py",
    "schema/types_sql.py",
    "schema/ddl.py",
    "schema/domains_ddl.py",
    "schema/guards.py",
    "schema/sequences_ddl.py",
    "schema/views_ddl.py",
    "schema/index_forms_ddl.py",
    "schema/functions_ddl.py",
    "schema/late_ddl.py",
    "schema/access_ddl.py",
    "schema/partitioning.py",
    "drift/materialize.py",
    "drift/generated_guard.py",
    "drift/spec_db.py",
)


class SpecDDL:
    """What building the spec needs: the DDL statements, and the spec itself when loaded.

    Everything is loaded on demand: a diff whose spec database is cached on the dev server
    (``generator.drift.engine``) needs only ``key``, so it neither reads the remembered statements
    nor parses schema.yaml."""

    def __init__(
        self,
        statements: list[str] | None,
        load: Callable[[], Spec],
        spec: Spec | None = None,
        key: str = "",
        cache_path: Path | None = None,
    ) -> None:
        self._statements = statements
        self.load = load  # loads (and validates) the spec; raises SpecError
        self.spec = spec
        self.key = key  # "" when there is none (then nothing is cached)
        self.cache_path = cache_path

    def __repr__(self) -> str:
        return f"SpecDDL(key={self.key[:16]!r}, loaded={self.spec is not None})"

    @classmethod
    def from_spec(cls, spec: Spec) -> SpecDDL:
        from generator.schema.ddl import ddl_script

        return cls(ddl_script(spec), lambda: spec, spec)

    @classmethod
    def load_cached(cls, spec_path: Path, root: Path, load: Callable[[], Spec]) -> SpecDDL:
        """The key now; the statements later, from the cache when schema.yaml and the code
        are unchanged, else by loading the spec (which raises SpecError for an invalid one)."""
        return cls(None, load, None, cache_key(spec_path), root / CACHE_FILE)

    @property
    def statements(self) -> list[str]:
        if self._statements is None:
            remembered = _read(self.cache_path, self.key) if self.key and self.cache_path else None
            self._statements = remembered if remembered is not None else _ddl_of(self.the_spec())
        return self._statements

    @statements.setter
    def statements(self, value: list[str]) -> None:
        self._statements = value

    def the_spec(self) -> Spec:
        if self.spec is None:
            self.spec = self.load()
        return self.spec

    def remember(self) -> None:
        """Store the statements once the dev server accepted them (best effort)."""
        if self.key and self.cache_path is not None and self.spec is not None and self._statements:
            _write(self.cache_path, self.key, self._statements)


def build(conn: Any, ddl: SpecDDL) -> None:
    """Run the DDL on ``conn`` (a SQLAlchemy Connection in a transaction), as
    ``generator.drift.materialize.materialize`` does (one statement per extended-protocol message,
    the text untouched); on failure, let it find and name the culprit."""
    from generator.drift.materialize import StatementFailed, execute_ddl, materialize

    savepoint = conn.begin_nested()
    try:
        execute_ddl(conn, ddl.statements)
        savepoint.commit()
    except StatementFailed:
        savepoint.rollback()
        materialize(conn, ddl.the_spec())  # raises SpecError naming the statement and the line
        ddl.statements = _ddl_of(ddl.the_spec())
    ddl.remember()


def _ddl_of(spec: Spec) -> list[str]:
    from generator.schema.ddl import ddl_script

    return ddl_script(spec)


def cache_key(spec_path: Path) -> str:
    """sha256 of the spec's bytes and of the code that builds the spec's database
    (``SPEC_BUILD_CODE``) and library versions (``generator.pg.dbcache.code_digest``); "" when
    the spec cannot be read (loading it will then say why)."""
    from generator.errors import SchemactlError
    from generator.pg.dbcache import code_digest
    from generator.safe_files import read_bytes

    try:
        data = read_bytes(spec_path, str(spec_path))  # bounded: never a device or a huge file
    except SchemactlError:
        return ""
    return hashlib.sha256(data + code_digest(SPEC_BUILD_CODE).encode()).hexdigest()


def _signed_content(key: str, statements: list[str]) -> bytes:
    return json.dumps({"key": key, "statements": statements}, sort_keys=True).encode()


def _read(path: Path, key: str) -> list[str] | None:
    """The remembered statements, only if this machine signed them (``generator.cache_auth``):
    a cache file committed into the project would otherwise run its own DDL unvalidated."""
    from generator.cache_auth import verify

    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    statements = (
        data.get("statements") if isinstance(data, dict) and data.get("key") == key else None
    )
    if isinstance(statements, list) and statements and all(isinstance(s, str) for s in statements):
        if verify(_signed_content(key, statements), data.get("signature")):
            return statements
    return None


def _write(path: Path, key: str, statements: list[str]) -> None:
    from generator.cache_auth import sign

    signature = sign(_signed_content(key, statements))
    if signature is None:
        return  # nowhere to keep a secret: nothing is remembered, nothing is trusted
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        body = {"key": key, "statements": statements, "signature": signature}
        tmp.write_text(json.dumps(body), encoding="utf-8")
        os.replace(tmp, path)
    except OSError:
        pass
