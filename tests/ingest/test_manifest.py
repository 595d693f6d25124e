"""manifest.toml: metadata per file, and clear errors for a manifest that cannot be used."""

from __future__ import annotations

from pathlib import Path

import pytest

from ingest.manifest import ManifestError, read_manifest
from kb_bot.passage import DocumentMeta

MANIFEST = """
collection = "notices"

[[document]]
file = "h24.md"
kind = "notice"
title = "生活保護費の費用返還及び費用徴収決定の取扱いについて"
short_title = "費用返還及び費用徴収決定の取扱い"
issuer = "厚生労働省社会・援護局保護課長"
date = "平成24年7月23日"
number = "社援保発0723第1号"
effective = 2012-07-23
replaces = ["old/h20.md"]

[[document]]
file = "old/h20.md"
kind = "notice"
title = "旧通知について"
status = "superseded"
"""

DOC = '[[document]]\nfile = "a.md"\n'


def manifest(tmp_path: Path, text: str, folder: str = "notices") -> Path:
    path = tmp_path / folder
    path.mkdir(exist_ok=True)
    (path / "manifest.toml").write_text(text, encoding="utf-8")
    return path


def test_entries_are_keyed_by_source_with_all_fields(tmp_path: Path) -> None:
    metas = read_manifest(manifest(tmp_path, MANIFEST))
    assert list(metas) == ["notices/h24.md", "notices/old/h20.md"]
    assert metas["notices/h24.md"] == DocumentMeta(
        source="notices/h24.md",
        collection="notices",
        kind="notice",
        title="生活保護費の費用返還及び費用徴収決定の取扱いについて",
        short_title="費用返還及び費用徴収決定の取扱い",
        issuer="厚生労働省社会・援護局保護課長",
        date="平成24年7月23日",
        number="社援保発0723第1号",
        effective="2012-07-23",
        replaces=("notices/old/h20.md",),
    )
    assert metas["notices/old/h20.md"].status == "superseded"


def test_prefix_and_default_collection(tmp_path: Path) -> None:
    folder = manifest(tmp_path, DOC + 'kind = "law"\ntitle = "民法"\n')
    metas = read_manifest(folder, prefix="", default_collection="handbook")
    assert list(metas) == ["a.md"] and metas["a.md"].collection == "handbook"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("collection = [", "TOMLの書式が正しくありません"),
        ('collection = "books"\n[[document]]\nfile="a.md"\nkind="law"\ntitle="t"', "collection は"),
        ('collection = "notices"', r"\[\[document\]\] がありません"),
        (DOC + 'kind = "law"', "title を書いてください"),
        (DOC + 'kind = "statute"\ntitle = "t"', "kind は law / youryou / qa / notice"),
        (DOC + 'kind = "law"\ntitle = "t"\nshorttitle = "x"', "不明な項目 shorttitle"),
        ('[[document]]\nfile = "../a.md"\nkind = "law"\ntitle = "t"', "相対パス"),
        (DOC + 'kind = "law"\ntitle = "t"\n' + DOC + 'kind = "law"\ntitle = "u"', "2回"),
        (DOC + 'kind = "law"\ntitle = "t"\nstatus = "old"', "status は"),
        (DOC + 'kind = "youryou"\ntitle = "t"\nref_prefix = "部"', "ref_prefix は"),
        (DOC + 'kind = "notice"\ntitle = "t"\neffective = "H24.7.23"', "effective は 2024-04-01 の形"),
        (DOC + 'kind = "notice"\ntitle = "t"\nreplaces = ["x.md"]', "replaces の x.md"),
        (DOC + 'kind = "notice"\ntitle = "t"\nreplaces = "x.md"', "replaces はファイル名のリスト"),
        (DOC + 'kind = "notice"\ntitle = 12', "title は文字列"),
    ],
)
def test_bad_manifest_raises_a_clear_error(tmp_path: Path, text: str, message: str) -> None:
    with pytest.raises(ManifestError, match=message) as error:
        read_manifest(manifest(tmp_path, text))
    assert "manifest.toml" in str(error.value) and "\n" not in str(error.value)
