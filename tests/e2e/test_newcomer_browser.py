"""A newcomer's first hour, in a real browser (issue 12's "done when").

The app starts as ``make run`` starts it, with no ``KB_BOT_HOME`` (the one default home): first on a port
that is taken (a Japanese line naming the flag), then on a chosen free port. ``kb-bot ask`` from the command
line answers from the index the app built. In the browser: Enter asks, an empty question is answered with a
message, two questions in quick succession each get their own answer block, the SV queue merges repeats
and keeps its count in step after 修正して承認, an off-topic question stays out of it, an export is downloaded
once through its own route, the audit view reads in Japanese, and 「ログアウト」 stays on one line at 800 px.
Skipped only when Chromium is missing and ``CI`` is unset.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator

import httpx
import pytest

from tests.e2e.harness import REPO, login, need_chromium

pytestmark = pytest.mark.browser

REPEATED = "保険金を申告せずに使ってしまった場合、63条と78条のどちらを適用するか"
FIRST = "自立更生費として控除できるものは"
SECOND = "分納の取扱いはどうなりますか"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def newcomer_env(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """A fresh user's environment: no KB_BOT_* variables, a private XDG data folder (the default home)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("KB_BOT_")}
    env.update(XDG_DATA_HOME=str(tmp_path_factory.mktemp("xdg")), KB_BOT_EMBED_MODEL="none", PYTHONUNBUFFERED="1")
    return env


