"""The app's tabs for deadlines and claims: 期限, 債権, 督促データ出力, 介護保険料加算 — the Gradio wiring.

Registered in ``kb_bot.web.app.TAB_BUILDERS`` as ``"kb_bot.claims.web:build"``. The handlers live in
:mod:`kb_bot.claims.handlers` (no Gradio there), the input parsers and the event form in
:mod:`kb_bot.claims.forms`, the HTML kit in :mod:`kb_bot.web.render`; this module only lays out the
components and connects them. Files are offered through the app's authorised download route
(``ctx.offer``), never through Gradio's file server.
"""

import datetime as dt
from collections.abc import Callable, Sequence
from typing import Any

import gradio as gr

from kb_bot.claims.config import DECLARATION_TYPES
from kb_bot.claims.forms import DATE_LABELS, EVENT_CHOICES, EVENT_FIELDS, FIELDS_BY_KIND, TEXT_LABELS
from kb_bot.claims.handlers import CLAIM_ROLES, DEADLINE_ROLES, EXPORT_ROLES, KAIGO_ROLES, Choices, ClaimsTabs

LIST_CHOICES = [
    ("未納", "unpaid"),
    ("督促が必要", "dunning-due"),
    ("時効が近い・完成", "prescription"),
    ("分納不履行", "installments-missed"),
    ("担当CW別の集計", "totals-cw"),
    ("班別の集計", "totals-team"),
]
ROUTE_CHOICES = [("窓口", "counter"), ("口座", "account"), ("保護費からの充当（第78条の2）", "benefit")]
BASIS_CHOICES = [("第63条 返還金", "63"), ("第77条の2 徴収金", "77-2"), ("第78条 徴収金", "78")]
CAUSE_CHOICES = [("その他（資力の発生・不正受給など）", "other"), ("実施機関の過誤（認定漏れ・計算誤り）", "office_error")]
DECL_STATUS_CHOICES = [("処理中", "in_progress"), ("処理済（処理日と結果が必要）", "done"), ("未処理に戻す", "pending")]


# -- the wiring -------------------------------------------------------------------------------------------


def build(ctx: Any) -> None:
    """Create the four tabs inside the app's ``gr.Tabs()`` (see ``kb_bot.web.app``)."""
    tabs = ClaimsTabs(ctx)
    with ctx.tab("期限", roles=DEADLINE_ROLES, id="kbc-deadlines") as t:
        load = _deadlines_ui(tabs)
    t.select(*load, api_visibility="private")
    with ctx.tab("債権", roles=CLAIM_ROLES, id="kbc-claims") as t:
        load = _claims_ui(tabs)
    t.select(*load, api_visibility="private")
    with ctx.tab("督促データ出力", roles=EXPORT_ROLES, id="kbc-dunning") as t:
        load = _dunning_ui(tabs)
    t.select(*load, api_visibility="private")
    with ctx.tab("介護保険料加算", roles=KAIGO_ROLES, id="kbc-kaigo") as t:
        load = _kaigo_ui(tabs)
    t.select(*load, api_visibility="private")


def _html(elem_id: str, value: str = "") -> Any:
    return gr.HTML(value, elem_id=elem_id, js_on_load=None)


def _dropdown(c: Choices, keep: Any = None) -> Any:
    values = [v for _, v in c.items]
    return gr.Dropdown(choices=c.items, value=keep if keep in values else None)


def _today() -> str:
    return dt.date.today().isoformat()


