"""import's reading of partition keys and migra's partition statements, corrected. No database."""

from __future__ import annotations

import pytest

from generator.adopt.write_partitions import partition_by
from generator.drift.partition_sql import correct
from generator.pg.catalog import Snapshot


@pytest.mark.parametrize(("keydef", "expected"), [
    ("RANGE (logdate)", {"range": ["logdate"]}),
    ("LIST (region)", {"list": ["region"]}),
    ("HASH (tenant_id, id)", {"hash": ["tenant_id", "id"]}),
    ("RANGE (lower(name))", {"range": ["lower(name)"]}),
    ('LIST ("Region")', {"list": ["Region"]}),
    ('RANGE (name COLLATE "C")', None),
    ("HASH (id int4_ops)", None),
    (None, None),
])
def test_partition_keys_as_pg_get_partkeydef_prints_them(keydef: str | None, expected: object) -> None:
    assert partition_by(keydef) == expected


def _snapshot() -> Snapshot:
    s = Snapshot()
    s.tables = {"reading": None, "reading_p1": None}
    s.partitions = {"reading_p1": ("reading", "FOR VALUES FROM ('2026-01-01') TO ('2026-02-01')")}
    s.partition_keys = {"reading": "RANGE (taken_on)"}
    s.derived_indexes = {"reading_p1_kwh_idx": "reading_p1"}
    return s


def test_statements_about_a_partitions_copies_go() -> None:
    migra = [
        'alter table "public"."reading_p1" drop constraint "reading_p1_pkey";',
        'drop index if exists "public"."reading_p1_kwh_idx";',
        "CREATE INDEX reading_p1_kwh_idx ON public.reading_p1 USING btree (kwh);",
        "CREATE INDEX reading_kwh_idx ON ONLY public.reading USING btree (kwh);",
        'alter table "public"."reading" add constraint "fk" FOREIGN KEY (meter_id) REFERENCES meter(id) not valid;',
        'alter table "public"."reading" validate constraint "fk";',
        'drop table "public"."reading_p2";',
    ]
    assert correct(migra, _snapshot(), _snapshot()) == [
        "CREATE INDEX reading_kwh_idx ON public.reading USING btree (kwh);",
        'alter table "public"."reading" add constraint "fk" FOREIGN KEY (meter_id) REFERENCES meter(id);',
        'drop table "public"."reading_p2";',
    ]


def test_without_partitions_the_statements_are_untouched() -> None:
    migra = ["CREATE INDEX x ON ONLY public.t USING btree (a);"]
    assert correct(migra, Snapshot(), Snapshot()) == migra
