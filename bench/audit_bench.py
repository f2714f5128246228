"""Audit-chain throughput, measured side by side in one run on one fresh database.

    python bench/audit_bench.py --db postgresql+psycopg://postgres@127.0.0.1:5432/postgres

``--db`` names a server (any database on it, as ``--dev-db`` does; default
``$SCHEMACTL_DEV_DATABASE_URL``, else the embedded dev server): a scratch database is created there, upgraded to head with the project's migrations, measured, and dropped. From
code: ``run_audit_bench(url, rows=..., ...) -> dict`` (flat, JSON-able; keys below).

What is measured, one row per transaction, every writer on its own connection (threads):

- ``insert_{1,4}w_rows_s``: the baseline, a plain INSERT in its own transaction. The table
  is ``bench_plain``, made by ``CREATE TABLE bench_plain (LIKE audit_logs INCLUDING ALL)``:
  the same columns, defaults, identity, CHECKs, primary key, unique constraints and indexes
  (the GIN on payload too); not the FK on actor_user_id (the rows carry no actor, so the
  chain's inserts never check it either) and not the append-only triggers (they fire on
  UPDATE, DELETE and TRUNCATE only). The row has the shape of an audit row: the same scope,
  event and payload (a dict sent with psycopg's ``Jsonb``), created_at from
  ``clock_timestamp()``, and two fresh random 64-hex hashes. One statement on an autocommit
  connection: one round trip, one commit. No chain work at all.
- ``append_1000scopes_{1,4}w_rows_s``: ``cadb.audit.append_one`` (the row's own
  transaction: BEGIN, scope lock, INSERT reading the head, COMMIT in one round trip), the
  writers cycling over 1,000 scopes.
- ``append_global_{1,4}w_rows_s``: the same on the one scope ``system:global`` (4 writers
  queue on its lock; for information).
- ``append_in_txn_1000scopes_1w_rows_s``: ``cadb.audit.append`` inside
  ``engine.begin()`` (the caller's transaction through SQLAlchemy), for information.
- ``*_client_cpu_us`` / ``*_server_cpu_us``: CPU per row of the writer threads and of their
  server backends (from /proc, when the server runs on this machine), and
  ``append_1000scopes_{1,4}w_cpu_ratio``: the INSERT's CPU per row (client + server) over the
  append's. Rates swing with the load from other processes; CPU per row hardly does.
- ``*_ratio``: an append rate over the plain-INSERT rate with as many writers; the targets
  (issue #8) are in ``TARGETS``, and ``*_target_met`` says whether each was reached.
- ``verify_rows_s``: ``cadb.audit.verify`` over ``verify_rows`` rows in 1,000 chains
  (written by COPY beforehand, chained in Python, payloads shaped like a job's progress
  event), through the CLI's code path: ``verify_workers`` processes (one per CPU, at most
  ``audit.MAX_WORKERS``). ``verify_1proc_rows_s``: the same in one process (``workers=1``),
  measured in the same rounds, interleaved.

The phases run in ``rounds`` interleaved rounds (insert, then the appends, and again) and
each rate is the median of its rounds, so a burst of load from a neighbour hits all of them.
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import statistics
import sys
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import psycopg
import sqlalchemy as sa
from psycopg.types.json import Jsonb

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:  # run as a script from a fresh clone
    sys.path.insert(0, str(REPO))

from cadb import audit  # noqa: E402
from cadb.canonical import canonical_json, canonical_json_many  # noqa: E402
from generator.migrate import api as migrate  # noqa: E402
from generator.pg.database import normalize_url, resolve_dev, scratch_database  # noqa: E402

TARGETS = {
    "append_1000scopes_1w_ratio": 0.8,
    "append_1000scopes_4w_ratio": 0.8,
    "append_global_1w_ratio": 0.6,
    "verify_rows_s": 100_000,
}
SCOPES = 1000
WARM_UP = 20  # untimed calls per writer before each phase

_PLAIN_INSERT = """
    INSERT INTO bench_plain (scope_type, scope_id, actor_user_id, event_type, payload,
                             created_at, prev_chain_hash, chain_hash)
    VALUES (%s, %s, NULL, %s, %s, clock_timestamp(), %s, %s)"""


def payload(n: int, scope: int) -> dict[str, Any]:
    """A job-progress event as a CAM worker would write it (nested, floats, non-ASCII)."""
    return {
        "attempt": n % 5, "job_id": f"job-{scope}", "note": "Çelik şaft", "status": "running",
        "metrics": {"cycle_time_s": n + 0.25, "toolpath_mm": 1234.5}, "tags": ["roughing", "5-axis"],
    }


def _libpq(url: str) -> str:
    return normalize_url(url).replace("postgresql+psycopg://", "postgresql://", 1)


def _backend_cpu(pid: int) -> float | None:
    """CPU seconds (user + system) of a server backend on this machine, from /proc; None
    where there is no /proc (the figures are then left out)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _threads(
    writers: int, rows: int, work: Callable[[psycopg.Connection[Any], int, int], None], url: str
) -> tuple[float, float, float | None]:
    """(rows/s, client CPU µs per row, server CPU µs per row or None) of ``writers`` threads,
    each on its own connection, doing ``rows`` calls in all (``work(conn, writer, i)``);
    connecting and ``WARM_UP`` calls per writer are not timed. CPU is what the writer threads and their backends used: unlike
    the rate, it hardly depends on what else the machine runs."""
    conns = [psycopg.connect(url, autocommit=True) for _ in range(writers)]
    start = threading.Barrier(writers + 1)
    errors: list[BaseException] = []
    client = [0.0] * writers
    pids = [c.info.backend_pid for c in conns]
    def run(w: int) -> None:
        try:
            for k in range(WARM_UP):  # untimed: the first calls on a connection prepare its statements
                work(conns[w], w, rows + k * writers + w)
        except BaseException as exc:  # reported by the main thread
            errors.append(exc)
        start.wait()
        if errors:
            return
        began = time.thread_time()
        try:
            for i in range(w, rows, writers):
                work(conns[w], w, i)
        except BaseException as exc:  # reported by the main thread
            errors.append(exc)
        client[w] = time.thread_time() - began

    threads = [threading.Thread(target=run, args=(w,)) for w in range(writers)]
    for t in threads:
        t.start()
    time.sleep(0.05)
    while start.n_waiting < writers:  # every writer warmed up
        time.sleep(0.01)
    server_before = [_backend_cpu(pid) for pid in pids]
    start.wait()
    began = time.perf_counter()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - began
    server_after = [_backend_cpu(pid) for pid in pids]
    for c in conns:
        c.close()
    if errors:
        raise errors[0]
    server = None
    if None not in server_before and None not in server_after:
        server = sum(a - b for a, b in zip(server_after, server_before, strict=True)) / rows * 1e6  # type: ignore[operator]
    return rows / elapsed, sum(client) / rows * 1e6, server


