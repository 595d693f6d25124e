"""A question analysed once: normalised text, references, tokens, topic, the point it asks about.

Search, confidence, the answer text and the checklist all read the same :class:`Question`, so they never
disagree on what was asked. :func:`topic_of` is the one definition of "is this a 63/78 (or 自立更生費)
question" — the chat's SV flag and the checklist both call it.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from kb_bot.premise import without_dates
from kb_bot.refs import Ref, find_refs
from kb_bot.text import char_bigrams, normalize

TOPICS = ("63_78", "jiritsu")

_RETURN_WORDS = re.compile(r"返還金|費用返還|返還義務|返還決定")
_COLLECT_WORDS = re.compile(r"徴収金|費用徴収|不正受給|徴収決定")
_EITHER = re.compile(r"返還.{0,12}(?:か|と|or|・).{0,6}徴収|徴収.{0,12}(?:か|と|or|・).{0,6}返還|どちらの条")
_JIRITSU = re.compile(r"自立更[生正]")
# 「…は78条？」「63条でいい？」「法78に当たるか」: the question asks which of the two articles the case falls under.
_WHICH_ARTICLE = re.compile(r"(?<![\d\-－.])(?:法第?|第)?(?:63|78)条?(?:の?(?:適用|扱い|対象))?(?:に(?:なる|該当する|当たる|あたる)|"
                            r"で(?:処理する|処理|いい|よい|対応する))?(?:の|ん)?(?:です|でしょう)?か?(?:[？?]|か。?$)")

# The asked point: a word the answer must keep when a passage has it (端数, 5年, 暦日 …).
_POINT_NUMBER = re.compile(r"\d+(?:\.\d+)?\s*(?:%|割|円|万円|年|か月|ヶ月|日|回)")
_POINT_WORDS = re.compile(
    r"端数|暦日|日割|期限|時効|上限|下限|利息|延滞金|分納|一括|起算|免責|控除|充当|加算|減額|猶予|不服|審査請求|"
    r"申出|同意|書面|口頭|様式|決裁|ケース診断会議"
)


@dataclass(frozen=True)
class BookWords:
    """How the books say what a CW asks in other words: ``cw`` in a question (where ``context`` also matches
    and ``unless`` does not) is searched for as ``books`` as well."""

    cw: re.Pattern[str]
    books: tuple[str, ...]
    context: re.Pattern[str] | None = None
    unless: re.Pattern[str] | None = None

    def applies(self, normalized: str) -> bool:
        return bool(self.cw.search(normalized) and (self.context is None or self.context.search(normalized))
                    and not (self.unless and self.unless.search(normalized)))


_OTHER_KASAN = re.compile(r"(?:介護保険料|介保料|障害者|母子|児童養育|冬季|妊産婦|在宅患者|放射線障害者|生活扶助の|各種の?)加算")
BOOK_WORDS = (
    # 法78's surcharge is 「上乗せ」 (100分の40) in the books; CWs call it 加算, 4割 or 40%.
    BookWords(re.compile(r"加算|4割|40%|40パーセント"), ("上乗せ", "100分の40"), re.compile(r"78|不正[受需]給|徴収"),
              _OTHER_KASAN),
    # 端数 (rounding) is written as what happens to it: 円未満を切り捨て.
    BookWords(re.compile(r"端数|切り?捨て|切り?上げ|1円未満"), ("端数", "円未満", "切り捨て")),
    # A statute's 罰則 are its 懲役/拘禁刑 and 罰金; a CW's 引っ越し is the books' 転居.
    BookWords(re.compile(r"罰則|刑罰"), ("懲役", "拘禁刑", "罰金")),
    BookWords(re.compile(r"引っ?越"), ("転居",)),
    # Everyday speech for the books' terms (a CW, a clerk or the person concerned says it so).
    BookWords(re.compile(r"ズル|ずる(?:して|い)|ごまかし|誤魔化|[嘘うそ]の?(?:申告|報告)|偽って|隠して|黙って(?:受け取|もら)"),
              ("不正受給", "不正", "虚偽")),
    BookWords(re.compile(r"ペナルティ|罰として|多めに取|余分に取|上乗せして"), ("上乗せ", "100分の40"),
              re.compile(r"78|不正|ズル|ずる|ごまかし|嘘|うそ|偽|隠")),
    BookWords(re.compile(r"払い?すぎ|払い?過ぎ|もらい?すぎ|貰い?すぎ|もらい?過ぎ|出しすぎ|出し過ぎ|過払い|多く(?:払|支給|出)"),
              ("過支給", "過誤払い", "返還")),
    BookWords(re.compile(r"(?:役所|市役所|こちら|こっち|うち|事務所|福祉事務所|CW|担当)の(?:ミス|間違い|誤り)|(?:計算|入力|事務)ミス"),
              ("過誤払い", "計算誤り", "実施機関の責")),
    BookWords(re.compile(r"帳消し|チャラ|なしに(?:する|でき|して)|ゼロに(?:する|でき|して)"), ("免除", "放棄", "不納欠損")),
    BookWords(re.compile(r"リセット|振り出し|止まる|止められ|ストップ"), ("更新", "中断"), re.compile(r"時効")),
    BookWords(re.compile(r"生活(?:の)?再建|(?:生活|暮らし)(?:の|を)?立て直"), ("自立更生",)),
    BookWords(re.compile(r"分けて払|分割で?払|月々払|少しずつ(?:払|返|納)|毎月少しずつ"), ("分納", "分割納付")),
    BookWords(re.compile(r"差し?引|引いて|引ける|引け[なば]|引く"), ("控除",),
              re.compile(r"返還|返す|返さ|返して|63|自立|更生|使った|買")),
    BookWords(re.compile(r"保護費から(?:差し?引|天引|引)"), ("充当",)),
    BookWords(re.compile(r"知らなかった|気[づ付]かなかった|知らないうちに|知らずに"), ("知り得なかった",)),
    BookWords(re.compile(r"さかのぼ|遡って|まとめて(?:入|振り込|支払|受け取|もら)"), ("遡及",), re.compile(r"年金")),
    BookWords(re.compile(r"取り?立て|回収"), ("徴収",)),
    BookWords(re.compile(r"亡くな|死んだ|死去"), ("死亡",)),
    BookWords(re.compile(r"(?:残|遺)(?:した|された)(?:お金|現金)|手元に残っ(?:た|ていた)(?:お金|現金)"), ("遺留金",),
              re.compile(r"亡くな|死")),
    BookWords(re.compile(r"バイト|パート"), ("就労収入", "収入")),
    BookWords(re.compile(r"裁判|訴え"), ("訴訟",)),
    BookWords(re.compile(r"不服|納得(?:できない|いかない)"), ("審査請求",), re.compile(r"決定|処分|廃止|却下|停止")),
    BookWords(re.compile(r"兄弟|姉妹|親戚|親族|子ども|息子|娘"), ("扶養義務者",), re.compile(r"援助|仕送り|面倒|扶養")),
    BookWords(re.compile(r"(?:財布|家計|生計)(?:は|が|を)別"), ("世帯分離", "生計")),
    BookWords(re.compile(r"天引き"), ("特別徴収",), re.compile(r"保険料|介護")),
    BookWords(re.compile(r"(?:税|課税|所得)の?(?:調査|照会)"), ("課税調査",)),
    BookWords(re.compile(r"催促"), ("督促", "催告")),
    BookWords(re.compile(r"お金がない|払えない|払う余裕がない|資力がない"), ("無資力",)),
    BookWords(re.compile(r"差し?押さえ"), ("差押え",)),
    BookWords(re.compile(r"ケース会議"), ("ケース診断会議",)),
    # a duty to report and its omission, in plain words (「知らせなきゃいけない」「言いそびれていた」)
    BookWords(re.compile(r"(?:知らせ|届け|言わ|伝え)(?:なければ|なきゃ|ないと|る必要|るべき)"), ("届け出", "収入申告")),
    BookWords(re.compile(r"言いそびれ|言い忘れ|伝え忘れ|(?:知らせ|届け|伝え)(?:なかった|忘れ|ずに)|言わなかった"),
              ("届け出なかった", "申告しなかった")),
    # other sections' words: the tax office's penalty surcharge, the receivables office's public claims
    BookWords(re.compile(r"重加算税|過少申告加算税"), ("上乗せ", "100分の40", "不正受給")),
    BookWords(re.compile(r"公債権|私債権"), ("時効の援用", "援用を要せず")),
    BookWords(re.compile(r"保護(?:を|から)?(?:卒業|抜け|脱却|終え|終わ)"), ("保護の廃止", "保護を必要としなくなった")),
    BookWords(re.compile(r"パジャマ|寝間着|下着|肌着|衣類"), ("被服",)),
)
"""A fixed list of office wording and everyday speech, like the tokenizer's spelling table (kb_bot.tokenize):
general CW vocabulary mapped to the books' terms (written from the domain brief, measured on the dev splits)."""

