"""The Gradio app: login, chat, history, SV queue, admin — and the place where other features add tabs.

Plug-in points (one line each, a ``"module:function"`` string so nothing is imported until the app starts):

``TAB_BUILDERS``
    ``build(ctx: TabContext) -> None`` is called inside the app's ``gr.Tabs()``. It creates its tabs with
    ``with ctx.tab("期限", roles=("cw", "sv")):`` (hidden until login, then shown to those roles) and wires
    its events. ``ctx.user_state`` is a ``gr.State`` holding the logged-in :class:`Viewer` (as a dict);
    inside a handler, ``ctx.user(request)`` returns the fresh, active :class:`kb_bot.users.User` in an open
    session (``with ctx.session() as s: u = ctx.user(request, s)``) or stops the handler with a one-line
    refusal; ``ctx.offer(request, [Download(...)])`` returns one-time download links for files the tab made
    (:mod:`kb_bot.web.exports`). Role checks in the handlers and services are what protect data; hiding a tab
    is only convenience. Every handler runs behind :mod:`kb_bot.web.guard`: a ``UserError`` is shown as its
    message, anything else is logged and shown as a generic line.
``ALERT_PROVIDERS``
    ``fn(session, user, settings) -> list[str | (overdue, str)]``, shown in the お知らせ box at login
    (see :mod:`kb_bot.web.alerts`; the claims deadlines are registered there).
"""

import importlib
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any

from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from kb_bot import DISCLAIMER
from kb_bot.chat.config import chat_settings
from kb_bot.chat.pii import detect
from kb_bot.chat.service import ChatService
from kb_bot.db import session_scope
from kb_bot.errors import UserError
from kb_bot.settings import Settings
from kb_bot.users import User, get_user
from kb_bot.web import render
from kb_bot.web.audit_view import action_label, detail_text
from kb_bot.web.auth import Auth, viewer_label
from kb_bot.web.config import web_settings
from kb_bot.web.exports import Download, ExportStore, link_html
from kb_bot.web.guard import guard_blocks, log, refuse
from kb_bot.web.security import SecurityMiddleware

if TYPE_CHECKING:
    import gradio as gr
    from fastapi import FastAPI
    from fastapi.responses import JSONResponse

TAB_BUILDERS: list[str] = [
    "kb_bot.claims.web:build",
]
ALERT_PROVIDERS: list[str] = [
    "kb_bot.web.alerts:claims_alerts",
]
ALL_ROLES = ("cw", "sv", "admin")


@dataclass
class Viewer:
    id: int
    username: str
    role: str
    team_id: int | None
    label: str

    @classmethod
    def of(cls, user: User) -> "Viewer":
        return cls(user.id, user.username, user.role, user.team_id, viewer_label(user))


def _resolve(path: str) -> Callable:
    module, _, name = path.partition(":")
    return getattr(importlib.import_module(module), name)


class TabContext:
    """What a tab builder gets: see the module docstring."""

    def __init__(self, settings: Settings, engine: Engine, user_state: Any, exports: ExportStore | None = None) -> None:
        self.settings = settings
        self.engine = engine
        self.user_state = user_state
        self.exports = exports or ExportStore(engine)
        self.tabs: list[tuple[Any, tuple[str, ...]]] = []

    def tab(self, label: str, roles: tuple[str, ...] = ALL_ROLES, **kwargs: Any) -> "gr.Tab":
        import gradio as gr

        t = gr.Tab(label, visible=False, **kwargs)
        self.tabs.append((t, tuple(roles)))
        return t

    @contextmanager
    def session(self) -> Iterator[Session]:
        with session_scope(self.engine) as s:
            yield s

    def user(self, request: Any, session: Session, roles: tuple[str, ...] = ALL_ROLES) -> User:
        return session_user(request, session, roles)

    def offer(self, request: Any, downloads: Sequence[Download]) -> str:
        """One-time download links (HTML) for the request's user (see :mod:`kb_bot.web.exports`)."""
        if not downloads:
            return ""
        with self.session() as s:
            owner = session_user(request, s).id
        return " ".join(link_html(self.exports.add(owner, d), d.name) for d in downloads)