def _deadlines_ui(tabs: ClaimsTabs) -> tuple[Callable, list, list]:
    from kb_bot.claims.deadlines import APPLICATION_KINDS, APPLICATION_RESULTS

    gr.Markdown("申告・届出の処理期限と、保護の申請（法第24条）の決定期限。CWは担当ケース、SVは班のケースが表示されます。"
                "期限切れは赤、期限間近は黄色です。")
    with gr.Row(equal_height=True):
        as_of = gr.Textbox(label="基準日（YYYY-MM-DD）", max_lines=1, elem_id="kbc-dl-asof", scale=1)
        show_done = gr.Checkbox(label="処理済の申告も表示", value=False, elem_id="kbc-dl-done", scale=1)
        refresh = gr.Button("一覧を更新", variant="primary", elem_id="kbc-dl-refresh", scale=0, min_width=180)
    status = _html("kbc-dl-status")
    alerts_box = _html("kbc-dl-alerts")
    decl_box = _html("kbc-dl-decls")
    with gr.Accordion("申告・届出を登録する", open=False, elem_id="kbc-decl-add"):
        with gr.Row():
            d_case = gr.Dropdown(choices=[], label="ケース", elem_id="kbc-decl-case", filterable=True)
            d_type = gr.Dropdown(choices=[(v, k) for k, v in DECLARATION_TYPES.items()], label="種類",
                                 elem_id="kbc-decl-type")
            d_received = gr.Textbox(label="受理日（空欄は今日）", max_lines=1, elem_id="kbc-decl-received")
            d_note = gr.Textbox(label="備考（任意）", max_lines=1)
        d_add = gr.Button("登録する", elem_id="kbc-decl-submit")
    with gr.Accordion("申告の処理状況を更新する（処理済には処理日と結果）", open=False, elem_id="kbc-decl-update"):
        with gr.Row():
            u_decl = gr.Dropdown(choices=[], label="申告（未処理・処理中）", elem_id="kbc-decl-pick", filterable=True)
            u_status = gr.Dropdown(choices=DECL_STATUS_CHOICES, value="done", label="状況", elem_id="kbc-decl-status")
            u_on = gr.Textbox(label="処理日（空欄は今日）", max_lines=1, elem_id="kbc-decl-processed")
        u_result = gr.Textbox(label="処理結果（処理済のとき必須。例: 8月分から収入認定）", max_lines=2,
                              elem_id="kbc-decl-result")
        u_go = gr.Button("更新する", elem_id="kbc-decl-update-submit")
    apps_box = _html("kbc-dl-apps")
    with gr.Accordion("保護の申請を登録する", open=False, elem_id="kbc-app-add"):
        with gr.Row():
            a_name = gr.Textbox(label="申請者の氏名", max_lines=1, elem_id="kbc-app-name")
            a_kind = gr.Dropdown(choices=[(v, k) for k, v in APPLICATION_KINDS.items()], value="start", label="種類")
            a_cw = gr.Dropdown(choices=[], label="担当CW", elem_id="kbc-app-cw")
            a_on = gr.Textbox(label="申請日（空欄は今日）", max_lines=1, elem_id="kbc-app-applied")
            a_case = gr.Dropdown(choices=[], label="ケース（変更申請など。任意）", elem_id="kbc-app-case")
        a_add = gr.Button("登録する", elem_id="kbc-app-submit")
    with gr.Accordion("決定期限の延長（30日）・決定を記録する", open=False, elem_id="kbc-app-act"):
        a_pick = gr.Dropdown(choices=[], label="申請（未決定）", elem_id="kbc-app-pick")
        with gr.Row():
            e_reason = gr.Textbox(label="延長の理由（必須。通知書にも書きます。例: 扶養義務者の資産調査に日数を要するため）",
                                  max_lines=2, elem_id="kbc-app-reason", scale=3)
            e_on = gr.Textbox(label="延長を決めた日（空欄は今日）", max_lines=1, scale=1)
            e_go = gr.Button("30日に延長する", elem_id="kbc-app-extend", scale=1)
        with gr.Row():
            c_result = gr.Dropdown(choices=[(v, k) for k, v in APPLICATION_RESULTS.items()], label="決定の結果",
                                   elem_id="kbc-app-result", scale=2)
            c_on = gr.Textbox(label="決定日（空欄は今日）", max_lines=1, scale=1)
            c_go = gr.Button("決定を記録する", elem_id="kbc-app-decide", scale=1)
    action = _html("kbc-dl-action")

    def load(as_of_text: str, done: bool, request: gr.Request) -> Any:
        text = as_of_text or _today()
        st, al, de, ap, decls, apps, cases, cws = tabs.deadlines_view(text, done, request)
        return (text, st, al, de, ap, _dropdown(decls), _dropdown(apps), _dropdown(cases), _dropdown(cases),
                gr.Dropdown(choices=cws.items, value=cws.items[0][1] if len(cws.items) == 1 else None))

    outs = [as_of, status, alerts_box, decl_box, apps_box, u_decl, a_pick, d_case, a_case, a_cw]
    ins = [as_of, show_done]
    refresh.click(load, ins, outs, api_visibility="private")
    as_of.submit(load, ins, outs, api_visibility="private")
    show_done.input(load, ins, outs, api_visibility="private")

    def wire(button: Any, fn: Callable, inputs: list) -> None:
        button.click(fn, inputs, action, api_visibility="private").then(load, ins, outs, api_visibility="private")

    wire(d_add, _req(lambda c, t, r, n, request: tabs.add_declaration(c, t, r, n, request)),
         [d_case, d_type, d_received, d_note])
    wire(u_go, _req(lambda d, st, on, res, request: tabs.update_declaration(d, st, on, res, request)),
         [u_decl, u_status, u_on, u_result])
    wire(a_add, _req(lambda n, k, cw, on, c, request: tabs.add_application(n, k, cw, on, c, request)),
         [a_name, a_kind, a_cw, a_on, a_case])
    wire(e_go, _req(lambda a, r, on, request: tabs.extend_application(a, r, on, request)), [a_pick, e_reason, e_on])
    wire(c_go, _req(lambda a, on, r, request: tabs.decide_application(a, on, r, request)), [a_pick, c_on, c_result])
    return load, ins, outs