# What kind of number a question asks for («いくら» → an amount in yen …) and how a passage would state it.
# 「何年たっても」「何回督促しても」「何年も」 ask for no number: a concessive after 何X is left out (_ASKS).
_ASKS = r"(?![^。？?、]{0,5}ても|も)"
_ASKED_NUMBERS = (
    ("円", re.compile(r"いくら(?!.{0,3}ても)|幾ら|何円|金額は|額は(?:いくら|どの?くらい|どれ|[？?]|$)|"
                     r"(?:基準|限度|上限)額(?:って|を教|\s|[？?]|$)"),
     re.compile(r"[0-9〇一二三四五六七八九十百千万,]+\s*円")),
    ("日", re.compile(r"何日" + _ASKS), re.compile(r"[0-9〇一二三四五六七八九十百千]+\s*日")),
    ("年", re.compile(r"何年" + _ASKS), re.compile(r"[0-9〇一二三四五六七八九十百千]+\s*年")),
    ("か月", re.compile(r"何[かヶカケ箇]月" + _ASKS), re.compile(r"[0-9〇一二三四五六七八九十百千]+\s*[かヶカケ箇]月")),
    ("割合", re.compile(r"何%|何パーセント|何割|[率割]合?は"), re.compile(r"[0-9]\s*(?:%|パーセント)|[0-9〇一二三四五六七八九十]割|分の")),
    ("人", re.compile(r"何人" + _ASKS), re.compile(r"[0-9〇一二三四五六七八九十百千]+\s*人")),
    ("回", re.compile(r"何回" + _ASKS), re.compile(r"[0-9〇一二三四五六七八九十百千]+\s*回")),
)
_PHRASE = re.compile(r"[\u4e00-\u9fff\u30a0-\u30ffー々]{3,}")
"""A run of three or more kanji/katakana: the question's noun phrases (児童扶養手当, 所得制限限度額)."""


