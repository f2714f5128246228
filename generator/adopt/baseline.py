"""``schemactl import --baseline``: the first revision of a new migrations/ folder, proven as
``generate`` proves every revision, and with ``--stamp`` the source marked as at it.

The revision is ``generate``'s (``generator.migrate.revision.generate``) from an empty chain:
upgraded on an empty scratch database it must equal the spec's database, and its downgrade
must give an empty database again. Refused when migrations/versions already holds a revision:
a baseline is the first revision, and writing one beside an existing chain would fork it.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from importlib import resources
from pathlib import Path

from generator.errors import ConfigError
from generator.migrate.revision import GenerateResult

SCAFFOLD = ("alembic.ini", "migrations/env.py", "migrations/script.py.mako")


def _noop(_: str) -> None:
    pass


def existing_revisions(root: Path) -> list[Path]:
    versions = root / "migrations" / "versions"
    return sorted(p for p in versions.glob("*.py") if p.name != "__init__.py") if versions.is_dir() else []


def check_no_revisions(root: Path) -> None:
    found = existing_revisions(root)
    if found:
        raise ConfigError(
            f"--baseline writes the first revision, but {root / 'migrations' / 'versions'} already has "
            f"{len(found)} revision{'s' if len(found) != 1 else ''}; nothing was written",
            "import without --baseline, then `schemactl generate -m ...` from the existing chain",
        )


def scaffold(root: Path) -> list[Path]:
    """alembic.ini, migrations/env.py and migrations/script.py.mako, where missing."""
    written = []
    source = resources.files("generator.adopt") / "scaffold"
    for rel in SCAFFOLD:
        target = root / rel
        if target.exists():
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        with resources.as_file(source / Path(rel).name) as src:
            shutil.copyfile(src, target)
        written.append(target)
    (root / "migrations" / "versions").mkdir(parents=True, exist_ok=True)
    return written


def write_baseline(
    root: Path, spec_path: Path, dev_url: str, message: str, *, stamp_url: str | None = None,
    progress: Callable[[str], None] = _noop,
) -> GenerateResult:
    from generator.drift.spec_db import cache_key
    from generator.migrate import api
    from generator.migrate.revision import generate
    from generator.spec import load_spec

    check_no_revisions(root)
    scaffold(root)
    spec = load_spec(spec_path)
    result = generate(root, spec, dev_url, message, progress=progress, spec_key=cache_key(spec_path))
    if result.status != "written" or result.revision is None:
        raise ConfigError(
            f"the baseline revision was not written ({result.status})",
            "run `schemactl generate -m MSG` to see why; the spec was written",
        )
    if stamp_url is not None:
        progress("stamping the database")
        api.stamp(root, stamp_url, result.revision)
    return result
