"""The web app's one HTML kit: the style sheet, escaping, status lines, tables, key–value lists, and the HTML
of answers, citations, SV確認済み回答, history and the queue. Every dynamic text is escaped here.

The disclaimer (kb_bot.DISCLAIMER) is part of :func:`answer_html` itself, so no surface that shows an
answer can leave it out.
"""

from __future__ import annotations

import datetime as dt
import html
import re
from collections.abc import Sequence
from typing import Any

from kb_bot import DISCLAIMER
from kb_bot.answer import NEAR_TITLE, RETRIEVAL_LABELS, WEAK_BASIS_NOTE
from kb_bot.chat.flags import FLAG_LABELS
from kb_bot.chat.highlight import spans

JST = dt.timezone(dt.timedelta(hours=9))
MODE_LABELS = {"extractive": "抽出（資料の文をそのまま引用）", "llm": "LLM（根拠検査済み）",
               "llm_fallback": "抽出（LLM回答は不採用）"}
SNIPPET = 180

CSS = """
.kb-disclaimer{background:#fff7e0;border:1px solid #e0b84c;border-radius:6px;padding:8px 12px;margin:0 0 10px;
  font-weight:600;color:#6b4a00}
.kb-answer{font-size:15px;line-height:1.75}
.kb-answer-text{background:#f6f8fb;border-left:4px solid #3b6ea8;padding:10px 14px;margin:8px 0;white-space:pre-wrap}
.kb-marker{font-weight:700;color:#2458a6;text-decoration:none;margin:0 1px}
.kb-abstain{background:#fdecec;border:1px solid #d77;border-radius:6px;padding:10px 14px;margin:8px 0}
.kb-notice{color:#8a5a00;font-size:13px;margin:4px 0}
.kb-checklist{border:1px solid #cfd8e3;border-radius:6px;padding:8px 14px;margin:10px 0}
.kb-checklist h4,.kb-citations h4,.kb-office h4{margin:4px 0 6px;font-size:15px}
.kb-checklist h5{margin:8px 0 2px;font-size:14px;color:#34495e}
.kb-checklist ul{list-style:none;padding-left:4px;margin:2px 0}
.kb-checklist li{margin:3px 0}
.kb-cite{border:1px solid #dde3ea;border-radius:6px;padding:8px 12px;margin:6px 0;background:#fff}
.kb-cite-head{font-size:14px}
.kb-cite-label{font-weight:700}
.kb-old{background:#eee;color:#a33;border:1px solid #c99;border-radius:4px;padding:0 4px;margin-left:4px;font-size:12px}
.kb-src{color:#555}
.kb-cite-snippet{color:#333;margin-top:4px}
.kb-cite details summary{cursor:pointer;color:#2458a6;font-size:13px;margin-top:4px}
.kb-cite-full{white-space:pre-wrap;background:#fafafa;padding:6px 8px;border-radius:4px;margin-top:4px}
mark{background:#ffe98a;padding:0 1px;border-radius:2px}
.kb-office{border:2px solid #2e8b57;border-radius:8px;padding:8px 14px;margin:10px 0;background:#f1fbf5}
.kb-badge{display:inline-block;background:#2e8b57;color:#fff;border-radius:4px;padding:0 6px;font-size:12px;
  font-weight:700;margin-right:6px}
.kb-badge-pending{background:#c98a00}.kb-badge-rejected{background:#b03a2e}.kb-badge-corrected{background:#2e6f8b}
.kb-meta{color:#666;font-size:12px;margin-top:8px}
.kb-flags{font-size:12px;color:#7a4b00}
.kb-weak{border:1px solid #c98a00;border-left:6px solid #c98a00;background:#fff7e6;color:#6b4200;border-radius:6px;
  padding:6px 12px;margin:8px 0;font-weight:600}
.kb-turn{border:1px solid #dde3ea;border-radius:8px;padding:8px 12px;margin:8px 0}
.kb-turn summary{cursor:pointer}
.kb-outcome{border-left:4px solid #2e8b57;background:#f1fbf5;padding:6px 10px;margin:6px 0;white-space:pre-wrap}
.kb-outcome.kb-rejected{border-color:#b03a2e;background:#fdf1f0}
.kb-alerts{border:1px solid #d9a300;background:#fffaf0;border-radius:6px;padding:6px 12px;margin:4px 0}
.kb-alerts li.kb-overdue{color:#a11;font-weight:600}
.kb-header{display:flex;justify-content:space-between;align-items:center;gap:12px}
.kb-header .kb-user{font-size:14px}
.kb-progress{color:#2458a6;padding:10px}
.kb-question{font-weight:600;margin:0 0 8px;white-space:pre-wrap}
.kb-header .kb-user a{white-space:nowrap}
.kb-download{font-weight:600;margin-right:6px}
.kbc-table{border-collapse:collapse;width:100%;font-size:13px;line-height:1.5}
.kbc-table th{background:#eef2f7;color:#1d2b3a;text-align:left;padding:4px 6px;border:1px solid #d5dde7;
  white-space:nowrap;position:sticky;top:0}
.kbc-table td{padding:3px 6px;border:1px solid #e1e6ec;vertical-align:top;color:#1d2b3a;background:#fff}
.kbc-table td.kbc-num{text-align:right;white-space:nowrap;font-variant-numeric:tabular-nums}
.kbc-table td.kbc-nowrap{white-space:nowrap}
.kbc-table tr.kbc-overdue td{background:#fdecec;color:#8b0000}
.kbc-table tr.kbc-soon td{background:#fff4d6}
.kbc-table tr.kbc-done td{color:#6b7480}
.kbc-table tr.kbc-muted td{color:#8a929c;text-decoration:line-through}
.kbc-wrap{overflow:auto;max-height:560px;border:1px solid #e1e6ec;border-radius:6px}
.kbc-head{font-weight:700;font-size:15px;margin:10px 0 4px;color:#1d2b3a}
.kbc-sub{color:#5b6673;font-size:12px;margin:0 0 6px}
.kbc-empty{color:#5b6673;padding:6px 2px}
.kbc-msg{font-weight:600;padding:6px 10px;border-radius:6px;margin:4px 0;white-space:pre-wrap}
.kbc-ok{color:#1f6f3f;background:#eef8f1;border:1px solid #b9dfc6}
.kbc-err{color:#9b1020;background:#fdf0f1;border:1px solid #eab4bb}
.kbc-info{color:#24508f;background:#eef3fb;border:1px solid #bfd0ea}
.kbc-msg ul{margin:4px 0 0 18px;padding:0;font-weight:400}
.kbc-tag{display:inline-block;border-radius:4px;padding:0 6px;font-size:12px;font-weight:700;color:#fff;
  background:#5b6673}
.kbc-tag-red{background:#b03a2e}.kbc-tag-amber{background:#b97800}.kbc-tag-green{background:#2e7d4f}
.kbc-tag-blue{background:#2e5f8b}
.kbc-kv{border-collapse:collapse;font-size:14px;margin:4px 0 8px;border:0 !important;width:auto}
.kbc-kv th{text-align:left;color:#5b6673;font-weight:600;padding:3px 18px 3px 0;white-space:nowrap;vertical-align:top;
  border:none;border-bottom:1px solid #eef1f5;background:transparent}
.kbc-kv td{padding:3px 0;color:#1d2b3a;border:none;border-bottom:1px solid #eef1f5;background:transparent}
.kbc-kv tr,.kbc-kv tbody,.kbc-kv th,.kbc-kv td{border-left:0 !important;border-right:0 !important;border-top:0 !important}
.kbc-title{font-size:16px;font-weight:700;margin:6px 0;color:#1d2b3a}
"""


