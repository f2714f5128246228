"""schemactl up: validate, then bring the live database to the spec, with a summary per step."""

from __future__ import annotations

import time

from cli.commands_basic import validate_files
from cli.output import OUT
from cli.state import State


def run_up(state: State, db: str | None) -> int:
    t0 = time.perf_counter()
    report = validate_files(state)
    if report["status"] != "ok":
        for p in report["problems"]:
            OUT.line(f"{p['file']}:{p['line']}:{p['column']}: {p['message']}")
        OUT.error(f"validate: {len(report['problems'])} problem(s); fix them and rerun")
        return 1
    OUT.note(f"[green]✓ validate[/]  {report['summary']}")

    from generator.database import connect, resolve_live
    from generator.metadata import build_metadata

    target = resolve_live(db, state.root)
    OUT.note(f"  database  {target.display} (from {target.source})")
    spec = state.load_spec()
    engine = connect(target.url)
    t1 = time.perf_counter()
    try:
        md = build_metadata(spec)
        with engine.begin() as conn:
            md.create_all(conn)
    finally:
        engine.dispose()
    OUT.note(f"[green]✓ schema[/]    {len(spec.tables)} tables present ({time.perf_counter() - t1:.2f}s)")
    OUT.note(f"[green]done[/] in {time.perf_counter() - t0:.1f}s")
    return 0
