"""Personal data in chat text: one detector for the warning to the CW, the stored history and LLM mode.

What is masked (each occurrence becomes a placeholder such as 〈氏名1〉, the same value the same
placeholder, so the model can still tell two people apart):

- names written with an honorific (様・さん・さま・氏・くん・君・ちゃん・殿) in kanji, katakana, hiragana or
  romaji (``Yamada-san``, ``Taro Yamada様``) — for kanji the words before the honorific are found with MeCab
  (unidic), so 「同様」「皆様」「お客様」「担当者さん」 are left alone — a surname directly followed by a given
  name (山田太郎) even without one, a surname or given name the dictionary knows on its own before a particle
  (山田が来所した, 受給者の鈴木に), and any name after a label (氏名・名前・ふりがな …, ``Mr.``);
- case numbers (ケース番号・世帯番号・受給者番号 … followed by a code; 「1班-0123番」);
- phone numbers (0X-XXXX-XXXX with hyphens, spaces or parentheses, 090XXXXXXXX, +81 …);
- 12-digit numbers (個人番号 / My Number), with or without separators; 基礎年金番号 and 被保険者番号 after
  their label;
- bank accounts: the bank and branch, 普通・当座 + account number, 口座番号, ゆうちょ 記号・番号;
- e-mail addresses;
- addresses (a prefecture/city/town followed by 丁目・番地・号 or 1-2-3 style numbers, with the building
  and room after them, or after 住所; postal codes after 〒);
- dates of birth (a date next to 生年月日・生まれ・生・誕生日 or an age, and era dates written S45.3.2).

What is never masked: article and paragraph numbers (第63条第1項, 法78条の2), 問 numbers (問13-21),
実施要領 labels (局第8-3-(2)-ア), notice numbers and their dates (平成24年7月23日 社援保発0723第1号), amounts
(30,000円, 12万円), ordinary dates (令和6年4月1日から), percentages and periods.

:func:`mask` returns the masked text and the mapping; a :class:`Masker` masks several texts (a question
and the passages sent with it) with one mapping; :func:`detect` says which kinds a text contains (the
warning before a question is sent); :func:`unmask` puts the values back into the model's answer on this
machine, for display only.
"""

from __future__ import annotations

import re
import threading
import unicodedata
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import fugashi

HONORIFICS = ("様", "さん", "氏", "くん", "君", "ちゃん", "殿")
KINDS = {
    "name": "氏名",
    "case": "ケース番号",
    "phone": "電話番号",
    "mynumber": "個人番号",
    "pension": "年金・保険番号",
    "bank": "口座",
    "email": "メール",
    "address": "住所",
    "birth": "生年月日",
}

# Nouns before an honorific that are roles or kinship terms, not names (母さん, 皆様, 先生, 大家さん …).
_NOT_NAMES = frozenset(
    "皆 客 奥 子 親 母 父 兄 姉 弟 妹 娘 息子 孫 祖母 祖父 叔母 叔父 伯母 伯父 嫁 婿 夫 妻 旦那 先生 医者 医師 "
    "大家 家主 隣 近所 患者 本人 相手 家族 世帯主 世帯員 皆さん 担当 係 係長 課長 所長 部長 社長 店長 園長 校長 "
    "主治医 看護師 弁護士 司法書士 民生委員 委員 業者 相談員 支援員 方 人 彼 彼女 あなた 貴方 どなた 誰 王 神 仏 "
    "お客 奥さん お母 お父 兄 お兄 お姉 おばあ おじい ばあ じい 姉さん 兄さん 坊 お坊 嬢 お嬢 殿 公 閣下 各位 "
    "利用者 受給者 申請者 被保護者 相談者 扶養義務者 債務者 関係者 代理人 後見人 保証人 家主さん".split()
)