def _claims_ui(tabs: ClaimsTabs) -> tuple[Callable, list, list]:
    gr.Markdown("返還金・徴収金（第63条・第77条の2・第78条）の債権。残高・状態・時効完成日は記録から計算され、"
                "記録は追記のみです（誤りは取消の記録で訂正）。金額は円単位の整数で入力します。")
    with gr.Row(equal_height=True):
        as_of = gr.Textbox(label="基準日（YYYY-MM-DD）", max_lines=1, elem_id="kbc-cl-asof", scale=1)
        kind = gr.Dropdown(choices=LIST_CHOICES, value="unpaid", label="一覧", elem_id="kbc-cl-kind", scale=2)
        months = gr.Textbox(label="時効完成まで何か月以内", placeholder="空欄は設定値", max_lines=1, visible=False,
                            elem_id="kbc-cl-months", scale=1)
        show = gr.Button("一覧を表示", variant="primary", elem_id="kbc-cl-show", scale=0, min_width=180)
    list_head = _html("kbc-cl-head")
    list_box = _html("kbc-cl-table")
    list_file = _html("kbc-cl-csv")

    gr.Markdown("#### 債権の詳細")
    with gr.Row(equal_height=True):
        claim_id = gr.Textbox(label="債権番号（一覧の左端の番号）", max_lines=1, elem_id="kbc-claim-id", scale=1)
        open_btn = gr.Button("詳細を表示", elem_id="kbc-claim-open", scale=0, min_width=180)
    detail = _html("kbc-claim-detail")

    with gr.Accordion("この債権に記録を追加する（収納・督促・分納・訂正など）", open=False, elem_id="kbc-ev"):
        with gr.Row():
            ev_kind = gr.Dropdown(choices=EVENT_CHOICES, value="payment", label="記録の種類", elem_id="kbc-ev-kind")
            ev_on = gr.Textbox(label="収納日（空欄は今日）", max_lines=1, elem_id="kbc-ev-on")
        with gr.Row():
            f = {
                "amount": gr.Textbox(label="金額（円）", max_lines=1, elem_id="kbc-ev-amount"),
                "route": gr.Dropdown(choices=ROUTE_CHOICES, value="counter", label="収納の方法", elem_id="kbc-ev-route"),
                "refund": gr.Checkbox(label="時効完成後に受けた納付（全額を還付予定として記録）", value=False),
                "deadline": gr.Textbox(label="指定期限（空欄は設定の日数後の開庁日）", max_lines=1, visible=False),
                "due": gr.Textbox(label="納期限（閉庁日なら翌開庁日）", max_lines=1, visible=False),
                "first_due": gr.Textbox(label="最初の納期", max_lines=1, visible=False),
                "count": gr.Textbox(label="回数（残高を毎月に分けます）", max_lines=1, visible=False),
                "method": gr.Dropdown(choices=["電話", "文書", "訪問"], label="催告の方法", visible=False),
                "event_no": gr.Textbox(label="取り消す記録番号（記録の一覧の左端）", max_lines=1, visible=False),
                "name": gr.Textbox(label="新しい債務者の氏名", max_lines=1, visible=False),
                "relation": gr.Textbox(label="続柄（例: 相続人（長男））", max_lines=1, visible=False),
                "phone": gr.Textbox(label="電話番号", max_lines=1, visible=False),
                "text": gr.Textbox(label="メモ", max_lines=2, visible=False, elem_id="kbc-ev-text"),
                "died_on": gr.Textbox(label="債務者の死亡日", max_lines=1, visible=False, elem_id="kbc-ev-died"),
                "heirs": gr.Textbox(label="相続人（1行に1人: 氏名=続柄=相続分[=電話]。例: 山田 一郎=長男=1/4）", lines=3,
                                    visible=False, elem_id="kbc-ev-heirs"),
                "confirm": gr.Checkbox(label="非免責債権であることを確認した", value=False, visible=False,
                                       elem_id="kbc-ev-confirm",
                                       info="第77条の2・第78条の債権を破産免責の理由で不納欠損とするときに必要です（SV・管理者）"),
            }
        ev_go = gr.Button("記録する", variant="primary", elem_id="kbc-ev-submit")
    ev_msg = _html("kbc-ev-msg")

    with gr.Accordion("債権を登録する（決定・調定）", open=False, elem_id="kbc-add"):
        with gr.Row():
            n_case = gr.Dropdown(choices=[], label="ケース", elem_id="kbc-add-case", filterable=True)
            n_basis = gr.Radio(choices=BASIS_CHOICES, label="根拠条文", elem_id="kbc-add-basis")
            n_cause = gr.Radio(choices=CAUSE_CHOICES, value="other", label="原因", elem_id="kbc-add-cause")
        with gr.Row():
            n_decided = gr.Textbox(label="決定日", max_lines=1, elem_id="kbc-add-decided")
            n_assessed = gr.Textbox(label="調定日（空欄なら調定は後で）", max_lines=1, elem_id="kbc-add-assessed")
            n_due = gr.Textbox(label="納期限（閉庁日なら翌開庁日）", max_lines=1, elem_id="kbc-add-due")
        with gr.Row():
            n_months = gr.Textbox(label="対象の支給月と額（1行に1か月: 2024-10=60000）", lines=3,
                                  elem_id="kbc-add-months")
            n_deductions = gr.Textbox(label="自立更生費の控除（第63条・第77条の2のみ。1行に1件: 冷蔵庫=20000=見積書）",
                                      lines=3, elem_id="kbc-add-deductions")
        with gr.Row():
            n_surcharge = gr.Textbox(label="第78条の加算額（円。徴収額の40%以下）", max_lines=1,
                                     elem_id="kbc-add-surcharge")
            n_surcharge_max = gr.Checkbox(label="加算を上限（徴収額×40%、円未満切捨て）にする", value=False)
        with gr.Row():
            n_debtor = gr.Textbox(label="債務者（空欄は世帯主）", max_lines=1)
            n_relation = gr.Textbox(label="続柄", max_lines=1, value="")
            n_phone = gr.Textbox(label="債務者の電話番号", max_lines=1)
        n_go = gr.Button("債権を登録する", variant="primary", elem_id="kbc-add-submit")
    n_msg = _html("kbc-add-msg")

    def load(as_of_text: str, k: str, m: Any, request: gr.Request) -> Any:
        text = as_of_text or _today()
        cases, kinds, _ = tabs.claims_setup(request)
        head, body, download = tabs.claims_list(text, k or "unpaid", m, request)
        return (text, head, body, tabs.ctx.offer(request, [download] if download else []), _dropdown(cases),
                gr.Dropdown(choices=kinds.items))

    def show_list(as_of_text: str, k: str, m: Any, request: gr.Request) -> Any:
        head, body, download = tabs.claims_list(as_of_text, k, m, request)
        return head, body, tabs.ctx.offer(request, [download] if download else [])

    def open_claim(cid: Any, as_of_text: str, request: gr.Request) -> str:
        return tabs.claim_detail(cid, as_of_text, request)

    def switch(k: str) -> Any:
        shown = FIELDS_BY_KIND.get(k, ())
        ups = [gr.update(visible=name in shown) for name in EVENT_FIELDS]
        text_i = EVENT_FIELDS.index("text")
        if "text" in shown:
            ups[text_i] = gr.update(visible=True, label=TEXT_LABELS.get(k, "メモ"))
        return [gr.update(label=f"{DATE_LABELS.get(k, '日付')}（空欄は今日）"), *ups]

    def record(cid: Any, k: str, on: str, *values: Any) -> Any:
        *vals, as_of_text, request = values
        out = tabs.record_event(cid, k, on, dict(zip(EVENT_FIELDS, vals, strict=True)), request)
        ok = "kbc-ok" in out
        return out, (tabs.claim_detail(cid, as_of_text, request) if ok else gr.skip())

    def add(*values: Any) -> Any:
        *vals, as_of_text, request = values
        keys = ("case", "basis", "cause", "decided_on", "assessed_on", "due", "months", "deductions", "surcharge",
                "surcharge_max", "debtor_name", "debtor_relation", "debtor_phone")
        out, new_id = tabs.add_claim(dict(zip(keys, vals, strict=True)), request)
        if new_id is None:
            return out, gr.skip(), gr.skip()
        return out, new_id, tabs.claim_detail(new_id, as_of_text, request)

    _req(record, ["cid", "k", "on", *EVENT_FIELDS, "as_of_text"])
    _req(add, [f"v{i}" for i in range(14)])

    list_ins = [as_of, kind, months]
    list_outs = [list_head, list_box, list_file]
    show.click(show_list, list_ins, list_outs, api_visibility="private")
    kind.input(show_list, list_ins, list_outs, api_visibility="private").then(
        lambda k: gr.update(visible=k == "prescription"), [kind], [months], api_visibility="private")
    as_of.submit(show_list, list_ins, list_outs, api_visibility="private")
    open_btn.click(open_claim, [claim_id, as_of], detail, api_visibility="private")
    claim_id.submit(open_claim, [claim_id, as_of], detail, api_visibility="private")
    ev_kind.change(switch, [ev_kind], [ev_on, *[f[n] for n in EVENT_FIELDS]], api_visibility="private")
    ev_go.click(record, [claim_id, ev_kind, ev_on, *[f[n] for n in EVENT_FIELDS], as_of], [ev_msg, detail],
                api_visibility="private").then(show_list, list_ins, list_outs, api_visibility="private")
    n_go.click(add, [n_case, n_basis, n_cause, n_decided, n_assessed, n_due, n_months, n_deductions, n_surcharge,
                     n_surcharge_max, n_debtor, n_relation, n_phone, as_of], [n_msg, claim_id, detail],
               api_visibility="private").then(show_list, list_ins, list_outs, api_visibility="private")
    return load, [as_of, kind, months], [as_of, list_head, list_box, list_file, n_case, ev_kind]


