"""The gold set: questions the way CWs ask them, with the citation labels a right answer rests on.

Format: UTF-8 JSON lines, one object per question (blank lines are ignored)::

    {"id": "q001", "question": "年金の遡及分は63条？78条？", "labels": ["生活保護法 第63条", "問13-21"],
     "key_points": ["…", "…"], "category": "63_78", "answerable": true, "split": "dev"}

- ``id`` (text, unique), ``question`` (text), ``category`` (text; the keys below get a readable name,
  any other text is used as it is), ``answerable`` (true/false) are required.
- ``labels``: citation labels of the passages that answer the question, **any of them** counts
  (matched hierarchically with :func:`kb_bot.refs.label_matches`: 「生活保護法 第78条」 also matches the
  passage 「生活保護法 第78条第2項」). Keyed on labels, never on passage ids, so the gold set survives
  re-segmentation. Required and non-empty when ``answerable`` is true; empty when it is false.
- ``key_points``: optional, 2–4 short statements a right answer contains (for a human reviewer).
- ``split``: optional, ``dev`` (tuned on) or ``test`` (held out). An item without it only counts in
  ``--split all``.
- ``note``: optional free text.
- ``style``: optional, how the question is written (the keys of :data:`STYLES`; any other text is
  shown as it is), so a report can say which way of asking fails.
"""

from __future__ import annotations

import difflib
import hashlib
import json
import random
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from kb_bot.errors import UserError

CATEGORIES = {
    "63_78": "63条か78条か",
    "jiritsu": "自立更生費",
    "claims": "債権（時効・督促・分納・破産・天引き）",
    "kaigo_shinkoku": "介護保険料加算・申告",
    "other": "その他の生活保護",
    "unanswerable": "資料外（回答不能）",
}
"""Category keys of the bundled gold set and the names reports show for them."""

STYLES = {
    "cw": "普段の CW の質問",
    "case": "長い事例（100〜300字）",
    "exam": "選択肢つきの試験形式",
    "short": "略記・キーワード",
    "false": "誤った前提",
    "oos": "隣接分野（資料外）",
}
"""Ways of asking (the optional ``style`` field of gold2.jsonl) and the names reports show for them."""

SPLITS = ("dev", "test")
REQUIRED = ("id", "question", "labels", "category", "answerable")
OPTIONAL = ("key_points", "split", "note", "style")
MAX_ERRORS = 30
SPLIT_SEED = 2026
"""The seed that fixed gold2's and the law set's dev/test split when they were written."""
TEST_SHARE = 0.4
"""The share of each category held out as test (gold.jsonl's rule, kept for the seeded splits)."""


def category_name(key: str) -> str:
    return CATEGORIES.get(key, key)


def style_name(key: str) -> str:
    return STYLES.get(key, key)


@dataclass(frozen=True)
class GoldItem:
    id: str
    question: str
    labels: tuple[str, ...]
    category: str
    answerable: bool
    key_points: tuple[str, ...] = ()
    split: str = ""
    note: str = ""
    style: str = ""
    line: int = 0

    def to_dict(self) -> dict:
        out = {"id": self.id, "question": self.question, "labels": list(self.labels),
               "key_points": list(self.key_points), "category": self.category, "answerable": self.answerable,
               "split": self.split}
        return out | ({"style": self.style} if self.style else {})


class GoldError(UserError, ValueError):
    """The gold file cannot be used; ``problems`` lists every problem found, each with its line."""

    def __init__(self, path: str, problems: list[str]) -> None:
        self.path, self.problems = path, problems
        shown = problems[:MAX_ERRORS]
        more = f"\n  … ほか {len(problems) - MAX_ERRORS} 件" if len(problems) > MAX_ERRORS else ""
        super().__init__(f"正解データ {path} に {len(problems)} 件の問題があります:\n  "
                         + "\n  ".join(shown) + more)


@dataclass
class GoldSet:
    path: str
    items: list[GoldItem]
    sha1: str = ""
    warnings: list[str] = field(default_factory=list)

    def select(self, split: str) -> list[GoldItem]:
        """Items of ``split`` (dev / test / all)."""
        if split == "all":
            return list(self.items)
        if split not in SPLITS:
            raise ValueError(f"split は dev / test / all のいずれかです（{split!r}）")
        return [i for i in self.items if i.split == split]


def _is_text_list(value: object) -> bool:
    return isinstance(value, list) and all(isinstance(v, str) and v.strip() for v in value)


