"""Hostile YAML is refused quickly and in little memory (issue 12 finding 6).

A spec or seeds file is untrusted input until its pull request is merged. Each hostile input
here is loaded in a fresh interpreter that reports its own peak RSS and the time the load
took; the bounds asserted (200 MB, 30 s) are sanity bounds far above what a refusal costs
(about 40 MB, all of it the interpreter and its imports, and a few milliseconds): the figures
themselves are measured by bench/hostile_bench.py. Before the limits, the 437-byte alias bomb
took 39 s and 6 GB, /dev/zero 3.8 GB, and 600 levels of nesting a RecursionError.
"""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from generator.errors import ConfigError, Problem, SpecError
from generator.seeds.spec import parse_seeds
from generator.spec import load_spec, parse_spec
from generator.spec.source import MAX_BYTES, MAX_DEPTH, MAX_NODES, _may_exceed_bounds, load_yaml

REPO = Path(__file__).resolve().parents[2]
SMALL_SPEC = (REPO / "tests" / "fixtures" / "invalid_seeds" / "unknown_table" / "schema.yaml").read_text()
PEAK_MB = 200
SECONDS = 30.0  # a hang guard on a loaded 2-core CI machine, not a timing target (bench/ measures)

DEEP = f"nested more than {MAX_DEPTH} levels deep; schemactl reads at most {MAX_DEPTH} levels of lists and mappings"
ANCHORS = "YAML anchors and aliases (&name, *name) are not allowed; write the value out in full"
NOT_A_FILE = "not a YAML file; give the path of a regular file"


