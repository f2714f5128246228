"""Load YAML while remembering where every value came from, within fixed bounds.

PyYAML's ``safe_load`` loses positions and silently keeps the last of two duplicate keys.
Here we compose the node tree ourselves: every mapping key and value gets a 1-based
(line, column) under its JSON path, and duplicate keys become problems instead of data loss.

Bounds: a spec or seeds file is untrusted input until a pull request is merged (CI runs
``validate``, ``generate --check`` and ``diff`` on it), so what a file may cost is bounded
before anything big is built. ``read_text`` reads regular files only (never a device, FIFO or
directory), at most ``MAX_BYTES``; ``load_yaml`` refuses YAML anchors and aliases (a few
hundred bytes of nested aliases expand to gigabytes), more than ``MAX_NODES`` nodes, and
collections nested more than ``MAX_DEPTH`` deep, and numbers longer than ``MAX_NUMBER_CHARS``
(YAML 1.1's base-60 integers, and PyYAML's tag regexes on a long plain value, cost quadratic
time or memory). Each refusal is one positioned problem; ``capped`` lists at most
``MAX_PROBLEMS`` problems of one file.

Speed: the node tree is composed by libyaml (PyYAML's C parser) when it is available, which
is about six times faster than the pure-Python parser; positions count characters. The
anchor and node-count scan (libyaml's event stream, no tree) runs only when the text could
hold an anchor or more nodes than allowed, so a normal spec never pays for it. Syntax errors
are libyaml's, reworded (``_syntax_problem``). The position index (``Source.values``/``keys``)
is built lazily, the first time a problem needs a position: a valid spec never pays for it.
"""

from __future__ import annotations

import datetime
import gc
import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path as FilePath
from typing import Any

import yaml

from generator.errors import Problem, SpecError
from generator.safe_files import MAX_BYTES, read_bytes, too_big  # noqa: F401 (read_bytes: for callers of this module)

Path = tuple[str | int, ...]

try:
    _FastLoader: Any = yaml.CSafeLoader
except AttributeError:  # pragma: no cover - PyYAML built without libyaml
    _FastLoader = yaml.SafeLoader

_STR_TAG = "tag:yaml.org,2002:str"
_NULL_TAG = "tag:yaml.org,2002:null"

# What one YAML file may cost. The 1,000-table benchmark spec is 1.6 MB, 140,000 nodes and
# 7 levels deep (a jsonb default adds its own levels); loading it peaks near 70 MB.
MAX_NODES = 250_000
MAX_DEPTH = 64
MAX_PROBLEMS = 500  # listed per file: a real spec never has so many; a generated or hostile one stops there
MAX_NUMBER_CHARS = 1100  # numeric(1000, s) written out in full, with room for a sign and underscores

_NUMBER_TAGS = ("tag:yaml.org,2002:int", "tag:yaml.org,2002:float")
_LONG_NUMBER = f"a number of more than {MAX_NUMBER_CHARS:,} characters; quote it to make it a string"


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
        return Problem(self.file, line, col, one_line(message))


def capped(problems: list[Problem]) -> list[Problem]:
    """The first ``MAX_PROBLEMS`` problems (in file order), and one more saying how many were left out."""
    if len(problems) <= MAX_PROBLEMS:
        return problems
    ordered = sorted(problems)
    first_left_out = ordered[MAX_PROBLEMS]
    note = Problem(
        first_left_out.file, first_left_out.line, first_left_out.column,
        f"more problems not listed: only the first {MAX_PROBLEMS} are; fix these and run again",
    )
    return ordered[:MAX_PROBLEMS] + [note]


_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")


