"""The walkthrough in docs/claims.md runs as written: every command, its exit code and the output shown."""

from __future__ import annotations

import io
import re
import shlex
from pathlib import Path

from kb_bot.cli import main

DOC = Path(__file__).resolve().parents[2] / "docs" / "claims.md"
DEMO_HOME = "/tmp/kb-bot-claims-demo"


def _steps(text: str) -> list[tuple[str, list[str]]]:
    """(command line, expected output lines) from the ```console blocks."""
    steps: list[tuple[str, list[str]]] = []
    for block in re.findall(r"```console\n(.*?)```", text, flags=re.DOTALL):
        for line in block.splitlines():
            if line.startswith("$ "):
                steps.append((line[2:], []))
            elif line.strip():
                steps[-1][1].append(line.strip())
    return steps


def test_walkthrough(db_url, tmp_path, monkeypatch, capsys):
    monkeypatch.delenv("KB_BOT_CONFIG", raising=False)
    monkeypatch.setenv("KB_BOT_DATABASE_URL", db_url)
    monkeypatch.chdir(DOC.parents[1])
    steps = _steps(DOC.read_text(encoding="utf-8"))
    assert len(steps) > 25
    for command, expected in steps:
        command = command.replace(DEMO_HOME, str(tmp_path))
        command, _, comment = command.partition("  # ")
        if command.startswith("export "):
            name, _, value = command[len("export ") :].partition("=")
            monkeypatch.setenv(name, shlex.split(value)[0])
            continue
        stdin = ""
        if " | kb-bot " in command:
            echo, _, command = command.partition(" | ")
            stdin = shlex.split(echo)[1] + "\n"
        argv = shlex.split(command)
        assert argv[0] == "kb-bot"
        monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
        code = main(argv[1:])
        out, err = capsys.readouterr()
        wanted = int(comment.removeprefix("exit ")) if comment.startswith("exit ") else 0
        assert code == wanted, f"{command}\n{out}{err}"
        shown = [line.strip() for line in (out + err).splitlines()]
        for line in expected:
            assert line in shown, f"{command}: missing {line!r} in\n{out}{err}"
