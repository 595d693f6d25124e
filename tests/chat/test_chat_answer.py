"""Answer composition: extractive sentences with [n], the 63/78 and 自立更生費 checklists, abstention."""

from __future__ import annotations

import json
import re

import pytest

from kb_bot import DISCLAIMER
from kb_bot.answer import ABSTAIN_TEXT, Citation, answer_question, checklist, compose, standalone_sentences
from kb_bot.search import Searcher
from kb_bot.settings import load_settings, sample_corpus_folders


def cite(n: int, text: str, label: str = "", headings: tuple[str, ...] = ()) -> Citation:
    return Citation(n=n, label=label or f"L{n}", collection="notices", collection_name="通知集", title="T", text=text,
                    page=None, source="s", score=1.0, passage_id=f"p{n}", headings=list(headings), valid_from="",
                    valid_until="", current=True)


def test_63_78_checklist_groups_criteria_by_article_under_their_heading() -> None:
    text = (
        "1 法第63条と法第78条の適用の考え方\n"
        "(1) 法第63条によることが妥当な場合\n"
        "受給者に不当に受給しようとする意思がなかったことが明らかな場合。\n"
        "実施機関の側の収入の認定漏れや計算の誤りによって過大に支給していた場合。\n"
        "(2) 法第78条によることが妥当な場合\n"
        "ア 届出又は申告について指示をしたにもかかわらず、受給者がこれに応じなかったとき。\n"
        "イ 届出又は申告に当たり、明らかに作為を加えたとき。\n"
        "前記(2)に当たる場合であっても、受給者が知り得なかった事情があるときは、法第78条を適用することは適当でない。\n"
    )
    extra = cite(2, "督促後も納付されない場合は、滞納処分として財産の差押え等を行うことができる。", "生活保護法 第78条第4項")
    title, items, _ = checklist("63条と78条の違いは", [cite(1, text), extra])
    assert "第63条" in title and "第78条" in title
    groups = {}
    for i in items:
        groups.setdefault(i.group, []).append(i.text)
    g63, g78, caution = (next(v for k, v in groups.items() if k.startswith(p)) for p in ("第63条", "第78条", "判断"))
    assert any("意思がなかった" in t for t in g63) and any("認定漏れ" in t for t in g63)
    assert any("応じなかった" in t for t in g78) and any("作為" in t for t in g78)
    assert any("適当でない" in t for t in caution)  # a negated 78 is a caution, not a 78 criterion
    assert all(i.n == 1 for i in items)  # the collection-enforcement passage is no decision criterion
    assert not any(i.text.startswith(("(1)", "(2)", "1 ")) for i in items)  # headings are context, not items


def test_jiritsu_checklist_separates_what_cannot_be_deducted() -> None:
    items = checklist("自立更生費として控除できるものは", [
        cite(1, "(答) 家電の購入や家屋の補修など自立更生のためにやむを得ない用途に充てた額は、実施機関が認めた範囲で控除できる。"),
        cite(2, "自立更生費の控除は、法第63条の返還額を定める場合の取扱いであり、法第78条の徴収金には適用されない。"),
        cite(3, "(問) 自立更生費とは何か。"),
    ])[1]
    ok = [i for i in items if i.group.startswith("控除が認められうる")]
    ng = [i for i in items if i.group.startswith("控除の対象外")]
    assert [i.n for i in ok] == [1] and ok[0].text.startswith("家電")  # 「(答)」 is dropped
    assert [i.n for i in ng] == [2]
    assert all(i.n != 3 for i in items)  # a 問 is not a criterion


def test_no_checklist_for_other_questions() -> None:
    assert checklist("世帯分離の要件", [cite(1, "世帯分離は例外として認められる場合がある。")]) == ("", [], "")