def session_user(request: Any, session: Session, roles: tuple[str, ...] = ALL_ROLES) -> User:
    """The logged-in, active user of ``request`` if their role is one of ``roles``; otherwise the handler
    stops with a one-line refusal (:func:`kb_bot.web.guard.refuse`)."""
    name = getattr(request, "username", None)
    user = get_user(session, name) if name else None
    if user is None or not user.active:
        refuse("ログインし直してください（/login）", name)
    if user.role not in roles:
        refuse("この画面を使う権限がありません", name)
    return user


def pii_warning(text: str) -> str:
    """The warning shown under the question box while it holds personal data (same detector as the masking)."""
    kinds = detect(text or "")
    if not kinds:
        return ""
    return render.msg("err", f"個人が特定できる情報（{'・'.join(kinds)}）が含まれているようです。"
                             "質問の保存・SVへの送信・LLMへの送信では伏せ字（〈氏名1〉など）になります。不要なら消してください。")


class WebApp:
    def __init__(self, settings: Settings, engine: Engine, service: ChatService | None = None,
                 demo_note: str = "") -> None:
        self.settings = settings
        self.cfg = chat_settings(settings)
        self.engine = engine
        self.service = service or ChatService(settings, engine)
        self.web = web_settings(settings)
        self.auth = Auth(engine, self.cfg, self.web, demo_note)
        self.exports = ExportStore(engine)

    # -- helpers --------------------------------------------------------------------------------------
    def viewer(self, request: Any) -> Viewer:
        with session_scope(self.engine) as s:
            return Viewer.of(session_user(request, s))

    def alerts(self, viewer: Viewer) -> str:
        lines: list[tuple[bool, str]] = []
        extra: list[str] = []
        if viewer.role in ("cw", "sv"):
            for path in ALERT_PROVIDERS:
                try:
                    with session_scope(self.engine) as s:
                        user = s.get(User, viewer.id)
                        for line in _resolve(path)(s, user, self.settings) or []:
                            lines.append(line if isinstance(line, tuple) else (False, str(line)))
                except Exception:  # noqa: BLE001 - a broken provider must not block the login
                    log.exception("kb-bot: お知らせ %s の取得に失敗しました", path)
                    extra.append("期限のお知らせを読み込めませんでした（詳細はサーバーの記録にあります）")
        if viewer.role in ("sv", "admin"):
            n = self.service.pending_count(viewer.id)
            if n:
                extra.append(f"SV確認待ちの質問が {n} 件あります（「SV確認」タブ）")
        if viewer.role == "cw":
            n = self.service.recent_outcomes(viewer.id)
            if n:
                extra.append(f"最近2週間にSVが確認した質問が {n} 件あります（「履歴」タブ）")
        return render.alerts_html(lines, extra)

    def header(self, viewer: Viewer) -> str:
        logout = "" if self.cfg.trusted_user_header else ' <a href="/logout" id="kb-logout">ログアウト</a>'
        return (f'<div class="kb-header"><div><strong style="font-size:18px">kb-bot</strong> '
                f'<span class="kb-meta">生活保護業務の参考情報（根拠つき回答・SV確認）</span></div>'
                f'<div class="kb-user" id="kb-user">ログイン中: {render.esc(viewer.label)}{logout}</div></div>')

    # -- the Blocks -------------------------------------------------------------------------------------
    def blocks(self) -> "gr.Blocks":
        import gradio as gr

        with gr.Blocks(title="kb-bot 生活保護業務の参考情報", analytics_enabled=False) as demo:
            user_state = gr.State(None)
            header = gr.HTML("", elem_id="kb-header")
            alerts = gr.HTML("", elem_id="kb-alerts-box")
            ctx = TabContext(self.settings, self.engine, user_state, self.exports)
            with gr.Tabs(elem_id="kb-tabs"):
                with ctx.tab("質問する", ALL_ROLES, id="chat"):
                    self._chat_tab()
                with ctx.tab("履歴", ALL_ROLES, id="history") as history_tab:
                    history_html = self._history_tab()
                with ctx.tab("SV確認", ("sv", "admin"), id="queue") as queue_tab:
                    queue_refresh = self._queue_tab()
                with ctx.tab("管理", ("admin",), id="admin") as admin_tab:
                    admin_refresh = self._admin_tab()
                for path in TAB_BUILDERS:
                    _resolve(path)(ctx)
            gr.HTML(f'<div class="kb-meta" style="text-align:center">※ {render.esc(DISCLAIMER)}</div>')

            tabs = [t for t, _ in ctx.tabs]
            roles = [r for _, r in ctx.tabs]

            def on_load(request: gr.Request) -> list[Any]:
                v = self.viewer(request)
                return [asdict(v), self.header(v), self.alerts(v), *[gr.Tab(visible=v.role in r) for r in roles]]

            demo.load(on_load, None, [user_state, header, alerts, *tabs], api_visibility="private")
            history_tab.select(history_html[0], None, history_html[1], api_visibility="private")
            queue_tab.select(queue_refresh[0], None, queue_refresh[1], api_visibility="private")
            admin_tab.select(admin_refresh[0], None, admin_refresh[1], api_visibility="private")
        guard_blocks(demo)
        demo.queue(default_concurrency_limit=self.cfg.concurrency)
        return demo

    # -- chat ---------------------------------------------------------------------------------------------
    def _chat_tab(self) -> None:
        import gradio as gr

        gr.Markdown("生活保護手帳・別冊問答集・関係法令通知集から、根拠となる記載を示して答えます。"
                    "個人が特定できる情報（氏名・ケース番号など）は入力しないでください。")
        question = gr.Textbox(label="質問（Enterで送信、Shift+Enterで改行）", lines=1, max_lines=8,
                              elem_id="kb-question",
                              placeholder="例: 保険金を申告せずに使ってしまった場合、63条と78条のどちらになりますか")
        pii_note = gr.HTML("", elem_id="kb-pii-warning")
        ask = gr.Button("質問する", variant="primary", elem_id="kb-ask")
        answer = gr.HTML("", elem_id="kb-answer")
        turn_state = gr.State(None)
        with gr.Group(visible=False, elem_id="kb-review-box") as review_box:
            comment = gr.Textbox(label="SVへのコメント（任意）", lines=2, elem_id="kb-review-comment",
                                 placeholder="例: 申告指示の記録はあります。78条でよいか確認したいです")
            send = gr.Button("SVに確認", elem_id="kb-request-review")
        status = gr.HTML("", elem_id="kb-review-status")

        def ready(html: str, turn_id: int | None, review: bool, note: str) -> tuple:
            return html, turn_id, gr.Group(visible=review), note, gr.Button(interactive=True, value="質問する")

        def on_ask(q: str, request: gr.Request) -> Iterator[tuple[Any, ...]]:
            v = self.viewer(request)
            q = (q or "").strip()
            if not q:
                yield ready(render.msg("err", "質問を入力してください"), None, False, "")
                return
            yield (('<div class="kb-progress">回答を作成しています…（資料を検索しています）'
                    f'<div class="kb-question">質問: {render.esc(q)}</div></div>'), None, gr.Group(visible=False), "",
                   gr.Button(interactive=False, value="回答を作成中…"))
            try:
                r = self.service.ask(v.id, q)
            except UserError as e:
                yield ready(render.msg("err", str(e)), None, False, "")
                return
            queued = r.review_status == "pending"
            html = render.answer_html(r.payload, r.turn_id, r.mode, r.flags if queued else None, r.timings,
                                      "SV確認待ちに入りました" if queued else "", queued=queued)
            note = render.msg("info", "この質問は自動でSV確認に回りました。コメントを添えることもできます。") if queued else ""
            if r.personal_data:
                note = render.msg("info", f"質問の個人情報（{'・'.join(r.personal_data)}）は伏せ字にして保存しました。") + note
            yield ready(html, r.turn_id, True, note)

        def on_send(turn_id: int | None, text: str, request: gr.Request) -> tuple[str, str]:
            v = self.viewer(request)
            if turn_id is None:
                return render.msg("err", "先に質問してください"), text
            try:
                self.service.request_review(v.id, int(turn_id), text or "")
            except UserError as e:
                return render.msg("err", str(e)), text
            return render.msg("ok", "SVに送りました。確認の結果は「履歴」タブに表示されます。"), ""

        # One event for the button and Enter: a question asked while one is being answered waits and is
        # answered next (never dropped); the button is disabled meanwhile and every answer names its question.
        gr.on([ask.click, question.submit], on_ask, [question], [answer, turn_state, review_box, status, ask],
              api_name="ask", api_visibility="undocumented", concurrency_id="chat", trigger_mode="always_last")
        send.click(on_send, [turn_state, comment], [status, comment], api_visibility="private")
        question.change(pii_warning, [question], [pii_note], trigger_mode="always_last", show_progress="hidden",
                        api_visibility="private")

    # -- history ------------------------------------------------------------------------------------------
    def _history_tab(self) -> tuple[Callable[..., str], Any]:
        import gradio as gr

        gr.Markdown("自分の質問の履歴です。SVの確認結果（承認・修正・差し戻し）もここに表示されます。")
        refresh = gr.Button("更新", size="sm", elem_id="kb-history-refresh")
        out = gr.HTML("", elem_id="kb-history")

        def load(request: gr.Request) -> str:
            v = self.viewer(request)
            turns = self.service.history(v.id, limit=100, full=True)
            answers = {t["id"]: t["answer_json"] for t in turns[:30]}
            return render.history_html(turns, answers)

        refresh.click(load, None, out, api_visibility="private")
        return load, out

    # -- SV queue -------------------------------------------------------------------------------------------
    def _queue_tab(self) -> tuple[Callable[..., tuple[Any, ...]], list[Any]]:
        import gradio as gr

        gr.Markdown("自班のケースワーカーの質問のうち、確認が必要なもの（古い順）です。"
                    "承認・修正した回答は「SV確認済み回答」として、以後の似た質問に表示されます。")
        with gr.Row():
            refresh = gr.Button("一覧を更新", size="sm", elem_id="kb-queue-refresh")
            export = gr.Button("質問履歴をCSVで書き出し", size="sm", elem_id="kb-export")
        count = gr.HTML("", elem_id="kb-queue-count")
        picker = gr.Radio(choices=[], label="確認待ち", elem_id="kb-queue", type="value")
        detail = gr.HTML("", elem_id="kb-queue-detail")
        selected = gr.State(None)
        corrected = gr.Textbox(label="修正後の回答（「修正して承認」のとき）", lines=6, elem_id="kb-corrected")
        note = gr.Textbox(label="メモ（修正・差し戻しの理由など。CWに表示されます）", lines=2, elem_id="kb-note")
        with gr.Row():
            approve = gr.Button("承認", variant="primary", elem_id="kb-approve")
            correct = gr.Button("修正して承認", elem_id="kb-correct")
            reject = gr.Button("差し戻し", variant="stop", elem_id="kb-reject")
        result = gr.HTML("", elem_id="kb-queue-result")
        csv_link = gr.HTML("", elem_id="kb-export-file")

        def listing(v: Viewer) -> tuple[Any, str]:
            items = self.service.queue_items(v.id)
            return (gr.Radio(choices=[(render.queue_choice(i), i["id"]) for i in items], value=None),
                    render.msg("info", render.queue_count(items)))

        def load(request: gr.Request) -> tuple[Any, ...]:
            v = self.viewer(request)
            try:
                radio, head = listing(v)
            except UserError as e:
                return gr.Radio(choices=[], value=None), render.msg("err", str(e)), "", None
            return radio, head, "", None

        def open_turn(turn_id: int | None, request: gr.Request) -> tuple[Any, ...]:
            v = self.viewer(request)
            if turn_id is None:
                return "", None, "", ""
            try:
                t = self.service.open_for_review(v.id, int(turn_id))
                item = next((i for i in self.service.queue_items(v.id) if t["id"] in i["turn_ids"]), None)
            except UserError as e:
                return render.msg("err", str(e)), None, "", ""
            return render.review_html(t, item), t["id"], t["answer"], ""

        def act(action: str) -> Callable[..., tuple[Any, ...]]:
            def run(turn_id: int | None, corrected_text: str, note_text: str, request: gr.Request) -> tuple[Any, ...]:
                v = self.viewer(request)
                keep = (gr.Radio(), gr.skip(), gr.skip(), gr.skip(), gr.skip(), turn_id)
                if turn_id is None:
                    return render.msg("err", "確認する質問を選んでください"), *keep
                try:
                    t = self.service.act(v.id, int(turn_id), action, note_text or "", corrected_text or "")
                except UserError as e:
                    return render.msg("err", str(e)), *keep
                done = {"approve": "承認しました", "correct": "修正して承認しました", "reject": "差し戻しました"}[action]
                radio, head = listing(v)
                return render.msg("ok", f"#{t['id']} を{done}（{t['reviewer']}）"), radio, head, "", "", "", None
            return run

        def do_export(request: gr.Request) -> tuple[str, str]:
            return self._export_questions(self.viewer(request))

        outs = [picker, count, detail, selected]
        refresh.click(load, None, outs, api_visibility="private")
        picker.input(open_turn, [picker], [detail, selected, corrected, note], api_visibility="private")
        action_outs = [result, picker, count, detail, corrected, note, selected]
        approve.click(act("approve"), [selected, corrected, note], action_outs, api_visibility="private")
        correct.click(act("correct"), [selected, corrected, note], action_outs, api_visibility="private")
        reject.click(act("reject"), [selected, corrected, note], action_outs, api_visibility="private")
        export.click(do_export, None, [csv_link, result], api_visibility="private")
        return load, outs

    def _export_questions(self, v: Viewer) -> tuple[str, str]:
        """The question history the viewer may export, as a one-time download link (and the status line)."""
        try:
            text, n = self.service.export_csv(v.id)
        except UserError as e:
            return "", render.msg("err", str(e))
        name = "kb-bot-questions.csv"
        return (link_html(self.exports.add(v.id, Download.csv(name, text)), name),
                render.msg("ok", f"{n} 件を書き出しました（記録に残ります）"))

    # -- admin -----------------------------------------------------------------------------------------------
    def _admin_tab(self) -> tuple[Callable[..., tuple[Any, ...]], list[Any]]:
        import gradio as gr

        from kb_bot import audit, users

        gr.Markdown("ユーザーと班の管理、操作記録（監査ログ）の確認。コマンドでは `kb-bot users add/list/disable`、"
                    "`kb-bot teams add` でも同じことができます。")
        users_table = gr.Dataframe(headers=["ユーザー名", "表示名", "役割", "班", "有効"], interactive=False,
                                   elem_id="kb-users")
        with gr.Accordion("ユーザーを追加", open=False):
            with gr.Row():
                new_name = gr.Textbox(label="ユーザー名")
                new_display = gr.Textbox(label="表示名")
                new_role = gr.Dropdown(choices=[("ケースワーカー", "cw"), ("査察指導員", "sv"), ("管理者", "admin")],
                                       value="cw", label="役割")
                new_team = gr.Dropdown(choices=[], label="班（CW）", allow_custom_value=False)
                new_password = gr.Textbox(label="初期パスワード（10文字以上）", type="password")
            add_btn = gr.Button("追加")
        with gr.Accordion("ユーザーを無効化・班を追加", open=False):
            with gr.Row():
                disable_name = gr.Textbox(label="無効化するユーザー名")
                disable_btn = gr.Button("無効化", variant="stop")
            with gr.Row():
                team_name = gr.Textbox(label="新しい班の名前")
                team_sv = gr.Textbox(label="班のSV（ユーザー名）")
                team_btn = gr.Button("班を追加")
        admin_status = gr.HTML("")
        gr.Markdown("#### 操作記録（新しい順、200件）")
        audit_table = gr.Dataframe(headers=["日時", "操作者", "操作", "対象", "詳細"], interactive=False,
                                   elem_id="kb-audit")
        with gr.Row():
            refresh = gr.Button("更新", size="sm")
            export = gr.Button("質問履歴をCSVで書き出し", size="sm")
        csv_link = gr.HTML("", elem_id="kb-admin-export-file")

        def tables(request: gr.Request) -> tuple[Any, ...]:
            with session_scope(self.engine) as s:
                session_user(request, s, ("admin",))
                rows = [[u.username, u.display_name, users.ROLE_LABELS[users.Role(u.role)], u.team.name if u.team else "",
                         "有効" if u.active else "無効"] for u in users.list_users(s)]
                log = [[render.local_time(e.at.isoformat()), e.actor, action_label(e.action), e.target,
                        detail_text(e.detail)] for e in audit.entries(s, limit=200)]
                teams = [t.name for t in users.list_teams(s)]
            return rows, log, gr.Dropdown(choices=[("（なし）", "")] + [(t, t) for t in teams], value="")

        def add_user(name: str, display: str, role: str, team: str, password: str,
                     request: gr.Request) -> tuple[str, str]:
            try:
                with session_scope(self.engine) as s:
                    admin = session_user(request, s, ("admin",))
                    t = users.get_team(s, team) if team else None
                    users.add_user(s, name, role, actor=admin.username, password=password, display_name=display, team=t)
            except UserError as e:
                return render.msg("err", str(e)), password
            return render.msg("ok", f"ユーザー {name} を追加しました"), ""

        def disable(name: str, request: gr.Request) -> str:
            try:
                with session_scope(self.engine) as s:
                    admin = session_user(request, s, ("admin",))
                    users.disable_user(s, users.require_user(s, name.strip()), actor=admin.username)
            except UserError as e:
                return render.msg("err", str(e))
            return render.msg("ok", f"ユーザー {name} を無効化しました")

        def add_team(name: str, sv_name: str, request: gr.Request) -> str:
            try:
                with session_scope(self.engine) as s:
                    admin = session_user(request, s, ("admin",))
                    users.add_team(s, name.strip(), users.require_user(s, sv_name.strip()), actor=admin.username)
            except UserError as e:
                return render.msg("err", str(e))
            return render.msg("ok", f"班 {name} を追加しました")

        def do_export(request: gr.Request) -> tuple[str, str]:
            return self._export_questions(self.viewer(request))

        outs = [users_table, audit_table, new_team]
        refresh.click(tables, None, outs, api_visibility="private")
        add_btn.click(add_user, [new_name, new_display, new_role, new_team, new_password], [admin_status, new_password],
                      api_visibility="private").then(tables, None, outs, api_visibility="private")
        disable_btn.click(disable, [disable_name], admin_status, api_visibility="private").then(
            tables, None, outs, api_visibility="private")
        team_btn.click(add_team, [team_name, team_sv], admin_status, api_visibility="private").then(
            tables, None, outs, api_visibility="private")
        export.click(do_export, None, [csv_link, admin_status], api_visibility="private")
        return tables, outs

    # -- the server ----------------------------------------------------------------------------------------------
    def fastapi(self) -> "FastAPI":
        import gradio as gr
        from fastapi import FastAPI
        from gradio.route_utils import FnIndexInferError

        web = self.web
        app = FastAPI(title="kb-bot", docs_url=None, redoc_url=None, openapi_url=None)
        self.auth.install(app)
        self.exports.install(app, self.auth.dependency)
        gradio_kwargs = {"docs_url": None, "redoc_url": None, "openapi_url": None,
                         "exception_handlers": {FnIndexInferError: _unknown_api}}
        app = gr.mount_gradio_app(
            app, self.blocks(), path="/", auth_dependency=self.auth.dependency, css=render.CSS,
            footer_links=[], run_history=False, show_error=False, ssr_mode=False,
            max_file_size=web.max_upload_bytes, app_kwargs=gradio_kwargs,
        )
        app.add_middleware(SecurityMiddleware, cfg=web)  # added last = outermost: sees every response
        return app


def _unknown_api(request: Any, exc: Exception) -> "JSONResponse":
    """An API name Gradio does not know: 404 with a Japanese line (not a 500 with a traceback)."""
    from fastapi.responses import JSONResponse

    return JSONResponse({"error": "指定されたAPIはありません"}, status_code=404)


def create_app(settings: Settings, engine: Engine, demo_note: str = "") -> "FastAPI":
    """The ASGI app (FastAPI with Gradio mounted at /)."""
    return WebApp(settings, engine, demo_note=demo_note).fastapi()
