"""Run the diff engines on the drift corpus and print the comparison table of docs/drift.md.

    .venv/bin/python tests/drift/compare_engines.py [--server URL ...] [--repeat N] [--json FILE]

For every server (default: fresh PostgreSQL 17.6 and 18.6 test servers) and every case of
tests/drift/cases: upgrade a database to head, apply the case's SQL, build the spec in another
database, and ask each engine for the SQL that turns the drifted database into the spec
(``migra`` 3.0; ``results.dbdiff`` when installed: ``pip install results==2.0.1789346060``,
just for this; and ``schemactl``: migra plus the catalog and schemactl's corrections, i.e.
what ``schemactl diff`` prints). Then apply that SQL, statement by statement as ``psql -f``
does, to a copy of the drifted database and compare the outcome with the spec using
generator.pg.catalog:

    caught     the engine emitted SQL that touches the drifted object
    correct    ... and applying it leaves no difference from the spec
    wrong      ... but the script fails, or leaves a difference, or rewrites a table
    missed     the engine emitted nothing for it

Run time per diff: inspecting both databases and computing the statements, median of all
cases (--repeat N runs each diff N times).
"""

from __future__ import annotations

import argparse
import json
import re
import statistics
import sys
import time
from contextlib import ExitStack
from dataclasses import asdict, dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # tests/ for pgservers
sys.path.insert(0, str(Path(__file__).resolve().parents[2]))  # the repo

from drift_corpus import REPO, Case, clone, drifted, load_cases  # noqa: E402

READ_ONLY = {"options": "-c default_transaction_read_only=on"}


@dataclass
class Outcome:
    engine: str
    server: str
    case: str
    verdict: str  # correct | wrong | missed | clean | false drift
    note: str = ""
    seconds: list[float] = field(default_factory=list)
    statements: list[str] = field(default_factory=list)


def _engine_statements(engine: str, live_url: str, spec_url: str) -> list[str]:
    from sqlalchemy import create_engine

    a = create_engine(live_url, connect_args=READ_ONLY)
    b = create_engine(spec_url, connect_args=READ_ONLY)
    try:
        with a.connect() as ca, b.connect() as cb:
            if engine == "schemactl":  # migra plus the catalog and schemactl's corrections
                from generator.drift.assemble import build_report
                from generator.drift.engine import engine_statements, inspect
                from generator.pg.catalog import compare

                live, spec = inspect(ca, "public"), inspect(cb, "public")
                statements = engine_statements(live, spec, ignore_extension_versions=True)
                report = build_report(compare(live.snapshot, spec.snapshot), statements, live.snapshot, spec.snapshot)
                return [s.sql for s in report.statements]
            if engine == "migra":
                from generator.drift.engine import _quietly_import_engine

                _quietly_import_engine()
                from migra import Migration

                m = Migration(ca, cb, ignore_extension_versions=True)
                m.set_safety(False)
                m.add_all_changes(privileges=False)
            else:
                from results.dbdiff import Migration

                m = Migration(ca, cb, ignore_extension_versions=True)
                m.set_safety(False)
                m.add_all_changes_ordered(privileges=False)
            return [s.strip() for s in m.statements if s.strip() and "alembic_version" not in s]
    finally:
        a.dispose()
        b.dispose()


def _timed(engine: str, live_url: str, spec_url: str, repeat: int) -> tuple[list[str], list[float]]:
    times, statements = [], []
    for _ in range(repeat):
        started = time.perf_counter()
        statements = _engine_statements(engine, live_url, spec_url)
        times.append(time.perf_counter() - started)
    return statements, times


def _snapshot(url: str):
    from generator.drift.engine import snapshot_of

    return snapshot_of(url)


def _names(case: Case) -> list[str]:
    return [name.split()[-1].split(".")[-1].split("(")[0] for _, name, _ in case.expected]


_REWRITE = re.compile(r"rename\s+to\s+\S*old_version", re.IGNORECASE)


def _apply(url: str, statements: list[str]) -> None:
    """Statement by statement in autocommit, as psql -f runs a script."""
    from generator.pg.database import connect

    engine = connect(url, autocommit=True)
    try:
        with engine.connect() as conn:
            for sql in statements:
                conn.exec_driver_sql(sql.replace("%", "%%"))
    finally:
        engine.dispose()


def judge(engine: str, server: str, case: Case, drifted_url: str, spec_url: str, spec_snapshot,
          repeat: int) -> Outcome:
    from generator.pg.catalog import compare

    statements, times = _timed(engine, drifted_url, spec_url, repeat)
    outcome = Outcome(engine, server, case.name, "", seconds=times, statements=statements)
    touched = [s for s in statements if any(n in s for n in _names(case))]
    if not touched:
        outcome.verdict, outcome.note = "missed", f"{len(statements)} unrelated statement(s)" if statements else "no SQL"
        return outcome
    with clone(drifted_url.rsplit("/", 1)[0] + "/postgres", drifted_url, prefix="drift_apply") as applied:
        try:
            _apply(applied, statements)
        except Exception as exc:  # the engine's script does not run
            first = str(getattr(exc, "orig", exc)).strip().splitlines()[0]
            outcome.verdict, outcome.note = "wrong", f"script fails: {first}"
            return outcome
        left = compare(_snapshot(applied), spec_snapshot)
    unrelated = len(statements) - len(touched)
    if left:
        outcome.verdict = "wrong"
        outcome.note = "leaves: " + "; ".join(str(c) for c in left)[:200]
    elif any(_REWRITE.search(s) for s in touched):
        outcome.verdict, outcome.note = "wrong", "recreates the type and casts the column (table rewrite)"
    else:
        outcome.verdict = "correct"
        if unrelated:
            outcome.note = f"+{unrelated} unrelated statements"
    return outcome


