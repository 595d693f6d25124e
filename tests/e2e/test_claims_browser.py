"""The claims tabs in a real browser: the app in a subprocess on a database seeded through the service
functions (cases, claims, declarations, applications of two teams), Debian's headless Chromium via Playwright.

An SV works through 期限, 債権 (list, detail, a payment, a confirmed 破産免責 write-off, a death passing a
claim to heirs), 督促データ出力 and 介護保険料加算 (upload); a CW sees only their own cases, no export tab and
no write-off. Screenshots go to ``test-artifacts/claims/`` (gitignored). Skipped
only when Chromium is missing and ``CI`` is unset.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest

from tests.e2e.harness import REPO, login, need_chromium, running_app

pytestmark = pytest.mark.browser

ARTIFACTS = REPO / "test-artifacts" / "claims"
KAIGO_SAMPLE = REPO / "tests" / "claims" / "data" / "kaigo-sample.csv"
CONTACT = "中央市 収納係 03-0000-0000"


def seed(db_url: str) -> None:
    """The demo users (sv1: cw1, cw2; sv2: cw3) and an office's worth of claims and deadlines around today."""
    from kb_bot.claims import service
    from kb_bot.claims.calendar import load_calendar
    from kb_bot.claims.cases import add_case
    from kb_bot.claims.config import ClaimsSettings
    from kb_bot.claims.deadlines import (
        extend_application,
        register_application,
        register_declaration,
        update_declaration,
    )
    from kb_bot.claims.ledger import Basis
    from kb_bot.claims.service import DecisionInput
    from kb_bot.commands.serve import ensure_demo_users
    from kb_bot.db import open_database, session_scope
    from kb_bot.users import get_user

    engine = open_database(db_url)
    ensure_demo_users(engine)
    cfg = ClaimsSettings(office_contact=CONTACT)
    cal = load_calendar(cfg)
    today = dt.date.today()

    def ago(days: int) -> dt.date:
        return today - dt.timedelta(days=days)

    def month(d: dt.date) -> str:
        return f"{d:%Y-%m}"

    with session_scope(engine) as s:
        admin, cw1, cw2, cw3 = (get_user(s, n) for n in ("admin", "cw1", "cw2", "cw3"))
        c1 = add_case(s, admin, "A-0001", cw1, "山田 太郎", phone="090-1234-5678", birth_date=dt.date(1955, 5, 1))
        c2 = add_case(s, admin, "A-0002", cw1, "佐藤 花子", phone="03-1234-5678", birth_date=dt.date(1950, 1, 1))
        c3 = add_case(s, admin, "A-0003", cw2, "鈴木 一郎", phone="080-1111-2222", birth_date=dt.date(1958, 7, 7))
        c4 = add_case(s, admin, "B-0001", cw3, "高橋 次郎", phone="070-3333-4444")

        def claim(actor, case, basis, months, decided, due, **kw):
            d = DecisionInput(basis=basis, decided_on=decided, months=months, **kw)
            c, _ = service.create_claim(s, actor, case, d, cfg=cfg, calendar=cal, assessed_on=decided + dt.timedelta(3),
                                        due=due)
            return c

        m1, m2 = month(ago(150)), month(ago(120))
        k1 = claim(cw1, c1, Basis.ART78, [(m1, 60_000), (m2, 60_000)], ago(90), ago(60), surcharge=48_000)
        service.record_payment(s, cw1, k1, ago(50), 20_000, "counter", cfg=cfg)
        k2 = claim(cw1, c2, Basis.ART63, [(m1, 30_000), (m2, 30_000)], ago(80), ago(45),
                   deductions=[("冷蔵庫", 20_000, "見積書・領収書")])
        service.record_dunning(s, cw1, k2, ago(30), cfg=cfg, calendar=cal)
        k3 = claim(cw2, c3, Basis.ART63, [(m1, 80_000)], ago(100), ago(95))
        service.record_plan(s, cw2, k3, ago(90), ago(70), 4, cfg=cfg, calendar=cal)
        service.record_payment(s, cw2, k3, ago(69), 20_000, "account", cfg=cfg)
        old = today.replace(year=today.year - 5)
        claim(cw2, c3, Basis.ART63, [(month(old - dt.timedelta(120)), 40_000)], old - dt.timedelta(60),
              old + dt.timedelta(60))
        claim(cw3, c4, Basis.ART78, [(m1, 90_000)], ago(70), ago(40))

        register_declaration(s, cw1, c1, "income_monthly", ago(20), cfg, note="給与明細あり")
        register_declaration(s, cw2, c3, "assets", ago(12), cfg)
        register_declaration(s, cw1, c2, "household_change", ago(3), cfg, note="長女の転出")
        done = register_declaration(s, cw2, c3, "income_monthly", ago(40), cfg)
        update_declaration(s, cw2, done, "done", processed_on=ago(30), result="翌月分から収入認定")
        register_declaration(s, cw3, c4, "assets", ago(20), cfg)
        register_application(s, cw2, "中村 三郎", cw2, ago(10))
        register_application(s, cw1, "小林 五郎", cw1, ago(16))
        a = register_application(s, cw1, "加藤 六子", cw1, ago(5))
        extend_application(s, cw1, a, "扶養義務者の資産調査に日数を要するため", ago(4))
    engine.dispose()


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """``python app.py`` with a fresh, seeded KB_BOT_HOME (no corpus needed here)."""
    need_chromium()
    home = tmp_path_factory.mktemp("claims-home")
    seed(f"sqlite:///{home / 'kb-bot.sqlite3'}")
    with running_app(home, env={"KB_BOT_CLAIMS_OFFICE_CONTACT": CONTACT}) as url:
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        yield url