_NOT_NAME_ENDINGS = tuple("者員師士長課係所店院局会署庁")
_NOT_NAME_WORDS = frozenset(
    "同様 模様 仕様 多様 異様 一様 左様 皆様 奥様 王様 神様 仏様 客様 殿様 貴様 各様 今様 外様 若様 姫様 様様 "
    "奥さん 皆さん 母さん 父さん 兄さん 姉さん 婆さん 爺さん 嫁さん 坊さん 大家さん 氏名 氏子 君主 殿堂".split()
)
_HONORIFIC_RUN = re.compile(
    r"(?:^|(?<=[^一-龥々ァ-ヶー]))(?P<name>[一-龥々]{1,4}|[ァ-ヶー]{2,8})(?P<hon>さん|くん|ちゃん|様|氏|君|殿)(?![子式々相態名主堂])"
)
_MASK = re.compile(r"〈[^〈〉]{1,12}\d+〉")
_CASE = re.compile(
    r"(?:ケース(?:番号|記号番号|記号|No\.?|no\.?|#|ナンバー)?|世帯番号|受給者番号|保護番号|台帳番号|ケース番|被保護者番号)"
    r"\s*(?:は|が|:|：|=|＝)?\s*(?P<v>[A-Za-z]{0,4}[-‐]?\d[\dA-Za-z\-‐]{1,19})"
)
_CASE_CODE = re.compile(r"(?<![A-Za-z0-9\-])(?P<v>[A-Z]{1,3}-\d{4,10})(?![A-Za-z0-9])")
_PHONE = re.compile(
    r"(?<![\d\-+])(?P<v>(?:\+\s?81[\s\-]?(?:\(0\)\s?)?|\(0|0)\d{0,4}\)?(?:[\s\-]?\(?\d{1,4}\)?){1,3})(?![\d\-])"
)
"""A candidate: +81 or 0, then up to four groups split by spaces, hyphens or parentheses; kept when it has the
digits of a Japanese number (:func:`_is_phone`)."""
_MYNUMBER = re.compile(r"(?<![\d\-,.])(?P<v>\d{4}[\s\-]?\d{4}[\s\-]?\d{4})(?![\d\-,.]|\s?円)")
_PENSION = re.compile(
    r"(?:基礎年金番号|年金番号|年金手帳の番号|被保険者番号|被保険者証の番号|保険者番号|保険証の?番号)\s*(?:は|が|:|：)?\s*"
    r"(?P<v>\d[\d\s\-]{3,18}\d)"
)
_CASE_TEAM = re.compile(r"(?<![\d])(?P<v>\d{1,2}班\s*[-‐の]?\s*\d{2,6}番?)")
_BANK_NAME = r"[一-龥ァ-ヶーぁ-んA-Za-z○〇]{1,10}?(?:銀行|信用金庫|信金|信用組合|労働金庫|農業協同組合|農協)"
_BRANCH = r"[一-龥ァ-ヶーぁ-んA-Za-z]{1,10}?(?:支店|出張所|営業部|本店)"
_BANK = re.compile(rf"(?P<v>(?<![一-龥ァ-ヶー])(?:{_BANK_NAME})?\s*{_BRANCH})(?=\s*(?:普通|当座|貯蓄|口座|\d{{6,8}}))")
_ACCOUNT = re.compile(
    r"(?:普通|当座|貯蓄)(?:預金)?\s*(?:口座)?\s*(?:番号)?\s*(?:は|:|：|No\.?)?\s*(?P<v>\d{6,8})(?!\d)"
    r"|口座番号\s*(?:は|が|:|：)?\s*(?P<w>\d{6,8})(?!\d)"
)
_YUCHO = re.compile(
    r"(?P<v>記号\s*(?:は|:|：)?\s*\d{5}\s*[-‐、,・]?\s*(?:番号\s*(?:は|:|：)?\s*)?\d{6,8})(?!\d)"
    r"|(?<![\d\-])(?P<w>1\d{4}-\d{7,8})(?![\d\-])"
)
_EMAIL = re.compile(r"(?P<v>[A-Za-z0-9._%+\-]+@[A-Za-z0-9.\-]+\.[A-Za-z]{2,})")

