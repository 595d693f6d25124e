"""Masking of personal data before text leaves the machine — and what must never be masked."""

from __future__ import annotations

import unicodedata

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kb_bot.chat.pii import mask, unmask


@pytest.mark.parametrize(
    ("text", "secret", "kind"),
    [
        ("山田太郎さんの収入について", "山田太郎", "氏名"),
        ("受給者の田中様から申告がありました", "田中", "氏名"),
        ("佐藤氏は就労している", "佐藤", "氏名"),
        ("長男の翔くんが進学する", "翔", "氏名"),
        ("娘のさくらちゃんの保育料", "さくら", "氏名"),
        ("ヤマダさんが来所した", "ヤマダ", "氏名"),
        ("高橋一郎の預金が見つかった", "高橋一郎", "氏名"),
        ("ケース番号 A-12345 の世帯", "A-12345", "ケース番号"),
        ("ケースNo.2023-0456の世帯", "2023-0456", "ケース番号"),
        ("世帯番号は88123です", "88123", "ケース番号"),
        ("電話 090-1234-5678 に連絡", "090-1234-5678", "電話番号"),
        ("電話は09012345678です", "09012345678", "電話番号"),
        ("自宅(03)1234-5678", "(03)1234-5678", "電話番号"),
        ("個人番号は123456789012です", "123456789012", "個人番号"),
        ("マイナンバー 1234 5678 9012", "1234 5678 9012", "個人番号"),
        ("番号1234-5678-9012を確認", "1234-5678-9012", "個人番号"),
        ("住所は東京都新宿区西新宿2丁目8番1号です", "東京都新宿区西新宿2丁目8番1号", "住所"),
        ("大阪市北区梅田1-2-3に住む", "大阪市北区梅田1-2-3", "住所"),
        ("さいたま市浦和区高砂3-15-1の家", "さいたま市浦和区高砂3-15-1", "住所"),
        ("住所：横浜市中区本町三丁目5番地に転居", "横浜市中区本町三丁目5番地", "住所"),
        ("生年月日は昭和30年1月2日", "昭和30年1月2日", "生年月日"),
        ("1955年3月4日生まれの受給者", "1955年3月4日", "生年月日"),
        ("S30.1.2生の世帯主", "S30.1.2", "生年月日"),
        ("連絡先 taro@example.jp", "taro@example.jp", "メール"),
    ],
)
def test_masks_personal_data(text: str, secret: str, kind: str) -> None:
    m = mask(text)
    assert secret not in m.text, m.text
    assert kind in m.kinds()
    assert secret in m.mapping.values()
    assert unmask(m.text, m.mapping) == unicodedata.normalize("NFKC", text)


def test_full_width_input_is_normalised_then_masked() -> None:
    m = mask("電話は０９０－１２３４－５６７８、個人番号１２３４５６７８９０１２")
    assert "090" not in m.text and "1234" not in m.text
    assert m.kinds() == {"電話番号": 1, "個人番号": 1}


def test_the_same_value_gets_the_same_placeholder() -> None:
    m = mask("山田さんと佐藤さん。山田さんは世帯主。")
    assert m.text.count("〈氏名1〉") == 2 and "〈氏名2〉" in m.text
    assert len(m.mapping) == 2


@pytest.mark.parametrize(
    "text",
    [
        "法第63条と第78条の違いは何か",
        "第78条の2による保護金品からの徴収",
        "生活保護法第63条第1項",
        "法78の加算は百分の四十まで",
        "問13-21と問13-5を確認",
        "局第8-3-(2)-ア の取扱い",
        "課第8-40 の問答",
        "平成24年7月23日付け社援保発0723第1号の通知",
        "令和6年4月1日から適用される",
        "返還額は30,000円、控除額は12万円",
        "保護費123456円を支給",
        "徴収額に100分の40を乗じた額",
        "5年で時効、14日以内に決定、30日まで延長",
        "同様に皆様へ、お客様と奥様、担当者さん、母さん、民生委員さん",
        "世帯員3人、2か月分、1割",
        "第24条第5項の14日",
        "令和6年4月1日生じた収入",
        "地方自治法第236条の時効",
        "石川県の事例で、林業の収入がある",  # a place and a trade, not a name on its own
    ],
)
def test_never_masks_references_amounts_and_notice_dates(text: str) -> None:
    m = mask(text)
    assert m.mapping == {}, m.mapping
    assert m.text == unicodedata.normalize("NFKC", text)


def test_masking_keeps_references_next_to_personal_data() -> None:
    m = mask("山田太郎さん(090-1111-2222)の件で、法第63条と問13-21、返還額30,000円について")
    assert "山田太郎" not in m.text and "090-1111-2222" not in m.text
    for kept in ("法第63条", "問13-21", "30,000円"):
        assert kept in m.text


def test_masked_text_masks_nothing_more() -> None:
    m = mask("山田太郎さん、ケース番号A-12345、電話090-1234-5678、東京都新宿区西新宿2丁目8番1号")
    again = mask(m.text)
    assert again.mapping == {}
    assert again.text == m.text


@settings(max_examples=150, deadline=None)
@given(
    article=st.integers(1, 120),
    sub=st.integers(0, 5),
    chapter=st.integers(1, 15),
    number=st.integers(1, 60),
    yen=st.integers(1, 9_999_999),
    era=st.sampled_from(["昭和", "平成", "令和"]),
    year=st.integers(1, 30),
    month=st.integers(1, 12),
    day=st.integers(1, 28),
)
def test_references_amounts_and_dates_are_never_masked(
    article: int, sub: int, chapter: int, number: int, yen: int, era: str, year: int, month: int, day: int
) -> None:
    ref = f"第{article}条" + (f"の{sub}" if sub else "")
    text = f"{era}{year}年{month}月{day}日の通知では、法{ref}と問{chapter}-{number}により、{yen:,}円を返還する。"
    m = mask(text)
    assert m.mapping == {}, (text, m.mapping)


def test_the_bundled_corpus_is_not_masked() -> None:
    """Legal text stays as it is when passages are masked for the model (no over-masking)."""
    from kb_bot.settings import sample_corpus

    root = sample_corpus()
    masked = {}
    for path in sorted(root.rglob("*")):
        if path.suffix not in (".md", ".txt", ".html", ".xml"):
            continue
        for line in path.read_text(encoding="utf-8", errors="ignore").splitlines():
            m = mask(line)
            if m.mapping:
                masked[f"{path.relative_to(root)}: {line[:60]}"] = m.mapping
    assert masked == {}
