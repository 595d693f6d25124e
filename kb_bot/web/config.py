"""The web app's security settings: ``[web]`` in kb-bot.toml, or ``KB_BOT_WEB_<FIELD>`` in the environment.

Example for a server behind a TLS reverse proxy::

    [web]
    allowed_origins = ["https://kb.office.example"]   # other sites whose pages may call the app with cookies
    max_upload_mb = 5

Which client address a request comes from (for the login limits) follows ``[chat] trusted_proxies``: the
``X-Forwarded-For`` header is believed only from those addresses.
"""

from __future__ import annotations

from dataclasses import dataclass

from kb_bot.settings import Settings, SettingsError


@dataclass(frozen=True)
class WebSettings:
    allowed_origins: tuple[str, ...] = ()
    """Origins (``scheme://host[:port]``) allowed to make credentialed cross-origin requests. Empty (default):
    only the app's own origin. Any other origin gets no CORS headers and its unsafe requests are refused."""
    max_upload_mb: float = 5.0
    """Largest file a logged-in user may upload (the 介護保険料 CSV); bigger uploads are refused with 413."""

    login_max_failures: int = 5
    """Failed logins for one user name from one client address before that pair is locked."""
    login_max_failures_per_client: int = 20
    """Failed logins from one client address, over all user names, before that address is locked."""
    login_lock_minutes: float = 10.0
    """A lock lasts this long after the last attempt; failures older than this are forgotten."""
    login_slow_after: int = 5
    """Failed logins for one user name (from any address) after which each further attempt for that name
    must wait: 1, 2, 4 … seconds (up to ``login_max_delay_s``). Attempts inside the wait are refused
    unchecked. The name is never locked for everyone, so a stranger cannot lock a CW out."""
    login_max_delay_s: float = 60.0

    def __post_init__(self) -> None:
        for origin in self.allowed_origins:
            if origin == "*" or not origin.startswith(("http://", "https://")) or origin.rstrip("/") != origin:
                raise SettingsError(
                    f"[web] allowed_origins の {origin!r} は使えません（https://kb.example.jp のように "
                    "スキームとホストだけを書いてください。* は指定できません）"
                )
        if self.max_upload_mb <= 0:
            raise SettingsError("[web] max_upload_mb は 0 より大きい値にしてください")
        if min(self.login_max_failures, self.login_max_failures_per_client, self.login_slow_after) < 1:
            raise SettingsError("[web] login_max_failures などのログイン回数の上限は 1 以上にしてください")

    @property
    def max_upload_bytes(self) -> int:
        return int(self.max_upload_mb * 1024 * 1024)


def web_settings(settings: Settings) -> WebSettings:
    return settings.section(WebSettings, "web")
