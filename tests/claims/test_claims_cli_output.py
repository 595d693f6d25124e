"""A write command whose reader goes away (``kb-bot kaigo import f.csv | head -1``) keeps its change and
prints no traceback (issue 11 item 11): the real command in a child process, its stdout a pipe nobody
reads. The database commands on both backends, and ``kb-bot ingest``."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from sqlalchemy import func, select

from kb_bot.claims.cases import add_case
from kb_bot.claims.models import KaigoBatch, KaigoDraft
from test_claims_kaigo import row, write

ROOT = Path(__file__).resolve().parents[2]


def run_into_closed_pipe(argv: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    read_end, write_end = os.pipe()
    os.close(read_end)  # the reader is gone before the command writes anything
    try:
        return subprocess.run(
            [sys.executable, "-m", "kb_bot.cli", *argv],
            stdout=write_end,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
            cwd=ROOT,
            timeout=120,
            check=False,
        )
    finally:
        os.close(write_end)


def test_kaigo_import_into_a_closed_pipe_stays_committed(session, office, db_url, tmp_path):
    # Enough rows that the report is longer than a pipe's buffer (each draft is one line of output).
    cases = [f"C-{n:04d}" for n in range(120)]
    for number in cases:
        add_case(session, office.admin, number, office.cw1, "山田 太郎")
    session.commit()
    path = write(tmp_path / "premiums.csv", [row(c, f"{n:010d}") for n, c in enumerate(cases)])
    env = {
        **os.environ,
        "KB_BOT_HOME": str(tmp_path / "home"),
        "KB_BOT_DATABASE_URL": db_url,
        "PYTHONPATH": str(ROOT),
    }
    env.pop("KB_BOT_CONFIG", None)
    done = run_into_closed_pipe(["kaigo", "import", str(path), "--actor", "sv1"], env)
    assert "Traceback" not in done.stderr and "BrokenPipeError" not in done.stderr, done.stderr
    assert done.returncode == 0, done.stderr
    session.expire_all()
    assert session.scalar(select(func.count()).select_from(KaigoBatch)) == 1
    assert session.scalar(select(func.count()).select_from(KaigoDraft)) == len(cases)


def test_ingest_into_a_closed_pipe_publishes_and_says_nothing_more(tmp_path):
    from kb_bot.index.store import IndexStore
    from tests.fixtures.core import write_corpus

    folders = write_corpus(tmp_path / "src")
    env = {**os.environ, "KB_BOT_HOME": str(tmp_path / "home"), "KB_BOT_EMBED_MODEL": "none", "PYTHONPATH": str(ROOT)}
    env.pop("KB_BOT_CONFIG", None)
    done = run_into_closed_pipe(["ingest", *map(str, folders)], env)
    assert "Traceback" not in done.stderr and "BrokenPipeError" not in done.stderr, done.stderr
    assert done.returncode == 0
    assert IndexStore(tmp_path / "home" / "index").current_name() is not None