_KANJI_NUM = "〇一二三四五六七八九十"
_PLACE = (
    r"(?:東京都|北海道|(?:京都|大阪)府|[一-龥]{2,3}県)?"
    r"(?:(?:さいたま|[一-龥ァ-ヶー々]{1,7}?)[市区町村郡])+[一-龥ァ-ヶー々]{0,10}?"
)
_BLOCK = (
    rf"(?:[0-9{_KANJI_NUM}]+丁目\s*[0-9{_KANJI_NUM}]+(?:番地?|-)?\s*(?:[0-9{_KANJI_NUM}]+号?)?"
    rf"|[0-9]+番地(?:の?[0-9]+)?|[0-9]+番[0-9]+号|[0-9]+-[0-9]+(?:-[0-9]+){{0,2}})"
)
_BUILDING = r"(?:[\s　]?[一-龥ァ-ヶーA-Za-z々]{1,20}?[\s　]?[0-9]{1,4}(?:号室|号|階|F)?(?![0-9]))"
_ADDRESS = re.compile(rf"(?P<v>{_PLACE}{_BLOCK}{_BUILDING}?)")
_POSTAL = re.compile(r"〒\s*(?P<v>\d{3}-?\d{4})")
_ADDRESS_AFTER_WORD = re.compile(
    r"(?:住所|居所|現住所|転居先|住居地)\s*(?:は|が|:|：)?\s*(?P<v>[一-龥ァ-ヶー々0-9A-Za-z\-]{2,40}(?:[0-9]+号室?)?)"
)

_ERA = r"(?:明治|大正|昭和|平成|令和|[MTSHR]\.?)"
_DATE = (
    rf"(?:{_ERA}\s*(?:[0-9]{{1,2}}|元)\s*年\s*[0-9]{{1,2}}\s*月\s*[0-9]{{1,2}}\s*日"
    rf"|{_ERA}\s*[0-9]{{1,2}}[./][0-9]{{1,2}}[./][0-9]{{1,2}}"
    r"|(?:19|20)[0-9]{2}\s*(?:年\s*[0-9]{1,2}\s*月\s*[0-9]{1,2}\s*日|[/.\-][0-9]{1,2}[/.\-][0-9]{1,2}))"
)
_BIRTH_AFTER = re.compile(rf"(?:生年月日|誕生日|出生日|生まれ日)\s*(?:は|が|:|：|=)?\s*(?P<v>{_DATE})")
_BIRTH_BEFORE = re.compile(rf"(?P<v>{_DATE})\s*(?:生まれ|生(?![活計保存じ])|出生|誕生)")
_BIRTH_AGE = re.compile(rf"(?P<v>{_DATE})\s*[（(、,]?\s*[0-9]{{1,3}}\s*歳")
_BIRTH_SHORT = re.compile(r"(?<![A-Za-z0-9.])(?P<v>[MTSHR]\s?[0-9]{1,2}\.[0-9]{1,2}\.[0-9]{1,2})(?![0-9.])")
"""Era dates written S45.3.2: how case files write dates of birth (notices spell their dates out)."""

