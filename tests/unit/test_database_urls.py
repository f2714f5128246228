"""Pure parts of generator.pg.database: URL normalizing and masking, explaining connection
errors, resolving --db / env without the embedded server, scratch database names."""

from __future__ import annotations

from pathlib import Path

import pytest

from generator.errors import ConfigError, DatabaseError
from generator.pg.database import (
    ResolvedDatabase,
    explain_operational_error,
    mask_url,
    normalize_url,
    resolve_dev,
    resolve_live,
    scratch_name,
    with_database,
)

SECRET = "Sup3r-Secret-pw"


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


def test_normalize_error_names_the_masked_url() -> None:
    with pytest.raises(ConfigError) as info:
        normalize_url(f"mysql://u:{SECRET}@h/db")
    assert "mysql://u:***@h/db" in info.value.message


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
