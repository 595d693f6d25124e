"""The web layer without a browser: HTML rendering, login/sessions/SSO, the serve command's guards, alerts."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kb_bot import DISCLAIMER, audit, users
from kb_bot.db import session_scope
from kb_bot.web import render

# -- rendering ------------------------------------------------------------------------------------------


def _answer(**kw) -> dict:
    base = {
        "question": "q", "answer": "返還を求める。[1]", "abstained": False, "corpus_version": "abc123",
        "retrieval_mode": "lexical", "disclaimer": DISCLAIMER, "reason": "", "notice": "",
        "citations": [{"n": 1, "label": "生活保護法 第63条", "collection_name": "生活保護手帳", "title": "生活保護法",
                       "text": "資力があるにもかかわらず保護を受けたときは返還しなければならない。", "page": 12,
                       "passage_id": "p1", "current": True, "valid_from": "", "valid_until": ""}],
        "checklist": [], "checklist_title": "", "office": [],
        "highlight": {"terms": ["返還", "資力"], "literals": ["第63条"]},
    }
    base.update(kw)
    return base


def test_the_premise_and_partial_checklist_notes_are_shown() -> None:
    item = {"group": "第63条が妥当な場合", "text": "資力があるのに保護を受けた", "n": 1}
    html = render.answer_html(_answer(premise_note="質問の「3年」は根拠の記載（5年）にありません",
                                      checklist=[item], checklist_title="第63条か第78条か",
                                      checklist_note="第78条の類型が根拠に見つかりません"), 1)
    assert "質問の「3年」は根拠の記載（5年）にありません" in html
    assert "第78条の類型が根拠に見つかりません" in html
    assert "検索方式 語句検索" in html


def test_answer_shows_disclaimer_version_citation_page_highlight_and_full_text() -> None:
    html = render.answer_html(_answer(), 7)
    assert DISCLAIMER in html
    assert "索引の版 abc123" in html
    assert "生活保護法 第63条" in html and "p.12" in html and "『生活保護法』" in html
    assert "<mark>返還</mark>" in html and "<mark>資力</mark>" in html
    assert "全文を表示" in html and "<details>" in html
    assert 'href="#cite-7-1"' in html and 'id="cite-7-1"' in html


def test_old_passage_is_labelled_with_its_period() -> None:
    c = dict(_answer()["citations"][0], current=False, valid_from="2013-08-01", valid_until="2024-03-31")
    html = render.answer_html(_answer(citations=[c]), 1)
    assert "旧 2013-08-01〜2024-03-31" in html


def test_abstained_answer_shows_near_passages_and_offers_the_sv() -> None:
    html = render.answer_html(_answer(abstained=True, answer="根拠なし", reason="関連する記載が見つかりません"), 1,
                              queued=False)
    assert "十分な根拠は見つかりませんでした" in html and "近い記載" in html and "「SVに確認」から送って" in html
    assert "自動でSV確認に回りました" not in html
    assert DISCLAIMER in html


def test_abstention_box_says_one_thing() -> None:
    """No passage at all: no 「近い記載」 heading and no 「該当する記載はありません」 beside it; a queued turn
    says it went to the SV and does not also offer to send it."""
    html = render.answer_html(_answer(abstained=True, citations=[], answer="下の「近い記載」を参考に"), 1, queued=True)
    assert "近い記載" not in html and "該当する記載はありません" not in html
    assert "自動でSV確認に回りました" in html and "から送って" not in html


def test_every_answer_block_names_its_question_and_the_search_mode_in_japanese() -> None:
    html = render.answer_html(_answer(question="保護費の返還は<いつ>"), 1)
    assert "質問: 保護費の返還は&lt;いつ&gt;" in html
    assert "検索方式 語句検索" in html and "lexical" not in html


def test_queue_line_shows_repeats_reason_and_comment() -> None:
    item = {"id": 4, "queued_at": "2026-11-26T01:00:00+00:00", "askers": ["鈴木CW", "cw2"], "count": 3,
            "question": "63条と78条の違い", "flags": ["topic_63_78", "cw_request"], "comments": ["78条でよいか"]}
    line = render.queue_choice(item)
    assert "同じ質問 3 件" in line and "鈴木CW、cw2" in line
    assert "理由: 63条・78条の判断、CWが確認を依頼" in line and "コメント: 78条でよいか" in line
    assert render.queue_count([item, dict(item, count=1)]) == "確認待ち 2 件（同じ質問をまとめる前は 4 件）"
    assert render.queue_count([]) == "確認待ちの質問はありません"


def test_office_answer_has_its_own_label_reviewer_and_date() -> None:
    office = {"label": "SV確認済み回答", "reviewer": "佐藤SV", "reviewed_at": "2026-11-26T01:00:00+00:00",
              "kind": "corrected", "question": "63条と78条", "answer": "78条で徴収する。[1]", "note": "確認済み",
              "citations": [{"n": 1, "label": "生活保護法 第78条", "title": "生活保護法", "used": True,
                             "corpus_version": "v1"}]}
    html = render.answer_html(_answer(office=[office]), 3)
    assert "SV確認済み回答" in html and "佐藤SV" in html and "2026-11-26 10:00" in html  # JST
    assert "修正して承認" in html and "生活保護法 第78条" in html


def test_everything_dynamic_is_escaped() -> None:
    evil = "<script>alert(1)</script>"
    c = dict(_answer()["citations"][0], label=evil, text=evil, title=evil)
    html = render.answer_html(_answer(answer=evil + "[1]", citations=[c]), 1)
    assert "<script>" not in html
    assert render.history_html([{"id": 1, "question": evil, "created_at": "", "review_status": "none",
                                 "status_label": "", "mode": "extractive", "flags": [], "timings": {}}]).count("<script>") == 0


@settings(max_examples=60, deadline=None)
@given(answer=st.text(max_size=80), abstained=st.booleans(), reason=st.text(max_size=20),
       disclaimer=st.sampled_from([DISCLAIMER, "", None]))
def test_the_disclaimer_is_never_omitted(answer: str, abstained: bool, reason: str, disclaimer) -> None:
    html = render.answer_html(_answer(answer=answer, abstained=abstained, reason=reason, disclaimer=disclaimer), 1)
    assert DISCLAIMER in html


def test_history_shows_the_review_outcome() -> None:
    t = {"id": 5, "question": "63条", "created_at": "2026-11-26T00:00:00+00:00", "review_status": "corrected",
         "status_label": "SVが修正", "reviewer": "佐藤SV", "reviewed_at": "2026-11-26T02:00:00+00:00",
         "review_note": "原本確認", "corrected_answer": "修正しました。[1]", "mode": "extractive", "flags": [],
         "timings": {}}
    html = render.history_html([t])
    assert "SVが修正" in html and "修正しました。" in html and "原本確認" in html and "佐藤SV" in html


# -- login, sessions, SSO -----------------------------------------------------------------------------------


@pytest.fixture
def web(chat_env, engine, people, monkeypatch):
    from fastapi.testclient import TestClient

    from kb_bot.web import auth
    from kb_bot.web.app import create_app

    monkeypatch.setattr(auth, "CACHE_SECONDS", 0.0)
    return TestClient(create_app(chat_env, engine), base_url="http://127.0.0.1:7860")


def _login(client, name: str, password: str):
    return client.post("/login", data={"username": name, "password": password}, follow_redirects=False)


def test_anonymous_is_sent_to_the_japanese_login_page(web) -> None:
    r = web.get("/", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/login"
    page = web.get("/login")
    assert page.status_code == 200 and "ユーザー名" in page.text and "パスワード" in page.text
    assert web.get("/config").status_code == 401  # Gradio's own endpoints need a login too
    assert web.post("/gradio_api/queue/join", json={}).status_code == 401


def test_login_logout_and_audit(web, engine) -> None:
    bad = _login(web, "cw1", "wrong-password")
    assert bad.status_code == 401 and "違います" in bad.text
    ok = _login(web, "cw1", "cw1-password-1")
    assert ok.status_code == 303 and "kbbot_session" in ok.cookies
    assert web.get("/", follow_redirects=False).status_code == 200
    assert web.get("/config").status_code == 200
    web.get("/logout", follow_redirects=False)
    web.cookies.clear()
    web.cookies.set("kbbot_session", ok.cookies["kbbot_session"])
    assert web.get("/", follow_redirects=False).status_code == 303  # the old token is revoked
    with session_scope(engine) as s:
        actions = [e.action for e in reversed(audit.entries(s, actor="cw1"))]
    assert actions[-3:] == ["login.failed", "login", "logout"]


def test_repeated_failures_lock_the_name(web) -> None:
    for _ in range(5):
        assert _login(web, "cw2", "nope-nope-nope").status_code == 401
    r = _login(web, "cw2", "cw2-password-1")
    assert r.status_code == 401 and "10分間" in r.text


def test_a_disabled_user_is_logged_out(web, engine) -> None:
    assert _login(web, "cw1", "cw1-password-1").status_code == 303
    with session_scope(engine) as s:
        users.disable_user(s, users.get_user(s, "cw1"), actor="admin")
    assert web.get("/", follow_redirects=False).status_code == 303


def test_cross_site_login_post_is_refused(web) -> None:
    r = web.post("/login", data={"username": "cw1", "password": "cw1-password-1"},
                 headers={"Origin": "http://evil.example"}, follow_redirects=False)
    assert r.status_code == 403


def test_sso_header_is_off_by_default(web) -> None:
    assert web.get("/", headers={"X-Remote-User": "cw1"}, follow_redirects=False).status_code == 303


def test_sso_header_from_a_trusted_proxy(chat_env, engine, people, monkeypatch) -> None:
    from fastapi.testclient import TestClient

    from kb_bot.web.app import create_app

    monkeypatch.setenv("KB_BOT_CHAT_TRUSTED_USER_HEADER", "X-Remote-User")
    monkeypatch.setenv("KB_BOT_CHAT_TRUSTED_PROXIES", "testclient")
    client = TestClient(create_app(chat_env, engine))
    assert client.get("/", headers={"X-Remote-User": "cw1"}, follow_redirects=False).status_code == 200
    assert client.get("/", headers={"X-Remote-User": "nobody"}, follow_redirects=False).status_code == 303
    monkeypatch.setenv("KB_BOT_CHAT_TRUSTED_PROXIES", "10.0.0.1")
    other = TestClient(create_app(dataclasses.replace(chat_env), engine))  # settings are read once per start
    assert other.get("/", headers={"X-Remote-User": "cw1"}, follow_redirects=False).status_code == 303
    with session_scope(engine) as s:
        assert [e.detail["via"] for e in audit.entries(s, actor="cw1", action_prefix="login")] == ["sso"]


# -- the serve command's guards ----------------------------------------------------------------------------


@pytest.mark.parametrize(("host", "loopback"), [("127.0.0.1", True), ("::1", True), ("localhost", True),
                                                ("0.0.0.0", False), ("192.168.1.10", False), ("example.org", False)])
def test_is_loopback(host: str, loopback: bool) -> None:
    from kb_bot.commands.serve import is_loopback

    assert is_loopback(host) is loopback


def test_demo_is_refused_on_a_non_loopback_bind(home, capsys) -> None:
    from kb_bot.cli import main

    assert main(["serve", "--demo", "--host", "0.0.0.0"]) == 2
    assert "--demo" in capsys.readouterr().err


def test_demo_passwords_are_refused_on_a_non_loopback_bind(chat_env, engine, monkeypatch, capsys) -> None:
    from kb_bot.cli import main
    from kb_bot.commands.serve import DEMO_USERS, ensure_demo_users, users_with_demo_passwords

    monkeypatch.setenv("KB_BOT_DATABASE_URL", chat_env.db_url)
    assert ensure_demo_users(engine) == [u[0] for u in DEMO_USERS]
    assert ensure_demo_users(engine) == []  # idempotent
    assert users_with_demo_passwords(engine) == [u[0] for u in DEMO_USERS]
    assert main(["serve", "--host", "0.0.0.0"]) == 2
    assert "デモ用パスワード" in capsys.readouterr().err
    with session_scope(engine) as s:
        sv1 = users.get_user(s, "sv1")
        assert [m.username for m in users.team_members(s, sv1)] == ["cw1", "cw2"]
        for name, *_ in DEMO_USERS:
            users.set_password(s, users.get_user(s, name), "a-real-password-123", actor="admin")
    assert users_with_demo_passwords(engine) == []


# -- alerts at login ----------------------------------------------------------------------------------------------


def test_deadline_alerts_show_for_the_cw_and_their_sv(chat_env, engine, people) -> None:
    from kb_bot.claims.cases import add_case
    from kb_bot.claims.config import ClaimsSettings
    from kb_bot.claims.deadlines import register_declaration
    from kb_bot.web.app import Viewer, WebApp

    with session_scope(engine) as s:
        admin, cw1 = s.get(users.User, people.admin), s.get(users.User, people.cw1)
        case = add_case(s, admin, "A-0001", cw1, "山田 太郎")
        register_declaration(s, cw1, case, "income_monthly", dt.date.today() - dt.timedelta(days=30), ClaimsSettings())
    app = WebApp(chat_env, engine)
    with session_scope(engine) as s:
        viewers = {n: Viewer.of(users.get_user(s, n)) for n in ("cw1", "cw2", "sv1", "sv2", "admin")}
    assert "期限超過" in app.alerts(viewers["cw1"]) and "A-0001" in app.alerts(viewers["cw1"])
    assert "期限超過" in app.alerts(viewers["sv1"]) and "cw1" in app.alerts(viewers["sv1"])
    assert "A-0001" not in app.alerts(viewers["cw2"])
    assert "A-0001" not in app.alerts(viewers["sv2"])
    assert "A-0001" not in app.alerts(viewers["admin"])


def test_tab_plugin_point(chat_env, engine, people, monkeypatch) -> None:
    import sys
    import types

    import gradio as gr

    from kb_bot.web import app as web_app

    seen = {}

    def build(ctx) -> None:
        with ctx.tab("期限", roles=("cw", "sv")):
            gr.Markdown("plugin")
        seen["state"] = ctx.user_state

    module = types.ModuleType("kb_test_plugin")
    module.build = build
    monkeypatch.setitem(sys.modules, "kb_test_plugin", module)
    monkeypatch.setattr(web_app, "TAB_BUILDERS", ["kb_test_plugin:build"])
    blocks = web_app.WebApp(chat_env, engine).blocks()
    labels = [b.label for b in blocks.blocks.values() if isinstance(b, gr.Tab)]
    assert labels == ["質問する", "履歴", "SV確認", "管理", "期限"]
    assert seen["state"] is not None