_NAME_CHARS = r"[一-龥々ぁ-ゖァ-ヶーA-Za-z]"
_NAME_LABEL = r"(?:氏名|名前|お名前|ふりがな|フリガナ|カナ氏名|本人氏名|Name|NAME|Mr\.?|Ms\.?|Mrs\.?)"
_KANA_NAME = r"[ぁ-ゖァ-ヶーA-Za-z]"
_NAME_LABELLED = re.compile(
    rf"{_NAME_LABEL}\s*[:：=]\s*(?P<v>{_NAME_CHARS}{{1,12}}(?:[ 　]{_NAME_CHARS}{{1,12}})?)"
    rf"|{_NAME_LABEL}(?:\s*は\s*|\s+)(?P<w>{_KANA_NAME}{{1,12}}(?:[ 　]{_KANA_NAME}{{1,12}})?)"
)
"""A name after its label: anything after 「氏名:」, kana or romaji after 「氏名は」 (kanji there is MeCab's)."""
_NAME_ENDINGS = ("でした", "です", "さん", "様", "が", "は", "の", "と", "に", "を", "で", "も")
_HIRAGANA_HONORIFIC = re.compile(r"(?P<name>[ぁ-ゖ]{2,10})(?:さん|さま|様|氏|くん|ちゃん|殿)(?![子式々相態名主堂])")
_NOT_HIRAGANA_NAMES = frozenset("みな みなさ ばあ じい かあ とう にい ねえ あか ぼっ だんな いしゃ おや".split())
_PARTICLES = "のはがとにをでもへや"
_ROMAJI_HONORIFIC = re.compile(
    r"(?<![A-Za-z])(?P<v>[A-Z][a-z]+(?:[ 　][A-Z][a-z]+)?|[A-Z]{2,}(?:[ 　][A-Z][a-z]+)?)"
    r"\s?(?:-?san|-?sama|さん|様|氏)(?![a-z子式々相態名主堂])"
)


@dataclass
class Masked:
    text: str
    """The text that may leave the machine."""
    mapping: dict[str, str] = field(default_factory=dict)
    """Placeholder -> original value (stays on this machine)."""

    @property
    def count(self) -> int:
        return len(self.mapping)

    def kinds(self) -> dict[str, int]:
        out: dict[str, int] = {}
        for placeholder in self.mapping:
            kind = placeholder.strip("〈〉").rstrip("0123456789")
            out[kind] = out.get(kind, 0) + 1
        return out


_local = threading.local()


def _tagger() -> fugashi.Tagger:
    tagger = getattr(_local, "tagger", None)
    if tagger is None:
        import fugashi

        tagger = _local.tagger = fugashi.Tagger()
    return tagger


def _name_spans(text: str) -> list[tuple[int, int]]:
    """Spans of names: the noun run before an honorific suffix, and 姓+名 pairs."""
    words = []
    pos = 0
    for w in _tagger()(text):
        start = text.find(w.surface, pos)
        if start < 0:
            continue
        pos = start + len(w.surface)
        words.append((w, start, pos))
    spans: list[tuple[int, int]] = []
    for i, (w, start, end) in enumerate(words):
        f = w.feature
        if w.surface in HONORIFICS and f.pos1 == "接尾辞" and i > 0:
            j = i
            run = []
            while j > 0:
                pw = words[j - 1][0]
                pf = pw.feature
                if pf.pos1 == "名詞" and pf.pos2 not in ("代名詞", "数詞") and pw.surface not in ("の",):
                    run.append(words[j - 1])
                    j -= 1
                    if len(run) >= 3:
                        break
                    continue
                break
            if not run:
                continue
            if j > 0 and words[j - 1][0].feature.pos1 == "接頭辞":  # お客様, ご主人様
                continue
            run.reverse()
            surface = "".join(r[0].surface for r in run)
            proper = any(r[0].feature.pos2 == "固有名詞" for r in run)
            if not proper and (surface in _NOT_NAMES or run[-1][0].surface in _NOT_NAMES):
                continue
            if not proper and len(run) == 1 and run[0][0].feature.pos3 in ("副詞可能", "助数詞可能"):
                continue
            spans.append((run[0][1], run[-1][2]))
        elif f.pos2 == "固有名詞" and f.pos3 == "人名" and f.pos4 == "姓" and i + 1 < len(words) and (
                words[i + 1][0].feature.pos3 == "人名" and words[i + 1][0].feature.pos4 == "名"):
            spans.append((start, words[i + 1][2]))
        elif f.pos2 == "固有名詞" and f.pos3 == "人名" and len(w.surface) >= 2 and _ends_a_name(words, i):
            spans.append((start, end))  # 山田が来所した / 受給者の鈴木に連絡: a name the dictionary knows, on its own
    # MeCab sometimes reads a name + honorific as a verb (翔くん → 翔く+ん): a character-class pass as well.
    for m in _HONORIFIC_RUN.finditer(text):
        name = m.group("name")
        if (name in _NOT_NAMES or name + m.group("hon") in _NOT_NAME_WORDS or name.endswith(_NOT_NAME_ENDINGS)
                or (m.start() > 0 and text[m.start() - 1] in "おご御")):
            continue
        spans.append(m.span("name"))
    return spans


