"""No function or class of the tool or the runtime is defined and then never named again.

A quick textual check (issue 14: a dead drift helper survived a refactoring): every
undecorated top-level function, class and method of generator/, cli/ and cadb/ must be named
somewhere else in the source, the migrations, the tests or the docs. Decorated ones are
registered (typer commands, Alembic dispatch) and are skipped.
"""

from __future__ import annotations

import ast
import re
from collections import Counter
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
CODE = ("generator", "cli", "cadb")


def _texts() -> list[str]:
    paths = [p for d in (*CODE, "migrations", "tests") for p in (REPO / d).rglob("*.py")]
    paths += [*(REPO / "docs").rglob("*.md"), REPO / "README.md", REPO / "pyproject.toml"]
    return [p.read_text(encoding="utf-8") for p in paths if "__pycache__" not in p.parts]


def _definitions() -> list[tuple[str, str]]:
    found = []
    for path in sorted(p for d in CODE for p in (REPO / d).rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in tree.body:
            nodes = [node]
            if isinstance(node, ast.ClassDef):
                nodes += node.body
            for n in nodes:
                kinds = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)
                if isinstance(n, kinds) and not n.decorator_list and not n.name.startswith("__"):
                    found.append((f"{path.relative_to(REPO)}:{n.lineno}", n.name))
    return found


def test_every_definition_is_used_somewhere() -> None:
    words = Counter(w for t in _texts() for w in re.findall(r"[A-Za-z_]\w*", t))
    # a name seen once is only its own definition
    unused = [f"{where} {name}" for where, name in _definitions() if words[name] <= 1]
    assert not unused, "defined but never used (delete them):\n" + "\n".join(unused)
