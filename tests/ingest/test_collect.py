"""collect(): folders, manifests, guessed metadata, skipped files, deterministic order."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from ingest import CollectResult, ManifestError, collect
from ingest.detect import guess_meta
from ingest.loaders import Line
from ingest.pdf_writer import write_pdf

LAW = "## 生活保護法\n### 第63条（費用返還義務）\n被保護者が、資力があるにもかかわらず保護を受けたときは、返還しなければならない。\n"
QA = "第13 費用返還及び費用徴収\n問13-5 自立更生費\n(問) 範囲は。\n(答) やむを得ない用途に充てられたものである。\n"
NOTICE = "社援保発0723第1号\n平成24年7月23日\n費用返還の取扱いについて\n1 返還額\n返還額は資力の額を限度とする。\n"

MANIFEST = """
collection = "handbook"

[[document]]
file = "hogohou.md"
kind = "law"
title = "生活保護法"

[[document]]
file = "book.pdf"
kind = "qa"
title = "別冊問答集"

[[document]]
file = "broken.pdf"
kind = "law"
title = "壊れた法令"

[[document]]
file = "memo.docx"
kind = "notice"
title = "メモ"
"""


def build_folder(root: Path) -> Path:
    folder = root / "handbook"
    folder.mkdir()
    (folder / "manifest.toml").write_text(MANIFEST, encoding="utf-8")
    (folder / "hogohou.md").write_text(LAW, encoding="utf-8")
    write_pdf(folder / "book.pdf", QA.splitlines() * 1, header="別冊問答集", footer="サンプル")
    (folder / "broken.pdf").write_bytes(b"%PDF-1.7\nthis file was cut off")
    (folder / "memo.docx").write_bytes(b"PK\x03\x04")
    (folder / "unlisted.md").write_text(LAW, encoding="utf-8")  # not in the manifest: ignored
    return folder


def test_folder_with_manifest_ingests_good_files_and_reports_bad_ones(tmp_path: Path) -> None:
    folder = build_folder(tmp_path)
    result = collect([folder], progress=False)

    assert [d.meta.source for d in result.documents] == ["handbook/book.pdf", "handbook/hogohou.md"]
    book, law = result.documents
    assert law.meta.collection == "handbook" and law.meta.kind == "law" and law.pages is None
    assert [p.label for p in law.passages] == ["生活保護法 第63条"]
    assert law.passages[0].source == "handbook/hogohou.md"
    assert law.content_hash == hashlib.sha256((folder / "hogohou.md").read_bytes()).hexdigest()
    assert book.pages == 1 and [(p.label, p.page) for p in book.passages] == [("問13-5", 1)]

    skipped = {Path(s.path).name: s.reason for s in result.skipped}
    assert set(skipped) == {"broken.pdf", "memo.docx"}
    assert "壊れ" in skipped["broken.pdf"]
    assert "この形式（.docx）は取り込めません" in skipped["memo.docx"]
    assert all("\n" not in reason for reason in skipped.values())


def test_collect_is_deterministic(tmp_path: Path) -> None:
    folder = build_folder(tmp_path)
    first, second = collect([folder], progress=False), collect([folder], progress=False)
    assert first == second


def test_folder_without_manifest_guesses_kinds_and_uses_the_collection_argument(tmp_path: Path) -> None:
    folder = tmp_path / "inbox"
    (folder / "sub").mkdir(parents=True)
    (folder / "b-law.md").write_text(LAW, encoding="utf-8")
    (folder / "a-notice.txt").write_bytes(NOTICE.encode("cp932"))
    (folder / "sub" / "qa.md").write_text(QA, encoding="utf-8")
    (folder / ".hidden.md").write_text(LAW, encoding="utf-8")
    (folder / "empty.md").write_text("\n\n", encoding="utf-8")
    (folder / "prose.md").write_text("## 生活保護法\nただの説明文です。\n", encoding="utf-8")

    result = collect([folder], collection="notices", progress=False)
    docs = {d.meta.source: d for d in result.documents}
    assert list(docs) == ["inbox/a-notice.txt", "inbox/b-law.md", "inbox/prose.md", "inbox/sub/qa.md"]
    assert {d.meta.collection for d in docs.values()} == {"notices"}
    assert [d.meta.kind for d in docs.values()] == ["notice", "law", "notice", "qa"]
    assert docs["inbox/a-notice.txt"].passages[0].label == "費用返還の取扱い (平成24年7月23日 社援保発0723第1号) 1"
    assert docs["inbox/b-law.md"].passages[0].label == "生活保護法 第63条"
    assert [p.label for p in docs["inbox/prose.md"].passages] == ["生活保護法"]  # unnumbered: one passage
    [empty] = result.skipped
    assert empty.path.endswith("empty.md") and "文字がありません" in empty.reason


def test_document_without_units_of_its_declared_kind_is_skipped(tmp_path: Path) -> None:
    folder = tmp_path / "handbook"
    folder.mkdir()
    entry = '[[document]]\nfile = "prose.md"\nkind = "law"\ntitle = "民法"\n'
    (folder / "manifest.toml").write_text(entry, encoding="utf-8")
    (folder / "prose.md").write_text("## 民法\nただの説明文です。\n", encoding="utf-8")
    result = collect([folder], progress=False)
    assert result.documents == []
    assert "区切り" in result.skipped[0].reason and "kind = law" in result.skipped[0].reason


def test_file_argument_source_is_its_name_and_its_folder_manifest_applies(tmp_path: Path) -> None:
    folder = build_folder(tmp_path)
    result = collect([folder / "hogohou.md", tmp_path / "missing.md"], collection="notices", progress=False)
    [doc] = result.documents
    assert doc.meta.source == "hogohou.md" and doc.meta.collection == "handbook"
    assert doc.passages[0].source == "hogohou.md"
    [missing] = result.skipped
    assert missing.path.endswith("missing.md") and "見つかりません" in missing.reason


def test_manifest_entry_without_its_file_is_skipped(tmp_path: Path) -> None:
    folder = tmp_path / "notices"
    folder.mkdir()
    entry = '[[document]]\nfile = "gone.md"\nkind = "notice"\ntitle = "t"\n'
    (folder / "manifest.toml").write_text(entry, encoding="utf-8")
    result = collect([folder], progress=False)
    assert result.documents == [] and "manifest.toml に書かれたファイルが見つかりません" in result.skipped[0].reason


def test_bad_manifest_raises(tmp_path: Path) -> None:
    folder = tmp_path / "notices"
    folder.mkdir()
    (folder / "manifest.toml").write_text('collection = "nope"\n', encoding="utf-8")
    with pytest.raises(ManifestError, match="collection は"):
        collect([folder], progress=False)


def test_same_source_twice_is_skipped_the_second_time(tmp_path: Path) -> None:
    path = tmp_path / "law.md"
    path.write_text(LAW, encoding="utf-8")
    result = collect([path, path], progress=False)
    assert len(result.documents) == 1 and "すでに取り込まれています" in result.skipped[0].reason


def test_progress_bar_goes_to_stderr(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "law.md"
    path.write_text(LAW, encoding="utf-8")
    assert isinstance(collect([path]), CollectResult)
    captured = capsys.readouterr()
    assert captured.out == "" and "取り込み" in captured.err


def test_unknown_collection_argument_is_rejected(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="コレクション"):
        collect([tmp_path], collection="books", progress=False)


@pytest.mark.parametrize(
    ("text", "kind", "ref_prefix"),
    [
        ("問13-5 範囲\n(答) 回答。", "qa", ""),
        ("課長通知\n第8 収入の認定\n問(第8の40) 問い。\n答 回答。", "youryou", "課"),
        ("生活保護法による保護の実施要領について(局長通知)\n第8 収入の認定\n1 原則\n本文。", "youryou", "局"),
        ("第1 趣旨\n1 本文。", "youryou", ""),
        ("社援保発0723第1号\n費用返還の取扱いについて\n第1 趣旨\n1 本文。", "notice", ""),
        ("(目的)\n第1条 この法律は…", "law", ""),
        ("お知らせ\n本文です。", "notice", ""),
    ],
)
def test_kind_detection(text: str, kind: str, ref_prefix: str) -> None:
    meta = guess_meta([Line(t) for t in text.splitlines()], source="x/doc.md", collection="notices")
    assert (meta.kind, meta.ref_prefix) == (kind, ref_prefix)


def test_guessed_titles() -> None:
    def title(text: str) -> str:
        return guess_meta([Line(t) for t in text.splitlines()], source="x/doc.md", collection="notices").title

    assert title("※ サンプルです。\n生活保護法施行規則(昭和25年厚生省令第21号)抄\n(申請)\n第1条 本文。") == "生活保護法施行規則"
    assert title("## 民法\n### 第896条(相続)\n本文。") == "民法"
    assert title("事務連絡\n令和5年3月31日\n介護保険料の納付について(通知)\n本文。") == "介護保険料の納付について"
    assert title("第1条 本文。") == "doc"
