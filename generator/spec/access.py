"""Row-level security, policies, privileges and the roles they name (issue 17 item 4).

The spec's syntax::

    roles: [app_user, reporting]            # every role a grant, policy or default privilege names
    tables:
      jobs:
        rls: {enabled: true, forced: false}
        policies:
          - {name: tenant_isolation, as: permissive, command: all, roles: [app_user],
             using: "...", with_check: "...", comment: "..."}
        grants:
          - {role: reporting, privileges: [select]}
          - {role: app_user, privileges: [update], columns: [status]}
    views / sequences / functions / aggregates: the same ``grants:`` list
    enums / domains / types: ``grants:`` of USAGE
    schemas: {public: {grants: [{role: app_user, privileges: [usage, create]}]}}
    default_privileges:
      - {for_role: app_owner, schema: public, on: tables, role: reporting, privileges: [select]}

``grants:`` is the whole list of what roles other than the owner hold (owners are not
managed). Without ``grants:`` an object holds PostgreSQL's defaults: nothing on tables,
views, sequences and a new schema, EXECUTE to PUBLIC on functions, USAGE to PUBLIC on types,
domains and the public schema; a function, type, domain or schema with ``grants:`` holds
exactly the list (``REVOKE ALL ... FROM PUBLIC`` first). ``public`` means PUBLIC.

Roles are cluster-wide, so the spec never creates one with a password or attributes: the
build of the spec on schemactl's own dev server creates a missing one as NOLOGIN
(``ensure_role_sql``). USING and WITH CHECK are SQL fragments (one expression, subqueries
allowed: ``generator.spec.sql_fragments`` kinds ``policy_using``/``policy_check``); every
identifier is quoted here. Pure: no SQLAlchemy, no database.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from generator.spec.naming import quote_ident
from generator.spec.source import Path

if TYPE_CHECKING:
    from generator.errors import Problem
    from generator.spec.source import Source

PUBLIC = "public"
COMMANDS = ("all", "select", "insert", "update", "delete")
# Privileges per object kind, in PostgreSQL's order (aclexplode's privilege_type, lower-cased)
PRIVILEGES = {
    "table": ("select", "insert", "update", "delete", "truncate", "references", "trigger", "maintain"),
    "view": ("select", "insert", "update", "delete", "truncate", "references", "trigger", "maintain"),
    "column": ("select", "insert", "update", "references"),
    "sequence": ("usage", "select", "update"),
    "function": ("execute",),
    "schema": ("usage", "create"),
    "type": ("usage",),
}
_KNOWN = frozenset(p for ps in PRIVILEGES.values() for p in ps)
DEFAULT_ON = {"tables": "table", "sequences": "sequence", "functions": "function", "types": "type", "schemas": "schema"}
# What each kind holds by default (besides its owner): granted to PUBLIC
PUBLIC_DEFAULT = {"function": ("execute",), "type": ("usage",)}
# Kinds whose ``grants:`` start by revoking PUBLIC's default (the list is the whole list); the
# public schema holds USAGE to PUBLIC from its creation (a new schema holds nothing)
REVOKE_PUBLIC_FIRST = ("function", "type", "schema")


@dataclass(frozen=True)
class GrantSpec:
    role: str
    privileges: tuple[str, ...]  # lower case; ``all`` expanded
    columns: tuple[str, ...] = ()
    with_grant_option: bool = False
    path: Path = ()


@dataclass(frozen=True)
class PolicySpec:
    name: str
    table: str
    permissive: bool = True
    command: str = "all"
    roles: tuple[str, ...] = (PUBLIC,)
    using: str | None = None
    with_check: str | None = None
    comment: str = ""
    path: Path = ()


@dataclass(frozen=True)
class DefaultPrivilegeSpec:
    on: str  # tables | sequences | functions | types | schemas
    role: str
    privileges: tuple[str, ...]
    for_role: str | None = None
    schema: str | None = None
    with_grant_option: bool = False
    path: Path = ()


@dataclass(frozen=True)
class AccessSpec:
    roles: tuple[str, ...] = ()
    rls: dict[str, tuple[bool, bool]] = field(default_factory=dict)  # table -> (enabled, forced)
    policies: dict[str, tuple[PolicySpec, ...]] = field(default_factory=dict)  # table -> policies
    grants: dict[tuple[str, str], tuple[GrantSpec, ...]] = field(default_factory=dict)  # (kind, name) -> grants
    default_privileges: tuple[DefaultPrivilegeSpec, ...] = ()
    roles_path: Path = ("roles",)

    def named_roles(self) -> Iterator[tuple[str, Path]]:
        """Every role a grant, policy or default privilege names, with where."""
        for grants in self.grants.values():
            for g in grants:
                yield g.role, g.path + ("role",)
        for policies in self.policies.values():
            for p in policies:
                for i, r in enumerate(p.roles):
                    yield r, p.path + ("roles", i)
        for d in self.default_privileges:
            yield d.role, d.path + ("role",)
            if d.for_role:
                yield d.for_role, d.path + ("for_role",)


# ------------------------------------------------------------------ building


def _strings(value: Any) -> tuple[str, ...]:
    return tuple(str(v) for v in value) if isinstance(value, list) else ()


def expand(kind: str, privileges: tuple[str, ...]) -> tuple[str, ...]:
    """Lower-cased privileges, ``all`` expanded to ``kind``'s full set, in PostgreSQL's order."""
    wanted = {p.lower() for p in privileges}
    full = PRIVILEGES.get(kind, ())
    if "all" in wanted:
        wanted = (wanted - {"all"}) | set(full)
    known = [p for p in full if p in wanted]
    return tuple(known + sorted(wanted - set(full)))


def _grants(items: Any, kind: str, path: Path) -> tuple[GrantSpec, ...]:
    out = []
    for i, item in enumerate(items if isinstance(items, list) else ()):
        if not isinstance(item, dict):
            continue
        columns = _strings(item.get("columns"))
        out.append(GrantSpec(
            str(item.get("role", "")), expand("column" if columns else kind, _strings(item.get("privileges"))),
            columns, item.get("with_grant_option") is True, path + (i,),
        ))
    return tuple(out)


def _partition_grants(body: dict[str, Any], path: Path, grants: dict[tuple[str, str], tuple[GrantSpec, ...]]) -> None:
    """``grants:`` of a table's partitions (and theirs), each a table of its own."""
    partitions = body.get("partitions")
    for name, item in (partitions.items() if isinstance(partitions, dict) else ()):
        if not isinstance(item, dict):
            continue
        here = path + ("partitions", name)
        if "grants" in item:
            grants[("table", str(name))] = _grants(item.get("grants"), "table", here + ("grants",))
        _partition_grants(item, here, grants)


