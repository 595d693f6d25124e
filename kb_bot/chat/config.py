"""The chat's settings: ``[chat]`` in kb-bot.toml, or ``KB_BOT_CHAT_<FIELD>`` in the environment.

Example::

    [chat]
    mode = "llm"                                   # default "extractive": no model needed
    llm_base_url = "http://10.0.0.5:8000/v1"       # any OpenAI-compatible endpoint (on-premise, LGWAN)
    llm_model = "qwen2.5-32b-instruct"
    llm_api_key = "..."                            # or KB_BOT_CHAT_LLM_API_KEY
    trusted_user_header = "X-Remote-User"          # only behind an SSO reverse proxy
"""

from __future__ import annotations

from dataclasses import dataclass

from kb_bot.settings import Settings, SettingsError

MODES = ("extractive", "llm")


@dataclass(frozen=True)
class ChatSettings:
    mode: str = "extractive"
    """``extractive`` (default, no model) or ``llm`` (an OpenAI-compatible chat endpoint)."""
    llm_base_url: str = ""
    """Base URL of the endpoint, up to and including ``/v1`` (``/chat/completions`` is appended)."""
    llm_model: str = ""
    llm_api_key: str = ""
    llm_timeout_s: float = 60.0
    llm_max_tokens: int = 800
    llm_temperature: float = 0.0
    llm_passages: int = 5
    """How many retrieved passages the model sees."""
    grounding_min_overlap: int = 1
    """A sentence of an LLM answer must share at least this many content words with a passage it cites
    (0 = only check that the markers exist and point at retrieved passages)."""

    flag_rules: tuple[str, ...] = ("abstained", "low_confidence", "grounding_failed", "topic_63_78", "amount")
    """Automatic reasons to send a turn to the SV queue (the CW can always ask for review)."""
    amount_pattern: str = r"いくら|何円|金額|額を(決|算|計)|額の(決|算|計)|額は|算定|計算|控除額|返還額|徴収額"
    """Questions about an amount (regex on the normalised question)."""

    office_min_similarity: float = 0.6
    """An SV確認済み回答 is shown when this share of the question's weight matches its question."""
    office_max: int = 2
    """At most this many SV確認済み回答 per answer."""

    session_hours: float = 10.0
    """A login lasts this long (a working day)."""
    cookie_secure: bool = False
    """Send the session cookie only over HTTPS (turn on behind a TLS reverse proxy)."""
    trusted_user_header: str = ""
    """Empty (default) = off. Else the reverse proxy's header carrying the signed-in user name (SSO).
    Only requests from ``trusted_proxies`` are believed; the user must exist and be active."""
    trusted_proxies: tuple[str, ...] = ("127.0.0.1", "::1")
    concurrency: int = 8
    """Chat turns computed at the same time by the web app."""

    def __post_init__(self) -> None:
        if self.mode not in MODES:
            raise SettingsError(f"[chat] mode は {' / '.join(MODES)} のどちらかを指定してください（{self.mode!r}）")
        if self.mode == "llm" and not (self.llm_base_url and self.llm_model):
            raise SettingsError("[chat] mode = \"llm\" には llm_base_url と llm_model の設定が必要です")
        known = {"abstained", "low_confidence", "grounding_failed", "topic_63_78", "amount"}
        unknown = [r for r in self.flag_rules if r not in known]
        if unknown:
            raise SettingsError(f"[chat] flag_rules に不明な値があります: {', '.join(unknown)}（使えるのは {', '.join(sorted(known))}）")


def chat_settings(settings: Settings) -> ChatSettings:
    return settings.section(ChatSettings, "chat")
