"""Helpers of the browser tests: Debian's Chromium, the real app in a subprocess, logging in.

Skipped only when Chromium is missing and ``CI`` is unset (under CI a missing browser fails the run).
"""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

REPO = Path(__file__).resolve().parents[2]
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run"]


def need_chromium() -> None:
    if CHROMIUM.exists():
        return
    if os.environ.get("CI"):
        pytest.fail("/usr/bin/chromium is required when CI is set (apt-get install -y chromium)")
    pytest.skip("Debian's chromium is not installed (apt-get install -y chromium)")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def running_app(home: Path, *args: str, env: dict[str, str] | None = None, timeout: float = 180) -> Iterator[str]:
    """``python app.py ARGS`` on a free loopback port with ``home`` as KB_BOT_HOME; yields its URL."""
    port = _free_port()
    full_env = {k: v for k, v in os.environ.items() if not k.startswith("KB_BOT_")}
    full_env.update(KB_BOT_HOME=str(home), KB_BOT_EMBED_MODEL="none", PYTHONUNBUFFERED="1", **(env or {}))
    log_path = home / "server.log"
    with log_path.open("w") as log:
        proc = subprocess.Popen([sys.executable, "app.py", *args, "--port", str(port)], cwd=REPO, env=full_env,
                                stdout=log, stderr=subprocess.STDOUT)
        url = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + timeout
            while True:
                if proc.poll() is not None:
                    pytest.fail(f"the app exited ({proc.returncode}):\n{log_path.read_text()}")
                try:
                    if httpx.get(url + "/healthz", timeout=2).status_code == 200:
                        break
                except httpx.HTTPError:
                    pass
                if time.monotonic() > deadline:
                    pytest.fail(f"the app did not start:\n{log_path.read_text()}")
                time.sleep(0.5)
            yield url
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()


def login(page, server: str, user: str, password: str) -> None:
    page.goto(server + "/")
    assert page.url.endswith("/login")
    page.fill("#username", user)
    page.fill("#password", password)
    page.click("#login-submit")
    page.wait_for_selector("#kb-user:has-text('ログイン中')")