def test_extractive_answer_cites_retrieved_passages(indexed) -> None:
    searcher = Searcher(indexed)
    a = compose(searcher.search("63条と78条の違いは", k=6), searcher.tokenizer())
    assert not a.abstained
    assert a.disclaimer == DISCLAIMER
    numbers = [int(n) for n in re.findall(r"\[(\d+)\]", a.answer)]
    assert numbers and set(numbers) <= {c.n for c in a.citations}
    # every sentence of the answer carries its marker and is quoted from the passage it cites (a sentence
    # opening with 「この」 comes with the one before it, across a line break)
    for sentence, n in re.findall(r"(.+?)\[(\d+)\]", a.answer):
        assert sentence in a.citations[int(n) - 1].text.replace("\n", "")
    assert a.checklist_title and a.checklist
    assert {i.n for i in a.checklist} <= set(a.used)
    assert all(i.text in a.citations[i.n - 1].text for i in a.checklist)
    labels = [c.label for c in a.citations]
    assert any("第63条" in x for x in labels) and any("第78条" in x for x in labels)
    assert "(問)" not in a.answer  # the question part of a Q&A is not an answer


def test_abstains_on_weak_evidence_with_near_passages(indexed) -> None:
    searcher = Searcher(indexed)
    a = compose(searcher.search("介護タクシーの運賃の上限はいくらか"), searcher.tokenizer())
    assert a.abstained
    assert a.answer == ABSTAIN_TEXT
    assert a.reason
    assert a.checklist == []


def test_abstain_threshold_comes_from_settings(indexed, monkeypatch) -> None:
    q = "自立更生のための費用を控除してよいか"
    searcher = Searcher(indexed)
    assert not compose(searcher.search(q), searcher.tokenizer()).abstained
    monkeypatch.setenv("KB_BOT_ABSTAIN_THRESHOLD", "1.01")
    strict = Searcher(load_settings())
    a = compose(strict.search(q), strict.tokenizer())
    assert a.abstained and a.citations  # still shows the nearest passages


@pytest.fixture(scope="module")
def sample(tmp_path_factory: pytest.TempPathFactory):
    """The bundled sample corpus, indexed once for this module (lexical)."""
    from ingest.pipeline import ingest

    home = tmp_path_factory.mktemp("sample-home")
    s = load_settings(home=str(home), embed_model="none")
    ingest(sample_corpus_folders(), s, progress=False)
    return Searcher(s)


def test_sample_corpus_63_78_checklist_quotes_the_2012_notice(sample) -> None:
    a = compose(sample.search("63条と78条のどちらを適用するかの判断基準は", k=8), sample.tokenizer())
    assert a.checklist_title.startswith("第63条")
    groups = {i.group for i in a.checklist}
    assert any(g.startswith("第63条") for g in groups) and any(g.startswith("第78条") for g in groups)
    texts = " ".join(i.text for i in a.checklist)
    assert "不正" in texts or "作為" in texts
    for i in a.checklist:
        assert i.text in a.citations[i.n - 1].text.replace("答 ", "") or i.text in a.citations[i.n - 1].text


def test_sample_corpus_jiritsu_checklist(sample) -> None:
    a = compose(sample.search("自立更生費として返還額から控除できるものは", k=8), sample.tokenizer())
    assert a.checklist_title.startswith("自立更生費")
    assert any("自立更生" in i.text for i in a.checklist)


# -- answer text a CW can trust ------------------------------------------------------------------------

