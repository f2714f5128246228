"""generator.drift.engine imports migra with a faster path for schemainspect's SQL files; in a fresh
interpreter, the result must be exactly what a plain import gives, and leave nothing behind."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from project_facts import FACTS

REPO = Path(__file__).resolve().parents[2]

PROBE = """
import hashlib, json, sys, warnings
mode = sys.argv[1]
if mode == "plain":
    warnings.simplefilter("ignore")
    import migra, schemainspect
else:
    from generator.drift.engine import _quietly_import_engine
    _quietly_import_engine()
    import migra, schemainspect
import inspect
import schemainspect.misc as misc
import schemainspect.pg.obj as obj
queries = {n: getattr(obj, n) for n in sorted(dir(obj)) if n.endswith(("_QUERY", "_QUERY_9"))}
print(json.dumps({
    "queries": hashlib.sha256(json.dumps(queries).encode()).hexdigest(),
    "count": len(queries),
    "misc_attribute": getattr(schemainspect, "misc", None) is misc,
    "external_caller": misc.external_caller.__name__,
    "inspect_stack": inspect.stack.__module__ + "." + inspect.stack.__name__,
    "pkg_resources_shim_left": type(sys.modules.get("pkg_resources")).__name__ == "module"
        and not hasattr(sys.modules.get("pkg_resources"), "working_set"),
}))
"""


def _probe(mode: str) -> dict:
    out = subprocess.run([sys.executable, "-c", PROBE, mode], cwd=REPO, capture_output=True, text=True, check=True)
    assert out.stderr == "", out.stderr  # no pkg_resources UserWarning either
    return json.loads(out.stdout)


def test_fast_import_reads_the_same_sql_and_restores_everything() -> None:
    fast, plain = _probe("fast"), _probe("plain")
    assert fast["count"] == plain["count"] == FACTS.tables
    assert fast["queries"] == plain["queries"]
    assert fast["misc_attribute"] and plain["misc_attribute"]
    assert fast["external_caller"] == "external_caller"
    assert fast["inspect_stack"] == "inspect.stack"
    assert not fast["pkg_resources_shim_left"]
