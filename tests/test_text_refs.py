import pytest

from kb_bot.refs import find_refs, label_matches, resolve
from kb_bot.text import kanji_to_int, normalize, split_sentences


@pytest.mark.parametrize(("kanji", "value"), [("六十三", 63), ("七十八", 78), ("百二", 102), ("十", 10),
                                              ("二百三十六", 236), ("二〇一八", 2018), ("一", 1)])
def test_kanji_numerals(kanji, value):
    assert kanji_to_int(kanji) == value


def test_kanji_to_int_rejects_other_text():
    with pytest.raises(ValueError):
        kanji_to_int("六十三条")


@pytest.mark.parametrize(("raw", "norm"), [
    ("第六十三条", "第63条"),
    ("第七十七条の二", "第77条の2"),
    ("第七十八条第一項", "第78条第1項"),
    ("問１３－５", "問13-5"),
    ("問13ー21", "問13-21"),
    ("（費用返還義務）", "(費用返還義務)"),
    ("第八　収入の認定", "第8 収入の認定"),
])
def test_normalize_references(raw, norm):
    assert normalize(raw) == norm


def test_normalize_leaves_kanji_numerals_in_prose():
    assert normalize("一部を返還し、一時金を受けた") == "一部を返還し、一時金を受けた"


def test_split_sentences():
    assert split_sentences("返還する。ただし控除できる！\n次の行") == ["返還する。", "ただし控除できる！", "次の行"]


def test_a_full_stop_inside_brackets_does_not_end_the_sentence():
    text = "資力の発生時点(事故時。開始前なら開始時)から返還を求める。「申告する。」と述べた。"
    assert split_sentences(text) == ["資力の発生時点(事故時。開始前なら開始時)から返還を求める。", "「申告する。」と述べた。"]


@pytest.mark.parametrize(("question", "keys"), [
    ("63条と78条の違いは", ["生活保護法 第63条", "生活保護法 第78条"]),
    ("法78の加算は何割まで", ["生活保護法 第78条"]),
    ("78条の2の申出書", ["生活保護法 第78条の2"]),
    ("第六十三条の返還額", ["生活保護法 第63条"]),
    ("生活保護法第七十八条第一項", ["生活保護法 第78条第1項"]),
    ("施行規則22条の3に当たるか", ["生活保護法施行規則 第22条の3"]),
    ("地方自治法236条の時効", ["地方自治法 第236条"]),
    ("問１３－５の自立更生費", ["問13-5"]),
    ("問13-21の事例", ["問13-21"]),
    ("局長通知第8の3の(2)のア", ["局第8-3-(2)-ア"]),
    ("局第8-3", ["局第8-3"]),
    ("課長通知 問(第8の40)", ["課第8-40"]),
    ("次官通知第8", ["次第8"]),
    ("社援保発0723第1号の通知", ["社援保発0723第1号"]),
    ("平成24年7月23日付け社援保発0723第1号により", ["社援保発0723第1号"]),  # the date is no part of the number
    ("民法第1100条と法63条", ["民法 第1100条", "生活保護法 第63条"]),  # four digits, never cut to 第100条
    ("収入が100万円あった", []),
    ("5年で時効", []),
    # a count after 条 is not a sub-article: 「78条の40%」 is 第78条, not 第78条の40
    ("78条の40%の上乗せ", ["生活保護法 第78条"]),
    ("78条の４０％", ["生活保護法 第78条"]),
    ("63条の3万円", ["生活保護法 第63条"]),
    ("63条の5年の時効", ["生活保護法 第63条"]),
    ("法78の2割", ["生活保護法 第78条"]),
    # CW shorthand for a pair of articles
    ("63か78か", ["生活保護法 第63条", "生活保護法 第78条"]),
    ("63・78の判断", ["生活保護法 第63条", "生活保護法 第78条"]),
    ("法63/78", ["生活保護法 第63条", "生活保護法 第78条"]),
    ("第63条か第78条か", ["生活保護法 第63条", "生活保護法 第78条"]),
    ("63条の2と78条", ["生活保護法 第63条の2", "生活保護法 第78条"]),
    # pairs of counts are not articles
    ("3か月か6か月か", []),
    ("20・30代の世帯", []),
    ("令和6・7年度", []),
    ("問13-5と13-6", ["問13-5"]),
    # a circled list marker is no digit of the article after it
    ("①78の余地は？③78条の2の天引きは？", ["生活保護法 第78条の2"]),
    ("②63条の返還", ["生活保護法 第63条"]),
])
def test_find_refs(question, keys):
    assert [r.key for r in find_refs(question)] == keys


def test_circled_numbers_stay_list_markers():
    assert normalize("①収入 ⑳支出") == "1)収入 20)支出"


@pytest.mark.parametrize(("question", "in_context"), [
    # an article without its law, after another law was named: that law's article is the alternative
    ("地方自治法施行令の条文として正しいものは。1 第171条の6 2 第171条の7",
     ["地方自治法施行令 第171条の6", "地方自治法施行令 第171条の7"]),
    ("民法の規定と違って、63条では", ["民法 第63条"]),
    ("63条のあとで民法に触れる", [""]),  # named only after the article
    ("市の規則では、63条の", [""]),  # 「規則」 alone names no law
    ("破産法第253条の非免責債権", [""]),  # the law is written with the article
])
def test_an_article_written_after_another_law_remembers_it(question, in_context):
    refs = find_refs(question)
    assert [r.in_context for r in refs] == in_context
    assert all(r.key.startswith(("生活保護法 ", "破産法 ")) for r in refs)  # the key itself is unchanged


def test_resolve_takes_the_law_in_context_only_when_the_index_lacks_the_article():
    [ref] = find_refs("民法の規定と違って、63条では")
    assert resolve(ref, {"生活保護法 第63条", "民法 第63条"}.__contains__) == "生活保護法 第63条"
    assert resolve(ref, {"民法 第63条"}.__contains__) == "民法 第63条"
    assert resolve(ref, set().__contains__) == "生活保護法 第63条"  # neither: the missing key is reported


@pytest.mark.parametrize(("key", "label", "expected"), [
    ("生活保護法 第63条", "生活保護法 第63条", True),
    ("生活保護法 第63条", "生活保護法 第63条第2項", True),
    ("生活保護法 第78条第1項", "生活保護法 第78条", True),
    ("生活保護法 第63条", "生活保護法 第63条の2", False),
    ("生活保護法 第7条", "生活保護法 第78条", False),
    ("局第8-3", "局第8-3-(2)-ア", True),
    ("局第8-3", "局第8-30", False),
    ("問13-5", "問13-5", True),
    ("問13-5", "問13-50", False),
    ("問１３－５", "問13-5", True),
    ("社援保発0723第1号", "費用返還及び費用徴収決定の取扱い (平成24年7月23日 社援保発0723第1号) 2-(1)", True),
])
def test_label_matches(key, label, expected):
    assert label_matches(key, label) is expected
