"""Load YAML while remembering where every value came from.

PyYAML's ``safe_load`` loses positions and silently keeps the last of two duplicate keys.
Here we compose the node tree ourselves: every mapping key and value gets a 1-based
(line, column) under its JSON path, and duplicate keys become problems instead of data loss.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from typing import Any

import yaml

from generator.errors import Problem

Path = tuple[str | int, ...]


@dataclass
class Source:
    """A parsed YAML document plus the position of every node in it."""

    file: str
    data: Any
    values: dict[Path, tuple[int, int]] = field(default_factory=dict)
    keys: dict[Path, tuple[int, int]] = field(default_factory=dict)

    def position(self, path: Path, *, key: bool = False) -> tuple[int, int]:
        """Best position for ``path``: its key (if asked and known), else its value, else the nearest parent."""
        p = tuple(path)
        while True:
            if key and p in self.keys:
                return self.keys[p]
            if p in self.values:
                return self.values[p]
            if p in self.keys:
                return self.keys[p]
            if not p:
                return (1, 1)
            p = p[:-1]

    def problem(self, path: Path, message: str, *, key: bool = False) -> Problem:
        line, col = self.position(path, key=key)
        return Problem(self.file, line, col, message)


def _mark(node: yaml.Node) -> tuple[int, int]:
    return (node.start_mark.line + 1, node.start_mark.column + 1)


class _Builder:
    def __init__(self, source: Source) -> None:
        self.source = source
        self.problems: list[Problem] = []
        self._constructor = yaml.SafeLoader("")

    def build(self, node: yaml.Node, path: Path) -> Any:
        self.source.values[path] = _mark(node)
        if isinstance(node, yaml.MappingNode):
            out: dict[str, Any] = {}
            first_seen: dict[Any, tuple[int, int]] = {}
            for key_node, value_node in node.value:
                key = _key_text(key_node)
                if key is None:
                    line, col = _mark(key_node)
                    self.problems.append(Problem(self.source.file, line, col, "mapping keys must be plain strings"))
                    continue
                if key in first_seen:
                    line, col = _mark(key_node)
                    fl, fc = first_seen[key]
                    self.problems.append(
                        Problem(self.source.file, line, col, f"duplicate key {key!r} (first defined at line {fl}, column {fc})")
                    )
                    continue
                first_seen[key] = _mark(key_node)
                self.source.keys[path + (key,)] = _mark(key_node)
                out[key] = self.build(value_node, path + (key,))
            return out
        if isinstance(node, yaml.SequenceNode):
            return [self.build(child, path + (i,)) for i, child in enumerate(node.value)]
        return self._scalar(node)

    def _scalar(self, node: yaml.Node) -> Any:
        value = self._constructor.construct_object(node, deep=True)
        if isinstance(value, (datetime.date, bytes)):
            return node.value  # keep dates and binary as the text written: the spec is JSON-shaped
        return value


def _key_text(node: yaml.Node) -> str | None:
    """A mapping key as written (``on:`` stays "on", not True); None for null or collection keys."""
    if isinstance(node, yaml.ScalarNode) and node.tag != "tag:yaml.org,2002:null":
        return node.value
    return None


def _syntax_problem(exc: yaml.MarkedYAMLError, file: str) -> Problem:
    """PyYAML's parser wording, translated for the three mistakes people make most."""
    mark = exc.problem_mark or exc.context_mark
    line, col = (mark.line + 1, mark.column + 1) if mark else (1, 1)
    problem = exc.problem or "invalid YAML"
    context = exc.context or ""
    if "'\\t'" in problem:
        return Problem(file, line, col, "YAML syntax error: a tab character; indent YAML with spaces only")
    if context.startswith("while parsing a flow ") and exc.context_mark is not None:
        # Point at the bracket that is never closed, not where the parser gave up.
        bracket = "[" if "sequence" in context else "{"
        cm = exc.context_mark
        return Problem(
            file, cm.line + 1, cm.column + 1,
            f"YAML syntax error: this {bracket!r} is never closed ({problem} at line {line}, column {col})",
        )
    if "expected <block end>" in problem:
        return Problem(file, line, col, "YAML syntax error: bad indentation; line this key up with the keys around it")
    what = f"{context}, {problem}" if context else problem
    return Problem(file, line, col, f"YAML syntax error: {what}")


def load_yaml(text: str, file: str) -> tuple[Source, list[Problem]]:
    """Parse ``text``; return the source (data may be None on a syntax error) and the problems found."""
    source = Source(file=file, data=None)
    try:
        nodes = list(yaml.compose_all(text, Loader=yaml.SafeLoader))
    except yaml.MarkedYAMLError as exc:
        return source, [_syntax_problem(exc, file)]
    except yaml.YAMLError as exc:  # pragma: no cover - reader errors (bad bytes) without marks
        return source, [Problem(file, 1, 1, f"YAML error: {exc}")]
    if not nodes or nodes[0] is None:
        return source, [Problem(file, 1, 1, "the file is empty")]
    if len(nodes) > 1:
        line, col = _mark(nodes[1])
        return source, [Problem(file, line, col, "expected one YAML document, found several")]
    root = nodes[0]
    if isinstance(root, yaml.ScalarNode) and root.tag == "tag:yaml.org,2002:null":
        # "---" alone or "null": data would be None, which callers read as "could not parse"
        if not root.value:
            return source, [Problem(file, 1, 1, "the file is empty")]
        line, col = _mark(root)
        return source, [Problem(file, line, col, "top level: expected a mapping, got null")]
    builder = _Builder(source)
    try:
        source.data = builder.build(nodes[0], ())
    except yaml.constructor.ConstructorError as exc:
        mark = exc.problem_mark
        line, col = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        return source, [Problem(file, line, col, f"YAML error: {exc.problem}")]
    return source, builder.problems
