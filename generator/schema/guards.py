"""DDL the spec expresses but SQLAlchemy's table model does not: extensions, enum comments and
append-only and hash-chain guards. Pure: each function returns SQL text; ``metadata`` hooks it onto
create_all, and the revision renderer writes the same text into migrations.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from generator.spec import append_only, naming, types
from generator.spec.model import EnumSpec, Spec, TableSpec


def quote_literal(text: str) -> str:
    return types.quote_literal(text)


def create_extension(name: str) -> str:
    return f"CREATE EXTENSION IF NOT EXISTS {_quote_ident(name)}"


def drop_extension(name: str) -> str:
    return f"DROP EXTENSION IF EXISTS {_quote_ident(name)}"


def comment_on_type(enum: EnumSpec, name_sql: str | None = None) -> str:
    """``name_sql``: the type as SQL when it is not in public (generator.spec.namespaces.qualified_sql)."""
    return f"COMMENT ON TYPE {name_sql or _quote_ident(enum.name)} IS {quote_literal(enum.comment)}"


def dollar_quoted(body: str) -> str:
    """``body`` as a dollar-quoted string: ``$$...$$``, or ``$schemactl<n>$...`` with a tag
    the body does not hold (a name in the body could hold ``$$`` and end it)."""
    tag, n = "$$", 0
    while tag in body or body.endswith("$"):
        n += 1
        tag = f"$schemactl{n}$"
        if tag not in body:
            break
    return f"{tag}{body}{tag}"


def append_only_create(table: str) -> list[str]:
    """The statements of the older ``op.create_append_only_guard`` (revision 0005 uses it):
    the function ``generator.spec.append_only`` describes, with the same body."""
    fn = _quote_ident(naming.append_only_function(table))
    row, truncate = (_quote_ident(t) for t in naming.append_only_triggers(table))
    body = append_only.body(table)
    on = _quote_ident(table)
    return [
        f"CREATE FUNCTION {fn}() RETURNS trigger LANGUAGE plpgsql AS {dollar_quoted(body)}",
        f"CREATE TRIGGER {row} BEFORE UPDATE OR DELETE ON {on} FOR EACH ROW EXECUTE FUNCTION {fn}()",
        f"CREATE TRIGGER {truncate} BEFORE TRUNCATE ON {on} FOR EACH STATEMENT EXECUTE FUNCTION {fn}()",
    ]


def append_only_drop(table: str) -> list[str]:
    fn = _quote_ident(naming.append_only_function(table))
    row, truncate = (_quote_ident(t) for t in naming.append_only_triggers(table))
    on = _quote_ident(table)
    return [
        f"DROP TRIGGER IF EXISTS {truncate} ON {on}",
        f"DROP TRIGGER IF EXISTS {row} ON {on}",
        f"DROP FUNCTION IF EXISTS {fn}()",
    ]


def enum_comments(spec: Spec) -> list[str]:
    from generator.spec.namespaces import qualified_sql

    return [comment_on_type(e, qualified_sql(spec, e.name)) for e in spec.enums.values() if e.comment]


def chain_guard_create(table: str, scope: Sequence[str], prev: str, hash: str, id_column: str) -> list[str]:
    """The hash-chain guard of ``table`` (spec ``hash_chain``): a BEFORE INSERT trigger that
    refuses a row whose id its identity sequence has not issued yet (OVERRIDING SYSTEM VALUE
    with a chosen id), and a row that does not link to the newest row (highest id) of its
    scope: a first row must have no predecessor, every other row must carry a higher id than
    the scope's newest row and that row's hash. So chain order stays id order whoever inserts,
    and an append's head lookup (the highest id) is always the chain's end.

    SECURITY DEFINER: reading the sequence needs a privilege on it that writers (granted
    SELECT, INSERT on the table) do not have. search_path is pinned to pg_catalog, pg_temp
    and the table is named with its schema, so no object a writer creates (a temporary table
    of the same name, an operator) is used instead. No ``%`` in the text (paramstyle-safe).
    """
    q = _quote_ident
    fn = q(naming.chain_guard(table))
    rel = f"public.{q(table)}"
    label = " || ':' || ".join(f"NEW.{q(c)}::text" for c in scope)
    match = " AND ".join(f"t.{q(c)} = NEW.{q(c)}" for c in scope)
    guard = quote_literal(naming.chain_guard(table))
    name = quote_literal(table)
    hint = (f"a row must carry that row's {hash} as {prev} and a higher {id_column}; "
            "retry if another writer appended meanwhile")
    body = f"""
