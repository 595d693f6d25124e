"""The generated law corpus: deterministic, statute-shaped, 200+ articles, ingests into the labels its
questions are keyed on."""

import re
from collections import Counter

from kb_bot.evaluation.gold import SPLIT_SEED, stratified_split
from kb_bot.evaluation.lawgen import DEFAULT_SEED, kanji, write_law_corpus
from kb_bot.refs import label_matches


def files(folder) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


def test_same_seed_same_corpus_and_questions(tmp_path):
    a = write_law_corpus(tmp_path / "a")
    b = write_law_corpus(tmp_path / "b")
    other = write_law_corpus(tmp_path / "c", seed=DEFAULT_SEED + 1)
    assert files(a.folder) == files(b.folder)
    assert [i.to_dict() for i in a.gold.items] == [i.to_dict() for i in b.gold.items]
    assert files(other.folder) != files(a.folder)


def test_statute_numerals():
    assert [kanji(n) for n in (1, 10, 12, 20, 45, 99)] == ["一", "十", "十二", "二十", "四十五", "九十九"]


def test_laws_are_written_like_statutes(tmp_path):
    corpus = write_law_corpus(tmp_path)
    assert len(corpus.laws) >= 4
    assert sum(len(law.articles()) for law in corpus.laws) >= 200
    for law in corpus.laws:
        text = (corpus.folder / law.file).read_text(encoding="utf-8")
        assert "### 第一条（目的）" in text and "第一章　総則" in text and "附　則" in text
        assert re.search(r"^２　", text, re.M) and re.search(r"^三　", text, re.M)  # paragraphs and items
        assert "前条" in text and "前項" in text and re.search(r"第[一二三四五六七八九十]+条第[一二]項", text)
        assert "{" not in text  # every forward reference was resolved
        # the definitions point at the articles that grant each registration
        definitions = law.named["definitions"].paragraphs[0][1:]
        for activity, item in zip(law.activities, definitions, strict=True):
            grant = activity.articles["grant"]
            assert f"第{kanji(grant.number)}条第一項の{activity.kind}" in item and grant.caption == activity.kind


def test_ingests_into_one_passage_label_per_article_and_questions_match(home, settings, tmp_path):
    from ingest.pipeline import ingest
    from kb_bot.index.store import IndexStore

    corpus = write_law_corpus(tmp_path / "src")
    report = ingest([corpus.folder], settings, progress=False)
    assert report.skipped == []
    labels = [p.label for p in IndexStore(settings.index_dir).open_current().passages]
    articles = {a.label(law.title) for law in corpus.laws for a in law.articles()}
    assert {re.sub(r"第\d+項$", "", lab) for lab in labels} == articles
    assert "地域見守り活動推進法 附則第2条" in articles
    items = corpus.gold.items
    for item in items:
        assert all(any(label_matches(g, lab) for lab in labels) for g in item.labels), item.id
    assert all(100 <= len(i.question) <= 300 for i in items)


def test_question_set_shape_and_fixed_split(tmp_path):
    items = write_law_corpus(tmp_path).gold.items
    assert len(items) >= 80
    unanswerable = [i for i in items if not i.answerable]
    assert len(unanswerable) >= 10 and all(not i.labels for i in unanswerable)
    assert all(i.labels for i in items if i.answerable)
    assert {i.id: i.split for i in items} == stratified_split([(i.id, i.category) for i in items], SPLIT_SEED)
    assert Counter(i.split for i in items)["test"] >= 30
