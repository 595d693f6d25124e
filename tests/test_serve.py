"""Starting the app as a newcomer does, without a browser: a taken port fails at once and names the flag, and
``make run`` takes a port and leaves the home to the command's default. The whole newcomer path (the app on a
chosen port, then ``kb-bot ask`` on the app's index) runs in tests/e2e/test_newcomer_browser.py.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]


def _taken_port() -> socket.socket:
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    s.listen(1)
    return s


@pytest.fixture
def default_home_env(tmp_path: Path) -> dict[str, str]:
    """The environment of a fresh user: no KB_BOT_* variables, a private XDG data folder."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("KB_BOT_")}
    env.update(XDG_DATA_HOME=str(tmp_path / "xdg"), KB_BOT_EMBED_MODEL="none", PYTHONUNBUFFERED="1")
    return env


def test_a_taken_port_fails_at_once_with_the_flag_to_use(default_home_env: dict[str, str], tmp_path: Path) -> None:
    with _taken_port() as taken:
        port = taken.getsockname()[1]
        proc = subprocess.run([sys.executable, "app.py", "--demo", "--port", str(port)], cwd=REPO,
                              env=default_home_env, capture_output=True, text=True, timeout=60)
    assert proc.returncode == 2
    assert f"ポート {port} は他のプログラムが使用中です" in proc.stderr
    assert "--port" in proc.stderr and "make run PORT=" in proc.stderr
    assert "Traceback" not in proc.stderr and "address already in use" not in proc.stderr
    assert not (tmp_path / "xdg" / "kb-bot" / "index").exists(), "nothing is ingested before the port is held"


def test_make_run_takes_a_port_and_leaves_the_home_to_the_cli_default() -> None:
    env = {k: v for k, v in os.environ.items() if k != "KB_BOT_HOME"}
    dry = subprocess.run(["make", "-n", "--always-make", "run", "PORT=7871"], cwd=REPO, env=env, capture_output=True,
                         text=True, timeout=60)
    assert dry.returncode == 0, dry.stderr
    assert ".venv/bin/kb-bot serve --demo --port 7871" in dry.stdout
    printed = subprocess.run(["make", "-s", "-f", "Makefile", "-f", "-", "show-home"], cwd=REPO, env=env,
                             input="show-home:\n\t@echo \"[$$KB_BOT_HOME]\"\n", capture_output=True, text=True,
                             timeout=60)
    assert printed.stdout.strip() == "[]", "make run must use the same default home as the kb-bot command"
