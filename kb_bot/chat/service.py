"""One chat turn end to end, and the views of stored turns (with role checks).

:meth:`ChatService.ask` searches the index, composes the extractive answer (with the 63/78 or 自立更生費
checklist), optionally asks the LLM (masked question, grounding check, fallback), looks for SV確認済み回答,
applies the flag rules, and stores the turn with its citations, flags and timings — in one transaction.
"""

from __future__ import annotations

import csv
import io
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from sqlalchemy import func, select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from kb_bot import audit
from kb_bot.answer import Answer, answer_question
from kb_bot.chat import flags as flag_rules
from kb_bot.chat import review
from kb_bot.chat.config import ChatSettings, chat_settings
from kb_bot.chat.highlight import content_words, question_terms
from kb_bot.chat.models import STATUS_LABELS, ChatTurn, TurnCitation
from kb_bot.chat.office import OfficeIndex, OfficeMatch
from kb_bot.chat.pii import Masker, detect, mask
from kb_bot.db import session_scope
from kb_bot.settings import Settings
from kb_bot.users import PermissionDenied, Role, User, UserError, visible_user_ids

if TYPE_CHECKING:
    import httpx

    from kb_bot.search import Searcher
    from kb_bot.tokenize import JapaneseTokenizer

MAX_QUESTION = 2000
LLM_FALLBACK_NOTICE = "LLMの回答が根拠の検査を通らなかったため、資料から抜き出した回答を表示しています（SV確認に回しました）"
LLM_ERROR_NOTICE = "LLMに接続できなかったため、資料から抜き出した回答を表示しています"


@dataclass
class TurnResult:
    turn_id: int
    answer: Answer
    office: list[OfficeMatch]
    flags: list[str]
    review_status: str
    mode: str
    timings: dict[str, float]
    notice: str = ""
    grounding_problems: list[str] = field(default_factory=list)
    masked_question: str = ""
    payload: dict[str, Any] = field(default_factory=dict)
    """What was stored as ``answer_json`` (the answer, the SV確認済み回答 shown, highlight terms)."""
    personal_data: list[str] = field(default_factory=list)
    """Kinds of personal data found in the question (氏名, 電話番号 …): stored and sent only as placeholders."""


def _ms(seconds: float) -> float:
    return round(seconds * 1000, 1)