def esc(value: Any) -> str:
    """``value`` as escaped HTML text (None is empty)."""
    return html.escape("" if value is None else str(value), quote=True)


def msg(kind: str, text: str, items: Sequence[str] = ()) -> str:
    """A status line (``ok`` / ``err`` / ``info``), with an optional list under it."""
    extra = f"<ul>{''.join(f'<li>{esc(i)}</li>' for i in items)}</ul>" if items else ""
    return f'<div class="kbc-msg kbc-{kind}" role="{"alert" if kind == "err" else "status"}">{esc(text)}{extra}</div>'


def yen(value: int) -> str:
    return f"{value:,}円"


def table(headers: Sequence[str], rows: Sequence[Sequence[Any]], *, row_classes: Sequence[str] | None = None,
          num_cols: Sequence[int] = (), nowrap_cols: Sequence[int] = (), elem_id: str = "") -> str:
    """An escaped HTML table; ``num_cols`` are right-aligned, ints there get thousands separators."""
    if not rows:
        return '<div class="kbc-empty">該当するものはありません</div>'
    nums, nowrap = set(num_cols), set(nowrap_cols)
    head = "".join(f"<th>{esc(h)}</th>" for h in headers)
    body = []
    for i, row in enumerate(rows):
        cls = row_classes[i] if row_classes else ""
        cells = []
        for j, v in enumerate(row):
            if j in nums:
                text = f"{v:,}" if isinstance(v, int) and not isinstance(v, bool) else esc(v)
                cells.append(f'<td class="kbc-num">{text}</td>')
            else:
                cells.append(f'<td class="kbc-nowrap">{esc(v)}</td>' if j in nowrap else f"<td>{esc(v)}</td>")
        body.append(f'<tr class="{cls}">{"".join(cells)}</tr>')
    ident = f' id="{esc(elem_id)}"' if elem_id else ""
    return (f'<div class="kbc-wrap"><table class="kbc-table"{ident}><thead><tr>{head}</tr></thead>'
            f'<tbody>{"".join(body)}</tbody></table></div>')


