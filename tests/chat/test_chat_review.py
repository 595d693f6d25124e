"""The review state machine, the SV queue, role checks, office knowledge and re-review after re-ingest —
on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest
from sqlalchemy import select, text

from kb_bot import audit
from kb_bot.chat import review
from kb_bot.chat.models import ChatReview, ChatTurn, OfficeAnswer, TurnCitation
from kb_bot.chat.review import TRANSITIONS, ReviewError, next_status
from kb_bot.db import session_scope
from kb_bot.users import PermissionDenied

ACTIONS = ("flag", "request", "approve", "correct", "reject", "requeue")
STATES = ("none", "pending", "approved", "corrected", "rejected")


@pytest.mark.parametrize("state", STATES)
@pytest.mark.parametrize("action", ACTIONS)
def test_state_machine_allows_exactly_the_documented_transitions(state: str, action: str) -> None:
    if (state, action) in TRANSITIONS:
        assert next_status(state, action) == TRANSITIONS[(state, action)]
    else:
        with pytest.raises(ReviewError):
            next_status(state, action)


def test_state_machine_shape() -> None:
    assert next_status("none", "request") == "pending"
    assert next_status("pending", "approve") == "approved"
    assert next_status("pending", "correct") == "corrected"
    assert next_status("pending", "reject") == "rejected"
    assert next_status("approved", "requeue") == "pending"
    assert next_status("rejected", "request") == "pending"
    for done in ("approved", "corrected", "rejected"):
        for action in ("approve", "correct", "reject"):
            with pytest.raises(ReviewError):
                next_status(done, action)  # a decision is never silently overwritten


PLAIN_QUESTIONS = ("自立更生のための費用を控除してよいか", "自立更生のための費用は控除できるか",
                   "自立更生のための費用を収入から控除できるか")


def _plain_turn(service, user_id: int, variant: int = 0) -> int:
    """A turn that no automatic rule flags (the variants are different questions, never repeats)."""
    r = service.ask(user_id, PLAIN_QUESTIONS[variant])
    assert r.review_status == "none", r.flags
    return r.turn_id


def test_cw_request_puts_the_turn_in_their_svs_queue_only(service, people) -> None:
    t = _plain_turn(service, people.cw1)
    assert service.queue(people.sv1) == []
    assert service.request_review(people.cw1, t, "78条でよいか確認したい") == "pending"
    q = service.queue(people.sv1)
    assert [x["id"] for x in q] == [t]
    assert q[0]["cw_comment"] == "78条でよいか確認したい"
    assert "cw_request" in q[0]["flags"]
    assert service.queue(people.sv2) == []  # the other team's SV
    assert [x["id"] for x in service.queue(people.admin)] == [t]


def test_queue_is_oldest_first(service, people) -> None:
    ids = [_plain_turn(service, u) for u in (people.cw2, people.cw1, people.cw2)]
    for i in reversed(ids):
        service.request_review(people.cw2 if i != ids[1] else people.cw1, i)
    assert [x["id"] for x in service.queue(people.sv1)] == list(reversed(ids))


def test_only_the_asker_can_request_review(service, people) -> None:
    t = _plain_turn(service, people.cw1)
    for other in (people.cw2, people.sv1, people.cw3):
        with pytest.raises(PermissionDenied):
            service.request_review(other, t)


def test_cw_cannot_open_the_queue_or_act(service, people) -> None:
    t = _plain_turn(service, people.cw1)
    service.request_review(people.cw1, t)
    with pytest.raises(PermissionDenied):
        service.queue(people.cw1)
    with pytest.raises(PermissionDenied):
        service.open_for_review(people.cw2, t)
    with pytest.raises(PermissionDenied):
        service.act(people.cw2, t, "approve")
    with pytest.raises(PermissionDenied):
        service.export_csv(people.cw1)


def test_nobody_sees_another_teams_turns(service, people) -> None:
    t = _plain_turn(service, people.cw1)
    assert service.turn(people.cw1, t)["question"]
    assert service.turn(people.sv1, t)["question"]  # the team's SV
    assert service.turn(people.admin, t)["question"]
    for outsider in (people.cw2, people.cw3, people.sv2):
        with pytest.raises(PermissionDenied):
            service.turn(outsider, t)
    service.request_review(people.cw1, t)
    with pytest.raises(PermissionDenied):
        service.open_for_review(people.sv2, t)
    with pytest.raises(PermissionDenied):
        service.act(people.sv2, t, "approve")


def test_an_sv_does_not_review_their_own_question(service, people) -> None:
    t = _plain_turn(service, people.sv1)
    service.request_review(people.sv1, t)
    assert service.queue(people.sv1) == []
    with pytest.raises(PermissionDenied):
        service.act(people.sv1, t, "approve")
    assert service.act(people.admin, t, "approve")["review_status"] == "approved"


def test_approve_correct_reject_record_who_and_when(service, people, engine) -> None:
    a, b, c = (_plain_turn(service, people.cw1, i) for i in range(3))
    for t in (a, b, c):
        service.request_review(people.cw1, t, "確認をお願いします")
    assert service.act(people.sv1, a, "approve", "問題なし")["review_status"] == "approved"
    with pytest.raises(ReviewError):
        service.act(people.sv1, b, "correct", "", "")  # an empty correction
    v = service.act(people.sv1, b, "correct", "原本で確認", "修正した回答です。[1]")
    assert v["review_status"] == "corrected" and v["corrected_answer"] == "修正した回答です。[1]"
    with pytest.raises(ReviewError):
        service.act(people.sv1, c, "reject", "")  # a rejection needs a note
    v = service.act(people.sv1, c, "reject", "質問の前提が違います")
    assert v["review_status"] == "rejected" and v["review_note"] == "質問の前提が違います"
    with pytest.raises(ReviewError):
        service.act(people.sv1, a, "reject", "やっぱり")  # decided: not pending any more

    history = {h["id"]: h for h in service.history(people.cw1)}
    assert history[a]["status_label"] == "SV承認済み" and history[a]["reviewer"] == "佐藤SV"
    assert history[b]["corrected_answer"].startswith("修正した回答")
    assert history[c]["review_note"] == "質問の前提が違います"
    assert all(history[t]["reviewed_at"] for t in (a, b, c))

    with session_scope(engine) as s:
        actions = [(r.turn_id, r.action, r.actor) for r in s.scalars(select(ChatReview).order_by(ChatReview.id))]
        assert (a, "approve", "sv1") in actions and (b, "correct", "sv1") in actions and (c, "reject", "sv1") in actions
        office = {o.turn_id: o for o in s.scalars(select(OfficeAnswer))}
        assert set(office) == {a, b}
        assert office[b].answer == "修正した回答です。[1]" and office[b].kind == "corrected"
        logged = {e.action for e in audit.entries(s, actor="sv1")}
        assert {"review.approve", "review.correct", "review.reject"} <= logged


def test_review_history_is_append_only(service, people, engine) -> None:
    t = _plain_turn(service, people.cw1)
    service.request_review(people.cw1, t)
    with engine.connect() as conn:
        with pytest.raises(Exception, match="append-only"):
            conn.execute(text("UPDATE chat_reviews SET note = 'x'"))
        conn.rollback()
        with pytest.raises(Exception, match="append-only"):
            conn.execute(text("DELETE FROM chat_reviews"))
        conn.rollback()


def test_views_of_flagged_turns_and_exports_are_audited(service, people, engine) -> None:
    t = _plain_turn(service, people.cw1)
    service.request_review(people.cw1, t)
    service.open_for_review(people.sv1, t)
    service.turn(people.admin, t)
    csv_text, n = service.export_csv(people.sv1)
    assert n == 1 and "自立更生" in csv_text
    assert service.export_csv(people.sv2)[1] == 0  # the other team's SV sees none of it
    with session_scope(engine) as s:
        views = audit.entries(s, action_prefix="chat.view_flagged")
        assert {e.actor for e in views} == {"sv1", "admin"}
        assert all(e.target == f"turn:{t}" for e in views)
        exports = audit.entries(s, action_prefix="chat.export")
        assert [(e.actor, e.detail["rows"]) for e in exports] == [("sv2", 0), ("sv1", 1)]


def test_approved_answers_become_office_knowledge_for_similar_questions(service, people) -> None:
    t = _plain_turn(service, people.cw1)
    service.request_review(people.cw1, t)
    service.act(people.sv1, t, "correct", "原本確認済み", "家電の購入などは認められる範囲で控除できる。[1]")
    later = service.ask(people.cw2, "自立更生のための費用は控除してよいのか")
    assert [o.turn_id for o in later.office] == [t]
    o = later.office[0]
    assert o.label == "SV確認済み回答" and o.reviewer == "佐藤SV" and o.kind == "corrected"
    assert o.answer.startswith("家電") and o.reviewed_at
    assert o.citations and all(c["passage_id"] for c in o.citations)
    assert later.payload["office"][0]["turn_id"] == t
    unrelated = service.ask(people.cw2, "第78条の徴収金とは")
    assert unrelated.office == []


def test_requeue_when_a_cited_passage_changes(service, people, engine) -> None:
    t = _plain_turn(service, people.cw1)
    service.request_review(people.cw1, t)
    service.act(people.sv1, t, "approve")
    with session_scope(engine) as s:
        used = [c.passage_id for c in s.scalars(select(TurnCitation).where(TurnCitation.turn_id == t, TurnCitation.used))]
        assert used
        assert review.requeue_changed(s, ["not-cited"]) == []
        assert review.requeue_changed(s, [used[0]]) == [t]
    q = service.queue(people.sv1)
    assert [x["id"] for x in q] == [t] and "source_changed" in q[0]["flags"]
    assert service.ask(people.cw2, "自立更生のための費用を控除してよいか").office == []  # stale: not shown
    service.act(people.sv1, t, "approve", "改正後の記載で確認")
    assert [o.turn_id for o in service.ask(people.cw2, "自立更生のための費用を控除してよいか").office] == [t]
    with session_scope(engine) as s:
        assert s.get(ChatTurn, t).review_status == "approved"
        assert [e.action for e in audit.entries(s, action_prefix="review.requeue")] == ["review.requeue"]


def test_repeats_are_one_item_and_one_decision_keeps_the_counts_in_step(service, people, engine) -> None:
    a = _plain_turn(service, people.cw1)
    b = _plain_turn(service, people.cw2)
    c = service.ask(people.cw1, PLAIN_QUESTIONS[0].replace("か", "か？") + " ").turn_id  # same after normalising
    other = _plain_turn(service, people.cw1, 1)
    for t, who, note in ((a, people.cw1, "78条でよいか"), (b, people.cw2, ""), (c, people.cw1, ""),
                         (other, people.cw1, "")):
        service.request_review(who, t, note)
    items = service.queue_items(people.sv1)
    assert [(i["id"], i["count"]) for i in items] == [(a, 3), (other, 1)]
    assert items[0]["turn_ids"] == [a, b, c] and items[0]["comments"] == ["78条でよいか"]
    assert "cw_request" in items[0]["flags"] and len(items[0]["askers"]) == 2
    assert service.pending_count(people.sv1) == 2

    service.act(people.sv1, b, "correct", "原本で確認", "修正した回答です。[1]")  # any turn of the item decides it
    assert [i["id"] for i in service.queue_items(people.sv1)] == [other]
    assert service.pending_count(people.sv1) == 1
    with session_scope(engine) as s:
        assert {s.get(ChatTurn, t).review_status for t in (a, b, c)} == {"corrected"}
        assert s.get(ChatTurn, c).corrected_answer == "修正した回答です。[1]"
        assert [o.turn_id for o in s.scalars(select(OfficeAnswer))] == [b]  # published once
        repeats = [e.detail.get("repeat_of") for e in audit.entries(s, action_prefix="review.correct")]
        assert sorted(repeats, key=str) == sorted([None, b, b], key=str)


def test_a_question_the_sources_say_nothing_about_is_not_queued(service, people) -> None:
    r = service.ask(people.cw1, "明日の東京の天気は晴れですか")
    assert r.answer.abstained and not r.answer.citations
    assert r.review_status == "none" and service.queue_items(people.sv1) == []
    assert service.request_review(people.cw1, r.turn_id, "念のため") == "pending"  # the CW can still send it
    assert [i["id"] for i in service.queue_items(people.sv1)] == [r.turn_id]


def test_off_topic_rule() -> None:
    assert review.is_off_topic(["abstained"], 0)
    assert not review.is_off_topic(["abstained"], 2)  # near passages: the SV should look
    assert not review.is_off_topic(["abstained", "amount"], 0)  # an amount question always goes
    assert not review.is_off_topic([], 0)
