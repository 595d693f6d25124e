"""What a person sees when something fails, and the Japanese texts in front of a CW or an administrator."""

from __future__ import annotations

import logging

import gradio as gr
import pytest

from kb_bot.cli import build_parser
from kb_bot.users import PermissionDenied
from kb_bot.web.audit_view import action_label, detail_text
from kb_bot.web.guard import GENERIC, guarded, refuse

SECRET = "$argon2id$v=19$m=65536,t=3,p=4$c2VjcmV0$aGFzaA"


def test_a_user_error_is_shown_as_it_is_and_not_logged(caplog) -> None:
    def handler() -> str:
        raise PermissionDenied("この質問を見る権限がありません")

    with caplog.at_level(logging.WARNING, "kb_bot.web"), pytest.raises(gr.Error) as shown:
        guarded(handler)()
    assert shown.value.message == "この質問を見る権限がありません" and not shown.value.print_exception
    assert shown.value.title == "エラー"
    assert caplog.records == []


def test_a_message_is_escaped_for_gradios_error_box() -> None:
    from kb_bot.users import UserError

    def handler() -> str:
        raise UserError("ユーザー <img src=x onerror=alert(1)> はすでに登録されています")

    with pytest.raises(gr.Error) as shown:
        guarded(handler)()
    assert "<img" not in shown.value.message and "&lt;img" in shown.value.message


def test_an_unexpected_error_is_logged_with_its_traceback_and_shown_without_its_text(caplog) -> None:
    def handler(x: int):  # a generator handler, like the chat's
        yield x
        raise RuntimeError(f"INSERT INTO users … parameters: ('cw9', '{SECRET}')")

    with caplog.at_level(logging.ERROR, "kb_bot.web"), pytest.raises(gr.Error) as shown:
        list(guarded(handler)(1))
    assert shown.value.message == GENERIC and SECRET not in shown.value.message
    assert [r.exc_info[0] for r in caplog.records] == [RuntimeError]


def test_a_refusal_is_one_log_line_without_a_traceback(caplog) -> None:
    with caplog.at_level(logging.WARNING, "kb_bot.web"), pytest.raises(gr.Error) as shown:
        refuse("この画面を使う権限がありません", "cw1")
    assert not shown.value.print_exception
    assert len(caplog.records) == 1 and caplog.records[0].exc_info is None
    assert "cw1" in caplog.records[0].getMessage() and "\n" not in caplog.records[0].getMessage()


def test_audit_codes_and_details_read_in_japanese() -> None:
    assert action_label("review.correct") == "SV確認: 修正して承認"
    assert action_label("claim.payment") == "債権の記録: 収納"
    assert action_label("login.failed") == "ログイン失敗"
    text = detail_text({"owner": "cw1", "comment": True, "passages": ["p1", "p2"], "team": None})
    assert text == "質問者: cw1、コメントあり: はい、変更された記載: p1・p2、班: なし"
    assert "{" not in text and detail_text(None) == ""


def test_every_audit_code_written_by_the_code_has_a_japanese_label() -> None:
    import re
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    codes = set()
    for path in [*root.glob("kb_bot/**/*.py"), *root.glob("ingest/**/*.py")]:
        for m in re.finditer(r'audit\.record\(\s*\w+,\s*[^,]+,\s*"([a-z_.]+)"', path.read_text(encoding="utf-8")):
            codes.add(m.group(1))
    assert len(codes) > 20
    assert sorted(c for c in codes if action_label(c) == c) == []


def test_help_is_in_japanese(capsys) -> None:
    for argv in (["--help"], ["claims", "list", "--help"], ["users", "add", "--help"]):
        with pytest.raises(SystemExit):
            build_parser().parse_args(argv)
        out = capsys.readouterr().out
        assert out.startswith("使い方: ") and "オプション:" in out and "この説明を表示して終了します" in out
        for english in ("usage:", "positional arguments", "options:", "show this help"):
            assert english not in out


def test_a_broken_alert_provider_shows_no_exception_text(chat_env, engine, people, monkeypatch, caplog) -> None:
    import sys
    import types

    from kb_bot.db import session_scope
    from kb_bot.users import get_user
    from kb_bot.web import app as web_app

    def broken(session, user, settings) -> list[str]:
        raise RuntimeError(f"SELECT … parameters: ('{SECRET}',)")

    module = types.ModuleType("kb_test_broken_alerts")
    module.broken = broken
    monkeypatch.setitem(sys.modules, "kb_test_broken_alerts", module)
    monkeypatch.setattr(web_app, "ALERT_PROVIDERS", ["kb_test_broken_alerts:broken"])
    with session_scope(engine) as s:
        viewer = web_app.Viewer.of(get_user(s, "cw1"))
    with caplog.at_level(logging.ERROR, "kb_bot.web"):
        shown = web_app.WebApp(chat_env, engine).alerts(viewer)
    assert "期限のお知らせを読み込めませんでした" in shown
    assert SECRET not in shown and "RuntimeError" not in shown
    assert [r.exc_info[0] for r in caplog.records] == [RuntimeError]
