"""Helpers of the drift tests (imported by name; fixtures live in conftest.py)."""

from __future__ import annotations

import re

PASSWORD = "Corr3ct-Horse-drift"


def split_script(script: str) -> list[str]:
    """Split a SQL script into statements the way psql does: on ';' outside quotes, dollar
    quotes and comments."""
    statements, current, i = [], [], 0
    quote: str | None = None
    while i < len(script):
        ch = script[i]
        if quote:
            if script.startswith(quote, i):
                current.append(quote)
                i += len(quote)
                quote = None
                continue
            current.append(ch)
            i += 1
            continue
        if script.startswith("--", i):
            end = script.find("\n", i)
            i = len(script) if end < 0 else end + 1
            continue
        dollar = re.match(r"\$[A-Za-z_]*\$", script[i:])
        if dollar:
            quote = dollar.group(0)
        elif ch in "'\"":
            quote = ch
        if ch == ";" and quote is None:
            text = "".join(current).strip()
            if text:
                statements.append(text)
            current = []
            i += 1
            continue
        token = quote if dollar else ch
        current.append(token)
        i += len(token)
    tail = "".join(current).strip()
    if tail:
        statements.append(tail)
    return statements


def apply_script(url: str, script: str) -> None:
    """Run a script statement by statement in autocommit, as ``psql -f`` does."""
    from generator.pg.database import connect

    engine = connect(url, autocommit=True)
    try:
        with engine.connect() as conn:
            for statement in split_script(script):
                conn.exec_driver_sql(statement.replace("%", "%%"))
    finally:
        engine.dispose()


def scratch_databases(
    server_url: str, prefixes: tuple[str, ...] = ("schemactl_diff", "schemactl_building_")
) -> set[str]:
    """Scratch databases of diffs on a server: a diff's own, and unfinished builds of kept ones."""
    from sqlalchemy import text

    from generator.pg.database import connect

    engine = connect(server_url)
    try:
        with engine.connect() as conn:
            rows = conn.execute(
                text("SELECT datname FROM pg_database WHERE datname LIKE 'schemactl_%'")
            )
            return {name for name in rows.scalars() if name.startswith(prefixes)}
    finally:
        engine.dispose()


def with_password(url: str, user: str = "postgres", password: str = PASSWORD) -> str:
    return url.replace("postgres@", f"{user}:{password}@", 1)


def execute_autocommit(url: str, *statements: str) -> list:
    """Run statements one by one in autocommit; the rows of the last one."""
    from generator.pg.database import connect

    engine = connect(url, autocommit=True)
    try:
        with engine.connect() as conn:
            rows: list = []
            for statement in statements:
                result = conn.exec_driver_sql(statement)
                rows = result.fetchall() if result.returns_rows else []
            return rows
    finally:
        engine.dispose()


def cached_specs(server_url: str) -> dict[str, str]:
    """The cached spec databases on a server: name -> comment."""
    from generator.drift.spec_db import KIND
    from generator.pg import dbcache

    return dbcache.kept(server_url, KIND)


def drop_cached_specs(server_url: str) -> None:
    """Drop every cached spec database on a server (the next diff there builds the spec)."""
    import time

    from generator.drift.spec_db import KIND
    from generator.pg import dbcache

    # a diff killed by the test before (test_diff_safety) may leave its backend exiting for a
    # moment; prune never forces, so wait for such a connection to go
    deadline = time.monotonic() + 15
    dbcache.prune(server_url, KIND, keep=0)
    while cached_specs(server_url) and time.monotonic() < deadline:
        time.sleep(0.2)
        dbcache.prune(server_url, KIND, keep=0)
    assert not cached_specs(server_url), "a cached spec database is in use"