def one_line(message: str) -> str:
    """``message`` with control characters and line breaks written as escapes: a name from the
    file (``jobs\\n``) must not break a FILE:LINE:COL line in two."""
    if not _CONTROL.search(message):
        return message
    return _CONTROL.sub(lambda m: repr(m.group(0))[1:-1], message)


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
    a duplicate or non-string key, and everything under it, is skipped. Only trees that
    ``_Builder`` accepted get here, so the recursion is at most ``MAX_DEPTH`` deep."""
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


class _Refused(Exception):
    """A node the builder will not read; ``problem`` says where and why."""

    def __init__(self, problem: Problem) -> None:
        super().__init__(problem.message)
        self.problem = problem


def _too_deep(file: str, line: int, column: int) -> Problem:
    return Problem(
        file, line, column,
        f"nested more than {MAX_DEPTH} levels deep; schemactl reads at most {MAX_DEPTH} levels of lists and mappings",
    )


class _Builder:
    """Node tree -> plain JSON-shaped data; duplicate and non-string keys become problems."""

    def __init__(self, file: str) -> None:
        self.file = file
        self.problems: list[Problem] = []
        self._constructor = yaml.SafeLoader("")

    def build(self, node: yaml.Node, depth: int = 0) -> Any:
        """``depth``: how many lists and mappings enclose ``node``."""
        if isinstance(node, yaml.ScalarNode):
            if node.tag == _STR_TAG:
                return node.value
            return self._scalar(node)
        if depth >= MAX_DEPTH:
            raise _Refused(_too_deep(self.file, *_mark(node)))
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
                out[key] = self.build(value_node, depth + 1)
            return out
        if isinstance(node, yaml.SequenceNode):
            return [self.build(child, depth + 1) for child in node.value]
        return self._scalar(node)  # pragma: no cover - the three node kinds are exhaustive

    def _scalar(self, node: yaml.Node) -> Any:
        if node.tag == _LONG_NUMBER_TAG or (node.tag in _NUMBER_TAGS and len(node.value) > MAX_NUMBER_CHARS):
            # YAML 1.1 reads 1:2:3 as a base-60 integer, in time quadratic in its length (1 MB:
            # ten minutes), and Python refuses to print an int of more than 4,300 digits.
            raise _Refused(Problem(self.file, *_mark(node), _LONG_NUMBER))
        try:
            value = self._constructor.construct_object(node, deep=True)
        except (ValueError, OverflowError) as exc:  # e.g. a base-60 float too large for a float
            raise _Refused(Problem(self.file, *_mark(node), f"cannot read this value ({exc}); quote it to make it a string")) from None
        if isinstance(value, (datetime.date, bytes)):
            return node.value  # keep dates and binary as the text written: the spec is JSON-shaped
        return value


def _key_text(node: yaml.Node) -> str | None:
    """A mapping key as written (``on:`` stays "on", not True); None for null or collection keys."""
    if isinstance(node, yaml.ScalarNode) and node.tag != _NULL_TAG:
        return node.value
    return None


# ---------------------------------------------------------------------- reading the file


def read_text(path: FilePath | str, name: str) -> str:
    """The text of the YAML file at ``path`` (shown as ``name``), newlines translated as
    ``Path.read_text`` does; ConfigError if it does not exist, SpecError (one problem) if it
    is not a regular file, is over ``MAX_BYTES``, cannot be read, or is not UTF-8."""
    return decode(read_bytes(path, name), name)


def decode(data: bytes, name: str) -> str:
    """UTF-8 text with ``\\r\\n`` and ``\\r`` read as ``\\n`` (as ``Path.read_text`` does);
    SpecError at the line and column of the first byte that is not UTF-8."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line_start = data.rfind(b"\n", 0, exc.start) + 1
        line = data.count(b"\n", 0, exc.start) + 1
        column = len(data[line_start : exc.start].decode("utf-8", "replace")) + 1
        bad = data[exc.start : exc.end]
        raise SpecError(
            [Problem(name, line, column, f"not UTF-8 text (byte 0x{bad[0]:02x}); save the file as UTF-8")]
        ) from None
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    return text


# ---------------------------------------------------------------------- bounds and syntax errors


_NODE_INDICATORS = ":,-[{?"


