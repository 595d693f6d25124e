"""Japanese tokens for BM25: fugashi + unidic-lite, lemmas, content words.

Japanese has no spaces, so an English-style tokenizer (llama-index's default BM25 one) sees a whole
sentence as one "word" and scores every Japanese query as zero. Here each passage and each question
goes through the same MeCab analysis; what is kept is decided by :class:`TokenizerConfig`, whose
defaults were chosen with ``kb-bot eval`` (see eval/README.md).
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from functools import cached_property
from importlib import metadata
from pathlib import Path
from typing import TYPE_CHECKING

from kb_bot import text as _text
from kb_bot.text import normalize

if TYPE_CHECKING:
    import fugashi

# unidic POS (pos1) that carry no topic: particles, auxiliaries, symbols, blanks.
_FUNCTION_POS = frozenset({"助詞", "助動詞", "補助記号", "記号", "空白"})
# Light verbs and fillers that appear in almost every question a CW types.
_STOP_LEMMAS = frozenset(
    {"為る", "有る", "居る", "成る", "言う", "良い", "無い", "事", "物", "方", "様", "場合", "所", "時",
     "出来る", "思う", "教える", "下さる", "ござる", "です", "ます", "こと", "もの", "よう", "どう", "何", "ない"}
)
# How CWs write some terms (cw_spellings): shorthand, frequent mistypings, key terms typed in kana (a phone,
# a hurried note) and the homophones voice input produces, rewritten to the books' words. Kana forms are long
# enough not to occur inside other words.
_CW_SPELLINGS = ((re.compile("自立更正"), "自立更生"), (re.compile("不正需給"), "不正受給"), (re.compile("普徴"), "普通徴収"),
                 (re.compile("介保"), "介護保険"), (re.compile("じりつこうせいひ"), "自立更生費"),
                 (re.compile("じりつこうせい"), "自立更生"), (re.compile("かいごほけんりょうかさん"), "介護保険料加算"),
                 (re.compile("かいごほけんりょう"), "介護保険料"),
                 (re.compile("ふせいじゅきゅう"), "不正受給"), (re.compile("へんかんきん"), "返還金"),
                 (re.compile("ちょうしゅうきん"), "徴収金"), (re.compile("かいごほけん"), "介護保険"),
                 (re.compile("せいかつほご"), "生活保護"), (re.compile("しゅうにゅうにんてい"), "収入認定"),
                 (re.compile("せたいぶんり"), "世帯分離"), (re.compile("いりゅうきん"), "遺留金"),
                 (re.compile("とくそく"), "督促"), (re.compile("ぶんのう"), "分納"), (re.compile("めんせき"), "免責"),
                 # what voice input and kana-kanji conversion make of key terms (words that are no words here)
                 (re.compile("変換金"), "返還金"), (re.compile("聴取金"), "徴収金"), (re.compile("自立構成"), "自立更生"),
                 (re.compile("収入深刻"), "収入申告"), (re.compile("慰留金"), "遺留金"), (re.compile("介護保健"), "介護保険"),
                 (re.compile("勤労工場"), "勤労控除"), (re.compile("時高"), "時効"))
_TOKUCHO = re.compile("特徴")
_PREMIUM_CONTEXT = re.compile("普通徴収|介護|保険料|年金|天引")
"""「特徴」 is 特別徴収 only where the text is about premiums or pensions; elsewhere it means a feature."""


@dataclass(frozen=True)
class TokenizerConfig:
    lemma: bool = True
    """Index dictionary forms (返還し/返還する -> 返還する) rather than surface forms."""
    drop_function_words: bool = True
    """Drop particles, auxiliaries and symbols (unidic pos1)."""
    drop_stop_lemmas: bool = False
    """Drop light verbs and fillers (_STOP_LEMMAS). Off: keeping them ranked better on the dev split
    (eval/README.md)."""
    bigrams: bool = True
    """Add joined pairs of adjacent kept tokens (自立+更生 -> 自立更生), which favours compounds."""
    cw_spellings: bool = True
    """Rewrite CW shorthand and mistypings (普徴, 特徴, 介保, 自立更正, 不正需給) to the words the books use."""

    def to_dict(self) -> dict:
        return asdict(self)


def analysis_fingerprint(config: TokenizerConfig) -> str:
    """What a passage's tokens depend on besides its text: ``config``, the spelling table and the words dropped,
    the analysis code (this module and kb_bot.text's normalisation) and the MeCab dictionary. An index whose
    tokens were made under another fingerprint is re-tokenized whole by the next ingest (ingest.pipeline), and
    ``kb-bot doctor`` says it is due: a question is always analysed by the code in service."""
    tables = [config.to_dict(), [(p.pattern, w) for p, w in _CW_SPELLINGS], _TOKUCHO.pattern,
              _PREMIUM_CONTEXT.pattern, sorted(_FUNCTION_POS), sorted(_STOP_LEMMAS)]
    return code_fingerprint(tables, (Path(__file__), Path(_text.__file__)), ("fugashi", "unidic-lite"))


def code_fingerprint(data: object, sources: Iterable[Path], dists: Iterable[str]) -> str:
    """A short hash of ``data`` (JSON), the bytes of ``sources`` and the installed versions of ``dists``: what
    derived index data (tokens, passages) was made under, so an ingest can tell when to make it again."""
    h = hashlib.sha1(json.dumps(data, ensure_ascii=False).encode())
    for source in sources:
        h.update(source.read_bytes())
    for dist in dists:
        try:
            h.update(f"{dist}=={metadata.version(dist)}".encode())
        except metadata.PackageNotFoundError:
            h.update(dist.encode())
    return h.hexdigest()[:16]


class JapaneseTokenizer:
    """Callable: text -> list of tokens. One MeCab tagger per instance (not thread-safe: one per thread)."""

    def __init__(self, config: TokenizerConfig | None = None) -> None:
        self.config = config or TokenizerConfig()

    @cached_property
    def _tagger(self) -> fugashi.Tagger:
        import fugashi

        return fugashi.Tagger()

    def __call__(self, text: str) -> list[str]:
        unigrams, bigrams = self.analyze(text)
        return unigrams + bigrams

    def analyze(self, text: str) -> tuple[list[str], list[str]]:
        """(unigrams, bigrams) of ``text``; bigrams is empty unless the config asks for them."""
        cfg = self.config
        kept: list[str] = []
        text = normalize(text)
        if cfg.cw_spellings:
            text = _cw_spellings(text)
        for word in self._tagger(text):
            feature = word.feature
            if cfg.drop_function_words and feature.pos1 in _FUNCTION_POS:
                if kept and kept[-1] != "|":
                    kept.append("|")  # breaks bigrams across removed words
                continue
            token = word.surface
            if cfg.lemma and feature.lemma:
                token = feature.lemma.split("-")[0]  # unidic: エアコン-air conditioner
            if cfg.drop_stop_lemmas and (token in _STOP_LEMMAS or word.surface in _STOP_LEMMAS):
                continue
            kept.append(token.lower())
        unigrams = [t for t in kept if t != "|"]
        bigrams = [a + b for a, b in zip(kept, kept[1:]) if a != "|" and b != "|"] if cfg.bigrams else []
        return unigrams, bigrams


def _cw_spellings(text: str) -> str:
    for pattern, word in _CW_SPELLINGS:
        text = pattern.sub(word, text)
    if _PREMIUM_CONTEXT.search(text):
        text = _TOKUCHO.sub("特別徴収", text)
    return text
