"""LLM mode against a fake OpenAI-compatible server (a real HTTP server on 127.0.0.1 in the test):
masking before anything leaves, the grounding check, and the fallback to the extractive answer."""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from kb_bot.answer import compose
from kb_bot.chat.config import ChatSettings
from kb_bot.chat.llm import LLMError, generate
from kb_bot.chat.service import ChatService

QUESTION = "山田太郎さん（ケース番号A-12345、電話090-1234-5678）が保険金を申告せずに使いました。63条と78条のどちらですか"
SECRETS = ("山田太郎", "A-12345", "090-1234-5678")


class FakeLLM:
    """POST /v1/chat/completions; ``reply(body) -> (status, content)`` decides the answer."""

    def __init__(self) -> None:
        self.requests: list[dict] = []
        self.reply: Callable[[dict], tuple[int, str]] = self.grounded
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                fake.requests.append({"path": self.path, "headers": dict(self.headers), "body": body,
                                      "raw": json.dumps(body, ensure_ascii=False)})
                status, content = fake.reply(body)
                payload = {"id": "x", "object": "chat.completion", "model": body.get("model"),
                           "choices": [{"index": 0, "message": {"role": "assistant", "content": content},
                                        "finish_reason": "stop"}]}
                data = json.dumps(payload, ensure_ascii=False).encode() if status == 200 else b'{"error":"boom"}'
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args) -> None:  # noqa: ANN002
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/v1"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    @staticmethod
    def grounded(body: dict) -> tuple[int, str]:
        """Quotes the first sentence of passage [1] and refers to the masked name."""
        user = body["messages"][1]["content"]
        first = re.search(r"\[1\] [^\n]*\n([^。\n]*。)", user).group(1)
        name = re.search(r"〈氏名\d+〉", user)
        tail = f"{name.group(0)}さんの場合も、{first}[1]" if name else ""
        return 200, f"{first}[1]\n{tail}"

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def fake_llm() -> Iterator[FakeLLM]:
    fake = FakeLLM()
    yield fake
    fake.close()


@pytest.fixture
def llm_service(chat_env, engine, people, fake_llm, monkeypatch) -> ChatService:  # noqa: ANN001
    monkeypatch.setenv("KB_BOT_CHAT_MODE", "llm")
    monkeypatch.setenv("KB_BOT_CHAT_LLM_BASE_URL", fake_llm.url)
    monkeypatch.setenv("KB_BOT_CHAT_LLM_MODEL", "fake-model")
    monkeypatch.setenv("KB_BOT_CHAT_LLM_API_KEY", "test-key")
    monkeypatch.setenv("KB_BOT_CHAT_LLM_TIMEOUT_S", "5")
    return ChatService(chat_env, engine)


def test_grounded_llm_answer_is_used_and_nothing_personal_leaves(llm_service, people, fake_llm) -> None:  # noqa: ANN001
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
    llm_service, people, fake_llm, content  # noqa: ANN001
) -> None:
    fake_llm.reply = lambda body: (200, content)
    r = llm_service.ask(people.cw1, QUESTION)
    assert r.mode == "llm_fallback"
    assert "grounding_failed" in r.flags and r.review_status == "pending"
    assert r.grounding_problems and r.notice
    expected = compose(llm_service.searcher.search(QUESTION, k=8), llm_service.searcher.tokenizer())
    assert r.answer.answer == expected.answer  # the extractive answer is what is shown
    assert content not in r.answer.answer


def test_llm_server_error_falls_back(llm_service, people, fake_llm) -> None:  # noqa: ANN001
    fake_llm.reply = lambda body: (500, "")
    r = llm_service.ask(people.cw1, "自立更生のための費用を控除してよいか")
    assert r.mode == "llm_fallback" and "llm_error" in r.flags
    assert "HTTP 500" in r.notice


def test_unreachable_llm_falls_back(chat_env, engine, people, monkeypatch) -> None:  # noqa: ANN001
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


def test_abstained_question_is_not_sent(llm_service, people, fake_llm) -> None:  # noqa: ANN001
    r = llm_service.ask(people.cw1, "保護費の支給日はいつか")
    assert r.answer.abstained and r.mode == "extractive"
    assert fake_llm.requests == []


def test_generate_refuses_a_question_that_was_not_masked(fake_llm) -> None:  # noqa: ANN001
    cfg = ChatSettings(mode="llm", llm_base_url=fake_llm.url, llm_model="m")
    with pytest.raises(LLMError, match="送信を中止"):
        generate("電話090-1234-5678の世帯について", [("L", "本文。")], cfg)
    assert fake_llm.requests == []
    reply = generate("〈電話番号1〉の世帯について", [("生活保護法 第63条", "返還しなければならない。")], cfg)
    assert reply.text and len(fake_llm.requests) == 1
