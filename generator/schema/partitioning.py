"""Partitioned and inherited tables in the SQLAlchemy MetaData (generator.spec.partitions).

A partitioned table is an ``sa.Table`` with ``postgresql_partition_by``; an inheriting one has
``postgresql_inherits`` and depends on its parents (created after them). Partitions are DDL
only: no ``sa.Table`` of their own (the application maps the parent), their
``CREATE TABLE ... PARTITION OF`` runs after the parent's CREATE TABLE (``after_create``).
PostgreSQL gives each partition the parent's indexes, keys and foreign keys.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy import event

from generator.spec.model import Spec, TableSpec
from generator.spec.partitions import key_sql, partition_ddl


def table_kwargs(table: TableSpec) -> dict[str, Any]:
    kw: dict[str, Any] = {}
    if table.partition_by is not None:
        kw["postgresql_partition_by"] = key_sql(table.partition_by, table.columns)
    if table.inherits:
        kw["postgresql_inherits"] = tuple(table.inherits)
    return kw


def add_inheritance(md: sa.MetaData, spec: Spec) -> None:
    """Each inheriting table is created after its parents (sorted_tables follows this)."""
    for table in spec.tables.values():
        for parent in table.inherits:
            if parent in md.tables and parent != table.name:
                md.tables[table.name].add_is_dependent_on(md.tables[parent])


def attach_partition_ddl(md: sa.MetaData, spec: Spec) -> None:
    for table in spec.tables.values():
        for statement in partition_ddl(table):
            event.listen(md.tables[table.name], "after_create", sa.DDL(statement.replace("%", "%%")))
