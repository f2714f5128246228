"""Load and validate schema.yaml: YAML with positions, JSON Schema, then semantic checks.

``load_spec(path)`` returns a ``Spec`` or raises ``SpecError`` listing every problem.
"""

from __future__ import annotations

from pathlib import Path

from generator.errors import SpecError
from generator.spec.model import Spec, build_settings, build_spec
from generator.spec.source import Source, capped, gc_paused, load_yaml, read_text

__all__ = ["Spec", "load_spec", "parse_spec", "read_source"]


def read_source(path: Path | str, display: str | None = None) -> tuple[Source, list]:
    """Read and parse a YAML file. ConfigError if it does not exist; SpecError (one problem at
    FILE:1:1, or where the text stops being UTF-8) if it is not a regular file, is too large,
    cannot be read or is not UTF-8 (``generator.spec.source.read_text``)."""
    name = display or str(path)
    return load_yaml(read_text(path, name), name)


def parse_spec(text: str, file: str = "schema.yaml") -> Spec:
    """Validate YAML text as a spec; raise SpecError with every problem."""
    with gc_paused():
        source, problems = load_yaml(text, file)
        return _validated(source, problems)


def load_spec(path: Path | str, display: str | None = None) -> Spec:
    """Read, parse and validate a spec file; raise SpecError with every problem."""
    with gc_paused():
        source, problems = read_source(path, display)
        return _validated(source, problems)


def _validated(source: Source, problems: list) -> Spec:
    from generator.spec.checks import check_spec, missing_comments
    from generator.spec.jsonschema_errors import VERBATIM_SCHEMA, schema_problems

    if source.data is None:
        raise SpecError(problems)
    verbatim = build_settings(source.data).verbatim
    schema = schema_problems(source, VERBATIM_SCHEMA if verbatim else "schema")
    schema += missing_comments(source)
    if schema or problems:
        # Still report what the semantic checks can see, so one run shows every problem;
        # on data this malformed a check may trip over a missing piece, and then we stop.
        try:
            semantic = check_spec(build_spec(source.data, source.file), source)
        except Exception:
            semantic = []
        raise SpecError(capped(problems + schema + semantic))
    spec = build_spec(source.data, source.file)
    semantic = check_spec(spec, source)
    if semantic:
        raise SpecError(capped(semantic))
    source.release()  # positions are needed only for problems; they come back from the text
    object.__setattr__(spec, "source", source)
    return spec
