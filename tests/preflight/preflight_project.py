"""A small project for the preflight tests: revision 0001 makes four tables and fills them
with rows that break each check of the pending revision 0002 a known number of times.

Seeded violations (primary keys in brackets):

- items.label NULL: ids 4, 8, ..., 28 -> 7 rows [4, 8, 12, 16, 20]
- CHECK (qty >= 0): ids 3, 6, 9 -> 3 rows (NULL qty in id 1 passes)
- UNIQUE (code): 'A' in 1, 2 and 'B' in 5, 6, 7 -> 2 groups, 5 rows (the NULL codes of 30 and 29 are distinct)
- FOREIGN KEY owner_id -> owners: owner 99 in ids 10, 11 -> 2 rows (NULL owner in 12 is not an orphan)
- code narrowed to varchar(3): 'LONG-20' .. 'LONG-24' -> 5 rows [20, 21, 22, 23, 24]
- amount USING amount::integer: 'x7' in 7, 'nine' in 9 -> 2 rows
- enum value 'blue' removed: ids 13, 14, 15, 16 -> 4 rows
- pairs.extra ADD COLUMN NOT NULL without default: 3 rows [[1, 1], [1, 2], [2, 1]]
- owners CHECK (name <> '') NOT VALID + VALIDATE: id 3 -> 1 row
- CREATE UNIQUE INDEX CONCURRENTLY pairs (note): 'same' in (1,1), (2,1) -> 1 group, 2 rows
"""

from __future__ import annotations

import shutil
from pathlib import Path

from checkout import REPO

BASE = '''"""base tables

Revision ID: 0001
Revises:
"""
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("CREATE TYPE shade AS ENUM ('red', 'green', 'blue')")
    op.execute("CREATE TABLE owners (id integer PRIMARY KEY, name text)")
    op.execute("""CREATE TABLE items (id integer PRIMARY KEY, owner_id integer, code varchar(20),
                  qty integer, color shade, label text, amount text)""")
    op.execute("CREATE TABLE pairs (a integer, b integer, note text, PRIMARY KEY (a, b))")
    op.execute("INSERT INTO owners VALUES (1, 'one'), (2, 'two'), (3, '')")
    op.execute("""INSERT INTO items
        SELECT i,
               CASE WHEN i IN (10, 11) THEN 99 WHEN i = 12 THEN NULL ELSE 1 + i % 3 END,
               CASE WHEN i IN (1, 2) THEN 'A' WHEN i IN (5, 6, 7) THEN 'B' WHEN i BETWEEN 20 AND 24 THEN 'LONG-' || i
                    WHEN i IN (29, 30) THEN NULL ELSE 'C' || i END,
               CASE WHEN i IN (3, 6, 9) THEN -i WHEN i = 1 THEN NULL ELSE i END,
               CASE WHEN i BETWEEN 13 AND 16 THEN 'blue' ELSE 'red' END::shade,
               CASE WHEN i % 4 = 0 THEN NULL ELSE 'label ' || i END,
               CASE WHEN i = 7 THEN 'x7' WHEN i = 9 THEN 'nine' ELSE i::text END
        FROM generate_series(1, 30) i""")
    op.execute("INSERT INTO pairs VALUES (1, 1, 'same'), (1, 2, 'other'), (2, 1, 'same')")


def downgrade() -> None:
    op.execute("DROP TABLE pairs, items, owners")
    op.execute("DROP TYPE shade")
'''