@pytest.mark.parametrize(("text", "units"), [
    ("Aとする。この場合はBとする。", ["Aとする。この場合はBとする。"]),  # quoted with what it refers to
    ("前条の場合には、Cとする。", []),  # nothing before it to refer to
    ("前3項の規定による徴収金は、Dとする。", []),
    ("(答) Dである。\nこれは「できる」とする規定である。", ["Dである。これは「できる」とする規定である。"]),
    ("(問) Eはどうか。\nこの場合はFとする。", []),  # the 問 is no answer, so 「この場合」 has no referent
    ("見出し\nGとする。", ["Gとする。"]),  # a heading is no answer
    ("これに対してHは、Iである。", ["これに対してHは、Iである。"]),  # a contrast stands alone
    ("・Jとする。\nKとする。", ["Jとする。", "Kとする。"]),
    ("Lとする。ただし、Mの場合は除く。", ["Lとする。ただし、Mの場合は除く。"]),  # a proviso with its rule
    ("一方、Nとする。", []),  # a contrast with nothing before it
    ("(問) Oか。\n(答) しかし、Pである。", []),
    ("Qは優先する。\nRやSなどがこれに当たる。", ["Qは優先する。RやSなどがこれに当たる。"]),  # examples with the rule
    ("TやUはこれに該当する。", []),
    ("期限を指定してこれを督促する。", ["期限を指定してこれを督促する。"]),  # これ within its own sentence
    ("場面は、次の二つである。\nア Vのとき。\nイ Wのとき。\n(4) 見出し\nXとする。",  # a list with its items
     ["場面は、次の二つである。ア Vのとき。イ Wのとき。", "Xとする。"]),
    ("Yは免れる。ただし、次に掲げる請求権は免れない。\n一 租税の請求権\n二 損害賠償の請求権",
     ["Yは免れる。ただし、次に掲げる請求権は免れない。一 租税の請求権二 損害賠償の請求権"]),
    ("(答) 次の場合は返還とする。\n・Zの場合。\n・Ωの場合。", ["次の場合は返還とする。・Zの場合。・Ωの場合。"]),
    ("次の(2)による控除を検討して決める。\n(2) 控除", ["次の(2)による控除を検討して決める。"]),  # no list follows
    ("見出し\n場面は、主に次の二つである。", []),  # its items are other passages: nothing is said
    ("放棄したときは、次の順位の相続人を調べる。", ["放棄したときは、次の順位の相続人を調べる。"]),
])
def test_standalone_sentences(text: str, units: list[str]) -> None:
    assert standalone_sentences(text) == units


DANGLING = re.compile(r"^(?:この|その(?!他)|これ(?!に対し)|前条|前項|前\d+項|同条|同項)")


@pytest.mark.parametrize("question", [
    "78条の40%って必ずかける？", "63条と78条の違いは", "徴収金の納期限は暦日で数える？", "返還金の時効は5年で合ってる？",
    "保険金を申告せずに使ってしまった", "自立更生費として控除できるものは", "年金や児童扶養手当は保護より先に使う？",
])
def test_no_answer_sentence_leans_on_something_missing(sample, question: str) -> None:
    a = answer_question(sample, question)
    assert not a.abstained
    for unit, n in re.findall(r"(.+?)\[(\d+)\]", a.answer):
        assert not DANGLING.match(unit) and not re.match(r"^[^。]*[がは]これに当た", unit), unit
        assert unit in a.citations[int(n) - 1].text.replace("\n", "")


def test_a_referring_sentence_comes_with_its_referent(sample) -> None:
    a = answer_question(sample, "78条の40%って必ずかける？")
    assert "100分の40を掛けた額以下の金額を上乗せ" in a.answer
    assert "上乗せして徴収することができる(平成26年7月施行の改正による)。これは「できる」とする規定" in a.answer


@pytest.mark.parametrize(("question", "point"), [
    ("返還額の端数はどう処理する？", "端数"),  # the corpus no longer says 暦日 (issue 10 corpus)
    ("返還金の時効は5年で合ってる？", "5年"),
])
def test_the_asked_point_is_kept(sample, question: str, point: str) -> None:
    assert point in answer_question(sample, question).answer


@pytest.mark.parametrize("question", ["返還金の時効は何年？", "自立更生費で冷蔵庫は認められる？"])
def test_a_polite_e_mail_gets_the_same_answer(sample, question: str) -> None:
    plain = answer_question(sample, question)
    polite = answer_question(sample, f"いつもお世話になっております。保護課の担当です。{question}"
                                     "ご教示いただけますと幸いです。よろしくお願いいたします。")
    assert [c.label for c in polite.citations] == [c.label for c in plain.citations]
    assert polite.abstained is plain.abstained is False and polite.confidence == plain.confidence


def test_the_asked_point_opens_the_answer(sample) -> None:
    a = answer_question(sample, "生活保護費の返還金って時効あるの？")
    first = a.answer.split("[")[0]
    assert "時効" in first, a.answer


def test_no_topic_the_question_did_not_ask(sample) -> None:
    a = answer_question(sample, "法78の加算")  # 「加算」 here is the 78条 上乗せ, not 障害者加算・母子加算
    assert "障害者加算" not in a.answer and "母子加算" not in a.answer
    assert a.used and all("第78条" in a.citations[n - 1].label for n in a.used)


