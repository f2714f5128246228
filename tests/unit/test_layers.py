"""Every import points down the layers, and no two modules import each other (docs/architecture.md).

An AST walk over generator/, cadb/ and cli/: every ``import`` and ``from ... import``,
function-level and ``TYPE_CHECKING`` ones included (a function-level import is still a
dependency, only a later one). No server, no import of the code under test.

Why a small AST check and not import-linter: the rules are a dozen lines of data here, the
check needs no dependency and no configuration file of its own, and it reports the line of
every offending import.
"""

from __future__ import annotations

import ast
import graphlib
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("generator", "cadb", "cli")


@dataclass(frozen=True)
class Layer:
    name: str
    prefixes: tuple[str, ...]  # the modules in this layer (a prefix matches itself and below)
    may_import: tuple[str, ...]  # the layers below that this one may import (its own always)
    exact: tuple[str, ...] = ()  # modules that belong here by their exact name only


# Bottom to top. pg sits beside spec and schema: PostgreSQL plumbing knows nothing of the spec.
LAYERS = (
    Layer("cadb", ("cadb",), ()),
    Layer("base", ("generator.errors", "generator.project", "generator.cache_auth", "generator.qualnames", "generator.safe_files"), ("cadb",), exact=("generator",)),
    Layer("spec", ("generator.spec",), ("cadb", "base")),
    Layer("schema", ("generator.schema",), ("cadb", "base", "spec")),
    Layer("pg", ("generator.pg",), ("cadb", "base")),
    Layer("drift", ("generator.drift",), ("cadb", "base", "spec", "schema", "pg")),
    Layer("migrate", ("generator.migrate",), ("cadb", "base", "spec", "schema", "pg", "drift")),
    Layer("seeds", ("generator.seeds",), ("cadb", "base", "spec", "schema", "pg", "drift", "migrate")),
    Layer("adopt", ("generator.adopt",), ("cadb", "base", "spec", "schema", "pg", "drift", "migrate")),
    Layer("lint", ("generator.lint",), ("cadb", "base", "spec", "schema", "pg", "drift", "migrate")),
    Layer("preflight", ("generator.preflight",), ("cadb", "base", "spec", "schema", "pg", "drift", "migrate")),
    Layer("cli", ("cli",), ("cadb", "base", "spec", "schema", "pg", "drift", "migrate", "seeds", "adopt", "lint", "preflight")),
)


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def all_modules() -> dict[str, Path]:
    return {
        module_name(p): p
        for pkg in PACKAGES
        for p in sorted((ROOT / pkg).rglob("*.py"))
        if "__pycache__" not in p.parts
    }


def layer_of(module: str) -> Layer | None:
    best: tuple[int, Layer] | None = None
    for layer in LAYERS:
        if module in layer.exact:
            return layer
        for prefix in layer.prefixes:
            if (module == prefix or module.startswith(prefix + ".")) and (best is None or len(prefix) > best[0]):
                best = (len(prefix), layer)
    return best[1] if best else None


def imports_of(
    module: str, path: Path, modules: dict[str, Path], *, top_level_only: bool = False
) -> list[tuple[str, int]]:
    """(internal module imported, line) for every import statement in the file (with
    ``top_level_only``, those that run when the module is imported: not inside a function)."""
    is_package = path.name == "__init__.py"
    found: list[tuple[str, int]] = []

    def add(name: str, line: int) -> None:
        while name and name not in modules:  # generator.spec.model.Spec -> generator.spec.model
            name = name.rpartition(".")[0]
        if name and name != module:
            found.append((name, line))

    tree = ast.parse(path.read_text(encoding="utf-8"))
    nodes = _module_level(tree) if top_level_only else ast.walk(tree)
    for node in nodes:
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.split(".")[0] in PACKAGES:
                    add(alias.name, node.lineno)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = module.split(".") if is_package else module.split(".")[:-1]
                base = base[: len(base) - (node.level - 1)]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            if target.split(".")[0] not in PACKAGES:
                continue
            for alias in node.names:
                full = f"{target}.{alias.name}"
                add(full if full in modules else target, node.lineno)
    return found


def _module_level(tree: ast.Module) -> list[ast.stmt]:
    """The module's statements, descending into if/try/with blocks but not into functions."""
    out: list[ast.stmt] = []
    todo: list[ast.stmt] = list(tree.body)
    while todo:
        node = todo.pop(0)
        out.append(node)
        if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            for field in ("body", "orelse", "finalbody", "handlers"):
                todo += [n for n in getattr(node, field, []) if isinstance(n, ast.stmt | ast.excepthandler)]
    return out


def graph() -> tuple[dict[str, Path], dict[str, list[tuple[str, int]]]]:
    modules = all_modules()
    return modules, {m: imports_of(m, p, modules) for m, p in modules.items()}


