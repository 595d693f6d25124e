"""The app's 期限 / 債権 / 督促データ出力 / 介護保険料加算 tabs: the real Blocks are built through kb_bot.web.app,
and the handlers are called as Gradio calls them (a request carrying ``.username``) on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass
from pathlib import Path

import gradio as gr
import pytest
from sqlalchemy import func, select

from kb_bot import audit
from kb_bot.claims import service
from kb_bot.claims.deadlines import register_application, register_declaration
from kb_bot.claims.forms import parse_day, parse_months, parse_yen
from kb_bot.claims.handlers import ClaimsTabs
from kb_bot.claims.ledger import Basis
from kb_bot.claims.models import Claim, Declaration, DunningExport, KaigoBatch, KaigoDraft
from kb_bot.claims.service import DecisionInput
from kb_bot.claims.web import build
from kb_bot.settings import Settings
from kb_bot.web.app import TAB_BUILDERS, TabContext, WebApp

D = dt.date
DUE = D(2025, 4, 30)
AS_OF = "2025-07-15"
KAIGO_SAMPLE = Path(__file__).parent / "data" / "kaigo-sample.csv"


@dataclass
class Req:
    """What the handlers read from ``gr.Request``."""

    username: str


@pytest.fixture
def tabs(office, db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> ClaimsTabs:
    monkeypatch.delenv("KB_BOT_CONFIG", raising=False)
    monkeypatch.setenv("KB_BOT_CLAIMS_OFFICE_CONTACT", office.cfg.office_contact)
    monkeypatch.setenv("KB_BOT_CLAIMS_KAIGO_APPROVAL", "cw")
    settings = Settings(home=tmp_path / "home", database_url=db_url, embed_model="none")
    from kb_bot.db import make_engine

    engine = make_engine(db_url)
    yield ClaimsTabs(TabContext(settings, engine, None))
    engine.dispose()


def claim(session, office, actor, case, basis=Basis.ART63, due=DUE, **kw) -> Claim:
    decision = DecisionInput(basis=basis, decided_on=D(2025, 3, 1), months=[("2024-04", 50_000), ("2024-05", 50_000)],
                             **kw)
    c, _ = service.create_claim(session, actor, case, decision, cfg=office.cfg, calendar=office.calendar,
                                assessed_on=D(2025, 3, 10), due=due)
    session.commit()
    return c


# -- the Blocks ------------------------------------------------------------------------------------------


def test_tabs_are_registered_and_built_with_their_roles(office, db_url: str, tmp_path: Path, engine) -> None:
    assert "kb_bot.claims.web:build" in TAB_BUILDERS
    settings = Settings(home=tmp_path / "home", database_url=db_url, embed_model="none")
    blocks = WebApp(settings, engine).blocks()
    labels = [b.label for b in blocks.blocks.values() if isinstance(b, gr.Tab)]
    assert labels[-4:] == ["期限", "債権", "督促データ出力", "介護保険料加算"]
    with gr.Blocks():
        ctx = TabContext(settings, engine, gr.State(None))
        with gr.Tabs():
            build(ctx)
    assert [(t.label, roles) for t, roles in ctx.tabs] == [
        ("期限", ("cw", "sv")),
        ("債権", ("cw", "sv", "admin")),
        ("督促データ出力", ("sv", "admin")),
        ("介護保険料加算", ("cw", "sv", "admin")),
    ]


def test_an_unknown_or_disabled_user_is_sent_to_login(tabs: ClaimsTabs, session, office) -> None:
    with pytest.raises(gr.Error, match="ログインし直して"):
        tabs.claims_list(AS_OF, "unpaid", None, Req("nobody"))
    with pytest.raises(gr.Error, match="権限がありません"):
        tabs.deadlines_view(AS_OF, False, Req("admin"))  # 期限 is for CW and SV


# -- 期限 --------------------------------------------------------------------------------------------------


def test_deadlines_cw_sees_own_cases_and_sv_the_team(tabs: ClaimsTabs, session, office) -> None:
    register_declaration(session, office.cw1, office.case1, "income_monthly", D(2025, 7, 1), office.cfg)
    register_declaration(session, office.cw2, office.case3, "assets", D(2025, 7, 10), office.cfg)
    register_declaration(session, office.cw3, office.case4, "assets", D(2025, 7, 10), office.cfg)
    register_application(session, office.cw2, "中村 三郎", office.cw2, D(2025, 7, 8))
    session.commit()

    _st, alerts, decls, apps, open_decls, open_apps, cases, cws = tabs.deadlines_view(AS_OF, False, Req("cw1"))
    assert "A-0001" in decls and "A-0003" not in decls and "B-0001" not in decls
    assert "本日期限" in decls and "kbc-soon" in decls  # received 7/1 + 14 days = 7/15
    assert "1日超過" in tabs.deadlines_view("2025-07-16", False, Req("cw1"))[2]
    assert 'class="kbc-overdue"' in tabs.deadlines_view("2025-07-16", False, Req("cw1"))[2]
    assert "中村 三郎" not in apps
    assert [v for _, v in cases.items] == ["A-0001", "A-0002"] and [v for _, v in cws.items] == ["cw1"]

    _, alerts, decls, apps, open_decls, open_apps, cases, cws = tabs.deadlines_view(AS_OF, False, Req("sv1"))
    assert "A-0001" in decls and "A-0003" in decls and "B-0001" not in decls
    assert "中村 三郎" in apps and "2025-07-22（14日）" in apps and "2025-08-08 以降" in apps
    assert len(open_decls.items) == 2 and len(open_apps.items) == 1
    assert [v for _, v in cws.items] == ["cw1", "cw2"]
    assert "期限切れ" in alerts

    _, _, decls, apps, *_ = tabs.deadlines_view(AS_OF, False, Req("sv2"))
    assert "B-0001" in decls and "A-0001" not in decls and "中村 三郎" not in apps
    assert audit.entries(session, actor="sv1", action_prefix="deadlines.view")


def test_declaration_is_registered_and_processed_with_a_result(tabs: ClaimsTabs, session, office) -> None:
    out = tabs.add_declaration("A-0001", "income_monthly", "2025-07-01", "7月分", Req("cw1"))
    assert "kbc-ok" in out and "処理期限 2025-07-15" in out
    assert "kbc-err" in tabs.add_declaration("A-0003", "assets", "2025-07-01", "", Req("cw1"))  # cw2's case
    assert "kbc-err" in tabs.add_declaration("A-0001", "assets", "2025/13/01", "", Req("cw1"))
    decl_id = session.scalar(select(Declaration.id))
    refused = tabs.update_declaration(decl_id, "done", "2025-07-10", "", Req("cw1"))
    assert "kbc-err" in refused and "結果" in refused
    assert "kbc-ok" in tabs.update_declaration(decl_id, "done", "2025-07-10", "8月分から収入認定", Req("cw1"))
    session.expire_all()
    d = session.get(Declaration, decl_id)
    assert (d.status, d.processed_on, d.result) == ("done", D(2025, 7, 10), "8月分から収入認定")
    _, _, decls, *_ = tabs.deadlines_view(AS_OF, True, Req("cw1"))
    assert "処理済（期限内）" in decls and "8月分から収入認定" in decls
    _, _, decls, *_ = tabs.deadlines_view(AS_OF, False, Req("cw1"))
    assert "8月分から収入認定" not in decls


def test_application_extension_needs_a_reason_and_decision_is_recorded(tabs: ClaimsTabs, session) -> None:
    out = tabs.add_application("中村 三郎", "start", "cw2", "2025-07-08", "", Req("sv1"))
    assert "kbc-ok" in out and "2025-07-22" in out and "2025-08-08" in out
    assert "kbc-err" in tabs.add_application("山本 四郎", "start", "cw3", "2025-07-08", "", Req("sv1"))  # other team
    _, _, _, _, _, apps, *_ = tabs.deadlines_view(AS_OF, False, Req("cw2"))
    app_id = apps.items[0][1]
    no_reason = tabs.extend_application(app_id, "  ", "2025-07-20", Req("cw2"))
    assert "kbc-err" in no_reason and "理由" in no_reason
    late = tabs.extend_application(app_id, "資産調査", "2025-07-23", Req("cw2"))
    assert "kbc-err" in late and "14日の期限" in late
    assert "2025-08-07（30日）" in tabs.extend_application(app_id, "扶養義務者の資産調査に日数を要するため",
                                                        "2025-07-20", Req("cw2"))
    _, _, _, apps_html, *_ = tabs.deadlines_view(AS_OF, False, Req("cw2"))
    assert "2025-08-07（30日）" in apps_html and "扶養義務者の資産調査" in apps_html
    assert "kbc-ok" in tabs.decide_application(app_id, "2025-07-25", "granted", Req("cw2"))
    _, _, _, apps_html, _, apps, *_ = tabs.deadlines_view(AS_OF, False, Req("cw2"))
    assert "中村 三郎" not in apps_html and apps.items == []


# -- 債権 --------------------------------------------------------------------------------------------------


def test_claim_lists_cw_own_sv_team_admin_all_with_csv(tabs: ClaimsTabs, session, office) -> None:
    claim(session, office, office.cw1, office.case1)
    claim(session, office, office.cw2, office.case3)
    claim(session, office, office.cw3, office.case4)
    seen = {}
    for who in ("cw1", "sv1", "sv2", "admin"):
        head, body, download = tabs.claims_list(AS_OF, "unpaid", None, Req(who))
        seen[who] = {n for n in ("A-0001", "A-0003", "B-0001") if n in body}
        csv_text = download.text()
        assert {n for n in ("A-0001", "A-0003", "B-0001") if n in csv_text} == seen[who]
        assert "2025-07-15 現在 未納の債権" in head
    assert seen == {"cw1": {"A-0001"}, "sv1": {"A-0001", "A-0003"}, "sv2": {"B-0001"},
                    "admin": {"A-0001", "A-0003", "B-0001"}}
    head, body, _path = tabs.claims_list(AS_OF, "unpaid", None, Req("sv1"))
    assert "2 件" in head and "残高計 200,000円" in head and "100,000" in body and "kbc-soon" in body
    _, body, download = tabs.claims_list(AS_OF, "totals-cw", None, Req("sv1"))
    assert "cw1" in body and "cw2" in body and "cw3" not in body
    assert download.name == "claims-totals-cw-20250715.csv"
    _, body, _ = tabs.claims_list(AS_OF, "dunning-due", None, Req("cw1"))
    assert "A-0001" in body and "督促対象の納期限" in body
    _, body, _ = tabs.claims_list("2030-01-01", "prescription", 12, Req("cw1"))
    assert "A-0001" in body
    err, body, download = tabs.claims_list("7/15", "unpaid", None, Req("cw1"))
    assert "kbc-err" in err and download is None
    assert audit.entries(session, actor="cw1", action_prefix="claims.list")


def test_a_recorded_payment_changes_the_balance_shown(tabs: ClaimsTabs, session, office) -> None:
    c = claim(session, office, office.cw1, office.case1)
    before = tabs.claim_detail(c.id, AS_OF, Req("cw1"))
    assert "残高</th><td>100,000円" in before and "滞納" in before and "時効完成日" in before
    out = tabs.record_event(c.id, "payment", "2025-07-10", {"amount": "30,000", "route": "counter"}, Req("cw1"))
    assert "kbc-ok" in out and "残高 70,000円" in out
    after = tabs.claim_detail(c.id, AS_OF, Req("cw1"))
    assert "残高</th><td>70,000円" in after and "30,000円・窓口" in after
    _, body, _ = tabs.claims_list(AS_OF, "unpaid", None, Req("cw1"))
    assert "70,000" in body
    # a fraction of a yen, another CW's claim and a write-off by a CW are refused; nothing is stored
    assert "円単位の整数" in tabs.record_event(c.id, "payment", "2025-07-11", {"amount": "1.5"}, Req("cw1"))
    assert "閲覧の権限" in tabs.record_event(c.id, "payment", "2025-07-11", {"amount": "100"}, Req("cw2"))
    refused = tabs.record_event(c.id, "write_off", "2025-07-11", {"amount": "100", "text": "時効"}, Req("cw1"))
    assert "kbc-err" in refused and "査察指導員" in refused
    assert "閲覧の権限" in tabs.claim_detail(c.id, AS_OF, Req("sv2"))
    assert len(service.load_events(session, c.id)) == 3
    # overpayment becomes 過誤納, a reversal restores the balance
    out = tabs.record_event(c.id, "payment", "2025-07-12", {"amount": "80000", "route": "account"}, Req("sv1"))
    assert "還付すべき額 10,000円" in out and "過誤納" in out
    last = service.load_events(session, c.id)[-1].id
    out = tabs.record_event(c.id, "reversal", "2025-07-13", {"event_no": last, "text": "二重入力"}, Req("sv1"))
    assert "残高 70,000円" in out
    detail = tabs.claim_detail(c.id, AS_OF, Req("sv1"))
    assert "取消済" in detail and f"記録 {last} を取消" in detail


def test_claim_forms_show_the_rule_violation_and_store_nothing(tabs: ClaimsTabs, session) -> None:
    form = {"case": "A-0001", "basis": "78", "cause": "other", "decided_on": "2025-04-10",
            "months": "2024-10=60000\n2024-11=60,000", "deductions": "冷蔵庫=20000=見積書", "assessed_on": "2025-04-15",
            "due": "2025-05-03"}
    out, new_id = tabs.add_claim(form, Req("cw1"))
    assert new_id is None and "kbc-err" in out and "自立更生費" in out
    assert session.scalar(select(func.count()).select_from(Claim)) == 0
    out, new_id = tabs.add_claim({**form, "deductions": "", "surcharge_max": True}, Req("cw1"))
    assert new_id is not None and "翌開庁日 2025-05-07" in out and "加算 48,000円" in out
    detail = tabs.claim_detail(new_id, AS_OF, Req("cw1"))
    assert "168,000円" in detail and "第78条 徴収金" in detail and "非免責" in detail
    # 保護費からの充当 on a 第63条 claim is refused with the service's message
    out, c63 = tabs.add_claim({**form, "basis": "63", "deductions": "冷蔵庫=20000=見積書", "due": "2025-05-30"},
                              Req("cw1"))
    assert c63 is not None
    refused = tabs.record_event(c63, "payment", "2025-06-01", {"amount": "1000", "route": "benefit"}, Req("cw1"))
    assert "kbc-err" in refused and "第63条返還金は納付書で" in refused
    assert "督促は納期限の翌日以降" in tabs.record_event(c63, "dunning", "2025-05-01", {}, Req("cw1"))
    assert "kbc-ok" in tabs.record_event(c63, "installment_plan", "2025-06-10", {"first_due": "2025-06-30",
                                                                                 "count": 4}, Req("cw1"))
    assert "分納中" in tabs.claim_detail(c63, "2025-06-15", Req("cw1"))
    setup_cw = tabs.claims_setup(Req("cw1"))
    setup_sv = tabs.claims_setup(Req("sv1"))
    assert "write_off" not in [v for _, v in setup_cw[1].items] and "write_off" in [v for _, v in setup_sv[1].items]
    assert [v for _, v in setup_cw[0].items] == ["A-0001", "A-0002"]


def test_succession_in_the_tab_passes_the_claim_to_the_heirs_listed(tabs: ClaimsTabs, session, office) -> None:
    c = claim(session, office, office.cw1, office.case1)
    heirs = "山田 一郎=長男=1/2\n\n山田 次郎＝次男＝１／４＝090-2222-3333\n山田 花子=長女=1/4"
    form = {"died_on": "2025-06-20", "heirs": heirs}
    # the fields succession needs, a malformed heir and shares not adding up to 1 are refused; nothing is stored
    assert "債務者の死亡日を入力してください" in tabs.record_event(c.id, "succession", "2025-07-10", {"heirs": heirs},
                                                                  Req("cw1"))
    assert "相続人（氏名=続柄=相続分）を入力してください" in tabs.record_event(
        c.id, "succession", "2025-07-10", {"died_on": "2025-06-20", "heirs": " \n"}, Req("cw1"))
    assert "氏名=続柄=相続分" in tabs.record_event(c.id, "succession", "2025-07-10",
                                                   {**form, "heirs": "山田 一郎 長男 1/2"}, Req("cw1"))
    assert "相続分の合計が 3/4" in tabs.record_event(c.id, "succession", "2025-07-10",
                                                    {**form, "heirs": "山田 一郎=長男=1/2\n山田 花子=長女=1/4"}, Req("cw1"))
    assert "閲覧の権限" in tabs.record_event(c.id, "succession", "2025-07-10", form, Req("cw3"))
    assert session.scalar(select(func.count()).select_from(Claim)) == 1 and len(service.load_events(session, c.id)) == 2

    out = tabs.record_event(c.id, "succession", "2025-07-10", form, Req("cw1"))
    assert "kbc-ok" in out and "残高 0円" in out and "相続人 3 人の債権" in out
    parts = list(session.scalars(select(Claim).where(Claim.id != c.id).order_by(Claim.id)))
    assert len(parts) == 3
    detail = tabs.claim_detail(c.id, AS_OF, Req("cw1"))
    assert "相続人に承継済" in detail
    assert (f"100,000円 を承継: 債権 {parts[0].id}（山田 一郎・長男）、債権 {parts[1].id}（山田 次郎・次男）、"
            f"債権 {parts[2].id}（山田 花子・長女）") in detail
    second = tabs.claim_detail(parts[1].id, AS_OF, Req("cw1"))
    assert f"債権 {c.id}（債務者の死亡 2025-06-20・相続分 1/4）" in second and "残高</th><td>25,000円" in second
    assert "山田 次郎（次男） 電話 09022223333" in second
    assert "残高</th><td>50,000円" in tabs.claim_detail(parts[0].id, AS_OF, Req("cw1"))
    assert "succession" in [v for _, v in tabs.claims_setup(Req("cw1"))[1].items]


def test_a_bankruptcy_write_off_of_a_non_dischargeable_claim_needs_the_svs_confirmation(
        tabs: ClaimsTabs, session, office) -> None:
    c78 = claim(session, office, office.cw1, office.case1, basis=Basis.ART78)
    c63 = claim(session, office, office.cw1, office.case2)
    form = {"amount": "100000", "text": "破産免責（令和7年6月 免責許可決定）"}
    refused = tabs.record_event(c78.id, "write_off", "2025-07-10", form, Req("sv1"))
    assert "kbc-err" in refused and "第78条" in refused and "免責されない" in refused
    assert "査察指導員" in tabs.record_event(c78.id, "write_off", "2025-07-10", {**form, "confirm": True}, Req("cw1"))
    assert len(service.load_events(session, c78.id)) == 2
    done = tabs.record_event(c78.id, "write_off", "2025-07-10", {**form, "confirm": True}, Req("sv1"))
    assert "kbc-ok" in done and "残高 0円" in done and "非免責の債権を破産免責の理由で不納欠損としました（確認: sv1" in done
    written = service.load_events(session, c78.id)[-1]
    assert written.data["confirmed_by"] == "sv1"
    # a 第63条 claim is dischargeable: no confirmation asked
    assert "kbc-ok" in tabs.record_event(c63.id, "write_off", "2025-07-10", form, Req("sv1"))


def test_warnings_of_the_core_are_shown_with_the_recorded_plan(tabs: ClaimsTabs, session, office) -> None:
    c = claim(session, office, office.cw1, office.case1)
    out = tabs.record_event(c.id, "installment_plan", "2025-06-10", {"first_due": "2025-06-30", "count": "100"},
                            Req("cw1"))
    assert "kbc-ok" in out and "分納計画を記録しました" in out
    assert "注意: 祝日データ" in out and "土日と閉庁日だけを避けて" in out  # the calendar ends before the plan
    assert "注意: 時効完成日" in out and "分納の最終納期" in out  # 時効 before the last installment


# -- 督促データ出力 -------------------------------------------------------------------------------------------


def test_cw_is_refused_the_dunning_export_and_sv_gets_the_files(tabs: ClaimsTabs, session, office) -> None:
    claim(session, office, office.cw1, office.case1)  # mobile
    claim(session, office, office.cw1, office.case2)  # landline → letters
    claim(session, office, office.cw3, office.case4)  # the other team
    with pytest.raises(gr.Error, match="権限"):
        tabs.export_dunning(AS_OF, Req("cw1"))
    with pytest.raises(gr.Error, match="権限"):
        tabs.dunning_history(Req("cw1"))
    assert session.scalar(select(func.count()).select_from(DunningExport)) == 0

    out, files, letters = tabs.export_dunning(AS_OF, Req("sv1"))
    assert "kbc-ok" in out and "送信 1 件・手紙 1 件" in out
    csv_file, sha_file = files
    assert csv_file.name.startswith("messages-20250715-") and sha_file.name == csv_file.name + ".sha256"
    data = csv_file.data
    assert sha_file.data.decode().split() == [hashlib.sha256(data).hexdigest(), csv_file.name]
    text = data.decode()
    assert "09012345678" in text and "07033334444" not in text and "A-0001" not in text and "保護" not in text
    assert letters and "A-0002" in letters.text()
    out_dir, _letters_dir = tabs.export_dirs()
    assert (out_dir / csv_file.name).read_bytes() == data and not (out_dir / letters.name).exists()
    history = tabs.dunning_history(Req("admin"))
    assert csv_file.name in history and "sv1" in history
    number = text.splitlines()[1].split(",")[-1]
    assert "債権 1" in tabs.send_lookup(number, Req("sv1"))


def test_dunning_export_without_office_contact_names_the_setting(tabs: ClaimsTabs,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KB_BOT_CLAIMS_OFFICE_CONTACT", "")
    out, files, letters = tabs.export_dunning(AS_OF, Req("sv1"))
    assert "kbc-err" in out and "office_contact" in out and files == [] and letters is None


# -- 介護保険料加算 ----------------------------------------------------------------------------------------------


def test_an_invalid_kaigo_file_applies_nothing(tabs: ClaimsTabs, session, tmp_path: Path) -> None:
    bad = tmp_path / "premiums-bad.csv"
    lines = KAIGO_SAMPLE.read_text(encoding="utf-8").splitlines()
    lines[2] = lines[2].replace("0000000002", "12345")  # a bad insured number in row 3
    lines[3] = lines[3].replace("1958-07-07", "2001-07-07")  # not 65 in row 4
    bad.write_text("\n".join(lines) + "\n", encoding="utf-8")
    report = tabs.kaigo_import(str(bad), Req("sv1"))
    assert "kbc-err" in report and "何も取り込んでいません" in report
    assert "3行目" in report and "4行目" in report and "10桁" in report
    assert session.scalar(select(func.count()).select_from(KaigoBatch)) == 0
    assert session.scalar(select(func.count()).select_from(KaigoDraft)) == 0
    with pytest.raises(gr.Error, match="権限"):
        tabs.kaigo_import(str(KAIGO_SAMPLE), Req("cw1"))  # importing is for SV / admin
    assert "選んでください" in tabs.kaigo_import(None, Req("sv1"))


def test_kaigo_drafts_cw_confirms_own_and_status_is_shown(tabs: ClaimsTabs, session, office) -> None:
    report = tabs.kaigo_import(str(KAIGO_SAMPLE), Req("sv1"))
    assert "kbc-ok" in report and "下書き 3 件" in report and "照合できない行 1 件" in report
    assert "Z-9999" in report and "4月 0→6,200" in report and "特別徴収" in report
    assert "取込済み" in tabs.kaigo_import(str(KAIGO_SAMPLE), Req("sv1"))  # idempotent
    line, batches, manager, batch_mode = tabs.kaigo_setup(Req("cw1"))
    assert "担当CWが1件ずつ" in line and not manager and not batch_mode and len(batches.items) == 1
    assert tabs.kaigo_setup(Req("sv1"))[2:] == (True, False)  # SV imports; no batch approval in mode cw

    body, pending = tabs.kaigo_view("", True, Req("cw1"))
    assert "A-0001" in body and "A-0002" in body and "A-0003" not in body  # A-0003 is cw2's
    assert [label.split(":")[0] for label, _ in pending.items] == ["下書き 1"]  # A-0002 needs no action
    own, other = pending.items[0][1], 3
    refused = tabs.kaigo_decide(other, "2025-04-01", "", True, Req("cw1"))
    assert "kbc-err" in refused and "閲覧の権限" in refused
    sv_refused = tabs.kaigo_decide(other, "2025-04-01", "", True, Req("sv1"))
    assert "担当CWが1件ずつ" in sv_refused
    assert "kbc-err" in tabs.kaigo_decide(own, "2025-04-01", "", False, Req("cw1"))  # a rejection needs a reason
    assert "kbc-ok" in tabs.kaigo_decide(own, "2025-04-01", "", True, Req("cw1"))
    body, pending = tabs.kaigo_view("", True, Req("sv1"))
    assert "決定済（承認 2025-04-01・cw1）" in body and "対応不要" in body and "決定待ち" in body
    assert "取込 1 は担当CWが1件ずつ" in tabs.kaigo_approve_batch(1, "2025-04-01", Req("sv1"))
    out, download = tabs.kaigo_notices(1, Req("cw1"))
    assert "1 件" in out and "A-0001" in download.text()


def test_kaigo_tab_flags_a_late_decision_and_counts_rows_left_alone(tabs: ClaimsTabs) -> None:
    assert "kbc-ok" in tabs.kaigo_import(str(KAIGO_SAMPLE), Req("sv1"))
    # the administrator imports the same file for the office: sv1's team rows stay as they are
    report = tabs.kaigo_import(str(KAIGO_SAMPLE), Req("admin"))
    assert "kbc-ok" in report and "取込 1 で取込済みの班の行 3 件はそのままにしました" in report
    # A-0001: 6,200 a month from April; decided in July, April and June are paid late (追加支給) — said before
    # deciding, for the date entered, and again with the approval
    preview = tabs.kaigo_preview(1, "2025-07-01", Req("cw1"))
    assert "決定日 2025-07-01 で承認すると" in preview and "増額 計 12,400円 は追加支給" in preview
    assert "決定日より前の月の変更はありません" in tabs.kaigo_preview(1, "2025-04-01", Req("cw1"))
    assert tabs.kaigo_preview("", "2025-04-01", Req("cw1")) == ""
    assert "kbc-err" in tabs.kaigo_preview(1, "7月", Req("cw1"))  # a date it cannot read
    out = tabs.kaigo_decide(1, "2025-07-01", "", True, Req("cw1"))
    assert "kbc-ok" in out and "2025-04〜2025-06 の 2 か月分は決定日より前" in out and "増額 計 12,400円 は追加支給" in out
    on_time = tabs.kaigo_decide(3, "2025-04-01", "", True, Req("cw2"))
    assert "kbc-ok" in on_time and "決定日より前" not in on_time


def test_kaigo_sv_batch_approval(tabs: ClaimsTabs, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KB_BOT_CLAIMS_KAIGO_APPROVAL", "sv_batch")
    assert "班のSVが一括" in tabs.kaigo_import(str(KAIGO_SAMPLE), Req("sv1"))
    assert tabs.kaigo_setup(Req("sv1"))[2:] == (True, True) and tabs.kaigo_setup(Req("cw1"))[2:] == (False, False)
    assert "班のSVが一括" in tabs.kaigo_decide(1, "2025-04-01", "", True, Req("cw1"))
    with pytest.raises(gr.Error, match="権限"):
        tabs.kaigo_approve_batch(1, "2025-04-01", Req("cw1"))
    approved = tabs.kaigo_approve_batch(1, "2025-05-01", Req("sv1"))  # April's 加算 is decided in May: late
    assert "2 件を承認" in approved and "注意: 下書き 1（ケース A-0001）: 2025-04〜2025-04 の 1 か月分" in approved
    assert "増額 計 6,200円 は追加支給" in approved
    body, pending = tabs.kaigo_view(1, True, Req("sv1"))
    assert body.count("決定済（承認 2025-05-01・sv1") == 2 and pending.items == []


# -- input parsing ------------------------------------------------------------------------------------------


def test_money_and_dates_are_parsed_strictly() -> None:
    from kb_bot.claims.cases import ClaimsError

    assert parse_yen("２０，０００円", "金額") == 20_000 and parse_yen("", "x", required=False) is None
    for bad in ("1.5", "-100", "1e3", "二万"):
        with pytest.raises(ClaimsError, match="円単位の整数"):
            parse_yen(bad, "金額")
    assert parse_day("2025/7/1", "日") == D(2025, 7, 1) == parse_day("2025年7月1日", "日")
    assert parse_day("", "日") == dt.date.today()
    with pytest.raises(ClaimsError, match="YYYY-MM-DD"):
        parse_day("2025-02-30", "日")
    assert parse_months("2024-10=60000\n2024/11 60,000\n") == [("2024-10", 60_000), ("2024-11", 60_000)]
    with pytest.raises(ClaimsError, match="YYYY-MM=金額"):
        parse_months("10月=6万")


def test_a_list_is_a_typed_table_that_csv_and_html_render(tabs: ClaimsTabs, session, office) -> None:
    from kb_bot.claims.lists import list_table, load_rows, render_csv

    claim(session, office, office.cw1, office.case1)
    day = D.fromisoformat(AS_OF)
    rows = load_rows(session, office.sv1, day, office.cfg)
    listed = list_table("unpaid", rows, day, office.cfg)
    balance = listed.header.index("残高")
    assert listed.rows[0][balance] == 100_000 and balance in listed.numeric_columns()
    assert listed.header.index("ケース番号") not in listed.numeric_columns()
    assert listed.csv() == render_csv("unpaid", rows, day, office.cfg)
    _, body, download = tabs.claims_list(AS_OF, "unpaid", None, Req("sv1"))
    assert '<td class="kbc-num">100,000</td>' in body and download.text() == listed.csv()


def test_cli_and_app_show_one_claim_summary(tabs: ClaimsTabs, session, office) -> None:
    from kb_bot.claims.service import view_claim
    from kb_bot.claims.summary import summarize

    c = claim(session, office, office.cw1, office.case1)
    tabs.record_event(c.id, "payment", "2025-07-10", {"amount": "30,000", "route": "counter"}, Req("cw1"))
    html = tabs.claim_detail(c.id, AS_OF, Req("cw1"))
    day = D.fromisoformat(AS_OF)
    found, rows, state = view_claim(session, office.cw1, c.id, office.cfg, day)
    info = summarize(found, rows, state, day, {})
    session.rollback()
    assert info.to_json()["balance"] == 70_000 and info.status_label == "滞納"
    assert f"残高</th><td>{info.state.balance:,}円" in html and info.status_label in html
    assert [e.label for e in info.events][-1] == "収納" and "30,000円・窓口" in html
