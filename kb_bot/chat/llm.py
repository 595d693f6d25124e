"""The optional LLM answer: any OpenAI-compatible ``/chat/completions`` endpoint.

The model sees only the (masked) question and the retrieved passages, numbered [1]..[n]; nothing about
the user, the case or earlier turns. Its answer is checked by :mod:`kb_bot.chat.grounding` before it is
shown. The question and the passages are masked with :mod:`kb_bot.chat.pii` *before* this module is called;
:func:`generate` refuses to send anything in which the same detector still finds personal data, as a last
guard.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from kb_bot.chat.config import ChatSettings

if TYPE_CHECKING:
    import httpx

SYSTEM_PROMPT = """あなたは生活保護の実務担当者（ケースワーカー）を支援するアシスタントです。
次の規則を必ず守って、日本語で簡潔に答えてください。
1. 答えは、与えられた「資料」の記載だけに基づいて書く。資料にないことは書かない。推測しない。
2. すべての文の末尾に、根拠とした資料の番号を [1] や [2][3] の形で付ける。番号のない文を書かない。
3. 資料に答えがない場合は「資料には該当する記載がありません。」とだけ書く（番号は不要）。
4. 〈氏名1〉のような山括弧の記号は伏せ字なので、そのまま使う。
5. 最終的な判断は実施機関が行うものであり、断定的な指示はしない。"""

NO_ANSWER = "資料には該当する記載がありません"


class LLMError(RuntimeError):
    """The endpoint could not be reached or answered something unusable (the chat falls back)."""


@dataclass
class LLMReply:
    text: str
    model: str
    seconds: float
    prompt: list[dict]
    """The messages that were sent (masked): kept for tests and debugging, never logged with PII."""


def build_messages(question: str, passages: Sequence[tuple[str, str]]) -> list[dict]:
    """``passages``: (label, text) in citation order; they are numbered from 1."""
    docs = "\n\n".join(f"[{i}] {label}\n{text}" for i, (label, text) in enumerate(passages, start=1))
    user = f"資料:\n{docs}\n\n質問: {question}\n\n資料の番号を各文の末尾に付けて答えてください。"
    return [{"role": "system", "content": SYSTEM_PROMPT}, {"role": "user", "content": user}]


def _guard(question: str, passages: Sequence[tuple[str, str]]) -> None:
    from kb_bot.chat.pii import detect

    for what, text in [("質問", question), *(("資料", f"{label}\n{body}") for label, body in passages)]:
        leaked = detect(text)
        if leaked:
            kinds = "・".join(leaked)
            raise LLMError(f"送信前の検査で{what}に個人情報と思われる文字列（{kinds}）が残っていたため送信を中止しました")


def generate(question: str, passages: Sequence[tuple[str, str]], cfg: ChatSettings,
             client: httpx.Client | None = None) -> LLMReply:
    """Ask the endpoint; ``question`` and ``passages`` must already be masked.

    Raises :class:`LLMError` on any failure."""
    import httpx

    _guard(question, passages)
    messages = build_messages(question, passages)
    url = cfg.llm_base_url.rstrip("/") + "/chat/completions"
    headers = {"Content-Type": "application/json"}
    if cfg.llm_api_key:
        headers["Authorization"] = f"Bearer {cfg.llm_api_key}"
    body = {
        "model": cfg.llm_model,
        "messages": messages,
        "temperature": cfg.llm_temperature,
        "max_tokens": cfg.llm_max_tokens,
        "stream": False,
    }
    started = time.perf_counter()
    try:
        if client is None:
            with httpx.Client(timeout=cfg.llm_timeout_s, trust_env=False) as c:
                response = c.post(url, json=body, headers=headers)
        else:
            response = client.post(url, json=body, headers=headers)
    except httpx.HTTPError as e:
        raise LLMError(f"LLM サーバーに接続できません（{type(e).__name__}: {e}）") from None
    if response.status_code != 200:
        raise LLMError(f"LLM サーバーがエラーを返しました（HTTP {response.status_code}: {response.text[:200]}）")
    try:
        data = response.json()
        text = data["choices"][0]["message"]["content"]
    except (ValueError, KeyError, IndexError, TypeError):
        raise LLMError("LLM サーバーの応答を読み取れません（OpenAI 互換の chat/completions 形式ではありません）") from None
    if not isinstance(text, str) or not text.strip():
        raise LLMError("LLM サーバーの応答が空です")
    return LLMReply(text.strip(), str(data.get("model") or cfg.llm_model), time.perf_counter() - started, messages)
