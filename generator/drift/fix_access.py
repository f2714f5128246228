"""The fixing SQL for row-level security, policies, grants and default privileges (issue 17
item 4). Pure.

migra (run with ``privileges=False``) writes no GRANT or REVOKE, never FORCE ROW LEVEL
SECURITY, no policy comments, and drops and re-creates a changed policy from its own
rendering. So migra's statements about policies and row-level security are replaced here,
and the rest is written from the two catalog snapshots (``generator.pg.catalog_access``):

- first: DROP POLICY for the live policies the spec removes or changes (before a function a
  policy calls can be dropped or replaced);
- last, after every object exists: ``ALTER TABLE ... ENABLE/DISABLE/FORCE/NO FORCE ROW LEVEL
  SECURITY``, CREATE POLICY (and COMMENT ON POLICY), REVOKE then GRANT per object, and
  ALTER DEFAULT PRIVILEGES. An object the script creates, or drops and creates again (a
  view around a change), starts from PostgreSQL's defaults (EXECUTE to PUBLIC on a function,
  nothing on the others), so its grants are written whole.
"""

from __future__ import annotations

import re

from generator import qualnames
from generator.drift.report import Statement, describe_statement
from generator.pg.catalog import Change, Snapshot
from generator.pg.catalog_access import DefaultGrant, Grant, Policy, default_label
from generator.pg.catalog_functions import routine
from generator.spec.naming import quote_ident
from generator.spec.types import quote_literal

ACCESS_KINDS = ("row level security", "policy", "grant", "default privileges", "role")
_MIGRA_ACCESS = re.compile(
    r"^\s*((create|drop|alter)\s+policy\b|alter\s+table\s+.*\s(enable|disable)\s+row\s+level\s+security\s*;?\s*$)",
    re.IGNORECASE | re.DOTALL)
_DEFAULTS = {"function": {("public", "execute", False)}, "type": {("public", "usage", False)}}
_ROLE_NOTE = ("a role the spec names is missing on this server: roles are cluster-wide, so schemactl never "
              "creates one on a target; create it (without the comment) if it should exist")
_NOTE = "migra writes no grants, FORCE ROW LEVEL SECURITY or policy comments"


def _table(name: str) -> str:
    return qualnames.sql(name)  # "public"."t", "billing"."t" (generator.qualnames)


def _role(name: str) -> str:
    return "PUBLIC" if name == "public" else quote_ident(name)


def _target(kind: str, name: str) -> str:
    if kind == "function":
        return f"ROUTINE {routine(name)}"
    if kind == "schema":
        return f"SCHEMA {quote_ident(name)}"
    if kind == "type":  # enums, domains, composite and range types (snapshot names: bare in public)
        from generator.drift.fix_schemas import qualified

        return f"TYPE {qualified(name)}"
    return f"{'SEQUENCE' if kind == 'sequence' else 'TABLE'} {_table(name)}"


def _privilege(g: Grant | DefaultGrant) -> str:
    column = f" ({quote_ident(g.column)})" if isinstance(g, Grant) and g.column else ""
    return g.privilege.upper() + column


def grant_statements(target: str, have: set, want: set) -> list[str]:
    """REVOKE what ``have`` holds beyond ``want``, then GRANT what it lacks (entries of one
    object: Grant or DefaultGrant; ``target`` is ``TABLE public."t"`` or ``ON TABLES`` form)."""
    out = [f"REVOKE {_privilege(g)} ON {target} FROM {_role(g.grantee)}" for g in sorted(have - want)]
    out += [f"GRANT {_privilege(g)} ON {target} TO {_role(g.grantee)}{' WITH GRANT OPTION' if g.grantable else ''}"
            for g in sorted(want - have)]
    return out


def create_policy(table: str, name: str, p: Policy) -> str:
    sql = (f"CREATE POLICY {quote_ident(name)} ON {_table(table)} AS {'PERMISSIVE' if p.permissive else 'RESTRICTIVE'} "
           f"FOR {p.command.upper()} TO {', '.join(_role(r) for r in p.roles)}")
    if p.using is not None:
        sql += f" USING ({p.using})"
    if p.with_check is not None:
        sql += f" WITH CHECK ({p.with_check})"
    return sql


def _dropped(out: list[Statement]) -> set[tuple[str, str]]:
    """(kind, name) of the objects the script drops (and may create again)."""
    found = set()
    for s in out:
        d = describe_statement(s.sql)
        if d is not None and d.action == "removed":
            kind = {"materialized view": "view"}.get(d.kind, d.kind)
            found.add((kind, d.name))
    return found


def _exists(snapshot: Snapshot, kind: str, name: str) -> bool:
    from generator.pg.catalog_access import schema_names, type_names

    if kind in ("schema", "type"):
        return name in (schema_names(snapshot) if kind == "schema" else type_names(snapshot))
    return name in {"table": snapshot.tables, "view": snapshot.views, "sequence": snapshot.sequences,
                    "function": snapshot.functions}.get(kind, {})


