"""Personal data typed into the chat (issue 11 item 12): the CW is warned before sending, and the stored
history, the SV queue, the review comment and the CSV export hold only placeholders."""

from __future__ import annotations

import json

from kb_bot.chat.models import ChatReview, ChatTurn
from kb_bot.db import session_scope

QUESTION = "山田太郎さん（1班-0123番、電話090-1234-5678）の世帯で、自立更生のための費用を控除してよいか"
COMMENT = "山田さんの件です。折り返しは 090 1234 5678 へ"
SECRETS = ("山田太郎", "山田さん", "0123", "090-1234-5678", "090 1234 5678", "1234 5678")


def _leaks(text: str) -> list[str]:
    return [s for s in SECRETS if s in text]


def test_personal_data_is_stored_and_queued_only_masked(service, people, engine) -> None:
    r = service.ask(people.cw1, QUESTION)
    assert r.personal_data == ["氏名", "ケース番号", "電話番号"]
    assert service.request_review(people.cw1, r.turn_id, COMMENT) == "pending"

    with session_scope(engine) as s:
        turn = s.get(ChatTurn, r.turn_id)
        stored = json.dumps([turn.question, turn.answer, turn.answer_json, turn.cw_comment, turn.masked_question,
                             [c.note for c in s.query(ChatReview).filter_by(turn_id=turn.id)]], ensure_ascii=False)
    assert _leaks(stored) == []
    assert "〈氏名1〉さん" in stored and "〈ケース番号1〉" in stored and "〈電話番号1〉" in stored

    queued = service.queue(people.sv1)
    assert [t["id"] for t in queued] == [r.turn_id]
    opened = service.open_for_review(people.sv1, r.turn_id)
    history = service.history(people.cw1, full=True)
    exported, _ = service.export_csv(people.sv1)
    for view in (json.dumps(queued, ensure_ascii=False), json.dumps(opened, ensure_ascii=False),
                 json.dumps(history, ensure_ascii=False), exported):
        assert _leaks(view) == []
    assert "自立更生のための費用を控除してよいか" in opened["question"]


def test_a_question_without_personal_data_is_stored_as_typed(service, people, engine) -> None:
    question = "第63条の返還額から自立更生のための費用を控除してよいか（令和6年4月1日の通知、30,000円）"
    r = service.ask(people.cw1, question)
    assert r.personal_data == []
    with session_scope(engine) as s:
        assert s.get(ChatTurn, r.turn_id).question == question


def test_the_question_box_warns_before_sending(chat_env, engine) -> None:
    import gradio as gr

    from kb_bot.web.app import WebApp, pii_warning

    warning = pii_warning(QUESTION)
    assert "氏名・ケース番号・電話番号" in warning and "伏せ字" in warning
    assert pii_warning("63条と78条のどちらで処理するか") == ""
    blocks = WebApp(chat_env, engine).blocks()
    box = next(b for b in blocks.blocks.values() if isinstance(b, gr.Textbox) and b.elem_id == "kb-question")
    wired = [f for f in blocks.fns.values() if getattr(f.fn, "__wrapped__", f.fn) is pii_warning]  # guarded handlers
    assert len(wired) == 1 and (box._id, "change") in wired[0].targets
