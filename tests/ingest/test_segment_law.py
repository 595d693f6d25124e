"""Law segmenter: articles, paragraphs, captions, chapters, 附則; both the Markdown and the book form."""

from __future__ import annotations

from pathlib import Path

from ingest.loaders import Line, load
from ingest.segment import segment
from kb_bot.passage import DocumentMeta
from tests.ingest.samples import LAW_XML

META = DocumentMeta(source="handbook/hogohou.md", collection="handbook", kind="law", title="生活保護法")

LONG = "保護の実施機関は、その費用の全部又は一部を、その者から徴収することができる。" * 6  # > 200 chars

BOOK_FORM = f"""
※ この文書は研修用のサンプルです。条文の原文ではありません。
生活保護法(抄)
第八章　被保護者の権利及び義務
（費用返還義務）
第六十三条　被保護者が、急迫の場合等において資力があるにもかかわらず、保護を受けたときは、すみやかに返還しなければならない。
２　前項の返還額は、保護の実施機関が定める。
第十二章　費用
（費用等の徴収）
第七十八条　不正な手段により保護を受けた者があるときは、{LONG}
２　偽りその他不正の行為によつて費用の支払を受けた指定医療機関があるときは、{LONG}
一　指定医療機関
二　指定介護機関
第七十八条の二　被保護者は、保護金品の一部を徴収金の納入に充てる旨を申し出ることができる。
附　則
１　この法律は、公布の日から施行する。
２　経過措置を定める。
"""

MARKDOWN_FORM = """
## 生活保護法施行規則
### 第22条の3（法第77条の2の徴収の対象から除かれる場合）
徴収することが適当でない場合として省令で定めるときは、次のとおりとする。
一　保護の実施機関の責めに帰すべき事由によつて費用が支弁された場合
#### 第2項
前項に定めるもののほか、必要な事項は別に定める。
"""


def lines(text: str) -> list[Line]:
    return [Line(t) for t in text.strip().splitlines()]


def test_book_form_articles_paragraphs_captions_and_chapters() -> None:
    passages = segment(lines(BOOK_FORM), META)
    by_label = {p.label: p for p in passages}
    assert [p.label for p in passages] == [
        "生活保護法 第63条",
        "生活保護法 第78条第1項",
        "生活保護法 第78条第2項",
        "生活保護法 第78条の2",
        "生活保護法 附則",
    ]
    art63 = by_label["生活保護法 第63条"]
    assert art63.headings == ("第8章 被保護者の権利及び義務", "(費用返還義務)")
    assert art63.text.startswith("被保護者が、急迫の場合等")
    assert art63.text.endswith("\n2 前項の返還額は、保護の実施機関が定める。")  # short: one passage for the article
    assert all(p.title == "生活保護法" and p.source == META.source and p.collection == "handbook" for p in passages)

    para2 = by_label["生活保護法 第78条第2項"]
    assert para2.headings == ("第12章 費用", "(費用等の徴収)")
    assert para2.text.startswith("偽りその他") and para2.text.endswith("一 指定医療機関\n二 指定介護機関")
    assert by_label["生活保護法 第78条の2"].headings == ("第12章 費用",)  # no caption line of its own
    assert by_label["生活保護法 附則"].headings == ("附則",)
    assert by_label["生活保護法 附則"].text == "この法律は、公布の日から施行する。\n2 経過措置を定める。"


def test_preamble_is_not_a_passage() -> None:
    passages = segment(lines(BOOK_FORM), META)
    assert not any("サンプル" in p.text for p in passages)


def test_markdown_form_with_paragraph_headings() -> None:
    meta = DocumentMeta(source="handbook/kisoku.md", collection="handbook", kind="law", title="生活保護法施行規則")
    [passage] = segment(lines(MARKDOWN_FORM), meta)
    assert passage.label == "生活保護法施行規則 第22条の3"
    assert passage.headings == ("(法第77条の2の徴収の対象から除かれる場合)",)
    assert passage.text == (
        "徴収することが適当でない場合として省令で定めるときは、次のとおりとする。\n"
        "一 保護の実施機関の責めに帰すべき事由によつて費用が支弁された場合\n"
        "2 前項に定めるもののほか、必要な事項は別に定める。"
    )


def test_a_reference_at_a_line_start_is_not_an_article() -> None:
    text = "第63条 本文である。\n第4条の規定により補足する。\n2 第2項。"
    [passage] = segment(lines(text), META)
    assert passage.text == "本文である。\n第4条の規定により補足する。\n2 第2項。"


def test_paragraph_numbers_must_follow_in_order() -> None:
    text = "第10条 保護は、世帯を単位とする。\n3 人以上の世帯については別に定める。"
    [passage] = segment(lines(text), META)
    assert passage.label == "生活保護法 第10条"
    assert "3 人以上" in passage.text


def test_supplementary_articles_are_labelled_as_such() -> None:
    text = "第1条 本則。\n附則\n第1条 この省令は、公布の日から施行する。"
    labels = [p.label for p in segment(lines(text), META)]
    assert labels == ["生活保護法 第1条", "生活保護法 附則第1条"]


def test_long_single_paragraph_article_is_split_into_parts_keeping_the_label() -> None:
    text = "第78条 " + "不正な手段により保護を受けた者からは、その費用の全部又は一部を徴収することができる。" * 30
    passages = segment(lines(text), META)
    assert len(passages) > 2
    assert [p.part for p in passages] == list(range(1, len(passages) + 1))
    assert {p.label for p in passages} == {"生活保護法 第78条"}
    assert len({p.id for p in passages}) == len(passages)


def test_egov_xml_is_segmented_as_a_law(tmp_path: Path) -> None:
    path = tmp_path / "hogohou.xml"
    path.write_text(LAW_XML, encoding="utf-8")
    passages = segment(load(path), META)
    assert [p.label for p in passages] == ["生活保護法 第77条の2", "生活保護法 第78条", "生活保護法 附則"]
    assert passages[0].headings == ("第12章 費用", "(急迫保護に係る費用の徴収)")
    assert passages[0].text.endswith("2 前項の規定による徴収金は、国税徴収の例により徴収することができる。")


def test_repeated_label_gets_a_suffix_so_ids_stay_unique() -> None:
    passages = segment(lines("第1条 一つ目。\n第1条 二つ目。"), META)
    assert [p.label for p in passages] == ["生活保護法 第1条", "生活保護法 第1条 (2)"]
    assert passages[0].id != passages[1].id
