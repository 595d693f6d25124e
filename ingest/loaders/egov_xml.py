"""e-Gov law XML (法令標準XML) as lines in the Markdown law form the law segmenter reads.

``## LawTitle``, chapter lines (``第8章 ...``), ``### 第77条の2(caption)``, ``#### 第N項`` (only when
an article has several paragraphs), sentences, items as ``一 ...``; ``SupplProvision`` becomes a
``附則`` line followed by its articles or paragraphs.
"""

from __future__ import annotations

import re
from pathlib import Path

from lxml import etree

from ingest.loaders.line import Line, LoadError
from kb_bot.text import normalize

_DIVISION_TITLES = {
    "Part": "PartTitle",
    "Chapter": "ChapterTitle",
    "Section": "SectionTitle",
    "Subsection": "SubsectionTitle",
    "Division": "DivisionTitle",
}
_ITEM = re.compile(r"^(Item|Subitem\d+)$")
_ARTICLE_NUM = re.compile(r"^\d+(?:_\d+)*$")


def _text(el: etree._Element | None) -> str:
    """Text of an element without ruby readings (Rt); columns separated by a space."""
    if el is None:
        return ""
    parts: list[str] = []

    def visit(node: etree._Element) -> None:
        if node.tag == "Rt":
            return
        if node.tag == "Column" and parts:
            parts.append(" ")
        parts.append(_meaningful(node.text))
        for child in node:
            visit(child)
            parts.append(_meaningful(child.tail))

    visit(el)
    return normalize("".join(parts)).strip()


def _meaningful(text: str | None) -> str:
    """Indentation between elements (e.g. between two Sentence elements) is layout, not text."""
    return text if text and text.strip() else ""


class _Emitter:
    def __init__(self) -> None:
        self.lines: list[str] = []

    def add(self, text: str) -> None:
        if text:
            self.lines.append(text)

    def provision(self, el: etree._Element) -> None:
        for child in el:
            tag = child.tag
            if tag in _DIVISION_TITLES:
                self.add(_text(child.find(_DIVISION_TITLES[tag])))
                self.provision(child)
            elif tag == "Article":
                self.article(child)
            elif tag == "Paragraph":
                self.paragraphs(el.findall("Paragraph"))
                return

    def article(self, el: etree._Element) -> None:
        num = el.get("Num", "")
        title = (
            "第" + num.replace("_", "条の", 1).replace("_", "の") + ("" if "_" in num else "条")
            if _ARTICLE_NUM.match(num)
            else _text(el.find("ArticleTitle"))
        )
        self.add(f"### {title}{_text(el.find('ArticleCaption'))}")
        self.paragraphs(el.findall("Paragraph"))

    def paragraphs(self, paragraphs: list[etree._Element]) -> None:
        for p in paragraphs:
            if len(paragraphs) > 1:
                self.add(f"#### 第{p.get('Num', '')}項")
            self.add(_text(p.find("ParagraphSentence")))
            self.details(p)

    def details(self, el: etree._Element) -> None:
        """Items (号) and their sub-items, tables and lists inside a paragraph or item."""
        for child in el:
            tag = child.tag
            if _ITEM.match(tag):
                title, sentence = _text(child.find(f"{tag}Title")), _text(child.find(f"{tag}Sentence"))
                self.add(f"{title} {sentence}".strip())
                self.details(child)
            elif tag == "TableStruct":
                for row in child.iter("TableRow"):
                    self.add(" ".join(_text(c) for c in row.findall("TableColumn")).strip())
            elif tag in ("List", "Sublist1", "Sublist2", "Sublist3"):
                self.add(_text(child.find(f"{tag}Sentence")))
                self.details(child)


def load_egov_xml(path: Path) -> list[Line]:
    data = path.read_bytes()
    if b"<!ENTITY" in data:  # e-Gov law XML declares no entities; expanding them is the billion-laughs attack
        raise LoadError(
            "XMLに実体宣言（<!ENTITY>）があります。実体の展開は安全のため受け付けません。e-Govからダウンロードした法令XMLをそのまま指定してください"
        )
    parser = etree.XMLParser(resolve_entities=False, no_network=True, remove_comments=True)
    try:
        root = etree.fromstring(data, parser)
    except etree.XMLSyntaxError as e:
        raise LoadError(f"XMLの形式が正しくありません（{e.lineno}行目付近）。ファイルが壊れていないか確認してください") from None
    body = root.find("LawBody") if root.tag == "Law" else root.find(".//LawBody")
    if body is None:
        raise LoadError("e-Gov法令XMLではありません（LawBody要素がありません）。e-Govからダウンロードした法令XMLを指定してください")
    out = _Emitter()
    out.add(f"## {_text(body.find('LawTitle'))}")
    for provision in body:
        if provision.tag == "MainProvision":
            out.provision(provision)
        elif provision.tag == "SupplProvision":
            amend = provision.get("AmendLawNum", "")
            out.add(f"附則 {normalize(amend)}".strip())
            out.provision(provision)
    return [Line(text) for text in out.lines]