def shot(page, name: str) -> None:
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def choose(page, dropdown: str, text: str) -> None:
    """Pick the option containing ``text`` in a Gradio dropdown."""
    page.locator(f"{dropdown} input").click()
    page.locator("[data-testid=dropdown-option]", has_text=text).first.click()


def open_tab(page, name: str) -> None:
    page.get_by_role("tab", name=name, exact=True).click()


def test_sv_works_through_the_claims_tabs(page, server: str) -> None:
    login(page, server, "sv1", "sv1-demo-pass")
    tabs = page.get_by_role("tab").all_inner_texts()
    assert {"期限", "債権", "督促データ出力", "介護保険料加算"} <= set(tabs)

    # 期限: the team's declarations and applications, overdue in red
    open_tab(page, "期限")
    decls = page.locator("#kbc-decl-table")
    decls.wait_for()
    text = decls.inner_text()
    assert "A-0001" in text and "A-0003" in text and "B-0001" not in text
    assert page.locator("#kbc-decl-table tr.kbc-overdue").count() >= 1
    apps = page.locator("#kbc-app-table").inner_text()
    assert "中村 三郎" in apps and "小林 五郎" in apps and "扶養義務者の資産調査" in apps
    assert "期限切れ" in page.locator("#kbc-dl-alerts").inner_text()
    shot(page, "01-sv-deadlines")
    # mark cw1's overdue income declaration processed, with its result
    page.locator("#kbc-decl-update").get_by_text("申告の処理状況を更新する").click()
    choose(page, "#kbc-decl-pick", "A-0001 収入申告")
    page.fill("#kbc-decl-result textarea", "翌月分から収入認定")
    page.click("#kbc-decl-update-submit")
    page.wait_for_selector("#kbc-dl-action .kbc-ok")
    page.wait_for_selector("#kbc-decl-table:not(:has-text('給与明細あり'))")
    assert "処理済" in page.locator("#kbc-dl-action").inner_text()

    # 債権: the team's unpaid claims with a CSV, then a claim's detail and a payment
    open_tab(page, "債権")
    table = page.locator("#kbc-list-table")
    table.wait_for()
    text = table.inner_text()
    assert "A-0001" in text and "A-0003" in text and "B-0001" not in text
    assert ".csv" in page.locator("#kbc-cl-csv").inner_text()
    shot(page, "02-sv-claims-unpaid")
    choose(page, "#kbc-cl-kind", "担当CW別の集計")
    page.wait_for_selector("#kbc-list-title:has-text('担当CW別の集計')")
    shot(page, "03-sv-claims-totals-cw")

    page.fill("#kbc-claim-id textarea, #kbc-claim-id input", "1")
    page.click("#kbc-claim-open")
    page.wait_for_selector("#kbc-claim-title:has-text('債権 1')")
    assert "残高" in page.locator("#kbc-claim-detail").inner_text()
    assert "148,000円" in page.locator("#kbc-claim-detail").inner_text()  # 168,000 − 20,000
    page.locator("#kbc-ev").get_by_text("この債権に記録を追加する").click()
    page.fill("#kbc-ev-amount input", "30,000")
    page.click("#kbc-ev-submit")
    page.wait_for_selector("#kbc-ev-msg:has-text('残高 118,000円')")
    assert "118,000円" in page.locator("#kbc-claim-detail").inner_text()
    # the form changes with the kind of record: a 督促 with its designated deadline
    choose(page, "#kbc-ev-kind", "督促")
    page.wait_for_selector("#kbc-ev-on:has-text('督促日')")
    assert not page.locator("#kbc-ev-amount").is_visible()
    page.click("#kbc-ev-submit")
    page.wait_for_selector("#kbc-ev-msg:has-text('督促を記録しました')")
    assert "指定期限" in page.locator("#kbc-events-table").inner_text()
    shot(page, "04-sv-claim-detail-after-payment")
    # a 破産免責 write-off of this 第78条 claim is refused until the SV ticks the 非免責 confirmation
    choose(page, "#kbc-ev-kind", "不納欠損")
    confirm = page.locator("#kbc-ev-confirm")
    confirm.wait_for(state="visible")
    page.fill("#kbc-ev-amount input", "10000")
    page.fill("#kbc-ev-text textarea", "破産免責")
    page.click("#kbc-ev-submit")
    page.wait_for_selector("#kbc-ev-msg .kbc-err:has-text('免責されない債権')")
    confirm.get_by_text("非免責債権であることを確認した").click()
    page.click("#kbc-ev-submit")
    page.wait_for_selector("#kbc-ev-msg .kbc-ok:has-text('残高 108,000円')")
    assert "確認: sv1" in page.locator("#kbc-ev-msg").inner_text()
    shot(page, "04b-sv-write-off-confirmed")

    # a rule violation is shown in Japanese and nothing is stored: 自立更生費 on a 第78条 claim
    page.locator("#kbc-add").get_by_text("債権を登録する（決定・調定）").click()
    choose(page, "#kbc-add-case", "A-0001")
    page.locator("#kbc-add-basis").get_by_text("第78条 徴収金").click()
    page.fill("#kbc-add-decided textarea, #kbc-add-decided input", dt.date.today().isoformat())
    page.fill("#kbc-add-months textarea", "2026-01=50000")
    page.fill("#kbc-add-deductions textarea", "冷蔵庫=20000=見積書")
    page.click("#kbc-add-submit")
    page.wait_for_selector("#kbc-add-msg .kbc-err")
    assert "自立更生費" in page.locator("#kbc-add-msg").inner_text()
    shot(page, "05-sv-claim-rule-violation")

    # 督促データ出力
    open_tab(page, "督促データ出力")
    page.click("#kbc-dn-export")
    page.wait_for_selector("#kbc-dn-result .kbc-ok")
    result = page.locator("#kbc-dn-result").inner_text()
    assert "送信 3 件" in result and "手紙 1 件" in result
    page.wait_for_selector("#kbc-dn-files:has-text('.sha256')")
    shot(page, "06-sv-dunning-export")

    # 介護保険料加算: upload the premium file
    open_tab(page, "介護保険料加算")
    page.wait_for_selector("#kbc-kg-import-box", state="visible")
    page.locator("#kbc-kg-file input[type=file]").set_input_files(str(KAIGO_SAMPLE))
    page.wait_for_timeout(1000)
    page.click("#kbc-kg-import")
    page.wait_for_selector("#kbc-kg-report .kbc-ok")
    report = page.locator("#kbc-kg-report").inner_text()
    assert "下書き 3 件" in report and "Z-9999" in report
    page.wait_for_selector("#kbc-kg-drafts:has-text('A-0003')")
    shot(page, "07-sv-kaigo-import")

    # 債権: the debtor of claim 2 died; the balance passes to two heirs, listed in the claim's detail
    open_tab(page, "債権")
    page.fill("#kbc-claim-id textarea, #kbc-claim-id input", "2")
    page.click("#kbc-claim-open")
    page.wait_for_selector("#kbc-claim-title:has-text('債権 2')")
    choose(page, "#kbc-ev-kind", "債務者の死亡")
    page.wait_for_selector("#kbc-ev-heirs", state="visible")
    assert not page.locator("#kbc-ev-confirm").is_visible()
    yesterday = (dt.date.today() - dt.timedelta(days=1)).isoformat()
    page.fill("#kbc-ev-died input, #kbc-ev-died textarea", yesterday)
    page.fill("#kbc-ev-heirs textarea", "佐藤 一郎=長男=1/2\n佐藤 二郎=次男=1/2=090-5555-6666")
    page.click("#kbc-ev-submit")
    page.wait_for_selector("#kbc-ev-msg .kbc-ok:has-text('相続人 2 人の債権')")
    detail = page.locator("#kbc-claim-detail").inner_text()
    assert "相続人に承継済" in detail and "佐藤 一郎・長男" in detail and "佐藤 二郎・次男" in detail
    shot(page, "07b-sv-claim-succession")


