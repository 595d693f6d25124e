"""Downloads of exported files through an authorised route, never through Gradio's file server.

An export (a CSV of questions, a claims list, dunning data …) is held in memory only — nothing is written
to a temporary folder — under a random token, and served once at ``GET /exports/{token}/{name}``:

- only to the user who exported it, or to an SV whose team includes that user (with the link); anyone
  else, logged in or not, gets 404 (an unknown, used or expired link looks the same);
- the first successful download removes it; an export not downloaded within ``TTL_SECONDS`` is dropped.
"""

import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING
from urllib.parse import quote

from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from kb_bot.db import session_scope
from kb_bot.users import Role, User, can_see, get_user

if TYPE_CHECKING:
    from fastapi import FastAPI, Request

TTL_SECONDS = 600.0
PREFIX = "/exports"


@dataclass(frozen=True)
class Download:
    """A file to hand to a person: its name and its bytes (CSV: UTF-8 with BOM, for Excel)."""

    name: str
    data: bytes

    @classmethod
    def csv(cls, name: str, text: str) -> "Download":
        return cls(name, text.encode("utf-8-sig"))

    def text(self) -> str:
        return self.data.decode("utf-8-sig")


@dataclass(frozen=True)
class _Held:
    owner_id: int
    download: Download
    expires: float


class ExportStore:
    """Exports waiting to be downloaded (see the module docstring)."""

    def __init__(self, engine: Engine, ttl: float = TTL_SECONDS, clock: Callable[[], float] = time.monotonic) -> None:
        self.engine = engine
        self.ttl = ttl
        self.clock = clock
        self._held: dict[str, _Held] = {}
        self._lock = threading.Lock()

    def add(self, owner_id: int, download: Download) -> str:
        """Hold ``download`` for ``owner_id``; returns the link (path) to it."""
        token = secrets.token_urlsafe(24)
        with self._lock:
            self._expire()
            self._held[token] = _Held(owner_id, download, self.clock() + self.ttl)
        return f"{PREFIX}/{token}/{quote(download.name)}"

    def take(self, token: str, username: str | None) -> Download | None:
        """The download, removed from the store, if ``username`` may have it; None otherwise."""
        with self._lock:
            self._expire()
            held = self._held.get(token)
            if held is None or username is None:
                return None
            with session_scope(self.engine) as session:
                user = get_user(session, username)
                if user is None or not user.active or not _may_download(session, user, held.owner_id):
                    return None
            del self._held[token]
            return held.download

    def waiting(self) -> int:
        with self._lock:
            self._expire()
            return len(self._held)

    def _expire(self) -> None:
        now = self.clock()
        for token in [t for t, h in self._held.items() if h.expires <= now]:
            del self._held[token]

    def install(self, app: "FastAPI", current_user: Callable[["Request"], str | None]) -> None:
        """Add the download route; ``current_user`` is the app's login check (user name or None)."""
        from fastapi import Request
        from fastapi.responses import Response

        @app.get(PREFIX + "/{token}/{name}")
        def download(token: str, name: str, request: Request) -> Response:
            got = self.take(token, current_user(request))
            if got is None:
                return Response("このファイルはありません（期限切れ・取得済み、または権限がありません）", status_code=404,
                                media_type="text/plain; charset=utf-8")
            return Response(got.data, media_type="text/csv; charset=utf-8", headers={
                "Content-Disposition": f"attachment; filename*=UTF-8''{quote(got.name)}",
                "Cache-Control": "no-store",
            })


def _may_download(session: Session, user: User, owner_id: int) -> bool:
    if user.id == owner_id:
        return True
    return user.role == Role.SV and can_see(session, user, owner_id)


def link_html(href: str, name: str) -> str:
    """The download link shown after an export."""
    from kb_bot.web.render import esc

    return (f'<a class="kb-download" href="{esc(href)}" download="{esc(name)}">{esc(name)} をダウンロード</a>'
            '<span class="kb-meta">（1回だけ、10分以内にダウンロードできます）</span>')