def kv(pairs: Sequence[tuple[str, str]]) -> str:
    rows = "".join(f"<tr><th>{esc(k)}</th><td>{esc(v)}</td></tr>" for k, v in pairs if v not in (None, ""))
    return f'<table class="kbc-kv">{rows}</table>'


def local_time(iso: str) -> str:
    """An ISO UTC timestamp as JST 「2026-11-26 10:03」."""
    if not iso:
        return ""
    try:
        return dt.datetime.fromisoformat(iso).astimezone(JST).strftime("%Y-%m-%d %H:%M")
    except ValueError:
        return iso


def highlighted(text: str, terms: set[str], literals: tuple[str, ...],
                found: list[tuple[int, int]] | None = None) -> str:
    out, pos = [], 0
    for s, e in spans(text, terms, literals) if found is None else found:
        out.append(esc(text[pos:s]))
        out.append(f"<mark>{esc(text[s:e])}</mark>")
        pos = e
    out.append(esc(text[pos:]))
    return "".join(out)


def _snippet(text: str, found: list[tuple[int, int]]) -> str:
    if len(text) <= SNIPPET:
        return highlighted(text, set(), (), found)
    start = max(0, found[0][0] - 40) if found else 0
    end = start + SNIPPET
    inside = [(max(s, start) - start, min(e, end) - start) for s, e in found if s < end and e > start]
    return ("…" if start else "") + highlighted(text[start:end], set(), (), inside) + "…"


def markers_html(text: str, prefix: str) -> str:
    """Escape ``text`` and turn [n] into links to the citation ``#{prefix}-{n}``."""
    escaped = esc(text)
    return re.sub(r"\[(\d{1,3})\]", lambda m: f'<a class="kb-marker" href="#{prefix}-{m.group(1)}">[{m.group(1)}]</a>',
                  escaped)


def _period(c: dict) -> str:
    if c.get("current", True):
        return ""
    return f'<span class="kb-old">旧 {esc(c.get("valid_from") or "…")}〜{esc(c.get("valid_until") or "")}</span>'