DECLARE
  issued bigint := pg_sequence_last_value(pg_get_serial_sequence({quote_literal(rel)}, {quote_literal(id_column)})::regclass);
  head_id bigint;
  head_hash text;
BEGIN
  IF NEW.{q(id_column)} IS NULL OR issued IS NULL OR NEW.{q(id_column)} > issued THEN
    RAISE USING ERRCODE = 'generated_always', TABLE = {name}, CONSTRAINT = {guard},
      MESSAGE = {quote_literal(table + ': id ')} || coalesce(NEW.{q(id_column)}::text, 'NULL')
        || ' was not issued by its identity sequence (last issued: ' || coalesce(issued::text, 'none') || ')',
      HINT = {quote_literal(f'leave {id_column} out: ids come from the sequence, in chain order')};
  END IF;
  SELECT t.{q(id_column)}, t.{q(hash)} INTO head_id, head_hash FROM {rel} AS t
  WHERE {match} ORDER BY t.{q(id_column)} DESC LIMIT 1;
  IF NOT FOUND THEN
    IF NEW.{q(prev)} IS NOT NULL THEN
      RAISE USING ERRCODE = 'check_violation', TABLE = {name}, CONSTRAINT = {guard},
        MESSAGE = {quote_literal(table + ': the first row of chain ')} || {label}
          || {quote_literal(f' has a {prev}: it must be NULL')},
        HINT = {quote_literal(f'a chain starts with {prev} NULL')};
    END IF;
  ELSIF NEW.{q(id_column)} <= head_id OR NEW.{q(prev)} IS DISTINCT FROM head_hash THEN
    RAISE USING ERRCODE = 'check_violation', TABLE = {name}, CONSTRAINT = {guard},
      MESSAGE = {quote_literal(table + ': the row does not extend chain ')} || {label}
        || ' at its newest row (id ' || head_id || ')',
      HINT = {quote_literal(hint)};
  END IF;
  RETURN NEW;
END
"""
    return [
        f"""CREATE FUNCTION {fn}() RETURNS trigger LANGUAGE plpgsql
SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS {dollar_quoted(body)}""",
        f"CREATE TRIGGER {fn} BEFORE INSERT ON {q(table)} FOR EACH ROW EXECUTE FUNCTION {fn}()",
    ]


def chain_guard_for(table: TableSpec) -> list[str]:
    """``chain_guard_create`` for a spec table with ``hash_chain``."""
    chain = table.hash_chain
    assert chain is not None
    return chain_guard_create(table.name, chain.scope, chain.prev, chain.hash, table.primary_key[0])


def chain_guard_drop(table: str) -> list[str]:
    fn = _quote_ident(naming.chain_guard(table))
    return [f"DROP TRIGGER IF EXISTS {fn} ON {_quote_ident(table)}", f"DROP FUNCTION IF EXISTS {fn}()"]


def _quote_ident(name: str) -> str:
    return naming.quote_ident(name)


def chain_guard_args(body: str) -> tuple[list[str], str, str, str] | None:
    """(scope, prev, hash, id_column) of a guard function body ``chain_guard_create`` wrote
    (read back from the catalog, so a revision that drops the guard can re-create it)."""
    ident = r'"((?:[^"]|"")+)"'
    head = re.search(rf"SELECT t\.{ident}, t\.{ident} INTO head_id, head_hash", body)
    where = re.search(r"WHERE (.*?) ORDER BY", body)
    prev = re.search(rf"IF NEW\.{ident} IS NOT NULL THEN", body)
    if not (head and where and prev):
        return None
    scope = [m.replace('""', '"') for m in re.findall(rf"t\.{ident} = NEW\.", where.group(1))]
    unq = [g.replace('""', '"') for g in (head.group(1), head.group(2), prev.group(1))]
    return scope, unq[2], unq[1], unq[0]
