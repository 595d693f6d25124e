"""HTTP hardening in front of the whole app (login pages and Gradio alike): one ASGI middleware.

- **CORS**: a request whose ``Origin`` is neither the app's own (the ``Host`` it was sent to) nor one of
  ``[web] allowed_origins`` gets no ``Access-Control-*`` header at all (whatever Gradio's own CORS layer
  would have added is removed), and its preflights and unsafe requests (POST, PUT, …) are refused with
  403. An allowed origin gets its own origin echoed with credentials.
- **Headers on every response**: a Content-Security-Policy that Gradio runs under (its page needs inline
  scripts and styles, its HTML component ``eval``; nothing may load from or post to another site),
  ``X-Frame-Options: DENY`` and ``frame-ancestors 'none'``, ``nosniff``, ``Referrer-Policy: same-origin``, and ``Cache-Control: no-store`` on everything except Gradio's
  content-hashed static assets (pages, API answers and files carry personal data).
- **Uploads** to ``/gradio_api/upload`` larger than ``[web] max_upload_mb`` are refused with 413 before
  the body is read (Gradio's own ``max_file_size`` is set as well for uploads without a length).
"""

from __future__ import annotations

from collections.abc import Iterable
from urllib.parse import urlparse

from starlette.datastructures import Headers, MutableHeaders
from starlette.responses import PlainTextResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from kb_bot.web.config import WebSettings

CSP = "; ".join([
    "default-src 'self'",
    "script-src 'self' 'unsafe-inline' 'unsafe-eval'",
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data: blob:",
    "font-src 'self' data:",
    "media-src 'self' data: blob:",
    "connect-src 'self'",
    "worker-src 'self' blob:",
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
])
SECURITY_HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "Cross-Origin-Opener-Policy": "same-origin",
}
STATIC_PREFIXES = ("/assets/", "/gradio_api/assets/", "/static/")
"""Content-hashed files of Gradio's front end: cacheable; everything else is ``no-store``."""
UPLOAD_PATH = "/gradio_api/upload"
SAFE_METHODS = frozenset({"GET", "HEAD"})
SERVER_OPTIONS = {"proxy_headers": False, "server_header": False}
"""uvicorn options for serving the app: which proxy is believed is decided here ([chat] trusted_proxies),
not by uvicorn's own X-Forwarded-For handling (which trusts 127.0.0.1 whatever the settings say)."""


def same_origin(origin: str, host: str | None) -> bool:
    """Whether ``origin`` names the host the request was sent to (scheme aside: TLS may end at a proxy)."""
    return bool(host) and urlparse(origin).netloc.lower() == (host or "").lower()


def client_address(direct: str, forwarded_for: str | None, trusted_proxies: Iterable[str]) -> str:
    """The address a request really comes from: ``direct`` (the TCP peer), unless that is a trusted proxy
    that sent ``X-Forwarded-For`` — then the right-most address in it that is not a trusted proxy."""
    trusted = set(trusted_proxies)
    if direct not in trusted or not forwarded_for:
        return direct
    hops = [h.strip() for h in forwarded_for.split(",") if h.strip()]
    for hop in reversed(hops):
        if hop not in trusted:
            return hop
    return hops[0] if hops else direct


class SecurityMiddleware:
    def __init__(self, app: ASGIApp, cfg: WebSettings) -> None:
        self.app = app
        self.cfg = cfg

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        method = scope["method"]
        path = scope["path"]
        origin = headers.get("origin")
        cross = origin is not None and not same_origin(origin, headers.get("host"))
        allowed = cross and origin in self.cfg.allowed_origins
        preflight = method == "OPTIONS" and "access-control-request-method" in headers

        refusal: tuple[int, str] | None = None
        if cross and not allowed and (preflight or method not in SAFE_METHODS):
            refusal = (403, "許可されていない送信元からの要求です")
        elif path == UPLOAD_PATH and method == "POST" and _too_large(headers, self.cfg.max_upload_bytes):
            refusal = (413, f"ファイルが大きすぎます（上限 {self.cfg.max_upload_mb:g} MB）")
        if refusal is not None:
            await PlainTextResponse(refusal[1], status_code=refusal[0])(scope, receive, self._sender(send, path, None))
            return
        if allowed and preflight:
            extra = {
                "Access-Control-Allow-Methods": "GET, POST, PUT, PATCH, DELETE, OPTIONS",
                "Access-Control-Max-Age": "600",
            }
            if "access-control-request-headers" in headers:
                extra["Access-Control-Allow-Headers"] = headers["access-control-request-headers"]
            response = PlainTextResponse("OK", headers=extra)
            await response(scope, receive, self._sender(send, path, origin))
            return
        await self.app(scope, receive, self._sender(send, path, origin if allowed else None))

    def _sender(self, send: Send, path: str, allowed_origin: str | None) -> Send:
        async def wrapped(message: Message) -> None:
            if message["type"] == "http.response.start":
                h = MutableHeaders(scope=message)
                for name in [k for k in h.keys() if k.lower().startswith("access-control-")]:  # noqa: SIM118
                    del h[name]
                if allowed_origin is not None:
                    h["Access-Control-Allow-Origin"] = allowed_origin
                    h["Access-Control-Allow-Credentials"] = "true"
                    h.add_vary_header("Origin")
                h.update(SECURITY_HEADERS)
                if not path.startswith(STATIC_PREFIXES):
                    h["Cache-Control"] = "no-store"
            await send(message)

        return wrapped


def _too_large(headers: Headers, limit: int) -> bool:
    try:
        return int(headers.get("content-length", "0")) > limit
    except ValueError:
        return True