@dataclass(frozen=True)
class Question:
    text: str
    """As typed (stripped)."""
    normalized: str
    refs: tuple[Ref, ...]
    ref_share: float
    """min(1, 2 × the share of the question's letters its references take): 1.0 when the references are the
    subject (「63条と78条の違いは」), small when one is mentioned in passing (「課税調査で…78条になる？」)."""
    unigrams: tuple[str, ...]
    bigrams: tuple[str, ...]
    topic: str
    """``63_78`` / ``jiritsu`` / '' (see :func:`topic_of`)."""
    points: tuple[str, ...]
    """Literal points asked about (「端数」「5年」), kept in the answer when a passage has them."""
    asked_numbers: tuple[str, ...] = ()
    """Kinds of number the question asks for (円 for 「いくら」, 年 for 「何年」 …), see :func:`states_asked_number`."""
    phrases: tuple[str, ...] = ()
    """The question's noun phrases (runs of 3+ kanji/katakana), see :func:`missing_phrase_share`."""
    focus_terms: tuple[str, ...] = ()
    """Terms of the sentences that ask (…か。 …？ …せよ。) when the question also tells a case: searched for once
    more, so the asked point outweighs the narrative (see :func:`focus_sentences`)."""
    book_terms: tuple[str, ...] = ()
    """Terms of the books' words for what the question says in other words (:data:`BOOK_WORDS`, not already
    among :attr:`terms`): searched for as well, and a passage holding them covers the question."""
    char_grams: tuple[str, ...] = ()
    """What the character-bigram search looks for: each letter pair of the question and of the books' words,
    once. (Counting the asking sentences' pairs once more, as :attr:`search_terms` does for words, or looking
    only at them, ranked lower on the dev splits.)"""

    @property
    def terms(self) -> tuple[str, ...]:
        return self.unigrams + self.bigrams

    @property
    def search_terms(self) -> list[str]:
        """What the lexical search looks for: each word of the question and of the books' words once (a case
        that repeats its parties' names 「一般社団法人G」「空き家診断事業」 does not outweigh the asked point),
        and the words of the asking sentences (:attr:`focus_terms`) once more."""
        return list(dict.fromkeys(self.terms + self.book_terms)) + list(self.focus_terms)


