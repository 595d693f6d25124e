"""Login for the web app: a Japanese login page, database-backed sessions, optional SSO header.

- ``GET /login`` shows the form; ``POST /login`` checks the password (argon2id, :func:`kb_bot.users.authenticate`),
  creates a session and sets an HttpOnly cookie holding a random token (only its SHA-256 is stored, in
  ``web_sessions``); ``GET /logout`` ends it. Logins, failed logins and logouts go to the audit log.
- Password guessing is limited per user name and client address, in the database
  (:mod:`kb_bot.web.throttle`); the client address follows ``[chat] trusted_proxies``.
- Gradio asks :meth:`Auth.dependency` for the user of every request (page, queue, files): a valid session
  cookie, or — only when ``[chat] trusted_user_header`` is set and the request comes from one of
  ``[chat] trusted_proxies`` — the user name in that header (single sign-on behind a reverse proxy). Either
  way the user must exist and be active; a disabled user is out within seconds.
"""

import datetime as dt
import hashlib
import secrets
import threading
import time
from collections.abc import Awaitable, Callable
from html import escape
from typing import TYPE_CHECKING

from sqlalchemy.engine import Engine

from kb_bot import audit
from kb_bot.chat.config import ChatSettings
from kb_bot.chat.models import WebSession
from kb_bot.db import session_scope, utcnow
from kb_bot.users import ROLE_LABELS, Role, User, authenticate, get_user
from kb_bot.web import throttle
from kb_bot.web.config import WebSettings
from kb_bot.web.security import client_address, same_origin

if TYPE_CHECKING:
    from fastapi import FastAPI
    from starlette.requests import Request

COOKIE = "kbbot_session"
CACHE_SECONDS = 5.0


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class Auth:
    def __init__(self, engine: Engine, cfg: ChatSettings, web: WebSettings, demo_note: str = "") -> None:
        self.engine = engine
        self.cfg = cfg
        self.web = web
        self.demo_note = demo_note
        self._cache: dict[str, tuple[float, str | None]] = {}
        self._sso_seen: dict[str, float] = {}
        self._lock = threading.Lock()

    # -- sessions -----------------------------------------------------------------------------------
    def create_session(self, user_id: int, via: str = "password") -> str:
        token = secrets.token_urlsafe(32)
        with session_scope(self.engine) as s:
            s.add(WebSession(id=_hash(token), user_id=user_id, created_at=utcnow(), via=via,
                             expires_at=utcnow() + dt.timedelta(hours=self.cfg.session_hours)))
        return token

    def session_user(self, token: str | None) -> str | None:
        """The active user of a valid session token, else None (cached for a few seconds)."""
        if not token:
            return None
        key = _hash(token)
        now = time.monotonic()
        with self._lock:
            hit = self._cache.get(key)
            if hit and now - hit[0] < CACHE_SECONDS:
                return hit[1]
        with session_scope(self.engine) as s:
            row = s.get(WebSession, key)
            name = None
            if row is not None and row.revoked_at is None and row.expires_at > utcnow() and row.user.active:
                name = row.user.username
        with self._lock:
            if len(self._cache) > 10000:
                self._cache.clear()
            self._cache[key] = (now, name)
        return name

    def revoke(self, token: str | None) -> str | None:
        if not token:
            return None
        key = _hash(token)
        with session_scope(self.engine) as s:
            row = s.get(WebSession, key)
            name = None
            if row is not None and row.revoked_at is None:
                row.revoked_at = utcnow()
                name = row.user.username
                audit.record(s, name, "logout", name)
        with self._lock:
            self._cache.pop(key, None)
        return name

    # -- who is asking --------------------------------------------------------------------------------
    def sso_user(self, request: "Request") -> str | None:
        header = self.cfg.trusted_user_header
        if not header:
            return None
        client = request.client.host if request.client else ""
        if client not in self.cfg.trusted_proxies:
            return None
        name = (request.headers.get(header) or "").strip()
        if not name:
            return None
        now = time.monotonic()
        with self._lock:
            hit = self._cache.get("sso:" + name)
            if hit and now - hit[0] < CACHE_SECONDS:
                return hit[1]
        with session_scope(self.engine) as s:
            user = get_user(s, name)
            ok = user is not None and user.active
            if ok and now - self._sso_seen.get(name, -1e9) > self.cfg.session_hours * 3600:
                audit.record(s, name, "login", name, {"via": "sso", "ip": client})
                self._sso_seen[name] = now
        with self._lock:
            self._cache["sso:" + name] = (now, name if ok else None)
        return name if ok else None

    def dependency(self, request: "Request") -> str | None:
        """Gradio's ``auth_dependency``: the user name of the request, or None (→ 401 / login page)."""
        return self.session_user(request.cookies.get(COOKIE)) or self.sso_user(request)

    # -- password login -------------------------------------------------------------------------------
    def client_address(self, request: "Request") -> str:
        direct = request.client.host if request.client else ""
        return client_address(direct, request.headers.get("x-forwarded-for"), self.cfg.trusted_proxies)

    def login(self, username: str, password: str, ip: str) -> tuple[str | None, str]:
        """(session token, '') on success; (None, message) otherwise. Audited either way."""
        username = username.strip()[:100]
        if not username or not password:
            return None, "ユーザー名とパスワードを入力してください"
        admission = throttle.admit(self.engine, self.web, username, ip)
        if not admission.allowed:
            with session_scope(self.engine) as s:
                audit.record(s, username, "login.locked", username, {"ip": ip, "limit": admission.reason})
            return None, admission.message
        with session_scope(self.engine) as s:
            user: User | None = authenticate(s, username, password)
            if user is None:
                audit.record(s, username, "login.failed", username, {"ip": ip})
            else:
                audit.record(s, user.username, "login", user.username, {"via": "password", "ip": ip})
            user_id = user.id if user is not None else None
        throttle.record(self.engine, self.web, username, ip, success=user_id is not None)
        if user_id is None:
            return None, "ユーザー名またはパスワードが違います"
        return self.create_session(user_id), ""

    # -- routes -----------------------------------------------------------------------------------------
    def install(self, app: "FastAPI") -> None:
        """Add /login, /logout and the redirect of an anonymous page request to /login (before Gradio)."""
        from fastapi import Form, Request
        from fastapi.responses import HTMLResponse, PlainTextResponse, RedirectResponse, Response

        auth = self

        @app.get("/login", response_class=HTMLResponse)
        def login_form(request: Request, error: str = "") -> HTMLResponse:
            if auth.dependency(request):
                return RedirectResponse("/", status_code=303)
            return HTMLResponse(login_page(error, auth.demo_note))

        @app.post("/login")
        def login_submit(request: Request, username: str = Form(""), password: str = Form("")) -> Response:
            if not _same_origin(request):
                return PlainTextResponse("不正な送信元です", status_code=403)
            token, message = auth.login(username, password, auth.client_address(request))
            if token is None:
                return HTMLResponse(login_page(message, auth.demo_note, username), status_code=401)
            response = RedirectResponse("/", status_code=303)
            response.set_cookie(COOKIE, token, max_age=int(auth.cfg.session_hours * 3600), httponly=True,
                                samesite="lax", secure=auth.cfg.cookie_secure, path="/")
            return response

        @app.get("/logout")
        def logout(request: Request) -> RedirectResponse:
            auth.revoke(request.cookies.get(COOKIE))
            response = RedirectResponse("/login", status_code=303)
            response.delete_cookie(COOKIE, path="/")
            return response

        @app.get("/healthz")
        def healthz() -> PlainTextResponse:
            return PlainTextResponse("ok")

        @app.middleware("http")
        async def anonymous_to_login(request: Request, call_next: Callable[[Request], Awaitable[Response]]) -> Response:
            if request.method == "GET" and request.url.path in ("/", "/index.html"):
                from starlette.concurrency import run_in_threadpool

                if await run_in_threadpool(auth.dependency, request) is None:
                    return RedirectResponse("/login", status_code=303)
            return await call_next(request)


