"""Fixtures of the browser tests: one Chromium per session, a fresh page per test (see harness.py)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.e2e.harness import CHROMIUM, CHROMIUM_ARGS, need_chromium


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    need_chromium()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield b
        b.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1400, "height": 900}, locale="ja-JP")
    context.set_default_timeout(30_000)
    p = context.new_page()
    yield p
    context.close()