def test_every_module_belongs_to_a_layer() -> None:
    modules, _ = graph()
    loose = sorted(m for m in modules if layer_of(m) is None)
    assert not loose, f"modules outside every layer (add them to a package, see docs/architecture.md): {loose}"
    flat = sorted(
        m for m in modules
        if m.count(".") == 1 and m.startswith("generator.") and layer_of(m) is not LAYERS[1]
        and not (ROOT / m.replace(".", "/") / "__init__.py").exists()
    )
    assert not flat, f"modules directly in generator/ (put each into its layer's package): {flat}"


def test_imports_point_down_the_layers() -> None:
    modules, edges = graph()
    upward = []
    for module, targets in sorted(edges.items()):
        mine = layer_of(module)
        assert mine is not None
        for target, line in targets:
            theirs = layer_of(target)
            assert theirs is not None, target
            if theirs.name != mine.name and theirs.name not in mine.may_import:
                rel = modules[module].relative_to(ROOT)
                allowed = ", ".join(mine.may_import) or "nothing"
                upward.append(f"{rel}:{line}: {module} ({mine.name}) imports {target} ({theirs.name}); {mine.name} may import {allowed}")
    assert not upward, "imports that point up (or sideways) the layers:\n" + "\n".join(upward)


def test_no_import_cycles() -> None:
    modules, edges = graph()
    sorter = graphlib.TopologicalSorter({m: {t for t, _ in ts} for m, ts in edges.items()})
    try:
        sorter.prepare()
    except graphlib.CycleError as exc:
        cycle = exc.args[1]
        steps = []
        for a, b in zip(cycle, cycle[1:], strict=False):
            line = next(ln for t, ln in edges[b] if t == a)  # CycleError lists each node's successor backwards
            steps.append(f"{modules[b].relative_to(ROOT)}:{line}: {b} imports {a}")
        raise AssertionError("import cycle (function-level imports count):\n" + "\n".join(steps)) from None


def test_the_app_runtime_imports_nothing_of_the_tool() -> None:
    """cadb/ is what an application imports: it must work without generator/ and cli/."""
    modules, edges = graph()
    bad = [
        f"{modules[m].relative_to(ROOT)}:{line}: imports {t}"
        for m, ts in edges.items() if m.startswith("cadb") for t, line in ts if not t.startswith("cadb")
    ]
    assert not bad, "\n".join(bad)


def test_the_checker_sees_function_level_imports(tmp_path: Path) -> None:
    """The walk finds imports inside functions and resolves ``from pkg import module``."""
    modules = {"generator.pg.dbcache": tmp_path / "dbcache.py", "generator.spec.model": tmp_path / "m.py",
               "generator.spec": tmp_path / "s.py"}
    path = tmp_path / "dbcache.py"
    path.write_text("def f():\n    from generator.spec import model\n    import generator.spec.model\n")
    found = imports_of("generator.pg.dbcache", path, modules)
    assert found == [("generator.spec.model", 2), ("generator.spec.model", 3)]
    assert layer_of("generator.spec.model").name not in layer_of("generator.pg.dbcache").may_import  # type: ignore[union-attr]


def _closure(roots: list[str], edges: dict[str, list[tuple[str, int]]]) -> set[str]:
    seen: set[str] = set()
    todo = list(roots)
    while todo:
        m = todo.pop()
        if m not in seen:
            seen.add(m)
            todo += [t for t, _ in edges.get(m, [])]
    return seen


def _covered(module: str, members: tuple[str, ...], modules: dict[str, Path]) -> bool:
    rel = modules[module].relative_to(ROOT / "generator").as_posix()
    return any(rel == m or rel.startswith(m.rstrip("/") + "/") for m in members)


def test_the_code_digests_cover_what_builds_the_kept_databases() -> None:
    """The cache keys of the kept spec and head databases hash only the code that builds them
    (generator.pg.dbcache.code_digest): editing the CLI, the diff report or cadb/ keeps every
    cached database. Every module that code imports (except the PostgreSQL plumbing in pg/ and
    the error classes) must be in the list, else a change to it would reuse a stale database."""
    from generator.drift.spec_db import SPEC_BUILD_CODE
    from generator.migrate.revision import HEAD_BUILD_CODE

    modules, edges = graph()
    plumbing = (*LAYERS[1].prefixes, "generator.pg", "cadb")  # no DDL comes from these

    def missing(roots: list[str], members: tuple[str, ...], edges: dict[str, list[tuple[str, int]]]) -> list[str]:
        return sorted(
            m for m in _closure(roots, edges)
            if m.startswith("generator.") and not m.startswith(plumbing) and not _covered(m, members, modules)
        )

    spec_roots = ["generator.drift.spec_db", "generator.schema.ddl", "generator.spec"]
    assert missing(spec_roots, SPEC_BUILD_CODE, edges) == []
    # the head is built by running the revisions through migrations/env.py: what that loads
    top_level = {m: imports_of(m, p, modules, top_level_only=True) for m, p in modules.items()}
    head_roots = ["generator.migrate.env", "generator.migrate.ops", "generator.migrate.api"]
    assert missing(head_roots, HEAD_BUILD_CODE, top_level) == []
    assert not any(m.startswith(("cli", "cadb", "generator/drift/report")) for m in SPEC_BUILD_CODE + HEAD_BUILD_CODE)