def _may_exceed_bounds(text: str) -> bool:
    """Whether ``text`` could hold an anchor or more than ``MAX_NODES`` nodes.

    Every node but the document's root is introduced by one of ``:,-[{?`` (a mapping value or
    key, a list item, a flow entry), and one such character introduces at most three nodes
    (``- a: b`` : a mapping, its key and its value), so ``1 + 3 * count`` bounds the node count.
    """
    if "&" in text or _FastLoader is yaml.SafeLoader:
        return True
    return 1 + 3 * sum(text.count(c) for c in _NODE_INDICATORS) > MAX_NODES


def _scan_bounds(text: str, file: str) -> Problem | None:
    """The first anchor, alias, node over ``MAX_NODES`` or collection over ``MAX_DEPTH``, from
    libyaml's event stream (no tree is built); None if there is none or the text does not
    parse (composing it then says why)."""
    nodes = 0
    depth = 0
    try:
        for event in yaml.parse(text, Loader=_FastLoader):
            if isinstance(event, yaml.CollectionEndEvent):
                depth -= 1
                continue
            if not isinstance(event, yaml.NodeEvent):
                continue
            if isinstance(event, yaml.AliasEvent) or event.anchor is not None:
                return _anchor_problem(file, event.start_mark)
            nodes += 1
            if nodes > MAX_NODES:
                m = event.start_mark
                return Problem(
                    file, m.line + 1, m.column + 1,
                    f"more than {MAX_NODES:,} YAML values; schemactl reads at most {MAX_NODES:,} per file",
                )
            if isinstance(event, yaml.CollectionStartEvent):
                if depth >= MAX_DEPTH:
                    return _too_deep(file, event.start_mark.line + 1, event.start_mark.column + 1)
                depth += 1
    except yaml.YAMLError:
        return None
    return None


def _anchor_problem(file: str, mark: Any) -> Problem:
    return Problem(
        file, mark.line + 1, mark.column + 1,
        "YAML anchors and aliases (&name, *name) are not allowed; write the value out in full",
    )


def _found(text: str, mark: Any) -> str:
    """What the parser found at ``mark``, for a message: a character, a word, or the end of the file."""
    rest = text[mark.index :] if mark is not None and 0 <= mark.index <= len(text) else ""
    if not rest.strip():
        return "the end of the file"
    rest = rest.lstrip(" ")
    if rest[0] == "\n":
        return "the end of the line"
    word = re.match(r"[^\s:,\[\]{}#]+", rest)
    if word:
        return repr(word.group(0)[:30])
    return repr(rest[0])


def _open_bracket(text: str, error_at: int) -> tuple[str, Any] | None:
    """The innermost ``[`` or ``{`` still open where libyaml stopped (``error_at``: a character
    index), found by replaying libyaml's events up to the error."""
    stack: list[tuple[str, Any]] = []
    try:
        for event in yaml.parse(text, Loader=_FastLoader):
            if isinstance(event, yaml.CollectionStartEvent) and event.flow_style:
                stack.append(("[" if isinstance(event, yaml.SequenceStartEvent) else "{", event.start_mark))
            elif isinstance(event, yaml.CollectionEndEvent) and stack and event.start_mark.index < error_at:
                if text[event.start_mark.index : event.start_mark.index + 1] in ("]", "}"):
                    stack.pop()
    except yaml.YAMLError:
        pass
    return stack[-1] if stack else None


