"""Options shared by every command (set by the top-level callback)."""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from pathlib import Path


@dataclass
class State:
    spec: Path
    debug: bool = False

    @property
    def root(self) -> Path:
        """The project root: the folder of schema.yaml (migrations/, seeds.yaml, .schemactl/ live there)."""
        return self.spec.resolve().parent

    @property
    def seeds(self) -> Path:
        return self.root / "seeds.yaml"

    def load_spec(self):  # -> generator.spec.Spec
        from generator.spec import load_spec

        return load_spec(self.spec, display=_display(self.spec))


def _display(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(Path.cwd()))
    except ValueError:
        return str(path)


class Format(str, Enum):
    text = "text"
    json = "json"