# -- checklist sides --------------------------------------------------------------------------------

def test_checklist_takes_the_nearest_heading_naming_an_article() -> None:
    headings = ("1 法第63条と法第78条の適用の考え方", "(2) 法第78条によることが妥当な場合")
    items = checklist("63条か78条か", [cite(1, "届出又は申告について口頭又は文書で指示をしたにもかかわらず、受給者がこれに応じなかったとき。",
                                         headings=headings)])[1]
    assert [i.group[:4] for i in items] == ["第78条"]


def test_checklist_leaves_out_exemption_and_wording_from_passages_about_neither_side() -> None:
    items = checklist("63条と78条の違い", [
        cite(1, "破産手続で免責許可の決定が確定したときは、法第63条の返還金は請求できない場合がある。"),
        cite(2, "不正な手段によると疑われる場合は、まず事実関係を調査する。"),  # names neither article
        cite(3, "収入の認定漏れにより過大に支給した場合は、法第63条による。"),
    ])[1]
    assert [(i.group[:4], i.n) for i in items] == [("第63条", 3)]


def test_checklist_leaves_out_the_78_paragraphs_about_other_payees() -> None:
    items = checklist("年金を申告しなかった。78条？", [
        cite(1, "指定医療機関が、偽りその他不正な行為によって診療報酬の支払を受けたときは、返還させることができる。",
             label="生活保護法 第78条第2項"),
        cite(2, "偽りその他不正な手段により就労自立給付金の支給を受けた者からは、その額を徴収することができる。",
             label="生活保護法 第78条第3項"),
        cite(3, "不実の申請その他不正な手段により保護を受けたときは、その費用の全部又は一部を徴収することができる。",
             label="生活保護法 第78条第1項"),
    ])[1]
    assert [(i.group[:4], i.n) for i in items] == [("第78条", 3)]


def test_jiritsu_permissive_sentence_is_not_filed_under_cannot() -> None:
    items = checklist("自立更生費", [cite(1, "申出がなかったことだけを理由に、自立更生費の控除を一切認めないとするのは適当でない。"),
                                    cite(2, "自立更生費の控除は、法第78条の徴収金には適用されない。")])[1]
    assert [(i.group[:4], i.n) for i in items] == [("控除が認", 1), ("控除の対", 2)]


def test_checklist_says_which_known_criteria_it_lacks() -> None:
    partial = [cite(1, "受給者に不当に受給しようとする意思がなかったことが明らかな場合は、法第63条による。"),
               cite(2, "届出又は申告に当たり、明らかに作為を加えたときは、法第78条による。")]
    title, items, note = checklist("63条と78条の違い", partial)
    assert title and len(items) == 2
    assert "一部" in note and "課税調査" in note and "認定漏れ" in note and "作為" not in note
    complete = [
        *partial,
        cite(3, "実施機関も本人も予想できなかった収入が後から判明した場合は、法第63条による。"),
        cite(4, "実施機関の認定漏れや計算の誤りによる場合は、法第63条による。"),
        cite(5, "届出について指示をしたのに受給者がこれに応じなかったときは、法第78条による。"),
        cite(6, "説明を求めたのに応じないとき、又は事実と異なる説明をしたときは、法第78条による。"),
        cite(7, "課税調査により申告が虚偽と判明したときは、法第78条による。"),
    ]
    assert checklist("63条と78条の違い", complete)[2] == ""


# -- one answer path ---------------------------------------------------------------------------------

def test_cli_and_chat_give_the_same_answer(service, people, capsys) -> None:
    from kb_bot.cli import main

    for question in ("63条と78条の違いは", "自立更正費で冷蔵庫", "保険金を申告せずに使った", "道路交通法の反則金の納付期限"):
        assert main(["ask", "--json", question]) == 0
        cli = json.loads(capsys.readouterr().out)
        chat = service.ask(people.cw1, question).answer.to_json()
        for key in ("answer", "abstained", "confidence", "reason", "citations", "checklist_title", "checklist",
                    "checklist_note", "used", "retrieval_mode", "corpus_version"):
            assert cli[key] == chat[key], (question, key)