def _req(fn: Callable, names: Sequence[str] | None = None) -> Callable:
    """Mark the last parameter ``request`` as ``gr.Request`` (Gradio finds it by its type hint, which a lambda
    or a ``*values`` handler cannot carry); ``names`` gives a ``*values`` handler its positional parameters."""
    import inspect

    if names is not None:
        P = inspect.Parameter
        fn.__signature__ = inspect.Signature(  # type: ignore[attr-defined]
            [P(n, P.POSITIONAL_OR_KEYWORD) for n in [*names, "request"]])
    fn.__annotations__ = {**getattr(fn, "__annotations__", {}), "request": gr.Request}
    return fn


def _dunning_ui(tabs: ClaimsTabs) -> tuple[Callable, list, list]:
    gr.Markdown("メッセージ配信サービス用の督促データ（携帯電話番号・テンプレートID・納期限・金額・問合せ先・送信管理番号だけ。"
                "氏名・ケース番号・個人番号や生活保護がわかる語は含みません）と、そのチェックサム（.sha256）を出力します。"
                "滞納・分納不履行の債権が対象で、携帯電話番号のない分は手紙用の内部一覧になります。出力は記録に残ります。")
    with gr.Row(equal_height=True):
        as_of = gr.Textbox(label="基準日（YYYY-MM-DD）", max_lines=1, elem_id="kbc-dn-asof", scale=1)
        go = gr.Button("督促データを出力する", variant="primary", elem_id="kbc-dn-export", scale=0, min_width=180)
    result = _html("kbc-dn-result")
    with gr.Row():
        files = _html("kbc-dn-files")
        letters = _html("kbc-dn-letters")
    history = _html("kbc-dn-history")
    with gr.Accordion("送信管理番号から債権を調べる（配信結果の照合）", open=False):
        with gr.Row(equal_height=True):
            number = gr.Textbox(label="送信管理番号（16桁）", max_lines=1, scale=3)
            look = gr.Button("調べる", scale=0, min_width=180)
        look_msg = _html("kbc-dn-lookup")

    def load(as_of_text: str, request: gr.Request) -> Any:
        return as_of_text or _today(), tabs.dunning_history(request)

    def export(as_of_text: str, request: gr.Request) -> Any:
        out, downloads, letter = tabs.export_dunning(as_of_text, request)
        sent = "送信用ファイルとチェックサム（外部媒体へ）: " + tabs.ctx.offer(request, downloads) if downloads else ""
        kept = "手紙で送る分（内部用・外部媒体に入れない）: " + tabs.ctx.offer(request, [letter]) if letter else ""
        return out, sent, kept, tabs.dunning_history(request)

    go.click(export, [as_of], [result, files, letters, history], api_visibility="private")
    look.click(_req(lambda n, request: tabs.send_lookup(n, request)), [number], look_msg, api_visibility="private")
    return load, [as_of], [as_of, history]


