"""Tables of the claims module (migration ``0002_claims``). ``claim_events`` and ``kaigo_decisions`` are
append-only in the database itself; the other tables change only through the services, which audit."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, BigInteger, Date, ForeignKey, Index, Integer, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from kb_bot.db import Base, BigId, UTCDateTime, utcnow
from kb_bot.users import User


class Case(Base):
    """A household (ケース): the minimum the claims features need."""

    __tablename__ = "cases"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_number: Mapped[str] = mapped_column(String(30), unique=True)
    cw_user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    head_name: Mapped[str] = mapped_column(String(200))
    phone: Mapped[str] = mapped_column(String(30), default="")
    birth_date: Mapped[dt.date | None] = mapped_column(Date)
    closed_on: Mapped[dt.date | None] = mapped_column(Date)
    """保護廃止の日; None while the case is open."""
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    cw: Mapped[User] = relationship()


class Claim(Base):
    """The identity of a claim (債権). Everything else about it is in its events."""

    __tablename__ = "claims"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    basis: Mapped[str] = mapped_column(String(5))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by: Mapped[int] = mapped_column(ForeignKey("users.id"))

    case: Mapped[Case] = relationship()


class ClaimEvent(Base):
    __tablename__ = "claim_events"
    __table_args__ = (Index("ix_claim_events_claim_id_id", "claim_id", "id"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    claim_id: Mapped[int] = mapped_column(ForeignKey("claims.id"))
    kind: Mapped[str] = mapped_column(String(30))
    on: Mapped[dt.date] = mapped_column("on_date", Date)
    data: Mapped[dict[str, Any]] = mapped_column(JSON)
    reverses_id: Mapped[int | None] = mapped_column(BigInteger, ForeignKey("claim_events.id"))
    recorded_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    recorded_by: Mapped[int] = mapped_column(ForeignKey("users.id"))


class Declaration(Base):
    """A received 申告・届出 and its processing."""

    __tablename__ = "declarations"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    type: Mapped[str] = mapped_column(String(30))
    received_on: Mapped[dt.date] = mapped_column(Date)
    deadline: Mapped[dt.date] = mapped_column(Date)
    """Fixed when received, from the setting in force then."""
    status: Mapped[str] = mapped_column(String(12), default="pending")
    processed_on: Mapped[dt.date | None] = mapped_column(Date)
    result: Mapped[str] = mapped_column(Text, default="")
    note: Mapped[str] = mapped_column(Text, default="")
    created_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    case: Mapped[Case] = relationship()


class Application(Base):
    """An application for protection (or for a change) decided under 法第24条."""

    __tablename__ = "applications"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    applicant_name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(10), default="start")
    cw_user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"))
    applied_on: Mapped[dt.date] = mapped_column(Date)
    extension_reason: Mapped[str] = mapped_column(Text, default="")
    decided_on: Mapped[dt.date | None] = mapped_column(Date)
    result: Mapped[str] = mapped_column(String(20), default="")
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    cw: Mapped[User] = relationship()
    case: Mapped[Case | None] = relationship()


class DunningExport(Base):
    __tablename__ = "dunning_exports"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    actor: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    as_of: Mapped[dt.date] = mapped_column(Date)
    row_count: Mapped[int] = mapped_column(Integer)
    letter_count: Mapped[int] = mapped_column(Integer)
    file_name: Mapped[str] = mapped_column(String(200))
    sha256: Mapped[str] = mapped_column(String(64))


class DunningExportRow(Base):
    """Maps a send-management number (the only key that leaves kb-bot) back to the claim."""

    __tablename__ = "dunning_export_rows"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    export_id: Mapped[int] = mapped_column(ForeignKey("dunning_exports.id"), index=True)
    send_number: Mapped[str] = mapped_column(String(32), unique=True)
    claim_id: Mapped[int] = mapped_column(ForeignKey("claims.id"))
    phone: Mapped[str] = mapped_column(String(30))
    amount: Mapped[int] = mapped_column(BigInteger)
    due: Mapped[dt.date] = mapped_column(Date)


class KaigoBatch(Base):
    """One import of a premium file for a scope (migration ``0005_kaigo_import_scope``): an administrator's
    covers the office, an SV's the teams they lead. The file's hash and the scope make a second import of the
    same file for the same teams a no-op, while another team's SV can still import it for their team."""

    __tablename__ = "kaigo_batches"
    __table_args__ = (UniqueConstraint("file_sha256", "scope", name="uq_kaigo_batches_file_sha256_scope"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    file_sha256: Mapped[str] = mapped_column(String(64))
    scope: Mapped[str] = mapped_column(String(200))
    """``office`` (every case), or ``team:1,3``: the teams (ids, ascending) the import covered."""
    file_name: Mapped[str] = mapped_column(String(300))
    imported_by: Mapped[str] = mapped_column(String(100))
    imported_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    row_count: Mapped[int] = mapped_column(Integer)
    approval_mode: Mapped[str] = mapped_column(String(10))
    unmatched: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    """Rows that matched no open case: [{"row": n, "case_number": …, "reason": …}]."""


class KaigoDraft(Base):
    """A proposed change of one person's 介護保険料加算 for a fiscal year, decided per case."""

    __tablename__ = "kaigo_drafts"
    __table_args__ = (
        Index(  # one pending draft per person and year, even when two imports run at once (0006)
            "uq_kaigo_drafts_one_pending", "case_id", "insured_number", "fiscal_year", unique=True,
            sqlite_where=text("status = 'pending'"), postgresql_where=text("status = 'pending'"),
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    batch_id: Mapped[int] = mapped_column(ForeignKey("kaigo_batches.id"), index=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    row: Mapped[int] = mapped_column(Integer)
    insured_number: Mapped[str] = mapped_column(String(20))
    person_name: Mapped[str] = mapped_column(String(200))
    fiscal_year: Mapped[int] = mapped_column(Integer)
    collection: Mapped[str] = mapped_column(String(10))
    kind: Mapped[str] = mapped_column(String(10))
    amounts: Mapped[list[int]] = mapped_column(JSON)
    """加算 per month of the fiscal year, April first (12 integers, yen)."""
    previous: Mapped[list[int]] = mapped_column(JSON)
    effective_month: Mapped[str] = mapped_column(String(7))
    """YYYY-MM from which the change applies."""
    reason: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(12))
    """pending / approved / rejected / superseded / no_action."""

    case: Mapped[Case] = relationship()
    batch: Mapped[KaigoBatch] = relationship()


class KaigoDecision(Base):
    __tablename__ = "kaigo_decisions"
    __table_args__ = (UniqueConstraint("draft_id", name="uq_kaigo_decisions_draft_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    draft_id: Mapped[int] = mapped_column(ForeignKey("kaigo_drafts.id"))
    outcome: Mapped[str] = mapped_column(String(10))
    mode: Mapped[str] = mapped_column(String(10))
    decided_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    decision_date: Mapped[dt.date] = mapped_column(Date)
    note: Mapped[str] = mapped_column(Text, default="")

    draft: Mapped[KaigoDraft] = relationship()
    decider: Mapped[User] = relationship()