def citation_html(c: dict, prefix: str, terms: set[str], literals: tuple[str, ...]) -> str:
    page = f"・p.{int(c['page'])}" if c.get("page") else ""
    text = c.get("text", "")
    found = spans(text, terms, literals)
    return (
        f'<div class="kb-cite" id="{prefix}-{int(c["n"])}" data-passage-id="{esc(c.get("passage_id"))}">'
        f'<div class="kb-cite-head">[{int(c["n"])}] <span class="kb-cite-label">{esc(c["label"])}</span>{_period(c)}'
        f' <span class="kb-src">— {esc(c.get("collection_name"))}『{esc(c.get("title"))}』{page}</span></div>'
        f'<div class="kb-cite-snippet">{_snippet(text, found)}</div>'
        f'<details><summary>全文を表示</summary><div class="kb-cite-full">{highlighted(text, terms, literals, found)}'
        f'</div></details></div>'
    )


def office_html(o: dict, prefix: str) -> str:
    kind = "修正して承認" if o.get("kind") == "corrected" else "承認"
    cites = "".join(
        f'<li id="{prefix}-{int(c["n"])}">[{int(c["n"])}] {esc(c["label"])} — {esc(c.get("title"))}'
        f'{"・p." + str(int(c["page"])) if c.get("page") else ""}（索引の版 {esc(c.get("corpus_version"))}）</li>'
        for c in o.get("citations", []) if c.get("used")
    ) or "".join(
        f'<li id="{prefix}-{int(c["n"])}">[{int(c["n"])}] {esc(c["label"])} — {esc(c.get("title"))}</li>'
        for c in o.get("citations", [])
    )
    note = f'<div class="kb-meta">SVのメモ: {esc(o.get("note"))}</div>' if o.get("note") else ""
    return (
        f'<div class="kb-office-item"><div><span class="kb-badge">{esc(o.get("label", "SV確認済み回答"))}</span>'
        f'確認者 {esc(o.get("reviewer"))}・{esc(local_time(o.get("reviewed_at", "")))}（{kind}）</div>'
        f'<div class="kb-meta">もとの質問: {esc(o.get("question"))}</div>'
        f'<div class="kb-answer-text">{markers_html(o.get("answer", ""), prefix)}</div>{note}'
        f'<details><summary>この回答の根拠</summary><ul>{cites}</ul></details></div>'
    )


def abstention_html(reason: str, queued: bool | None) -> str:
    """The box for an answer without sufficient basis: one statement, and where the question went."""
    where = {True: "この質問は自動でSV確認に回りました。",
             False: "SVに確認する場合は、下の「SVに確認」から送ってください。", None: ""}[queued]
    why = f"（{esc(reason)}）" if reason else ""
    return (f'<div class="kb-abstain"><strong>資料の中に、この質問に答える十分な根拠は見つかりませんでした。</strong>'
            f'{why}{"<br>" + esc(where) if where else ""}</div>')


