"""Load YAML while remembering where every value came from.

PyYAML's ``safe_load`` loses positions and silently keeps the last of two duplicate keys.
Here we compose the node tree ourselves: every mapping key and value gets a 1-based
(line, column) under its JSON path, and duplicate keys become problems instead of data loss.

Speed: the node tree is composed by libyaml (PyYAML's C parser) when it is available, which
is about six times faster than the pure-Python parser; the positions are the same, since both
count characters. Any YAML error is re-parsed with the pure-Python parser, so the messages
and their positions are always PyYAML's. The position index (``Source.values``/``keys``) is
built lazily, the first time a problem needs a position: a valid spec never pays for it.
"""

from __future__ import annotations

import datetime
import gc
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import yaml

from generator.errors import Problem

Path = tuple[str | int, ...]

try:
    _FastLoader: Any = yaml.CSafeLoader
except AttributeError:  # pragma: no cover - PyYAML built without libyaml
    _FastLoader = yaml.SafeLoader

_STR_TAG = "tag:yaml.org,2002:str"
_NULL_TAG = "tag:yaml.org,2002:null"


class Source:
    """A parsed YAML document plus the position of every node in it.

    ``values`` and ``keys`` map a JSON path to a 1-based (line, column); they are computed on
    first use from the node tree (or, for a Source restored from the spec cache, from ``text``).
    """

    def __init__(
        self,
        file: str,
        data: Any,
        values: dict[Path, tuple[int, int]] | None = None,
        keys: dict[Path, tuple[int, int]] | None = None,
        *,
        text: str | None = None,
        root: yaml.Node | None = None,
    ) -> None:
        self.file = file
        self.data = data
        self.text = text
        self._root = root
        self._values = values
        self._keys = keys

    def __repr__(self) -> str:
        return f"Source(file={self.file!r})"

    def __getstate__(self) -> dict[str, Any]:
        # The node tree and the position index are rebuilt from the text when needed.
        return {"file": self.file, "data": self.data, "text": self.text}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__init__(state["file"], state["data"], text=state["text"])  # type: ignore[misc]

    @property
    def values(self) -> dict[Path, tuple[int, int]]:
        if self._values is None:
            self._index()
        assert self._values is not None
        return self._values

    @property
    def keys(self) -> dict[Path, tuple[int, int]]:
        if self._keys is None:
            self._index()
        assert self._keys is not None
        return self._keys

    def release(self) -> None:
        """Drop the node tree (positions can still be recovered from the text)."""
        self._root = None

    def _index(self) -> None:
        values: dict[Path, tuple[int, int]] = {} if self._values is None else self._values
        keys: dict[Path, tuple[int, int]] = {} if self._keys is None else self._keys
        root = self._root
        if root is None and self.text is not None:
            try:
                root = _compose(self.text)[0]
            except (yaml.YAMLError, IndexError):
                root = None
        if root is not None:
            _index_node(root, (), values, keys)
        self._values, self._keys = values, keys

    def position(self, path: Path, *, key: bool = False) -> tuple[int, int]:
        """Best position for ``path``: its key (if asked and known), else its value, else the nearest parent."""
        values, keys = self.values, self.keys
        p = tuple(path)
        while True:
            if key and p in keys:
                return keys[p]
            if p in values:
                return values[p]
            if p in keys:
                return keys[p]
            if not p:
                return (1, 1)
            p = p[:-1]

    def problem(self, path: Path, message: str, *, key: bool = False) -> Problem:
        line, col = self.position(path, key=key)
        return Problem(self.file, line, col, message)


