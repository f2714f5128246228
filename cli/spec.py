"""The commands that read only the spec files: validate, erd, docs."""

from __future__ import annotations

from pathlib import Path

import typer

from cli.output import OUT
from cli.reporters import VALIDATE, format_choice, format_option, reporter
from cli.state import State, shown_path

ValidateFormat = format_choice("validate", VALIDATE)


def register(app: typer.Typer) -> None:
    @app.command()
    def validate(
        ctx: typer.Context,
        format: ValidateFormat = format_option(ValidateFormat),
    ) -> None:
        """Check schema.yaml (and seeds.yaml, if present) against the JSON Schema and the semantic rules.

        Every problem is reported at once, as FILE:LINE:COL: message (json: one document with
        every problem). Exit 0 when clean, 1 otherwise.
        """
        report = validate_files(ctx.obj)
        reporter(format).report(report)
        raise typer.Exit(0 if report.status == "ok" else 1)

    @app.command()
    def erd(
        ctx: typer.Context,
        output: Path | None = typer.Option(
            None, "--output", "-o",
            help="Write to this file instead of stdout: a FILE.md gets a complete Markdown page (header and mermaid fence), any other name the bare diagram.",
        ),
    ) -> None:
        """Print the ERD of schema.yaml as a Mermaid erDiagram (paste into Markdown, GitHub renders it).

        `schemactl erd -o docs/erd.md` regenerates the committed page."""
        from generator.schema.docs import erd_for

        _emit(erd_for(ctx.obj.load_spec(), None if output is None else str(output)), output)

    @app.command()
    def docs(
        ctx: typer.Context,
        output: Path | None = typer.Option(None, "--output", "-o", help="Write to this file instead of stdout."),
    ) -> None:
        """Print a Markdown data dictionary built from the spec's comments: enums, types, domains, sequences, tables (columns, keys, indexes, checks), views, functions, aggregates and triggers."""
        from generator.schema.docs import data_dictionary

        _emit(data_dictionary(ctx.obj.load_spec()), output)



def _emit(text: str, output: Path | None) -> None:
    if output is None:
        OUT.stdout.file.write(text)
        return
    try:
        output.write_text(text, encoding="utf-8")
    except OSError as exc:
        from generator.errors import ConfigError

        raise ConfigError(f"cannot write {output}: {exc.strerror}", "check the path and its permissions") from None
    OUT.note(f"wrote {output}")


def validate_files(state: State):  # -> generator.seeds.validate.ValidateReport
    """Validate the spec and, if it exists, seeds.yaml (as `schemactl validate` and `up` do)."""
    from generator.seeds.validate import validate

    return validate(state.load_spec, shown_path(state.spec), state.seeds, shown_path(state.seeds))
