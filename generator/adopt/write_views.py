"""``import`` of views and materialized views (generator.spec.views): the query as
``pg_get_viewdef`` prints it (without its trailing ';'), comments, options, WITH NO DATA and
the indexes of materialized views.

A view is written only when everything it reads is written too: a table or view the spec
leaves out, a relation outside ``public`` or a user-defined function (not in the spec yet)
leaves it out, named, and so every view that reads it. Its triggers and privileges are named
as unsupported, the view itself still imports; INSTEAD OF row triggers on a plain view whose
function the spec writes are written under the view (``triggers:``).
"""

from __future__ import annotations

from typing import Any

from generator.adopt import write_functions
from generator.adopt.stable_boolean import stable
from generator.adopt.write_index_forms import index_entry
from generator.pg.introspect import Database, Relation
from generator.spec.view_sql import ViewSqlProblem, check_view_sql

_KIND = {"v": "view", "m": "materialized view"}
_VIEW_OPTIONS = {"check_option", "security_barrier", "security_invoker"}


def query_text(definition: str) -> str:
    text = definition.strip()
    return text[:-1].rstrip() if text.endswith(";") else text


def _order(views: list[Relation], db: Database) -> list[Relation]:
    """Views, each after the public views it reads (pg_depend), else by name."""
    by_name = {r.name: r for r in views}
    done: list[Relation] = []
    seen: set[str] = set()

    def visit(r: Relation, path: frozenset[str]) -> None:
        if r.name in seen or r.name in path:
            return
        info = db.views.get(r.oid)
        for read in info.reads if info else ():
            schema, _, name = read.partition(".")
            if schema == "public" and name in by_name:
                visit(by_name[name], path | {r.name})
        seen.add(r.name)
        done.append(r)

    for r in sorted(views, key=lambda v: v.name):
        visit(r, frozenset())
    return done


def _problem(r: Relation, db: Database, public: dict[str, Relation], written: set[str],
             tables_written: set[str], routines_written: set[str]) -> str | None:
    info = db.views.get(r.oid)
    if info is None:
        return "its query could not be read"
    for read in info.reads:
        schema, _, name = read.partition(".")
        if schema != "public":
            return f"it reads {read}, outside the public schema"
        rel = public.get(name)
        if rel is None:
            return f"it reads {read}"
        if rel.kind in ("r", "p") and name not in tables_written:
            return f"it reads table {read}, which the spec leaves out"
        if rel.kind in ("v", "m") and name not in written:
            return f"it reads {_KIND[rel.kind]} {read}, which the spec leaves out"
        if rel.kind not in ("r", "p", "v", "m"):
            return f"it reads {read}, which the spec cannot express"
    for called in info.functions:  # a function or aggregate the spec writes is created before the view
        if called not in routines_written:
            return f"it calls {called}, which the spec leaves out"
    options = {o.partition("=")[0] for o in r.options or ()}
    if r.kind == "m" and options:
        return "storage parameters of a materialized view are not in the spec"
    if r.kind == "v" and options - _VIEW_OPTIONS:
        return f"view options {', '.join(sorted(options - _VIEW_OPTIONS))} are not in the spec"
    if r.tablespace:
        return "a tablespace is not in the spec"
    try:
        check_view_sql(query_text(info.definition))
    except ViewSqlProblem as exc:
        return str(exc)
    return None


def _body(r: Relation, db: Database, plan: Any, out: list, unsupported: Any) -> dict[str, Any]:
    info = db.views[r.oid]
    body: dict[str, Any] = {}
    if r.kind == "m":
        body["materialized"] = True
    body["sql"] = stable(query_text(info.definition))  # a BETWEEN's nested AND parses back the same
    if r.comment:
        body["comment"] = r.comment
    if info.column_comments:
        body["columns"] = {c: {"comment": text} for c, text in info.column_comments}
    for item in sorted(r.options or ()):
        key, _, value = item.partition("=")
        if key == "check_option":
            body["check_option"] = value.lower()
        elif value.lower() in ("true", "on", "1", "yes"):
            body[key] = True
    if r.kind == "m" and not info.populated:
        body["with_data"] = False
    indexes = []
    for ix in sorted(r.indexes, key=lambda i: i.name):
        entry = index_entry(ix)
        if isinstance(entry, str):
            plan.skipped_relations.add(ix.name)
            out.append(unsupported("index", f"public.{ix.name}", f"on {r.name}: {entry}"))
            continue
        indexes.append(entry)
        if ix.comment:
            plan.skipped_comments.add(f"INDEX {ix.name}")
            out.append(unsupported("comment", f"INDEX public.{ix.name}", "comments on indexes are not in the spec"))
    if indexes:
        body["indexes"] = indexes
    triggers = []
    for trig in r.triggers:  # INSTEAD OF triggers of a plain view: the table trigger form
        info = plan.triggers.get((r.name, trig)) if r.kind == "v" else None
        entry, why = write_functions.trigger_body(info, plan.functions, plan.guards) if info else (None, "")
        if entry is not None and entry.get("timing") == "instead of" and "enabled" not in entry:
            triggers.append(entry)
            continue
        plan.skipped_parts.add((r.name, trig))
        out.append(unsupported("trigger", f"public.{r.name}.{trig}",
                               why or "only INSTEAD OF row triggers on plain views are in the spec"))
    if triggers:
        body["triggers"] = triggers
    for rule in r.rules:
        plan.skipped_parts.add((r.name, rule))
        out.append(unsupported("rule", f"public.{r.name}.{rule}", "rules are not in the spec"))
    return body  # grants: generator.adopt.write_access


def write_views(db: Database, public: dict[str, Relation], tables_written: set[str], excluded: set[str],
                plan: Any, out: list, unsupported: Any) -> dict[str, dict[str, Any]]:
    """The ``views:`` of the spec (name -> body), in creation order; what cannot be written is
    appended to ``out`` as ``unsupported(kind, name, why)`` and its relations to
    ``plan.skipped_relations``."""
    views = [r for r in public.values() if r.kind in ("v", "m") and r.name not in excluded]
    written: dict[str, dict[str, Any]] = {}
    for r in _order(views, db):
        problem = _problem(r, db, public, set(written), tables_written, plan.routines_written)
        if problem is None:
            written[r.name] = _body(r, db, plan, out, unsupported)
            continue
        plan.skipped_relations.add(r.name)
        plan.skipped_relations.update(ix.name for ix in r.indexes)
        if "." in r.name:  # a folded view of another schema (write_schemas): its indexes are there
            plan.skipped_relations.update(f"{r.name.split('.', 1)[0]}.{ix.name}" for ix in r.indexes)
        out.append(unsupported(_KIND[r.kind], f"public.{r.name}", problem))
        for trig in r.triggers:
            out.append(unsupported("trigger", f"public.{r.name}.{trig}", "", f"{_KIND[r.kind]} public.{r.name}"))
        for rule in r.rules:
            out.append(unsupported("rule", f"public.{r.name}.{rule}", "", f"{_KIND[r.kind]} public.{r.name}"))
    return written
