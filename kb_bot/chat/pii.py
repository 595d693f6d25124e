"""Masking of personal data before any text leaves the machine (LLM mode).

What is masked (each occurrence becomes a placeholder such as 〈氏名1〉, the same value the same
placeholder, so the model can still tell two people apart):

- names written with an honorific (様・さん・氏・くん・君・ちゃん・殿) — the words before the honorific,
  found with MeCab (unidic), so 「同様」「皆様」「お客様」「担当者さん」 are left alone — and a surname
  directly followed by a given name (山田太郎) even without one;
- case numbers (ケース番号・世帯番号・受給者番号 … followed by a code);
- phone numbers (0X-XXXX-XXXX, 090XXXXXXXX, (03)1234-5678);
- 12-digit numbers (個人番号 / My Number), with or without separators;
- e-mail addresses;
- addresses (a prefecture/city/town followed by 丁目・番地・号 or 1-2-3 style numbers, or after 住所);
- dates of birth (a date next to 生年月日・生まれ・生・誕生日).

What is never masked: article and paragraph numbers (第63条第1項, 法78条の2), 問 numbers (問13-21),
実施要領 labels (局第8-3-(2)-ア), notice numbers and their dates (平成24年7月23日 社援保発0723第1号), amounts
(30,000円, 12万円), ordinary dates (令和6年4月1日から), percentages and periods.

:func:`mask` returns the masked text and the mapping; :func:`unmask` puts the values back into the model's
answer on this machine, for display only.
"""

from __future__ import annotations

import re
import threading
import unicodedata
from dataclasses import dataclass, field

HONORIFICS = ("様", "さん", "氏", "くん", "君", "ちゃん", "殿")
KINDS = {
    "name": "氏名",
    "case": "ケース番号",
    "phone": "電話番号",
    "mynumber": "個人番号",
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
    r"(?<![\d\-])(?P<v>(?:\(0\d{1,4}\)\s?\d{1,4}-\d{3,4})|(?:0\d{1,4}-\d{1,4}-\d{3,4})|(?:0[5789]0\d{8})|(?:0\d{9}))(?![\d\-])"
)
_MYNUMBER = re.compile(r"(?<![\d\-,.])(?P<v>\d{4}[\s\-]?\d{4}[\s\-]?\d{4})(?![\d\-,.]|\s?円)")
_EMAIL = re.compile(r"(?P<v>[A-Za-z0-9._%+\-]+@[A-Za-z0-9.\-]+\.[A-Za-z]{2,})")

_KANJI_NUM = "〇一二三四五六七八九十"
_PLACE = (
    r"(?:東京都|北海道|(?:京都|大阪)府|[一-龥]{2,3}県)?"
    r"(?:(?:さいたま|[一-龥ァ-ヶー々]{1,7}?)[市区町村郡])+[一-龥ァ-ヶー々]{0,10}?"
)
_BLOCK = (
    rf"(?:[0-9{_KANJI_NUM}]+丁目\s*[0-9{_KANJI_NUM}]+(?:番地?|-)?\s*(?:[0-9{_KANJI_NUM}]+号?)?"
    rf"|[0-9]+番地(?:の?[0-9]+)?|[0-9]+番[0-9]+号|[0-9]+-[0-9]+(?:-[0-9]+)?)"
)
_ADDRESS = re.compile(rf"(?P<v>{_PLACE}{_BLOCK}(?:[^\s、。,]{{0,20}}?(?:[0-9]+号室|[0-9]+階))?)")
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


def _tagger():  # noqa: ANN202 - fugashi.Tagger
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
        elif f.pos2 == "固有名詞" and f.pos3 == "人名" and f.pos4 == "姓" and i + 1 < len(words):
            nf = words[i + 1][0].feature
            if nf.pos2 == "固有名詞" and nf.pos3 == "人名" and nf.pos4 == "名":
                spans.append((start, words[i + 1][2]))
    # MeCab sometimes reads a name + honorific as a verb (翔くん → 翔く+ん): a character-class pass as well.
    for m in _HONORIFIC_RUN.finditer(text):
        name = m.group("name")
        if (name in _NOT_NAMES or name + m.group("hon") in _NOT_NAME_WORDS or name.endswith(_NOT_NAME_ENDINGS)
                or (m.start() > 0 and text[m.start() - 1] in "おご御")):
            continue
        spans.append(m.span("name"))
    return spans


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


def mask(text: str) -> Masked:
    """``text`` (NFKC-normalised) with personal data replaced by placeholders."""
    text = unicodedata.normalize("NFKC", text)
    protected = _protected(text)
    candidates: list[tuple[int, int, str]] = []

    def add(kind: str, span: tuple[int, int]) -> None:
        s, e = span
        while s < e and text[s].isspace():
            s += 1
        while e > s and text[e - 1].isspace():
            e -= 1
        if s >= e:
            return
        if any(ps <= s and e <= pe for ps, pe in protected):
            return
        candidates.append((s, e, kind))

    for kind, pattern in (("case", _CASE), ("case", _CASE_CODE), ("email", _EMAIL), ("mynumber", _MYNUMBER),
                          ("phone", _PHONE), ("birth", _BIRTH_AFTER), ("birth", _BIRTH_BEFORE),
                          ("address", _ADDRESS), ("address", _ADDRESS_AFTER_WORD)):
        for m in pattern.finditer(text):
            add(kind, m.span("v"))
    for span in _name_spans(text):
        add("name", span)

    # Longest first wins where candidates overlap.
    chosen: list[tuple[int, int, str]] = []
    for s, e, kind in sorted(candidates, key=lambda c: (-(c[1] - c[0]), c[0])):
        if all(e <= cs or ce <= s for cs, ce, _ in chosen):
            chosen.append((s, e, kind))
    chosen.sort()

    mapping: dict[str, str] = {}
    by_value: dict[tuple[str, str], str] = {}
    counters: dict[str, int] = {}
    out: list[str] = []
    pos = 0
    for s, e, kind in chosen:
        value = text[s:e]
        placeholder = by_value.get((kind, value))
        if placeholder is None:
            counters[kind] = counters.get(kind, 0) + 1
            placeholder = f"〈{KINDS[kind]}{counters[kind]}〉"
            by_value[(kind, value)] = placeholder
            mapping[placeholder] = value
        out.append(text[pos:s])
        out.append(placeholder)
        pos = e
    out.append(text[pos:])
    return Masked("".join(out), mapping)


def unmask(text: str, mapping: dict[str, str]) -> str:
    """Put the original values back (on this machine, for display)."""
    return _MASK.sub(lambda m: mapping.get(m.group(0), m.group(0)), text)