def _check_item(obj: object, where: str) -> tuple[GoldItem | None, list[str]]:
    if not isinstance(obj, dict):
        return None, [f"{where}: 1行に1つの JSON オブジェクト {{...}} を書いてください"]
    problems = []
    for key in obj:
        if key not in REQUIRED and key not in OPTIONAL:
            close = difflib.get_close_matches(key, REQUIRED + OPTIONAL, n=1)
            hint = f"（{close[0]} の誤り？）" if close else ""
            problems.append(f"{where}: 不明な項目 {key!r}{hint}。使える項目: {', '.join(REQUIRED + OPTIONAL)}")
    for key in REQUIRED:
        if key not in obj:
            problems.append(f"{where}: 必須項目 {key!r} がありません")
    if problems:
        return None, problems
    for key in ("id", "question", "category"):
        if not isinstance(obj[key], str) or not obj[key].strip():
            problems.append(f"{where}: {key!r} は空でない文字列にしてください（{obj[key]!r}）")
    if not isinstance(obj["answerable"], bool):
        problems.append(f"{where}: 'answerable' は true か false にしてください（{obj['answerable']!r}）")
    if not isinstance(obj["labels"], list) or not all(isinstance(v, str) for v in obj["labels"]):
        problems.append(f"{where}: 'labels' は引用ラベルの文字列のリストにしてください（例: [\"生活保護法 第63条\"]）")
    elif any(not v.strip() for v in obj["labels"]):
        problems.append(f"{where}: 'labels' に空の文字列があります")
    elif obj["answerable"] is True and not obj["labels"]:
        problems.append(f"{where}: answerable が true なのに 'labels' が空です（正解となる引用ラベルを1つ以上）")
    elif obj["answerable"] is False and obj["labels"]:
        problems.append(f"{where}: answerable が false（資料外）なのに 'labels' があります（空のリストにしてください）")
    key_points = obj.get("key_points", [])
    if not _is_text_list(key_points):
        problems.append(f"{where}: 'key_points' は空でない文字列のリストにしてください")
    elif key_points and not 2 <= len(key_points) <= 4:
        problems.append(f"{where}: 'key_points' は2〜4項目にしてください（{len(key_points)} 項目）")
    split = obj.get("split", "")
    if split not in ("", *SPLITS):
        problems.append(f"{where}: 'split' は \"dev\" か \"test\" にしてください（{split!r}）")
    for key in ("note", "style"):
        if key in obj and not isinstance(obj[key], str):
            problems.append(f"{where}: {key!r} は文字列にしてください")
    if problems:
        return None, problems
    item = GoldItem(
        id=obj["id"].strip(), question=obj["question"].strip(), labels=tuple(v.strip() for v in obj["labels"]),
        category=obj["category"].strip(), answerable=obj["answerable"],
        key_points=tuple(v.strip() for v in key_points), split=split, note=obj.get("note", ""),
        style=obj.get("style", "").strip(),
    )
    return item, []


def parse_gold(text: str, path: str = "<gold>") -> GoldSet:
    """Parse and validate gold JSON lines; raises :class:`GoldError` listing every problem."""
    items: list[GoldItem] = []
    problems: list[str] = []
    for n, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line:
            continue
        where = f"{path}:{n}"
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as e:
            problems.append(f"{where}: JSON として読めません（{e.msg}、{e.colno} 文字目）")
            continue
        item, found = _check_item(obj, where)
        problems += found
        if item is not None:
            items.append(GoldItem(**{**item.__dict__, "line": n}))
    counts = Counter(i.id for i in items)
    for dup in sorted(k for k, c in counts.items() if c > 1):
        lines = ", ".join(str(i.line) for i in items if i.id == dup)
        problems.append(f"{path}: id {dup!r} が重複しています（{lines} 行目）")
    if not items and not problems:
        problems.append(f"{path}: 質問が1件もありません")
    if problems:
        raise GoldError(path, problems)
    warnings = []
    if not any(not i.answerable for i in items):
        warnings.append("資料外（answerable: false）の質問がないため、回答を控える判断の精度は測れません")
    return GoldSet(path, items, hashlib.sha1(text.encode("utf-8")).hexdigest()[:12], warnings)


def load_gold(path: Path | str) -> GoldSet:
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise GoldError(str(path), [f"{path}: ファイルがありません"]) from None
    except UnicodeDecodeError as e:
        raise GoldError(str(path), [f"{path}: UTF-8 で読めません（{e.start} バイト目）"]) from None
    return parse_gold(text, str(path))


def stratified_split(keys: Iterable[tuple[str, str]], seed: int, test_share: float = TEST_SHARE) -> dict[str, str]:
    """``id -> "dev"/"test"`` for ``(id, category)`` pairs: within each category, a seeded shuffle puts
    ``round(n * test_share)`` items (at least one where the category has two or more) in test.

    The same function fixed gold2's split and the law set's (seed :data:`SPLIT_SEED`) and draws the
    repeated random resplits of ``kb-bot eval``; it depends only on ids and categories, not on order.
    """
    by_cat: dict[str, list[str]] = {}
    for item_id, category in keys:
        by_cat.setdefault(category, []).append(item_id)
    out: dict[str, str] = {}
    for cat in sorted(by_cat):
        ids = sorted(by_cat[cat])
        random.Random(f"{seed}:{cat}").shuffle(ids)
        n_test = max(1, round(len(ids) * test_share)) if len(ids) > 1 else 0
        out |= {i: "test" for i in ids[:n_test]} | {i: "dev" for i in ids[n_test:]}
    return out


def shown_path(path: Path) -> str:
    """A corpus folder as reports and the saved confidence model name it: relative to the working folder, else
    its name (the generated law set lives in a temporary folder), so no machine's paths are written down."""
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return path.name
