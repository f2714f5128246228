from __future__ import annotations
import os, shutil
from pathlib import Path
from generator.migrate import revision as R
from generator.spec import load_spec
from migration_helpers import CASES
from generator.migrate.online_hazards import KINDS

def test_debug(pg, new_project, monkeypatch):
    orig = R._prove
    def prove(root, scripts, *a, **k):
        for p in (scripts / "versions").glob("*.py"):
            shutil.copy(p, "/tmp/nsgen/" + p.name)
        return orig(root, scripts, *a, **k)
    monkeypatch.setattr(R, "_prove", prove)
    root = new_project(); dev = pg.url("postgres")
    steps = os.environ.get("NSGEN_STEPS", "schemas_created_changed/before.yaml").split(",")
    for i, s in enumerate(steps):
        shutil.copyfile(CASES / s if not s.startswith("/") else s, root / "schema.yaml")
        try:
            r = R.generate(root, load_spec(root / "schema.yaml"), dev, f"s{i}", allow_destructive=True, allow_hazards=KINDS, data_proof=os.environ.get("NSGEN_DP","1")=="1")
            print("STEP", s, r.status, r.summary, r.leftover, r.data_proof.as_dict() if r.data_proof else None)
        except Exception as e:
            print("FAIL", s, type(e).__name__, e, getattr(e, "details", None))
            raise
