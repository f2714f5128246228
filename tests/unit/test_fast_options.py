"""cli/fast_options.py answers option values without pydantic only where typer's answer is
certain: on every option of every command, for values typer accepts and values it refuses, the
result (or the error and its message) is typer's own."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from cli.fast_options import _Coercion

REPO = Path(__file__).resolve().parents[2]


def _parameters() -> list[tuple[str, Any, Any]]:
    from typer.core import _TyperParameter
    from typer.main import get_command

    from cli.main import _register, app

    _register()
    found: list[tuple[str, Any, Any]] = []

    def walk(command: Any, path: str) -> None:
        for param in command.params:
            if isinstance(param, _TyperParameter):
                found.append((f"{path} {param.name}", command, param))
        for name, sub in sorted(getattr(command, "commands", {}).items()):
            walk(sub, f"{path} {name}")

    walk(get_command(app), "schemactl")
    return found


def _outcome(coerce: Any) -> tuple[str, Any]:
    try:
        return "value", coerce()
    except Exception as exc:  # noqa: BLE001 - the error is what is compared
        return type(exc).__name__, str(exc)


def _values(tmp_path: Path) -> list[Any]:
    afile = tmp_path / "a.txt"
    afile.write_text("x")
    return [
        None, "", "x", "-", "text", "json", "sql", "TEXT", "Json", "markdown", "ÿ", "a b", " text ", "x\n",
        str(tmp_path), str(afile), str(tmp_path / "missing"), "1", "2.5", "true", b"bytes",
    ]


def test_every_option_of_every_command_coerces_as_typer_does(tmp_path: Path) -> None:
    from typer._click import Context
    from typer._coercion import build_runtime_param

    parameters = _parameters()
    assert len(parameters) > 60  # every command's options, not a few
    compared = 0
    for where, command, param in parameters:
        ctx = Context(command)
        ours = _Coercion(param.type_descriptor)
        typers = build_runtime_param(param.type_descriptor)
        for value in _values(tmp_path):
            mine = _outcome(lambda c=ours, v=value, p=param, x=ctx: c.coerce(v, param=p, ctx=x))
            theirs = _outcome(lambda c=typers, v=value, p=param, x=ctx: c.coerce(v, param=p, ctx=x))
            assert mine == theirs, (where, value)
            compared += 1
    assert compared == len(parameters) * len(_values(tmp_path))


def test_a_command_with_strings_paths_and_choices_imports_no_pydantic(tmp_path: Path) -> None:
    script = (
        f"import sys; sys.path.insert(0, {str(REPO)!r}); from cli.main import main; "
        "code = main(['validate', '--format', 'json', '--spec', sys.argv[1]]); "
        "print(code, 'pydantic' in sys.modules)"
    )
    spec = tmp_path / "schema.yaml"
    spec.write_text("not: [valid\n")
    done = subprocess.run([sys.executable, "-c", script, str(spec)], capture_output=True, text=True, timeout=60)
    assert done.stdout.split()[-2:] == ["1", "False"], done.stdout + done.stderr


@pytest.mark.parametrize(("args", "message"), [
    (["validate", "--format", "nope"], "'nope' is not one of"),
    (["diff", "--format", "yaml"], "'yaml' is not one of"),
])
def test_a_refused_value_gets_typers_message(run_cli, args: list[str], message: str) -> None:
    result = run_cli(*args)
    assert result.code == 1
    assert message in result.stderr
