"""Added seconds of the proof on synthetic rows (docs/preflight.md).

`generate` on the repo's 17-table schema with one nullable column added to cam_runs, with and
without the data proof, RUNS times each (default 3), on a PostgreSQL 17 test server of its own
(SCHEMACTL_PG17_BIN or .schemactl/dist). Prints the total, the schema proof and the data proof
seconds of every run, and the rows the data proof inserted.

    python bench/data_proof.py [RUNS]
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

import pgservers  # noqa: E402
from checkout import copy_project  # noqa: E402

from generator.migrate.revision import generate  # noqa: E402
from generator.spec import load_spec  # noqa: E402

COLUMN = '      passes: {type: integer, comment: "Roughing passes."}\n'


def main(runs: int) -> None:
    root_dir = pgservers.make_root()
    server = pgservers.start_server("17", root_dir)
    try:
        dev = server.url("postgres")
        for n in range(runs):
            for data_proof in (True, False):
                project = copy_project(root_dir / f"p{n}{data_proof}")
                text = (project / "schema.yaml").read_text()
                at = text.index("\n", text.index("    columns:", text.index("\n  cam_runs:\n"))) + 1
                (project / "schema.yaml").write_text(text[:at] + COLUMN + text[at:])
                started = time.perf_counter()
                result = generate(project, load_spec(project / "schema.yaml"), dev, "add passes", data_proof=data_proof)
                total = time.perf_counter() - started
                rows = sum(result.data_proof.rows.values()) if result.data_proof else 0
                tables = len(result.data_proof.rows) if result.data_proof else 0
                print(f"run {n + 1} data_proof={data_proof}: total {total:.2f}s, proof {result.timings.get('proof')}s, "
                      f"data proof {result.timings.get('data proof')}s, {rows} rows in {tables} tables")
    finally:
        pgservers.stop_quietly(server)
        pgservers.remove_root(root_dir)


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 3)