def _ends_a_name(words: list, i: int) -> bool:
    """A lone surname or given name: the sentence goes on with a particle, a punctuation mark or nothing (in
    「石川県」「林業」 the dictionary reads no 人名 anyway; a one-letter 人名 such as 納 is never taken)."""
    if i + 1 >= len(words):
        return True
    nf = words[i + 1][0].feature
    return nf.pos1 in ("助詞", "補助記号", "空白")


def _protected(text: str) -> list[tuple[int, int]]:
    """Spans that must never be masked: references, amounts, notice numbers and their dates."""
    patterns = [
        r"(?:第\s*)?[0-9]+\s*条(?:の[0-9]+)?(?:\s*第?[0-9]+\s*項)?(?:\s*第?[0-9]+\s*号)?",
        r"法\s*[0-9]+(?:条)?(?:の[0-9]+)?",
        r"問\s*[0-9]+\s*[-の]\s*[0-9]+",
        r"[次局課]第\s*[0-9]+(?:\s*-\s*(?:\(?[0-9]+\)?|[ア-ン]|\([ア-ン]\)))*",
        r"[^\s、。()「」]{1,12}?発\s*[0-9]{3,4}\s*第\s*[0-9]{1,3}\s*号",
        r"[0-9][0-9,]*(?:\.[0-9]+)?\s*(?:万|千|百|億)?\s*円",
        r"[0-9][0-9,]*\s*(?:%|％|割|か月|ヶ月|ケ月|箇月|月分|年分|日分|年間|日間|世帯|人|件|回|歳)",
    ]
    spans = []
    for p in patterns:
        spans.extend(m.span() for m in re.finditer(p, text))
    return spans


def _is_phone(value: str) -> bool:
    digits = re.sub(r"\D", "", value)
    if value.lstrip().startswith("+"):
        digits = "0" + digits[2:]
    return digits.startswith("0") and len(digits) in (10, 11)


def _trim_name(value: str) -> str:
    for ending in _NAME_ENDINGS:
        if value.endswith(ending) and len(value) > len(ending) + 1:
            return value[: -len(ending)]
    return value


def _more_name_spans(text: str) -> list[tuple[int, int]]:
    """Names the MeCab pass cannot see: labelled, hiragana or romaji before an honorific."""
    spans: list[tuple[int, int]] = []
    for m in _NAME_LABELLED.finditer(text):
        group = "v" if m.group("v") is not None else "w"
        s = m.start(group)
        spans.append((s, s + len(_trim_name(m.group(group)))))
    for m in _HIRAGANA_HONORIFIC.finditer(text):
        s, e = m.span("name")
        glued = s > 0 and re.match(r"[一-龥々ァ-ヶー]", text[s - 1])
        if glued:  # 受給者のやまださん: after the particle; 用いる様式: okurigana, no name
            if text[s] not in _PARTICLES or e - s <= 2:
                continue
            s += 1
        name = text[s:e]
        if name[0] in "おご" or name in _NOT_HIRAGANA_NAMES:
            continue
        spans.append((s, e))
    spans.extend(m.span("v") for m in _ROMAJI_HONORIFIC.finditer(text))
    return spans


PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("case", _CASE), ("case", _CASE_CODE), ("case", _CASE_TEAM), ("email", _EMAIL), ("mynumber", _MYNUMBER),
    ("pension", _PENSION), ("bank", _BANK), ("bank", _ACCOUNT), ("bank", _YUCHO), ("phone", _PHONE),
    ("birth", _BIRTH_AFTER), ("birth", _BIRTH_BEFORE), ("birth", _BIRTH_AGE), ("birth", _BIRTH_SHORT),
    ("address", _ADDRESS), ("address", _ADDRESS_AFTER_WORD), ("address", _POSTAL),
)
"""Every pattern names its value as the group ``v`` (or ``w`` in an alternative)."""


def _spans(text: str) -> list[tuple[int, int, str]]:
    """Where personal data is in ``text`` (NFKC-normalised): non-overlapping (start, end, kind), in order."""
    protected = _protected(text) + [m.span() for m in _MASK.finditer(text)]
    placeholders = [m.span() for m in _MASK.finditer(text)]
    candidates: list[tuple[int, int, str]] = []

    def add(kind: str, span: tuple[int, int]) -> None:
        s, e = span
        while s < e and text[s].isspace():
            s += 1
        while e > s and text[e - 1].isspace():
            e -= 1
        if s >= e:
            return
        if any(ps <= s and e <= pe for ps, pe in protected) or any(s < pe and ps < e for ps, pe in placeholders):
            return
        candidates.append((s, e, kind))

    for kind, pattern in PATTERNS:
        for m in pattern.finditer(text):
            group = "v" if m.group("v") is not None or "w" not in pattern.groupindex else "w"
            start, end = m.span(group)
            if kind == "phone":
                while text[end - 1] == ")" and text[start:end].count(")") > text[start:end].count("("):
                    end -= 1  # 電話090-1234-5678) : the parenthesis belongs to the sentence
                if not _is_phone(text[start:end]):
                    continue
            add(kind, (start, end))
    for span in _name_spans(text) + _more_name_spans(text):
        add("name", span)

    # Longest first wins where candidates overlap.
    chosen: list[tuple[int, int, str]] = []
    for s, e, kind in sorted(candidates, key=lambda c: (-(c[1] - c[0]), c[0])):
        if all(e <= cs or ce <= s for cs, ce, _ in chosen):
            chosen.append((s, e, kind))
    return sorted(chosen)


class Masker:
    """Masks several texts with one mapping: the same value gets the same placeholder in all of them."""

    def __init__(self) -> None:
        self.mapping: dict[str, str] = {}
        """Placeholder -> original value (stays on this machine)."""
        self._by_value: dict[tuple[str, str], str] = {}
        self._counters: dict[str, int] = {}

    def mask(self, text: str) -> str:
        """``text`` with personal data replaced by placeholders (then NFKC-normalised); as it was if it has none."""
        normalised = unicodedata.normalize("NFKC", text)
        spans = _spans(normalised)
        if not spans:
            return text
        text = normalised
        out: list[str] = []
        pos = 0
        for s, e, kind in spans:
            value = text[s:e]
            placeholder = self._by_value.get((kind, value))
            if placeholder is None:
                self._counters[kind] = self._counters.get(kind, 0) + 1
                placeholder = f"〈{KINDS[kind]}{self._counters[kind]}〉"
                self._by_value[(kind, value)] = placeholder
                self.mapping[placeholder] = value
            out.append(text[pos:s])
            out.append(placeholder)
            pos = e
        out.append(text[pos:])
        return "".join(out)


def mask(text: str) -> Masked:
    """``text`` (NFKC-normalised) with personal data replaced by placeholders."""
    masker = Masker()
    return Masked(masker.mask(text), masker.mapping)


def detect(text: str) -> list[str]:
    """The kinds of personal data in ``text`` (Japanese labels such as 氏名・電話番号), in order of appearance."""
    found: list[str] = []
    for _, _, kind in _spans(unicodedata.normalize("NFKC", text)):
        if KINDS[kind] not in found:
            found.append(KINDS[kind])
    return found


def unmask(text: str, mapping: dict[str, str]) -> str:
    """Put the original values back (on this machine, for display)."""
    return _MASK.sub(lambda m: mapping.get(m.group(0), m.group(0)), text)