# Letter courtesy a question pasted from an e-mail or typed politely carries (greetings, requests, sign-offs):
# its words are no part of what is asked, and they dilute the coverage (dev questions wrapped in it: wrong
# abstentions 2.8% → 10.8%) and pull 「ご教示」 towards the passages on 不服申立ての教示.
_COURTESY = re.compile(
    r"(?:いつも)?大?変?お世話に(?:なって)?(?:おり|なり)ます[。、!]?|お疲れ様(?:です|でございます)[。、!]?|"
    r"(?:突然の)?ご?連絡(?:を)?失礼(?:いた|致)?します[。、]?|初めてご連絡(?:いた|致)?します[。、]?|"
    r"お忙しい(?:ところ|中)(?:恐れ入りますが|恐縮ですが|すみませんが|失礼します)?[、。]?|"
    r"(?:急ぎで|大変)?(?:恐縮|恐れ入ります|申し訳(?:ありません|ございません)|お手数)(?:です|をおかけします)?が[、]?|"
    r"(?:何卒|なにとぞ)?(?:どうぞ)?よろしく(?!な)(?:お願い(?:いた|致|申し上げ)?(?:します|ます|いたします)?)?[。!]*|"
    r"取り急ぎ[、,]?(?:ご?確認|お願い|ご?連絡)?(?:まで)?[。]?|"
    r"(?:について)?[、]?(?:ご教示|ご回答|ご助言|お教え|ご指導)(?:の)?(?:ほど)?(?:いただけ(?:ます|れ)と幸い(?:です)?|"
    r"いただけますか|いただきたく(?:存じます|お願い(?:いた|致)?します)?|ください|下さい|願います|"
    r"(?:を)?お願い(?:いた|致|申し上げ)?(?:します|ます))[。?]?"
)


_SELF_INTRO = re.compile(r"^[^。?]{0,24}?(?:課|係|室|事務所|センター|担当|担当者|の者|と申します)(?:の者)?です[。、]")
"""「保護課の担当です。」「〇〇市福祉事務所の者です。」 opening the question: who asks, not what."""


def without_courtesy(normalized: str) -> str:
    """``normalized`` without letter courtesy (:data:`_COURTESY`) and an opening self-introduction
    (:data:`_SELF_INTRO`); the text itself when nothing else is left."""
    core = _SELF_INTRO.sub("", _COURTESY.sub("", normalized).strip(" 、。")).strip(" 、。")
    return core if len(core) >= 2 else normalized


