"""Real schemas of the import corpus through import, diff and generate --check, beside bare
migra and pg_dump (issue 19, target 2). Whole processes, interleaved, median of --repeats.

    SCHEMACTL_PG17_BIN=... .venv/bin/python bench/real_schemas.py [--pg 17,18] [--cases large,dvdrental,...] [--repeats 3]

For each server major (one bench server each, fsync off: only the builds get faster; every
figure below reads) and each corpus case (tests/fixtures/import_corpus/CASE/schema.sql):

- ``source``: a database holding the case; ``anchor``: a copy of it (CREATE DATABASE ... TEMPLATE);
- ``pg_dump -s``: ``pg_dump --schema-only`` of the source (the floor for reading a schema);
- ``import``: ``schemactl import --db SOURCE -o schema.yaml --baseline -m baseline`` with its
  round-trip proof (the first run writes the project; later runs rewrite it with ``--force``);
- ``import --no-verify``: reading the catalog and writing the spec only;
- ``migra``: the bare migra CLI between source and anchor (no drift);
- ``diff``: ``schemactl diff --db SOURCE`` in the imported project, warm (the spec's database
  cached on the dev server by a first, untimed run);
- ``generate --check``: in the imported project (its baseline revision written by import),
  warm (the head and spec databases cached by a first, untimed run).

Prints one table and the JSON (``--out`` writes it). Figures are ratios of one run on a shared
machine (the load average is printed); nothing here is asserted by a test.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
for path in (REPO, REPO / "bench"):
    if str(path) not in sys.path:
        sys.path.insert(0, str(path))

from diff_bench import MIGRA, SCHEMACTL, _pg_dump, _timed_run, pg_bin  # noqa: E402

CORPUS = REPO / "tests" / "fixtures" / "import_corpus"
DEFAULT_CASES = "large,dvdrental,pagilalike"  # authprofiles: generate refuses functions outside public


def _load(url: str, case: str) -> None:
    import psycopg

    from generator.pg.database import libpq_url

    with psycopg.connect(libpq_url(url), autocommit=True) as conn:
        conn.execute((CORPUS / case / "schema.sql").read_text(encoding="utf-8"))  # type: ignore[arg-type]


def _shape(url: str) -> dict[str, int]:
    import psycopg

    from generator.pg.database import libpq_url

    with psycopg.connect(libpq_url(url)) as conn:
        row = conn.execute("""
            SELECT count(*) FILTER (WHERE c.relkind IN ('r', 'p')), count(*) FILTER (WHERE c.relkind = 'i'),
                   count(*) FILTER (WHERE c.relkind IN ('v', 'm')),
                   (SELECT count(*) FROM pg_proc p JOIN pg_namespace pn ON pn.oid = p.pronamespace
                    WHERE pn.nspname NOT IN ('pg_catalog', 'information_schema')
                      AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.objid = p.oid AND d.deptype = 'e'))
            FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
            WHERE n.nspname NOT IN ('pg_catalog', 'information_schema', 'pg_toast')""").fetchone()
    assert row is not None
    return dict(zip(("tables", "indexes", "views", "functions"), (int(v) for v in row), strict=True))


def _median(values: list[float]) -> float:
    return round(statistics.median(values), 3)


def measure_case(server_url: str, bin_dir: Path, case: str, repeats: int, work: Path) -> dict[str, Any]:
    from generator.pg.database import libpq_url, scratch_database

    project = work / case
    shutil.rmtree(project, ignore_errors=True)
    project.mkdir(parents=True)
    dump = str(_pg_dump(bin_dir))
    with scratch_database(server_url, prefix=f"bench_{case}_src") as source, \
            scratch_database(server_url, prefix=f"bench_{case}_anchor") as anchor:
        _load(source, case)
        _load(anchor, case)
        shape = _shape(source)
        first = ["import", "--db", source, "--dev-db", server_url, "-o", "schema.yaml", "--baseline", "-m", "baseline"]
        _timed_run([SCHEMACTL, *first], project)
        _timed_run([SCHEMACTL, "diff", "--db", source, "--dev-db", server_url], project)  # caches the spec's database
        _timed_run([SCHEMACTL, "generate", "--check", "--dev-db", server_url], project)  # caches head and spec
        times: dict[str, list[float]] = {k: [] for k in ("pg_dump", "import", "import_no_verify", "migra", "diff", "generate_check")}
        shortcuts = 0  # diffs answered by the catalog fingerprint (generator/pg/fingerprint.py)
        for _ in range(repeats):
            times["pg_dump"].append(_timed_run([dump, "--schema-only", "--no-owner", "--dbname", libpq_url(source)], project)[0])
            times["import"].append(_timed_run([SCHEMACTL, "import", "--db", source, "--dev-db", server_url,
                                               "-o", str(work / f"{case}-again.yaml"), "--force"], project)[0])
            times["import_no_verify"].append(_timed_run([SCHEMACTL, "import", "--db", source, "--no-verify",
                                                         "-o", str(work / f"{case}-nv.yaml"), "--force"], project)[0])
            times["migra"].append(_timed_run([MIGRA, "--unsafe", source, anchor], project, ok=(0, 2))[0])
            wall, _cpu, report = _timed_run([SCHEMACTL, "diff", "--db", source, "--dev-db", server_url, "-f", "json"], project)
            times["diff"].append(wall)
            shortcuts += int(json.loads(report)["timings"].get("fingerprint_equal", 0))
            times["generate_check"].append(_timed_run([SCHEMACTL, "generate", "--check", "--dev-db", server_url], project)[0])
    out: dict[str, Any] = {**shape, **{f"{k}_s": _median(v) for k, v in times.items()}}
    out["diff_fingerprint_shortcuts"] = f"{shortcuts}/{repeats}"
    out["diff_per_migra"] = round(out["diff_s"] / out["migra_s"], 2)
    out["diff_per_pg_dump"] = round(out["diff_s"] / out["pg_dump_s"], 2)
    out["import_per_pg_dump"] = round(out["import_s"] / out["pg_dump_s"], 2)
    return out


def measure(majors: list[str], cases: list[str], repeats: int) -> dict[str, Any]:
    from generator.pg.server import LocalServer

    results: dict[str, Any] = {"load_average": os.getloadavg()[0], "servers": {}}
    for major in majors:
        bin_dir = pg_bin(major)
        root = REPO / ".schemactl" / "bench" / f"real-pg{major}"
        root.mkdir(parents=True, exist_ok=True)
        server = LocalServer(bin_dir, root / "data", name=f"bench PostgreSQL {major}", fsync=False, tcp=True)
        url = server.ensure_running()
        try:
            with tempfile.TemporaryDirectory(prefix="schemactl-real-") as tmp:
                per_case: dict[str, Any] = {}
                for case in cases:
                    print(f"== {major} {case}", file=sys.stderr, flush=True)
                    started = time.perf_counter()
                    per_case[case] = measure_case(url, bin_dir, case, repeats, Path(tmp))
                    print(f"   {time.perf_counter() - started:.0f}s", file=sys.stderr, flush=True)
                results["servers"][major] = per_case
        finally:
            server.stop()
    results["load_average_after"] = os.getloadavg()[0]
    return results


def table(results: dict[str, Any]) -> str:
    lines = ["| server | case | tables / indexes / views / functions | pg_dump -s | import (proven) | import --no-verify "
             "| bare migra | diff warm (shortcut) | generate --check warm | diff / migra | diff / pg_dump | import / pg_dump |",
             "|---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for major, cases in results["servers"].items():
        for case, r in cases.items():
            lines.append(f"| {major} | {case} | {r['tables']} / {r['indexes']} / {r['views']} / {r['functions']} "
                         f"| {r['pg_dump_s']:.2f} | {r['import_s']:.2f} | {r['import_no_verify_s']:.2f} | {r['migra_s']:.2f} "
                         f"| {r['diff_s']:.2f} ({r['diff_fingerprint_shortcuts']}) | {r['generate_check_s']:.2f} | {r['diff_per_migra']:.2f} "
                         f"| {r['diff_per_pg_dump']:.2f} | {r['import_per_pg_dump']:.2f} |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pg", default="17,18", help="server majors (17 needs SCHEMACTL_PG17_BIN)")
    parser.add_argument("--cases", default=DEFAULT_CASES, help="corpus cases (tests/fixtures/import_corpus)")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--out", type=Path, help="write the JSON here too")
    args = parser.parse_args(argv)
    results = measure([m.strip() for m in args.pg.split(",") if m.strip()],
                      [c.strip() for c in args.cases.split(",") if c.strip()], args.repeats)
    print(table(results))
    print(f"load average {results['load_average']:.1f} before, {results['load_average_after']:.1f} after")
    if args.out:
        args.out.write_text(json.dumps(results, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
