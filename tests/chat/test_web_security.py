"""Web hardening against the real app served by uvicorn on a loopback port (SQLite and PostgreSQL):
CORS, security headers, upload limit, hidden API description, unknown API names, login limits."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager

import httpx
import pytest

from kb_bot import audit
from kb_bot.db import session_scope

PUBLIC_HOST = "kb.office.example"
"""The app as an office reaches it: not a loopback name (Gradio trusts any Origin on a non-loopback host)."""
EVIL = "https://evil.example"


@contextmanager
def _served(app) -> Iterator[str]:
    import uvicorn

    from kb_bot.web.security import SERVER_OPTIONS

    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=0, log_level="warning", access_log=False,
                                           **SERVER_OPTIONS))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        assert time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.02)
    port = server.servers[0].sockets[0].getsockname()[1]
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(10)


@pytest.fixture
def serve(chat_env, engine, people, monkeypatch) -> Iterator[Callable[..., str]]:
    """``serve(**env)`` sets ``KB_BOT_<NAME>`` variables, builds the app and serves it; returns its URL."""
    from kb_bot.web import auth
    from kb_bot.web.app import create_app

    monkeypatch.setattr(auth, "CACHE_SECONDS", 0.0)
    stack: list = []

    def start(**env: str) -> str:
        for name, value in env.items():
            monkeypatch.setenv(f"KB_BOT_{name.upper()}", value)
        cm = _served(create_app(chat_env, engine))
        stack.append(cm)
        return cm.__enter__()

    yield start
    for cm in reversed(stack):
        cm.__exit__(None, None, None)


def _client(url: str, **headers: str) -> httpx.Client:
    return httpx.Client(base_url=url, headers={"Host": PUBLIC_HOST, **headers}, timeout=60, trust_env=False)


def _login(client: httpx.Client, name: str, password: str, **headers: str) -> httpx.Response:
    origin = {"Origin": f"http://{PUBLIC_HOST}"}
    return client.post("/login", data={"username": name, "password": password}, headers={**origin, **headers})


def _cors_headers(r: httpx.Response) -> dict[str, str]:
    return {k: v for k, v in r.headers.items() if k.lower().startswith("access-control-")}


def _audit_actions(engine, actor: str) -> list[str]:
    with session_scope(engine) as s:
        return [e.action for e in audit.entries(s, actor=actor, limit=1000)]


# -- CORS ----------------------------------------------------------------------------------------------------


def test_an_unknown_origin_gets_no_cors_headers(serve) -> None:
    url = serve()
    with _client(url) as c:
        assert _login(c, "cw1", "cw1-password-1").status_code == 303
        for path in ("/config", "/gradio_api/info", "/login", "/"):
            r = c.get(path, headers={"Origin": EVIL})
            assert _cors_headers(r) == {}, (path, _cors_headers(r))
        pre = c.options("/gradio_api/queue/join", headers={"Origin": EVIL, "Access-Control-Request-Method": "POST",
                                                           "Access-Control-Request-Headers": "content-type"})
        assert pre.status_code == 403 and _cors_headers(pre) == {}
        post = c.post("/gradio_api/queue/join", json={}, headers={"Origin": EVIL})
        assert post.status_code == 403 and _cors_headers(post) == {}
        # the app's own pages keep working
        assert c.get("/config", headers={"Origin": f"http://{PUBLIC_HOST}"}).status_code == 200


def test_a_configured_origin_may_call_with_credentials(serve) -> None:
    portal = "https://portal.office.example"
    url = serve(web_allowed_origins=portal)
    with _client(url) as c:
        assert _login(c, "cw1", "cw1-password-1").status_code == 303
        r = c.get("/config", headers={"Origin": portal})
        assert r.status_code == 200
        assert r.headers["access-control-allow-origin"] == portal
        assert r.headers["access-control-allow-credentials"] == "true"
        pre = c.options("/gradio_api/queue/join", headers={"Origin": portal, "Access-Control-Request-Method": "POST"})
        assert pre.status_code == 200 and pre.headers["access-control-allow-origin"] == portal
        assert _cors_headers(c.get("/config", headers={"Origin": EVIL})) == {}


# -- headers, uploads, API description ------------------------------------------------------------------------


def test_security_headers_on_every_response(serve) -> None:
    url = serve()
    with _client(url) as c:
        anonymous = [c.get("/login"), c.get("/config"), c.get("/healthz"), c.get("/no-such-page")]
        assert _login(c, "cw1", "cw1-password-1").status_code == 303
        page = c.get("/")
        assert page.status_code == 200
        for r in [*anonymous, page, c.get("/config")]:
            csp = r.headers.get("content-security-policy", "")
            assert "frame-ancestors 'none'" in csp and "default-src 'self'" in csp and "object-src 'none'" in csp
            assert r.headers.get("x-frame-options") == "DENY"
            assert r.headers.get("x-content-type-options") == "nosniff"
            assert r.headers.get("referrer-policy") == "same-origin"
            assert r.headers.get("cache-control") == "no-store", r.url
        asset = next(p for p in page.text.split('"') if p.startswith("./assets/") and p.endswith(".js"))
        static = c.get(asset[1:])
        assert static.status_code == 200 and static.headers.get("cache-control") != "no-store"
        assert static.headers.get("x-content-type-options") == "nosniff"


def test_uploads_above_the_limit_are_refused(serve) -> None:
    url = serve(web_max_upload_mb="1")
    with _client(url) as c:
        assert _login(c, "cw1", "cw1-password-1").status_code == 303
        big = c.post("/gradio_api/upload", files={"files": ("big.csv", b"1," * (1024 * 1024))})
        assert big.status_code == 413 and "上限 1 MB" in big.text
        small = c.post("/gradio_api/upload", files={"files": ("small.csv", b"a,b\n1,2\n")})
        assert small.status_code == 200 and small.json()[0].endswith("small.csv")


def test_api_description_is_not_served_anonymously(serve) -> None:
    url = serve()
    with _client(url) as c:
        for path in ("/openapi.json", "/docs", "/redoc", "/gradio_api/openapi.json", "/gradio_api/info"):
            r = c.get(path)
            assert r.status_code in (401, 404), path
            assert "paths" not in r.text and "named_endpoints" not in r.text


def test_an_unknown_api_name_is_a_clean_404(serve) -> None:
    url = serve()
    with _client(url) as c:
        assert _login(c, "cw1", "cw1-password-1").status_code == 303
        for path in ("/gradio_api/call/no_such_api", "/gradio_api/run/no_such_api", "/gradio_api/api/no_such_api"):
            r = c.post(path, json={"data": ["x"]})
            assert r.status_code == 404, (path, r.status_code)
            assert "指定されたAPIはありません" in r.text and "Traceback" not in r.text and "Error" not in r.text


# -- login limits --------------------------------------------------------------------------------------------------


def _parallel(n: int, fn: Callable[[int], httpx.Response]) -> list[httpx.Response]:
    with ThreadPoolExecutor(n) as pool:
        return list(pool.map(fn, range(n)))


def test_parallel_wrong_passwords_are_checked_at_most_the_limit(serve, engine) -> None:
    url = serve()

    def guess(i: int) -> httpx.Response:
        with _client(url) as c:
            return _login(c, "cw2", f"wrong-password-{i}")

    results = _parallel(40, guess)
    assert all(r.status_code == 401 for r in results)
    actions = _audit_actions(engine, "cw2")
    assert actions.count("login.failed") <= 5, actions.count("login.failed")
    assert actions.count("login.locked") >= 35
    with _client(url) as c:  # the right password from the same address is locked out too
        r = _login(c, "cw2", "cw2-password-1")
        assert r.status_code == 401 and "10分間" in r.text


def test_a_right_password_in_a_burst_of_wrong_ones_is_refused_and_clears_nothing(serve, engine) -> None:
    url = serve()

    def guess(i: int) -> httpx.Response:
        with _client(url) as c:
            if i == 19:
                time.sleep(0.15)  # the burst is on its way; the right password comes last
                return _login(c, "cw2", "cw2-password-1")
            return _login(c, "cw2", f"wrong-password-{i}")

    results = _parallel(20, guess)
    assert results[19].status_code == 401, "the right password logged in during the burst"
    assert "login" not in _audit_actions(engine, "cw2")
    with _client(url) as c:  # the count was not cleared: still locked for this address
        r = _login(c, "cw2", "cw2-password-1")
        assert r.status_code == 401 and "ログインできません" in r.text


def test_spraying_names_from_one_address_is_limited_despite_forged_forwarded_for(serve, engine) -> None:
    url = serve(chat_trusted_proxies="10.9.9.9")  # the test client (127.0.0.1) is no proxy
    names = ["admin", "sv1", "sv2", "cw1", "cw2", "cw3"]
    codes = []
    with _client(url) as c:
        for round_ in range(4):
            for i, name in enumerate(names):
                forged = f"198.51.100.{round_ * 10 + i}"
                r = _login(c, name, f"guess-{round_}", **{"X-Forwarded-For": forged})
                codes.append((r.status_code, "端末からのログインの失敗が多すぎる" in r.text))
        assert codes[-1] == (401, True)
        failed = sum(_audit_actions(engine, n).count("login.failed") for n in names)
        assert failed == 20
        # a right password from that address is refused as well
        r = _login(c, "cw3", "cw3-password-1")
        assert r.status_code == 401 and "多すぎる" in r.text


def test_a_stranger_cannot_lock_a_cw_out_of_their_own_desk(serve, engine) -> None:
    url = serve(web_login_max_delay_s="1")  # 127.0.0.1 is a trusted proxy by default: X-Forwarded-For counts
    attacker, desk = {"X-Forwarded-For": "203.0.113.66"}, {"X-Forwarded-For": "192.168.10.21"}
    with _client(url) as c:
        for i in range(8):
            _login(c, "cw1", f"guess-{i}", **attacker)
        assert "この端末から" in _login(c, "cw1", "cw1-password-1", **attacker).text
        time.sleep(1.1)  # the name is only slowed down: one attempt a second at most now
        ok = _login(c, "cw1", "cw1-password-1", **desk)
        assert ok.status_code == 303, ok.text
    with session_scope(engine) as s:
        ips = [e.detail.get("ip") for e in audit.entries(s, actor="cw1", action_prefix="login") if e.action == "login"]
    assert ips == ["192.168.10.21"]


def test_the_name_slows_down_after_failures_from_many_addresses(serve) -> None:
    url = serve(web_login_slow_after="3", web_login_max_delay_s="30")
    with _client(url) as c:
        for i in range(3):
            assert "違います" in _login(c, "sv2", "guess", **{"X-Forwarded-For": f"203.0.113.{i}"}).text
        # from now on each attempt for the name opens a wait of 1, 2, 4 … s for the next one
        assert "違います" in _login(c, "sv2", "guess", **{"X-Forwarded-For": "203.0.113.50"}).text
        time.sleep(1.1)
        assert "違います" in _login(c, "sv2", "guess", **{"X-Forwarded-For": "203.0.113.51"}).text
        r = _login(c, "sv2", "sv2-password-1", **{"X-Forwarded-For": "203.0.113.52"})
        assert r.status_code == 401 and "秒ほど待って" in r.text


@pytest.mark.parametrize(
    ("direct", "forwarded", "expected"),
    [
        ("203.0.113.9", "10.1.1.1", "203.0.113.9"),  # not from a trusted proxy: the header is ignored
        ("127.0.0.1", None, "127.0.0.1"),
        ("127.0.0.1", "192.168.10.21", "192.168.10.21"),
        ("127.0.0.1", "6.6.6.6, 192.168.10.21", "192.168.10.21"),  # a forged left part is not believed
        ("127.0.0.1", "192.168.10.21, 127.0.0.1", "192.168.10.21"),  # proxies in the chain are skipped
    ],
)
def test_the_client_address_believes_only_trusted_proxies(direct: str, forwarded: str | None, expected: str) -> None:
    from kb_bot.web.security import client_address

    assert client_address(direct, forwarded, ("127.0.0.1", "::1")) == expected


@pytest.mark.parametrize("origin", ["*", "portal.example", "https://portal.example/"])
def test_allowed_origins_must_be_plain_origins(origin: str) -> None:
    from kb_bot.settings import SettingsError
    from kb_bot.web.config import WebSettings

    with pytest.raises(SettingsError, match="allowed_origins"):
        WebSettings(allowed_origins=(origin,))
