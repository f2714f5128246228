"""models: write cadb/models.py, the SQLAlchemy ORM classes, from the spec."""

from __future__ import annotations

from pathlib import Path

import typer

from cli.output import OUT
from cli.state import State, shown_path


def register(app: typer.Typer) -> None:
    @app.command()
    def models(
        ctx: typer.Context,
        check: bool = typer.Option(False, "--check", help="Write nothing; exit 2 if the file differs from the spec's rendering (for CI)."),
        output: Path | None = typer.Option(None, "--output", "-o", help="Where to write; default cadb/models.py next to the spec."),
    ) -> None:
        """Generate cadb/models.py: typed ORM classes, Python enums and validators from schema.yaml.

        The output is deterministic; commit it. Exit 0 written or up to date, 1 error, 2 (with
        --check) the file is stale: run schemactl models.
        """
        from generator.errors import ConfigError
        from generator.schema import orm_codegen

        state: State = ctx.obj
        spec = state.load_spec()
        path = output or orm_codegen.output_path(state.root)
        shown = shown_path(path)
        if check:
            if orm_codegen.is_current(spec, path):
                OUT.note(f"[green]up to date[/]: {shown}")
                raise typer.Exit(0)
            OUT.note(f"[yellow]stale[/]: {shown} differs from the spec; run schemactl models and commit it")
            raise typer.Exit(2)
        if output is None and _links_out(path, state.root):
            # the default path comes from the checkout (a pull request can commit a symlink
            # there); only a path the operator names with -o is followed wherever it leads
            raise ConfigError(
                f"refusing to write {shown}: it is a symbolic link leading out of the project ({path.resolve()})",
                "remove the link, or name the target yourself with -o",
            )
        try:
            changed = orm_codegen.write(spec, path)
        except OSError as exc:
            raise ConfigError(f"cannot write {shown}: {exc.strerror}", "check the path and its permissions") from None
        if changed:
            OUT.note(f"[green]wrote[/] {shown} ({len(spec.tables)} models, {len(spec.enums)} enums)")
        else:
            OUT.note(f"[green]unchanged[/]: {shown} already matches the spec")


def _links_out(path: Path, root: Path) -> bool:
    """Whether writing ``path`` would follow a symlink to somewhere outside ``root``."""
    try:
        path.resolve().relative_to(root.resolve())
    except ValueError:
        return True
    return False