def _syntax_problem(exc: yaml.MarkedYAMLError, text: str, file: str) -> Problem:
    """libyaml's complaint, in words that say what to fix, at the place to fix it."""
    mark = exc.problem_mark or exc.context_mark
    line, col = (mark.line + 1, mark.column + 1) if mark else (1, 1)
    problem = exc.problem or "invalid YAML"
    context = exc.context or ""
    found = _found(text, exc.problem_mark)
    at = f"at line {line}, column {col}"
    if "nesting depth" in problem:  # libyaml's own limit (1,000): say where ours was passed
        return _scan_bounds(text, file) or _too_deep(file, line, col)
    if "quoted scalar" in context and "end of stream" in problem and exc.context_mark is not None:
        cm = exc.context_mark
        quote = text[cm.index : cm.index + 1] or '"'
        return Problem(file, cm.line + 1, cm.column + 1, f"YAML syntax error: this quoted value is never closed (no closing {quote})")
    if "unknown escape" in problem and mark is not None:
        escape = text[mark.index : mark.index + 2]
        return Problem(
            file, line, col,
            f"YAML syntax error: unknown escape {escape} in a double-quoted value; write \\\\ for a backslash, or use single quotes",
        )
    if "undefined alias" in problem or "duplicate anchor" in context:
        return _anchor_problem(file, mark)
    if "tab" in problem or (mark is not None and text[mark.index : mark.index + 1] == "\t"):
        return Problem(file, line, col, "YAML syntax error: a tab character; indent YAML with spaces only")
    if context.startswith(("while parsing a flow sequence", "while parsing a flow mapping")) and exc.context_mark is not None:
        # Point at the bracket that is never closed, not where the parser gave up.
        bracket, close = ("[", "]") if "sequence" in context else ("{", "}")
        cm = exc.context_mark
        return Problem(
            file, cm.line + 1, cm.column + 1,
            f"YAML syntax error: this {bracket!r} is never closed (expected ',' or {close!r}, but got {found} {at})",
        )
    if found in ("']'", "'}'") and (context.startswith("while parsing a block") or "expected node content" in problem):
        opener = "[" if found == "']'" else "{"
        if context.startswith("while parsing a flow node"):
            open_ = _open_bracket(text, mark.index)
            if open_ is not None and open_[0] != opener:
                bracket, bm = open_
                close = "]" if bracket == "[" else "}"
                return Problem(
                    file, bm.line + 1, bm.column + 1,
                    f"YAML syntax error: this {bracket!r} is never closed (expected a value or {close!r}, but got {found} {at})",
                )
            return Problem(file, line, col, f"YAML syntax error: expected a value before {found}")
        return Problem(file, line, col, f"YAML syntax error: {found} closes nothing (no {opener!r} is open here)")
    if context.startswith("while parsing a flow node") and mark is not None:
        open_ = _open_bracket(text, mark.index)
        if open_ is not None:
            bracket, bm = open_
            close = "]" if bracket == "[" else "}"
            return Problem(
                file, bm.line + 1, bm.column + 1,
                f"YAML syntax error: this {bracket!r} is never closed (expected a value or {close!r}, but got {found} {at})",
            )
        return Problem(file, line, col, f"YAML syntax error: expected a value, but got {found}")
    if "simple key" in context and "expected ':'" in problem and exc.context_mark is not None:
        cm = exc.context_mark  # the line that lacks its ':', not the next one where libyaml gave up
        return Problem(file, cm.line + 1, cm.column + 1, "YAML syntax error: expected 'key: value' here, but this line has no ':'")
    if "expected key" in problem or "expected <block end>" in problem:
        return Problem(file, line, col, "YAML syntax error: bad indentation; line this key up with the keys around it")
    if "expected '-' indicator" in problem:
        return Problem(file, line, col, "YAML syntax error: bad indentation; inside a list every line at this indentation starts with '- '")
    if "mapping values are not allowed" in problem:
        return Problem(file, line, col, "YAML syntax error: mapping values are not allowed here (quote a value that contains ': ')")
    if "cannot start any token" in problem:
        char = text[mark.index] if mark is not None and mark.index < len(text) else "?"
        return Problem(file, line, col, f"YAML syntax error: {char!r} cannot start a value; quote the value")
    what = f"{context}, {problem}" if context else problem
    return Problem(file, line, col, f"YAML syntax error: {what}")