def build_access(data: Any) -> AccessSpec:
    """The access part of a spec's data (malformed entries are the JSON Schema's to report)."""
    if not isinstance(data, dict):
        return AccessSpec()
    rls: dict[str, tuple[bool, bool]] = {}
    policies: dict[str, tuple[PolicySpec, ...]] = {}
    grants: dict[tuple[str, str], tuple[GrantSpec, ...]] = {}
    tables = data.get("tables")
    for name, body in (tables.items() if isinstance(tables, dict) else ()):
        if not isinstance(body, dict):
            continue
        flags = body.get("rls")
        if isinstance(flags, dict) and (flags.get("enabled") is True or flags.get("forced") is True):
            rls[name] = (flags.get("enabled") is True, flags.get("forced") is True)
        found = []
        for i, item in enumerate(body.get("policies") or () if isinstance(body.get("policies"), list) else ()):
            if not isinstance(item, dict):
                continue
            roles = _strings(item.get("roles")) or (PUBLIC,)
            found.append(PolicySpec(
                str(item.get("name", "")), name, str(item.get("as", "permissive")) != "restrictive",
                str(item.get("command", "all")), roles,
                item["using"] if isinstance(item.get("using"), str) else None,
                item["with_check"] if isinstance(item.get("with_check"), str) else None,
                str(item.get("comment", "") or ""), ("tables", name, "policies", i),
            ))
        if found:
            policies[name] = tuple(found)
        if "grants" in body:
            grants[("table", name)] = _grants(body.get("grants"), "table", ("tables", name, "grants"))
        _partition_grants(body, ("tables", name), grants)
    for top, kind in (("views", "view"), ("sequences", "sequence"), ("functions", "function"), ("aggregates", "function"),
                      ("schemas", "schema"), ("enums", "type"), ("domains", "type"), ("types", "type")):
        section = data.get(top)
        for name, body in (section.items() if isinstance(section, dict) else ()):
            if isinstance(body, dict) and "grants" in body:
                grants[(kind, name)] = _grants(body.get("grants"), kind, (top, name, "grants"))
    defaults = []
    for i, item in enumerate(data.get("default_privileges") or () if isinstance(data.get("default_privileges"), list) else ()):
        if not isinstance(item, dict):
            continue
        on = str(item.get("on", "tables"))
        defaults.append(DefaultPrivilegeSpec(
            on, str(item.get("role", "")), expand(DEFAULT_ON.get(on, on), _strings(item.get("privileges"))),
            item["for_role"] if isinstance(item.get("for_role"), str) else None,
            item["schema"] if isinstance(item.get("schema"), str) else None,
            item.get("with_grant_option") is True, ("default_privileges", i),
        ))
    return AccessSpec(_strings(data.get("roles")), rls, policies, grants, tuple(defaults))


