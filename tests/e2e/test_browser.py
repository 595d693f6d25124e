"""Real-browser end-to-end test: the app in a subprocess, Debian's headless Chromium driven by Playwright.

Flow (the issue's "done when"): a CW logs in, asks a 63/78 question, sees the answer, the citations and the
flag, and sends it to the SV with a comment; the SV logs in and corrects it; the CW logs back in and sees
the outcome; a later similar question surfaces the SV-approved answer. Screenshots go to
``test-artifacts/e2e/`` (gitignored). Skipped only when Chromium is missing and ``CI`` is unset.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from kb_bot import DISCLAIMER
from tests.e2e.harness import REPO, login, need_chromium, running_app

pytestmark = pytest.mark.browser

ARTIFACTS = REPO / "test-artifacts" / "e2e"
QUESTION = "保険金を申告せずに使ってしまった場合、63条と78条のどちらを適用するかの判断基準は"
LATER = "保険金を申告しないで使った場合に63条と78条のどちらを適用するかの判断基準を教えて"
CORRECTION = ("申告の指示をしていたのに申告せず費消した期間は法第78条、資力の発生から受領までは法第63条で扱う。[1]"
              "適用はケース診断会議で組織として決める。[2]")


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """``python app.py --demo`` with a fresh KB_BOT_HOME (ingests corpus/ on start)."""
    need_chromium()
    with running_app(tmp_path_factory.mktemp("e2e-home"), "--demo") as url:
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        yield url


def shot(page, name: str) -> None:
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def logout(page) -> None:
    page.click("#kb-logout")
    page.wait_for_url("**/login")


def ask(page, question: str) -> None:
    page.get_by_role("tab", name="質問する").click()
    page.fill("#kb-question textarea", question)
    page.click("#kb-ask")
    page.wait_for_selector("#kb-answer .kb-answer")


def test_cw_asks_sv_corrects_cw_sees_outcome_and_office_answer(page, server: str) -> None:
    # -- the CW asks a 63/78 question ------------------------------------------------------------------------
    page.goto(server + "/login")
    shot(page, "01-login")
    login(page, server, "cw1", "cw1-demo-pass")
    tabs = page.get_by_role("tab").all_inner_texts()
    assert "質問する" in tabs and "履歴" in tabs and "SV確認" not in tabs and "管理" not in tabs
    ask(page, QUESTION)
    answer = page.locator("#kb-answer")
    assert DISCLAIMER in answer.inner_text()
    assert answer.locator(".kb-answer-text .kb-marker").count() >= 1
    cites = answer.locator(".kb-cite")
    assert cites.count() >= 3
    assert all(label.strip() for label in answer.locator(".kb-cite-label").all_inner_texts())
    cited = answer.locator(".kb-citations").inner_text()
    assert "第63条" in cited and "第78条" in cited
    assert answer.locator(".kb-cite mark").count() > 0  # matching words highlighted
    assert "索引の版" in answer.inner_text()
    assert answer.locator(".kb-checklist li").count() >= 2  # the 63/78 checklist
    full = cites.first.locator("details")
    full.locator("summary").click()  # open the whole passage
    assert full.locator(".kb-cite-full").is_visible()
    assert "63条・78条の判断" in answer.locator(".kb-flags").inner_text()  # flagged by rule
    shot(page, "02-cw-answer")

    page.fill("#kb-review-comment textarea", "申告の指示はケース記録に残っています。78条でよいか確認をお願いします")
    page.click("#kb-request-review")
    page.wait_for_selector("#kb-review-status:has-text('SVに送りました')")
    shot(page, "03-cw-sent-to-sv")
    logout(page)

    # -- the SV corrects it --------------------------------------------------------------------------------------
    login(page, server, "sv1", "sv1-demo-pass")
    assert "SV確認待ち" in page.locator("#kb-alerts-box").inner_text()
    page.get_by_role("tab", name="SV確認").click()
    item = page.locator("#kb-queue label", has_text="保険金を申告せずに")
    item.first.wait_for()
    shot(page, "04-sv-queue")
    item.first.click()
    detail = page.locator("#kb-queue-detail")
    detail.locator(".kb-review").wait_for()
    assert "78条でよいか確認をお願いします" in detail.inner_text()  # the CW's comment
    assert DISCLAIMER in detail.inner_text() and detail.locator(".kb-cite").count() >= 3
    page.fill("#kb-corrected textarea", CORRECTION)
    page.fill("#kb-note textarea", "原本で確認済み。ケース診断会議に諮ってください")
    shot(page, "05-sv-correcting")
    page.click("#kb-correct")
    page.wait_for_selector("#kb-queue-result:has-text('修正して承認しました')")
    shot(page, "06-sv-corrected")
    logout(page)

    # -- the CW sees the outcome -------------------------------------------------------------------------------
    login(page, server, "cw1", "cw1-demo-pass")
    assert "SVが確認した質問が" in page.locator("#kb-alerts-box").inner_text()
    page.get_by_role("tab", name="履歴").click()
    turn = page.locator("#kb-history details.kb-turn", has_text="保険金を申告せずに").first
    turn.wait_for()
    summary = turn.locator(":scope > summary")
    assert "SVが修正" in summary.inner_text()
    summary.click()
    outcome = turn.locator(".kb-outcome").first
    assert "申告の指示をしていたのに" in outcome.inner_text() and "ケース診断会議に諮って" in outcome.inner_text()
    assert "佐藤SV" in outcome.inner_text()
    shot(page, "07-cw-history-outcome")

    # -- a later similar question surfaces the SV-approved answer ----------------------------------------------
    ask(page, LATER)
    office = page.locator("#kb-answer .kb-office")
    office.wait_for()
    text = office.inner_text()
    assert "SV確認済み回答" in text and "佐藤SV" in text and "申告の指示をしていたのに" in text
    assert DISCLAIMER in page.locator("#kb-answer").inner_text()
    shot(page, "08-cw-later-question-office-answer")


def test_abstain_offers_the_sv_and_roles_hide_other_tabs(page, server: str) -> None:
    login(page, server, "cw3", "cw3-demo-pass")
    ask(page, "明日の天気予報を教えてください")
    answer = page.locator("#kb-answer")
    assert "十分な根拠は見つかりませんでした" in answer.inner_text()
    assert DISCLAIMER in answer.inner_text()
    assert page.locator("#kb-request-review").is_visible()  # offer to send it to the SV
    shot(page, "09-cw-abstained")
    logout(page)
    login(page, server, "sv2", "sv2-demo-pass")  # the other team's SV: cw1's question is not theirs
    page.get_by_role("tab", name="SV確認").click()
    page.wait_for_selector("#kb-queue-count:has-text('確認待ち')")
    assert page.locator("#kb-queue label", has_text="保険金を申告せずに").count() == 0
    shot(page, "10-other-team-sv-queue")
    logout(page)
    login(page, server, "admin", "admin-demo-pass")
    page.get_by_role("tab", name="管理").click()
    page.wait_for_selector("#kb-audit:has-text('SV確認: 修正して承認')")
    shot(page, "11-admin-audit")
