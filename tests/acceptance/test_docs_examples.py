"""Issue 13 ("Done when"): every shell example of README.md and docs/*.md works, from the
project root and from a sub-folder, in a fresh copy of the project.

Which lines are examples (the extraction rule):
  * only fenced blocks whose language is empty, ``sh``, ``bash``, ``shell`` or ``console``;
  * a block with ``$ `` prompts: each ``$ ...`` line is a command and the lines after it, up
    to the next prompt, are its shown output (``$ echo $?`` and the number after it give the
    exit code of the command before it);
  * an ``sh``/``bash``/``shell`` block without prompts: every line that is not blank or a
    ``#`` comment is a command (``\\`` continuations joined, trailing ``# ...`` dropped);
  * any other block without prompts: lines starting with ``schemactl``, ``alembic`` or
    ``.venv/bin/`` are commands (the rest is output);
  * a command line is split on ``&&``: each part is one example.

An example that runs schemactl or alembic anywhere (``.venv/bin/`` or not; also in a pipe or
``$(...)``) is run with ``bash -o pipefail -c``, unless it is listed in EXCLUDED with a reason;
any other example's program must be listed in EXCLUDED_PROGRAMS with a reason. A new example that is neither runnable nor excluded fails test_every_example_is_covered.

Each block runs as one session, its examples in order, in a temporary copy of the git-tracked
files, against a scratch database on the test server (DATABASE_URL, STAGING_URL) and the test
server as the dev server (SCHEMACTL_DEV_DATABASE_URL), so no embedded server ever starts.

Annotations in the docs: an HTML comment on the line before a block's fence,
``<!-- example: exit=2 setup=at-head,drift -->``:
  * ``exit=N`` every example of the block exits N (default 0); ``exit=0,2`` one per example;
  * ``setup=NAME[,NAME]`` run these steps of SETUPS (below) before the block, in order.
Where a block shows output, its first and last shown lines must each begin a line the command
printed (``...`` in a shown line matches anything), after masking what varies (numbers, URLs
and where they came from, hashes, the project's path, ``../`` of a sub-folder, spacing).
"""

from __future__ import annotations

import re
import shlex
import shutil
import subprocess
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import sqlalchemy as sa
from clirunner import REPO

from cadb import audit
from generator.pg.database import scratch_database
from generator.pg.server import LocalServer

DOC_FILES = [
    "README.md",
    *sorted(p.relative_to(REPO).as_posix() for p in (REPO / "docs").glob("*.md")),
]
SHELL_LANGS = {"sh", "bash", "shell"}
EXAMPLE_LANGS = SHELL_LANGS | {"", "console"}
RUNNABLE = ("schemactl", "alembic")
# schemactl or alembic run as a command (not a file name such as schemactl.dump or a database name)
OURS = re.compile(r"(?:^|[\s|;&(`])(?:\.venv/bin/)?(?:schemactl|alembic)(?![\w.-])")
VENV_BIN = Path(sys.executable).parent
SUB_FOLDER = "docs"

# Examples of schemactl/alembic that are not run, each with the reason (exact text).
EXCLUDED: dict[str, str] = {
    "schemactl audit verify [--db URL] [--scope TYPE:ID] [--format text|json] [--workers N]":
        "usage synopsis, not an example",
    "schemactl diff [--db URL] [--dev-db URL] [--format text|sql|json]":
        "usage synopsis, not an example",
    "schemactl lint [--db URL] [--since REV] [--pg-version 17] [--format text|json]":
        "usage synopsis, not an example (docs/online-migrations.md)",
    "schemactl import [--db URL] [--dev-db URL] [--schema NAME]... [--exclude PATTERN]...":
        "usage synopsis, not an example (docs/import.md)",
    'schemactl status --db "postgresql://USER@HOST:5432/schemactl_restored"':
        "placeholder URL after a pg_dump/pg_restore; the flow is tests/integrity/test_dump_restore.py",
    'schemactl audit verify --db "postgresql://USER@HOST:5432/schemactl_restored"':
        "placeholder URL after a pg_dump/pg_restore; the flow is tests/integrity/test_dump_restore.py",
}

