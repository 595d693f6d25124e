"""Personal data never reaches the model server (LLM mode, a local stand-in for the server): every form in
``data/pii_forms.tsv`` typed into a question, and an ingested office memo sent as a passage."""

from __future__ import annotations

import dataclasses
import unicodedata
from dataclasses import dataclass
from pathlib import Path

import pytest

from kb_bot.chat.pii import detect, mask
from tests.fixtures.core import MINI_CORPUS, write_corpus

ANSWERABLE = "保険金を申告せずに使った場合は63条と78条のどちらですか"
"""Appended to every form so that the question is answered (an abstained question is never sent)."""


@dataclass(frozen=True)
class Form:
    text: str
    gone: tuple[str, ...]
    kept: tuple[str, ...]


def _nfkc(text: str) -> str:
    return unicodedata.normalize("NFKC", text)


def _forms() -> list[Form]:
    path = Path(__file__).parent / "data" / "pii_forms.tsv"
    lines = [ln for ln in path.read_text(encoding="utf-8").splitlines() if ln and not ln.startswith("#")]
    forms = []
    for line in lines[1:]:
        text, gone, *kept = line.split("\t")
        forms.append(Form(text, tuple(gone.split(" | ")), tuple(kept[0].split(" | ")) if kept and kept[0] else ()))
    return forms


FORMS = _forms()


def test_the_table_has_at_least_60_forms() -> None:
    assert len(FORMS) >= 60
    assert all(f.gone for f in FORMS)


def test_each_form_is_detected_for_the_warning() -> None:
    missed = [f.text for f in FORMS if not detect(f.text)]
    assert missed == []


def test_no_form_reaches_the_model_server(llm_service, people, fake_llm) -> None:
    problems = []
    for form in FORMS:
        fake_llm.requests.clear()
        r = llm_service.ask(people.cw1, f"{form.text}。{ANSWERABLE}")
        assert len(fake_llm.requests) == 1, (form.text, r.answer.reason)
        sent = fake_llm.requests[0]["raw"]
        leaked = [g for g in form.gone if _nfkc(g) in sent or g in sent]
        lost = [k for k in form.kept if _nfkc(k) not in sent]
        if leaked or lost:
            problems.append((form.text, "leaked", leaked, "over-masked", lost))
    assert problems == []


MEMO = """## 所内メモ 保険金の申告漏れ事例
### 事例1 保険金の未申告
受給者の山田花子さん（ケース番号K-20931、電話090-5555-0123、みずほ銀行新宿支店 普通 7654321）は、保険金を申告せずに費消した。
第78条により徴収を検討し、返還額は30,000円とした。
"""
MEMO_SECRETS = ("山田花子", "K-20931", "090-5555-0123", "7654321", "新宿支店")


@pytest.fixture
def memo_service(settings, tmp_path, db_url, engine, people, fake_llm, monkeypatch):
    """LLM mode over the mini corpus plus an office memo that names a person."""
    from ingest.pipeline import ingest
    from kb_bot.chat.service import ChatService

    files = {**MINI_CORPUS, "notices/manifest.toml": 'collection = "notices"\n[[document]]\nfile = "memo.md"\n'
                                                     'kind = "notice"\ntitle = "所内メモ"\n',
             "notices/memo.md": MEMO}
    ingest(write_corpus(tmp_path / "with-memo", files), settings, progress=False)
    for name, value in {"MODE": "llm", "LLM_BASE_URL": fake_llm.url, "LLM_MODEL": "m", "LLM_TIMEOUT_S": "5"}.items():
        monkeypatch.setenv(f"KB_BOT_CHAT_{name}", value)
    return ChatService(dataclasses.replace(settings, database_url=db_url), engine)


def test_ingested_passages_are_masked_before_they_are_sent(memo_service, people, fake_llm) -> None:
    r = memo_service.ask(people.cw1, "保険金を申告せずに費消した事例で第78条の徴収をどう考えるか")
    cited = [c.text for c in r.answer.citations]
    assert any("山田花子" in t for t in cited)  # the memo was retrieved
    assert len(fake_llm.requests) == 1
    sent = fake_llm.requests[0]["raw"]
    assert "所内メモ" in sent and "〈氏名1〉" in sent
    for secret in MEMO_SECRETS:
        assert secret not in sent
    for kept in ("第78条", "30,000円"):
        assert kept in sent


def test_mask_keeps_one_placeholder_per_value_across_question_and_passages() -> None:
    from kb_bot.chat.pii import Masker

    m = Masker()
    q = m.mask("山田花子さんの件")
    p = m.mask("受給者の山田花子さん（電話090-5555-0123）")
    assert q == "〈氏名1〉さんの件" and p == "受給者の〈氏名1〉さん(電話〈電話番号1〉)"
    assert mask(p).mapping == {}
