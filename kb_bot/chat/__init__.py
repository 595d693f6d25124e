"""The chat: cited answers for CWs, the review flag, the SV queue and the office's own knowledge.

Layers (each usable without the web app):

- :mod:`kb_bot.chat.config` — ``[chat]`` settings (answer mode, LLM endpoint, flag rules, login/SSO);
- :mod:`kb_bot.chat.pii` — finding and masking personal data (before text leaves the machine or is stored);
- :mod:`kb_bot.chat.grounding` — the check that an LLM answer cites only retrieved passages, every sentence;
- :mod:`kb_bot.chat.llm` — the OpenAI-compatible client (the model sees only question + passages);
- :mod:`kb_bot.chat.flags` — which turns go to the SV;
- :mod:`kb_bot.chat.models` — tables (migration ``0003_chat``);
- :mod:`kb_bot.chat.office` — SV確認済み回答, searched alongside the corpus;
- :mod:`kb_bot.chat.review` — the review state machine, the SV queue, re-review after a re-ingest;
- :mod:`kb_bot.chat.service` — one chat turn end to end, history, role checks.

The answer itself (extractive sentences with [n] markers, the 63/78 and 自立更生費 checklist) is composed
by :mod:`kb_bot.answer`, shared with the CLI. See ``docs/chat.md``.
"""
