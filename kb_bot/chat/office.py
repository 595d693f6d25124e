"""Office knowledge: SV確認済み回答 (approved or corrected answers), searched alongside the corpus.

A later question is matched against the *questions* of the active office answers with the same Japanese
tokens as the corpus, weighted by the corpus index's idf (rare words count more): the similarity is the
weighted share of words the two questions have in common (a Dice coefficient, 0..1). Matches at or above
``[chat] office_min_similarity`` are shown above the corpus answer with their own label
「SV確認済み回答」, the reviewer and the date. Answers whose cited passages changed on a re-ingest are
``stale`` and are not shown until an SV reviews them again (see :mod:`kb_bot.chat.review`).
"""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Callable
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from kb_bot.chat.models import OfficeAnswer
from kb_bot.users import User

LABEL = "SV確認済み回答"


@dataclass
class OfficeMatch:
    id: int
    turn_id: int
    question: str
    answer: str
    reviewer: str
    reviewed_at: str
    """ISO timestamp (UTC)."""
    kind: str
    """approved | corrected."""
    similarity: float
    note: str = ""
    citations: list[dict] = field(default_factory=list)
    label: str = LABEL

    def to_json(self) -> dict:
        return dict(self.__dict__)


class OfficeIndex:
    """Token sets of the active office answers' questions, refreshed from the database on each search."""

    def __init__(self) -> None:
        self._tokens: dict[tuple[int, dt.datetime], frozenset[str]] = {}
        self._lock = threading.Lock()

    def search(
        self,
        session: Session,
        question: str,
        tokenize: Callable[[str], list[str]],  # the question's unigrams
        idf: dict[str, float],
        unknown_idf: float,
        min_similarity: float,
        limit: int,
    ) -> list[OfficeMatch]:
        rows = session.execute(
            select(OfficeAnswer.id, OfficeAnswer.reviewed_at, OfficeAnswer.question).where(OfficeAnswer.status == "active")
        ).all()
        if not rows:
            return []
        q = frozenset(tokenize(question))
        if not q:
            return []

        def weight(words: frozenset[str]) -> float:
            return sum(idf.get(w, unknown_idf) for w in words)

        scored: list[tuple[float, int]] = []
        with self._lock:
            live = set()
            for oid, reviewed_at, oq in rows:
                key = (oid, reviewed_at)
                live.add(key)
                if key not in self._tokens:
                    self._tokens[key] = frozenset(tokenize(oq))
                words = self._tokens[key]
                total = weight(q) + weight(words)
                sim = 2 * weight(q & words) / total if total else 0.0
                if sim >= min_similarity:
                    scored.append((sim, oid))
            for key in [k for k in self._tokens if k not in live]:
                del self._tokens[key]
        scored.sort(key=lambda x: (-x[0], -x[1]))
        out = []
        for sim, oid in scored[:limit]:
            oa = session.get(OfficeAnswer, oid)
            if oa is None:
                continue
            reviewer: User | None = oa.reviewer
            out.append(OfficeMatch(
                id=oa.id, turn_id=oa.turn_id, question=oa.question, answer=oa.answer,
                reviewer=reviewer.label if reviewer else "", reviewed_at=oa.reviewed_at.isoformat(),
                kind=oa.kind,
                similarity=round(sim, 3), note=oa.note, citations=list(oa.citations or []),
            ))
        return out