def analyse(text: str, analyze: Callable[[str], tuple[list[str], list[str]]]) -> Question:
    """``analyze`` is the index's tokenizer (:meth:`kb_bot.tokenize.JapaneseTokenizer.analyze`). Everything is
    read from the question without its letter courtesy (:func:`without_courtesy`)."""
    text = text.strip()
    q = without_courtesy(normalize(text))
    refs = tuple(find_refs(q))
    unigrams, bigrams = analyze(q)
    books = [w for b in BOOK_WORDS if b.applies(q) for w in b.books]
    points = tuple(dict.fromkeys([m.group(0).replace(" ", "") for p in (_POINT_NUMBER, _POINT_WORDS)
                                  for m in p.finditer(q)] + [w for w in books if w not in q]))
    known = set(unigrams) | set(bigrams)
    book_terms = tuple(dict.fromkeys(t for w in books for part in analyze(w) for t in part if t not in known))
    asked = tuple(kind for kind, ask, _ in _ASKED_NUMBERS if ask.search(q))
    phrases = tuple(dict.fromkeys(m.group(0) for m in _PHRASE.finditer(q)))
    focus = focus_sentences(q)
    focus_terms = tuple(t for part in analyze(focus) for t in part) if focus else ()
    grams = tuple(dict.fromkeys(char_bigrams(q) + [g for w in books for g in char_bigrams(w)]))
    return Question(text, q, refs, reference_share(q, refs), tuple(unigrams), tuple(bigrams),
                    topic_of(q, refs), points, asked, phrases, focus_terms, book_terms, grams)


_SENTENCE = re.compile(r"[^。？?！!\n]+[。？?！!]?")
_ASKING = re.compile(r"[か？?]$|[か？?][。」]?$|せよ|答えよ|教えて|ください|べきか|どう")


def focus_sentences(normalized: str) -> str:
    """The sentences that ask, when the question has at least two sentences and not all of them ask; else ''."""
    sentences = [m.group(0).strip() for m in _SENTENCE.finditer(normalized) if m.group(0).strip()]
    asking = [s for s in sentences if _ASKING.search(s.rstrip("。"))]
    return "".join(asking) if len(sentences) >= 2 and 0 < len(asking) < len(sentences) else ""


def states_asked_number(question: Question, passage_text: str) -> bool:
    """Does ``passage_text`` (normalised) state a number of every kind the question asks for? A question asking
    「いくら」 is not answered by a passage holding no amount in yen (the 葬祭扶助 article has no 基準額)."""
    kinds = {kind: stated for kind, _, stated in _ASKED_NUMBERS}
    text = without_dates(passage_text) if question.asked_numbers else passage_text
    return all(kinds[k].search(text) for k in question.asked_numbers)


def missing_phrase_share(question: Question, passage_text: str) -> float:
    """Share of the question's noun-phrase letters (:attr:`Question.phrases`) not found verbatim in
    ``passage_text`` (normalised): 0 when every phrase is there, 1 when none is."""
    total = sum(len(p) for p in question.phrases)
    return sum(len(p) for p in question.phrases if p not in passage_text) / total if total else 0.0


def topic_of(question: str, refs: tuple[Ref, ...] | list[Ref] | None = None) -> str:
    """``63_78`` when the question names both sides (第63条/返還金 and 第78条/徴収金/不正受給, or 「返還か
    徴収か」) or asks whether the case falls under one of them (「申告しなかった年金は78条？」), else ``jiritsu``
    for 自立更生費 (also the frequent mistyping 自立更正), else ''."""
    q = normalize(question)
    keys = [r.key for r in (find_refs(q) if refs is None else refs)]
    has63 = any(re.fullmatch(r"生活保護法 第63条(第\d+項)?", k) for k in keys) or bool(_RETURN_WORDS.search(q))
    has78 = any(re.fullmatch(r"生活保護法 第78条(第\d+項)?", k) for k in keys) or bool(_COLLECT_WORDS.search(q))
    if (has63 and has78) or _EITHER.search(q) or _WHICH_ARTICLE.search(q):
        return "63_78"
    if _JIRITSU.search(q):
        return "jiritsu"
    return ""


def reference_share(normalized: str, refs: tuple[Ref, ...] | list[Ref]) -> float:
    if not refs:
        return 0.0
    letters = sum(1 for c in normalized if c.isalnum())
    taken = sum(1 for r in refs for c in normalized[r.span[0]:r.span[1]] if c.isalnum())
    return min(1.0, 2 * taken / max(letters, 1))
