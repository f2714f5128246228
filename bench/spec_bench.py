"""Spec benchmarks: validate (cold and warm), spec to metadata, and `--help`, for one spec file.

``measure_spec(path)`` returns a flat dict of median seconds, for bench/run.py's table:

- ``validate_cold_s``: ``schemactl --spec PATH validate`` in a fresh process, the spec cache
  (``<spec folder>/.schemactl/cache/spec.pickle``) removed first: parse, JSON Schema,
  semantic checks, seeds.yaml if it sits beside the spec;
- ``validate_warm_s``: the same with the cache written by the previous run;
- ``load_spec_cold_s``: ``generator.spec.load_spec`` (no cache), timed inside a fresh
  interpreter whose imports are already done, as a command runs it;
  ``load_spec_warm_s``: the same through the cache (``load_spec_cached``);
- ``metadata_s``: ``generator.schema.metadata.build_metadata`` on the loaded Spec, same process;
  both with ``generator.spec.source.keep_for_process`` on, as the CLI runs them (the objects
  built are moved out of the collector's reach instead of walked once more at the end);
- ``validate_plus_metadata_cold_s`` / ``..._warm_s``: load (uncached / from the cache) plus
  the metadata, the figure issue #8 sets at under 1 s for 1,000 tables;
- ``help_s``: ``schemactl --help`` in a fresh process;
- ``python_startup_s``: ``python -c pass``, the floor under every subprocess figure.

The spec's folder is its project root, so the cache is written beside the spec. Run it as
``python bench/spec_bench.py PATH [REPEATS]`` to print the dict as JSON.
"""

from __future__ import annotations

import gc
import json
import shutil
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

_SCRIPT = Path(sys.executable).with_name("schemactl")  # the console script, as users run it
_CLI = (
    [str(_SCRIPT)]
    if _SCRIPT.is_file()
    else [sys.executable, "-c", "from cli.entry import run; run()"]
)


def _median(samples: list[float]) -> float:
    return round(statistics.median(samples), 4)


def _timed(fn: Callable[[], Any]) -> float:
    gc.collect()
    started = time.perf_counter()
    fn()
    return time.perf_counter() - started


def _run(args: list[str], cwd: Path) -> None:
    done = subprocess.run(args, cwd=cwd, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise RuntimeError(
            f"{' '.join(args)} exited {done.returncode}: {done.stderr.strip()[-500:]}"
        )


_IN_PROCESS = """
import json, sys, time
from pathlib import Path
import sqlalchemy, yaml  # imports are start-up, measured by validate_*_s and help_s
from generator.schema.metadata import build_metadata
from generator.spec import load_spec
from generator.spec import source
from generator.spec.cache import load_spec_cached
source.keep_for_process = True  # as every command sets it (cli/state.py): see gc_paused
path, cached = Path(sys.argv[1]), sys.argv[2] == "warm"
t0 = time.perf_counter()
spec = load_spec_cached(path, str(path), path.parent) if cached else load_spec(path)
t1 = time.perf_counter()
build_metadata(spec)
t2 = time.perf_counter()
print(json.dumps([t1 - t0, t2 - t1]))
"""


def _in_process(path: Path, cached: bool) -> tuple[float, float]:
    """(load, metadata) seconds inside one fresh interpreter, as a command would do them."""
    done = subprocess.run(
        [sys.executable, "-c", _IN_PROCESS, str(path), "warm" if cached else "cold"],
        capture_output=True,
        text=True,
        check=True,
    )
    load, metadata = json.loads(done.stdout)
    return load, metadata


def measure_spec(path: Path, repeats: int = 3) -> dict[str, Any]:
    """Median seconds of each step for the spec at ``path`` (see the module docstring)."""
    from generator.spec.cache import CACHE_FILE

    path = Path(path).resolve()
    root = path.parent
    cache_dir = root / CACHE_FILE.parent
    validate = [*_CLI, "--spec", str(path), "validate"]

    cold, warm = [], []
    for _ in range(repeats):
        shutil.rmtree(cache_dir, ignore_errors=True)
        cold.append(_timed(lambda: _run(validate, root)))
        warm.append(_timed(lambda: _run(validate, root)))

    in_cold = [_in_process(path, cached=False) for _ in range(repeats)]
    _in_process(path, cached=True)  # writes the cache if the runs above did not
    in_warm = [_in_process(path, cached=True) for _ in range(repeats)]

    help_runs = [_timed(lambda: _run([*_CLI, "--help"], root)) for _ in range(repeats)]
    startup = [_timed(lambda: _run([sys.executable, "-c", "pass"], root)) for _ in range(repeats)]
    from generator.spec import load_spec

    spec = load_spec(path)
    return {
        "spec": str(path),
        "tables": len(spec.tables),
        "columns": sum(len(t.columns) for t in spec.tables.values()),
        "repeats": repeats,
        "validate_cold_s": _median(cold),
        "validate_warm_s": _median(warm),
        "load_spec_cold_s": _median([a for a, _ in in_cold]),
        "load_spec_warm_s": _median([a for a, _ in in_warm]),
        "metadata_s": _median([b for _, b in in_cold + in_warm]),
        "validate_plus_metadata_cold_s": _median([a + b for a, b in in_cold]),
        "validate_plus_metadata_warm_s": _median([a + b for a, b in in_warm]),
        "help_s": _median(help_runs),
        "python_startup_s": _median(startup),
    }


if __name__ == "__main__":
    print(
        json.dumps(
            measure_spec(Path(sys.argv[1]), int(sys.argv[2]) if len(sys.argv) > 2 else 3), indent=2
        )
    )