def _kaigo_ui(tabs: ClaimsTabs) -> tuple[Callable, list, list]:
    from kb_bot.claims.kaigo import COLUMNS

    gr.Markdown(f"介護保険の保険料ファイル（CSV。列: {'・'.join(COLUMNS[:7])}・4月〜3月）を取り込み、"
                "ケースごとの加算の下書きを作ります。"
                "誤りのある行が1行でもあれば何も取り込みません。同じファイルをもう一度取り込んでも変わりません。")
    setting = _html("kbc-kg-setting")
    with gr.Group(visible=False, elem_id="kbc-kg-import-box") as import_box, gr.Row(equal_height=True):
        upload = gr.File(label="保険料ファイル（CSV、UTF-8 または Shift_JIS）", file_types=[".csv"],
                         type="filepath", elem_id="kbc-kg-file", scale=3)
        go = gr.Button("検査して取り込む", variant="primary", elem_id="kbc-kg-import", scale=0, min_width=180)
    report = _html("kbc-kg-report")
    with gr.Row(equal_height=True):
        batch = gr.Dropdown(choices=[], label="取込（空欄はすべて）", elem_id="kbc-kg-batch", scale=3)
        show_all = gr.Checkbox(label="決定済・対応不要も表示", value=True, elem_id="kbc-kg-all", scale=1)
        refresh = gr.Button("下書きを表示", elem_id="kbc-kg-refresh", scale=0, min_width=180)
    drafts = _html("kbc-kg-drafts")
    with gr.Accordion("下書きを決定する（1件ずつ）", open=False, elem_id="kbc-kg-decide"):
        with gr.Row():
            pick = gr.Dropdown(choices=[], label="下書き（決定待ち）", elem_id="kbc-kg-pick", scale=3)
            on = gr.Textbox(label="決定日（空欄は今日）", max_lines=1, scale=1, elem_id="kbc-kg-on")
        preview = _html("kbc-kg-preview")
        note = gr.Textbox(label="メモ（却下のときは理由が必須）", max_lines=2, elem_id="kbc-kg-note")
        with gr.Row():
            approve = gr.Button("承認する", variant="primary", elem_id="kbc-kg-approve")
            reject = gr.Button("却下する", variant="stop", elem_id="kbc-kg-reject")
    with gr.Group(visible=False, elem_id="kbc-kg-batch-box") as batch_box, gr.Row(equal_height=True):
        b_on = gr.Textbox(label="決定日（空欄は今日）", max_lines=1, scale=1)
        b_go = gr.Button("選んだ取込の班の決定待ちを一括承認する（SV）", elem_id="kbc-kg-approve-batch", scale=2)
    with gr.Row(equal_height=True):
        notices = gr.Button("決定通知データ（CSV）を出力", elem_id="kbc-kg-notices", scale=0, min_width=300)
        notices_file = _html("kbc-kg-notices-file")
    action = _html("kbc-kg-action")

    # a refresh keeps the draft picked while it is still pending (a CW may pick one while the tab still loads)
    def view(b: Any, everything: bool, picked: Any, request: gr.Request) -> Any:
        body, pending = tabs.kaigo_view(b, everything, request)
        return body, _dropdown(pending, picked)

    def load(b: Any, everything: bool, picked: Any, request: gr.Request) -> Any:
        line, batches, manager, batch_mode = tabs.kaigo_setup(request)
        body, pending = tabs.kaigo_view(b, everything, request)
        return (line, gr.Group(visible=manager), gr.Group(visible=batch_mode),
                gr.Dropdown(choices=[("（すべて）", ""), *batches.items], value=b if b else ""), body,
                _dropdown(pending, picked))

    def do_import(path: Any, b: Any, everything: bool, request: gr.Request) -> Any:
        out = tabs.kaigo_import(path, request)
        _, batches, _, _ = tabs.kaigo_setup(request)
        body, pending = tabs.kaigo_view(b, everything, request)
        return out, gr.Dropdown(choices=[("（すべて）", ""), *batches.items]), body, _dropdown(pending)

    def notices_fn(b: Any, request: gr.Request) -> Any:
        out, download = tabs.kaigo_notices(b, request)
        return out, tabs.ctx.offer(request, [download] if download else [])

    view_ins, view_outs = [batch, show_all, pick], [drafts, pick]
    go.click(do_import, [upload, batch, show_all], [report, batch, drafts, pick], api_visibility="private")
    refresh.click(view, view_ins, view_outs, api_visibility="private")
    batch.input(view, view_ins, view_outs, api_visibility="private")
    show_all.input(view, view_ins, view_outs, api_visibility="private")
    preview_fn = _req(lambda d, o, request: tabs.kaigo_preview(d, o, request))
    pick.change(preview_fn, [pick, on], preview, api_visibility="private")
    on.change(preview_fn, [pick, on], preview, api_visibility="private")
    approve.click(_req(lambda d, o, n, request: tabs.kaigo_decide(d, o, n, True, request)), [pick, on, note], action,
                  api_visibility="private").then(view, view_ins, view_outs, api_visibility="private")
    reject.click(_req(lambda d, o, n, request: tabs.kaigo_decide(d, o, n, False, request)), [pick, on, note], action,
                 api_visibility="private").then(view, view_ins, view_outs, api_visibility="private")
    b_go.click(_req(lambda b, o, request: tabs.kaigo_approve_batch(b, o, request)), [batch, b_on], action,
               api_visibility="private").then(view, view_ins, view_outs, api_visibility="private")
    notices.click(notices_fn, [batch], [action, notices_file], api_visibility="private")
    return load, view_ins, [setting, import_box, batch_box, batch, drafts, pick]
