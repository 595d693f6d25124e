"""The review of flagged turns: a small state machine, the SV queue, and re-review after a re-ingest.

States of a turn (``chat_turns.review_status``) and the actions that move it::

    none ──flag / request──▶ pending ──approve──▶ approved ──requeue──▶ pending
                              │  ▲   ──correct──▶ corrected ──requeue──▶ pending
                              │  └──request── rejected ◀──reject──┘

- ``flag`` (system, when the turn is created) and ``request`` (the CW who asked: 「SVに確認」, with an
  optional comment; also allowed again after a rejection) put a turn into the queue;
- ``approve`` / ``correct`` (edited answer + note) / ``reject`` (note) are for the SV of the asker's team
  (or an admin); an SV never reviews their own questions (those go to an admin);
- ``requeue`` (system) sends an approved or corrected answer back when a passage it cites changed or was
  removed by a re-ingest; its SV確認済み回答 stops being shown until it is reviewed again.

Every action is a row in the append-only ``chat_reviews`` (who, when, from → to, note) and an audit entry.
Approved and corrected answers become SV確認済み回答 (:mod:`kb_bot.chat.office`).

Two rules keep the queue readable:

- *off-topic questions are not queued automatically*: a turn whose only automatic flags are 「根拠なし」/
  「根拠が弱い」 and that found no passage at all (e.g. a weather question) stays out of the queue; the CW
  can still send it with 「SVに確認」. A turn with any other flag (63条・78条, 金額 …) is queued as before;
- *repeats are one item*: pending turns with the same normalised question and the same answer are shown as
  one :class:`QueueItem` with a count, and an SV's decision on it applies to every turn of the item (the
  SV確認済み回答 is published once, from the oldest turn).
"""

from __future__ import annotations

import re
import sys
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from kb_bot import audit
from kb_bot.chat.models import ChatReview, ChatTurn, OfficeAnswer
from kb_bot.db import utcnow
from kb_bot.settings import Settings
from kb_bot.users import PermissionDenied, Role, User, UserError, can_see, team_members

SYSTEM = "system"

TRANSITIONS: dict[tuple[str, str], str] = {
    ("none", "flag"): "pending",
    ("none", "request"): "pending",
    ("pending", "request"): "pending",
    ("rejected", "request"): "pending",
    ("pending", "approve"): "approved",
    ("pending", "correct"): "corrected",
    ("pending", "reject"): "rejected",
    ("approved", "requeue"): "pending",
    ("corrected", "requeue"): "pending",
}
ACTION_LABELS = {
    "flag": "自動でSV確認へ", "request": "CWがSV確認を依頼", "approve": "承認", "correct": "修正して承認",
    "reject": "差し戻し", "requeue": "根拠の変更により再確認へ",
}


class ReviewError(UserError):
    """An action that the turn's state does not allow; the message says what the state is."""


def next_status(status: str, action: str) -> str:
    """The state after ``action`` (pure); raises :class:`ReviewError` when the action is not allowed."""
    try:
        return TRANSITIONS[(status, action)]
    except KeyError:
        from kb_bot.chat.models import STATUS_LABELS

        label = STATUS_LABELS.get(status) or "未依頼"
        raise ReviewError(f"この回答は「{label}」のため、「{ACTION_LABELS.get(action, action)}」はできません") from None


def _apply(session: Session, turn: ChatTurn, action: str, actor: User | None, note: str = "",
           corrected: str = "") -> ChatReview:
    before = turn.review_status
    after = next_status(before, action)
    now = utcnow()
    turn.review_status = after
    if after == "pending" and before != "pending":
        turn.queued_at = now
    if action in ("approve", "correct", "reject"):
        assert actor is not None
        turn.reviewer_id = actor.id
        turn.reviewed_at = now
        turn.review_note = note
        turn.corrected_answer = corrected if action == "correct" else ""
    entry = ChatReview(turn_id=turn.id, at=now, actor_id=actor.id if actor else None,
                       actor=actor.username if actor else SYSTEM, action=action, from_status=before,
                       to_status=after, note=note, corrected_answer=corrected)
    session.add(entry)
    session.flush()
    return entry


