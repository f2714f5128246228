"""Golden files for `schemactl validate`: one folder per mistake under tests/fixtures/invalid_specs/.

Each ``<case>/schema.yaml`` is a small, otherwise valid spec with one mistake (a few cases
hold several, to prove every problem is reported in one run); ``<case>/expected.txt`` holds
the exact lines ``schemactl --spec schema.yaml validate`` prints, run from the case folder.
The valid spec and JSON output are covered in tests/acceptance/test_validate_cli.py.
To add a case: write the spec, run the CLI from its folder, read every line, save them.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "invalid_specs"
CASES = sorted(p.name for p in FIXTURES.iterdir() if (p / "schema.yaml").is_file())


def test_the_corpus_is_complete() -> None:
    assert len(CASES) >= 28
    for case in CASES:
        expected = FIXTURES / case / "expected.txt"
        assert expected.is_file(), f"{case}: expected.txt is missing"
        assert expected.read_text().strip(), f"{case}: expected.txt is empty"


@pytest.mark.parametrize("case", CASES)
def test_invalid_spec(case: str, run_cli, monkeypatch: pytest.MonkeyPatch) -> None:
    folder = FIXTURES / case
    monkeypatch.chdir(folder)
    result = run_cli("--spec", str(folder / "schema.yaml"), "validate")

    expected = (folder / "expected.txt").read_text(encoding="utf-8").splitlines()
    assert result.stdout.splitlines() == expected
    assert result.code == 1
    assert "Traceback" not in result.stdout + result.stderr
    assert "internal error" not in result.stderr
    n = len(expected)
    assert f"{n} problem{'s' if n != 1 else ''} in schema.yaml" in result.stderr


def test_every_line_is_file_line_column_message() -> None:
    pattern = re.compile(r"^schema\.yaml:[1-9][0-9]*:[1-9][0-9]*: \S.*$")
    for case in CASES:
        for line in (FIXTURES / case / "expected.txt").read_text().splitlines():
            assert pattern.match(line), f"{case}: {line!r}"


def test_several_mistakes_are_reported_in_one_run() -> None:
    counts = {
        case: len((FIXTURES / case / "expected.txt").read_text().splitlines()) for case in CASES
    }
    assert sum(1 for n in counts.values() if n >= 4) >= 2, counts


def test_63_bytes_after_the_convention_is_allowed() -> None:
    from generator.errors import SpecError
    from generator.spec import parse_spec

    text = (FIXTURES / "long_fk_name" / "schema.yaml").read_text()
    long_name = "customers_of_the_web_shop_and_its_partners"
    shorter = text.replace(
        long_name, long_name[:-1]
    )  # fk_orders_customer_id_<41 bytes> is 63 bytes
    spec = parse_spec(shorter)
    assert len(spec.tables) == 2
    with pytest.raises(SpecError) as info:
        parse_spec(text)
    assert [p.message.split(":")[0] for p in info.value.problems] == [
        "foreign key orders.customer_id"
    ]