class ChatService:
    def __init__(self, settings: Settings, engine: Engine, searcher: Searcher | None = None,
                 http_client: httpx.Client | None = None) -> None:
        from kb_bot.search import Searcher

        self.settings = settings
        self.cfg: ChatSettings = chat_settings(settings)
        self.engine = engine
        self.searcher = searcher or Searcher(settings)
        self.office = OfficeIndex()
        self.http_client = http_client
        """An httpx.Client for the LLM endpoint (tests pass one; None = a new client per call)."""

    # -- asking -------------------------------------------------------------------------------------
    def ask(self, user_id: int, question: str) -> TurnResult:
        question = question.strip()
        if not question:
            raise UserError("質問を入力してください")
        if len(question) > MAX_QUESTION:
            raise UserError(f"質問は{MAX_QUESTION}文字以内にしてください")
        cfg = self.cfg
        timings: dict[str, float] = {}
        started = time.perf_counter()

        answer = answer_question(self.searcher, question)
        tokenizer = self.searcher.tokenizer()
        timings["answer_ms"] = _ms(time.perf_counter() - started)

        private = Masker()  # personal data typed by the CW is stored, sent and shown to the SV only masked
        stored_question = private.mask(question)
        mode, notice, problems, masked_q, llm_model = "extractive", "", [], "", ""
        grounding_failed = llm_error = False
        if cfg.mode == "llm" and not answer.abstained:
            t = time.perf_counter()
            mode, notice, problems, llm_model, grounding_failed, llm_error = self._llm(answer, tokenizer, private)
            masked_q = stored_question
            timings["llm_ms"] = _ms(time.perf_counter() - t)

        t = time.perf_counter()
        version = self.searcher.version()
        with session_scope(self.engine) as session:
            user = session.get(User, user_id)
            if user is None or not user.active:
                raise PermissionDenied("ログインし直してください")
            office = self.office.search(
                session, question, lambda s: content_words(tokenizer, s), version.lexical.idf, version.lexical.unknown_idf,
                cfg.office_min_similarity, cfg.office_max,
            )
            timings["office_ms"] = _ms(time.perf_counter() - t)
            flags = flag_rules.evaluate(question, cfg, abstained=answer.abstained, weak_basis=answer.weak_basis,
                                        grounding_failed=grounding_failed, llm_error=llm_error)
            if office:  # an SV already answered a question like this one: that is the basis shown
                flags = [f for f in flags if f not in ("abstained", "low_confidence")]
            timings["total_ms"] = _ms(time.perf_counter() - started)

            payload = answer.to_json()
            payload["question"] = stored_question
            payload["answer"] = stored_answer = private.mask(answer.answer)
            secrets = list(private.mapping.values())
            terms, literals = question_terms(question, tokenizer)
            payload["highlight"] = {"terms": sorted(t for t in terms if not any(t in v for v in secrets)),
                                    "literals": [lit for lit in literals if not any(lit in v for v in secrets)]}
            payload["office"] = [o.to_json() for o in office]
            payload["notice_chat"] = notice
            payload["grounding_problems"] = problems
            turn = ChatTurn(
                user_id=user.id, team_id=user.team_id, question=stored_question, answer=stored_answer,
                answer_json=payload,
                mode=mode, retrieval_mode=answer.retrieval_mode, corpus_version=answer.corpus_version,
                confidence=float(answer.confidence), abstained=answer.abstained, flags=flags, timings=timings,
                llm_model=llm_model, masked_question=masked_q, review_status="none", cw_comment="",
                review_note="", corrected_answer="",
            )
            session.add(turn)
            session.flush()
            used = set(answer.used)
            for c in answer.citations:
                session.add(TurnCitation(turn_id=turn.id, n=c.n, label=c.label[:300], passage_id=c.passage_id,
                                         corpus_version=answer.corpus_version, collection=c.collection,
                                         title=c.title[:300], page=c.page, used=c.n in used))
            review.flag(session, turn, flags)
            status, turn_id = turn.review_status, turn.id
        return TurnResult(turn_id, answer, office, flags, status, mode, timings, notice, problems, masked_q, payload,
                          detect(question))

    def _llm(self, answer: Answer, tokenizer: JapaneseTokenizer,
             masker: Masker) -> tuple[str, str, list[str], str, bool, bool]:
        """Ask the model with the question *and the passages* masked by ``masker`` (one mapping for all).

        Returns (mode, notice, problems, model, grounding failed, LLM error)."""
        from kb_bot.chat import grounding
        from kb_bot.chat.llm import NO_ANSWER, LLMError, generate
        from kb_bot.chat.pii import unmask

        cfg = self.cfg
        question = masker.mask(answer.question)
        passages = [(masker.mask(c.label), masker.mask(c.text)) for c in answer.citations[: cfg.llm_passages]]
        try:
            reply = generate(question, passages, cfg, client=self.http_client)
        except LLMError as e:
            return "llm_fallback", f"{LLM_ERROR_NOTICE}（{e}）", [str(e)], cfg.llm_model, False, True
        if NO_ANSWER in reply.text and not grounding.markers(reply.text):
            problems = ["LLMは資料に該当する記載がないと回答しました"]
            return "llm_fallback", LLM_FALLBACK_NOTICE, problems, reply.model, True, False
        check = grounding.check(reply.text, len(passages), [t for _, t in passages],
                                lambda s: content_words(tokenizer, s), cfg.grounding_min_overlap)
        if not check.ok:
            return "llm_fallback", LLM_FALLBACK_NOTICE, check.problems, reply.model, True, False
        answer.answer = unmask(reply.text, masker.mapping)
        answer.used = sorted(set(check.cited) | {i.n for i in answer.checklist})
        return "llm", "", [], reply.model, False, False

    # -- the CW's side --------------------------------------------------------------------------------
    def request_review(self, user_id: int, turn_id: int, comment: str = "") -> str:
        """Send a turn to the SV; personal data in the comment goes only as placeholders."""
        with session_scope(self.engine) as session:
            turn = review.request_review(session, _user(session, user_id), turn_id, mask(comment).text)
            return turn.review_status

    def history(self, user_id: int, limit: int = 100, full: bool = False) -> list[dict]:
        """The user's own turns, newest first, with the review outcome (``full``: with the stored answer)."""
        with session_scope(self.engine) as session:
            user = _user(session, user_id)
            turns = session.scalars(
                select(ChatTurn).where(ChatTurn.user_id == user.id).order_by(ChatTurn.id.desc()).limit(limit)
            )
            return [turn_view(t, full=full) for t in turns]

    def turn(self, viewer_id: int, turn_id: int) -> dict:
        with session_scope(self.engine) as session:
            return turn_view(review.get_turn(session, _user(session, viewer_id), turn_id), full=True)

    def recent_outcomes(self, user_id: int, days: int = 14) -> int:
        """How many of the user's questions an SV answered in the last ``days`` days (a note at login)."""
        import datetime as dt

        from kb_bot.db import utcnow

        with session_scope(self.engine) as session:
            return session.scalar(
                select(func.count()).select_from(ChatTurn).where(
                    ChatTurn.user_id == user_id, ChatTurn.review_status.in_(("approved", "corrected", "rejected")),
                    ChatTurn.reviewed_at >= utcnow() - dt.timedelta(days=days),
                )
            ) or 0

    def pending_count(self, reviewer_id: int) -> int:
        """Items waiting for the reviewer (repeats count once, as in :meth:`queue_items`)."""
        with session_scope(self.engine) as session:
            return len(review.queue_items(session, _user(session, reviewer_id)))

    # -- the SV's side --------------------------------------------------------------------------------
    def queue(self, reviewer_id: int) -> list[dict]:
        with session_scope(self.engine) as session:
            return [turn_view(t) for t in review.queue(session, _user(session, reviewer_id))]

    def queue_items(self, reviewer_id: int) -> list[dict]:
        """The queue as the SV sees it: one dict per item (its oldest turn's view) with ``count``,
        ``turn_ids``, every asker (``askers``) and every CW comment (``comments``)."""
        with session_scope(self.engine) as session:
            out = []
            for item in review.queue_items(session, _user(session, reviewer_id)):
                view = turn_view(item.first)
                view["count"] = item.count
                view["turn_ids"] = [t.id for t in item.turns]
                view["askers"] = list(dict.fromkeys(t.user.label for t in item.turns))
                view["flags"] = list(dict.fromkeys(f for t in item.turns for f in (t.flags or [])))
                view["comments"] = [t.cw_comment for t in item.turns if t.cw_comment]
                out.append(view)
            return out

    def open_for_review(self, reviewer_id: int, turn_id: int) -> dict:
        with session_scope(self.engine) as session:
            turn = review.open_for_review(session, _user(session, reviewer_id), turn_id)
            view = turn_view(turn, full=True)
            view["history"] = [
                {"at": r.at.isoformat(), "actor": r.actor, "action": r.action, "label": review.ACTION_LABELS[r.action],
                 "note": r.note} for r in review.history(session, turn)
            ]
            return view

    def act(self, reviewer_id: int, turn_id: int, action: str, note: str = "", corrected: str = "") -> dict:
        with session_scope(self.engine) as session:
            reviewer = _user(session, reviewer_id)
            if action == "approve":
                turn = review.approve(session, reviewer, turn_id, note)
            elif action == "correct":
                turn = review.correct(session, reviewer, turn_id, corrected, note)
            elif action == "reject":
                turn = review.reject(session, reviewer, turn_id, note)
            else:
                raise UserError(f"不明な操作です: {action}")
            return turn_view(turn)

    def export_csv(self, viewer_id: int) -> tuple[str, int]:
        """The turns the viewer may see (SV: team, admin: all) as CSV; the export is audited."""
        with session_scope(self.engine) as session:
            viewer = _user(session, viewer_id)
            if viewer.role not in (Role.SV, Role.ADMIN):
                raise PermissionDenied("質問履歴の書き出しは査察指導員（SV）と管理者だけができます")
            ids = visible_user_ids(session, viewer)
            query = select(ChatTurn).order_by(ChatTurn.id)
            if ids is not None:
                query = query.where(ChatTurn.user_id.in_(ids))
            buf = io.StringIO()
            w = csv.writer(buf)
            w.writerow(["id", "日時(UTC)", "質問者", "質問", "回答", "方式", "索引の版", "根拠", "フラグ", "確認状況",
                        "確認者", "確認日時", "確認メモ", "修正後の回答", "所要ms"])
            n = 0
            for t in session.scalars(query):
                w.writerow([t.id, t.created_at.isoformat(timespec="seconds"), t.user.username, t.question, t.answer,
                            t.mode, t.corpus_version, " / ".join(f"[{c.n}]{c.label}({c.passage_id})" for c in t.citations),
                            ",".join(t.flags or []), STATUS_LABELS.get(t.review_status, ""),
                            t.reviewer.username if t.reviewer else "",
                            t.reviewed_at.isoformat(timespec="seconds") if t.reviewed_at else "", t.review_note,
                            t.corrected_answer, (t.timings or {}).get("total_ms", "")])
                n += 1
            audit.record(session, viewer.username, "chat.export", "chat_turns", {"rows": n})
            return buf.getvalue(), n