def fix_access(out: list[Statement], changes: list[Change], live: Snapshot, spec: Snapshot,
               view_drops: list[Statement] = (),  # type: ignore[assignment]
               rebuilt_functions: list[str] = ()  # type: ignore[assignment]
               ) -> tuple[list[Statement], list[Change], list[Statement], list[Statement]]:
    """(migra's statements without those about policies and RLS, the changes left for the
    other fixers, statements to run first, statements to run last). ``view_drops``: the
    views ``generator.drift.fix_views`` drops (and creates again): their grants are lost;
    ``rebuilt_functions``: likewise the functions ``fix_functions.rebuild`` drops and creates."""
    kept = [s for s in out if not _MIGRA_ACCESS.match(s.sql)]
    # only what is still drift (the changes unmanaged: entries set aside are gone), and what
    # the script creates or drops and creates again
    found = {(c.kind, c.name) for c in changes}
    rest = [c for c in changes if c.kind not in ACCESS_KINDS and not (c.kind == "comment" and c.name.startswith("policy "))]
    dropped = _dropped(kept + list(view_drops)) | {("function", k.split("(", 1)[0]) for k in rebuilt_functions}
    first, last = access_statements(live, spec, dropped, found)
    roles = [Statement(f"-- CREATE ROLE {quote_ident(c.name)} NOLOGIN", False, "schemactl", _ROLE_NOTE)
             for c in changes if c.kind == "role"]
    return (kept, rest, roles + [Statement(s, False, "schemactl", _NOTE) for s in first],
            [Statement(s, s.startswith("REVOKE") or " REVOKE " in s, "schemactl", _NOTE) for s in last])


def access_statements(live: Snapshot, spec: Snapshot, dropped: set[tuple[str, str]],
                      found: set[tuple[str, str]] | None = None) -> tuple[list[str], list[str]]:
    """(DROP POLICY statements to run first, the RLS, policy, grant and default-privilege
    statements to run last) that turn ``live``'s access rules into ``spec``'s. ``dropped``:
    (kind, name) of objects the script drops and creates again; ``found``: the (kind, name)
    of the changes still to fix (None: every difference)."""
    if found is None:
        from generator.pg.catalog import compare

        found = {(c.kind, c.name) for c in compare(live, spec)}
    a, b = live.access, spec.access
    first: list[str] = []
    last: list[str] = []
    for table in sorted(b.rls.keys() | a.rls.keys()):
        if table not in spec.tables:
            continue
        fresh = table not in live.tables or ("table", table) in dropped
        if not fresh and ("row level security", table) not in found:
            continue
        x = a.rls.get(table, (False, False)) if not fresh else (False, False)
        y = b.rls.get(table, (False, False))
        if x[0] != y[0]:
            last.append(f"ALTER TABLE {_table(table)} {'ENABLE' if y[0] else 'DISABLE'} ROW LEVEL SECURITY")
        if x[1] != y[1]:
            last.append(f"ALTER TABLE {_table(table)} {'FORCE' if y[1] else 'NO FORCE'} ROW LEVEL SECURITY")
    for key in sorted(a.policies.keys() | b.policies.keys()):
        table, name = key
        fresh = table not in live.tables or ("table", table) in dropped
        label = f"{table}.{name}"
        gone = table not in spec.tables and ("table", table) in found  # dropped with its table, but first:
        if not fresh and not gone and ("policy", label) not in found and ("comment", f"policy {label}") not in found:
            continue  # a function its policy calls may be dropped before the table
        x = None if fresh else a.policies.get(key)
        y = b.policies.get(key) if table in spec.tables else None
        if x is not None and x != y:
            first.append(f"DROP POLICY {quote_ident(name)} ON {_table(table)}")
        if y is not None and x != y:
            last.append(create_policy(table, name, y))
        comment = b.policy_comments.get(key)
        if y is not None and (a.policy_comments.get(key) != comment or (x != y and comment is not None)):
            last.append(f"COMMENT ON POLICY {quote_ident(name)} ON {_table(table)} IS "
                        f"{quote_literal(comment) if comment is not None else 'NULL'}")
    from generator.pg.catalog_access import type_names

    # functions and types hold a default (PUBLIC's EXECUTE, USAGE) that a fresh one may have to lose
    objects = {(g.kind, g.name) for g in a.grants | b.grants} | {("function", f) for f in spec.functions} | {
        ("type", t) for t in type_names(spec)}
    for kind, name in sorted(objects):
        if not _exists(spec, kind, name):
            continue
        fresh = not _exists(live, kind, name) or (kind, name.split("(", 1)[0]) in dropped
        if not fresh and ("grant", f"{kind} {name}") not in found:
            continue
        default = {Grant(kind, name, "", *d) for d in _DEFAULTS.get(kind, ())}
        have = default if fresh else a.grants_of(kind, name)
        last += grant_statements(_target(kind, name), have, b.grants_of(kind, name))
    for key in sorted({(d.for_role, d.schema, d.on) for d in a.default_acl | b.default_acl}):
        for_role, schema, on = key
        if ("default privileges", default_label(*key)) not in found:
            continue
        prefix = "ALTER DEFAULT PRIVILEGES" + (f" FOR ROLE {quote_ident(for_role)}" if for_role else "") + (
            f" IN SCHEMA {quote_ident(schema)}" if schema else "")
        have = {d for d in a.default_acl if (d.for_role, d.schema, d.on) == key}
        want = {d for d in b.default_acl if (d.for_role, d.schema, d.on) == key}
        last += [f"{prefix} {s}" for s in grant_statements(on.upper(), have, want)]
    return first, last
