"""Which turns go to the SV: the flag rules (which of them are on is a setting, ``[chat] flag_rules``).

A turn is flagged when
- ``cw_request`` — the CW pressed 「SVに確認」 (always on);
- ``abstained`` — no sufficient basis was found;
- ``low_confidence`` — the answer rests on a weak basis (the core's caution bound, see
  :attr:`kb_bot.answer.Answer.weak_basis` and the setting ``caution_threshold``);
- ``grounding_failed`` — the LLM answer failed the grounding check (or the LLM failed) and the extractive
  answer was shown instead;
- ``topic_63_78`` — the question is about deciding 第63条 返還金 vs 第78条 徴収金;
- ``amount`` — the question is about an amount;
- ``source_changed`` — a passage an SV確認済み回答 cites changed on re-ingest (set by the review module).
"""

from __future__ import annotations

import re
import unicodedata

from kb_bot.chat.config import ChatSettings
from kb_bot.question import topic_of

FLAG_LABELS = {
    "cw_request": "CWが確認を依頼",
    "abstained": "根拠なし（回答保留）",
    "low_confidence": "根拠が弱い",
    "grounding_failed": "LLM回答の根拠検査に不合格",
    "llm_error": "LLMに接続できず抽出回答",
    "topic_63_78": "63条・78条の判断",
    "amount": "金額に関する質問",
    "source_changed": "根拠の記載が改正・変更",
}


def is_63_78(question: str) -> bool:
    """The core's one definition of a 63/78 question (kb_bot.question.topic_of)."""
    return topic_of(question) == "63_78"


def is_amount(question: str, cfg: ChatSettings) -> bool:
    return bool(re.search(cfg.amount_pattern, unicodedata.normalize("NFKC", question)))


def evaluate(
    question: str,
    cfg: ChatSettings,
    *,
    abstained: bool,
    weak_basis: bool,
    grounding_failed: bool = False,
    llm_error: bool = False,
) -> list[str]:
    """The automatic flags of a turn (in a stable order)."""
    rules = set(cfg.flag_rules)
    flags: list[str] = []
    if abstained and "abstained" in rules:
        flags.append("abstained")
    if not abstained and weak_basis and "low_confidence" in rules:
        flags.append("low_confidence")
    if grounding_failed and "grounding_failed" in rules:
        flags.append("grounding_failed")
    if llm_error and "grounding_failed" in rules:
        flags.append("llm_error")
    if "topic_63_78" in rules and is_63_78(question):
        flags.append("topic_63_78")
    if "amount" in rules and is_amount(question, cfg):
        flags.append("amount")
    return flags
