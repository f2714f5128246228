"""Option values typer would coerce through pydantic, answered without it where the answer is
certain.

typer 0.29 coerces every option value through a pydantic ``TypeAdapter``: importing pydantic
and building the adapters is about 0.2 s of every command (``python -X importtime``:
``typer._adapters`` 94 ms, then an adapter per option; ``schemactl validate`` 0.45 s with
them, 0.23 s without). Our options are strings, paths,
flags and ``--format`` choices; for those a value typer would accept has one answer, which
typer's own functions give without pydantic:

- ``str`` given a ``str``: the value itself (``typer._adapters._parse_cli_str``);
- an Enum given a ``str`` that names a member: ``typer._param_types.coerce_cli_choice``;
- a ``Path`` given a ``str``: ``typer._param_types.coerce_cli_path`` (its existence, file,
  directory, readable and writable checks), on ``Path(value)`` as pydantic would build it.

Anything else (numbers, lists, files, custom parsers, bytes) and every value one of those
refuses goes to typer's own coercion, so what is accepted, what is refused and every message
stay typer's (tests/unit/test_fast_options.py compares the two on every option of every
command).
"""

from __future__ import annotations

from enum import Enum
from pathlib import Path
from typing import Any

_UNSURE = object()


class _Coercion:
    """A ``typer._coercion.RuntimeParam`` (its one method, ``coerce``) for one parameter."""

    def __init__(self, descriptor: Any) -> None:
        self._descriptor = descriptor
        self._typer: Any = None

    def coerce(self, value: Any, param: Any, ctx: Any) -> Any:
        found = certain(self._descriptor, value, param, ctx)
        if found is not _UNSURE:
            return found
        return self.typer().coerce(value, param=param, ctx=ctx)

    def typer(self) -> Any:
        """typer's own coercion of this parameter (pydantic's, built on first use)."""
        if self._typer is None:
            from typer._coercion import build_runtime_param

            self._typer = build_runtime_param(self._descriptor)
        return self._typer


def certain(descriptor: Any, value: Any, param: Any, ctx: Any) -> Any:
    """What typer would return for ``value``, or ``_UNSURE`` (then typer decides)."""
    if param.multiple or param.nargs == -1:
        return _UNSURE
    if value is None:
        return None  # as typer's RuntimeParam.coerce
    info = descriptor.parameter_info
    annotation = descriptor.annotation
    if descriptor.file_annotation is not None or info.parser is not None or not isinstance(value, str):
        return _UNSURE
    if annotation is str:
        return value
    if isinstance(annotation, type) and issubclass(annotation, Enum):
        from typer._param_types import coerce_cli_choice

        try:
            return coerce_cli_choice(value, choices=tuple(annotation), case_sensitive=info.case_sensitive, ctx=ctx)
        except Exception:  # typer says why
            return _UNSURE
    if isinstance(annotation, type) and issubclass(annotation, Path) and info.path_type is None:
        from typer._param_types import coerce_cli_path

        try:
            return coerce_cli_path(annotation(value), info, path_type=annotation, param=param, ctx=ctx)
        except Exception:  # typer says why
            return _UNSURE
    return _UNSURE


def install() -> None:
    """Every typer parameter coerces through ``_Coercion`` (idempotent)."""
    from typer.core import _TyperParameter

    if getattr(_TyperParameter, "_schemactl_fast_options", False):
        return

    def get_runtime_param(self: Any) -> Any:
        if self._runtime_param is None:
            self._runtime_param = _Coercion(self.type_descriptor)
        return self._runtime_param

    _TyperParameter.get_runtime_param = get_runtime_param
    _TyperParameter._schemactl_fast_options = True