def answer_html(a: dict, turn_id: int | str = "new", mode: str = "extractive", flags: list[str] | None = None,
                timings: dict | None = None, status: str = "", queued: bool | None = None) -> str:
    """One answer: the question, disclaimer, SV確認済み回答, the answer text, the checklist, the citations, the
    meta line. ``queued`` says (for a new answer) whether the turn went to the SV automatically."""
    prefix = f"cite-{turn_id}"
    hl = a.get("highlight") or {}
    terms, literals = set(hl.get("terms", [])), tuple(hl.get("literals", []))
    parts = [f'<div class="kb-answer" data-turn-id="{esc(turn_id)}">']
    if a.get("question"):
        parts.append(f'<div class="kb-question">質問: {esc(a["question"])}</div>')
    parts.append(f'<div class="kb-disclaimer" role="note">⚠ {esc(a.get("disclaimer") or DISCLAIMER)}</div>')
    for i, o in enumerate(a.get("office") or [], start=1):
        parts.append(f'<section class="kb-office"><h4>SV確認済み回答（似た質問への回答）</h4>{office_html(o, f"office-{turn_id}-{i}")}</section>')
    if a.get("abstained"):
        parts.append(abstention_html(a.get("reason") or "", queued))
    else:
        if a.get("weak_basis"):  # read before the answer, not after it
            parts.append(f'<div class="kb-weak" role="note">⚠ {esc(WEAK_BASIS_NOTE)}</div>')
        parts.append(f'<div class="kb-answer-text">{markers_html(a.get("answer", ""), prefix)}</div>')
    if a.get("premise_note"):
        parts.append(f'<div class="kb-notice kb-premise">※ {esc(a["premise_note"])}</div>')
    if a.get("notice_chat"):
        parts.append(f'<div class="kb-notice">{esc(a["notice_chat"])}</div>')
    if a.get("notice"):
        parts.append(f'<div class="kb-notice">{esc(a["notice"])}</div>')
    if a.get("checklist") and not a.get("abstained"):
        groups: dict[str, list[dict]] = {}
        for item in a["checklist"]:
            groups.setdefault(item["group"], []).append(item)
        body = "".join(
            f"<h5>{esc(g)}</h5><ul>" + "".join(
                f'<li>☐ {esc(i["text"])} <a class="kb-marker" href="#{prefix}-{int(i["n"])}">[{int(i["n"])}]</a></li>'
                for i in items) + "</ul>"
            for g, items in groups.items()
        )
        partial = f'<div class="kb-notice kb-partial">※ {esc(a["checklist_note"])}</div>' if a.get("checklist_note") else ""
        parts.append(f'<section class="kb-checklist"><h4>{esc(a.get("checklist_title"))}</h4>{body}{partial}'
                     '<div class="kb-meta">各項目は資料の記載をそのまま引用しています。事実関係に当てはめて確認してください。</div></section>')
    cites = "".join(citation_html(c, prefix, terms, literals) for c in a.get("citations") or [])
    if cites:
        title = NEAR_TITLE if a.get("abstained") else "根拠となる記載"
        parts.append(f'<section class="kb-citations"><h4>{title}</h4>{cites}</section>')
    retrieval = a.get("retrieval_mode") or ""
    meta = [f"索引の版 {esc(a.get('corpus_version'))}", f"検索方式 {esc(RETRIEVAL_LABELS.get(retrieval, retrieval))}",
            f"回答方式 {esc(MODE_LABELS.get(mode, mode))}"]
    if timings and "total_ms" in timings:
        meta.append(f"{timings['total_ms']:.0f} ms")
    parts.append(f'<div class="kb-meta">{"・".join(meta)}</div>')
    if a.get("sample_note"):
        parts.append(f'<div class="kb-meta kb-sample">{esc(a["sample_note"])}</div>')
    if flags:
        parts.append(f'<div class="kb-flags">SV確認の対象: {esc("、".join(FLAG_LABELS.get(f, f) for f in flags))}'
                     f'{"（" + esc(status) + "）" if status else ""}</div>')
    parts.append("</div>")
    return "".join(parts)


def outcome_html(t: dict) -> str:
    """The review outcome of a turn, as the CW sees it."""
    status = t.get("review_status")
    if status not in ("approved", "corrected", "rejected"):
        return ""
    who = f"{esc(t.get('reviewer'))}・{esc(local_time(t.get('reviewed_at', '')))}"
    note = f"<div>メモ: {esc(t.get('review_note'))}</div>" if t.get("review_note") else ""
    if status == "approved":
        return f'<div class="kb-outcome"><span class="kb-badge">SV承認済み</span>{who}{note}</div>'
    if status == "corrected":
        return (f'<div class="kb-outcome"><span class="kb-badge kb-badge-corrected">SVが修正</span>{who}'
                f'<div><strong>修正後の回答:</strong><br>{markers_html(t.get("corrected_answer", ""), "cite-" + str(t["id"]))}</div>{note}</div>')
    return f'<div class="kb-outcome kb-rejected"><span class="kb-badge kb-badge-rejected">SV差し戻し</span>{who}{note}</div>'


