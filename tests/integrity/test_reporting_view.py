"""The reporting view customer_invoice_totals (issue 17 item 9) as docs/queries.md shows it:
the page's "Reporting" section is the view's real output (psql) on tests/integrity/reporting.sql,
in a database upgraded to head. Regenerate it with ``SCHEMACTL_WRITE_QUERY_DOCS=1``.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import psycopg
import pytest
from integrity_support import QUERIES_MD, client_bin_dir, libpq_url

from generator.pg.database import scratch_database
from generator.pg.server import LocalServer

DATA_SQL = Path(__file__).with_name("reporting.sql")
WRITE_DOCS = os.environ.get("SCHEMACTL_WRITE_QUERY_DOCS") == "1"
HEADING = "## Reporting: customer_invoice_totals"
QUERY = """SELECT u.email, t.invoices, t.draft_invoices, t.billed_cents, t.paid_cents,
       t.outstanding_cents, t.overdue_cents
FROM customer_invoice_totals AS t
JOIN users AS u ON u.id = t.user_id
ORDER BY t.outstanding_cents DESC, u.email;"""


def section(output: str) -> str:
    return "\n".join([
        HEADING,
        "",
        "Invoice totals per customer in TRY (minor units), from the view `customer_invoice_totals`",
        "(schema.yaml `views:`, revision 0010): billed = issued + paid + refunded, outstanding = issued",
        "and not paid, overdue = the outstanding part past `due_at`; drafts are counted, void invoices",
        "are neither billed nor outstanding, other currencies are left out. The view is a plain",
        "aggregate over `invoices` (one pass, grouped by `user_id`): cheap for a dashboard or a",
        "nightly export, not for a per-request hot path. Output below: the rows of",
        "`tests/integrity/reporting.sql` on PostgreSQL 17 (`tests/integrity/test_reporting_view.py`",
        "asserts it).",
        "",
        "```sql",
        QUERY,
        "```",
        "",
        "```",
        output.rstrip("\n"),
        "```",
        "",
    ])


def replace_section(text: str, new: str) -> str:
    """``text`` with its reporting section (up to the next ``## `` heading) replaced by ``new``,
    or ``new`` put before "## Reading the plans" when the page has none yet."""
    start = text.find(HEADING)
    if start < 0:
        anchor = text.find("## Reading the plans")
        return text[:anchor] + new + "\n" + text[anchor:] if anchor >= 0 else text.rstrip() + "\n\n" + new
    end = text.find("\n## ", start + len(HEADING))
    return text[:start] + new + (text[end:] if end >= 0 else "")


def test_the_docs_show_the_views_real_output(pg: LocalServer, head_template: str) -> None:
    bin_dir = client_bin_dir(pg)
    assert bin_dir is not None
    with scratch_database(pg.url(), prefix="integrity_reporting", template=head_template) as url:
        with psycopg.connect(libpq_url(url), autocommit=True) as conn:
            conn.execute(DATA_SQL.read_text(encoding="utf-8"))
            rows = conn.execute("SELECT count(*), sum(billed_cents), sum(overdue_cents) FROM customer_invoice_totals").fetchone()
        assert rows == (3, 1249900 + 1249900 + 4990000 + 4990000 + 150000 + 599000, 4990000)
        shown = subprocess.run([str(bin_dir / "psql"), "-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", libpq_url(url),
                                "-c", QUERY], capture_output=True, text=True, check=True, env=os.environ | {"PGTZ": "UTC"}).stdout
    assert "kalip@example.com" in shown and "(3 rows)" in shown
    expected = section(shown)
    if WRITE_DOCS and pg.version().split(".")[0] == "17":
        QUERIES_MD.write_text(replace_section(QUERIES_MD.read_text(encoding="utf-8"), expected), encoding="utf-8")
    if pg.version().split(".")[0] == "17":
        assert expected in QUERIES_MD.read_text(encoding="utf-8"), "run: SCHEMACTL_WRITE_QUERY_DOCS=1 pytest " + __file__


@pytest.mark.parametrize("text", ["# Q\n\n## a\n\nx\n\n## Reading the plans\n\ny\n"])
def test_the_section_goes_before_the_notes_and_is_replaced_in_place(text: str) -> None:
    once = replace_section(text, section("out\n"))
    assert once.index(HEADING) < once.index("## Reading the plans")
    assert replace_section(once, section("new\n")) == once.replace("out\n```", "new\n```")
