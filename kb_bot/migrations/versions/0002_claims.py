"""Claims module: cases, the claims ledger, declarations, applications, dunning exports, 介護保険料加算.

Revision ID: 0002_claims
Revises: 0001_base
Create Date: 2026-11-26
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from kb_bot.db import BigId, UTCDateTime, append_only_ddl

revision = "0002_claims"
down_revision = "0001_base"
branch_labels = None
depends_on = None

APPEND_ONLY = ("claim_events", "kaigo_decisions")


def _user_fk(column: str, table: str, nullable: bool = False) -> sa.Column:
    return sa.Column(
        column, sa.Integer, sa.ForeignKey("users.id", name=f"fk_{table}_{column}_users"), nullable=nullable
    )


def upgrade() -> None:
    op.create_table(
        "cases",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("case_number", sa.String(30), nullable=False),
        _user_fk("cw_user_id", "cases"),
        sa.Column("head_name", sa.String(200), nullable=False),
        sa.Column("phone", sa.String(30), nullable=False),
        sa.Column("birth_date", sa.Date, nullable=True),
        sa.Column("closed_on", sa.Date, nullable=True),
        sa.Column("created_at", UTCDateTime, nullable=False),
        sa.UniqueConstraint("case_number", name="uq_cases_case_number"),
    )
    op.create_index("ix_cases_cw_user_id", "cases", ["cw_user_id"])
    op.create_table(
        "claims",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("case_id", sa.Integer, sa.ForeignKey("cases.id", name="fk_claims_case_id_cases"), nullable=False),
        sa.Column("basis", sa.String(5), nullable=False),
        sa.Column("created_at", UTCDateTime, nullable=False),
        _user_fk("created_by", "claims"),
    )
    op.create_index("ix_claims_case_id", "claims", ["case_id"])
    op.create_table(
        "claim_events",
        sa.Column("id", BigId, primary_key=True, autoincrement=True),
        sa.Column(
            "claim_id", sa.Integer, sa.ForeignKey("claims.id", name="fk_claim_events_claim_id_claims"), nullable=False
        ),
        sa.Column("kind", sa.String(30), nullable=False),
        sa.Column("on_date", sa.Date, nullable=False),
        sa.Column("data", sa.JSON, nullable=False),
        sa.Column(
            "reverses_id",
            sa.BigInteger,
            sa.ForeignKey("claim_events.id", name="fk_claim_events_reverses_id_claim_events"),
            nullable=True,
        ),
        sa.Column("recorded_at", UTCDateTime, nullable=False),
        _user_fk("recorded_by", "claim_events"),
    )
    op.create_index("ix_claim_events_claim_id_id", "claim_events", ["claim_id", "id"])
    op.create_table(
        "declarations",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column(
            "case_id", sa.Integer, sa.ForeignKey("cases.id", name="fk_declarations_case_id_cases"), nullable=False
        ),
        sa.Column("type", sa.String(30), nullable=False),
        sa.Column("received_on", sa.Date, nullable=False),
        sa.Column("deadline", sa.Date, nullable=False),
        sa.Column("status", sa.String(12), nullable=False),
        sa.Column("processed_on", sa.Date, nullable=True),
        sa.Column("result", sa.Text, nullable=False),
        sa.Column("note", sa.Text, nullable=False),
        _user_fk("created_by", "declarations"),
        sa.Column("created_at", UTCDateTime, nullable=False),
    )
    op.create_index("ix_declarations_case_id", "declarations", ["case_id"])
    op.create_table(
        "applications",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("applicant_name", sa.String(200), nullable=False),
        sa.Column("kind", sa.String(10), nullable=False),
        _user_fk("cw_user_id", "applications"),
        sa.Column(
            "case_id", sa.Integer, sa.ForeignKey("cases.id", name="fk_applications_case_id_cases"), nullable=True
        ),
        sa.Column("applied_on", sa.Date, nullable=False),
        sa.Column("extension_reason", sa.Text, nullable=False),
        sa.Column("decided_on", sa.Date, nullable=True),
        sa.Column("result", sa.String(20), nullable=False),
        sa.Column("created_at", UTCDateTime, nullable=False),
    )
    op.create_index("ix_applications_cw_user_id", "applications", ["cw_user_id"])
    op.create_table(
        "dunning_exports",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("actor", sa.String(100), nullable=False),
        sa.Column("created_at", UTCDateTime, nullable=False),
        sa.Column("as_of", sa.Date, nullable=False),
        sa.Column("row_count", sa.Integer, nullable=False),
        sa.Column("letter_count", sa.Integer, nullable=False),
        sa.Column("file_name", sa.String(200), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
    )
    op.create_table(
        "dunning_export_rows",
        sa.Column("id", BigId, primary_key=True, autoincrement=True),
        sa.Column(
            "export_id",
            sa.Integer,
            sa.ForeignKey("dunning_exports.id", name="fk_dunning_export_rows_export_id_dunning_exports"),
            nullable=False,
        ),
        sa.Column("send_number", sa.String(32), nullable=False),
        sa.Column(
            "claim_id",
            sa.Integer,
            sa.ForeignKey("claims.id", name="fk_dunning_export_rows_claim_id_claims"),
            nullable=False,
        ),
        sa.Column("phone", sa.String(30), nullable=False),
        sa.Column("amount", sa.BigInteger, nullable=False),
        sa.Column("due", sa.Date, nullable=False),
        sa.UniqueConstraint("send_number", name="uq_dunning_export_rows_send_number"),
    )
    op.create_index("ix_dunning_export_rows_export_id", "dunning_export_rows", ["export_id"])
    op.create_table(
        "kaigo_batches",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("file_sha256", sa.String(64), nullable=False),
        sa.Column("file_name", sa.String(300), nullable=False),
        sa.Column("imported_by", sa.String(100), nullable=False),
        sa.Column("imported_at", UTCDateTime, nullable=False),
        sa.Column("row_count", sa.Integer, nullable=False),
        sa.Column("approval_mode", sa.String(10), nullable=False),
        sa.Column("unmatched", sa.JSON, nullable=False),
        sa.UniqueConstraint("file_sha256", name="uq_kaigo_batches_file_sha256"),
    )
    op.create_table(
        "kaigo_drafts",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column(
            "batch_id",
            sa.Integer,
            sa.ForeignKey("kaigo_batches.id", name="fk_kaigo_drafts_batch_id_kaigo_batches"),
            nullable=False,
        ),
        sa.Column(
            "case_id", sa.Integer, sa.ForeignKey("cases.id", name="fk_kaigo_drafts_case_id_cases"), nullable=False
        ),
        sa.Column("row", sa.Integer, nullable=False),
        sa.Column("insured_number", sa.String(20), nullable=False),
        sa.Column("person_name", sa.String(200), nullable=False),
        sa.Column("fiscal_year", sa.Integer, nullable=False),
        sa.Column("collection", sa.String(10), nullable=False),
        sa.Column("kind", sa.String(10), nullable=False),
        sa.Column("amounts", sa.JSON, nullable=False),
        sa.Column("previous", sa.JSON, nullable=False),
        sa.Column("effective_month", sa.String(7), nullable=False),
        sa.Column("reason", sa.Text, nullable=False),
        sa.Column("status", sa.String(12), nullable=False),
    )
    op.create_index("ix_kaigo_drafts_batch_id", "kaigo_drafts", ["batch_id"])
    op.create_index("ix_kaigo_drafts_case_id", "kaigo_drafts", ["case_id"])
    op.create_table(
        "kaigo_decisions",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column(
            "draft_id",
            sa.Integer,
            sa.ForeignKey("kaigo_drafts.id", name="fk_kaigo_decisions_draft_id_kaigo_drafts"),
            nullable=False,
        ),
        sa.Column("outcome", sa.String(10), nullable=False),
        sa.Column("mode", sa.String(10), nullable=False),
        _user_fk("decided_by", "kaigo_decisions"),
        sa.Column("decided_at", UTCDateTime, nullable=False),
        sa.Column("decision_date", sa.Date, nullable=False),
        sa.Column("note", sa.Text, nullable=False),
        sa.UniqueConstraint("draft_id", name="uq_kaigo_decisions_draft_id"),
    )
    dialect = op.get_bind().dialect.name
    for table in APPEND_ONLY:
        for statement in append_only_ddl(table, dialect):
            op.execute(statement)


def downgrade() -> None:
    for table in (
        "kaigo_decisions",
        "kaigo_drafts",
        "kaigo_batches",
        "dunning_export_rows",
        "dunning_exports",
        "applications",
        "declarations",
        "claim_events",
        "claims",
        "cases",
    ):
        op.drop_table(table)
    if op.get_bind().dialect.name == "postgresql":
        for table in APPEND_ONLY:
            op.execute(f"DROP FUNCTION {table}_append_only()")
