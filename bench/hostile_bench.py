"""Hostile YAML inputs: how long each takes to be refused, and the peak memory it costs.

Each input (issue 12 finding 6) is written into a temporary folder and loaded in a fresh
interpreter the way every command loads a spec (``generator.spec.cache.load_spec_cached``,
as ``schemactl validate`` does) or seeds.yaml (``generator.seeds.spec.load_seeds``); the child
reports the load's wall time, its own peak RSS (imports included: the floor is the
interpreter with schemactl's spec modules, about 40 MB) and the first problem. The bounds the
issue sets are well under a second and 200 MB; tests/unit/test_spec_limits.py asserts
generous sanity bounds on the same inputs.

    python bench/hostile_bench.py            # a table
    python bench/hostile_bench.py --json     # one JSON object per input

Before the limits: the 437-byte ``alias_bomb`` took over 20 s and 2.3 GB before it was
stopped (39 s and 6.3 GB in the issue), ``dev_zero`` 3.2 GB in 10 s, ``deep_flow_600`` a
RecursionError, ``symlink_loop`` an internal error, and ``fifo`` waited forever.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import textwrap
from collections.abc import Callable
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from generator.spec.source import MAX_BYTES, MAX_NODES  # noqa: E402


def alias_bomb(levels: int = 9, width: int = 9) -> str:
    """``levels`` anchors, each a list of ``width`` aliases of the one before: width**levels leaves."""
    lines = ["version: 1", "a0: &a0 [" + ", ".join(['"x"'] * width) + "]"]
    for i in range(1, levels):
        lines.append(f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * width) + "]")
    lines.append(f"tables: *a{levels - 1}")
    return "\n".join(lines) + "\n"


def deep_flow(levels: int) -> str:
    return "version: 1\ntables: " + "[" * levels + "]" * levels + "\n"


def deep_block(levels: int) -> str:
    return "version: 1\ntables:\n" + "".join("  " * i + "a:\n" for i in range(1, levels + 1))


def deep_list(levels: int) -> str:
    return "version: 1\ntables:\n" + "".join("  " * i + "-\n" for i in range(1, levels + 1))


def many_nodes(count: int) -> str:
    return "version: 1\ntables: [" + "0," * count + "]\n"


def _write(text: str) -> Callable[[Path, str], Path]:
    def make(folder: Path, name: str) -> Path:
        path = folder / name
        path.write_text(text)
        return path

    return make


def _sparse(folder: Path, name: str) -> Path:
    path = folder / name
    with open(path, "wb") as f:
        f.truncate(MAX_BYTES + 1)  # a hole: nothing of it is ever read
    return path


def _fifo(folder: Path, name: str) -> Path:
    path = folder / name
    os.mkfifo(path)  # opening it to read would wait for a writer forever
    return path


def _symlink_to(target: str) -> Callable[[Path, str], Path]:
    def make(folder: Path, name: str) -> Path:
        path = folder / name
        path.symlink_to(target)
        return path

    return make


def _loop(folder: Path, name: str) -> Path:
    (folder / f"other-{name}").symlink_to(folder / name)
    (folder / name).symlink_to(folder / f"other-{name}")
    return folder / name


def _directory(folder: Path, name: str) -> Path:
    (folder / name).mkdir()
    return folder / name


# name -> make(folder, file name) -> the path to load
HOSTILE: dict[str, Callable[[Path, str], Path]] = {
    "alias_bomb": _write(alias_bomb()),
    "alias_bomb_wide": _write(alias_bomb(12, 12)),
    "dev_zero": _symlink_to("/dev/zero"),
    "fifo": _fifo,
    "directory": _directory,
    "symlink_loop": _loop,
    "huge_file": _sparse,
    "many_nodes": _write(many_nodes(MAX_NODES + 10)),
    "deep_flow_600": _write(deep_flow(600)),
    "deep_flow_5000": _write(deep_flow(5000)),
    "deep_block_600": _write(deep_block(600)),
    "deep_list_600": _write(deep_list(600)),
    "huge_integer": _write("version: 1\ntables: " + "9" * 100_000 + "\n"),
    "type_backtracking": _write(
        "version: 1\ntables:\n  things:\n    comment: Things.\n    columns:\n"
        "      id: {type: integer, primary_key: true, comment: Key.}\n"
        '      x: {type: "a' + " " * 1000 + '!", comment: X.}\n'
    ),  # the type pattern backtracked for minutes
    "base_60_integer": _write("version: 1\ntables: 1" + ":1" * 1_000_000 + "\n"),  # 2 MB: ten minutes before
}

SMALL_SPEC = REPO / "tests" / "fixtures" / "invalid_seeds" / "unknown_table" / "schema.yaml"

_CHILD = textwrap.dedent(
    """
    import json, pathlib, resource, sys, time
    from generator.errors import SchemactlError, SpecError
    import generator.spec, generator.seeds.spec, generator.spec.cache
    kind, path = sys.argv[1], sys.argv[2]
    start = time.perf_counter()
    try:
        if kind == "spec":
            generator.spec.load_spec(path, "schema.yaml")
        elif kind == "cached":  # what every command runs
            generator.spec.cache.load_spec_cached(path, "schema.yaml", root=pathlib.Path(sys.argv[3]))
        else:
            spec = generator.spec.load_spec(sys.argv[3])
            generator.seeds.spec.load_seeds(path, spec, "seeds.yaml")
        out = []
    except SpecError as exc:
        out = [str(p) for p in exc.problems]
    except SchemactlError as exc:
        out = ["error: " + exc.message]
    seconds = time.perf_counter() - start
    # VmHWM is this process's own peak: ru_maxrss survives execve on Linux, so a child forked
    # from a large parent (pytest after a long run) would report the parent's size
    hwm = [l for l in pathlib.Path("/proc/self/status").read_text().splitlines() if l.startswith("VmHWM:")]
    peak = int(hwm[0].split()[1]) / 1024 if hwm else resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"problems": out, "seconds": seconds, "peak_mb": peak}))
    """
)


def load_in_child(kind: str, path: Path, extra: Path | None = None, timeout: float = 120) -> dict:
    """Load ``path`` in a fresh interpreter; {"problems", "seconds", "peak_mb"}.

    ``kind``: "spec" (load_spec), "cached" (load_spec_cached, ``extra`` = project root) or
    "seeds" (load_seeds, ``extra`` = the spec it is checked against)."""
    args = [sys.executable, "-c", _CHILD, kind, str(path)] + ([str(extra)] if extra else [])
    done = subprocess.run(args, capture_output=True, text=True, timeout=timeout, cwd=REPO, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"{kind} {path}: exit {done.returncode}: {done.stderr[-2000:]}")
    return json.loads(done.stdout)


def measure() -> list[dict]:
    rows = []
    for name, make in HOSTILE.items():
        for kind in ("cached", "seeds"):
            with tempfile.TemporaryDirectory(prefix="schemactl-hostile-") as tmp:
                folder = Path(tmp)
                path = make(folder, "schema.yaml" if kind == "cached" else "seeds.yaml")
                report = load_in_child(kind, path, folder if kind == "cached" else SMALL_SPEC)
            rows.append({"input": name, "file": path.name, **report})
    return rows


def main() -> None:
    rows = measure()
    if "--json" in sys.argv[1:]:
        for row in rows:
            print(json.dumps(row))
        return
    print(f"{'input':<18} {'file':<12} {'seconds':>8} {'peak MB':>8}  first problem")
    for row in rows:
        first = (row["problems"] or ["(none)"])[0]
        print(f"{row['input']:<18} {row['file']:<12} {row['seconds']:>8.3f} {row['peak_mb']:>8.1f}  {first[:90]}")


if __name__ == "__main__":
    main()
