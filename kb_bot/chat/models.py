"""Tables of the chat (migration ``0003_chat``).

``chat_turns`` keeps every question and answer with its mode, flags, timings and the latest review outcome;
``turn_citations`` the passages shown (label + passage id + corpus version), indexed by passage id so a
re-ingest finds the answers that cite a changed passage; ``chat_reviews`` is the append-only history of
every review action (who, when, what); ``office_answers`` the SV確認済み回答; ``web_sessions`` the logins.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, Boolean, Float, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from kb_bot.db import Base, BigId, UTCDateTime, utcnow
from kb_bot.users import User

REVIEW_STATUSES = ("none", "pending", "approved", "corrected", "rejected")
STATUS_LABELS = {
    "none": "",
    "pending": "SV確認待ち",
    "approved": "SV承認済み",
    "corrected": "SVが修正",
    "rejected": "SV差し戻し",
}


class ChatTurn(Base):
    __tablename__ = "chat_turns"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    team_id: Mapped[int | None] = mapped_column(ForeignKey("teams.id"))
    """The asker's team when the question was asked (for the record; the queue follows current teams)."""
    question: Mapped[str] = mapped_column(Text)
    answer: Mapped[str] = mapped_column(Text)
    answer_json: Mapped[dict[str, Any]] = mapped_column(JSON)
    """The full composed answer (kb_bot.answer.Answer.to_json) plus the SV確認済み回答 shown with it."""
    mode: Mapped[str] = mapped_column(String(20))
    """extractive | llm | llm_fallback (the model's answer failed a check; the extractive one was shown)."""
    retrieval_mode: Mapped[str] = mapped_column(String(10))
    corpus_version: Mapped[str] = mapped_column(String(100))
    confidence: Mapped[float] = mapped_column(Float)
    abstained: Mapped[bool] = mapped_column(Boolean)
    flags: Mapped[list[str]] = mapped_column(JSON)
    timings: Mapped[dict[str, float]] = mapped_column(JSON)
    llm_model: Mapped[str] = mapped_column(String(200), default="")
    masked_question: Mapped[str] = mapped_column(Text, default="")
    """What left the machine (LLM mode only): the question after masking."""
    review_status: Mapped[str] = mapped_column(String(12), default="none", index=True)
    queued_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    """When the turn last entered the SV queue (the queue is oldest first by this)."""
    cw_comment: Mapped[str] = mapped_column(Text, default="")
    reviewer_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    reviewed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    review_note: Mapped[str] = mapped_column(Text, default="")
    corrected_answer: Mapped[str] = mapped_column(Text, default="")

    user: Mapped[User] = relationship(foreign_keys=[user_id])
    reviewer: Mapped[User | None] = relationship(foreign_keys=[reviewer_id])
    citations: Mapped[list[TurnCitation]] = relationship(order_by="TurnCitation.n", back_populates="turn")


class TurnCitation(Base):
    __tablename__ = "turn_citations"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    turn_id: Mapped[int] = mapped_column(BigId, ForeignKey("chat_turns.id"), index=True)
    n: Mapped[int] = mapped_column(Integer)
    label: Mapped[str] = mapped_column(String(300))
    passage_id: Mapped[str] = mapped_column(String(64), index=True)
    corpus_version: Mapped[str] = mapped_column(String(100))
    collection: Mapped[str] = mapped_column(String(20))
    title: Mapped[str] = mapped_column(String(300))
    page: Mapped[int | None] = mapped_column(Integer)
    used: Mapped[bool] = mapped_column(Boolean, default=False)
    """The answer text refers to it with its [n]."""

    turn: Mapped[ChatTurn] = relationship(back_populates="citations")


class ChatReview(Base):
    """One review action. Append-only (the database refuses UPDATE and DELETE)."""

    __tablename__ = "chat_reviews"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    turn_id: Mapped[int] = mapped_column(BigId, ForeignKey("chat_turns.id"), index=True)
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    """None for the system (flag rules, re-review after a re-ingest)."""
    actor: Mapped[str] = mapped_column(String(100))
    action: Mapped[str] = mapped_column(String(20))
    """flag | request | approve | correct | reject | requeue."""
    from_status: Mapped[str] = mapped_column(String(12))
    to_status: Mapped[str] = mapped_column(String(12))
    note: Mapped[str] = mapped_column(Text, default="")
    corrected_answer: Mapped[str] = mapped_column(Text, default="")


class OfficeAnswer(Base):
    """An SV確認済み回答: an approved or corrected answer, searched alongside the corpus."""

    __tablename__ = "office_answers"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    turn_id: Mapped[int] = mapped_column(BigId, ForeignKey("chat_turns.id"), unique=True)
    question: Mapped[str] = mapped_column(Text)
    answer: Mapped[str] = mapped_column(Text)
    citations: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    """[{n, label, passage_id, corpus_version, title, collection, page, used}] of the reviewed turn."""
    kind: Mapped[str] = mapped_column(String(10))
    """approved (the answer as given) | corrected (the SV's edited answer)."""
    reviewer_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    reviewed_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    status: Mapped[str] = mapped_column(String(10), default="active", index=True)
    """active (shown) | stale (a cited passage changed: back in the queue, not shown until re-reviewed) |
    retired (rejected on re-review)."""
    note: Mapped[str] = mapped_column(Text, default="")

    reviewer: Mapped[User] = relationship(foreign_keys=[reviewer_id])
    turn: Mapped[ChatTurn] = relationship(foreign_keys=[turn_id])


class WebSession(Base):
    """A login to the web app. The browser holds a random token; only its SHA-256 is stored."""

    __tablename__ = "web_sessions"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    revoked_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    via: Mapped[str] = mapped_column(String(10), default="password")

    user: Mapped[User] = relationship(foreign_keys=[user_id])