def _bench(name: str):
    spec = importlib.util.spec_from_file_location(name, REPO / "bench" / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


bench = _bench("hostile_bench")  # the inputs and the child process, shared with the benchmark
alias_bomb = bench.alias_bomb


def load_in_child(kind: str, path: Path, extra: Path | None = None) -> dict:
    # the timeout only keeps a regression from hanging the suite; the bounds are asserted here
    report = bench.load_in_child(kind, path, extra, timeout=120)
    assert report["seconds"] < SECONDS, report
    assert report["peak_mb"] < PEAK_MB, report
    return report


# input (bench/hostile_bench.py) -> the one problem it must give
EXPECTED = {
    "alias_bomb": f"schema.yaml:2:5: {ANCHORS}",
    "alias_bomb_wide": f"schema.yaml:2:5: {ANCHORS}",
    "dev_zero": f"schema.yaml:1:1: is a character device, {NOT_A_FILE}",
    "fifo": f"schema.yaml:1:1: is a FIFO (named pipe), {NOT_A_FILE}",
    "directory": f"schema.yaml:1:1: is a directory, {NOT_A_FILE}",
    "symlink_loop": "schema.yaml:1:1: cannot read (a loop of symbolic links)",
    "huge_file": "schema.yaml:1:1: the file is 4.0 MiB; schemactl reads YAML files of at most 4 MiB",
    "many_nodes": f"schema.yaml:2:{2 * MAX_NODES}: more than {MAX_NODES:,} YAML values; schemactl reads at most {MAX_NODES:,} per file",
    "deep_flow_600": f"schema.yaml:2:{8 + MAX_DEPTH}: {DEEP}",
    "deep_flow_5000": f"schema.yaml:2:1008: {DEEP}",  # libyaml's own limit (1,000 levels) stops first
    "deep_block_600": f"schema.yaml:{2 + MAX_DEPTH}:{2 * MAX_DEPTH + 1}: {DEEP}",
    "deep_list_600": f"schema.yaml:{2 + MAX_DEPTH}:{2 * MAX_DEPTH + 1}: {DEEP}",
    "huge_integer": "schema.yaml:2:9: a number of more than 1,100 characters; quote it to make it a string",
    "type_backtracking": "schema.yaml:7:17: things.x: cannot parse type 'a" + " " * 35 + "...: 1002 characters long, over 200",
    "base_60_integer": "schema.yaml:2:9: a number of more than 1,100 characters; quote it to make it a string",
}


def test_every_benchmarked_input_is_tested() -> None:
    assert sorted(EXPECTED) == sorted(bench.HOSTILE)


@pytest.mark.parametrize("case", sorted(EXPECTED))
def test_a_hostile_spec_is_refused_quickly_in_little_memory(case: str, tmp_path: Path) -> None:
    path = bench.HOSTILE[case](tmp_path, "schema.yaml")
    report = load_in_child("spec", path)
    assert report["problems"] == [EXPECTED[case]]


@pytest.mark.parametrize("case", ["alias_bomb", "dev_zero", "huge_file", "deep_flow_600"])
def test_the_cli_path_through_the_cache_is_bounded_too(case: str, tmp_path: Path) -> None:
    path = bench.HOSTILE[case](tmp_path, "schema.yaml")
    report = load_in_child("cached", path, tmp_path)
    assert report["problems"] == [EXPECTED[case]]
    assert not (tmp_path / ".schemactl" / "cache" / "spec.pickle").exists()


@pytest.mark.parametrize("case", ["alias_bomb", "dev_zero", "fifo", "huge_file", "many_nodes", "deep_block_600", "symlink_loop"])
def test_a_hostile_seeds_file_is_refused_quickly_in_little_memory(case: str, tmp_path: Path) -> None:
    spec = tmp_path / "spec" / "schema.yaml"
    spec.parent.mkdir()
    spec.write_text(SMALL_SPEC)
    path = bench.HOSTILE[case](tmp_path, "seeds.yaml")
    report = load_in_child("seeds", path, spec)
    assert report["problems"] == [EXPECTED[case].replace("schema.yaml", "seeds.yaml", 1)]


def test_a_hostile_file_through_the_cli(tmp_path: Path) -> None:
    """`schemactl --spec /dev/zero validate` and the alias bomb: one problem, exit 1, bounded."""
    (tmp_path / "bomb.yaml").write_text(alias_bomb())
    script = Path(sys.executable).with_name("schemactl")
    wrapper = (
        "import json, resource, subprocess, sys, time\n"
        "t = time.perf_counter()\n"
        "done = subprocess.run(sys.argv[1:], capture_output=True, text=True, timeout=120)\n"
        "print(json.dumps({'code': done.returncode, 'out': done.stdout, 'err': done.stderr, 'seconds': time.perf_counter() - t,"
        " 'peak_mb': resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024}))\n"
    )
    for spec, line in [
        ("/dev/zero", f"/dev/zero:1:1: is a character device, {NOT_A_FILE}"),
        ("bomb.yaml", f"bomb.yaml:2:5: {ANCHORS}"),
    ]:
        done = subprocess.run(
            [sys.executable, "-c", wrapper, str(script), "--spec", spec, "validate"],
            capture_output=True, text=True, timeout=180, cwd=tmp_path, check=True,
        )
        run = json.loads(done.stdout)
        assert (run["code"], run["out"], run["err"]) == (1, line + "\n", f"1 problem in {spec}\n")
        assert run["seconds"] < 3 * SECONDS and run["peak_mb"] < PEAK_MB, run


# ---------------------------------------------------------------------- in process


def test_parse_spec_refuses_text_over_the_size_limit() -> None:
    with pytest.raises(SpecError) as info:
        parse_spec("#" * (MAX_BYTES + 1))
    assert [str(p) for p in info.value.problems] == [
        "schema.yaml:1:1: the file is larger than that; schemactl reads YAML files of at most 4 MiB"
    ]


def test_parse_seeds_refuses_aliases() -> None:
    spec = parse_spec(SMALL_SPEC)
    with pytest.raises(SpecError) as info:
        parse_seeds("version: 1\ntables: &t {}\n", spec)
    assert [str(p) for p in info.value.problems] == [f"seeds.yaml:2:9: {ANCHORS}"]


def test_depth_up_to_the_limit_is_read(tmp_path: Path) -> None:
    nested: object = 1
    for _ in range(MAX_DEPTH - 1):  # the root mapping is the first level
        nested = [nested]
    source, problems = load_yaml(yaml.safe_dump({"a": nested}), "s.yaml")
    assert problems == []
    source, problems = load_yaml(yaml.safe_dump({"a": [nested]}), "s.yaml")
    assert [p.message for p in problems] == [DEEP]


def test_a_deep_jsonb_default_is_refused_where_it_passes_the_limit() -> None:
    head = "      meta: {type: jsonb, comment: Data., default: "
    text = (
        "version: 1\ntables:\n  t:\n    comment: T.\n    columns:\n"
        "      id: {type: integer, primary_key: true, comment: Key.}\n"
        + head + "{a: " * 70 + "1" + "}" * 70 + "}\n"
    )
    with pytest.raises(SpecError) as info:
        parse_spec(text)
    # root, tables, t, columns and meta enclose the default: its 60th mapping is the 65th level
    column = len(head) + 4 * (MAX_DEPTH - 5) + 1
    assert [str(p) for p in info.value.problems] == [f"schema.yaml:7:{column}: {DEEP}"]
    assert len(parse_spec(text.replace("{a: " * 70 + "1" + "}" * 70, "{a: " * 59 + "1" + "}" * 59)).tables) == 1


def test_a_missing_file_is_still_a_config_error_with_a_hint(tmp_path: Path) -> None:
    (tmp_path / "schema.yaml").symlink_to(tmp_path / "gone.yaml")  # dangling
    with pytest.raises(ConfigError, match="schema.yaml: file not found"):
        load_spec(tmp_path / "schema.yaml", "schema.yaml")


def test_an_unreadable_file(tmp_path: Path) -> None:
    path = tmp_path / "schema.yaml"
    path.write_text(SMALL_SPEC)
    path.chmod(0)
    # root reads any file: as root (CI), read it with the effective uid of `nobody`
    as_nobody = os.geteuid() == 0
    if as_nobody:
        import pwd

        tmp_path.chmod(0o755)
        os.seteuid(pwd.getpwnam("nobody").pw_uid)
    try:
        with pytest.raises(SpecError) as info:
            load_spec(path, "schema.yaml")
    finally:
        if as_nobody:
            os.seteuid(0)
    assert info.value.problems == [Problem("schema.yaml", 1, 1, "cannot read (Permission denied)")]


def test_a_path_through_a_file_cannot_be_read(tmp_path: Path) -> None:
    (tmp_path / "file").write_text("x")
    with pytest.raises(SpecError) as info:
        load_spec(tmp_path / "file" / "schema.yaml", "schema.yaml")
    assert info.value.problems == [Problem("schema.yaml", 1, 1, "cannot read (Not a directory)")]


def test_a_file_of_exactly_the_limit_is_read(tmp_path: Path) -> None:
    path = tmp_path / "schema.yaml"
    path.write_text(SMALL_SPEC + "#" * (MAX_BYTES - len(SMALL_SPEC.encode())))
    assert path.stat().st_size == MAX_BYTES
    assert len(load_spec(path).tables) == len(parse_spec(SMALL_SPEC).tables)


# ---------------------------------------------------------------------- the node-count shortcut


def _node_count(text: str) -> int:
    return sum(1 for e in yaml.parse(text, Loader=yaml.CSafeLoader) if isinstance(e, yaml.NodeEvent))


def _yaml_fixtures() -> list[Path]:
    return sorted(p for p in (REPO / "tests" / "fixtures").rglob("*.yaml") if p.is_file()) + [
        REPO / "schema.yaml",
        REPO / "seeds.yaml",
    ]


@pytest.mark.parametrize(
    "text",
    ["a", "- - - a\n", "- a: b\n", "{a, b, c}\n", "[a: b, c: d]\n", "? a\n? b\n", "a:\nb:\n", "[[[]]]\n",
     "- {a: [b, {c: d}]}\n", "x: !!set {a, b}\n", "--- a\n--- b\n"],
)
def test_the_node_bound_is_an_upper_bound(text: str) -> None:
    from generator.spec.source import _NODE_INDICATORS

    assert _node_count(text) <= 1 + 3 * sum(text.count(c) for c in _NODE_INDICATORS)


def test_the_node_bound_holds_for_every_fixture() -> None:
    from generator.spec.source import _NODE_INDICATORS

    for path in _yaml_fixtures():
        text = path.read_text()
        try:
            count = _node_count(text)
        except yaml.YAMLError:
            continue  # the invalid-YAML fixtures
        assert count <= 1 + 3 * sum(text.count(c) for c in _NODE_INDICATORS), path


def test_the_1000_table_benchmark_spec_loads_without_the_scan() -> None:
    synth = _bench("synth")
    text = yaml.safe_dump(synth.synth_spec(1000), sort_keys=False, width=120)
    assert not _may_exceed_bounds(text)  # the anchor and node-count scan is skipped
    assert _node_count(text) < MAX_NODES * 0.6 and len(text.encode()) < MAX_BYTES / 2
    assert not _may_exceed_bounds((REPO / "schema.yaml").read_text())
    assert not _may_exceed_bounds((REPO / "seeds.yaml").read_text())


def test_numbers_up_to_the_limit_are_read() -> None:
    from generator.spec.source import MAX_NUMBER_CHARS

    digits = "9" * MAX_NUMBER_CHARS
    source, problems = load_yaml(f"a: {digits}\nb: 1:30\nc: 0x{'f' * 200}\n", "s.yaml")
    assert problems == []
    assert source.data["a"] == int(digits) and source.data["b"] == 90
    source, problems = load_yaml(f"a: 1{':1' * MAX_NUMBER_CHARS}\n", "s.yaml")
    assert [str(p) for p in problems] == ["s.yaml:1:4: a number of more than 1,100 characters; quote it to make it a string"]
    source, problems = load_yaml(f"a: '{digits}9'\n", "s.yaml")  # quoted: a string of any length
    assert problems == [] and source.data["a"] == digits + "9"


def test_problems_stop_at_the_limit_with_a_note() -> None:
    from generator.spec.source import MAX_PROBLEMS

    text = SMALL_SPEC + "".join(f"extra_{i}: 1\n" for i in range(MAX_PROBLEMS + 100))
    with pytest.raises(SpecError) as info:
        parse_spec(text)
    problems = [str(p) for p in info.value.problems]
    assert len(problems) == MAX_PROBLEMS + 1
    first = SMALL_SPEC.count("\n") + 1
    assert problems[0] == f"schema.yaml:{first}:1: top level: unknown key 'extra_0' (allowed: aggregates, default_privileges, domains, enums, extensions, functions, roles, schemas, sequences, settings, tables, types, unmanaged, version, views)"
    assert problems[-1] == f"schema.yaml:{first + MAX_PROBLEMS}:1: more problems not listed: only the first {MAX_PROBLEMS} are; fix these and run again"


def test_seeds_problems_stop_at_the_limit_too() -> None:
    from generator.spec.source import MAX_PROBLEMS

    spec = parse_spec(SMALL_SPEC)
    rows = "".join(f"      - {{code: m{i}, nope: 1}}\n" for i in range(MAX_PROBLEMS + 50))
    with pytest.raises(SpecError) as info:
        parse_seeds(f"version: 1\ntables:\n  materials:\n    key: [code]\n    rows:\n{rows}", spec)
    assert len(info.value.problems) == MAX_PROBLEMS + 1
    assert info.value.problems[-1].message.startswith("more problems not listed")


def test_the_peak_is_the_childs_own_even_from_a_large_parent(tmp_path: Path) -> None:
    """ru_maxrss survives execve on Linux: a child of a 400 MB process reported 400 MB, so in
    the full suite (pytest grown large) every bound above failed. The child reads VmHWM."""
    ballast = b"x" * (400 * 1024 * 1024)  # resident pages in this (the parent) process
    path = bench.HOSTILE["alias_bomb"](tmp_path, "schema.yaml")
    report = bench.load_in_child("cached", path, tmp_path)
    assert len(ballast) and report["peak_mb"] < 100, report