def _plain(conn: psycopg.Connection[Any], w: int, i: int) -> None:
    scope = i % SCOPES
    conn.execute(_PLAIN_INSERT, ("job", f"bench-{scope}", "job.progress", Jsonb(payload(i, scope)),
                                 secrets.token_hex(32), secrets.token_hex(32)))


def _append_scopes(conn: psycopg.Connection[Any], w: int, i: int) -> None:
    scope = i % SCOPES
    audit.append_one(conn, scope_type="job", scope_id=f"bench-{scope}", event_type="job.progress",
                     payload=payload(i, scope))


def _append_global(conn: psycopg.Connection[Any], w: int, i: int) -> None:
    audit.append_one(conn, scope_type="system", scope_id="global", event_type="config.changed",
                     payload=payload(i, 0))


def _fill_chains(url: str, scopes: int, per_scope: int) -> None:
    """scopes x per_scope rows, chained, written by one COPY in the order appends would have
    written them (round k of every scope, then round k + 1)."""
    base = datetime(2025, 1, 1, tzinfo=UTC)
    heads: dict[int, str | None] = dict.fromkeys(range(scopes))
    with psycopg.connect(url) as conn, conn.cursor() as cur:
        copy_sql = ("COPY audit_logs (scope_type, scope_id, event_type, payload, created_at, "
                    "prev_chain_hash, chain_hash) FROM STDIN")
        with cur.copy(copy_sql) as copy:
            for k in range(per_scope):
                for s in range(scopes):
                    created = base + timedelta(milliseconds=k * scopes + s)
                    body = canonical_json(payload(k, s)).decode()
                    record = audit.record_json(
                        scope_type="job", scope_id=f"verify-{s}", actor_user_id=None, event_type="job.progress",
                        payload_json=body, created_at=audit.format_created_at(created),
                    )
                    prev, heads[s] = heads[s], audit.chain_hash(heads[s], record)
                    copy.write_row(
                        ("job", f"verify-{s}", "job.progress", body, created, prev, heads[s])
                    )
        cur.execute("ANALYZE audit_logs")