WEAK_BASIS_FLAGS = frozenset({"abstained", "low_confidence"})


def is_off_topic(flags: Iterable[str], citations: int) -> bool:
    """A question the sources say nothing about: only weak-basis flags and not one passage found."""
    flags = set(flags)
    return bool(flags) and flags <= WEAK_BASIS_FLAGS and citations == 0


def flag(session: Session, turn: ChatTurn, flags: Iterable[str]) -> None:
    """Put a new turn into the queue because of the automatic ``flags`` (system action); an off-topic
    question (:func:`is_off_topic`) is not queued."""
    flags = list(flags)
    if not flags or is_off_topic(flags, len((turn.answer_json or {}).get("citations") or [])):
        return
    _apply(session, turn, "flag", None, note="、".join(flags))


def get_turn(session: Session, viewer: User, turn_id: int) -> ChatTurn:
    """The turn, if ``viewer`` may see it (own / team for an SV / all for admin); views of a flagged turn
    by someone other than the asker are audited."""
    turn = session.get(ChatTurn, turn_id)
    if turn is None or not can_see(session, viewer, turn.user_id):
        raise PermissionDenied("この質問を見る権限がありません（自分の質問、SVは自班の質問だけを見られます）")
    if turn.review_status != "none" and viewer.id != turn.user_id:
        audit.record(session, viewer.username, "chat.view_flagged", f"turn:{turn.id}",
                     {"owner": turn.user.username, "status": turn.review_status})
    return turn


def request_review(session: Session, cw: User, turn_id: int, comment: str = "") -> ChatTurn:
    """「SVに確認」: the asker sends their turn to the SV with an optional comment."""
    turn = session.get(ChatTurn, turn_id)
    if turn is None or turn.user_id != cw.id:
        raise PermissionDenied("SVへの確認依頼は、質問した本人だけができます")
    comment = comment.strip()
    _apply(session, turn, "request", cw, note=comment)
    if comment:
        turn.cw_comment = f"{turn.cw_comment}\n{comment}".strip() if turn.cw_comment else comment
    if "cw_request" not in (turn.flags or []):
        turn.flags = [*(turn.flags or []), "cw_request"]
    audit.record(session, cw.username, "chat.request_review", f"turn:{turn.id}", {"comment": bool(comment)})
    return turn


def _check_reviewer(session: Session, reviewer: User, turn: ChatTurn) -> None:
    if reviewer.role == Role.ADMIN:
        return
    if reviewer.role != Role.SV:
        raise PermissionDenied("SV確認の操作は査察指導員（SV）と管理者だけができます")
    if turn.user_id == reviewer.id or turn.user_id not in {u.id for u in team_members(session, reviewer)}:
        raise PermissionDenied("この質問はあなたの班のケースワーカーのものではありません")


def queue(session: Session, reviewer: User) -> list[ChatTurn]:
    """Pending turns the reviewer may act on, oldest first: an SV's team, or every one for an admin."""
    if reviewer.role not in (Role.SV, Role.ADMIN):
        raise PermissionDenied("SV確認の一覧は査察指導員（SV）と管理者だけが開けます")
    query = select(ChatTurn).where(ChatTurn.review_status == "pending")
    if reviewer.role == Role.SV:
        members = [u.id for u in team_members(session, reviewer) if u.id != reviewer.id]
        if not members:
            return []
        query = query.where(ChatTurn.user_id.in_(members))
    return list(session.scalars(query.order_by(ChatTurn.queued_at, ChatTurn.id)))


_TRAILING = re.compile(r"[\s?？。.!！、,]+$")


def repeat_key(turn: ChatTurn) -> tuple[str, str]:
    """Turns with the same key are repeats: the question (NFKC, no spaces, no trailing punctuation) and the
    answer text."""
    question = re.sub(r"\s+", "", unicodedata.normalize("NFKC", turn.question))
    return _TRAILING.sub("", question), turn.answer.strip()