# Other programs the examples use, each with the reason it is not run here (by first word).
EXCLUDED_PROGRAMS: dict[str, str] = {
    "python3": "`python3 -m venv .venv`: the test runs in the venv that is already installed",
    ".venv/bin/pip": "installing: the test runs in the venv that is already installed",
    "bash": "`bash scripts/install-pg17.sh` downloads from npm; the test servers already exist",
    ".venv/bin/python": "the test suite itself, the benchmarks (~20 min) and the engine comparison "
    "(tests/drift/compare_engines.py): too slow and recursive for a docs example test",
    "$EDITOR": "interactive; the block's setup= annotation makes the edit",
    "export": "sets a variable to a placeholder URL (docs/ci.md's dev role); the test sets its own",
    "git": "`git add` of the files the block wrote; the copy is not a repository",
    "pg_dump": "dump/restore flow with placeholder URLs: tests/integrity/test_dump_restore.py",
    "createdb": "dump/restore flow with placeholder URLs: tests/integrity/test_dump_restore.py",
    "pg_restore": "dump/restore flow with placeholder URLs: tests/integrity/test_dump_restore.py",
    "psql": "the restore of docs/dump-restore.md (tests/integrity/test_dump_restore.py) and the "
    "interactive session of docs/queries.md (its plans: tests/integrity/test_query_plans.py)",
    "record=": "the chain-hash walk-through of docs/audit-chain.md: its hashes are checked by tests/unit/test_chain.py",
    "printf": "the chain-hash walk-through of docs/audit-chain.md: its hashes are checked by tests/unit/test_chain.py",
}


# ---------------------------------------------------------------------------------------
# Extraction
# ---------------------------------------------------------------------------------------


@dataclass
class Example:
    command: str  # one `&&` part, as the docs show it
    line: int
    shown: list[str] = field(default_factory=list)  # the output the docs show after it
    exit: int | None = None  # from `$ echo $?`


@dataclass
class Block:
    doc: str
    line: int  # of the opening fence
    lang: str
    annotation: dict[str, str]
    examples: list[Example]

    @property
    def id(self) -> str:
        return f"{self.doc}:{self.line}"

    def runnable(self) -> list[Example]:
        return [ex for ex in self.examples if runs_ours(ex.command) and ex.command not in EXCLUDED]


ANNOTATION = re.compile(r"<!--\s*example:(?P<body>.*?)-->")
FENCE = re.compile(r"^\s*(```|~~~)\s*(?P<lang>[\w+-]*)")


def program(command: str) -> str:
    """The program an example runs (after any leading NAME=value), `.venv/bin/` dropped for ours;
    a line of assignments only is named by its first one, e.g. `record=`."""
    try:
        words = shlex.split(command)
    except ValueError:
        words = command.split()
    names = [w for w in words if not re.match(r"^[A-Za-z_]\w*=", w)]
    if not names:
        return words[0].split("=", 1)[0] + "="
    first = names[0]
    if first.startswith(".venv/bin/") and first.removeprefix(".venv/bin/") in RUNNABLE:
        return first.removeprefix(".venv/bin/")
    return first


def runs_ours(command: str) -> bool:
    return OURS.search(command) is not None


def _strip_comment(line: str) -> str:
    return re.sub(r"\s+#(\s.*)?$", "", line).strip()


def _split(line: str, number: int) -> list[Example]:
    return [Example(part.strip(), number) for part in line.split(" && ") if part.strip()]


def _examples(lang: str, body: list[tuple[int, str]]) -> list[Example]:
    examples: list[Example] = []
    if any(text.startswith("$ ") for _, text in body):
        pending_exit = False
        for number, text in body:
            if text.startswith("$ "):
                command = _strip_comment(text[2:])
                pending_exit = command == "echo $?"
                if not pending_exit:
                    examples.extend(_split(command, number))
            elif pending_exit and text.strip().isdigit() and examples:
                examples[-1].exit = int(text.strip())
                pending_exit = False
            elif examples and text.strip():
                examples[-1].shown.append(text)
        return examples
    joined: list[tuple[int, str]] = []
    for number, text in body:
        if joined and joined[-1][1].endswith("\\"):
            joined[-1] = (joined[-1][0], joined[-1][1][:-1].rstrip() + " " + text.strip())
        else:
            joined.append((number, text))
    for number, text in joined:
        command = _strip_comment(text)
        if not command or command.startswith("#"):
            continue
        if lang in SHELL_LANGS or program(command) in RUNNABLE or command.startswith(".venv/bin/"):
            examples.extend(_split(command, number))
    return examples