def _same_origin(request: "Request") -> bool:
    origin = request.headers.get("origin") or request.headers.get("referer")
    if not origin or origin == "null":
        return origin is None
    return same_origin(origin, request.headers.get("host"))


def viewer_label(user: User) -> str:
    team = f"・{user.team.name}" if user.team else ""
    return f"{user.label}（{ROLE_LABELS[Role(user.role)]}{team}）"


def login_page(error: str = "", demo_note: str = "", username: str = "") -> str:
    err = f'<p class="err" role="alert">{escape(error)}</p>' if error else ""
    demo = f'<div class="demo">{demo_note}</div>' if demo_note else ""
    return f"""<!doctype html>
<html lang="ja"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>kb-bot ログイン</title>
<style>
body{{font-family:"Noto Sans CJK JP","Hiragino Sans","Yu Gothic",Meiryo,sans-serif;background:#f3f5f8;margin:0}}
main{{max-width:420px;margin:8vh auto;background:#fff;border-radius:10px;padding:28px 32px;box-shadow:0 2px 12px #0002}}
h1{{font-size:20px;margin:0 0 4px}} p.sub{{color:#555;font-size:13px;margin:0 0 18px}}
label{{display:block;font-size:14px;margin:12px 0 4px}}
input{{width:100%;box-sizing:border-box;padding:9px 10px;font-size:15px;border:1px solid #bbb;border-radius:6px}}
button{{margin-top:18px;width:100%;padding:10px;font-size:16px;background:#2458a6;color:#fff;border:0;border-radius:6px;cursor:pointer}}
.err{{color:#b00020;background:#fdecec;padding:8px 10px;border-radius:6px}}
.demo{{margin-top:18px;font-size:13px;background:#fff7e0;border:1px solid #e0b84c;border-radius:6px;padding:8px 10px}}
.note{{margin-top:18px;font-size:12px;color:#666}}
</style></head>
<body><main>
<h1>kb-bot</h1><p class="sub">生活保護業務の参考情報（根拠つき回答・SV確認）</p>
{err}
<form method="post" action="/login" autocomplete="on">
<label for="username">ユーザー名</label><input id="username" name="username" value="{escape(username)}" autocomplete="username" required autofocus>
<label for="password">パスワード</label><input id="password" name="password" type="password" autocomplete="current-password" required>
<button type="submit" id="login-submit">ログイン</button>
</form>
{demo}
<p class="note">回答は参考情報です。根拠の原文を確認のうえ、最終判断は所内の手順に従って行ってください。</p>
</main></body></html>"""
