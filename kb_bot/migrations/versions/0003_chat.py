"""Chat: turns, their citations, review history (append-only), SV確認済み回答, web sessions.

Revision ID: 0003_chat
Revises: 0001_base
Create Date: 2026-11-26
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from kb_bot.db import BigId, UTCDateTime, append_only_ddl

revision = "0003_chat"
down_revision = "0001_base"
branch_labels = None
depends_on = None


def _user_fk(column: str, table: str, nullable: bool = False) -> sa.Column:
    return sa.Column(column, sa.Integer, sa.ForeignKey("users.id", name=f"fk_{table}_{column}_users"), nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "chat_turns",
        sa.Column("id", BigId, primary_key=True, autoincrement=True),
        sa.Column("created_at", UTCDateTime, nullable=False),
        _user_fk("user_id", "chat_turns"),
        sa.Column("team_id", sa.Integer, sa.ForeignKey("teams.id", name="fk_chat_turns_team_id_teams"), nullable=True),
        sa.Column("question", sa.Text, nullable=False),
        sa.Column("answer", sa.Text, nullable=False),
        sa.Column("answer_json", sa.JSON, nullable=False),
        sa.Column("mode", sa.String(20), nullable=False),
        sa.Column("retrieval_mode", sa.String(10), nullable=False),
        sa.Column("corpus_version", sa.String(100), nullable=False),
        sa.Column("confidence", sa.Float, nullable=False),
        sa.Column("abstained", sa.Boolean, nullable=False),
        sa.Column("flags", sa.JSON, nullable=False),
        sa.Column("timings", sa.JSON, nullable=False),
        sa.Column("llm_model", sa.String(200), nullable=False),
        sa.Column("masked_question", sa.Text, nullable=False),
        sa.Column("review_status", sa.String(12), nullable=False),
        sa.Column("queued_at", UTCDateTime, nullable=True),
        sa.Column("cw_comment", sa.Text, nullable=False),
        _user_fk("reviewer_id", "chat_turns", nullable=True),
        sa.Column("reviewed_at", UTCDateTime, nullable=True),
        sa.Column("review_note", sa.Text, nullable=False),
        sa.Column("corrected_answer", sa.Text, nullable=False),
        sa.CheckConstraint(
            "review_status IN ('none', 'pending', 'approved', 'corrected', 'rejected')", name="ck_chat_turns_review_status"
        ),
    )
    op.create_index("ix_chat_turns_created_at", "chat_turns", ["created_at"])
    op.create_index("ix_chat_turns_user_id", "chat_turns", ["user_id"])
    op.create_index("ix_chat_turns_review_status", "chat_turns", ["review_status"])

    op.create_table(
        "turn_citations",
        sa.Column("id", BigId, primary_key=True, autoincrement=True),
        sa.Column("turn_id", BigId, sa.ForeignKey("chat_turns.id", name="fk_turn_citations_turn_id_chat_turns"),
                  nullable=False),
        sa.Column("n", sa.Integer, nullable=False),
        sa.Column("label", sa.String(300), nullable=False),
        sa.Column("passage_id", sa.String(64), nullable=False),
        sa.Column("corpus_version", sa.String(100), nullable=False),
        sa.Column("collection", sa.String(20), nullable=False),
        sa.Column("title", sa.String(300), nullable=False),
        sa.Column("page", sa.Integer, nullable=True),
        sa.Column("used", sa.Boolean, nullable=False),
    )
    op.create_index("ix_turn_citations_turn_id", "turn_citations", ["turn_id"])
    op.create_index("ix_turn_citations_passage_id", "turn_citations", ["passage_id"])

    op.create_table(
        "chat_reviews",
        sa.Column("id", BigId, primary_key=True, autoincrement=True),
        sa.Column("turn_id", BigId, sa.ForeignKey("chat_turns.id", name="fk_chat_reviews_turn_id_chat_turns"),
                  nullable=False),
        sa.Column("at", UTCDateTime, nullable=False),
        _user_fk("actor_id", "chat_reviews", nullable=True),
        sa.Column("actor", sa.String(100), nullable=False),
        sa.Column("action", sa.String(20), nullable=False),
        sa.Column("from_status", sa.String(12), nullable=False),
        sa.Column("to_status", sa.String(12), nullable=False),
        sa.Column("note", sa.Text, nullable=False),
        sa.Column("corrected_answer", sa.Text, nullable=False),
    )
    op.create_index("ix_chat_reviews_turn_id", "chat_reviews", ["turn_id"])
    for statement in append_only_ddl("chat_reviews", op.get_bind().dialect.name):
        op.execute(statement)

    op.create_table(
        "office_answers",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("turn_id", BigId, sa.ForeignKey("chat_turns.id", name="fk_office_answers_turn_id_chat_turns"),
                  nullable=False),
        sa.Column("question", sa.Text, nullable=False),
        sa.Column("answer", sa.Text, nullable=False),
        sa.Column("citations", sa.JSON, nullable=False),
        sa.Column("kind", sa.String(10), nullable=False),
        _user_fk("reviewer_id", "office_answers"),
        sa.Column("reviewed_at", UTCDateTime, nullable=False),
        sa.Column("status", sa.String(10), nullable=False),
        sa.Column("note", sa.Text, nullable=False),
        sa.UniqueConstraint("turn_id", name="uq_office_answers_turn_id"),
    )
    op.create_index("ix_office_answers_status", "office_answers", ["status"])

    op.create_table(
        "web_sessions",
        sa.Column("id", sa.String(64), primary_key=True),
        _user_fk("user_id", "web_sessions"),
        sa.Column("created_at", UTCDateTime, nullable=False),
        sa.Column("expires_at", UTCDateTime, nullable=False),
        sa.Column("revoked_at", UTCDateTime, nullable=True),
        sa.Column("via", sa.String(10), nullable=False),
    )
    op.create_index("ix_web_sessions_user_id", "web_sessions", ["user_id"])


def downgrade() -> None:
    op.drop_table("web_sessions")
    op.drop_table("office_answers")
    op.drop_table("chat_reviews")
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP FUNCTION chat_reviews_append_only()")
    op.drop_table("turn_citations")
    op.drop_table("chat_turns")
