"""Where the live catalog fingerprint's time goes (generator/pg/fingerprint.py): each part's
query run alone against one database, median milliseconds of ``--repeats`` runs, beside the
whole statement. Usage:

    .venv/bin/python bench/fingerprint_parts.py postgresql://USER@HOST:PORT/DB [--repeats 3]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import psycopg  # noqa: E402

from generator.pg import fingerprint as fp  # noqa: E402
from generator.pg.catalog_schemas import READ_SEARCH_PATH  # noqa: E402
from generator.pg.database import libpq_url  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("url")
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args(argv)
    with psycopg.connect(libpq_url(args.url), autocommit=True) as conn:
        conn.execute("SELECT pg_catalog.set_config('search_path', %s, false)", (READ_SEARCH_PATH,))
        version = conn.info.server_version
        columns = dict(conn.execute(fp.COLUMNS_SQL, (list(fp.PARTS),)).fetchall())

        def timed(sql: str) -> tuple[float, int]:
            runs, rows = [], 0
            for _ in range(args.repeats):
                t0 = time.perf_counter()
                rows = len(conn.execute(sql.replace("%", "%%"), ()).fetchall())
                runs.append(time.perf_counter() - t0)
            return statistics.median(runs) * 1000, rows

        found = []
        for name, sql in fp.PARTS.items():
            ms, rows = timed(f"SELECT x FROM ({fp._fill(name, sql, columns)}) q")
            found.append((ms, name, rows))
        whole, _ = timed(fp.query(columns))
    print(f"server {version // 10000}.{version % 10000}; whole fingerprint statement {whole:.0f} ms "
          f"(median of {args.repeats}); parts alone:")
    for ms, name, rows in sorted(found, reverse=True):
        print(f"  {name:<28} {ms:8.1f} ms  {rows:>7,} rows")
    print(f"  {'sum of parts':<28} {sum(ms for ms, _, _ in found):8.1f} ms")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
