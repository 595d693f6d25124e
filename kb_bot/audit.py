"""The audit log: who did what, when (UTC), to what. Append-only (the database refuses UPDATE and DELETE).

Record every login, every view of personal data, every decision and every export, in the same session
(transaction) as the change itself, so that a change and its audit entry are stored together or not at all.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, String, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from kb_bot.db import Base, BigId, UTCDateTime, utcnow


class AuditEntry(Base):
    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    actor: Mapped[str] = mapped_column(String(100), index=True)
    action: Mapped[str] = mapped_column(String(100), index=True)
    target: Mapped[str] = mapped_column(String(200), default="")
    detail: Mapped[dict[str, Any] | None] = mapped_column(JSON)


def record(
    session: Session, actor: str, action: str, target: str = "", detail: dict[str, Any] | None = None
) -> AuditEntry:
    """Add one entry. ``action`` is a dotted name (``user.add``, ``claim.event``, ``dunning.export`` …)."""
    if not actor:
        raise ValueError("audit.record needs the acting user's name")
    entry = AuditEntry(at=utcnow(), actor=actor, action=action, target=str(target), detail=detail)
    session.add(entry)
    session.flush()
    return entry


def entries(
    session: Session,
    *,
    actor: str | None = None,
    action_prefix: str | None = None,
    target: str | None = None,
    since: dt.datetime | None = None,
    limit: int = 1000,
) -> list[AuditEntry]:
    """The newest entries first, filtered."""
    query = select(AuditEntry).order_by(AuditEntry.id.desc()).limit(limit)
    if actor is not None:
        query = query.where(AuditEntry.actor == actor)
    if action_prefix is not None:
        query = query.where(AuditEntry.action.startswith(action_prefix, autoescape=True))
    if target is not None:
        query = query.where(AuditEntry.target == str(target))
    if since is not None:
        query = query.where(AuditEntry.at >= since)
    return list(session.scalars(query))