@dataclass
class QueueItem:
    """One line of the SV queue: a pending turn and its repeats (oldest first)."""

    turns: list[ChatTurn] = field(default_factory=list)

    @property
    def first(self) -> ChatTurn:
        return self.turns[0]

    @property
    def count(self) -> int:
        return len(self.turns)


def queue_items(session: Session, reviewer: User) -> list[QueueItem]:
    """The reviewer's queue with repeats merged, ordered by the oldest turn of each item."""
    items: dict[tuple[str, str], QueueItem] = {}
    for turn in queue(session, reviewer):
        items.setdefault(repeat_key(turn), QueueItem()).turns.append(turn)
    return list(items.values())


def _repeats(session: Session, reviewer: User, turn: ChatTurn) -> list[ChatTurn]:
    """The other pending turns of ``turn``'s queue item."""
    key = repeat_key(turn)
    return [t for t in queue(session, reviewer) if t.id != turn.id and repeat_key(t) == key]


def open_for_review(session: Session, reviewer: User, turn_id: int) -> ChatTurn:
    turn = session.get(ChatTurn, turn_id)
    if turn is None:
        raise PermissionDenied("この質問を見る権限がありません")
    _check_reviewer(session, reviewer, turn)
    audit.record(session, reviewer.username, "chat.view_flagged", f"turn:{turn.id}",
                 {"owner": turn.user.username, "status": turn.review_status})
    return turn


def _citations_of(turn: ChatTurn) -> list[dict]:
    return [
        {"n": c.n, "label": c.label, "passage_id": c.passage_id, "corpus_version": c.corpus_version,
         "title": c.title, "collection": c.collection, "page": c.page, "used": c.used}
        for c in turn.citations
    ]


def _publish(session: Session, turn: ChatTurn, reviewer: User, kind: str, text: str, note: str) -> OfficeAnswer:
    values = dict(question=turn.question, answer=text, citations=_citations_of(turn), kind=kind,
                  reviewer_id=reviewer.id, reviewed_at=turn.reviewed_at or utcnow(), status="active", note=note)
    oa = session.scalar(select(OfficeAnswer).where(OfficeAnswer.turn_id == turn.id))
    if oa is None:
        oa = OfficeAnswer(turn_id=turn.id, **values)
        session.add(oa)
    else:
        for key, value in values.items():
            setattr(oa, key, value)
    session.flush()
    return oa


def _decide_repeats(session: Session, reviewer: User, turn: ChatTurn, repeats: list[ChatTurn], action: str,
                    note: str, corrected: str = "") -> None:
    for other in repeats:
        _apply(session, other, action, reviewer, note=note, corrected=corrected)
        audit.record(session, reviewer.username, f"review.{action}", f"turn:{other.id}",
                     {"owner": other.user.username, "repeat_of": turn.id})


def approve(session: Session, reviewer: User, turn_id: int, note: str = "") -> ChatTurn:
    turn = _for_action(session, reviewer, turn_id)
    repeats = _repeats(session, reviewer, turn)
    _apply(session, turn, "approve", reviewer, note=note.strip())
    _publish(session, turn, reviewer, "approved", turn.answer, note.strip())
    audit.record(session, reviewer.username, "review.approve", f"turn:{turn.id}", {"owner": turn.user.username})
    _decide_repeats(session, reviewer, turn, repeats, "approve", note.strip())
    return turn


def correct(session: Session, reviewer: User, turn_id: int, corrected_answer: str, note: str = "") -> ChatTurn:
    corrected_answer = corrected_answer.strip()
    if not corrected_answer:
        raise ReviewError("修正後の回答を入力してください")
    turn = _for_action(session, reviewer, turn_id)
    if corrected_answer == turn.answer.strip():
        raise ReviewError("回答が修正されていません。そのままでよければ「承認」を選んでください")
    repeats = _repeats(session, reviewer, turn)
    _apply(session, turn, "correct", reviewer, note=note.strip(), corrected=corrected_answer)
    _publish(session, turn, reviewer, "corrected", corrected_answer, note.strip())
    audit.record(session, reviewer.username, "review.correct", f"turn:{turn.id}", {"owner": turn.user.username})
    _decide_repeats(session, reviewer, turn, repeats, "correct", note.strip(), corrected_answer)
    return turn


