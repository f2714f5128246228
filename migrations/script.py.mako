<%!
    def doc(text):
        """Text for the inside of the docstring below, whose value is then exactly ``text``:
        quotes and backslashes escaped, characters that are not printable (but newlines) as
        escapes, so a message or spec value can never close the docstring and become code.
        (The same as generator.schema.pysource.doc_text; schemactl checks the rendering with ast.)"""
        out = []
        for ch in str(text):
            if ch in ('"', "\\"):
                out.append("\\" + ch)
            elif ch == "\n" or ch.isprintable():
                out.append(ch)
            else:
                out.append(repr(ch)[1:-1])
        return "".join(out)
%>\
"""${doc(message)}

Revision ID: ${up_revision}
Revises: ${down_revision | comma,n}
Create Date: ${create_date}
% if unproven:

Unproven: ${unproven}
% endif
% if rollback_note:

Rollback: ${doc(rollback_note)}
% endif
% if hazards:

Hazards (docs/online-migrations.md):
${doc(hazards)}
% endif
"""
from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
${imports if imports else ""}
% if lint_notes:

${lint_notes}
% endif

# revision identifiers, used by Alembic.
revision: str = ${repr(up_revision)}
down_revision: str | Sequence[str] | None = ${repr(down_revision)}
branch_labels: str | Sequence[str] | None = ${repr(branch_labels)}
depends_on: str | Sequence[str] | None = ${repr(depends_on)}


def upgrade() -> None:
    ${upgrades if upgrades else "pass"}


def downgrade() -> None:
    ${downgrades if downgrades else "pass"}
