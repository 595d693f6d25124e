"""Exports are downloaded through the authorised ``/exports`` route of a really served app (uvicorn on a
loopback port), once, by the exporting user or their team's SV — never through Gradio's file server and
never from a temporary folder."""

from __future__ import annotations

import contextlib
import socket
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from kb_bot.web.exports import Download, ExportStore

PASSWORDS = {"admin": "admin-password-1", "sv1": "sv1-password-1", "sv2": "sv2-password-1",
             "cw1": "cw1-password-1", "cw2": "cw2-password-1", "cw3": "cw3-password-1"}


@pytest.fixture
def served(chat_env, engine, people, monkeypatch) -> Iterator[tuple[str, object]]:
    import uvicorn

    from kb_bot.web import auth
    from kb_bot.web.app import WebApp

    monkeypatch.setattr(auth, "CACHE_SECONDS", 0.0)
    web = WebApp(chat_env, engine)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(web.fastapi(), host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 60
    while not server.started:
        assert time.monotonic() < deadline, "the app did not start"
        time.sleep(0.1)
    try:
        yield f"http://127.0.0.1:{port}", web
    finally:
        server.should_exit = True
        thread.join(timeout=20)


@contextlib.contextmanager
def _client(url: str, name: str) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=url, headers={"Origin": url}) as client:
        r = client.post("/login", data={"username": name, "password": PASSWORDS[name]}, follow_redirects=False)
        assert r.status_code == 303, r.text
        yield client


def _export_as(web, engine, name: str) -> str:
    from kb_bot.db import session_scope
    from kb_bot.users import get_user
    from kb_bot.web.app import Viewer

    with session_scope(engine) as s:
        viewer = Viewer.of(get_user(s, name))
    link_html, status = web._export_questions(viewer)
    assert "書き出しました" in status
    return link_html.split('href="', 1)[1].split('"', 1)[0]


def _leftovers() -> set[str]:
    return {p.name for p in Path(tempfile.gettempdir()).glob("kbbot-export-*")}


def test_only_the_exporter_or_their_teams_sv_downloads_once(served, engine, people, service) -> None:
    url, web = served
    before = _leftovers()
    service.ask(people.cw1, "自立更生のための費用を控除してよいか")
    link = _export_as(web, engine, "sv1")
    assert link.startswith("/exports/") and "gradio_api" not in link

    assert httpx.get(url + link, follow_redirects=False).status_code in (303, 307, 401, 404)  # not logged in
    for outsider in ("cw3", "sv2", "cw1"):  # another team, its SV, and a CW of the team (not the exporter)
        with _client(url, outsider) as c:
            assert c.get(link).status_code == 404, outsider
    with _client(url, "sv1") as c:
        r = c.get(link)
        assert r.status_code == 200 and "自立更生" in r.content.decode("utf-8-sig")
        assert "attachment" in r.headers["content-disposition"] and r.headers["cache-control"] == "no-store"
        assert c.get(link).status_code == 404  # once only
    assert web.exports.waiting() == 0 and _leftovers() == before  # nothing on disk, nothing left held


def test_the_teams_sv_may_download_a_cws_export_and_links_expire(engine, people) -> None:
    now = [0.0]
    store = ExportStore(engine, ttl=60, clock=lambda: now[0])
    token = store.add(people.cw1, Download.csv("a.csv", "x")).split("/")[2]
    assert store.take(token, "cw2") is None and store.take(token, "sv2") is None
    assert store.take(token, "sv1").text() == "x"
    token = store.add(people.sv1, Download.csv("b.csv", "y")).split("/")[2]
    now[0] = 61.0
    assert store.take(token, "sv1") is None and store.waiting() == 0