def history_html(turns: list[dict], answers: dict[int, dict] | None = None) -> str:
    if not turns:
        return "<p>まだ質問はありません。</p>"
    rows = []
    for t in turns:
        badge = ""
        if t["review_status"] in ("approved", "corrected", "rejected", "pending"):
            cls = {"pending": "kb-badge-pending", "rejected": "kb-badge-rejected", "corrected": "kb-badge-corrected"}.get(
                t["review_status"], "")
            badge = f'<span class="kb-badge {cls}">{esc(t["status_label"])}</span>'
        body = ""
        if answers and t["id"] in answers:
            flags = t["flags"] if t["review_status"] != "none" else None
            body = answer_html(answers[t["id"]], t["id"], t["mode"], flags, t["timings"])
        rows.append(
            f'<details class="kb-turn" data-turn-id="{t["id"]}"><summary>{badge}<strong>{esc(t["question"])}</strong>'
            f' <span class="kb-meta">{esc(local_time(t["created_at"]))}</span></summary>'
            f'{outcome_html(t)}{body}</details>'
        )
    return "".join(rows)


def flag_labels(flags: list[str]) -> str:
    return "、".join(FLAG_LABELS.get(f, f) for f in flags)


def queue_choice(item: dict) -> str:
    """One line of the SV queue (plain text for the picker): who, when, how often, the question, why it is
    there and the CW's comment."""
    repeat = f"（同じ質問 {item['count']} 件）" if item["count"] > 1 else ""
    comments = " / ".join(c.replace("\n", " ") for c in item["comments"])
    line = (f"#{item['id']} {local_time(item['queued_at'])} {'、'.join(item['askers'])}{repeat}: "
            f"{item['question'][:50]} ［理由: {flag_labels(item['flags']) or 'なし'}］")
    return line + (f" ［コメント: {comments[:60]}］" if comments else "")


def queue_count(items: list[dict]) -> str:
    if not items:
        return "確認待ちの質問はありません"
    turns = sum(i["count"] for i in items)
    return f"確認待ち {len(items)} 件" + (f"（同じ質問をまとめる前は {turns} 件）" if turns != len(items) else "")


def review_html(t: dict, item: dict | None = None) -> str:
    """A flagged turn as the SV sees it: question, CW comments, flags, answer, citations, history; with its
    queue ``item``, how many repeats the decision covers and every asker's comment."""
    a = t.get("answer_json") or {}
    flags = flag_labels((item or t).get("flags", []))
    comments = (item or {}).get("comments") or ([t["cw_comment"]] if t.get("cw_comment") else [])
    comment = "".join(f'<div class="kb-outcome"><strong>CWのコメント:</strong> {esc(c)}</div>' for c in comments)
    if item and item["count"] > 1:
        comment += (f'<div class="kb-meta">同じ質問・同じ回答が {item["count"]} 件あります'
                    f'（{esc("、".join(item["askers"]))}）。判断はその全件に適用されます。</div>')
    hist = "".join(
        f"<li>{esc(local_time(h['at']))} {esc(h['actor'])}: {esc(h['label'])}{'（' + esc(h['note']) + '）' if h['note'] else ''}</li>"
        for h in t.get("history", [])
    )
    return (
        f'<div class="kb-review" data-turn-id="{t["id"]}"><div><strong>質問者</strong> {esc(t["user_label"])}'
        f'（{esc(local_time(t["created_at"]))}）</div><div><strong>質問</strong> {esc(t["question"])}</div>'
        f'<div class="kb-flags">確認の理由: {esc(flags)}</div>{comment}'
        f'{answer_html(a, t["id"], t["mode"], None, t.get("timings"))}'
        f'<details><summary>確認の経過</summary><ul>{hist}</ul></details></div>'
    )


def alerts_html(lines: list[tuple[bool, str]], extra: list[str] | None = None) -> str:
    items = [f'<li class="{"kb-overdue" if overdue else ""}">{esc(text)}</li>' for overdue, text in lines]
    items += [f"<li>{esc(x)}</li>" for x in extra or []]
    if not items:
        return ""
    return f'<div class="kb-alerts" id="kb-alerts"><strong>お知らせ</strong><ul>{"".join(items)}</ul></div>'