# ------------------------------------------------------------------ checks


def check_access(spec: Any, source: Source) -> Iterator[Problem]:
    """Roles named but not listed, privileges a kind does not have, policy clauses a command
    refuses, unknown columns, and the fragment rule for USING / WITH CHECK."""
    from generator.spec.sql_fragments import FragmentProblem, check_fragment

    access: AccessSpec = spec.access
    listed = set(access.roles)
    for i, role in enumerate(access.roles):
        if role.lower() == PUBLIC:
            yield source.problem(access.roles_path + (i,), "roles: public means PUBLIC (every role); do not list it")
    for role, path in access.named_roles():
        if role != PUBLIC and role not in listed:
            yield source.problem(path, f"role {role!r} is not listed under roles: (add it there; `public` means PUBLIC)")
    for (kind, name), grants in access.grants.items():
        table = spec.tables.get(name) if kind == "table" else None
        for g in grants:
            allowed = PRIVILEGES["column" if g.columns else kind]
            for p in g.privileges:
                if p not in allowed and p in _KNOWN:  # an unknown word is the JSON Schema's to report
                    what = f"a column grant on {name}" if g.columns else f"{kind} {name}"
                    yield source.problem(g.path + ("privileges",), f"{what}: privilege {p!r} does not apply (allowed: {', '.join(allowed)}, all)")
            if not g.privileges:
                yield source.problem(g.path + ("privileges",), f"grant to {g.role} on {name}: list at least one privilege")
            if g.columns and kind not in ("table", "view"):
                yield source.problem(g.path + ("columns",), f"{kind} {name}: column grants apply to tables and views only")
            for c in g.columns if table is not None else ():
                if c not in table.columns:
                    yield source.problem(g.path + ("columns",), f"grant on {name}: no column {c!r} in the table")
    for table, policies in access.policies.items():
        seen: set[str] = set()
        for p in policies:
            where = f"policy {p.name} on {table}"
            if p.name in seen:
                yield source.problem(p.path + ("name",), f"{where}: a second policy of that name on the table")
            seen.add(p.name)
            if p.command == "insert" and p.using is not None:
                yield source.problem(p.path + ("using",), f"{where}: an INSERT policy has only with_check (PostgreSQL refuses USING)")
            if p.command in ("select", "delete") and p.with_check is not None:
                yield source.problem(p.path + ("with_check",), f"{where}: a {p.command.upper()} policy has only using (PostgreSQL refuses WITH CHECK)")
            if PUBLIC in p.roles and len(p.roles) > 1:
                yield source.problem(p.path + ("roles",), f"{where}: public already means every role; list it alone")
            for text, key, kind in ((p.using, "using", "policy_using"), (p.with_check, "with_check", "policy_check")):
                if text is None:
                    continue
                try:
                    check_fragment(text, kind)  # type: ignore[arg-type]
                except FragmentProblem as exc:
                    yield source.problem(p.path + (key,), f"{where}: {exc}")
    for d in access.default_privileges:
        kind = DEFAULT_ON.get(d.on, d.on)
        for p in d.privileges:
            if p not in PRIVILEGES.get(kind, ()) and p in _KNOWN:
                yield source.problem(d.path + ("privileges",), f"default privileges on {d.on}: privilege {p!r} does not apply")
        if d.on == "schemas" and d.schema:
            yield source.problem(d.path + ("schema",), "default privileges on schemas cannot be limited to a schema (PostgreSQL refuses IN SCHEMA)")


