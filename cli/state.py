"""Options shared by every command (set by the top-level callback), and where the project is."""

from __future__ import annotations

import os
from enum import Enum
from pathlib import Path

# True in a real `schemactl` process (set by cli.main.run), whose spec lives to its end.
PROCESS_LIFETIME = False


class State:
    """The global options. The project is located on first use (generator/project.py): a
    command that never needs it (``--help``) works anywhere, one that does fails with one line
    outside a project, before it creates anything."""

    def __init__(self, spec: Path | None = None, debug: bool = False, project: Path | None = None) -> None:
        self.spec_option = spec
        self.project = project
        self.debug = debug
        self._located = None

    def _locate(self):  # -> generator.project.Project
        if self._located is None:
            from generator.project import locate

            self._located = locate(spec=self.spec_option, project=self.project)
        return self._located

    @property
    def spec(self) -> Path:
        """The spec file: --spec, else schema.yaml in the project root."""
        return self._locate().spec

    @property
    def root(self) -> Path:
        """The project root (migrations/, alembic.ini, seeds.yaml, .schemactl/ live there)."""
        return self._locate().root

    @property
    def seeds(self) -> Path:
        return self.root / "seeds.yaml"

    def load_spec(self):  # -> generator.spec.Spec
        """The validated spec, through the content-hash cache in .schemactl/cache/ (docs/spec.md)."""
        from generator.spec import source
        from generator.spec.cache import load_spec_cached

        source.keep_for_process = PROCESS_LIFETIME
        return load_spec_cached(self.spec, display=shown_path(self.spec), root=self.root)


def shown_path(path: Path | str) -> str:
    """A path as the user would type it from the working directory: ``schema.yaml`` at the
    project root, ``../schema.yaml`` or ``../migrations/versions/x.py`` from a sub-folder of
    the project, the absolute path when it is far away (more than three folders up)."""
    absolute, cwd = Path(os.path.abspath(path)), Path.cwd()
    try:
        relative = Path(os.path.relpath(absolute, cwd))
    except ValueError:  # another drive (Windows)
        return str(path)
    ups = len([part for part in relative.parts if part == ".."])
    return str(relative) if ups <= 3 and str(relative) != "." else str(absolute)


class Format(str, Enum):
    text = "text"
    json = "json"
