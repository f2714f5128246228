"""The spec loader resolves each distinct plain scalar's tag once per file (issue #19 target 3).

A 1,000-table spec has over 100,000 plain scalars but only a few thousand distinct ones;
PyYAML's resolver ran its regexes on every one (0.15 s of a 0.38 s parse). The loader now
remembers the tag per text. These tests pin that the tags are exactly PyYAML's (the same text
quoted or plain, repeated, in keys and values) and that repeats are not resolved again.
"""

from __future__ import annotations

import yaml

from generator.spec.source import _Loader, load_yaml

TEXT = """\
a: [1, "1", 1, 1.5, "1.5", 1.5, null, "null", null, ~, on, "on", on, yes, "yes", yes, 0x1F, 0x1F]
c: [2026-12-02, 2026-12-02, .inf, ".inf", .inf, 1_000, 1_000, 1:30, "1:30", 1:30, text, text]
"""


def test_tags_are_pyyamls_for_plain_and_quoted_repeats() -> None:
    source, problems = load_yaml(TEXT, "x.yaml")
    assert problems == []
    reference = yaml.safe_load(TEXT)
    # the spec loader turns keys into strings and dates into text; the scalars' types are PyYAML's
    assert [type(v) for v in source.data["a"]] == [type(v) for v in reference["a"]]
    assert source.data["a"] == reference["a"]
    assert [type(v) for v in source.data["c"]] == [
        str if t.__name__ == "date" else t for t in map(type, reference["c"])
    ]


def test_each_distinct_plain_scalar_is_resolved_once(monkeypatch) -> None:
    calls: list[str] = []
    real = yaml.resolver.BaseResolver.resolve

    def counting(self, kind, value, implicit):
        if kind is yaml.ScalarNode and implicit[0]:
            calls.append(value)
        return real(self, kind, value, implicit)

    monkeypatch.setattr(yaml.resolver.BaseResolver, "resolve", counting)
    text = "t:\n" + "".join(f"  c{i}: {{type: text, nullable: true, comment: Same.}}\n" for i in range(200))
    nodes = list(yaml.compose_all(text, Loader=_Loader))
    assert nodes and sorted(calls) == sorted(set(calls))  # no text resolved twice
    assert {"type", "text", "nullable", "true", "comment", "Same."} <= set(calls)
    assert len(calls) == 6 + 200 + 1  # the six repeated words, each c<i>, and "t"
