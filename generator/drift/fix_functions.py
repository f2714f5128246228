"""Fix SQL for functions, procedures, aggregates and triggers where migra is blind or wrong
(generator.pg.catalog_functions has the comparison):

- migra writes nothing for aggregates: CREATE AGGREGATE (the snapshot's definition is that
  statement) / DROP AGGREGATE;
- migra ignores comments on functions and triggers, and a trigger it drops and re-creates
  loses its comment and its enabled state (``ALTER TABLE ... DISABLE TRIGGER``); migra does
  not compare the enabled state at all.
"""

from __future__ import annotations

import re

from generator import qualnames
from generator.drift.report import Statement, describe_statement
from generator.pg import function_replace
from generator.pg.catalog import Change, Snapshot
from generator.pg.catalog_functions import routine, split_key

_STATE = {"origin": "ENABLE", "always": "ENABLE ALWAYS", "replica": "ENABLE REPLICA", "disabled": "DISABLE"}


def _ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def create_trigger(name: str, definition: str) -> str:
    """A snapshot's trigger definition (``pg_get_triggerdef`` without the name) with ``name``."""
    return re.sub(r"^CREATE (CONSTRAINT )?TRIGGER ", lambda m: f"CREATE {m.group(1) or ''}TRIGGER {_ident(name)} ", definition, count=1)


def _kind(definition: str | None) -> str:
    return "AGGREGATE" if (definition or "").startswith("CREATE AGGREGATE ") else "ROUTINE"


def function_sql(change: Change, live: Snapshot, spec: Snapshot) -> list[str] | None:
    """The fallback for a function change no statement of migra's covers."""
    key, action = change.name, change.action
    if action != "removed" and key not in spec.functions:
        return None
    if action == "changed" and _kind(spec.functions[key]) != "AGGREGATE":
        return [spec.functions[key]]  # CREATE OR REPLACE: triggers that use it stay (rebuild adds a DROP where it cannot)
    sql = []
    if action != "added":
        sql.append(f"DROP {_kind(live.functions.get(key))} {routine(key)}")
    if action != "removed":
        sql.append(spec.functions[key])
    return sql


def after(out: list[Statement], live: Snapshot, spec: Snapshot) -> list[Statement]:
    """Comments of functions and triggers, and triggers' enabled states, last in the script."""
    touched = set()
    for s in out:
        d = describe_statement(s.sql)
        if d is not None and d.kind in ("trigger", "function", "procedure", "aggregate"):
            touched.add((d.kind, d.name))
    sql: list[str] = []
    for key, definition in sorted(spec.functions.items()):
        comment = spec.function_comments.get(key)
        bare = split_key(key)[0]
        redone = key not in live.functions or any(k != "trigger" and n == bare for k, n in touched)
        if live.function_comments.get(key) != comment or (redone and comment is not None):
            sql.append(f"COMMENT ON {_kind(definition)} {routine(key)} IS {_literal(comment)}")
    for (table, name) in sorted(spec.triggers):
        on = qualnames.sql(table)  # "public"."t", "billing"."t"
        redone = (table, name) not in live.triggers or ("trigger", f"{table}.{name}") in touched
        state = spec.trigger_states.get((table, name), "origin")
        if live.trigger_states.get((table, name), "origin") != state or (redone and state != "origin"):
            sql.append(f"ALTER TABLE {on} {_STATE[state]} TRIGGER {_ident(name)}")
        comment = spec.trigger_comments.get((table, name))
        if live.trigger_comments.get((table, name)) != comment or (redone and comment is not None):
            sql.append(f"COMMENT ON TRIGGER {_ident(name)} ON {on} IS {_literal(comment)}")
    return [Statement(s, False, "schemactl", "") for s in sql]


def _literal(text: str | None) -> str:
    return "NULL" if text is None else "'" + text.replace("'", "''") + "'"


def functions_first(out: list[Statement], spec: Snapshot) -> list[Statement]:
    """migra writes functions after the tables; a function that a CHECK, default or index of
    the spec depends on (pg_depend of the spec's database: ``Snapshot.function_users``) moves
    to just before the first CREATE TABLE, so the table's statement finds it (issue 17 item 6).
    migra's script runs with check_function_bodies off, so a sql body may name a table that
    does not exist yet."""
    users = {split_key(k)[0] for k in getattr(spec, "function_users", set())}
    if not users:
        return out
    moved, rest = [], []
    for s in out:
        d = describe_statement(s.sql)
        is_create = s.sql.lstrip().lower().startswith("create")
        (moved if d is not None and d.kind == "function" and d.name in users and is_create else rest).append(s)
    at = next((i for i, s in enumerate(rest) if s.sql.lstrip().lower().startswith("create table")), None)
    if not moved or at is None:
        return out
    return rest[:at] + moved + rest[at:]


def rebuild(out: list[Statement], changes: list[Change], live: Snapshot, spec: Snapshot) -> tuple[list[Statement], list[str]]:
    """A function change CREATE OR REPLACE cannot make (generator.pg.function_replace) becomes
    DROP + CREATE: the DROP goes before the function's CREATE (migra writes only CREATE OR
    REPLACE for a new return type or a removed default), and the triggers that execute it are
    dropped before and re-created after (``after`` then restores their enabled state and
    comment); the views that call it are dropped and re-created by generator.drift.fix_views
    (catalog_views.plan). Returns the statements and the changes it cannot fix: a function a
    CHECK, default or index calls."""
    keys = function_replace.rebuilt(changes, live, spec)
    if not keys:
        return out, []
    missing = [f"function {k}: CREATE OR REPLACE cannot make this change and a CHECK, default or index calls it "
               "(drop those, change the function, re-add them)" for k in function_replace.blocked_by_users(keys, live)]
    touched = {(d.kind, d.name) for s in out if (d := describe_statement(s.sql)) is not None}
    for key in keys:
        bare = split_key(key)[0]
        at = next((i for i, s in enumerate(out) if s.sql.lstrip().lower().startswith("create")
                   and (d := describe_statement(s.sql)) is not None and d.kind in ("function", "procedure") and d.name == bare), None)
        if at is None:
            continue
        dropped = any(s.sql.lstrip().lower().startswith(("drop function", "drop procedure", "drop routine"))
                      and (d := describe_statement(s.sql)) is not None and d.name == bare for s in out[:at])  # migra's, for a renamed parameter
        triggers = [t for t in function_replace.triggers_using(live, [key])
                    if t in spec.triggers and ("trigger", f"{t[0]}.{t[1]}") not in touched]
        before = [Statement(f"DROP TRIGGER {_ident(name)} ON public.{_ident(table)}", False, "schemactl",
                            f"{bare}: CREATE OR REPLACE cannot make this change") for table, name in triggers]
        if not dropped:
            before.append(Statement(f"DROP {_kind(live.functions.get(key))} {routine(key)}", False, "schemactl",
                                    f"{bare}: CREATE OR REPLACE cannot make this change"))
        after_create = [Statement(create_trigger(name, spec.triggers[(table, name)]), False, "schemactl",
                                  f"{bare}: CREATE OR REPLACE cannot make this change") for table, name in triggers]
        out = out[:at] + before + [out[at]] + after_create + out[at + 1:]
    return out, missing
