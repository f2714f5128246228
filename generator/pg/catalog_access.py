"""Row-level security, policies, privileges and default privileges in the catalog snapshot
(``generator.pg.catalog``), and their comparison. Knows no spec.

- ``rls[table] = (enabled, forced)`` for the tables with either flag set;
- ``policies[(table, name)] = Policy(...)``: USING and WITH CHECK as ``pg_get_expr`` prints
  them, the roles sorted (``public`` for PUBLIC), and ``policy_comments``;
- ``grants``: a set of ``Grant`` entries from ``aclexplode``: (object kind, object, column or
  '', grantee, privilege, grant option). The owner's own entries are left out (owners are not
  managed); a function or type without an ACL holds PostgreSQL's default (EXECUTE or USAGE to
  PUBLIC), read through ``acldefault``, so "no ACL" and "the default granted again" compare
  equal. Everything but functions is read in every managed schema (generator.pg.catalog_schemas),
  named as the snapshot names it (``billing.invoices``, ``billing.currency``); functions in public;
- ``default_acl``: ``DefaultGrant`` entries of ``pg_default_acl``; the role running the
  session is written '' (a spec's default privileges without ``for_role``), and a global
  entry PostgreSQL holds anyway (EXECUTE on functions, USAGE on types to PUBLIC) is left out.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from generator.pg.catalog_schemas import MANAGED, qualified

_GRANTEE = ("CASE WHEN a.grantee = 0 THEN 'public' ELSE pg_get_userbyid(a.grantee) END, lower(a.privilege_type), "
            "a.is_grantable, a.n")
_ACL = "(grantor, grantee, privilege_type, is_grantable, n)"  # WITH ORDINALITY: the ACL's own order
_RELKIND = "CASE c.relkind WHEN 'S' THEN 'sequence' WHEN 'v' THEN 'view' WHEN 'm' THEN 'view' ELSE 'table' END"

QUERIES = {
    "rls": f"""
        SELECT {qualified('c.relname')}, c.relrowsecurity, c.relforcerowsecurity
        FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE {MANAGED} AND c.relkind IN ('r', 'p') AND (c.relrowsecurity OR c.relforcerowsecurity)""",
    "policies": f"""
        SELECT {qualified('c.relname')}, p.polname, p.polpermissive, p.polcmd::text,
               ARRAY(SELECT CASE WHEN r = 0 THEN 'public' ELSE pg_get_userbyid(r) END FROM unnest(p.polroles) r ORDER BY 1),
               pg_get_expr(p.polqual, p.polrelid), pg_get_expr(p.polwithcheck, p.polrelid),
               obj_description(p.oid, 'pg_policy')
        FROM pg_policy p JOIN pg_class c ON c.oid = p.polrelid JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE {MANAGED}""",
    # names as text: a UNION of name columns is of type name and cut a function's key at 63 bytes
    "grants": f"""
        SELECT {_RELKIND}, ({qualified('c.relname')})::text, '', {_GRANTEE}
        FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace CROSS JOIN LATERAL aclexplode(c.relacl) WITH ORDINALITY a{_ACL}
        WHERE {MANAGED} AND c.relkind IN ('r', 'p', 'v', 'm', 'S') AND a.grantee <> c.relowner
        UNION ALL
        SELECT {_RELKIND}, ({qualified('c.relname')})::text, t.attname, {_GRANTEE}
        FROM pg_attribute t JOIN pg_class c ON c.oid = t.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace
        CROSS JOIN LATERAL aclexplode(t.attacl) WITH ORDINALITY a{_ACL}
        WHERE {MANAGED} AND c.relkind IN ('r', 'p', 'v', 'm') AND t.attnum > 0 AND NOT t.attisdropped
          AND a.grantee <> c.relowner
        UNION ALL
        SELECT 'function', {qualified('p.proname')} || '(' || pg_get_function_identity_arguments(p.oid) || ')', '', {_GRANTEE}
        FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
        CROSS JOIN LATERAL aclexplode(coalesce(p.proacl, acldefault('f', p.proowner))) WITH ORDINALITY a{_ACL}
        WHERE {MANAGED} AND a.grantee <> p.proowner
          AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.objid = p.oid AND d.deptype IN ('e', 'i'))
        UNION ALL
        SELECT 'schema', n.nspname, '', {_GRANTEE}
        FROM pg_namespace n CROSS JOIN LATERAL aclexplode(coalesce(n.nspacl, acldefault('n', n.nspowner))) WITH ORDINALITY a{_ACL}
        WHERE {MANAGED} AND a.grantee <> n.nspowner
        UNION ALL
        SELECT 'type', {qualified('t.typname')}, '', {_GRANTEE}
        FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace
        CROSS JOIN LATERAL aclexplode(coalesce(t.typacl, acldefault('T', t.typowner))) WITH ORDINALITY a{_ACL}
        WHERE {MANAGED} AND a.grantee <> t.typowner AND t.typtype IN ('e', 'd', 'c', 'r')
          AND (t.typtype <> 'c' OR EXISTS (SELECT 1 FROM pg_class r WHERE r.oid = t.typrelid AND r.relkind = 'c'))
          AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_type'::regclass AND d.objid = t.oid
                          AND d.deptype IN ('e', 'i'))""",
    "default_acl": f"""
        SELECT CASE WHEN d.defaclrole = (SELECT oid FROM pg_roles WHERE rolname = current_user) THEN ''
                    ELSE pg_get_userbyid(d.defaclrole) END,
               coalesce(n.nspname, ''), d.defaclobjtype::text, {_GRANTEE}
        FROM pg_default_acl d LEFT JOIN pg_namespace n ON n.oid = d.defaclnamespace
        CROSS JOIN LATERAL aclexplode(d.defaclacl) WITH ORDINALITY a{_ACL}
        WHERE a.grantee <> d.defaclrole""",
    "roles": "SELECT rolname FROM pg_roles",
}

COMMANDS = {"*": "all", "r": "select", "a": "insert", "w": "update", "d": "delete"}
DEFAULT_OBJTYPES = {"r": "tables", "S": "sequences", "f": "functions", "T": "types", "n": "schemas"}
_BUILT_IN_DEFAULTS = {("functions", "public", "execute"), ("types", "public", "usage")}


@dataclass(frozen=True, order=True)
class Grant:
    kind: str  # table | view | sequence | function | schema | type (enums, domains, composite and range types)
    name: str  # a relation's name, a function's name(args)
    column: str  # '' for the whole object
    grantee: str  # 'public' for PUBLIC
    privilege: str  # lower case
    grantable: bool


@dataclass(frozen=True, order=True)
class DefaultGrant:
    for_role: str  # '' = the role running the session
    schema: str  # '' = every schema
    on: str  # tables | sequences | functions | types | schemas
    grantee: str
    privilege: str
    grantable: bool


@dataclass(frozen=True)
class Policy:
    permissive: bool
    command: str  # all | select | insert | update | delete
    roles: tuple[str, ...]
    using: str | None
    with_check: str | None

    def describe(self) -> str:
        text = f"{'permissive' if self.permissive else 'restrictive'} for {self.command} to {', '.join(self.roles)}"
        if self.using is not None:
            text += f" using {self.using}"
        if self.with_check is not None:
            text += f" with check {self.with_check}"
        return text


@dataclass
class AccessState:
    rls: dict[str, tuple[bool, bool]] = field(default_factory=dict)
    policies: dict[tuple[str, str], Policy] = field(default_factory=dict)
    policy_comments: dict[tuple[str, str], str | None] = field(default_factory=dict)
    grants: set[Grant] = field(default_factory=set)
    acl_order: dict[Grant, int] = field(default_factory=dict, compare=False)  # position in its ACL (import writes that order)
    default_acl: set[DefaultGrant] = field(default_factory=set)
    cluster_roles: set[str] = field(default_factory=set, compare=False)  # every role of the server (never compared as such)

    def used_roles(self) -> set[str]:
        """The roles the grants, policies and default privileges name."""
        found = {g.grantee for g in self.grants} | {r for p in self.policies.values() for r in p.roles}
        found |= {d.grantee for d in self.default_acl} | {d.for_role for d in self.default_acl}
        return found - {"public", ""}

    def manages_privileges(self) -> bool:
        """Whether these rules say anything about privileges: a role named, or a grant beyond
        PostgreSQL's own default (EXECUTE on functions to PUBLIC). A spec that names no role
        and grants nothing leaves a database's privileges alone in ``diff`` (as migra does by
        default): the app and auditor roles an operator grants to are not drift there."""
        if self.used_roles() or self.default_acl:
            return True
        return any(not _granted_anyway(g) for g in self.grants)

    def grants_of(self, kind: str, name: str) -> set[Grant]:
        return {g for g in self.grants if g.kind == kind and g.name == name}


def _granted_anyway(g: Grant) -> bool:
    """A grant to PUBLIC that PostgreSQL makes itself (or made, on the public schema of an
    older cluster): EXECUTE on a function, USAGE on a type, USAGE and CREATE on public."""
    if g.grantee != "public" or g.column:
        return False
    return (g.kind, g.privilege) in (("function", "execute"), ("type", "usage")) or (
        g.kind == "schema" and g.name == "public" and g.privilege in ("usage", "create"))


def read_rows(rows: dict[str, list[tuple[Any, ...]]]) -> AccessState:
    out = AccessState()
    for table, enabled, forced in rows.get("rls", []):
        out.rls[table] = (bool(enabled), bool(forced))
    for table, name, permissive, cmd, roles, using, check, comment in rows.get("policies", []):
        out.policies[(table, name)] = Policy(bool(permissive), COMMANDS.get(cmd, cmd), tuple(roles or ()), using, check)
        out.policy_comments[(table, name)] = comment
    out.cluster_roles = {r[0] for r in rows.get("roles", [])}
    for r in rows.get("grants", []):
        g = Grant(*r[:5], bool(r[5]))
        out.grants.add(g)
        out.acl_order[g] = r[6] if len(r) > 6 else 0
    for for_role, schema, objtype, grantee, privilege, grantable, *_n in rows.get("default_acl", []):
        on = DEFAULT_OBJTYPES.get(objtype, objtype)
        if not schema and (on, grantee, privilege) in _BUILT_IN_DEFAULTS:
            continue  # what PostgreSQL grants anyway
        out.default_acl.add(DefaultGrant(for_role, schema, on, grantee, privilege, bool(grantable)))
    return out


def show_grant(g: Grant | DefaultGrant) -> str:
    column = f"({g.column})" if isinstance(g, Grant) and g.column else ""
    return f"{g.grantee}: {g.privilege}{column}{' with grant option' if g.grantable else ''}"


def _grant_detail(a: set, b: set) -> str:
    parts = [f"+ {show_grant(g)}" for g in sorted(b - a)] + [f"- {show_grant(g)}" for g in sorted(a - b)]
    return "; ".join(parts)


def default_label(for_role: str, schema: str, on: str) -> str:
    return f"{for_role or 'current role'} on {on} in {('schema ' + schema) if schema else 'all schemas'}"


def compare(source: Any, target: Any, existing: dict[str, tuple[set[str], set[str]]], change: Any) -> list[Any]:
    """Changes from ``source`` to ``target`` (Snapshots). ``existing[kind] = (names in
    source, names in target)``: grants are compared on objects both have (an added object's
    grants come with it)."""
    a, b = source.access, target.access
    out = []
    if a.cluster_roles:  # a role the target's rules name that the source's server lacks
        out += [change("role", r, "added", "missing on this server; roles are cluster-wide: the operator creates them")
                for r in sorted(b.used_roles() - a.cluster_roles)]
    common = set(source.tables) & set(target.tables)
    for table in sorted((set(a.rls) | set(b.rls)) & common):
        x, y = a.rls.get(table, (False, False)), b.rls.get(table, (False, False))
        if x != y:
            detail = "; ".join(f"{what}: {str(p).lower()} -> {str(q).lower()}" for what, p, q in
                               (("enabled", x[0], y[0]), ("forced", x[1], y[1])) if p != q)
            out.append(change("row level security", table, "changed", detail))
    for key in sorted(set(a.policies) | set(b.policies)):
        if key[0] not in common:
            continue
        x, y = a.policies.get(key), b.policies.get(key)
        label = f"{key[0]}.{key[1]}"
        if x is None or y is None:
            out.append(change("policy", label, "added" if x is None else "removed", (x or y).describe()))  # type: ignore[union-attr]
            continue
        if x != y:
            out.append(change("policy", label, "changed", f"{x.describe()} -> {y.describe()}"))
        if a.policy_comments.get(key) != b.policy_comments.get(key):
            out.append(change("comment", f"policy {label}", "changed"))
    objects = sorted({(g.kind, g.name) for g in a.grants | b.grants})
    for kind, name in objects:
        names = existing.get(kind)
        if names is None or name not in names[0] or name not in names[1]:
            continue
        x, y = a.grants_of(kind, name), b.grants_of(kind, name)
        if x != y:
            out.append(change("grant", f"{kind} {name}", "changed", _grant_detail(x, y)))
    keys = sorted({(d.for_role, d.schema, d.on) for d in a.default_acl | b.default_acl})
    for key in keys:
        x = {d for d in a.default_acl if (d.for_role, d.schema, d.on) == key}
        y = {d for d in b.default_acl if (d.for_role, d.schema, d.on) == key}
        if x != y:
            out.append(change("default privileges", default_label(*key), "changed", _grant_detail(x, y)))
    return out


def type_names(snapshot: Any) -> set[str]:
    """The types a snapshot holds whose USAGE is granted: enums, domains, composite and range types."""
    return set(snapshot.enums) | set(snapshot.domains) | set(snapshot.user_types)


def schema_names(snapshot: Any) -> set[str]:
    return set(snapshot.schemas) | {"public"}  # the snapshot leaves public out of its schemas


def more_existing(source: Any, target: Any) -> dict[str, tuple[set[str], set[str]]]:
    """``compare``'s ``existing`` for schemas and types."""
    return {"schema": (schema_names(source), schema_names(target)), "type": (type_names(source), type_names(target))}


def read_database(raw: Any) -> AccessState:
    """The access rules of ``public`` through a psycopg connection (import's reading)."""
    rows: dict[str, list[tuple[Any, ...]]] = {}
    with raw.cursor() as cur:
        for key, sql in QUERIES.items():
            cur.execute(sql)
            rows[key] = list(cur.fetchall())
    return read_rows(rows)
