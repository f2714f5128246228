"""The commands that read only the spec files: validate, erd, docs."""

from __future__ import annotations

import time
from pathlib import Path

import typer

from cli.output import OUT
from cli.state import Format, State, shown_path


def register(app: typer.Typer) -> None:
    @app.command()
    def validate(
        ctx: typer.Context,
        format: Format = typer.Option(Format.text, "--format", "-f", help="text: one FILE:LINE:COL line per problem; json: a stable report."),
    ) -> None:
        """Check schema.yaml (and seeds.yaml, if present) against the JSON Schema and the semantic rules.

        Every problem is reported at once, as FILE:LINE:COL: message. Exit 0 when clean, 1 otherwise.
        """
        state: State = ctx.obj
        report = validate_files(state)
        if format == Format.json:
            OUT.json(report)
        else:
            for p in report["problems"]:
                OUT.line(f"{p['file']}:{p['line']}:{p['column']}: {p['message']}")
            if report["status"] == "ok":
                OUT.note(f"[green]ok[/]: {report['summary']}")
            else:
                n = len(report["problems"])
                OUT.note(f"[red]{n} problem{'s' if n != 1 else ''}[/] in {', '.join(report['files'])}")
        raise typer.Exit(0 if report["status"] == "ok" else 1)

    @app.command()
    def erd(
        ctx: typer.Context,
        output: Path | None = typer.Option(
            None, "--output", "-o",
            help="Write to this file instead of stdout: a FILE.md gets a complete Markdown page (header and mermaid fence), any other name the bare diagram.",
        ),  # fmt: skip
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
        """Print a Markdown data dictionary built from the spec's comments: enums, tables, columns, keys, indexes, checks."""
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

        raise ConfigError(f"cannot write {output}: {exc.strerror}") from None
    OUT.note(f"wrote {output}")


def validate_files(state: State) -> dict:
    """Validate the spec and, if it exists, seeds.yaml; a report dict (status, files, problems, summary)."""
    from generator.errors import SpecError

    started = time.perf_counter()
    problems = []
    files = []
    spec = None
    try:
        spec = state.load_spec()
    except SpecError as exc:
        problems.extend(exc.problems)
    files.append(shown_path(state.spec))
    seeds_checked = None
    if state.seeds.exists():
        files.append(shown_path(state.seeds))
        try:
            from generator.seeds.spec import load_seeds  # arrives with the seeds issue
        except ImportError:
            load_seeds = None
        if load_seeds is not None and spec is not None:
            try:
                seeds_checked = load_seeds(state.seeds, spec, display=shown_path(state.seeds))
            except SpecError as exc:
                problems.extend(exc.problems)
    status = "ok" if not problems else "invalid"
    summary = ""
    if spec is not None:
        n_cols = sum(len(t.columns) for t in spec.tables.values())
        counts = ((len(spec.tables), "table"), (n_cols, "column"), (len(spec.enums), "enum"))
        summary = ", ".join(f"{n} {word}{'s' if n != 1 else ''}" for n, word in counts)
        if seeds_checked is not None:
            summary += f"; {seeds_checked.row_count} seed rows"
        summary += f" ({time.perf_counter() - started:.2f}s)"
    return {
        "status": status,
        "files": files,
        "problems": [
            {"file": p.file, "line": p.line, "column": p.column, "message": p.message} for p in sorted(problems)
        ],
        "summary": summary,
    }