def _verify_breakdown(url: str) -> dict[str, float]:
    """Where verify's time goes, per row (µs): the fetch alone (wall: the server reading,
    formatting and sending, and the driver building tuples), then on rows already in memory
    (CPU time of this process): canonicalising the payloads as verify does (a fetched batch of
    5,000 at a time, ``canonical_json_many``), sha256, and all of verify_rows."""
    with psycopg.connect(url) as conn:
        began = time.perf_counter()
        with conn.cursor(name="bench_verify_fetch") as cur:
            cur.itersize = 10_000
            cur.execute(audit._VERIFY_SQL.format(where=""))
            rows = cur.fetchall()
        fetch = time.perf_counter() - began
    n = len(rows)
    records = [(r[6], r[5].encode()) for r in rows]

    def cpu(work: Callable[[], object]) -> float:
        began = time.process_time()
        work()
        return (time.process_time() - began) / n * 1e6

    return {
        "verify_fetch_us_per_row": round(fetch / n * 1e6, 2),
        "verify_canonicalise_us_per_row": round(
            cpu(lambda: [canonical_json_many([r[5] for r in rows[i:i + 5000]]) for i in range(0, n, 5000)]), 2
        ),
        "verify_sha256_us_per_row": round(
            cpu(lambda: [audit.chain_hash(p, b) for p, b in records]), 2
        ),
        "verify_rows_cpu_us_per_row": round(cpu(lambda: list(audit.verify_rows(rows))), 2),
    }


def _verify_rate(url: str, workers: int | None = None) -> tuple[float, int]:
    engine = sa.create_engine(normalize_url(url))
    try:
        with engine.connect() as conn:
            began = time.perf_counter()
            report = audit.verify(conn, workers=workers)
            elapsed = time.perf_counter() - began
    finally:
        engine.dispose()
    if not report.intact:
        raise RuntimeError(
            f"verify found broken chains in the bench data: {report.broken[0].to_dict()}"
        )
    return report.rows / elapsed, report.rows