# ------------------------------------------------------------------ SQL


def role_sql(role: str) -> str:
    return "PUBLIC" if role == PUBLIC else quote_ident(role)


def _privilege_list(privileges: tuple[str, ...], columns: tuple[str, ...] = ()) -> str:
    cols = f" ({', '.join(quote_ident(c) for c in columns)})" if columns else ""
    return ", ".join(p.upper() + cols for p in privileges)


def grant_sql(target: str, g: GrantSpec) -> str:
    """``GRANT ... ON <target> TO role``; ``target`` is e.g. ``TABLE "jobs"`` (already quoted)."""
    option = " WITH GRANT OPTION" if g.with_grant_option else ""
    return f"GRANT {_privilege_list(g.privileges, g.columns)} ON {target} TO {role_sql(g.role)}{option}"


def policy_sql(p: PolicySpec, table_sql: str | None = None) -> str:
    on = table_sql or quote_ident(p.table)
    sql = (f"CREATE POLICY {quote_ident(p.name)} ON {on} AS {'PERMISSIVE' if p.permissive else 'RESTRICTIVE'} "
           f"FOR {p.command.upper()} TO {', '.join(role_sql(r) for r in p.roles)}")
    if p.using is not None:
        sql += f" USING ({p.using})"
    if p.with_check is not None:
        sql += f" WITH CHECK ({p.with_check})"
    return sql


def rls_sql(table_sql: str, enabled: bool, forced: bool) -> list[str]:
    return [f"ALTER TABLE {table_sql} {'ENABLE' if enabled else 'DISABLE'} ROW LEVEL SECURITY",
            f"ALTER TABLE {table_sql} {'FORCE' if forced else 'NO FORCE'} ROW LEVEL SECURITY"]


def default_privilege_sql(d: DefaultPrivilegeSpec) -> str:
    sql = "ALTER DEFAULT PRIVILEGES"
    if d.for_role:
        sql += f" FOR ROLE {quote_ident(d.for_role)}"
    if d.schema:
        sql += f" IN SCHEMA {quote_ident(d.schema)}"
    option = " WITH GRANT OPTION" if d.with_grant_option else ""
    return f"{sql} GRANT {_privilege_list(d.privileges)} ON {d.on.upper()} TO {role_sql(d.role)}{option}"


def ensure_role_sql(role: str) -> str:
    """A statement creating ``role`` as NOLOGIN unless it exists (for schemactl's own dev
    server: the spec's build). Two builds racing to create it are both fine."""
    literal = "'" + role.replace("'", "''") + "'"
    body = (f"BEGIN IF NOT EXISTS (SELECT FROM pg_catalog.pg_roles WHERE rolname = {literal}) THEN "
            f"CREATE ROLE {quote_ident(role)} NOLOGIN; END IF; "
            "EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL; END")
    tag = "$schemactl_role$"
    while tag in body:
        tag = tag[:-1] + "x$"
    return f"DO {tag}{body}{tag}"
