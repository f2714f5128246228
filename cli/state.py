"""Options shared by every command (set by the top-level callback)."""

from __future__ import annotations

import os
from dataclasses import dataclass
from enum import Enum
from pathlib import Path

# True in a real `schemactl` process (set by cli.main.run), whose spec lives to its end.
PROCESS_LIFETIME = False


@dataclass
class State:
    spec: Path
    debug: bool = False

    @property
    def root(self) -> Path:
        """The project root: the folder of schema.yaml (migrations/, seeds.yaml, .schemactl/ live there)."""
        # realpath, not Path.resolve(): Python 3.11 raises RuntimeError on a symlink loop, and
        # the loop is for loading the spec to report (FILE:1:1), not for an internal error.
        return Path(os.path.realpath(self.spec)).parent

    @property
    def seeds(self) -> Path:
        return self.root / "seeds.yaml"

    def load_spec(self):  # -> generator.spec.Spec
        """The validated spec, through the content-hash cache in .schemactl/cache/ (docs/spec.md)."""
        from generator.spec import source
        from generator.spec.cache import load_spec_cached

        source.keep_for_process = PROCESS_LIFETIME
        return load_spec_cached(self.spec, display=_display(self.spec), root=self.root)


def _display(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(Path.cwd()))
    except (ValueError, OSError, RuntimeError):  # RuntimeError: a symlink loop (Python 3.11)
        return str(path)


class Format(str, Enum):
    text = "text"
    json = "json"
