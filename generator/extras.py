"""DDL the spec expresses but SQLAlchemy's table model does not: extensions, enum comments and
append-only guards. Pure: each function returns SQL text; ``metadata`` hooks it onto
create_all, and the revision renderer writes the same text into migrations.
"""

from __future__ import annotations

from generator import naming
from generator.spec.model import EnumSpec, Spec


def quote_literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def create_extension(name: str) -> str:
    return f'CREATE EXTENSION IF NOT EXISTS "{name}"'


def drop_extension(name: str) -> str:
    return f'DROP EXTENSION IF EXISTS "{name}"'


def comment_on_type(enum: EnumSpec) -> str:
    return f'COMMENT ON TYPE "{enum.name}" IS {quote_literal(enum.comment)}'


def append_only_create(table: str) -> list[str]:
    fn = naming.append_only_function(table)
    row, truncate = naming.append_only_triggers(table)
    return [
        f"""CREATE FUNCTION "{fn}"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION '{table} is append-only: % is refused', TG_OP
    USING ERRCODE = 'raise_exception',
          HINT = 'rows of {table} are never changed or removed; append a new row instead';
END
$$""",
        f'CREATE TRIGGER "{row}" BEFORE UPDATE OR DELETE ON "{table}" FOR EACH ROW EXECUTE FUNCTION "{fn}"()',
        f'CREATE TRIGGER "{truncate}" BEFORE TRUNCATE ON "{table}" FOR EACH STATEMENT EXECUTE FUNCTION "{fn}"()',
    ]


def append_only_drop(table: str) -> list[str]:
    fn = naming.append_only_function(table)
    row, truncate = naming.append_only_triggers(table)
    return [
        f'DROP TRIGGER IF EXISTS "{truncate}" ON "{table}"',
        f'DROP TRIGGER IF EXISTS "{row}" ON "{table}"',
        f'DROP FUNCTION IF EXISTS "{fn}"()',
    ]


def enum_comments(spec: Spec) -> list[str]:
    return [comment_on_type(e) for e in spec.enums.values()]
