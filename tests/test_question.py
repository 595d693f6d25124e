"""The question analysed once: the one topic definition, references, the asked point, the reference share."""

from __future__ import annotations

import pytest

from kb_bot.chat.config import ChatSettings
from kb_bot.chat.flags import evaluate
from kb_bot.question import analyse, missing_phrase_share, states_asked_number, topic_of, without_courtesy
from kb_bot.text import normalize
from kb_bot.tokenize import JapaneseTokenizer

TOPICS = [
    ("63条と78条の違いは", "63_78"),
    ("法63と法78のどちらを適用するか", "63_78"),
    ("63か78か迷っている", "63_78"),
    ("法63/78の判断", "63_78"),
    ("返還金と徴収金のどちらになるか", "63_78"),
    ("不正受給か返還金かの判断", "63_78"),
    ("返還か徴収か", "63_78"),
    ("自立更生費として認められるもの", "jiritsu"),
    ("自立更正費で冷蔵庫", "jiritsu"),
    ("申告しなかった年金は78条？", "63_78"),
    ("遡及して受けた年金、63条でいい？", "63_78"),
    ("この場合は法78に当たるか。", "63_78"),
    ("第78条の2の申出とは", ""),
    ("78条の徴収金の時効は何年？", ""),
    ("問13-78？", ""),
    ("63条の返還額の決め方", ""),
    ("78条の40%の加算", ""),
    ("世帯分離の要件", ""),
]


@pytest.mark.parametrize(("question", "topic"), TOPICS)
def test_topic(question: str, topic: str) -> None:
    assert topic_of(question) == topic


@pytest.mark.parametrize(("question", "topic"), TOPICS)
def test_the_chat_flag_uses_the_same_topic(question: str, topic: str) -> None:
    flagged = "topic_63_78" in evaluate(question, ChatSettings(flag_rules=("topic_63_78",)), abstained=False,
                                        weak_basis=False)
    assert flagged is (topic == "63_78")


@pytest.fixture(scope="module")
def tokenizer() -> JapaneseTokenizer:
    return JapaneseTokenizer()


def test_analyse_once(tokenizer: JapaneseTokenizer) -> None:
    q = analyse(" ６３条と７８条の違いは ", tokenizer.analyze)
    assert q.text == "６３条と７８条の違いは" and q.normalized == "63条と78条の違いは"
    assert [r.key for r in q.refs] == ["生活保護法 第63条", "生活保護法 第78条"]
    assert q.topic == "63_78"
    assert q.ref_share == 1.0  # the references are the subject
    assert "違い" in q.unigrams and q.terms == q.unigrams + q.bigrams


def test_a_reference_in_passing_has_a_small_share(tokenizer: JapaneseTokenizer) -> None:
    q = analyse("課税調査で給与収入の未申告が分かったら、それだけで自動的に78条になるのでしょうか", tokenizer.analyze)
    assert [r.key for r in q.refs] == ["生活保護法 第78条"]
    assert 0 < q.ref_share < 0.3


@pytest.mark.parametrize(("question", "points"), [
    ("返還額の端数はどう処理する", ["端数", "円未満", "切り捨て"]),  # and how the books say it
    ("返還金の時効は5年で合ってる？", ["5年", "時効"]),
    ("加算は40%まで？", ["40%", "加算"]),
    ("世帯分離の要件", []),
])
def test_asked_points(tokenizer: JapaneseTokenizer, question: str, points: list[str]) -> None:
    assert list(analyse(question, tokenizer.analyze).points) == points


@pytest.mark.parametrize(("question", "asked"), [
    ("葬祭扶助の基準額は大人でいくら？", ("円",)),
    ("返還金の消滅時効は何年？", ("年",)),
    ("申請から何日以内に決定する？", ("日",)),
    ("加算の割合は何割？", ("割合",)),
    ("世帯分離の要件", ()),
    ("上限の金額は？", ("円",)),
    ("加算の額は何をもとに決めるの？", ()),  # asks for the basis, not an amount
    ("何年たっても払えない人の債務は免除できる？", ()),  # a concessive asks for no number
    ("何回督促しても応じない場合は？", ()),
    ("何年で時効になる？", ("年",)),
    ("出産扶助 基準額 施設分娩", ("円",)),  # shorthand naming the amount asks for it
    ("住宅扶助の上限額を超える家賃の転居指導", ()),
])
def test_the_kind_of_number_asked_for(tokenizer: JapaneseTokenizer, question: str, asked: tuple[str, ...]) -> None:
    assert analyse(question, tokenizer.analyze).asked_numbers == asked


