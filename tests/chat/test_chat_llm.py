"""LLM mode against a fake OpenAI-compatible server (a real HTTP server on 127.0.0.1 in the test):
masking before anything leaves, the grounding check, and the fallback to the extractive answer."""

from __future__ import annotations

import re

import pytest

from kb_bot.answer import compose
from kb_bot.chat.config import ChatSettings
from kb_bot.chat.llm import LLMError, generate
from kb_bot.chat.service import ChatService

QUESTION = "山田太郎さん（ケース番号A-12345、電話090-1234-5678）が保険金を申告せずに使いました。63条と78条のどちらですか"
SECRETS = ("山田太郎", "A-12345", "090-1234-5678")


def test_grounded_llm_answer_is_used_and_nothing_personal_leaves(llm_service, people, fake_llm) -> None:
    r = llm_service.ask(people.cw1, QUESTION)
    assert r.mode == "llm", r.grounding_problems
    assert len(fake_llm.requests) == 1
    sent = fake_llm.requests[0]
    assert sent["path"] == "/v1/chat/completions"
    assert sent["headers"]["Authorization"] == "Bearer test-key"
    assert sent["body"]["model"] == "fake-model"
    for secret in SECRETS:
        assert secret not in sent["raw"]
    assert "〈氏名1〉さん" in sent["raw"] and "〈ケース番号1〉" in sent["raw"] and "〈電話番号1〉" in sent["raw"]
    assert "63条と78条" in sent["raw"]  # references are kept
    assert "cw1" not in sent["raw"] and "鈴木" not in sent["raw"]  # nothing about the user
    user_msg = sent["body"]["messages"][1]["content"]
    assert [int(n) for n in re.findall(r"^\[(\d+)\] ", user_msg, flags=re.M)] == list(range(1, 6))
    # the answer shown on this machine has the name back; the stored masked question does not
    assert "山田太郎さんの場合も" in r.answer.answer
    assert r.masked_question and "山田太郎" not in r.masked_question
    assert "grounding_failed" not in r.flags and "llm_error" not in r.flags
    assert r.answer.used and "llm_ms" in r.timings


@pytest.mark.parametrize(
    "content",
    [
        "保険金は資力として扱われます。不正があれば徴収です。",  # no markers at all
        "保険金は資力として扱われます。[1]不正があれば徴収です。",  # one sentence without a marker
        "保険金は資力として扱われます。[9]",  # a marker pointing at no retrieved passage
    ],
)
def test_ungrounded_llm_answer_falls_back_to_extractive_and_is_flagged(
    llm_service, people, fake_llm, content
) -> None:
    fake_llm.reply = lambda body: (200, content)
    r = llm_service.ask(people.cw1, QUESTION)
    assert r.mode == "llm_fallback"
    assert "grounding_failed" in r.flags and r.review_status == "pending"
    assert r.grounding_problems and r.notice
    expected = compose(llm_service.searcher.search(QUESTION, k=8), llm_service.searcher.tokenizer())
    assert r.answer.answer == expected.answer  # the extractive answer is what is shown
    assert content not in r.answer.answer


def test_llm_server_error_falls_back(llm_service, people, fake_llm) -> None:
    fake_llm.reply = lambda body: (500, "")
    r = llm_service.ask(people.cw1, "自立更生のための費用を控除してよいか")
    assert r.mode == "llm_fallback" and "llm_error" in r.flags
    assert "HTTP 500" in r.notice


def test_unreachable_llm_falls_back(chat_env, engine, people, monkeypatch) -> None:
    import socket

    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()  # nothing listens here now
    monkeypatch.setenv("KB_BOT_CHAT_MODE", "llm")
    monkeypatch.setenv("KB_BOT_CHAT_LLM_BASE_URL", f"http://127.0.0.1:{port}/v1")
    monkeypatch.setenv("KB_BOT_CHAT_LLM_MODEL", "m")
    r = ChatService(chat_env, engine).ask(people.cw1, "自立更生のための費用を控除してよいか")
    assert r.mode == "llm_fallback" and "llm_error" in r.flags and r.answer.answer


def test_abstained_question_is_not_sent(llm_service, people, fake_llm) -> None:
    r = llm_service.ask(people.cw1, "保護費の支給日はいつか")
    assert r.answer.abstained and r.mode == "extractive"
    assert fake_llm.requests == []


def test_generate_refuses_a_question_that_was_not_masked(fake_llm) -> None:
    cfg = ChatSettings(mode="llm", llm_base_url=fake_llm.url, llm_model="m")
    with pytest.raises(LLMError, match="送信を中止"):
        generate("電話090-1234-5678の世帯について", [("L", "本文。")], cfg)
    assert fake_llm.requests == []
    reply = generate("〈電話番号1〉の世帯について", [("生活保護法 第63条", "返還しなければならない。")], cfg)
    assert reply.text and len(fake_llm.requests) == 1
