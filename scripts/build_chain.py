"""Rebuild the committed migration chain from schema.yaml, in the task card's stages.

The chain in migrations/versions/ was produced by this script; it is kept so anyone can see,
and redo, how. Each stage is a subset of schema.yaml written as the spec of a scratch copy of
the project, then `schemactl generate -m MESSAGE` (proof included) writes the revision:

  0001 base                            schemactl generate --empty -m "base"
  0002 core tables                     users, sessions, licenses, models, jobs
  0003 operational tables              machines, materials, tools, cam_runs, sim_runs,
                                       artefacts, notifications, erp_mes_sync
  0004 billing tables                  invoices, payments (with the currency CHECK)
  0005 security and audit tables       audit_logs (hash-chain CHECKs, fork-proof unique,
                                       append-only guard), security_events
  0006 global constraints and          every composite, partial and GIN index, held back
       performance indexes             from the stages above; the spec is now schema.yaml
  0007 seed reference data             schemactl seed --revision -m "seed reference data"
                                       (data only: machines, materials, tools from seeds.yaml)

Usage: python scripts/build_chain.py [--dev-db URL]   (refuses to run if versions/ is not empty)
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
STAGES = [
    ("core tables", ["users", "sessions", "licenses", "models", "jobs"]),
    ("operational tables", ["machines", "materials", "tools", "cam_runs", "sim_runs", "artefacts",
                            "notifications", "erp_mes_sync"]),
    ("billing tables", ["invoices", "payments"]),
    ("security and audit tables", ["audit_logs", "security_events"]),
]


def is_performance_index(index: dict) -> bool:
    return len(index["columns"]) > 1 or index.get("using") == "gin" or "where" in index


def stage_spec(full: dict, tables: list[str]) -> dict:
    spec = {"version": full["version"], "extensions": full.get("extensions", []), "tables": {}}
    used_types = set()
    for name in tables:
        table = dict(full["tables"][name])
        table["indexes"] = [ix for ix in table.get("indexes", []) if not is_performance_index(ix)]
        if not table["indexes"]:
            del table["indexes"]
        spec["tables"][name] = table
        used_types |= {c["type"].rstrip("[]") for c in table["columns"].values()}
    spec["enums"] = {k: v for k, v in full.get("enums", {}).items() if k in used_types}
    return spec


def run(project: Path, args: list[str]) -> None:
    cmd = ["schemactl", "--spec", str(project / "schema.yaml"), *args]
    print("+ schemactl", " ".join(a for a in args if not a.startswith("postgresql")), flush=True)
    subprocess.run(cmd, check=True, cwd=project)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--dev-db", help="dev server URL (default: the embedded server)")
    opts = parser.parse_args()
    versions = ROOT / "migrations" / "versions"
    if any(versions.glob("*.py")):
        print(f"{versions} is not empty; move the revisions away first", file=sys.stderr)
        return 1
    full = yaml.safe_load((ROOT / "schema.yaml").read_text())
    if not opts.dev_db:  # the repo's embedded server (a temp project can't host one: 0700 folder)
        from generator.pg.server import embedded_server

        opts.dev_db = embedded_server(ROOT).ensure_running()
    dev = ["--dev-db", opts.dev_db]
    with tempfile.TemporaryDirectory(prefix="schemactl-chain-") as tmp:
        project = Path(tmp)
        shutil.copy(ROOT / "alembic.ini", project)
        shutil.copytree(ROOT / "migrations", project / "migrations", ignore=shutil.ignore_patterns("__pycache__"))
        (project / "schema.yaml").write_text(yaml.safe_dump(stage_spec(full, ["users"]), sort_keys=False))
        run(project, ["generate", "--empty", "-m", "base", *dev])
        done: list[str] = []
        for message, tables in STAGES:
            done += tables
            (project / "schema.yaml").write_text(yaml.safe_dump(stage_spec(full, done), sort_keys=False))
            run(project, ["generate", "-m", message, *dev])
        shutil.copy(ROOT / "schema.yaml", project / "schema.yaml")
        # as committed: proven on empty tables (the chain ran on new databases; --no-data-proof keeps
        # the data proof's synthetic rows from refusing its CHECKs, docs/preflight.md)
        run(project, ["generate", "-m", "global constraints and performance indexes", "--no-data-proof", *dev])
        shutil.copy(ROOT / "seeds.yaml", project / "seeds.yaml")
        run(project, ["seed", "--revision", "-m", "seed reference data", *dev])
        for path in sorted((project / "migrations" / "versions").glob("*.py")):
            shutil.copy(path, versions / path.name)
            print("wrote", (versions / path.name).relative_to(ROOT))
    return 0


if __name__ == "__main__":
    sys.exit(main())
