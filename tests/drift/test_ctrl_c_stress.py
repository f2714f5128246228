"""Ctrl-C at a random moment of a real `schemactl diff` (opt-in: SCHEMACTL_STRESS_SIGINT=N runs
N of them; a stress run, not part of the suite, which has its own Ctrl-C test in
test_diff_safety.py).

Each run drops the kept spec database or the remembered fingerprint, or neither, at random,
then sends SIGINT after 0.05 to 3.5 s: while the interpreter starts, while the command line
is imported, while the spec is built, while the live side is read, or after the answer. The
process must always end (a Ctrl-C inside Python's import machinery once left the import lock
held and the live-side thread waiting for it: cli/interrupts.py), exit 0 or 130 once our code
runs (0: the diff finished first), and print no traceback. Run it with many workers to load the machine:

    SCHEMACTL_STRESS_SIGINT=800 SCHEMACTL_TEST_PG=18 pytest -n 6 tests/drift/test_ctrl_c_stress.py
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time

import pytest
from checkout import project_copy
from drift_helpers import drop_cached_specs

from generator.pg.server import LocalServer

# the console script as a terminal's foreground command gets Ctrl-C, whatever this test
# process inherited (a background job of a script starts with SIGINT ignored, which the
# command then keeps: cli/interrupts.py)
FOREGROUND = (
    "import signal; signal.signal(signal.SIGINT, signal.default_int_handler); "
    "from cli.entry import run; run()"
)
RUNS = int(os.environ.get("SCHEMACTL_STRESS_SIGINT", "0") or 0)
pytestmark = pytest.mark.skipif(not RUNS, reason="a stress run: set SCHEMACTL_STRESS_SIGINT=N")


@pytest.mark.parametrize("seed", range(max(RUNS, 1)))
def test_ctrl_c_at_a_random_moment(pg: LocalServer, head: str, seed: int) -> None:
    from generator.drift.spec_fingerprint import FILE

    rnd = random.Random(seed)
    if rnd.random() < 0.5:
        drop_cached_specs(pg.url())
    if rnd.random() < 0.5:
        for remembered in (project_copy() / ".schemactl").glob(f"**/{FILE}"):
            remembered.unlink()
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "SCHEMACTL_DEV_DATABASE_URL")}
    env["PYTHONFAULTHANDLER"] = "1"  # SIGABRT below prints every thread's stack
    proc = subprocess.Popen(
        [sys.executable, "-c", FOREGROUND, "diff", "--db", head, "--dev-db", pg.url()],
        cwd=project_copy(), env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    delay = rnd.uniform(0.05, 3.5)
    time.sleep(delay)
    proc.send_signal(signal.SIGINT)
    try:
        _out, err = proc.communicate(timeout=30)
    except subprocess.TimeoutExpired:
        os.kill(proc.pid, signal.SIGABRT)
        _out, err = proc.communicate(timeout=30)
        pytest.fail(f"still running 30 s after Ctrl-C at {delay:.2f} s:\n{err[-20000:]}")
    ours = "cli/main.py" in err or "/generator/" in err  # a frame of ours: past cli.entry's start
    if proc.returncode not in (0, 130):  # only before cli.entry installed its handler
        assert not ours, err
        return
    assert "Traceback" not in err, err