def _user(session: Session, user_id: int) -> User:
    user = session.get(User, user_id)
    if user is None or not user.active:
        raise PermissionDenied("ログインし直してください")
    return user


def turn_view(turn: ChatTurn, full: bool = False) -> dict[str, Any]:
    """A plain dict of a stored turn (safe to use after the session closes)."""
    view: dict[str, Any] = {
        "id": turn.id,
        "created_at": turn.created_at.isoformat(),
        "user": turn.user.username,
        "user_label": turn.user.label,
        "question": turn.question,
        "answer": turn.answer,
        "mode": turn.mode,
        "corpus_version": turn.corpus_version,
        "flags": list(turn.flags or []),
        "review_status": turn.review_status,
        "status_label": STATUS_LABELS.get(turn.review_status, ""),
        "cw_comment": turn.cw_comment,
        "reviewer": turn.reviewer.label if turn.reviewer else "",
        "reviewed_at": turn.reviewed_at.isoformat() if turn.reviewed_at else "",
        "review_note": turn.review_note,
        "corrected_answer": turn.corrected_answer,
        "queued_at": turn.queued_at.isoformat() if turn.queued_at else "",
        "timings": dict(turn.timings or {}),
    }
    if full:
        view["answer_json"] = dict(turn.answer_json or {})
    return view