def reject(session: Session, reviewer: User, turn_id: int, note: str) -> ChatTurn:
    note = note.strip()
    if not note:
        raise ReviewError("差し戻しの理由（メモ）を入力してください")
    turn = _for_action(session, reviewer, turn_id)
    repeats = _repeats(session, reviewer, turn)
    _apply(session, turn, "reject", reviewer, note=note)
    oa = session.scalar(select(OfficeAnswer).where(OfficeAnswer.turn_id == turn.id))
    if oa is not None:
        oa.status = "retired"
    audit.record(session, reviewer.username, "review.reject", f"turn:{turn.id}", {"owner": turn.user.username})
    _decide_repeats(session, reviewer, turn, repeats, "reject", note)
    return turn


def _for_action(session: Session, reviewer: User, turn_id: int) -> ChatTurn:
    lock = True if session.get_bind().dialect.name == "postgresql" else None  # two SVs cannot both act
    turn = session.get(ChatTurn, turn_id, with_for_update=lock)
    if turn is None:
        raise PermissionDenied("この質問を見る権限がありません")
    _check_reviewer(session, reviewer, turn)
    return turn


def history(session: Session, turn: ChatTurn) -> list[ChatReview]:
    return list(session.scalars(select(ChatReview).where(ChatReview.turn_id == turn.id).order_by(ChatReview.id)))


# -- re-review after a re-ingest ------------------------------------------------------------------------

def requeue_changed(session: Session, passage_ids: Iterable[str], version: str = "") -> list[int]:
    """Send back to the queue every approved/corrected answer citing one of ``passage_ids``.

    ``version`` (the new index version) only adds to the record.
    The SV確認済み回答 become ``stale`` (not shown) until an SV reviews them again. Returns the turn ids.
    """
    ids = sorted(set(passage_ids))
    if not ids:
        return []
    requeued: list[int] = []
    for oa in session.scalars(select(OfficeAnswer).where(OfficeAnswer.status == "active").order_by(OfficeAnswer.id)):
        cited = [c for c in (oa.citations or []) if c.get("used")] or list(oa.citations or [])
        hit = sorted({c["passage_id"] for c in cited} & set(ids))
        if not hit:
            continue
        turn = oa.turn
        labels = [c["label"] for c in cited if c["passage_id"] in hit]
        note = f"根拠の記載が変更・削除されました（{'、'.join(labels)}）" + (f"。索引の版 {version}" if version else "")
        _apply(session, turn, "requeue", None, note=note)
        if "source_changed" not in (turn.flags or []):
            turn.flags = [*(turn.flags or []), "source_changed"]
        oa.status = "stale"
        audit.record(session, SYSTEM, "review.requeue", f"turn:{turn.id}", {"passages": hit, "version": version})
        requeued.append(turn.id)
    session.flush()
    return requeued


def requeue_after_ingest(settings: Settings, passage_ids: Sequence[str], version: str) -> int | None:
    """Called by the ingest pipeline once index ``version`` serves, with the ids of the passages it changed or
    removed. Returns how many answers went back to the queue, or None when there is no chat database yet
    (never created: nothing to do, nothing said)."""
    ids = list(passage_ids)
    if not ids:
        return 0
    from sqlalchemy import inspect
    from sqlalchemy.engine import make_url

    from kb_bot.db import make_engine, session_scope

    url = settings.db_url
    u = make_url(url)
    if u.get_backend_name() == "sqlite" and (not u.database or u.database == ":memory:"
                                             or not Path(u.database).exists()):
        return None
    engine = make_engine(url)
    try:
        try:
            if not inspect(engine).has_table("office_answers"):
                return None
        except Exception as e:  # noqa: BLE001 - an unreachable server must not fail the ingest
            print(f"注意: データベースに接続できないため、SV確認済み回答の再確認は行いませんでした（{type(e).__name__}）",
                  file=sys.stderr)
            return None
        with session_scope(engine) as session:
            return len(requeue_changed(session, ids, version))
    finally:
        engine.dispose()