def run_server(server_url: str, engines: list[str], repeat: int) -> list[Outcome]:
    from generator.drift.materialize import materialize
    from generator.pg.database import connect, scratch_database
    from generator.spec import load_spec

    spec = load_spec(REPO / "schema.yaml")
    label = _major(server_url)
    out: list[Outcome] = []
    with ExitStack() as stack:
        head = stack.enter_context(_upgraded(server_url))
        spec_url = stack.enter_context(scratch_database(server_url, prefix="drift_spec"))
        engine = connect(spec_url)
        with engine.begin() as conn:
            materialize(conn, spec)
        engine.dispose()
        spec_snapshot = _snapshot(spec_url)
        for name in engines:  # the clean database: any statement is a false drift
            statements, times = _timed(name, head, spec_url, repeat)
            verdict = "false drift" if statements else "clean"
            out.append(Outcome(name, label, "(clean)", verdict, "; ".join(statements)[:200], times, statements))
        for case in load_cases():
            with drifted(server_url, head, case) as url:
                for name in engines:
                    out.append(judge(name, label, case, url, spec_url, spec_snapshot, repeat))
    return out


def _upgraded(server_url: str):
    from drift_corpus import upgraded_database

    return upgraded_database(server_url)


def cross_version(live_server: str, dev_server: str, engines: list[str]) -> list[Outcome]:
    """The clean head on one server against the spec built on another: must be clean."""
    from generator.drift.materialize import materialize
    from generator.pg.database import connect, scratch_database
    from generator.spec import load_spec

    spec = load_spec(REPO / "schema.yaml")
    out = []
    with _upgraded(live_server) as head, scratch_database(dev_server, prefix="drift_spec") as spec_url:
        engine = connect(spec_url)
        with engine.begin() as conn:
            materialize(conn, spec)
        engine.dispose()
        for name in engines:
            statements, times = _timed(name, head, spec_url, 1)
            out.append(Outcome(name, f"{_major(live_server)}->{_major(dev_server)}", "(cross-version)",
                               "false drift" if statements else "clean", "; ".join(statements)[:200], times, statements))
    return out


def _major(server_url: str) -> str:
    from generator.pg.database import connect, server_version

    engine = connect(server_url)
    try:
        return ".".join(map(str, server_version(engine)))
    finally:
        engine.dispose()


def table(outcomes: list[Outcome], servers: list[str], engines: list[str]) -> str:
    """Markdown: one row per case, one column per engine and server."""
    cases = list(dict.fromkeys(o.case for o in outcomes if o.case != "(cross-version)"))
    by = {(o.case, o.engine, o.server): o for o in outcomes}
    header = ["case"] + [f"{e} {s}" for e in engines for s in servers]
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for case in cases:
        cells = [case]
        for e in engines:
            for s in servers:
                o = by.get((case, e, s))
                cells.append(f"{o.verdict}" + (f" ({o.note})" if o.note else "") if o else "")
        lines.append("| " + " | ".join(c.replace("|", "\\|") for c in cells) + " |")
    lines.append("")
    for e in engines:
        for s in servers:
            mine = [o for o in outcomes if o.engine == e and o.server == s and o.case not in ("(clean)", "(cross-version)")]
            counts = {v: sum(o.verdict == v for o in mine) for v in ("correct", "wrong", "missed")}
            per_diff = [t for o in outcomes if o.engine == e and o.server == s for t in o.seconds]
            lines.append(
                f"- {e} on PostgreSQL {s}: {counts['correct']} correct, {counts['wrong']} wrong, {counts['missed']} missed "
                f"of {len(mine)}; per diff median {statistics.median(per_diff):.3f} s, "
                f"max {max(per_diff):.3f} s ({len(per_diff)} diffs)"
            )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--server", action="append", help="server URL (maintenance database); repeatable")
    parser.add_argument("--engine", action="append", choices=["migra", "results", "schemactl"])
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--json", type=Path, help="also write every outcome (with the SQL) here")
    args = parser.parse_args(argv)
    engines = args.engine or [e for e in ("migra", "results", "schemactl") if e != "results" or _has_results()]
    with ExitStack() as stack:
        servers = args.server or _start_servers(stack)
        outcomes: list[Outcome] = []
        for url in servers:
            print(f"server {url.split('@')[-1]}: PostgreSQL {_major(url)}", file=sys.stderr)
            outcomes += run_server(url, engines, args.repeat)
        if len(servers) >= 2:
            outcomes += cross_version(servers[0], servers[1], engines)
            outcomes += cross_version(servers[1], servers[0], engines)
        ports = list(dict.fromkeys(o.server for o in outcomes if "->" not in o.server))
        print(table(outcomes, ports, engines))
        for o in outcomes:
            if o.case == "(cross-version)":
                print(f"- cross-version {o.server} {o.engine}: {o.verdict} {o.note}")
        if args.json:
            args.json.write_text(json.dumps([asdict(o) for o in outcomes], indent=2))
    return 0


def _has_results() -> bool:
    import importlib.util

    return importlib.util.find_spec("results") is not None


def _start_servers(stack: ExitStack) -> list[str]:
    import pgservers

    root = pgservers.make_root()
    stack.callback(pgservers.remove_root, root)
    urls = []
    for major in ("17", "18"):
        server = pgservers.start_server(major, root)
        stack.callback(pgservers.stop_quietly, server)
        urls.append(server.url())
    return urls


if __name__ == "__main__":
    sys.exit(main())
