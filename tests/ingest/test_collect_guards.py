"""What ingest refuses, and says why (issue 11 item 8, issue 12 item 6): symlink loops and duplicates,
broken links, bytes that are not text, files above the size limit, entity expansion in XML, a full disk,
files a manifest does not list, and files that are no documents at all."""

from __future__ import annotations

import errno
import random
from pathlib import Path

import pytest

from ingest import collect
from kb_bot.cli import main
from kb_bot.index.store import IndexStore
from kb_bot.settings import load_settings

ROOT = Path(__file__).resolve().parents[2]
LAW = "## 生活保護法\n### 第63条（費用返還義務）\n資力があるにもかかわらず保護を受けたときは、返還しなければならない。\n"
BILLION_LAUGHS = '<?xml version="1.0"?>\n<!DOCTYPE Law [\n <!ENTITY a "aaaaaaaaaa">\n' + "".join(
    f' <!ENTITY {chr(98 + i)} "{("&" + chr(97 + i) + ";") * 10}">\n' for i in range(9)
) + "]>\n<Law><LawBody><LawTitle>&j;</LawTitle></LawBody></Law>\n"


def reasons(result) -> dict[str, str]:
    return {Path(s.path).name: s.reason for s in result.skipped}


def test_a_folder_link_back_to_its_parent_ingests_each_file_once(tmp_path: Path) -> None:
    inbox = tmp_path / "inbox"
    (inbox / "sub").mkdir(parents=True)
    (inbox / "law.md").write_text(LAW, encoding="utf-8")
    (inbox / "sub" / "loop").symlink_to(inbox, target_is_directory=True)
    (inbox / "same.md").symlink_to(inbox / "law.md")
    result = collect([inbox], progress=False)
    assert [d.meta.source for d in result.documents] == ["inbox/law.md"]
    assert "シンボリックリンクのフォルダはたどりません" in reasons(result)["loop"]
    assert reasons(result)["same.md"] == "inbox/law.md と同じファイル（リンク）です。重複して取り込みません"


def test_a_broken_link_is_reported_with_its_reason(tmp_path: Path) -> None:
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    (inbox / "gone.md").symlink_to(tmp_path / "deleted.md")
    result = collect([inbox], progress=False)
    assert result.documents == []
    assert reasons(result) == {"gone.md": "リンク先のないシンボリックリンクです。リンクを直すか削除してください"}


@pytest.mark.parametrize("name", ["page.html", "memo.txt", "notes.md", "law.xml"])
def test_random_bytes_named_as_text_are_refused_as_not_text(tmp_path: Path, name: str) -> None:
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    (inbox / name).write_bytes(random.Random(7).randbytes(20_000))
    result = collect([inbox], progress=False)
    assert result.documents == []
    assert reasons(result)[name].startswith("テキストではありません")


def test_shift_jis_and_euc_jp_text_is_still_text(tmp_path: Path) -> None:
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    (inbox / "sjis.txt").write_bytes(LAW.encode("cp932"))
    page = f"<html><head><meta charset='euc-jp'></head><body><h2>生活保護法</h2><p>{LAW}</p></body></html>"
    (inbox / "euc.html").write_bytes(page.encode("euc-jp"))
    assert sorted(d.meta.source for d in collect([inbox], progress=False).documents) == ["inbox/euc.html", "inbox/sjis.txt"]


def test_files_above_the_size_limit_are_refused_with_the_setting_to_change(tmp_path: Path, monkeypatch) -> None:
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    (inbox / "small.md").write_text(LAW, encoding="utf-8")
    (inbox / "huge.md").write_text(LAW * 20_000, encoding="utf-8")  # about 2.6 MB
    result = collect([inbox], progress=False, max_file_bytes=1024 * 1024)
    assert [d.meta.source for d in result.documents] == ["inbox/small.md"]
    assert "大きすぎます" in reasons(result)["huge.md"] and "ingest_max_file_mb" in reasons(result)["huge.md"]
    monkeypatch.setenv("KB_BOT_INGEST_MAX_FILE_MB", "1")
    assert load_settings(home=tmp_path / "home").ingest_max_file_mb == 1