def extract(doc: str, text: str) -> Iterator[Block]:
    lines = text.splitlines()
    index = 0
    while index < len(lines):
        match = FENCE.match(lines[index])
        if not match:
            index += 1
            continue
        start, fence = index, match.group(1)
        end = next(
            (j for j in range(start + 1, len(lines)) if lines[j].lstrip().startswith(fence)),
            len(lines),
        )
        lang = match.group("lang").lower()
        previous = next((lines[j] for j in range(start - 1, -1, -1) if lines[j].strip()), "")
        found = ANNOTATION.search(previous)
        annotation = (
            dict(item.split("=", 1) for item in found.group("body").split()) if found else {}
        )
        if lang in EXAMPLE_LANGS:
            body = [(j + 1, lines[j]) for j in range(start + 1, end)]
            examples = _examples(lang, body)
            if examples or annotation:
                yield Block(doc, start + 1, lang, annotation, examples)
        index = end + 1


def all_blocks() -> list[Block]:
    return [
        block
        for doc in DOC_FILES
        for block in extract(doc, (REPO / doc).read_text(encoding="utf-8"))
    ]


BLOCKS = all_blocks()


# ---------------------------------------------------------------------------------------
# Set-up steps named by `setup=` annotations
# ---------------------------------------------------------------------------------------


