"""実施要領 (youryou), 別冊問答集 (qa) and notice segmenters on small inline samples."""

from __future__ import annotations

import itertools

from ingest.loaders import Line
from ingest.segment import segment
from kb_bot.passage import DocumentMeta


def lines(text: str, page: int | None = None) -> list[Line]:
    return [Line(t, page) for t in text.strip().splitlines()]


KYOKU = """
生活保護法による保護の実施要領について
(昭和38年4月1日 社発第246号 厚生省社会局長通知)
第８　収入の認定
１　収入の認定の原則
収入の認定は、月額によること。
（１）　就労に伴う収入
勤労収入は、実際の収入額によって認定すること。
３　収入の認定の方法
（２）　保険金・相続等
ア　保険金
交通事故の保険金は、事故の日から資力があるものとして取り扱うこと。
イ　相続
相続財産は、被相続人の死亡の時から資力があるものとして取り扱うこと。
（ア）　遺産分割前
分割前でも資力の発生時点は変わらない。
"""


def test_youryou_items_labels_and_headings() -> None:
    meta = DocumentMeta("handbook/kyoku.txt", "handbook", "youryou", "生活保護法による保護の実施要領について", ref_prefix="局")
    passages = segment(lines(KYOKU), meta)
    assert [(p.label, p.headings) for p in passages] == [
        ("局第8-1", ("第8 収入の認定",)),  # has text of its own before its first child
        ("局第8-1-(1)", ("第8 収入の認定", "1 収入の認定の原則")),
        ("局第8-3-(2)-ア", ("第8 収入の認定", "3 収入の認定の方法", "(2) 保険金・相続等")),
        ("局第8-3-(2)-イ", ("第8 収入の認定", "3 収入の認定の方法", "(2) 保険金・相続等")),
        ("局第8-3-(2)-イ-(ア)", ("第8 収入の認定", "3 収入の認定の方法", "(2) 保険金・相続等", "イ 相続")),
    ]
    by_label = {p.label: p for p in passages}
    assert by_label["局第8-1"].text == "収入の認定の原則\n収入の認定は、月額によること。"
    assert by_label["局第8-3-(2)-ア"].text == "保険金\n交通事故の保険金は、事故の日から資力があるものとして取り扱うこと。"
    assert not any("社発第246号" in p.text for p in passages)  # the notice header is not a passage


def test_markdown_heading_marks_are_accepted() -> None:
    meta = DocumentMeta("handbook/kyoku.md", "handbook", "youryou", "実施要領", ref_prefix="局")
    text = "# 実施要領\n## 第８　収入の認定\n### １　収入の認定の原則\n月額によること。"
    [passage] = segment(lines(text), meta)
    assert (passage.label, passage.headings) == ("局第8-1", ("第8 収入の認定",))


def test_youryou_chapter_with_text_is_a_passage_labelled_by_the_chapter() -> None:
    meta = DocumentMeta("handbook/jikan.txt", "handbook", "youryou", "実施要領", ref_prefix="次")
    text = "第1 世帯の認定\n同一の住居に居住し、生計を一にしている者は、同一世帯として認定すること。\n第2 実施責任"
    [passage] = segment(lines(text), meta)
    assert (passage.label, passage.headings) == ("次第1", ())
    assert passage.text == "世帯の認定\n同一の住居に居住し、生計を一にしている者は、同一世帯として認定すること。"


KACHO = """
生活保護法による保護の実施要領の取扱いについて
第８　収入の認定
問（第８の４０）　交通事故の保険金を受け取る見込みがある場合、どう対応するか。
答　保険金の受領を確認し、次のとおり取り扱われたい。
（１）　受領の時期を確認すること。
（２）　法第63条を適用すること。
問（第８の４１）　臨時的な収入を自立更生に充てたいとの申出があった場合は。
（答）　申出の内容を確認のうえ判断されたい。
"""