@contextmanager
def gc_paused() -> Iterator[None]:
    """Pause Python's cyclic garbage collector while building a large tree of objects.

    Composing a 1,000-table spec allocates over a million objects; every few thousand
    allocations the collector walks all live ones, which doubled the time to load a spec and
    to build its MetaData. What these steps discard is freed by reference counting anyway
    (node trees hold no cycles); the collector runs again as soon as the block ends.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if keep_for_process:
            # Re-enabled, the collector would first walk every object just built (a third of
            # a second for 1,000 tables); a short-lived process that keeps them all to its
            # end (the CLI) moves them out of its reach instead.
            gc.freeze()
        if was_enabled:
            gc.enable()


# Set by the CLI's entry point only (never by library code or tests): see gc_paused.
keep_for_process = False


def _mark(node: yaml.Node) -> tuple[int, int]:
    return (node.start_mark.line + 1, node.start_mark.column + 1)


def _index_node(
    node: yaml.Node, path: Path, values: dict[Path, tuple[int, int]], keys: dict[Path, tuple[int, int]]
) -> None:
    """Record the position of ``node`` and everything under it, as ``_Builder`` reads the tree:
    a duplicate or non-string key, and everything under it, is skipped."""
    values[path] = _mark(node)
    if isinstance(node, yaml.MappingNode):
        seen: set[str] = set()
        for key_node, value_node in node.value:
            key = _key_text(key_node)
            if key is None or key in seen:
                continue
            seen.add(key)
            keys[path + (key,)] = _mark(key_node)
            _index_node(value_node, path + (key,), values, keys)
    elif isinstance(node, yaml.SequenceNode):
        for i, child in enumerate(node.value):
            _index_node(child, path + (i,), values, keys)


class _Builder:
    """Node tree -> plain JSON-shaped data; duplicate and non-string keys become problems."""

    def __init__(self, file: str) -> None:
        self.file = file
        self.problems: list[Problem] = []
        self._constructor = yaml.SafeLoader("")

    def build(self, node: yaml.Node) -> Any:
        if isinstance(node, yaml.ScalarNode):
            if node.tag == _STR_TAG:
                return node.value
            return self._scalar(node)
        if isinstance(node, yaml.MappingNode):
            out: dict[str, Any] = {}
            first_seen: dict[str, yaml.Node] = {}
            for key_node, value_node in node.value:
                key = _key_text(key_node)
                if key is None:
                    line, col = _mark(key_node)
                    self.problems.append(Problem(self.file, line, col, "mapping keys must be plain strings"))
                    continue
                if key in first_seen:
                    line, col = _mark(key_node)
                    fl, fc = _mark(first_seen[key])
                    self.problems.append(
                        Problem(self.file, line, col, f"duplicate key {key!r} (first defined at line {fl}, column {fc})")
                    )
                    continue
                first_seen[key] = key_node
                out[key] = self.build(value_node)
            return out
        if isinstance(node, yaml.SequenceNode):
            return [self.build(child) for child in node.value]
        return self._scalar(node)  # pragma: no cover - the three node kinds are exhaustive

    def _scalar(self, node: yaml.Node) -> Any:
        value = self._constructor.construct_object(node, deep=True)
        if isinstance(value, (datetime.date, bytes)):
            return node.value  # keep dates and binary as the text written: the spec is JSON-shaped
        return value


def _key_text(node: yaml.Node) -> str | None:
    """A mapping key as written (``on:`` stays "on", not True); None for null or collection keys."""
    if isinstance(node, yaml.ScalarNode) and node.tag != _NULL_TAG:
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


def _compose(text: str) -> list[yaml.Node]:
    """Every document's node tree: libyaml first; on any error, PyYAML's own parser says why."""
    try:
        return list(yaml.compose_all(text, Loader=_FastLoader))
    except yaml.YAMLError:
        if _FastLoader is yaml.SafeLoader:  # pragma: no cover - no libyaml
            raise
    return list(yaml.compose_all(text, Loader=yaml.SafeLoader))


def load_yaml(text: str, file: str) -> tuple[Source, list[Problem]]:
    """Parse ``text``; return the source (data may be None on a syntax error) and the problems found."""
    source = Source(file=file, data=None, text=text)
    try:
        nodes = _compose(text)
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
    if isinstance(root, yaml.ScalarNode) and root.tag == _NULL_TAG:
        # "---" alone or "null": data would be None, which callers read as "could not parse"
        if not root.value:
            return source, [Problem(file, 1, 1, "the file is empty")]
        line, col = _mark(root)
        return source, [Problem(file, line, col, "top level: expected a mapping, got null")]
    source._root = root
    builder = _Builder(file)
    try:
        source.data = builder.build(root)
    except yaml.constructor.ConstructorError as exc:
        mark = exc.problem_mark
        line, col = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        return source, [Problem(file, line, col, f"YAML error: {exc.problem}")]
    return source, builder.problems
