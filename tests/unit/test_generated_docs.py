"""The committed ERD and data dictionary are what schemactl generates from the committed spec."""

from __future__ import annotations

from pathlib import Path

from generator.schema.docs import data_dictionary, erd_markdown, erd_mermaid
from generator.spec import load_spec

ROOT = Path(__file__).resolve().parents[2]


def test_data_dictionary_is_current() -> None:
    expected = data_dictionary(load_spec(ROOT / "schema.yaml", display="schema.yaml"))
    assert (ROOT / "docs" / "data-dictionary.md").read_text() == expected, "run: schemactl docs -o docs/data-dictionary.md"


def test_erd_is_current() -> None:
    text = (ROOT / "docs" / "erd.md").read_text()
    assert erd_markdown(load_spec(ROOT / "schema.yaml")) == text, "run: schemactl erd -o docs/erd.md"


def test_readme_shows_every_relationship() -> None:
    readme = (ROOT / "README.md").read_text()
    lines = [ln for ln in erd_mermaid(load_spec(ROOT / "schema.yaml")).splitlines() if "--o{" in ln]
    assert lines and all(ln in readme for ln in lines)