def test_kacho_questions_are_one_passage_with_their_answer() -> None:
    meta = DocumentMeta("handbook/kacho.txt", "handbook", "youryou", "取扱いについて", ref_prefix="課")
    passages = segment(lines(KACHO, page=4), meta)
    assert [(p.label, p.headings, p.page) for p in passages] == [
        ("課第8-40", ("第8 収入の認定",), 4),
        ("課第8-41", ("第8 収入の認定",), 4),
    ]
    assert passages[0].text == (
        "問 交通事故の保険金を受け取る見込みがある場合、どう対応するか。\n"
        "答 保険金の受領を確認し、次のとおり取り扱われたい。\n(1) 受領の時期を確認すること。\n(2) 法第63条を適用すること。"
    )
    assert passages[1].text == "問 臨時的な収入を自立更生に充てたいとの申出があった場合は。\n答 申出の内容を確認のうえ判断されたい。"


CASEBOOK = """
生活保護手帳 別冊問答集（サンプル）
このファイルは研修用のサンプルです。
第１３　費用返還及び費用徴収
この章では法第63条と法第78条を扱う。
問１３－５　自立更生費の範囲
（問）　返還額から差し引くことができる自立更生費には、どのようなものがあるか。
（答）　自立更生のためのやむを得ない用途に充てられたものであって、
地域住民との均衡を考慮し、社会通念上容認される程度のものである。
問13-6
保険金で冷蔵庫を買い替えたいとの相談があった。
答 事前に申出をさせ、必要性を確認する。
(1) 見積書を提出させる。
"""


def test_qa_units_label_question_and_answer() -> None:
    meta = DocumentMeta("casebook/mondou.txt", "casebook", "qa", "別冊問答集")
    passages = segment(lines(CASEBOOK), meta)
    assert [(p.label, p.headings, p.part) for p in passages] == [
        ("問13-5", ("第13 費用返還及び費用徴収", "自立更生費の範囲"), 0),
        ("問13-6", ("第13 費用返還及び費用徴収",), 0),
    ]
    assert passages[0].text == (
        "問 返還額から差し引くことができる自立更生費には、どのようなものがあるか。\n"
        "答 自立更生のためのやむを得ない用途に充てられたものであって、\n"
        "地域住民との均衡を考慮し、社会通念上容認される程度のものである。"
    )
    assert passages[1].text == (
        "問 保険金で冷蔵庫を買い替えたいとの相談があった。\n答 事前に申出をさせ、必要性を確認する。\n(1) 見積書を提出させる。"
    )
    assert not any("サンプル" in p.text or "この章では" in p.text for p in passages)


def test_long_answer_is_split_and_every_piece_repeats_the_question() -> None:
    meta = DocumentMeta("casebook/mondou.txt", "casebook", "qa", "別冊問答集")
    answer = "".join(f"第{i}の場合には、保護の実施機関が世帯の状況を確認したうえで個別に判断することになる。" for i in range(1, 30))
    text = f"問13-21 保険金の事例\n(問) 保険金を申告せずに使ってしまった。どう扱うか。\n(答) {answer}"
    passages = segment(lines(text), meta)
    assert len(passages) >= 3
    assert [p.part for p in passages] == list(range(1, len(passages) + 1))
    for p in passages:
        assert p.label == "問13-21"
        assert p.text.startswith("問 保険金を申告せずに使ってしまった。どう扱うか。\n答 ")
        assert len(p.text) <= 650
    answers = [p.text.split("\n答 ", 1)[1] for p in passages]
    assert answers[0].startswith("第1の場合には") and "第29の場合には" in answers[-1]
    for previous, current in itertools.pairwise(answers):  # one sentence of overlap
        last_sentence = previous.rsplit("。", 2)[-2] + "。"
        assert current.startswith(last_sentence)


