"""generator.spec.cache: a valid spec is stored by content hash and read back; errors never are.

Real files in tmp_path, no mocks: a hit is recognised by the Spec coming back from the cache
file (its source carries no node tree), a miss by the file's key changing.
"""

from __future__ import annotations

import pickle
from pathlib import Path

import pytest

from generator.errors import SpecError
from generator.spec import load_spec
from generator.spec.cache import CACHE_FILE, cache_key, load_spec_cached, read_cache
from generator.spec.model import NO_DEFAULT

REPO = Path(__file__).resolve().parents[2]

SPEC = """\
version: 1
enums:
  state: {comment: States., values: [draft, live]}
tables:
  users:
    comment: Accounts.
    columns:
      id: {type: uuid, primary_key: true, default: gen_random_uuid(), comment: Key.}
      state: {type: state, nullable: false, default: draft, comment: State.}
      note: {type: text, comment: Free text.}
"""


@pytest.fixture
def project(tmp_path: Path) -> Path:
    (tmp_path / "schema.yaml").write_text(SPEC, encoding="utf-8")
    return tmp_path


def _key_in_file(root: Path) -> bytes:
    return (root / CACHE_FILE).read_bytes().split(b"\n", 1)[0]


def test_a_valid_spec_is_cached_and_read_back_equal(project: Path) -> None:
    path = project / "schema.yaml"
    first = load_spec_cached(path, "schema.yaml")
    assert (project / CACHE_FILE).is_file()
    second = load_spec_cached(path, "schema.yaml")
    assert second == first == load_spec(path, "schema.yaml")
    assert second is not first
    assert second.file == "schema.yaml"
    note = second.tables["users"].columns["note"]
    assert note.default is NO_DEFAULT  # the sentinel survives pickling by identity
    # positions come back from the cached text, for problems found later (materialize)
    problem = second.source.problem(("tables", "users", "columns", "state", "default"), "x")
    assert (problem.line, problem.column) == (9, 54)


def test_the_key_follows_the_bytes_and_the_display_name(project: Path) -> None:
    data = (project / "schema.yaml").read_bytes()
    assert cache_key(data, "schema.yaml") == cache_key(data, "schema.yaml")
    assert cache_key(data, "schema.yaml") != cache_key(data + b"\n", "schema.yaml")
    assert cache_key(data, "schema.yaml") != cache_key(data, "other/schema.yaml")


def test_an_edited_spec_is_validated_again(project: Path) -> None:
    path = project / "schema.yaml"
    load_spec_cached(path, "schema.yaml")
    before = _key_in_file(project)
    path.write_text(SPEC.replace("Free text.", "Free-form text."), encoding="utf-8")
    spec = load_spec_cached(path, "schema.yaml")
    assert spec.tables["users"].columns["note"].comment == "Free-form text."
    assert _key_in_file(project) != before


def test_errors_are_never_cached(project: Path) -> None:
    path = project / "schema.yaml"
    path.write_text(SPEC.replace("type: text", "type: txet"), encoding="utf-8")
    for _ in range(2):
        with pytest.raises(SpecError) as exc:
            load_spec_cached(path, "schema.yaml")
        assert [str(p) for p in exc.value.problems] == [
            "schema.yaml:10:20: users.note: unknown type 'txet' (did you mean 'text'?)"
        ]
    assert not (project / CACHE_FILE).exists()


def test_an_error_after_a_valid_run_is_still_reported(project: Path) -> None:
    path = project / "schema.yaml"
    load_spec_cached(path, "schema.yaml")
    path.write_text(SPEC.replace("primary_key: true, ", ""), encoding="utf-8")
    with pytest.raises(SpecError):
        load_spec_cached(path, "schema.yaml")


@pytest.mark.parametrize(
    "damage",
    [
        b"",
        b"not a cache file at all",
        b"schemactl-spec-cache 1 0000\n" + pickle.dumps("wrong key"),
        "KEEP_HEADER",
    ],
)
def test_a_corrupt_cache_file_is_ignored(project: Path, damage: bytes | str) -> None:
    path = project / "schema.yaml"
    good = load_spec_cached(path, "schema.yaml")
    file = project / CACHE_FILE
    if damage == "KEEP_HEADER":  # the right key, then garbage instead of a pickle
        damage = file.read_bytes().split(b"\n", 1)[0] + b"\n\x80\x05garbage"
    file.write_bytes(damage)  # type: ignore[arg-type]
    assert load_spec_cached(path, "schema.yaml") == good
    assert read_cache(file, cache_key(path.read_bytes(), "schema.yaml")) is not None  # rewritten


def test_a_cache_holding_something_else_than_a_spec_is_ignored(project: Path) -> None:
    path = project / "schema.yaml"
    load_spec_cached(path, "schema.yaml")
    file = project / CACHE_FILE
    header = file.read_bytes().split(b"\n", 1)[0]
    file.write_bytes(header + b"\n" + pickle.dumps({"not": "a spec"}))
    key = header.rsplit(b" ", 1)[1].decode()
    assert read_cache(file, key) is None
    assert load_spec_cached(path, "schema.yaml").tables.keys() == {"users"}


def test_a_cache_path_that_cannot_be_a_folder_does_not_fail(project: Path) -> None:
    (project / ".schemactl").write_text("a file where the cache folder would go")
    # an unwritable cache (also as root, who writes into read-only folders) only costs speed
    spec = load_spec_cached(project / "schema.yaml", "schema.yaml")
    assert spec.tables.keys() == {"users"}
    assert (project / ".schemactl").is_file()


def test_a_missing_spec_is_the_usual_config_error(tmp_path: Path) -> None:
    from generator.errors import ConfigError

    with pytest.raises(ConfigError, match="file not found"):
        load_spec_cached(tmp_path / "schema.yaml", "schema.yaml")


def test_the_cli_validates_through_the_cache(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from cli.main import main

    monkeypatch.chdir(project)
    assert main(["validate"]) == 0
    assert (project / CACHE_FILE).is_file()
    assert main(["validate"]) == 0
    (project / "schema.yaml").write_text(SPEC.replace("state, nullable", "stat, nullable"))
    assert main(["validate"]) == 1


def test_a_cache_file_committed_into_the_project_is_never_unpickled(
    project: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Issue 12: a pull request can commit .schemactl/cache/spec.pickle with the right key
    (it hashes the spec and public code); unpickling it would run the attacker's code. Only a
    file signed with this machine's secret (kept outside the project) is unpickled."""
    import os

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "user-cache"))
    marker = tmp_path / "pwned-marker"

    class Payload:
        def __reduce__(self):
            return (os.system, (f"touch {marker}",))

    path = project / "schema.yaml"
    header = b"schemactl-spec-cache 1 " + cache_key(path.read_bytes(), "schema.yaml").encode() + b"\n"
    file = project / CACHE_FILE
    file.parent.mkdir(parents=True)
    for planted in (header + pickle.dumps(Payload()), header + b"0" * 64 + b"\n" + pickle.dumps(Payload())):
        file.write_bytes(planted)
        assert load_spec_cached(path, "schema.yaml").tables.keys() == {"users"}
        assert not marker.exists()
