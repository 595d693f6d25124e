"""HTML, e-Gov XML and text loaders, and dispatch by extension."""

from __future__ import annotations

from pathlib import Path

import pytest

from ingest.loaders import Line, LoadError, load
from tests.ingest.samples import LAW_XML

NOTICE_HTML = """<!DOCTYPE html>
<html lang="ja"><head><meta charset="utf-8"><title>通知検索｜データベース</title>
<style>body { color: red; }</style><script>var x = "スクリプト";</script></head>
<body>
<header><p>法令等データベース</p></header>
<nav><a href="#">トップ</a> &gt; <a href="#">通知検索</a></nav>
<main>
<p>社援保発０７２３第１号</p>
<h1>生活保護費の費用返還及び
費用徴収決定の取扱いについて</h1>
<p>標記について、<b>下記</b>のとおり
取り扱われたい。</p>
<ol><li>１　返還額の決定</li><li>（１）　原則</li></ol>
<table><tr><th>区分</th><td>金額</td></tr><tr><td>１級地</td><td>７０，０００円</td></tr></table>
<p>改行<br>のある段落</p>
</main>
<footer>お問い合わせ</footer>
</body></html>
"""



def write(tmp_path: Path, name: str, content: str | bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(content.encode("utf-8") if isinstance(content, str) else content)
    return path


def texts(path: Path) -> list[str]:
    return [line.text for line in load(path)]


def test_html_blocks_become_normalised_lines_without_navigation(tmp_path: Path) -> None:
    assert texts(write(tmp_path, "notice.html", NOTICE_HTML)) == [
        "社援保発0723第1号",
        "# 生活保護費の費用返還及び費用徴収決定の取扱いについて",
        "標記について、下記のとおり取り扱われたい。",
        "1 返還額の決定",
        "(1) 原則",
        "区分 金額",
        "1級地 70,000円",
        "改行",
        "のある段落",
    ]


def test_html_without_h1_gets_its_title_as_first_line(tmp_path: Path) -> None:
    page = "<html><head><title>課税調査の徹底について｜法令等DB</title></head><body><p>本文。</p></body></html>"
    assert texts(write(tmp_path, "page.htm", page)) == ["# 課税調査の徹底について", "本文。"]


def test_html_in_shift_jis_is_decoded_from_its_meta_charset(tmp_path: Path) -> None:
    page = '<html><head><meta charset="shift_jis"></head><body><p>保護の実施要領</p></body></html>'
    assert texts(write(tmp_path, "sjis.html", page.encode("cp932"))) == ["保護の実施要領"]


def test_egov_xml_becomes_markdown_law_lines(tmp_path: Path) -> None:
    assert texts(write(tmp_path, "law.xml", LAW_XML)) == [
        "## 生活保護法",
        "第12章 費用",
        "### 第77条の2(急迫保護に係る費用の徴収)",
        "#### 第1項",
        "急迫の場合等において資力があるにもかかわらず、保護を受けた者があるときは、徴収することができる。",
        "一 保護金品 金銭又は物品",
        "#### 第2項",
        "前項の規定による徴収金は、国税徴収の例により徴収することができる。",
        "### 第78条(費用等の徴収)",
        "不正な手段により保護を受けた者から徴収する。",
        "附則",
        "この法律は、公布の日から施行する。",
    ]


def test_indentation_between_xml_sentences_is_not_text(tmp_path: Path) -> None:
    law = """<Law><LawBody><LawTitle>地方自治法</LawTitle><MainProvision>
      <Article Num="236"><ArticleTitle>第二百三十六条</ArticleTitle>
        <Paragraph Num="1"><ParagraphNum/><ParagraphSentence>
          <Sentence Num="1">金銭の給付を目的とする権利は、五年間行使しないときは消滅する。</Sentence>
          <Sentence Num="2">援用を要しない。</Sentence>
        </ParagraphSentence></Paragraph>
      </Article></MainProvision></LawBody></Law>"""
    assert texts(write(tmp_path, "jichi.xml", law))[-1] == "金銭の給付を目的とする権利は、五年間行使しないときは消滅する。援用を要しない。"


def test_malformed_xml_is_reported(tmp_path: Path) -> None:
    with pytest.raises(LoadError, match="XMLの形式が正しくありません"):
        load(write(tmp_path, "broken.xml", "<Law><LawBody><LawTitle>生活保護法</LawBody>"))


def test_xml_that_is_no_law_is_reported(tmp_path: Path) -> None:
    with pytest.raises(LoadError, match="e-Gov法令XMLではありません"):
        load(write(tmp_path, "other.xml", "<rss><channel/></rss>"))


def test_markdown_lines_are_normalised_and_blank_lines_and_comments_dropped(tmp_path: Path) -> None:
    source = "## 生活保護法\n\n<!-- 作成メモ:\n要確認 -->\n### 第六十三条（費用返還義務）\n２　前項\n"
    assert load(write(tmp_path, "law.md", source)) == [
        Line("## 生活保護法"),
        Line("### 第63条(費用返還義務)"),
        Line("2 前項"),
    ]


def test_utf8_bom_is_accepted(tmp_path: Path) -> None:
    assert texts(write(tmp_path, "bom.md", "\ufeff問１３－５　自立更生費")) == ["問13-5 自立更生費"]


def test_cp932_text_file_is_read(tmp_path: Path) -> None:
    path = write(tmp_path, "sjis.txt", "第８　収入の認定\n１　収入の認定の原則\n".encode("cp932"))
    assert texts(path) == ["第8 収入の認定", "1 収入の認定の原則"]


def test_cp932_markdown_is_reported_with_what_to_do(tmp_path: Path) -> None:
    with pytest.raises(LoadError, match=r"Shift_JIS.*UTF-8で保存し直して"):
        load(write(tmp_path, "sjis.md", "収入の認定".encode("cp932")))


def test_utf16_is_reported(tmp_path: Path) -> None:
    with pytest.raises(LoadError, match="UTF-16"):
        load(write(tmp_path, "utf16.txt", "収入の認定".encode("utf-16")))


def test_unknown_extension_is_reported(tmp_path: Path) -> None:
    with pytest.raises(LoadError, match=r"この形式（\.docx）は取り込めません"):
        load(write(tmp_path, "notice.docx", b"PK\x03\x04"))


def test_missing_file_is_a_load_error(tmp_path: Path) -> None:
    with pytest.raises(LoadError, match="ファイルを読み込めません"):
        load(tmp_path / "missing.md")