def test_the_size_limit_setting_reaches_the_ingest(tmp_path: Path, monkeypatch, capsys) -> None:
    monkeypatch.setenv("KB_BOT_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("KB_BOT_EMBED_MODEL", "none")
    monkeypatch.setenv("KB_BOT_INGEST_MAX_FILE_MB", "1")
    monkeypatch.delenv("KB_BOT_CONFIG", raising=False)
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    (inbox / "small.md").write_text(LAW, encoding="utf-8")
    (inbox / "huge.md").write_text(LAW * 20_000, encoding="utf-8")
    assert main(["ingest", str(inbox)]) == 0
    out = capsys.readouterr().out
    assert "huge.md: ファイルが大きすぎます" in out and "上限 1 MB" in out


def test_entity_expansion_is_refused_and_the_reason_says_so(tmp_path: Path) -> None:
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    (inbox / "laughs.xml").write_text(BILLION_LAUGHS, encoding="utf-8")
    assert "実体の展開は安全のため受け付けません" in reasons(collect([inbox], progress=False))["laughs.xml"]


def test_unlisted_files_beside_a_manifest_are_reported_with_how_to_list_them(tmp_path: Path, monkeypatch, capsys) -> None:
    folder = tmp_path / "notices"
    folder.mkdir()
    (folder / "manifest.toml").write_text(
        '[[document]]\nfile = "listed.md"\nkind = "law"\ntitle = "生活保護法"\n', encoding="utf-8"
    )
    (folder / "listed.md").write_text(LAW, encoding="utf-8")
    (folder / "new-notice.pdf").write_bytes(b"%PDF-1.7\n")
    (folder / "listed.md.sha1").write_text("0" * 40)
    result = collect([folder], progress=False)
    assert [d.meta.source for d in result.documents] == ["notices/listed.md"]
    assert result.unlisted == [str(folder / "new-notice.pdf")] and result.skipped == []
    monkeypatch.setenv("KB_BOT_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("KB_BOT_EMBED_MODEL", "none")
    monkeypatch.delenv("KB_BOT_CONFIG", raising=False)
    assert main(["ingest", str(folder)]) == 0
    out = capsys.readouterr().out
    assert "manifest.toml に書かれていないため取り込まなかったファイル 1 件" in out
    assert "[[document]] の file・kind・title を書き足してください" in out and "new-notice.pdf" in out


def test_the_sample_corpus_has_no_unreadable_documents(tmp_path: Path) -> None:
    result = collect([ROOT / "corpus"], progress=False)
    assert result.skipped == [] and result.unlisted == []
    assert result.ignored == [str(ROOT / "corpus" / "README.md"), str(ROOT / "corpus" / "tools" / "build_sample_pdf.py")]


@pytest.mark.parametrize("where", ["lock", "version", "switch"])
def test_a_full_disk_is_one_line_and_the_old_version_keeps_serving(tmp_path, monkeypatch, capsys, where) -> None:
    monkeypatch.setenv("KB_BOT_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("KB_BOT_EMBED_MODEL", "none")
    monkeypatch.delenv("KB_BOT_CONFIG", raising=False)
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    (inbox / "law.md").write_text(LAW, encoding="utf-8")
    assert main(["ingest", str(inbox)]) == 0
    store = IndexStore(load_settings().index_dir)
    before = store.current_name()
    (inbox / "law.md").write_text(LAW.replace("返還しなければならない", "返還する"), encoding="utf-8")

    def full(*args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device", str(tmp_path / "home" / "index"))

    target = {"lock": "kb_bot.index.store.json.dumps", "version": "ingest.pipeline.write_version",
              "switch": "kb_bot.index.store.IndexStore._point_at"}[where]
    monkeypatch.setattr(target, full)
    capsys.readouterr()
    assert main(["ingest", str(inbox)]) == 1
    err = capsys.readouterr().err
    messages = [line for line in err.splitlines() if line.strip() and "%|" not in line]  # progress bars aside
    assert len(messages) == 1 and messages[0].startswith("エラー: ディスクの空きがありません"), err
    monkeypatch.undo()
    assert store.current_name() == before and not (store.dir / "ingest.lock").exists()
    assert not list(store.versions_dir.glob(".build-*"))
