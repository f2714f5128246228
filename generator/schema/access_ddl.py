"""The DDL of the spec's access rules (generator.spec.access): the roles it names (created
NOLOGIN when missing: the script runs on schemactl's own dev server only), then, last in the
script (after every table, view and function they name), row-level security, policies with
their comments, grants and default privileges. Pure.
"""

from __future__ import annotations

from generator.errors import DatabaseError
from generator.spec.access import (
    PUBLIC,
    REVOKE_PUBLIC_FIRST,
    default_privilege_sql,
    ensure_role_sql,
    grant_sql,
    policy_sql,
    rls_sql,
)
from generator.spec.functions_sql import aggregate_identity, comment_sql, identity
from generator.spec.model import Spec
from generator.spec.naming import quote_ident


def roles_first(spec: Spec) -> list[str]:
    """Create each listed role that is missing (NOLOGIN, no password, no attributes);
    predefined ``pg_*`` roles exist everywhere and are never created."""
    return [ensure_role_sql(r) for r in spec.access.roles if r != PUBLIC and not r.startswith("pg_")]


def grant_target(spec: Spec, kind: str, name: str) -> str:
    """What ``GRANT ... ON`` names for a spec object."""
    if kind == "function":
        fn = spec.functions.get(name)
        if fn is not None:
            return f"ROUTINE {identity(fn)}"
        return f"ROUTINE {aggregate_identity(spec.aggregates[name])}"
    if kind == "schema":
        return f"SCHEMA {quote_ident(name)}"
    from generator.spec.namespaces import qualified_sql

    if kind == "type":  # enums, composite and range types, domains: GRANT ... ON TYPE takes each
        return f"TYPE {qualified_sql(spec, name)}"
    return f"{'SEQUENCE' if kind == 'sequence' else 'TABLE'} {qualified_sql(spec, name)}"


def last(spec: Spec) -> list[str]:
    out: list[str] = []
    access = spec.access
    from generator.spec.namespaces import qualified_sql  # "billing"."invoices", or "jobs" in public

    for table, (enabled, forced) in access.rls.items():
        out += [s for s in rls_sql(qualified_sql(spec, table), enabled, forced) if "DISABLE" not in s and "NO FORCE" not in s]
    for table, policies in access.policies.items():
        for p in policies:
            out.append(policy_sql(p, qualified_sql(spec, table)))
            if p.comment:
                out.append(comment_sql("POLICY", f"{quote_ident(p.name)} ON {qualified_sql(spec, table)}", p.comment))
    for (kind, name), grants in access.grants.items():
        target = grant_target(spec, kind, name)
        if kind in REVOKE_PUBLIC_FIRST:
            out.append(f"REVOKE ALL ON {target} FROM PUBLIC")  # grants: is the whole list
        out += [grant_sql(target, g) for g in grants]
    out += [default_privilege_sql(d) for d in access.default_privileges]
    return out


def explain_role_privilege(statement: str, exc: BaseException) -> DatabaseError | None:
    """The creation of a role the spec names, refused to a dev role without CREATEROLE
    (SQLSTATE 42501), as one line naming the fix; None for any other failure."""
    orig = getattr(exc, "orig", None) or exc
    if getattr(orig, "sqlstate", None) != "42501" or not statement.startswith("DO $schemactl_role"):
        return None
    name = statement.split("WHERE rolname = '", 1)[-1].split("') THEN", 1)[0].replace("''", "'")
    return DatabaseError(
        f"the dev database user may not create role {name!r}, which the spec's grants or policies name",
        f'create it once on the dev server (CREATE ROLE "{name}" NOLOGIN), or give the dev user CREATEROLE',
        sqlstate="42501",
    )
