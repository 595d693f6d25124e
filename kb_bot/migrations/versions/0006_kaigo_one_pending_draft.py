"""At most one pending 介護保険料加算 draft per person and fiscal year, enforced by the database.

An import supersedes the pending drafts it replaces, but two imports running at once (an SV's for their team
and an administrator's for the office, or two different files) each saw none of the other's drafts, so one
person could end up with two pending drafts. A partial unique index now refuses the second, and the import
that loses the race stops with nothing stored. Duplicates already in the database are resolved as a later
import would have resolved them: the newest pending draft stays pending, the older ones become ``superseded``.

Revision ID: 0006_kaigo_one_pending_draft
Revises: 0005_kaigo_import_scope
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006_kaigo_one_pending_draft"
down_revision = "0005_kaigo_import_scope"
branch_labels = None
depends_on = None

INDEX = "uq_kaigo_drafts_one_pending"
PENDING = sa.text("status = 'pending'")


def upgrade() -> None:
    op.execute(
        "UPDATE kaigo_drafts SET status = 'superseded' WHERE status = 'pending' AND id < ("
        "SELECT MAX(newer.id) FROM kaigo_drafts newer WHERE newer.status = 'pending'"
        " AND newer.case_id = kaigo_drafts.case_id AND newer.insured_number = kaigo_drafts.insured_number"
        " AND newer.fiscal_year = kaigo_drafts.fiscal_year)"
    )
    op.create_index(
        INDEX, "kaigo_drafts", ["case_id", "insured_number", "fiscal_year"], unique=True,
        sqlite_where=PENDING, postgresql_where=PENDING,
    )


def downgrade() -> None:
    op.drop_index(INDEX, table_name="kaigo_drafts")