def test_cw_sees_own_cases_and_no_export(page, server: str) -> None:
    login(page, server, "cw1", "cw1-demo-pass")
    tabs = page.get_by_role("tab").all_inner_texts()
    assert "督促データ出力" not in tabs and "債権" in tabs and "期限" in tabs
    open_tab(page, "債権")
    table = page.locator("#kbc-list-table")
    table.wait_for()
    text = table.inner_text()
    assert "A-0001" in text and "A-0003" not in text
    shot(page, "08-cw-claims")
    # a CW is not offered the write-off, so never sees the 非免責 confirmation
    page.locator("#kbc-ev").get_by_text("この債権に記録を追加する").click()
    page.locator("#kbc-ev-kind input").click()
    options = page.locator("[data-testid=dropdown-option]").all_inner_texts()
    assert "債務者の死亡（相続人への承継）" in options and not any("不納欠損" in o for o in options)
    page.keyboard.press("Escape")
    assert not page.locator("#kbc-ev-confirm").is_visible()
    open_tab(page, "介護保険料加算")
    page.wait_for_selector("#kbc-kg-drafts .kbc-head")
    assert not page.locator("#kbc-kg-import-box").is_visible()  # importing is for SV / admin
    # before approving, the CW sees what a decision on the date entered means for the months already paid
    page.locator("#kbc-kg-decide").get_by_text("下書きを決定する（1件ずつ）").click()
    choose(page, "#kbc-kg-pick", "A-0001")  # by its text: a slow page may still list another dropdown's options
    page.locator("#kbc-kg-on textarea, #kbc-kg-on input").first.fill("2025-07-01")
    page.wait_for_selector("#kbc-kg-preview:has-text('決定日 2025-07-01 で承認すると')")
    assert "追加支給" in page.locator("#kbc-kg-preview").inner_text()
    page.locator("#kbc-kg-refresh").click()  # a refresh keeps the draft picked while it is still pending
    page.wait_for_timeout(1500)
    assert "A-0001" in page.locator("#kbc-kg-pick input").input_value()
    shot(page, "09-cw-kaigo")
