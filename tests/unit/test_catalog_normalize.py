"""normalize_bool_groups: nested AND/OR groups compare equal to their flat form, nothing else changes."""

from __future__ import annotations

import pytest

from generator.pg.catalog import normalize_bool_groups as normalize

NESTED = "CHECK ((((length(s3_key) >= 1) AND (length(s3_key) <= 1024)) AND (\"left\"(s3_key, 1) <> '/'::text)))"
FLAT = "CHECK (((length(s3_key) >= 1) AND (length(s3_key) <= 1024) AND (\"left\"(s3_key, 1) <> '/'::text)))"


def test_between_inside_and_chain_equals_its_reparsed_flat_form() -> None:
    # x BETWEEN 1 AND 9 AND y is stored nested; printed and parsed again it comes back flat.
    assert normalize(NESTED) == normalize(FLAT) == FLAT


@pytest.mark.parametrize(
    "text",
    [
        FLAT,
        "CHECK ((x ~ '^(a AND b)$'::text))",
        "CHECK ((note = 'it''s (a) AND (b)'::text))",
        'CHECK (("weird (name" > 0))',
        "CREATE INDEX ON public.jobs USING btree (urgency, created_at DESC) WHERE (status = 'queued'::job_status)",
        "CHECK ((currency = 'TRY'::bpchar) OR ((currency = ANY (ARRAY['USD'::bpchar])) AND (x = 'on'::text)))",
        "FOREIGN KEY (job_id) REFERENCES jobs(id) ON DELETE CASCADE",
        "UNIQUE NULLS NOT DISTINCT (scope_type, scope_id, prev_chain_hash)",
    ],
)
def test_already_flat_or_unrelated_text_is_unchanged(text: str) -> None:
    assert normalize(text) == text
    assert normalize(normalize(text)) == normalize(text)


def test_different_groupings_stay_different() -> None:
    assert normalize("CHECK (((a) OR (b)) AND (c))") != normalize("CHECK ((a) OR ((b) AND (c)))")
    assert normalize("CHECK ((((a) OR (b)) OR (c)))") == normalize("CHECK (((a) OR (b) OR (c)))")
