"""The console script ``schemactl``: Ctrl-C handled from the first import on
(``cli.interrupts``), then ``cli.main``. Ctrl-C while the command line is still being imported
exits 130 with one line, as it does later, never with a traceback."""

from __future__ import annotations

import sys


def run() -> None:
    from cli import interrupts

    interrupts.install()
    try:
        from cli.main import run as run_command
    except KeyboardInterrupt:
        sys.stderr.write("error: interrupted\n")
        raise SystemExit(130) from None
    run_command()
