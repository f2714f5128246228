"""What ``import`` writes of row-level security, policies, grants and default privileges
(generator.spec.access), from the catalog's own reading (``generator.pg.catalog_access``,
``Database.access``), and the ``roles:`` every written entry names.

Grants are grouped per role and grant option: one entry for the object, one per set of
columns holding the same privileges. A function whose ACL is PostgreSQL's default (EXECUTE
to PUBLIC) gets no ``grants:``; any other gets the whole list (``public`` included).
"""

from __future__ import annotations

from typing import Any

from generator.pg.catalog_access import AccessState, Grant
from generator.pg.catalog_functions import split_key

_ORDER = ("select", "insert", "update", "delete", "truncate", "references", "trigger", "maintain", "usage", "execute", "create")


def _sorted_privileges(privileges: set[str]) -> list[str]:
    return sorted(privileges, key=lambda p: (_ORDER.index(p) if p in _ORDER else len(_ORDER), p))


def grant_entries(grants: set[Grant], roles: set[str], order: dict[Grant, int] | None = None) -> list[dict[str, Any]]:
    """The ``grants:`` list of one object's entries, in their ACL's order (a grantee's first
    entry): granted again in that order, the ACL reads the same in pg_dump."""
    rank: dict[str, int] = {}
    for g in sorted(grants, key=lambda g: (order or {}).get(g, 0)):
        rank.setdefault(g.grantee, len(rank))
    whole: dict[tuple[str, bool], set[str]] = {}
    by_column: dict[tuple[str, bool, str], set[str]] = {}
    for g in grants:
        if g.column:
            by_column.setdefault((g.grantee, g.grantable, g.privilege), set()).add(g.column)
        else:
            whole.setdefault((g.grantee, g.grantable), set()).add(g.privilege)
    columns: dict[tuple[str, bool, tuple[str, ...]], set[str]] = {}
    for (grantee, grantable, privilege), cols in by_column.items():
        columns.setdefault((grantee, grantable, tuple(sorted(cols))), set()).add(privilege)
    out: list[dict[str, Any]] = []
    for (grantee, grantable), privileges in sorted(whole.items(), key=lambda i: (rank[i[0][0]], i[0])):
        out.append(_entry(grantee, privileges, (), grantable))
    for (grantee, grantable, cols), privileges in sorted(columns.items(), key=lambda i: (rank[i[0][0]], i[0])):
        out.append(_entry(grantee, privileges, cols, grantable))
    roles.update(g.grantee for g in grants if g.grantee != "public")
    return out


def _entry(role: str, privileges: set[str], columns: tuple[str, ...], grantable: bool) -> dict[str, Any]:
    entry: dict[str, Any] = {"role": role, "privileges": _sorted_privileges(privileges)}
    if columns:
        entry["columns"] = list(columns)
    if grantable:
        entry["with_grant_option"] = True
    return entry


def table_access(access: AccessState, table: str, body: dict[str, Any], roles: set[str]) -> None:
    """rls:, policies: and grants: of a table, into its body."""
    enabled, forced = access.rls.get(table, (False, False))
    if enabled or forced:
        body["rls"] = {"enabled": enabled, "forced": forced} if forced else {"enabled": True}
    policies = []
    for (t, name), p in sorted(access.policies.items()):
        if t != table:
            continue
        entry: dict[str, Any] = {"name": name}
        if not p.permissive:
            entry["as"] = "restrictive"
        if p.command != "all":
            entry["command"] = p.command
        if p.roles != ("public",):
            entry["roles"] = list(p.roles)
            roles.update(r for r in p.roles if r != "public")
        if p.using is not None:
            entry["using"] = p.using
        if p.with_check is not None:
            entry["with_check"] = p.with_check
        comment = access.policy_comments.get((t, name))
        if comment:
            entry["comment"] = comment
        policies.append(entry)
    if policies:
        body["policies"] = policies
    object_grants(access, "table", table, body, roles)


def object_grants(access: AccessState, kind: str, name: str, body: dict[str, Any], roles: set[str]) -> None:
    grants = access.grants_of(kind, name)
    if grants:
        body["grants"] = grant_entries(grants, roles, access.acl_order)


def function_grants(access: AccessState, name: str, body: dict[str, Any], roles: set[str]) -> None:
    """grants: of the function written as ``name`` (absent while its ACL is the default)."""
    keys = {g.name for g in access.grants if g.kind == "function" and split_key(g.name)[0] == name}
    default = {("public", "execute", False)}
    for key in keys:
        grants = access.grants_of("function", key)
        if {(g.grantee, g.privilege, g.grantable) for g in grants} != default or any(g.column for g in grants):
            body["grants"] = grant_entries(grants, roles, access.acl_order)
    if not keys:
        body["grants"] = []  # EXECUTE revoked from PUBLIC, granted to nobody


def _whole_list(access: AccessState, kind: str, name: str, default: set[tuple[str, str, bool]],
                body: dict[str, Any], roles: set[str]) -> None:
    """``grants:`` of an object whose spec list is the whole list (PUBLIC's default revoked
    first): absent while its ACL is ``default``, ``[]`` when nobody holds anything."""
    grants = access.grants_of(kind, name)
    if {(g.grantee, g.privilege, g.grantable) for g in grants} != default:
        body["grants"] = grant_entries(grants, roles, access.acl_order) if grants else []


def type_grants(access: AccessState, name: str, body: dict[str, Any], roles: set[str]) -> None:
    """grants: of an enum, domain, composite or range type (PostgreSQL's default: USAGE to PUBLIC)."""
    _whole_list(access, "type", name, {("public", "usage", False)}, body, roles)


def schema_grants(access: AccessState, name: str, body: dict[str, Any], roles: set[str]) -> None:
    """grants: of a schema (the default: nothing on a new schema, USAGE to PUBLIC on public)."""
    _whole_list(access, "schema", name, {("public", "usage", False)} if name == "public" else set(), body, roles)


def default_privileges(access: AccessState, roles: set[str]) -> list[dict[str, Any]]:
    groups: dict[tuple[str, str, str, str, bool], set[str]] = {}
    for d in access.default_acl:
        if d.schema not in ("", "public"):
            continue  # a schema the spec does not have: import lists it as unsupported
        groups.setdefault((d.for_role, d.schema, d.on, d.grantee, d.grantable), set()).add(d.privilege)
    out = []
    for (for_role, schema, on, grantee, grantable), privileges in sorted(groups.items()):
        entry: dict[str, Any] = {}
        if for_role:
            entry["for_role"] = for_role
            roles.add(for_role)
        if schema:
            entry["schema"] = schema
        entry.update({"on": on, "role": grantee, "privileges": _sorted_privileges(privileges)})
        if grantable:
            entry["with_grant_option"] = True
        if grantee != "public":
            roles.add(grantee)
        out.append(entry)
    return out

