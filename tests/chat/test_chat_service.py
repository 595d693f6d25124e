"""A chat turn end to end: what is stored, the flag rules, abstention — on SQLite and PostgreSQL."""

from __future__ import annotations

import dataclasses

import pytest
from sqlalchemy import select

from kb_bot import DISCLAIMER
from kb_bot.chat.config import ChatSettings
from kb_bot.chat.flags import evaluate
from kb_bot.chat.models import ChatReview, ChatTurn, TurnCitation
from kb_bot.db import session_scope
from kb_bot.settings import SettingsError
from kb_bot.users import UserError


def test_every_turn_is_stored_with_citations_flags_and_timings(service, people, engine) -> None:
    r = service.ask(people.cw1, "63条と78条の違いは")
    assert r.mode == "extractive" and not r.answer.abstained
    assert r.answer.disclaimer == DISCLAIMER
    assert "topic_63_78" in r.flags and r.review_status == "pending"  # a 63 vs 78 decision goes to the SV
    assert set(r.timings) >= {"answer_ms", "office_ms", "total_ms"}
    with session_scope(engine) as s:
        turn = s.get(ChatTurn, r.turn_id)
        assert turn.question == "63条と78条の違いは" and turn.answer == r.answer.answer
        assert turn.mode == "extractive" and turn.corpus_version == r.answer.corpus_version
        assert turn.flags == r.flags and turn.timings["total_ms"] > 0
        assert turn.answer_json["disclaimer"] == DISCLAIMER
        assert turn.answer_json["checklist"]
        cites = list(s.scalars(select(TurnCitation).where(TurnCitation.turn_id == r.turn_id).order_by(TurnCitation.n)))
        assert [c.label for c in cites] == [c.label for c in r.answer.citations]
        assert [c.passage_id for c in cites] == [c.passage_id for c in r.answer.citations]
        assert all(c.corpus_version == r.answer.corpus_version for c in cites)
        assert {c.n for c in cites if c.used} == set(r.answer.used)
        flagged = list(s.scalars(select(ChatReview).where(ChatReview.turn_id == r.turn_id)))
        assert [(f.action, f.actor, f.to_status) for f in flagged] == [("flag", "system", "pending")]


def test_abstained_turn_is_flagged_and_offers_the_sv(service, people) -> None:
    r = service.ask(people.cw1, "保護費の支給日はいつか")
    assert r.answer.abstained
    assert r.flags == ["abstained"]
    assert r.review_status == "pending"
    assert r.answer.citations  # the nearest passages are still shown (as 近い記載)


def test_plain_question_is_not_flagged(service, people) -> None:
    r = service.ask(people.cw1, "自立更生のための費用を控除してよいか")
    assert r.flags == [] and r.review_status == "none"


def test_an_answer_on_a_weak_basis_says_so_and_goes_to_the_sv(chat_env, engine, people) -> None:
    from kb_bot.answer import WEAK_BASIS_NOTE
    from kb_bot.chat.service import ChatService
    from kb_bot.web.render import answer_html

    question = "自立更生のための費用を控除してよいか"  # answered, not flagged, under the fitted bound
    cautious = ChatService(dataclasses.replace(chat_env, caution_threshold=0.995), engine)  # every answer is under it
    r = cautious.ask(people.cw1, question)
    assert not r.answer.abstained and r.answer.weak_basis
    assert r.flags == ["low_confidence"] and r.review_status == "pending"
    assert WEAK_BASIS_NOTE in answer_html(r.payload)
    trusting = ChatService(dataclasses.replace(chat_env, caution_threshold=0.0), engine)
    r = trusting.ask(people.cw1, question)
    assert not r.answer.weak_basis and r.flags == [] and WEAK_BASIS_NOTE not in answer_html(r.payload)


def test_empty_and_overlong_questions_are_refused(service, people) -> None:
    with pytest.raises(UserError):
        service.ask(people.cw1, "   ")
    with pytest.raises(UserError):
        service.ask(people.cw1, "あ" * 2001)


def test_history_is_own_turns_newest_first(service, people) -> None:
    a = service.ask(people.cw1, "自立更生のための費用を控除してよいか").turn_id
    service.ask(people.cw2, "63条と78条の違いは")
    b = service.ask(people.cw1, "63条と78条の違いは").turn_id
    assert [t["id"] for t in service.history(people.cw1)] == [b, a]
    full = service.history(people.cw1, full=True)
    assert full[0]["answer_json"]["citations"]


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("63条と78条のどちらを適用するか", ["topic_63_78"]),
        ("法78か法63か", ["topic_63_78"]),
        ("返還額はいくらになるか", ["amount"]),
        ("徴収額の計算方法", ["amount"]),
        ("世帯分離の要件", []),
    ],
)
def test_flag_rules(question: str, expected: list[str]) -> None:
    assert evaluate(question, ChatSettings(), abstained=False, weak_basis=False) == expected


def test_flag_rules_are_settings() -> None:
    cfg = ChatSettings(flag_rules=("abstained",))
    assert evaluate("63条と78条の違いはいくら", cfg, abstained=False, weak_basis=True) == []
    assert evaluate("x", cfg, abstained=True, weak_basis=False) == ["abstained"]
    assert evaluate("x", ChatSettings(), abstained=False, weak_basis=True) == ["low_confidence"]
    assert evaluate("x", ChatSettings(), abstained=False, weak_basis=False, grounding_failed=True) == ["grounding_failed"]
    with pytest.raises(SettingsError):
        ChatSettings(flag_rules=("bogus",))
    with pytest.raises(SettingsError):
        ChatSettings(mode="llm")  # needs base_url and model


def test_chat_settings_from_environment(chat_env, monkeypatch) -> None:
    from kb_bot.chat.config import chat_settings

    monkeypatch.setenv("KB_BOT_CHAT_OFFICE_MAX", "3")
    monkeypatch.setenv("KB_BOT_CHAT_FLAG_RULES", "abstained,amount")
    cfg = chat_settings(dataclasses.replace(chat_env))
    assert cfg.office_max == 3 and cfg.flag_rules == ("abstained", "amount")
    assert cfg.trusted_user_header == ""  # SSO header is off by default