def test_a_passage_answers_an_asked_number_only_when_it_states_one(tokenizer: JapaneseTokenizer) -> None:
    years = analyse("返還金の消滅時効は何年？", tokenizer.analyze)
    assert states_asked_number(years, "5年を経過したときは時効により消滅する")
    assert states_asked_number(years, "五年間行使しないときは消滅する")  # statute numerals
    assert not states_asked_number(years, "時効の援用を要しない")
    amount = analyse("葬祭扶助の基準額はいくら？", tokenizer.analyze)
    assert not states_asked_number(amount, "葬祭扶助は、火葬又は埋葬その他葬祭のために必要なものについて行う")
    assert states_asked_number(amount, "基準額は212,000円以内とする")
    plain = analyse("世帯分離の要件", tokenizer.analyze)
    assert states_asked_number(plain, "どの記載でもよい")  # nothing asked, nothing missing


def test_missing_phrases_are_weighted_by_length(tokenizer: JapaneseTokenizer) -> None:
    q = analyse("児童扶養手当の所得制限はどうなる", tokenizer.analyze)
    assert q.phrases == ("児童扶養手当", "所得制限")
    assert missing_phrase_share(q, "児童扶養手当は収入として認定する") == pytest.approx(4 / 10)
    assert missing_phrase_share(q, "児童扶養手当の所得制限") == 0.0
    assert missing_phrase_share(q, "関係のない記載") == 1.0
    assert missing_phrase_share(analyse("いつまで？", tokenizer.analyze), "何でも") == 0.0


def test_a_date_is_not_a_number_of_days_or_years(tokenizer: JapaneseTokenizer) -> None:
    days = analyse("所定給付日数は何日？", tokenizer.analyze)
    assert not states_asked_number(days, "令和6年3月28日付けの通知による")
    assert states_asked_number(days, "申請から14日以内に決定する")
    years = analyse("時効は何年？", tokenizer.analyze)
    assert not states_asked_number(years, "2024年に改正された")


@pytest.mark.parametrize(("typed", "asked"), [
    ("いつもお世話になっております。保護課の担当です。年金の遡及分は63条？ ご教示いただけますと幸いです。よろしくお願いいたします。",
     "年金の遡及分は63条?"),
    ("お疲れ様です。急ぎで恐縮ですが、分納の月額に決まりはありますか。何卒よろしくお願い申し上げます。", "分納の月額に決まりはありますか"),
    ("返還金の時効について、ご教示ください。", "返還金の時効"),
    ("介護保険課の者です。加算はいつから？", "加算はいつから?"),
    ("同様に皆様へ", "同様に皆様へ"),  # no courtesy phrase here
    ("65歳以上の方の加算は以上の通りでよろしくないか", "65歳以上の方の加算は以上の通りでよろしくないか"),  # content words
    ("取り急ぎ確認まで。分納の月額は？", "分納の月額は?"),
    ("よろしくお願いします", "よろしくお願いします"),  # nothing else left: the text itself
])
def test_letter_courtesy_is_no_part_of_the_question(typed: str, asked: str) -> None:
    assert without_courtesy(normalize(typed)) == asked


def test_the_question_is_analysed_without_its_courtesy(tokenizer: JapaneseTokenizer) -> None:
    plain = analyse("返還金の時効は何年？", tokenizer.analyze)
    polite = analyse("お世話になっております。返還金の時効は何年？ご教示ください。よろしくお願いいたします。", tokenizer.analyze)
    assert polite.terms == plain.terms and polite.asked_numbers == plain.asked_numbers == ("年",)
    assert polite.text.startswith("お世話")  # as typed, for the history
