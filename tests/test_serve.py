"""Starting the app as a newcomer does: a taken port, a chosen port, and the CLI on the app's home.

The app runs for real in a subprocess (``python app.py --demo``) with no KB_BOT_HOME set, so both the app
and the ``kb-bot`` command fall back on the one documented default home (``$XDG_DATA_HOME/kb-bot``).
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
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


@pytest.fixture
def demo_app(default_home_env: dict[str, str], tmp_path: Path) -> Iterator[str]:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    log = (tmp_path / "server.log").open("w")
    proc = subprocess.Popen([sys.executable, "app.py", "--demo", "--port", str(port)], cwd=REPO,
                            env=default_home_env, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 180
        while True:
            assert proc.poll() is None, (tmp_path / "server.log").read_text()
            try:
                if httpx.get(url + "/healthz", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            assert time.monotonic() < deadline, (tmp_path / "server.log").read_text()
            time.sleep(0.5)
        yield url
    finally:
        proc.terminate()
        proc.wait(timeout=20)
        log.close()


def test_the_cli_answers_from_the_index_the_demo_app_built(demo_app: str, default_home_env: dict[str, str],
                                                           tmp_path: Path) -> None:
    # the app's port is taken now: a second start says so
    port = demo_app.rsplit(":", 1)[1]
    second = subprocess.run([sys.executable, "app.py", "--port", port], cwd=REPO, env=default_home_env,
                            capture_output=True, text=True, timeout=60)
    assert second.returncode == 2 and f"ポート {port} は他のプログラムが使用中です" in second.stderr

    ask = subprocess.run([sys.executable, "-m", "kb_bot.cli", "ask", "--json", "自立更生費として控除できるものは"],
                         cwd=REPO, env=default_home_env, capture_output=True, text=True, timeout=120)
    assert ask.returncode == 0, ask.stderr
    answer = json.loads(ask.stdout)
    assert answer["citations"], answer
    doctor = subprocess.run([sys.executable, "-m", "kb_bot.cli", "doctor"], cwd=REPO, env=default_home_env,
                            capture_output=True, text=True, timeout=120)
    assert f"データフォルダ: {tmp_path / 'xdg' / 'kb-bot'}" in doctor.stdout


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