NOTICE = """
社援保発０７２３第１号
平成２４年７月２３日
各都道府県民生主管部（局）長　殿
厚生労働省社会・援護局保護課長
生活保護費の費用返還及び費用徴収決定の取扱いについて
標記について、下記のとおり取り扱われたい。
記
１　法第63条と法第78条の適用
（１）　法第63条によることが妥当な場合
受給者に不当に受給しようとする意思がなかった場合。
２　返還額の決定
（１）　返還額の原則
返還額は、資力の額を限度とする。
（２）　自立更生のための控除
ア　対象
自立更生のためのやむを得ない用途に充てられたもの。
イ　手続
事前の申出に基づくこと。
"""


def test_notice_sections_are_labelled_with_title_date_number_and_section() -> None:
    meta = DocumentMeta("notices/h24.md", "notices", "notice", "生活保護費の費用返還及び費用徴収決定の取扱いについて")
    passages = segment(lines(NOTICE), meta)
    base = "生活保護費の費用返還及び費用徴収決定の取扱い (平成24年7月23日 社援保発0723第1号)"
    assert [p.label for p in passages] == [
        f"{base} 前文",
        f"{base} 1-(1)",
        f"{base} 2-(1)",
        f"{base} 2-(2)-ア",
        f"{base} 2-(2)-イ",
    ]
    assert passages[0].text == "標記について、下記のとおり取り扱われたい。"
    assert passages[3].headings == ("2 返還額の決定", "(2) 自立更生のための控除")
    assert passages[2].text == "返還額の原則\n返還額は、資力の額を限度とする。"


def test_notice_label_uses_the_manifest_short_title_date_and_number() -> None:
    meta = DocumentMeta(
        "notices/h24.md",
        "notices",
        "notice",
        "生活保護費の費用返還及び費用徴収決定の取扱いについて",
        short_title="費用返還及び費用徴収決定の取扱い",
        date="平成24年7月23日",
        number="社援保発0723第1号",
    )
    labels = [p.label for p in segment(lines(NOTICE), meta)]
    assert labels[2] == "費用返還及び費用徴収決定の取扱い (平成24年7月23日 社援保発0723第1号) 2-(1)"


def test_list_items_carry_the_sentence_that_introduces_them() -> None:
    """An item (ア, イ) is a passage of its own; the parent's sentence introducing the list is among its headings
    (indexed with it), while a parent whose text introduces nothing adds no heading."""
    text = (
        "遺留金の取扱いについて\n"
        "１　弁済供託\n"
        "（１）　供託ができる場合\n"
        "弁済供託は、債務者が次のいずれかに当たるときに、弁済の目的物を供託所に預けて債務を免れる制度である。\n"
        "ア　受領拒否：債権者が受け取りを拒んだとき。\n"
        "イ　債権者不確知：債権者が誰か分からないとき。\n"
        "（２）　供託の手続\n"
        "供託書は供託所に出す。\n"
        "ア　金銭の場合：現金を納める。\n"
    )
    meta = DocumentMeta("notices/kyoutaku.md", "notices", "notice", "遺留金の取扱いについて")
    by_label = {p.label.rsplit(" ", 1)[-1]: p for p in segment(lines(text), meta)}
    intro = "弁済供託は、債務者が次のいずれかに当たるときに、弁済の目的物を供託所に預けて債務を免れる制度である。"
    assert by_label["1-(1)-ア"].headings == ("1 弁済供託", "(1) 供託ができる場合", intro)
    assert by_label["1-(1)-イ"].headings == ("1 弁済供託", "(1) 供託ができる場合", intro)
    assert by_label["1-(1)"].text == "供託ができる場合\n" + intro  # the parent keeps its own text
    assert by_label["1-(2)-ア"].headings == ("1 弁済供託", "(2) 供託の手続")


def test_notice_without_numbering_is_one_passage_labelled_by_the_notice() -> None:
    text = "事務連絡\n令和5年3月31日\n介護保険料の納付について\n介護保険料の納付の確認を徹底されたい。"
    meta = DocumentMeta("notices/r5.md", "notices", "notice", "介護保険料の納付について")
    [passage] = segment(lines(text), meta)
    assert passage.label == "介護保険料の納付 (令和5年3月31日 事務連絡)"
    assert passage.text == "介護保険料の納付の確認を徹底されたい。"
