"""`kb-bot ingest` sends SV確認済み回答 whose cited passages changed back to the queue."""

from __future__ import annotations

from pathlib import Path

from kb_bot.chat.review import requeue_after_ingest
from kb_bot.cli import main
from kb_bot.db import session_scope


def _hou(folders: list[Path]) -> Path:
    return next(p for p in folders if p.name == "handbook") / "hou.md"


def test_no_database_yet_is_skipped_silently(settings, capsys) -> None:
    db_file = Path(settings.db_url.removeprefix("sqlite:///"))
    assert not db_file.exists()
    assert requeue_after_ingest(settings, ["abc"], "v") is None
    assert not db_file.exists()  # nothing was created
    assert capsys.readouterr().err == ""


def test_ingest_without_a_chat_database_says_nothing_about_it(home, mini_corpus, capsys) -> None:
    assert main(["ingest", *map(str, mini_corpus)]) == 0
    hou = _hou(mini_corpus)
    hou.write_text(hou.read_text().replace("返還しなければならない", "返還する"))
    assert main(["ingest", *map(str, mini_corpus)]) == 0
    err = capsys.readouterr().err
    assert "SV確認" not in err and "データベース" not in err


def test_reingest_requeues_answers_citing_changed_passages(home, mini_corpus, db_url, engine, people, monkeypatch,
                                                         capsys) -> None:
    from kb_bot.chat.models import ChatTurn
    from kb_bot.chat.service import ChatService
    from kb_bot.settings import load_settings

    monkeypatch.setenv("KB_BOT_DATABASE_URL", db_url)
    assert main(["ingest", *map(str, mini_corpus)]) == 0
    svc = ChatService(load_settings(), engine)
    r = svc.ask(people.cw1, "徴収金の納付に充てる旨を申し出た場合に交付の際に徴収できるか")
    other = svc.ask(people.cw1, "資産と能力を活用することが保護の要件か")
    changed = "生活保護法 第78条の2"
    assert changed in {c.label for c in r.answer.citations if c.n in r.answer.used}
    assert changed not in {c.label for c in other.answer.citations if c.n in other.answer.used}
    for t in (r, other):
        svc.request_review(people.cw1, t.turn_id)
        svc.act(people.sv1, t.turn_id, "approve")
    capsys.readouterr()

    hou = _hou(mini_corpus)
    hou.write_text(hou.read_text().replace("交付の際に徴収できる。", "交付の際に徴収することができる。"))
    assert main(["ingest", *map(str, mini_corpus)]) == 0
    assert "SV確認済み回答 1 件を、SV確認待ちに戻しました" in capsys.readouterr().err
    with session_scope(engine) as s:
        turn = s.get(ChatTurn, r.turn_id)
        assert turn.review_status == "pending" and "source_changed" in turn.flags
        assert s.get(ChatTurn, other.turn_id).review_status == "approved"
    assert [t["id"] for t in svc.queue(people.sv1)] == [r.turn_id]


def test_the_pipeline_entry_point_requeues_whatever_surface_called_it(chat_env, service, people,
                                                                     mini_corpus) -> None:
    """serve --demo and the evaluation call ``ingest.pipeline.ingest`` too: the re-queue happens there."""
    from ingest.pipeline import ingest
    from kb_bot.chat.models import ChatTurn

    r = service.ask(people.cw1, "徴収金の納付に充てる旨を申し出た場合に交付の際に徴収できるか")
    service.request_review(people.cw1, r.turn_id)
    service.act(people.sv1, r.turn_id, "approve")

    unchanged = ingest(mini_corpus, chat_env, progress=False)
    assert unchanged.requeued == 0
    hou = _hou(mini_corpus)
    hou.write_text(hou.read_text().replace("交付の際に徴収できる。", "交付の際に徴収することができる。"))
    report = ingest(mini_corpus, chat_env, progress=False)
    assert report.requeued == 1
    with session_scope(service.engine) as s:
        assert s.get(ChatTurn, r.turn_id).review_status == "pending"


def test_only_the_surfaces_reach_the_pipeline_and_only_through_its_entry_point() -> None:
    root = Path(__file__).resolve().parents[2] / "kb_bot"
    reaching: dict[str, set[str]] = {}
    for path in root.rglob("*.py"):
        for line in path.read_text(encoding="utf-8").splitlines():
            words = line.split()
            if words[:1] in (["from"], ["import"]) and len(words) > 1 and words[1].split(".")[0] == "ingest":
                reaching.setdefault(str(path.relative_to(root)), set()).add(line.strip())
    assert set(reaching) == {"commands/search.py", "commands/serve.py", "evaluation/runner.py"}
    lines = set().union(*reaching.values())
    assert {line.split(" import ")[0] for line in lines} == {"from ingest.pipeline"}
    # the entry point, its error, and (for kb-bot doctor) the fingerprints that say whether the next run redoes work
    assert {name.strip() for line in lines for name in line.split(" import ")[1].split(",")} == {
        "IngestFailed", "ingest", "fingerprints"}