@dataclass
class Session:
    root: Path  # the project copy
    cwd: Path  # where the examples run
    db: str  # the scratch "live" database
    dev: str  # the dev server
    env: dict[str, str]

    def run(self, command: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
        """``command`` as a shell runs it, ``.venv/bin/`` being the venv the tests run in."""
        command = re.sub(r"(^|[\s|;&(`])\.venv/bin/", lambda m: f"{m.group(1)}{VENV_BIN}/", command)
        argv = ["bash", "-o", "pipefail", "-c", command]
        return subprocess.run(argv, cwd=cwd or self.cwd, env=self.env, capture_output=True, text=True,
                              stdin=subprocess.DEVNULL, timeout=600)

    def must(self, command: str) -> None:
        result = self.run(command, cwd=self.root)
        assert result.returncode == 0, (
            f"set-up step `{command}` failed:\n{result.stdout}{result.stderr}"
        )

    def edit_spec(self, old: str, new: str) -> None:
        spec = self.root / "schema.yaml"
        text = spec.read_text(encoding="utf-8")
        assert old in text, f"set-up: {old!r} is no longer in schema.yaml"
        spec.write_text(text.replace(old, new, 1), encoding="utf-8")


JOBS_ERROR_COLUMN = (
    '      error: {type: text, comment: "Human-readable failure reason when status is failed."}\n'
)


def _add_jobs_column(session: Session, name: str, comment: str) -> None:
    session.edit_spec(JOBS_ERROR_COLUMN, JOBS_ERROR_COLUMN
                      + f'      {name}: {{type: smallint, nullable: false, default: 0, comment: "{comment}"}}\n')


def setup_add_priority(session: Session) -> None:
    """The edit `schemactl generate -m "add jobs.priority"` stands for: a jobs.priority column."""
    _add_jobs_column(session, "priority", "Scheduling priority; higher runs first.")


def setup_urgency_at_head(session: Session) -> None:
    """A jobs.urgency column in the migrations' head that the spec no longer has."""
    _add_jobs_column(session, "urgency", "Urgency, soon dropped.")
    session.must('schemactl generate -m "add jobs.urgency"')
    (session.root / "schema.yaml").write_text(
        (REPO / "schema.yaml").read_text(encoding="utf-8"), encoding="utf-8"
    )


def setup_at_head(session: Session) -> None:
    """The live database upgraded to head through the committed migrations."""
    session.must("schemactl upgrade")


def setup_seeded(session: Session) -> None:
    """The live database at head and seeded (what `schemactl up` leaves)."""
    session.must("schemactl up")


def setup_drift(session: Session) -> None:
    """The live database drifted: an extra column and a changed table comment."""
    engine = sa.create_engine(session.db)
    try:
        with engine.begin() as conn:
            conn.execute(sa.text("ALTER TABLE users ADD COLUMN nickname text"))
            conn.execute(sa.text("COMMENT ON TABLE users IS 'changed by hand'"))
    finally:
        engine.dispose()


def _audit_rows(session: Session) -> list[int]:
    engine = sa.create_engine(session.db)
    try:
        with engine.begin() as conn:
            ids = [audit.append(conn, scope_type="job", scope_id="8c0f2d1e-2b7a-4c1d-9a51-3f7e6d5c4b3a",
                                event_type="job.created", payload={"n": n}).id for n in range(3)]
            audit.append(
                conn, scope_type="system", scope_id="global", event_type="system.start", payload={}
            )
    finally:
        engine.dispose()
    return ids


def setup_audit_rows(session: Session) -> None:
    """Audit rows in two scopes (3 + 1 rows), chains intact."""
    _audit_rows(session)


def setup_audit_tampered(session: Session) -> None:
    """Audit rows with the second row of the job scope changed behind the guard's back."""
    ids = _audit_rows(session)
    engine = sa.create_engine(session.db)
    try:
        with engine.begin() as conn:
            conn.execute(sa.text("SET LOCAL session_replication_role = replica"))
            conn.execute(
                sa.text("UPDATE audit_logs SET payload = '{\"n\": 7}' WHERE id = :id"),
                {"id": ids[1]},
            )
    finally:
        engine.dispose()


def setup_invalid_spec(session: Session) -> None:
    """The spec with mistakes whose `validate` output README.md shows (invalid_specs/several_semantic)."""
    shutil.copy(REPO / "tests" / "fixtures" / "invalid_specs" / "several_semantic" / "schema.yaml",
                session.root / "schema.yaml")


def setup_adopted(session: Session) -> None:
    """A project adopting an existing database (docs/spec.md): the verbatim spec of
    tests/fixtures/adopt/, no seeds, no revisions yet."""
    shutil.copy(REPO / "tests" / "fixtures" / "adopt" / "schema.yaml", session.root / "schema.yaml")
    (session.root / "seeds.yaml").unlink()
    for revision in (session.root / "migrations" / "versions").glob("*.py"):
        revision.unlink()


SETUPS: dict[str, Callable[[Session], None]] = {
    "add-priority": setup_add_priority,
    "urgency-at-head": setup_urgency_at_head,
    "at-head": setup_at_head,
    "seeded": setup_seeded,
    "drift": setup_drift,
    "audit-rows": setup_audit_rows,
    "audit-tampered": setup_audit_tampered,
    "invalid-spec": setup_invalid_spec,
    "adopted": setup_adopted,
}


# ---------------------------------------------------------------------------------------
# Tests
# ---------------------------------------------------------------------------------------


def expected_exits(block: Block) -> list[int]:
    runnable = block.runnable()
    raw = block.annotation.get("exit", "0").split(",")
    exits = [int(value) for value in raw] if len(raw) > 1 else [int(raw[0])] * len(runnable)
    assert len(exits) == len(runnable), (
        f"{block.id}: exit={block.annotation['exit']} but {len(runnable)} examples"
    )
    return [
        ex.exit if ex.exit is not None else code for ex, code in zip(runnable, exits, strict=True)
    ]


def mask(line: str, root: Path | None = None) -> str:
    if root is not None:  # from a sub-folder some paths are printed absolute
        line = line.replace(f"{root}/", "")
    line = re.sub(r"\S+://\S+", "URL", line)
    line = re.sub(
        r"\(from [^)]*\)", "(from SOURCE)", line
    )  # the test passes URLs, never the embedded server
    line = re.sub(r"(^|[\s(])(\.\./)+", r"\1", line)
    line = re.sub(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", "UUID", line)
    line = re.sub(r"\b[0-9a-f]{16,}\b", "HEX", line)
    line = re.sub(r"\d+(\.\d+)?", "N", line)
    return " ".join(line.split())


def shown_pattern(shown: str) -> re.Pattern[str]:
    """A shown line, masked, as a pattern for the start of a printed line; `...` in it (the
    docs' ellipsis for an elided value) matches anything."""
    return re.compile(".*".join(re.escape(part) for part in mask(shown).split("...")))


def libpq(url: str) -> str:
    return url.replace("postgresql+psycopg://", "postgresql://", 1)


def example_env(pg: LocalServer, live_db: str, home: Path) -> dict[str, str]:
    """What the examples run with: URLs in the libpq form (psql's, which schemactl accepts too),
    so no embedded server starts; the venv and the test server's binaries first on PATH."""
    return {
        "PATH": f"{VENV_BIN}:{pg.bin_dir}:/usr/bin:/bin",
        "HOME": str(home),
        "LANG": "C.UTF-8",
        "COLUMNS": "200",
        "DATABASE_URL": libpq(live_db),
        "STAGING_URL": libpq(live_db),
        "SCHEMACTL_DEV_DATABASE_URL": libpq(pg.url()),
    }


def copy_project(target: Path) -> Path:
    tracked = subprocess.run(
        ["git", "ls-files", "-z"], cwd=REPO, capture_output=True, text=True, check=True
    )
    for name in filter(None, tracked.stdout.split("\0")):
        source = REPO / name
        if source.is_file():
            (target / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target / name)
    return target


def test_every_example_is_covered() -> None:
    """Every example is run or excluded with a reason; every exclusion and setup still applies."""
    uncovered = [f"{b.id} (line {ex.line}): {ex.command}" for b in BLOCKS for ex in b.examples
                 if not runs_ours(ex.command) and program(ex.command) not in EXCLUDED_PROGRAMS]
    assert not uncovered, (
        "examples neither runnable nor excluded (add them to EXCLUDED_PROGRAMS):\n"
        + "\n".join(uncovered)
    )
    commands = {ex.command for b in BLOCKS for ex in b.examples}
    assert not set(EXCLUDED) - commands, (
        f"stale EXCLUDED entries: {sorted(set(EXCLUDED) - commands)}"
    )
    programs = {program(c) for c in commands}
    assert not set(EXCLUDED_PROGRAMS) - programs, (
        f"stale EXCLUDED_PROGRAMS: {sorted(set(EXCLUDED_PROGRAMS) - programs)}"
    )
    for block in BLOCKS:
        assert set(block.annotation) <= {"exit", "setup"}, (
            f"{block.id}: unknown annotation {block.annotation}"
        )
        for name in filter(None, block.annotation.get("setup", "").split(",")):
            assert name in SETUPS, f"{block.id}: unknown setup {name!r}; known: {sorted(SETUPS)}"
        expected_exits(block)
    assert any(b.runnable() for b in BLOCKS if b.doc == "README.md"), (
        "no README example found: extraction broken"
    )


def test_the_extraction_rule() -> None:
    text = "\n".join([
        "<!-- example: exit=2 setup=at-head -->",
        "```",
        "$ schemactl diff --db x  # a comment",
        "1 difference",
        "$ echo $?",
        "2",
        "```",
        "```sh",
        "# a comment line",
        "python3 -m venv .venv && .venv/bin/schemactl up",
        "schemactl models \\",
        "  --check    # exit 2 if stale",
        "```",
        "```",
        "schemactl audit verify [--db URL]",
        "plain output",
        "```",
        "```yaml",
        "run: schemactl validate",
        "```",
    ])
    blocks = list(extract("x.md", text))
    assert [(b.line, b.annotation) for b in blocks] == [
        (2, {"exit": "2", "setup": "at-head"}),
        (8, {}),
        (14, {}),
    ]
    diff = blocks[0].examples
    assert [(e.command, e.shown, e.exit) for e in diff] == [
        ("schemactl diff --db x", ["1 difference"], 2)
    ]
    assert [e.command for e in blocks[1].examples] == ["python3 -m venv .venv", ".venv/bin/schemactl up",
                                                       "schemactl models --check"]
    assert [e.command for e in blocks[2].examples] == ["schemactl audit verify [--db URL]"]
    assert (
        mask("database: postgresql+psycopg://p@h:5/x (from --db)") == "database: URL (from SOURCE)"
    )
    assert mask("wrote /p/migrations/0010_x.py", Path("/p")) == "wrote migrations/N_x.py"
    pattern = shown_pattern(
        "database: postgresql://ci:***@staging:5432/app (from --db); dev server: ... (from X)"
    )
    assert pattern.match(
        mask(
            "database: postgresql://p@h:1/d (from --db); dev server: postgresql://p@h:1/e (from Y)"
        )
    )
    assert not shown_pattern("no changes: the migrations").match(mask("no change"))
    assert runs_ours('psql "$(schemactl db url)" -c "select 1"')
    assert runs_ours(".venv/bin/alembic upgrade head --sql | psql -v ON_ERROR_STOP=1")
    assert not runs_ours("pg_restore --dbname=x schemactl.dump")
    assert not runs_ours("createdb --host=HOST schemactl_restored")
    assert (
        mask("../schema.yaml:13:21: a  b") == mask("schema.yaml:1:2: a b") == "schema.yaml:N:N: a b"
    )


RUNNABLE_BLOCKS = [b for b in BLOCKS if b.runnable()]


@pytest.fixture
def live_db(pg: LocalServer) -> Iterator[str]:
    with scratch_database(pg.url()) as url:
        yield url


# Each example runs its commands on a fresh project copy: about 170 s of test time, the largest
# share of the default run. Slow: CI (.ci/run) runs them, and so does naming this file.
@pytest.mark.slow
@pytest.mark.parametrize("where", ["root", SUB_FOLDER])
@pytest.mark.parametrize("block", RUNNABLE_BLOCKS, ids=[b.id for b in RUNNABLE_BLOCKS])
def test_example(block: Block, where: str, pg: LocalServer, live_db: str, tmp_path: Path) -> None:
    root = copy_project(tmp_path / "project")
    cwd = root if where == "root" else root / SUB_FOLDER
    session = Session(root, cwd, live_db, pg.url(), example_env(pg, live_db, tmp_path))
    for name in filter(None, block.annotation.get("setup", "").split(",")):
        SETUPS[name](session)
    for example, code in zip(block.runnable(), expected_exits(block), strict=True):
        result = session.run(example.command)
        printed = result.stdout + result.stderr
        where_ = f"{block.id} line {example.line} `{example.command}` from {where}/"
        assert result.returncode == code, (
            f"{where_}: exit {result.returncode}, the docs imply {code}:\n{printed}"
        )
        assert "Traceback" not in printed, f"{where_}:\n{printed}"
        masked = [mask(line, root) for line in printed.splitlines()]
        for shown in dict.fromkeys(example.shown[:1] + example.shown[-1:]):
            assert any(shown_pattern(shown).match(line) for line in masked), (
                f"{where_}: the docs show {shown!r}; it printed:\n{printed}"
            )
    # no embedded server was set up, in the project or the sub-folder
    assert not (root / ".schemactl" / "pg18").exists()
    assert not (root / SUB_FOLDER / ".schemactl").exists()


# ---------------------------------------------------------------------------------------
# Plain Alembic, which README.md shows inline ("Plain Alembic from the repo root: ...; from a
# sub-folder pass it, `alembic -c ../alembic.ini current`"): each span, in the README's order,
# from the root as written and from docs/ with `-c ../alembic.ini` (as the README says).
# ---------------------------------------------------------------------------------------

INLINE_ALEMBIC = re.compile(r"`((?:\.venv/bin/)?alembic [^`]*)`")


def readme_alembic_examples() -> list[str]:
    return INLINE_ALEMBIC.findall((REPO / "README.md").read_text(encoding="utf-8"))


def test_readme_shows_plain_alembic() -> None:
    spans = readme_alembic_examples()
    assert any("upgrade head" in span for span in spans), spans
    assert any("-c ../alembic.ini" in span for span in spans), spans


@pytest.mark.parametrize("where", ["root", SUB_FOLDER])
def test_readme_plain_alembic_examples(
    where: str, pg: LocalServer, live_db: str, tmp_path: Path
) -> None:
    root = copy_project(tmp_path / "project")
    cwd = root if where == "root" else root / SUB_FOLDER
    session = Session(root, cwd, live_db, pg.url(), example_env(pg, live_db, tmp_path))
    for span in readme_alembic_examples():
        words = [word.replace("db=URL", f"db={live_db}") for word in shlex.split(span)]
        if where == "root" and "../alembic.ini" in words:
            words[words.index("../alembic.ini")] = "alembic.ini"
        elif where != "root" and "-c" not in words:
            words[1:1] = ["-c", "../alembic.ini"]
        command = shlex.join(words)
        result = session.run(command)
        printed = result.stdout + result.stderr
        assert result.returncode == 0, (
            f"README `{span}` as `{command}` from {where}/: exit {result.returncode}\n{printed}"
        )
        assert "Traceback" not in printed, printed
    assert not (root / ".schemactl" / "pg18").exists()
    assert not (root / SUB_FOLDER / ".schemactl").exists()