@pytest.fixture(scope="module")
def server(newcomer_env: dict[str, str], tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    need_chromium()
    with socket.socket() as taken:  # another program holds the usual port
        taken.bind(("127.0.0.1", 0))
        taken.listen(1)
        busy = taken.getsockname()[1]
        refused = subprocess.run([sys.executable, "app.py", "--demo", "--port", str(busy)], cwd=REPO,
                                 env=newcomer_env, capture_output=True, text=True, timeout=60)
    assert refused.returncode == 2 and f"ポート {busy} は他のプログラムが使用中です" in refused.stderr
    assert "--port" in refused.stderr and "Traceback" not in refused.stderr

    port = _free_port()  # the newcomer picks another one
    log_path = tmp_path_factory.mktemp("newcomer-log") / "server.log"
    with log_path.open("w") as log:
        proc = subprocess.Popen([sys.executable, "app.py", "--demo", "--port", str(port)], cwd=REPO,
                                env=newcomer_env, stdout=log, stderr=subprocess.STDOUT)
        url = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + 180
            while True:
                assert proc.poll() is None, log_path.read_text()
                try:
                    if httpx.get(url + "/healthz", timeout=2).status_code == 200:
                        break
                except httpx.HTTPError:
                    pass
                assert time.monotonic() < deadline, log_path.read_text()
                time.sleep(0.5)
            yield url
        finally:
            proc.terminate()
            proc.wait(timeout=20)
    assert "Traceback" not in log_path.read_text(), "an ordinary session leaves no traceback in the server log"


def _logout(page) -> None:
    page.click("#kb-logout")
    page.wait_for_url("**/login")


def _ask_with_enter(page, question: str) -> None:
    box = page.locator("#kb-question textarea")
    box.fill(question)
    box.press("Enter")


def _answered(page, question: str) -> None:
    page.locator("#kb-answer .kb-answer .kb-question", has_text=question).wait_for()


def test_the_cli_answers_from_the_apps_index(server: str, newcomer_env: dict[str, str]) -> None:
    ask = subprocess.run([sys.executable, "-m", "kb_bot.cli", "ask", "--json", FIRST], cwd=REPO, env=newcomer_env,
                         capture_output=True, text=True, timeout=180)
    assert ask.returncode == 0, ask.stderr
    assert json.loads(ask.stdout)["citations"]


def test_enter_asks_an_empty_question_is_answered_and_two_quick_questions_keep_their_answers(
        page, server: str) -> None:
    login(page, server, "cw2", "cw2-demo-pass")
    page.click("#kb-ask")  # nothing typed
    page.wait_for_selector("#kb-answer:has-text('質問を入力してください')")

    _ask_with_enter(page, FIRST)
    # a person types the next question only after the first was sent: wait until the app shows it (in progress or
    # answered) — Playwright would otherwise refill the box within the same millisecond, before Gradio reads it
    page.locator("#kb-answer .kb-question", has_text=FIRST).wait_for()
    _ask_with_enter(page, SECOND)  # while the first may still be answered: it waits, it is not dropped
    _answered(page, SECOND)
    block = page.locator("#kb-answer .kb-answer")
    assert block.count() == 1 and SECOND in block.inner_text() and FIRST not in block.inner_text()
    assert page.locator("#kb-ask").is_enabled()
    assert "検索方式 語句検索" in block.inner_text() and "lexical" not in block.inner_text()

    page.get_by_role("tab", name="履歴").click()
    history = page.locator("#kb-history")
    history.locator("details.kb-turn", has_text=SECOND).first.wait_for()
    asked = history.locator("details.kb-turn > summary strong").all_inner_texts()
    assert asked.count(FIRST) == 1 and asked.count(SECOND) == 1


def test_the_sv_queue_merges_repeats_and_keeps_its_count(page, server: str) -> None:
    for cw in ("cw1", "cw2"):
        login(page, server, cw, f"{cw}-demo-pass")
        _ask_with_enter(page, REPEATED)
        _answered(page, REPEATED)
        assert "自動でSV確認に回りました" in page.locator("#kb-review-status").inner_text()
        if cw == "cw1":
            _ask_with_enter(page, "明日の東京の天気は晴れますか")  # off-topic: not sent to the SV
            _answered(page, "明日の東京の天気")
            assert "自動でSV確認に回りました" not in page.locator("#kb-answer").inner_text()
        _logout(page)

    login(page, server, "sv1", "sv1-demo-pass")
    page.get_by_role("tab", name="SV確認").click()
    page.wait_for_selector("#kb-queue-count:has-text('確認待ち')")
    items = page.locator("#kb-queue label")
    before = items.count()
    assert f"確認待ち {before} 件" in page.locator("#kb-queue-count").inner_text()
    merged = items.filter(has_text="63条と78条のどちらを適用するか")
    assert merged.count() == 1 and "同じ質問 2 件" in merged.inner_text() and "理由: " in merged.inner_text()
    assert items.filter(has_text="天気").count() == 0
    merged.click()
    page.locator("#kb-queue-detail .kb-review").wait_for()
    assert "判断はその全件に適用されます" in page.locator("#kb-queue-detail").inner_text()
    page.fill("#kb-corrected textarea", "申告の指示後に費消した分は法第78条で扱う。[1]")
    page.click("#kb-correct")
    page.wait_for_selector("#kb-queue-result:has-text('修正して承認しました')")
    page.wait_for_function(f"document.querySelectorAll('#kb-queue label').length === {before - 1}")
    count = page.locator("#kb-queue-count").inner_text()
    assert (f"確認待ち {before - 1} 件" in count) if before > 1 else ("ありません" in count)

    page.click("#kb-export")  # the export: a one-time link on the app's own route
    link = page.locator("#kb-export-file a.kb-download")
    link.wait_for()
    href = link.get_attribute("href")
    assert href.startswith("/exports/") and "gradio_api" not in href
    first = page.request.get(server + href)
    assert first.status == 200 and REPEATED in first.body().decode("utf-8-sig")
    assert page.request.get(server + href).status == 404
    _logout(page)


def test_admin_reads_the_audit_log_in_japanese_and_logout_fits_at_800px(page, server: str) -> None:
    page.set_viewport_size({"width": 800, "height": 900})
    login(page, server, "admin", "admin-demo-pass")
    assert page.eval_on_selector("#kb-logout", "e => e.getClientRects().length") == 1  # one line
    page.get_by_role("tab", name="管理").click()
    page.wait_for_selector("#kb-audit:has-text('ログイン')")
    audit = page.locator("#kb-audit").inner_text()
    assert "login" not in audit.split() and "{'" not in audit and "review.correct" not in audit