def run_audit_bench(
    url: str, *, rows: int = 500, rounds: int = 3, verify_rows: int = 100_000,
    progress: Callable[[str], None] | None = None,
) -> dict[str, Any]:
    """Measure on a scratch database created on ``url``'s server; see the module docstring.
    ``rows`` rows per phase and round; ``verify_rows`` is rounded down to a multiple of 1,000."""
    say = progress or (lambda _message: None)
    result: dict[str, Any] = {"rows_per_phase": rows, "rounds": rounds}
    with scratch_database(url, prefix="schemactl_bench_audit") as db_url:
        say("upgrading a scratch database to head")
        migrate.upgrade(REPO, db_url)
        libpq = _libpq(db_url)
        with psycopg.connect(libpq, autocommit=True) as conn:
            conn.execute("CREATE TABLE bench_plain (LIKE audit_logs INCLUDING ALL)")
            result["server_version"] = conn.info.parameter_status("server_version")
            result["fsync"] = conn.execute("SHOW fsync").fetchone()[0]  # type: ignore[index]
            result["synchronous_commit"] = conn.execute("SHOW synchronous_commit").fetchone()[0]  # type: ignore[index]
        phases: dict[str, tuple[int, Callable[..., None]]] = {
            "insert_1w": (1, _plain), "append_1000scopes_1w": (1, _append_scopes), "append_global_1w": (1, _append_global),
            "insert_4w": (4, _plain), "append_1000scopes_4w": (4, _append_scopes), "append_global_4w": (4, _append_global),
        }
        rates: dict[str, list[float]] = {name: [] for name in phases}
        cpu: dict[str, list[tuple[float, float | None]]] = {name: [] for name in phases}
        rates["append_in_txn_1000scopes_1w"] = []
        engine = sa.create_engine(normalize_url(db_url), pool_size=1)
        try:
            for r in range(rounds):
                say(f"round {r + 1} of {rounds}: {len(rates)} phases of {rows} rows")
                for name, (writers, work) in phases.items():
                    rate, client_us, server_us = _threads(writers, rows, work, libpq)
                    rates[name].append(rate)
                    cpu[name].append((client_us, server_us))
                began = time.perf_counter()
                for i in range(rows):
                    with engine.begin() as conn:
                        audit.append(conn, scope_type="job", scope_id=f"bench-{i % SCOPES}",
                                     event_type="job.progress", payload=payload(i, i % SCOPES))
                rates["append_in_txn_1000scopes_1w"].append(rows / (time.perf_counter() - began))
        finally:
            engine.dispose()
        for name, values in rates.items():
            result[f"{name}_rows_s"] = round(statistics.median(values))
        for name, pairs in cpu.items():
            result[f"{name}_client_cpu_us"] = round(statistics.median(c for c, _ in pairs))
            if all(s is not None for _, s in pairs):
                result[f"{name}_server_cpu_us"] = round(statistics.median(s for _, s in pairs))  # type: ignore[type-var]
        if "insert_1w_server_cpu_us" in result:  # CPU per row, client + server: the load-independent view
            for name in ("append_1000scopes_1w", "append_1000scopes_4w"):
                base = "insert_1w" if name.endswith("1w") else "insert_4w"
                total = result[f"{name}_client_cpu_us"] + result[f"{name}_server_cpu_us"]
                result[f"{name}_cpu_ratio"] = round(
                    (result[f"{base}_client_cpu_us"] + result[f"{base}_server_cpu_us"]) / total, 3)
        for name in ("append_1000scopes_1w", "append_global_1w", "append_in_txn_1000scopes_1w"):
            result[f"{name}_ratio"] = round(
                result[f"{name}_rows_s"] / result["insert_1w_rows_s"], 3
            )
        for name in ("append_1000scopes_4w", "append_global_4w"):
            result[f"{name}_ratio"] = round(
                result[f"{name}_rows_s"] / result["insert_4w_rows_s"], 3
            )
        per_scope = max(1, verify_rows // SCOPES)
        say(f"writing {per_scope * SCOPES:,} chained rows for verify")
        with psycopg.connect(libpq, autocommit=True) as conn:
            conn.execute("TRUNCATE bench_plain")  # (audit_logs itself refuses TRUNCATE)
        _fill_chains(libpq, SCOPES, per_scope)
        say("verifying")
        one, parallel = [], []
        for _ in range(rounds):  # interleaved, as the appends are
            one.append(_verify_rate(db_url, workers=1)[0])
            rate, checked = _verify_rate(db_url)
            parallel.append(rate)
        rate = statistics.median(parallel)
        result["verify_rows"] = checked
        result["verify_workers"] = audit._default_workers()
        result["verify_rows_s"] = round(rate)
        result["verify_1proc_rows_s"] = round(statistics.median(one))
        result["verify_us_per_row"] = round(1e6 / rate, 2)
        result.update(_verify_breakdown(libpq))
    for key, target in TARGETS.items():
        result[f"{key.removesuffix('_ratio').removesuffix('_rows_s')}_target"] = target
        result[f"{key.removesuffix('_ratio').removesuffix('_rows_s')}_target_met"] = (
            result[key] >= target
        )
    return result


def render(result: dict[str, Any]) -> str:
    """The small table ``main`` prints."""
    lines = [f"{'measure':<34} {'rows/s':>9} {'vs INSERT':>10} {'target':>8}  met"]
    for name, base in (("insert_1w", None), ("insert_4w", None), ("append_1000scopes_1w", "insert_1w"),
                       ("append_1000scopes_4w", "insert_4w"), ("append_global_1w", "insert_1w"),
                       ("append_global_4w", "insert_4w"), ("append_in_txn_1000scopes_1w", "insert_1w")):
        ratio = f"{result[name + '_ratio']:.2f}" if base else ""
        target = result.get(f"{name}_target")
        met = ("yes" if result[f"{name}_target_met"] else "NO") if target is not None else ""
        lines.append(
            f"{name:<34} {result[name + '_rows_s']:>9,} {ratio:>10} {target or '':>8}  {met}"
        )
    met = "yes" if result["verify_target_met"] else "NO"
    lines.append(f"{'verify (' + format(result['verify_rows'], ',') + ' rows, ' + str(result['verify_workers']) + ' procs)':<34} "
                 f"{result['verify_rows_s']:>9,} {'':>10} {result['verify_target']:>8,}  {met}")
    lines.append(f"{'verify, 1 process':<34} {result['verify_1proc_rows_s']:>9,}")
    if "append_1000scopes_1w_cpu_ratio" in result:
        lines.append("CPU per row, client + server (µs): " + ", ".join(
            f"{name} {result[name + '_client_cpu_us']} + {result[name + '_server_cpu_us']}"
            for name in ("insert_1w", "append_1000scopes_1w", "insert_4w", "append_1000scopes_4w"))
            + f"; INSERT/append CPU: {result['append_1000scopes_1w_cpu_ratio']:.2f} (1 writer), "
            f"{result['append_1000scopes_4w_cpu_ratio']:.2f} (4)")
    lines.append(f"verify per row: {result['verify_us_per_row']} µs in all; fetch alone "
                 f"{result['verify_fetch_us_per_row']} µs (wall); on rows in memory (CPU): canonicalise "
                 f"{result['verify_canonicalise_us_per_row']} µs, sha256 {result['verify_sha256_us_per_row']} µs, "
                 f"all of verify_rows {result['verify_rows_cpu_us_per_row']} µs")
    lines.append(f"PostgreSQL {result['server_version']}, fsync={result['fsync']}, "
                 f"synchronous_commit={result['synchronous_commit']}; {result['rows_per_phase']:,} rows per phase, "
                 f"median of {result['rounds']} rounds; {os.cpu_count()} CPUs")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", help="a server URL; a scratch database is created there "
                        "(default: $SCHEMACTL_DEV_DATABASE_URL, else the embedded dev server)")
    parser.add_argument(
        "--rows", type=int, default=500, help="rows per phase and round (default 500)"
    )
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--verify-rows", type=int, default=100_000)
    parser.add_argument(
        "--json", action="store_true", help="print the result as JSON instead of a table"
    )
    args = parser.parse_args(argv)
    server = resolve_dev(args.db, REPO).url  # the embedded server is started if need be
    result = run_audit_bench(server, rows=args.rows, rounds=args.rounds, verify_rows=args.verify_rows,
                             progress=lambda m: print(m, file=sys.stderr))
    print(json.dumps(result, indent=2) if args.json else render(result))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