def _reader_problem(exc: yaml.reader.ReaderError, text: str, file: str) -> Problem:
    """A character YAML does not allow in a file (libyaml counts UTF-8 bytes, PyYAML characters)."""
    index = exc.position
    if _FastLoader is not yaml.SafeLoader:
        index = len(text.encode("utf-8", "surrogatepass")[: exc.position].decode("utf-8", "replace"))
    line = text.count("\n", 0, index) + 1
    column = index - (text.rfind("\n", 0, index) + 1) + 1
    char = exc.character if isinstance(exc.character, str) else chr(exc.character)
    return Problem(
        file, line, column,
        f"YAML syntax error: control character U+{ord(char):04X} is not allowed; write it as an escape in a double-quoted string",
    )


_NUMBER_LIKE = re.compile(r"[0-9_:.+\-eExXoObBa-fA-F]*\Z")
_LONG_NUMBER_TAG = "tag:schemactl,2026:long-number"


class _Loader(_FastLoader):  # type: ignore[misc,valid-type]
    """libyaml's loader, whose tag resolution does not run PyYAML's regexes on long plain values.

    The int regex (``1:2:3`` is a base-60 integer in YAML 1.1) keeps a backtracking mark per
    repetition: 4 MB of ``1:1:1...`` took 265 MB to resolve. A plain value longer than any
    number schemactl reads is a string, or, if it looks like a number, a problem (``_Builder``).
    """

    def __init__(self, stream: Any) -> None:
        super().__init__(stream)
        # A plain scalar's tag depends on its text alone (SafeLoader has no path resolvers),
        # and a spec repeats the same few hundred words (``type``, ``text``, ``comment``, ...)
        # over 100,000 times: each is resolved once per file. Cleared with the loader.
        self._plain_tags: dict[str, str] = {}

    def resolve(self, kind: Any, value: Any, implicit: Any) -> str:
        if kind is yaml.ScalarNode and implicit[0]:
            tag = self._plain_tags.get(value)
            if tag is not None:
                return tag
            if len(value) > MAX_NUMBER_CHARS:
                return _LONG_NUMBER_TAG if _NUMBER_LIKE.match(value) else _STR_TAG
            tag = super().resolve(kind, value, implicit)
            if not self.yaml_path_resolvers:
                self._plain_tags[value] = tag
            return tag
        return super().resolve(kind, value, implicit)


def _compose(text: str) -> list[yaml.Node]:
    """Every document's node tree (libyaml's, when PyYAML has it)."""
    return list(yaml.compose_all(text, Loader=_Loader))


def load_yaml(text: str, file: str) -> tuple[Source, list[Problem]]:
    """Parse ``text``; return the source (data may be None on a syntax error) and the problems found."""
    source = Source(file=file, data=None, text=text)
    if len(text) > MAX_BYTES:
        return source, [too_big(file).problems[0]]
    if _may_exceed_bounds(text):
        refused = _scan_bounds(text, file)
        if refused is not None:
            return source, [refused]
    try:
        nodes = _compose(text)
    except yaml.MarkedYAMLError as exc:
        return source, [_syntax_problem(exc, text, file)]
    except yaml.reader.ReaderError as exc:
        return source, [_reader_problem(exc, text, file)]
    except yaml.YAMLError as exc:  # pragma: no cover - every YAML error is one of the two above
        return source, [Problem(file, 1, 1, f"YAML error: {exc}")]
    except UnicodeEncodeError as exc:  # a lone surrogate in text given as a str (never from a file)
        return source, [Problem(file, 1, 1, f"YAML syntax error: not valid Unicode ({exc.reason})")]
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
    builder = _Builder(file)
    try:
        source.data = builder.build(root)
    except _Refused as exc:
        return source, [exc.problem]
    except yaml.constructor.ConstructorError as exc:
        mark = exc.problem_mark
        line, col = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        return source, [Problem(file, line, col, f"YAML error: {exc.problem}")]
    source._root = root
    return source, builder.problems