PENDING = '''"""tighten everything

Revision ID: 0002
Revises: 0001
"""
import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.alter_column("items", "label", existing_type=sa.Text(), nullable=False)
    op.create_check_constraint("ck_items_qty", "items", "qty >= 0")
    op.create_unique_constraint("uq_items_code", "items", ["code"])
    op.create_foreign_key("fk_items_owner", "items", "owners", ["owner_id"], ["id"])
    op.alter_column("items", "code", existing_type=sa.String(20), type_=sa.String(3))
    op.alter_column("items", "amount", existing_type=sa.Text(), type_=sa.Integer(), postgresql_using="amount::integer")
    op.add_column("pairs", sa.Column("extra", sa.Integer(), nullable=False))
    op.execute("ALTER TABLE owners ADD CONSTRAINT ck_owner_name CHECK (name <> '') NOT VALID")
    op.execute("ALTER TABLE owners VALIDATE CONSTRAINT ck_owner_name")
    with op.get_context().autocommit_block():
        op.create_index("ix_pairs_note", "pairs", ["note"], unique=True, postgresql_concurrently=True)
    op.drop_enum_value("shade", "blue", values_after=["red", "green"])
    op.create_table("tags", sa.Column("id", sa.Integer(), primary_key=True), sa.Column("name", sa.Text(), nullable=False))
    op.create_check_constraint("ck_tags_name", "tags", "name <> ''")


def downgrade() -> None:
    raise NotImplementedError
'''


def make_project(root: Path, pending: bool = True, revision: str | None = None) -> Path:
    """The project at ``root``: the repo's alembic.ini, env.py and schema.yaml (only so the CLI
    finds the project; preflight never reads it), revision 0001 and, with ``pending``, 0002."""
    versions = root / "migrations" / "versions"
    versions.mkdir(parents=True)
    for name in ("alembic.ini", "schema.yaml"):
        shutil.copy(REPO / name, root / name)
    for name in ("env.py", "script.py.mako"):
        shutil.copy(REPO / "migrations" / name, root / "migrations" / name)
    (versions / "0001_base.py").write_text(BASE)
    if pending:
        (versions / "0002_tighten.py").write_text(revision or PENDING)
    return root


CHECKSUM = """
SELECT md5(string_agg(x, '|' ORDER BY x)) FROM (
  SELECT 'owners:' || o::text AS x FROM owners o
  UNION ALL SELECT 'items:' || i::text FROM items i
  UNION ALL SELECT 'pairs:' || p::text FROM pairs p
  UNION ALL SELECT 'version:' || version_num FROM alembic_version
  UNION ALL SELECT 'con:' || conrelid::regclass::text || ':' || conname FROM pg_constraint
    WHERE connamespace = 'public'::regnamespace
  UNION ALL SELECT 'rel:' || relname || ':' || relkind::text FROM pg_class WHERE relnamespace = 'public'::regnamespace
  UNION ALL SELECT 'enum:' || enumlabel FROM pg_enum
) s
"""


# The same tightenings in the online forms of issue 18 (what `generate` writes for tables that
# already exist): preflight must count the same rows, once each.
ONLINE = '''"""tighten online

Revision ID: 0002
Revises: 0001
"""
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("SET lock_timeout = '5s'")
    with op.get_context().autocommit_block():
        op.execute("DROP INDEX CONCURRENTLY IF EXISTS ix_items_owner_id")
        op.execute("CREATE INDEX CONCURRENTLY ix_items_owner_id ON items (owner_id)")
        op.execute("CREATE UNIQUE INDEX CONCURRENTLY uq_items_code ON items (code)")
    op.execute("ALTER TABLE items ADD CONSTRAINT uq_items_code UNIQUE USING INDEX uq_items_code")
    op.execute("ALTER TABLE items ADD CONSTRAINT fk_items_owner FOREIGN KEY (owner_id) REFERENCES owners (id) NOT VALID")
    op.execute("ALTER TABLE items VALIDATE CONSTRAINT fk_items_owner")
    op.execute("ALTER TABLE items ADD CONSTRAINT ck_items_qty CHECK (qty >= 0) NOT VALID")
    op.execute("ALTER TABLE items VALIDATE CONSTRAINT ck_items_qty")
    op.execute("ALTER TABLE items ADD CONSTRAINT ck_items_label_not_null CHECK (label IS NOT NULL) NOT VALID")
    op.execute("ALTER TABLE items VALIDATE CONSTRAINT ck_items_label_not_null")
    op.execute("ALTER TABLE items ALTER COLUMN label SET NOT NULL")
    op.execute("ALTER TABLE items DROP CONSTRAINT ck_items_label_not_null")


def downgrade() -> None:
    raise NotImplementedError
'''
