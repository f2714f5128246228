"""Pure parts of generator.pg.database: URL normalizing and masking, explaining connection
errors, resolving --db / env without the embedded server, scratch database names."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from generator.errors import ConfigError, DatabaseError
from generator.pg.database import (
    ResolvedDatabase,
    explain_operational_error,
    libpq_url,
    mask_url,
    normalize_url,
    resolve_dev,
    resolve_live,
    scratch_name,
    with_database,
)
from generator.pg.urls import forget_secrets, scrub

SECRET = "Sup3r-Secret-pw"


@pytest.fixture(autouse=True)
def _forget_secrets() -> Iterator[None]:
    """These tests parse short passwords ("old", "p"); scrub() would mask them in the output
    of later tests run in the same process."""
    yield
    forget_secrets()


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("postgresql://u:p@h:5433/db", "postgresql+psycopg://u:p@h:5433/db"),
        ("postgres://u@h/db", "postgresql+psycopg://u@h/db"),
        ("postgresql+psycopg://u@h/db", "postgresql+psycopg://u@h/db"),
        ("  postgresql://u@h/db?sslmode=require ", "postgresql+psycopg://u@h/db?sslmode=require"),
        ("POSTGRESQL://u@h/db", "postgresql+psycopg://u@h/db"),
    ],
)
def test_normalize_accepts_postgres_urls(url: str, expected: str) -> None:
    assert normalize_url(url) == expected


@pytest.mark.parametrize(
    "url",
    [
        f"mysql://u:{SECRET}@h/db",
        f"postgresql+psycopg2://u:{SECRET}@h/db",
        "sqlite:///local.db",
        "garbage",
        f"u:{SECRET}@h/db",
        "",
        f"postgresql://u:{SECRET}@h:notaport/db",
    ],
)
def test_normalize_rejects_other_urls_without_leaking_the_password(url: str) -> None:
    with pytest.raises(ConfigError) as info:
        normalize_url(url)
    assert "postgresql+psycopg://" in (info.value.hint or "")
    assert SECRET not in str(info.value)


def test_normalize_error_names_the_source_and_scheme_never_the_url() -> None:
    with pytest.raises(ConfigError) as info:
        normalize_url(f"mysql://u:{SECRET}@h/db", "DATABASE_URL")
    assert info.value.message == "not a PostgreSQL database URL: DATABASE_URL has the scheme mysql://"


# ------------------------------------------------------------------ every form psql accepts


@pytest.mark.parametrize(
    ("given", "canonical"),
    [
        # libpq keyword strings, as psql takes them
        (
            f"host=db.example.com port=6543 user=alice password={SECRET} dbname=app",
            f"postgresql+psycopg://alice:{SECRET}@db.example.com:6543/app",
        ),
        (
            f"host=h dbname=app user=alice password='{SECRET} with space' sslmode=require",
            "postgresql+psycopg://alice:Sup3r-Secret-pw%20with%20space@h/app?sslmode=require",
        ),
        (
            "host=/run/pg dbname=app user=alice passfile=/home/alice/.pgpass",
            "postgresql+psycopg://alice@/app?passfile=/home/alice/.pgpass&host=/run/pg",
        ),
        # percent-encoded passwords keep their meaning
        ("postgresql://u:Xy%40Pw%2Fs%25%3F@h/db", "postgresql+psycopg://u:Xy%40Pw%2Fs%25%3F@h/db"),
        # ?password= wins over the userinfo, as in libpq
        (f"postgresql://u:old@h/db?password={SECRET}", f"postgresql+psycopg://u:{SECRET}@h/db"),
        # a unix socket directory and host lists go to the query
        ("postgresql://u@/db?host=/tmp/s&port=5433", "postgresql+psycopg://u@/db?host=/tmp/s&port=5433"),
        ("postgresql://h1:5432,h2:5433/db", "postgresql+psycopg:///db?host=h1%2Ch2&port=5432%2C5433"),
        ("postgresql://u:p@[::1]:5432/db", "postgresql+psycopg://u:p@[::1]:5432/db"),
        # an '@' in the query of a URL without credentials is no password
        ("postgresql:///db?host=/s&application_name=me@x", "postgresql+psycopg:///db?host=/s&application_name=me%40x"),
        # a database name SQLAlchemy would not decode from the path goes to the query
        ("postgresql://u@h/my%20db%25", "postgresql+psycopg://u@h/?dbname=my%20db%25"),
        # libpq does not read '+' as a space; the canonical form keeps it a '+'
        ("postgresql://u@h/db?options=-c%20a%3Db+c", "postgresql+psycopg://u@h/db?options=-c%20a%3Db%2Bc"),
    ],
)
def test_normalize_accepts_what_psql_accepts(given: str, canonical: str) -> None:
    assert normalize_url(given) == canonical
    assert normalize_url(canonical) == canonical  # a fixed point
    assert SECRET not in mask_url(canonical)


def test_the_canonical_form_means_the_same_to_libpq_and_sqlalchemy() -> None:
    from psycopg.conninfo import conninfo_to_dict
    from sqlalchemy.dialects.postgresql.psycopg import PGDialect_psycopg
    from sqlalchemy.engine import make_url

    given = "host=/run/pg port=5433 user=al+ice password='p@ss/w%rd+ x?#' dbname='a b%?' options='-c x=1'"
    canonical = normalize_url(given)
    libpq = conninfo_to_dict(libpq_url(canonical))
    _args, sqlalchemy = PGDialect_psycopg().create_connect_args(make_url(canonical))
    assert libpq == conninfo_to_dict(given)
    assert {k: str(v) for k, v in sqlalchemy.items()} == libpq


@pytest.mark.parametrize(
    ("given", "message", "hint"),
    [
        (
            f"postgresql://u:Xy@{SECRET}@h/db",
            "--db has more than one '@'",
            "percent-encode '@' in the user name or password as %40",
        ),
        (
            f"postgresql://u:ab/{SECRET}@h/db",
            "--db has a '/' or '@' where libpq cannot tell user, password and host apart",
            "percent-encode '/' as %2F and '@' as %40 in the user name, password and database",
        ),
        (
            f"postgresql://u@h/db?PASSWORD={SECRET}",
            '--db is malformed: invalid URI query parameter: "PASSWORD"',
            "libpq parameter names are lower case (password, not PASSWORD)",
        ),
        (
            f"postgresql+psycopg://u@h/db?PASSWORD={SECRET}",
            '--db has an unknown connection parameter "PASSWORD"',
            "libpq parameter names are lower case (password, not PASSWORD)",
        ),
        (
            f"host=h PASSWORD={SECRET}",
            '--db is malformed: invalid connection option "PASSWORD"',
            "libpq parameter names are lower case (password, not PASSWORD)",
        ),
        (f"postgresql://u:ab%zz{SECRET}@h/db", '--db is malformed: invalid percent-encoded token: "..."', None),
        (f"host=h password=ab {SECRET} dbname=x", '--db is malformed: missing "=" after "..." in connection info string', None),
        (f"postgresql://u@h/db?{SECRET}", '--db is malformed: missing key/value separator "=" in URI query parameter: "..."', None),
        (f"postgresql+psycopg://u@h/db?{SECRET}=1", "--db has a query parameter libpq does not know", None),
        (f"postgresql://u:p@h:{SECRET}/db", "--db has a port that is not a number", None),
        (f"postgresql+psycopg://u:p@h:{SECRET}/db", "--db is malformed", None),
        (SECRET, "not a PostgreSQL database URL: --db is neither a postgresql:// URL nor a libpq keyword string", None),
    ],
)
def test_malformed_urls_are_refused_without_a_piece_of_them(
    given: str, message: str, hint: str | None
) -> None:
    with pytest.raises(ConfigError) as info:
        normalize_url(given, "--db")
    assert info.value.message == message
    if hint is not None:
        assert info.value.hint == hint
    assert SECRET not in str(info.value)


def test_scrub_removes_every_password_seen_and_pgpassword(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PGPASSWORD", "Env-Pgpassword-1")
    with pytest.raises(ConfigError):
        normalize_url("postgresql://u:Xy@Unencoded-At-Secret@h/db")
    normalize_url("host=h password=Kw-Secret-9 dbname=x")
    text = (
        "host Unencoded-At-Secret@h; Xy@Unencoded-At-Secret; Kw-Secret-9; Env-Pgpassword-1; "
        "postgresql://u:Never-Seen-1@h/db; host=h password=Never-Seen-2; ?sslpassword=Never-Seen-3"
    )
    scrubbed = scrub(text)
    for secret in ("Unencoded-At-Secret", "Kw-Secret-9", "Env-Pgpassword-1", "Never-Seen-1", "Never-Seen-2", "Never-Seen-3"):
        assert secret not in scrubbed
    assert "host=h password=*** " in scrubbed + " "
    hint = "use postgresql://USER:PASSWORD@HOST:PORT/DATABASE"  # a placeholder, kept readable
    assert scrub(hint) == hint


def test_libpq_url_is_what_psql_takes() -> None:
    assert libpq_url("postgresql+psycopg://u:p%40w@h:5/db?host=/x") == "postgresql://u:p%40w@h:5/db?host=/x"
    assert libpq_url(URL, hide_password=True) == "postgresql://alice:***@db.example.com:6543/app"


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        (f"postgresql+psycopg://u:{SECRET}@h:5432/db", "postgresql+psycopg://u:***@h:5432/db"),
        ("postgresql+psycopg://u@h/db", "postgresql+psycopg://u@h/db"),
        (f"postgresql://u@h/db?password={SECRET}&x=1", "postgresql://u@h/db?password=***&x=1"),
        (f"not a url u:{SECRET}@h", "not a url u:***@h"),
        (f"weird://u:{SECRET}@h:99999999/db", "weird://u:***@h:99999999/db"),
        ("", ""),
    ],
)
def test_mask_url(url: str, expected: str) -> None:
    assert mask_url(url) == expected


def test_mask_url_never_shows_the_password() -> None:
    for url in [
        f"postgresql://u:{SECRET}@h/db",
        f"://u:{SECRET}@",
        f"postgresql://u:{SECRET}@h:bad/db",
        f"x://u:{SECRET}@h/db",
        f"u:{SECRET}@h/db",
    ]:
        assert SECRET not in mask_url(url), url


def test_with_database_keeps_server_and_credentials() -> None:
    url = with_database(f"postgresql+psycopg://u:{SECRET}@h:5/postgres", "other")
    assert url == f"postgresql+psycopg://u:{SECRET}@h:5/other"


URL = f"postgresql+psycopg://alice:{SECRET}@db.example.com:6543/app"
WHERE = "db.example.com:6543"


@pytest.mark.parametrize(
    ("driver_message", "cause", "hint"),
    [
        (
            'connection failed: connection to server at "10.0.0.1", port 6543 failed: '
            "Connection refused\n\tIs the server running on that host and accepting TCP/IP "
            "connections?",
            f"could not connect to {WHERE}: connection refused",
            "is the server running? check host and port",
        ),
        (
            'connection failed: connection to server at "10.0.0.1", port 6543 failed: FATAL:  '
            'password authentication failed for user "alice"',
            f'password authentication failed for user "alice" at {WHERE}',
            "check the user and password in the URL",
        ),
        (
            'connection failed: connection to server at "10.0.0.1", port 6543 failed: FATAL:  '
            'database "app" does not exist',
            f'database "app" does not exist on {WHERE}',
            "create it with createdb, or point --db at an existing database",
        ),
        (
            "failed to resolve host 'db.example.com': [Errno -2] Name or service not known",
            "unknown host db.example.com",
            "check the host name in the URL",
        ),
        (
            'could not translate host name "db.example.com" to address: Name or service not known',
            "unknown host db.example.com",
            "check the host name in the URL",
        ),
        (
            "connection timeout expired",
            f"connection to {WHERE} timed out after 5 s",
            "is the server running and reachable? check host, port and firewall",
        ),
        (
            'connection failed: connection to server at "10.0.0.1", port 6543 failed: FATAL:  '
            'role "alice" does not exist',
            f'user "alice" does not exist on {WHERE}',
            "check the user name in the URL",
        ),
        (
            'connection failed: connection to server at "10.0.0.1", port 6543 failed: FATAL:  '
            "the database system is starting up",
            f"the server at {WHERE} is starting up",
            "wait a moment and retry",
        ),
    ],
)
def test_explain_operational_error(driver_message: str, cause: str, hint: str) -> None:
    error = explain_operational_error(Exception(driver_message), URL)
    assert isinstance(error, DatabaseError)
    assert error.message == cause
    assert error.hint == hint
    assert "\n" not in error.message


def test_explain_unknown_error_keeps_the_cause_on_one_line() -> None:
    message = (
        'connection failed: connection to server at "10.0.0.1", port 6543 failed: '
        "received invalid response to SSL negotiation: H\nmore detail"
    )
    error = explain_operational_error(Exception(message), URL)
    assert (
        error.message
        == f"cannot connect to {WHERE}: received invalid response to SSL negotiation: H"
    )


def test_explain_never_echoes_the_password() -> None:
    message = f"something odd with postgresql://alice:{SECRET}@db.example.com and {SECRET}"
    error = explain_operational_error(Exception(message), URL)
    assert SECRET not in str(error)


def test_explain_uses_the_wrapped_driver_error() -> None:
    class Wrapped(Exception):
        orig = Exception("connection timeout expired")

    error = explain_operational_error(Wrapped("(psycopg.OperationalError) ..."), URL)
    assert "timed out" in error.message


def test_resolve_prefers_the_cli_value_then_the_environment(tmp_path: Path) -> None:
    env = {
        "DATABASE_URL": "postgres://env@h/live",
        "SCHEMACTL_DEV_DATABASE_URL": "postgresql://env@h/dev",
    }
    assert resolve_live("postgresql://cli@h/db", tmp_path, env) == ResolvedDatabase(
        "postgresql+psycopg://cli@h/db", "--db"
    )
    assert resolve_live(None, tmp_path, env) == ResolvedDatabase(
        "postgresql+psycopg://env@h/live", "DATABASE_URL"
    )
    assert resolve_dev("postgres://cli@h/db", tmp_path, env) == ResolvedDatabase(
        "postgresql+psycopg://cli@h/db", "--dev-db"
    )
    assert resolve_dev(None, tmp_path, env) == ResolvedDatabase(
        "postgresql+psycopg://env@h/dev", "SCHEMACTL_DEV_DATABASE_URL"
    )
    assert not (tmp_path / ".schemactl").exists()


def test_resolve_rejects_a_bad_environment_url(tmp_path: Path) -> None:
    with pytest.raises(ConfigError):
        resolve_live(None, tmp_path, {"DATABASE_URL": f"mysql://u:{SECRET}@h/db"})


def test_resolved_database_displays_masked() -> None:
    assert (
        ResolvedDatabase(URL, "--db").display
        == "postgresql+psycopg://alice:***@db.example.com:6543/app"
    )


def test_scratch_names_are_unique_valid_identifiers() -> None:
    names = {scratch_name() for _ in range(50)}
    assert len(names) == 50
    for name in names:
        assert name.startswith("schemactl_scratch_")
        assert len(name.encode()) <= 63
    long = scratch_name("Very-Long prefix " * 10)
    assert len(long.encode()) <= 63
    assert long.replace("_", "").isalnum()
