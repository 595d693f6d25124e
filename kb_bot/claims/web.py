"""The app's tabs for deadlines and claims: 期限, 債権, 督促データ出力, 介護保険料加算.

Registered in ``kb_bot.web.app.TAB_BUILDERS`` as ``"kb_bot.claims.web:build"``. Every action goes through
the service functions of this package (:mod:`.deadlines`, :mod:`.service`, :mod:`.lists`, :mod:`.dunning`,
:mod:`.kaigo`), so the same role rules (CW: own cases, SV: the team, admin: all), ledger rules and audit
entries apply as on the command line. Each handler looks the user up again from the request
(``ctx.user``); hiding a tab is only convenience.

The handlers are methods of :class:`ClaimsTabs` that take plain values and return plain values (HTML,
lists of choices, file paths), so tests can call them with a stand-in request; :func:`build` wires them to
Gradio components. A rule violation is shown as the service's Japanese message, and nothing is stored:
the database session is rolled back before the message is shown.
"""

import csv
import datetime as dt
import html
import io
import re
import shutil
import tempfile
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import gradio as gr
from sqlalchemy import select
from sqlalchemy.orm import Session

from kb_bot import audit
from kb_bot.claims.cases import ClaimsError, get_case, visible_cases
from kb_bot.claims.config import DECLARATION_TYPES, ClaimsSettings, claims_settings
from kb_bot.claims.ledger import describe_event
from kb_bot.claims.money import parse_yen
from kb_bot.users import Role, User, require_user, team_members

DEADLINE_ROLES = ("cw", "sv")
CLAIM_ROLES = ("cw", "sv", "admin")
EXPORT_ROLES = ("sv", "admin")
KAIGO_ROLES = ("cw", "sv", "admin")

LIST_CHOICES = [
    ("未納", "unpaid"),
    ("督促が必要", "dunning-due"),
    ("時効が近い・完成", "prescription"),
    ("分納不履行", "installments-missed"),
    ("担当CW別の集計", "totals-cw"),
    ("班別の集計", "totals-team"),
]
MONEY_HEADERS = {"調定額", "残高", "納期経過額", "不履行額", "調定額計", "残高計", "納期経過額計", "還付すべき額計"}
COUNT_HEADERS = {"債権番号", "債権数", "残高のある債権数", "時効完成まで（日）"}

EVENT_CHOICES = [
    ("収納（納付・充当）", "payment"),
    ("督促", "dunning"),
    ("分納計画", "installment_plan"),
    ("催告", "reminder"),
    ("時効更新（債務承認など）", "renewal"),
    ("保護費からの充当の申出", "offset_request"),
    ("調定（未調定の債権）", "assessment"),
    ("過誤納の還付", "refund"),
    ("債務者の変更（相続など）", "debtor_change"),
    ("移管メモ", "transfer_note"),
    ("誤った記録の取消（訂正）", "reversal"),
    ("不納欠損（SV・管理者）", "write_off"),
]
EVENT_FIELDS = ("amount", "route", "refund", "deadline", "due", "first_due", "count", "method", "text",
                "event_no", "name", "relation", "phone")
"""The event form's inputs, in the order the handler takes them (after claim, kind and date)."""
FIELDS_BY_KIND: dict[str, tuple[str, ...]] = {
    "payment": ("amount", "route", "refund"),
    "dunning": ("deadline",),
    "installment_plan": ("first_due", "count"),
    "reminder": ("method", "text"),
    "renewal": ("text",),
    "offset_request": ("text",),
    "assessment": ("due",),
    "refund": ("amount", "text"),
    "debtor_change": ("name", "relation", "phone", "text"),
    "transfer_note": ("text",),
    "reversal": ("event_no", "text"),
    "write_off": ("amount", "text"),
}
TEXT_LABELS = {
    "reminder": "メモ（任意）",
    "renewal": "理由（必須。例: 債務承認書を受領）",
    "offset_request": "メモ（任意）",
    "refund": "メモ（任意）",
    "debtor_change": "理由（必須。例: 相続）",
    "transfer_note": "メモ（必須）",
    "reversal": "取消の理由（必須。例: 二重入力）",
    "write_off": "理由（必須。例: 時効完成）",
}
DATE_LABELS = {
    "payment": "収納日", "dunning": "督促日", "installment_plan": "分納の承認日", "reminder": "催告日",
    "renewal": "更新の日（債務承認の日など）", "offset_request": "申出の日", "assessment": "調定日",
    "refund": "還付日", "debtor_change": "変更日", "transfer_note": "日付", "reversal": "取消の日",
    "write_off": "不納欠損の日",
}
ROUTE_CHOICES = [("窓口", "counter"), ("口座", "account"), ("保護費からの充当（第78条の2）", "benefit")]
BASIS_CHOICES = [("第63条 返還金", "63"), ("第77条の2 徴収金", "77-2"), ("第78条 徴収金", "78")]
CAUSE_CHOICES = [("その他（資力の発生・不正受給など）", "other"), ("実施機関の過誤（認定漏れ・計算誤り）", "office_error")]
DECL_STATUS_CHOICES = [("処理中", "in_progress"), ("処理済（処理日と結果が必要）", "done"), ("未処理に戻す", "pending")]

CSS = """
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


def when_text(days_left: int) -> str:
    if days_left < 0:
        return f"{-days_left}日超過"
    return "本日期限" if days_left == 0 else f"あと{days_left}日"


def parse_day(text: Any, what: str, *, default_today: bool = True) -> dt.date:
    """``2025-07-15``, ``2025/7/15`` or full-width digits; empty = today (or an error when required)."""
    raw = unicodedata.normalize("NFKC", str(text or "")).strip()
    if not raw:
        if default_today:
            return dt.date.today()
        raise ClaimsError(f"{what}を入力してください（YYYY-MM-DD）")
    m = re.fullmatch(r"(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?", raw)
    try:
        if not m:
            raise ValueError
        return dt.date(int(m[1]), int(m[2]), int(m[3]))
    except ValueError:
        raise ClaimsError(f"{what} {raw!r} は YYYY-MM-DD（例: 2025-07-15）で書いてください") from None


def parse_int(value: Any, what: str, *, required: bool = True) -> int | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            raise ClaimsError(f"{what}を入力してください")
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise ClaimsError(f"{what} {value!r} は整数で書いてください") from None
    if number != int(number):
        raise ClaimsError(f"{what} {value!r} は整数で書いてください")
    return int(number)


def parse_months(text: str) -> list[tuple[str, int]]:
    """One benefit month per line: ``2024-10=60000`` (also ``2024-10 60,000`` or ``2024/10,60000``)."""
    out: list[tuple[str, int]] = []
    for n, line in enumerate(unicodedata.normalize("NFKC", text or "").splitlines(), start=1):
        line = line.strip()
        if not line:
            continue
        m = re.fullmatch(r"(\d{4})[-/年](\d{1,2})月?\s*[=＝:\s,\t]\s*(.+)", line)
        if not m:
            raise ClaimsError(f"支給月の {n}行目 {line!r} は「YYYY-MM=金額」の形で書いてください")
        month = f"{m[1]}-{int(m[2]):02d}"
        amount = parse_yen(m[3], f"支給月 {month} の額")
        assert amount is not None
        out.append((month, amount))
    if not out:
        raise ClaimsError("対象の支給月と額を1行に1か月ずつ入力してください（例: 2024-10=60000）")
    return out


def parse_deductions(text: str) -> list[tuple[str, int, str]]:
    """自立更生費: ``用途=金額=証拠`` per line."""
    out: list[tuple[str, int, str]] = []
    for n, line in enumerate(unicodedata.normalize("NFKC", text or "").splitlines(), start=1):
        line = line.strip()
        if not line:
            continue
        parts = [p.strip() for p in line.split("=")]
        if not 2 <= len(parts) <= 3 or not parts[0]:
            raise ClaimsError(f"自立更生費の {n}行目 {line!r} は「用途=金額=証拠」の形で書いてください")
        amount = parse_yen(parts[1], f"自立更生費 {parts[0]} の額")
        assert amount is not None
        out.append((parts[0], amount, parts[2] if len(parts) == 3 else ""))
    return out


def _download_copy(paths: Sequence[Path], prefix: str) -> list[str]:
    """Copies in a fresh temporary folder (where Gradio may serve files from)."""
    folder = Path(tempfile.mkdtemp(prefix=prefix))
    out = []
    for p in paths:
        target = folder / p.name
        shutil.copyfile(p, target)
        out.append(str(target))
    return out


def _csv_file(text: str, name: str, prefix: str = "kbbot-claims-") -> str:
    """``text`` as UTF-8 with BOM (for Excel) in a fresh temporary folder."""
    path = Path(tempfile.mkdtemp(prefix=prefix)) / name
    path.write_text(text, encoding="utf-8-sig")
    return str(path)


# -- the handlers -------------------------------------------------------------------------------------


@dataclass
class Choices:
    """Choices for a dropdown, (label, value); what a handler returns for the wiring to turn into an update."""

    items: list[tuple[str, Any]]


class ClaimsTabs:
    """The handlers behind the tabs. ``ctx`` is the app's :class:`kb_bot.web.app.TabContext` (settings,
    engine, ``session()`` and ``user(request, session, roles)``)."""

    def __init__(self, ctx: Any) -> None:
        self.ctx = ctx

    # helpers
    def cfg(self) -> ClaimsSettings:
        return claims_settings(self.ctx.settings)

    def calendar(self, cfg: ClaimsSettings):  # noqa: ANN201
        from kb_bot.claims.calendar import load_calendar

        return load_calendar(cfg)

    def act(self, request: Any, roles: tuple[str, ...], fn: Callable[[Session, User], str]) -> str:
        """Run ``fn`` in one transaction; a rule violation rolls everything back and comes back as a message.
        A user who may not use the tab gets ``gr.Error`` (from ``ctx.user``)."""
        try:
            with self.ctx.session() as s:
                u = self.ctx.user(request, s, roles)
                text = fn(s, u)
        except gr.Error:  # ctx.user: not logged in, or not allowed here (gr.Error is a ValueError too)
            raise
        except ValueError as e:  # ClaimsError, LedgerError, PermissionDenied, CalendarError, SettingsError
            return msg("err", str(e))
        return msg("ok", text)

    def _cases(self, s: Session, u: User, *, include_closed: bool) -> list[tuple[str, str]]:
        out = []
        for c in s.scalars(visible_cases(s, u)):
            if c.closed_on is not None and not include_closed:
                continue
            closed = f"（廃止 {c.closed_on}）" if c.closed_on else ""
            who = f"・{c.cw.username}" if u.role != Role.CW else ""
            out.append((f"{c.case_number} {c.head_name}{who}{closed}", c.case_number))
        return out

    # == 期限 ==========================================================================================
    def deadlines_view(self, as_of_text: str, show_done: bool, request: Any) -> tuple[str, str, str, str, Choices,
                                                                                       Choices, Choices, Choices]:
        """(status, alerts, declarations, applications, open declarations, open applications, cases, CWs)."""
        from kb_bot.claims.deadlines import (
            ALERT_KINDS,
            APPLICATION_KINDS,
            DECLARATION_STATUS_LABELS,
            DeclarationStatus,
            alerts,
            decision_deadline,
            deemed_rejection_from,
            list_declarations,
            open_applications,
        )

        with self.ctx.session() as s:
            u = self.ctx.user(request, s, DEADLINE_ROLES)
            try:
                as_of = parse_day(as_of_text, "基準日")
            except ClaimsError as e:
                empty = Choices([])
                return msg("err", str(e)), "", "", "", empty, empty, empty, empty
            cfg = self.cfg()
            soon = cfg.alert_within_days
            found = alerts(s, u, as_of, cfg)
            overdue = sum(a.overdue for a in found)
            alert_rows = [[when_text(a.days_left), ALERT_KINDS.get(a.kind, a.kind), a.deadline.isoformat(),
                           a.case_number or "-", a.cw, a.subject, a.detail] for a in found]
            alerts_html = (
                f'<div class="kbc-head">期限切れ・期限間近（{as_of} 現在、{soon}日以内）: '
                f'期限切れ {overdue} 件・期限間近 {len(found) - overdue} 件</div>'
                + table(["残り", "区分", "期限", "ケース番号", "担当CW", "内容", "詳細"], alert_rows,
                        row_classes=["kbc-overdue" if a.overdue else "kbc-soon" for a in found],
                        nowrap_cols=(0, 1, 2, 3, 4), elem_id="kbc-alerts-table")
            )

            decls = list_declarations(s, u, open_only=not show_done)
            d_rows, d_cls = [], []
            for d in decls:
                st = DeclarationStatus(d.status)
                if st == DeclarationStatus.DONE:
                    late = (d.processed_on - d.deadline).days if d.processed_on else 0
                    left = f"処理済（{late}日遅れ）" if late > 0 else "処理済（期限内）"
                    cls = "kbc-done"
                else:
                    days = (d.deadline - as_of).days
                    left = when_text(days)
                    cls = "kbc-overdue" if days < 0 else ("kbc-soon" if days <= soon else "")
                d_rows.append([d.id, d.case.case_number, d.case.cw.username, DECLARATION_TYPES.get(d.type, d.type),
                               d.received_on.isoformat(), d.deadline.isoformat(), left,
                               DECLARATION_STATUS_LABELS[st], d.processed_on.isoformat() if d.processed_on else "",
                               d.result, d.note])
                d_cls.append(cls)
            n_open = sum(1 for d in decls if d.status != DeclarationStatus.DONE)
            decl_html = (
                f'<div class="kbc-head">申告・届出の処理（{"すべて" if show_done else "未処理・処理中"} {len(decls)} 件'
                f'・うち未了 {n_open} 件）</div><div class="kbc-sub">処理期限は受理日から種類ごとの日数（設定。既定14日は'
                f'事務所の運用で、法定ではありません）。</div>'
                + table(["番号", "ケース番号", "担当CW", "種類", "受理日", "処理期限", "残り", "状況", "処理日", "結果", "備考"],
                        d_rows, row_classes=d_cls, num_cols=(0,), nowrap_cols=(1, 2, 4, 5, 6, 7, 8),
                        elem_id="kbc-decl-table")
            )

            apps = open_applications(s, u)
            a_rows, a_cls = [], []
            for app in apps:
                deadline = decision_deadline(app)
                days = (deadline - as_of).days
                a_rows.append([app.id, app.applicant_name, APPLICATION_KINDS.get(app.kind, app.kind),
                               app.case.case_number if app.case else "", app.cw.username, app.applied_on.isoformat(),
                               f"{deadline}（{'30日' if app.extension_reason else '14日'}）", when_text(days),
                               f"{deemed_rejection_from(app)} 以降", app.extension_reason or "なし"])
                a_cls.append("kbc-overdue" if days < 0 else ("kbc-soon" if days <= soon else ""))
            apps_html = (
                f'<div class="kbc-head">保護の申請（法第24条）未決定 {len(apps)} 件</div>'
                '<div class="kbc-sub">決定の期限は申請日から14日（特別な理由を記録したときは30日。延長は14日以内に）。'
                '30日を過ぎても通知がなければ、申請者は却下とみなすことができます（みなし却下）。暦日で数え、休日でも動きません。</div>'
                + table(["番号", "申請者", "種類", "ケース番号", "担当CW", "申請日", "決定の期限", "残り", "みなし却下",
                         "延長の理由"], a_rows, row_classes=a_cls, num_cols=(0,), nowrap_cols=(2, 3, 4, 5, 6, 7, 8),
                        elem_id="kbc-app-table")
            )
            decl_choices = [(f"申告 {d.id}: {d.case.case_number} {DECLARATION_TYPES.get(d.type, d.type)} 期限 {d.deadline}"
                             f"（{DECLARATION_STATUS_LABELS[DeclarationStatus(d.status)]}）", d.id)
                            for d in decls if d.status != DeclarationStatus.DONE]
            app_choices = [(f"申請 {a.id}: {a.applicant_name} 申請 {a.applied_on} 期限 {decision_deadline(a)}", a.id)
                           for a in apps]
            cws = [u] if u.role == Role.CW else [m for m in team_members(s, u) if m.role == Role.CW and m.active]
            cw_choices = [(f"{c.label}（{c.username}）", c.username) for c in cws]
            cases = self._cases(s, u, include_closed=False)
            audit.record(s, u.username, "deadlines.view", "", {"as_of": as_of.isoformat(), "alerts": len(found),
                                                               "via": "web"})
        status = msg("info", f"{as_of} 現在の一覧です（{u.label}・{'担当ケース' if u.role == Role.CW else '班のケース'}）")
        return (status, alerts_html, decl_html, apps_html, Choices(decl_choices), Choices(app_choices),
                Choices(cases), Choices(cw_choices))

    def add_declaration(self, case_number: str, type_: str, received: str, note: str, request: Any) -> str:
        from kb_bot.claims.deadlines import register_declaration

        def run(s: Session, u: User) -> str:
            if not case_number:
                raise ClaimsError("ケースを選んでください")
            if not type_:
                raise ClaimsError("申告の種類を選んでください")
            d = register_declaration(s, u, get_case(s, u, case_number), type_, parse_day(received, "受理日"),
                                     self.cfg(), note=(note or "").strip())
            return (f"申告 {d.id} を登録しました（{d.case.case_number}・{DECLARATION_TYPES[d.type]}・"
                    f"処理期限 {d.deadline}）")

        return self.act(request, DEADLINE_ROLES, run)

    def update_declaration(self, declaration_id: Any, status: str, processed_on: str, result: str,
                           request: Any) -> str:
        from kb_bot.claims.deadlines import DECLARATION_STATUS_LABELS, DeclarationStatus, get_declaration
        from kb_bot.claims.deadlines import update_declaration as update

        def run(s: Session, u: User) -> str:
            if declaration_id in (None, ""):
                raise ClaimsError("更新する申告を選んでください")
            if not status:
                raise ClaimsError("状況を選んでください")
            decl = get_declaration(s, u, int(declaration_id))
            done = status == DeclarationStatus.DONE
            when = parse_day(processed_on, "処理日") if done else None
            update(s, u, decl, status, processed_on=when, result=result or "")
            extra = f"（処理日 {when}・結果: {decl.result}）" if done else ""
            label = DECLARATION_STATUS_LABELS[DeclarationStatus(status)]
            return f"申告 {decl.id}（{decl.case.case_number}）を{label}にしました{extra}"

        return self.act(request, DEADLINE_ROLES, run)

    def add_application(self, applicant: str, kind: str, cw_name: str, applied_on: str, case_number: str,
                        request: Any) -> str:
        from kb_bot.claims.deadlines import decision_deadline, deemed_rejection_from, register_application

        def run(s: Session, u: User) -> str:
            cw = u if (u.role == Role.CW and not cw_name) else require_user(s, (cw_name or "").strip())
            case = get_case(s, u, case_number) if case_number else None
            app = register_application(s, u, applicant or "", cw, parse_day(applied_on, "申請日"),
                                       kind=kind or "start", case=case)
            return (f"申請 {app.id}（{app.applicant_name}）を登録しました。決定の期限 {decision_deadline(app)}（14日）・"
                    f"みなし却下 {deemed_rejection_from(app)} 以降")

        return self.act(request, DEADLINE_ROLES, run)

    def extend_application(self, application_id: Any, reason: str, on: str, request: Any) -> str:
        from kb_bot.claims.deadlines import decision_deadline, get_application
        from kb_bot.claims.deadlines import extend_application as extend

        def run(s: Session, u: User) -> str:
            if application_id in (None, ""):
                raise ClaimsError("延長する申請を選んでください")
            app = get_application(s, u, int(application_id))
            extend(s, u, app, reason or "", parse_day(on, "延長を決めた日"))
            return (f"申請 {app.id} の決定期限を {decision_deadline(app)}（30日）に延長しました。"
                    "決定通知書に延長の理由を書いてください")

        return self.act(request, DEADLINE_ROLES, run)

    def decide_application(self, application_id: Any, decided_on: str, result: str, request: Any) -> str:
        from kb_bot.claims.deadlines import APPLICATION_RESULTS, decision_deadline, get_application
        from kb_bot.claims.deadlines import decide_application as decide

        def run(s: Session, u: User) -> str:
            if application_id in (None, ""):
                raise ClaimsError("決定を記録する申請を選んでください")
            if not result:
                raise ClaimsError("決定の結果を選んでください")
            app = get_application(s, u, int(application_id))
            on = parse_day(decided_on, "決定日")
            decide(s, u, app, on, result)
            late = on > decision_deadline(app)
            return (f"申請 {app.id}（{app.applicant_name}）: {APPLICATION_RESULTS[result]}（{on}）を記録しました"
                    + (f"。期限 {decision_deadline(app)} を過ぎています" if late else ""))

        return self.act(request, DEADLINE_ROLES, run)

    # == 債権 ==========================================================================================
    def claims_setup(self, request: Any) -> tuple[Choices, Choices, bool]:
        """(cases for a new claim, event kinds this user may record, whether the user sees other CWs)."""
        with self.ctx.session() as s:
            u = self.ctx.user(request, s, CLAIM_ROLES)
            cases = self._cases(s, u, include_closed=True)
            kinds = [c for c in EVENT_CHOICES if c[1] != "write_off" or u.role in (Role.SV, Role.ADMIN)]
            return Choices(cases), Choices(kinds), u.role != Role.CW

    def claims_list(self, as_of_text: str, kind: str, months: Any, request: Any) -> tuple[str, str, str | None]:
        """(heading/status, table, CSV path)."""
        from kb_bot.claims.lists import LIST_KINDS, load_rows, render_csv

        with self.ctx.session() as s:
            u = self.ctx.user(request, s, CLAIM_ROLES)
            try:
                as_of = parse_day(as_of_text, "基準日")
                within = parse_int(months, "時効の月数", required=False)
                if within is not None and within < 0:
                    raise ClaimsError("時効の月数は0以上にしてください")
                if kind not in LIST_KINDS:
                    raise ClaimsError("一覧の種類を選んでください")
            except ClaimsError as e:
                return msg("err", str(e)), "", None
            cfg = self.cfg()
            rows = load_rows(s, u, as_of, cfg)
            text = render_csv(kind, rows, as_of, cfg, within)
            audit.record(s, u.username, "claims.list", kind, {"as_of": as_of.isoformat(), "via": "web"})
        records = list(csv.reader(io.StringIO(text)))
        header, body = records[0], records[1:]
        shown = [[int(v) if (h in MONEY_HEADERS or h in COUNT_HEADERS) and v.lstrip("-").isdigit() else v
                  for h, v in zip(header, r, strict=True)] for r in body]
        classes = [self._list_row_class(kind, header, r) for r in body]
        nums = [i for i, h in enumerate(header) if h in MONEY_HEADERS or h in COUNT_HEADERS]
        title = LIST_KINDS[kind] + (f"（{cfg.prescription_alert_months if within is None else within}か月以内）"
                                    if kind == "prescription" else "")
        scope = {"cw": "担当ケース", "sv": "班のケース", "admin": "すべてのケース"}[u.role]
        total = ""
        if "残高" in header:
            total = f"・残高計 {yen(sum(int(r[header.index('残高')]) for r in body))}"
        head = (f'<div class="kbc-head" id="kbc-list-title">{esc(as_of)} 現在 {esc(title)}: {len(body)} 件{esc(total)}'
                f'</div><div class="kbc-sub">{esc(scope)}。金額は円。CSV（Excel用、UTF-8 BOM付き）は下のリンクから。</div>')
        path = _csv_file(text, f"claims-{kind}-{as_of:%Y%m%d}.csv")
        return head, table(header, shown, row_classes=classes, num_cols=nums, elem_id="kbc-list-table"), path

    @staticmethod
    def _list_row_class(kind: str, header: list[str], row: list[str]) -> str:
        cell = dict(zip(header, row, strict=True))
        if kind == "dunning-due":
            return "kbc-overdue" if cell.get("督促期限を過ぎている") else "kbc-soon"
        if kind == "prescription":
            return "kbc-overdue" if int(cell.get("時効完成まで（日）") or 0) <= 0 else "kbc-soon"
        if kind == "installments-missed":
            return "kbc-overdue"
        status = cell.get("状態", "")
        if status.startswith("時効完成"):
            return "kbc-overdue"
        return "kbc-soon" if status in ("滞納", "分納不履行") else ""

    def claim_detail(self, claim_id: Any, as_of_text: str, request: Any) -> str:
        from kb_bot.claims import service
        from kb_bot.claims.ledger import (
            BASIS_LABELS,
            KIND_LABELS,
            STATUS_LABELS,
            Kind,
            bankruptcy_treatment,
            month_split,
            standing,
        )

        try:
            with self.ctx.session() as s:
                u = self.ctx.user(request, s, CLAIM_ROLES)
                number = parse_int(claim_id, "債権番号")
                assert number is not None
                as_of = parse_day(as_of_text, "基準日")
                cfg = self.cfg()
                claim, rows, st = service.view_claim(s, u, number, cfg, as_of)
                names = {x.id: x.username for x in s.scalars(select(User).where(
                    User.id.in_({r.recorded_by for r in rows})))}
                case = claim.case
                cw = case.cw.username
        except gr.Error:
            raise
        except ValueError as e:
            return msg("err", str(e))
        now = standing(st, as_of)
        status = STATUS_LABELS[now.status]
        tag = {"滞納": "red", "分納不履行": "red", "時効完成（不納欠損が必要）": "red", "完納": "green",
               "分納中": "blue", "納期限前": "blue"}.get(status, "")
        split = month_split(st)
        deductions = sum(d.amount for d in st.deductions)
        debtor = f"{st.debtor.name}（{st.debtor.relation}）" + (f" 電話 {st.debtor.phone}" if st.debtor.phone else "") \
            if st.debtor else ""
        pairs = [
            ("債務者", debtor),
            ("徴収額（返還額）", yen(st.principal) + (f"・加算 {yen(st.surcharge)}" if st.surcharge else "")
             + (f"・自立更生費控除 {yen(deductions)}" if deductions else "")),
            ("調定", f"{yen(st.assessed)}（調定日 {st.assessed_on}）" if st.assessed_on else "未調定"),
            ("納期限", str(st.due or "")),
            ("収納・不納欠損", f"収納 {yen(st.paid)}・不納欠損 {yen(st.written_off)}"),
            ("残高", yen(st.balance) + (f"（うち加算 {yen(st.surcharge_balance)}）" if st.surcharge else "")),
            ("納期経過額", yen(now.overdue) if now.overdue else ""),
            ("過誤納（還付すべき額）", yen(st.refund_due) if st.overpaid else ""),
            ("時効完成日", str(st.prescription_date or "")),
            ("督促", "、".join(f"{d}（指定期限 {dl}・対象の納期限 {fd}）" for d, dl, fd in st.dunnings)),
            ("督促が必要", f"納期限 {now.needs_dunning} の分" if now.needs_dunning else ""),
            ("催告", f"{st.reminders} 回（最終 {st.last_reminder_on}）" if st.reminders else ""),
            ("分納", (f"{len(st.plan)}回（{st.plan[0].due}〜{st.plan[-1].due}）・納期到来分 {yen(now.installments.scheduled)}"
                    f"・計画後の収納 {yen(now.installments.paid)}・不履行 {yen(now.installments.missed)}")
             if st.plan and now.installments else ""),
            ("保護費からの充当の申出", "、".join(str(d) for d in st.offset_requests)),
            ("支給月の内訳", f"2018年10月前 {yen(split.before)}・以後 {yen(split.after)}"),
            ("破産時の扱い", bankruptcy_treatment(st) if st.basis else ""),
        ]
        ev_rows, ev_cls = [], []
        for r in rows:
            label = KIND_LABELS[Kind(r.kind)]
            if r.reverses_id:
                label += f"（記録 {r.reverses_id} を取消）"
            note = ""
            if r.id in st.reversed_ids:
                note = "取消済"
            elif r.on > as_of:
                note = "基準日より後"
            ev_rows.append([r.id, r.on.isoformat(), label, describe_event(r.kind, r.data), names.get(r.recorded_by, ""),
                            note])
            ev_cls.append("kbc-muted" if r.id in st.reversed_ids else ("kbc-done" if r.on > as_of else ""))
        basis = BASIS_LABELS[st.basis] if st.basis else "（決定取消）"
        return (
            f'<div class="kbc-title" id="kbc-claim-title">債権 {claim.id}（ケース {esc(case.case_number)}・担当 {esc(cw)}）'
            f'{esc(basis)} <span class="kbc-tag kbc-tag-{tag}">{esc(status)}</span>'
            f' <span class="kbc-sub">{esc(as_of)} 現在</span></div>'
            + kv(pairs)
            + '<div class="kbc-head">記録（追記のみ。誤りは「取消」の記録で訂正します）</div>'
            + table(["記録番号", "日付", "種類", "内容", "記録者", "備考"], ev_rows, row_classes=ev_cls, num_cols=(0,),
                    nowrap_cols=(1, 2, 4, 5), elem_id="kbc-events-table")
        )

    def add_claim(self, form: dict[str, Any], request: Any) -> tuple[str, int | None]:
        """``form``: case, basis, cause, decided_on, months, deductions, surcharge, surcharge_max, debtor_name,
        debtor_relation, debtor_phone, assessed_on, due. Returns (message, new claim id)."""
        from kb_bot.claims.ledger import Basis, Cause, surcharge_cap
        from kb_bot.claims.service import DecisionInput, create_claim

        created: list[int] = []

        def run(s: Session, u: User) -> str:
            if not form.get("case"):
                raise ClaimsError("ケースを選んでください")
            if not form.get("basis"):
                raise ClaimsError("根拠条文を選んでください")
            cfg = self.cfg()
            case = get_case(s, u, form["case"])
            months = parse_months(form.get("months") or "")
            deductions = parse_deductions(form.get("deductions") or "")
            surcharge = parse_yen(form.get("surcharge"), "加算額", required=False) or 0
            if form.get("surcharge_max"):
                surcharge = surcharge_cap(sum(a for _, a in months))
            assessed_text = str(form.get("assessed_on") or "").strip()
            due_text = str(form.get("due") or "").strip()
            assessed_on = parse_day(assessed_text, "調定日") if assessed_text else None
            due = parse_day(due_text, "納期限") if due_text else None
            decision = DecisionInput(
                basis=Basis(form["basis"]), decided_on=parse_day(form.get("decided_on"), "決定日", default_today=False),
                months=months, debtor_name=(form.get("debtor_name") or "").strip(),
                debtor_relation=(form.get("debtor_relation") or "").strip() or "本人",
                debtor_phone=form.get("debtor_phone") or "", deductions=deductions, surcharge=surcharge,
                cause=Cause(form.get("cause") or "other"),
            )
            claim, notes = create_claim(s, u, case, decision, cfg=cfg, calendar=self.calendar(cfg),
                                        assessed_on=assessed_on, due=due)
            created.append(claim.id)
            extra = "" if assessed_on else "。調定はまだです（「記録を追加」の調定で記録してください）"
            return f"債権 {claim.id} を登録しました（ケース {case.case_number}）{extra}" + "".join(f"\n注意: {n}" for n in notes)

        out = self.act(request, CLAIM_ROLES, run)
        return out, (created[0] if created and "kbc-ok" in out else None)

    def record_event(self, claim_id: Any, kind: str, on: str, form: dict[str, Any], request: Any) -> str:
        """``form`` holds the inputs named in ``EVENT_FIELDS``; only those of ``FIELDS_BY_KIND[kind]`` are read."""
        from kb_bot.claims import service
        from kb_bot.claims.ledger import KIND_LABELS, Kind

        def need_text(label: str) -> str:
            text = (form.get("text") or "").strip()
            if not text:
                raise ClaimsError(f"{label}を入力してください")
            return text

        def run(s: Session, u: User) -> str:
            number = parse_int(claim_id, "債権番号")
            assert number is not None
            if kind not in FIELDS_BY_KIND:
                raise ClaimsError("記録の種類を選んでください")
            cfg = self.cfg()
            cal = self.calendar(cfg)
            claim = service.get_claim(s, u, number)
            day = parse_day(on, DATE_LABELS[kind])
            note = (form.get("text") or "").strip()
            if kind == "payment":
                rec = service.record_payment(s, u, claim, day, parse_yen(form.get("amount"), "収納額"),
                                             form.get("route") or "counter", cfg=cfg, refund=bool(form.get("refund")))
            elif kind == "dunning":
                deadline = str(form.get("deadline") or "").strip()
                rec = service.record_dunning(s, u, claim, day, cfg=cfg, calendar=cal,
                                             deadline=parse_day(deadline, "指定期限") if deadline else None)
            elif kind == "installment_plan":
                count = parse_int(form.get("count"), "分納の回数")
                assert count is not None
                if count < 1:
                    raise ClaimsError("分納の回数は1回以上にしてください")
                first_due = parse_day(form.get("first_due"), "最初の納期", default_today=False)
                rec = service.record_plan(s, u, claim, day, first_due, count, cfg=cfg, calendar=cal)
            elif kind == "assessment":
                rec = service.assess(s, u, claim, day, parse_day(form.get("due"), "納期限", default_today=False),
                                     cfg=cfg, calendar=cal)
            elif kind == "reversal":
                target = parse_int(form.get("event_no"), "取り消す記録番号")
                rec = service.reverse_event(s, u, claim, target, day, need_text("取消の理由"), cfg=cfg)
            else:
                data: dict[str, Any]
                if kind == "reminder":
                    if not (form.get("method") or "").strip():
                        raise ClaimsError("催告の方法（電話・文書・訪問）を選んでください")
                    data = {"method": form["method"].strip(), "note": note}
                elif kind == "renewal":
                    data = {"reason": need_text("時効更新の理由")}
                elif kind == "offset_request":
                    data = {"note": note}
                elif kind == "refund":
                    data = {"amount": parse_yen(form.get("amount"), "還付額"), "note": note}
                elif kind == "write_off":
                    data = {"amount": parse_yen(form.get("amount"), "不納欠損額"), "reason": need_text("不納欠損の理由")}
                elif kind == "debtor_change":
                    name = (form.get("name") or "").strip()
                    if not name:
                        raise ClaimsError("新しい債務者の氏名を入力してください")
                    data = {"name": name, "relation": (form.get("relation") or "").strip(),
                            "phone": form.get("phone") or "", "reason": need_text("変更の理由")}
                else:  # transfer_note
                    data = {"note": need_text("移管メモ")}
                rec = service.record_event(s, u, claim, Kind(kind), day, data, cfg=cfg)
            st = rec.state
            text = (f"債権 {claim.id} に{KIND_LABELS[Kind(rec.event.kind)]}を記録しました（記録番号 {rec.event.id}）。"
                    f"残高 {yen(st.balance)}" + (f"・還付すべき額 {yen(st.refund_due)}" if st.refund_due else ""))
            return text + "".join(f"\n注意: {n}" for n in rec.notes)

        return self.act(request, CLAIM_ROLES, run)

    # == 督促データ出力 ===================================================================================
    def export_dirs(self) -> tuple[Path, Path]:
        """(the message files for the external medium, the internal letters lists) under the data folder."""
        base = self.ctx.settings.home / "exports"
        return base / "messages", base / "letters"

    def dunning_history(self, request: Any) -> str:
        from kb_bot.claims.models import DunningExport

        with self.ctx.session() as s:
            self.ctx.user(request, s, EXPORT_ROLES)
            exports = list(s.scalars(select(DunningExport).order_by(DunningExport.id.desc()).limit(20)))
            rows = [[e.id, _jst(e.created_at), e.actor, e.as_of.isoformat(), e.row_count, e.letter_count, e.file_name,
                     e.sha256[:16] + "…"] for e in exports]
        return ('<div class="kbc-head">これまでの出力（新しい順・20件）</div>'
                + table(["出力番号", "日時", "実行者", "基準日", "送信件数", "手紙", "ファイル", "SHA-256"], rows,
                        num_cols=(0, 4, 5), nowrap_cols=(1, 2, 3, 6, 7), elem_id="kbc-export-history"))

    def export_dunning(self, as_of_text: str, request: Any) -> tuple[str, list[str], str | None]:
        """(message, [CSV, .sha256] for download, letters list for download or None). A CW gets ``gr.Error``."""
        from kb_bot.claims.dunning import export_dunning

        out_dir, letters_dir = self.export_dirs()
        try:
            with self.ctx.session() as s:
                u = self.ctx.user(request, s, EXPORT_ROLES)
                as_of = parse_day(as_of_text, "基準日")
                r = export_dunning(s, u, as_of, out_dir, letters_dir, self.cfg())
        except gr.Error:
            raise
        except ValueError as e:
            return msg("err", str(e)), [], None
        files = _download_copy([r.path, r.checksum_path], "kbbot-dunning-")
        letters = _download_copy([r.letters_path], "kbbot-letters-")[0] if r.letters_path else None
        lines = [f"送信用ファイル: {r.path.name}（{r.rows} 件）",
                 f"チェックサム: {r.checksum_path.name}（SHA-256 {r.sha256}）",
                 f"携帯電話番号のない {r.letters} 件は手紙で送ってください（内部用の一覧。外部媒体に入れないでください）"
                 if r.letters else "手紙で送る分はありません"]
        text = f"{as_of} 現在の督促データを出力しました（出力番号 {r.export_id}）: 送信 {r.rows} 件・手紙 {r.letters} 件"
        return msg("ok", text, lines), files, letters

    def send_lookup(self, number: str, request: Any) -> str:
        from kb_bot.claims.dunning import claim_for_send_number

        def run(s: Session, u: User) -> str:
            if not (number or "").strip():
                raise ClaimsError("送信管理番号を入力してください")
            claim_id = claim_for_send_number(s, u, number)
            return f"送信管理番号 {number.strip()} は 債権 {claim_id} です（「債権」タブで確認できます）"

        return self.act(request, EXPORT_ROLES, run)

    # == 介護保険料加算 ==================================================================================
    def kaigo_setup(self, request: Any) -> tuple[str, Choices, bool, bool]:
        """(a line on the approval setting, batches, whether the user may import, whether to offer the SV's
        batch approval: an SV or admin, when the setting or an earlier import uses ``sv_batch``)."""
        from kb_bot.claims.models import KaigoBatch

        with self.ctx.session() as s:
            u = self.ctx.user(request, s, KAIGO_ROLES)
            mode = self.cfg().kaigo_approval
            rows = list(s.scalars(select(KaigoBatch).order_by(KaigoBatch.id.desc())))
            batches = [(f"取込 {b.id}: {b.file_name}（{_jst(b.imported_at)}・{MODE_LABELS[b.approval_mode]}）", b.id)
                       for b in rows]
            manager = u.role in (Role.SV, Role.ADMIN)
            batch_mode = manager and (mode == "sv_batch" or any(b.approval_mode == "sv_batch" for b in rows))
        how = MODE_LABELS[mode]
        line = (f"決定の方法（設定 [claims] kaigo_approval）: {how}。"
                + ("各ケースの担当CWが自分の下書きを1件ずつ承認します。" if mode == "cw" else
                   "班のSVが取込ごとに班の下書きを一括で承認します（1件ずつ却下することもできます）。")
                + "取込の時点の設定がその取込に適用されます。")
        return msg("info", line), Choices(batches), manager, batch_mode

    def kaigo_import(self, file_path: Any, request: Any) -> str:
        """Validate the uploaded file; any invalid row → the report, nothing stored. Else the drafts."""
        from kb_bot.claims.kaigo import KIND_LABELS, KaigoFileError, import_file

        if not file_path:
            return msg("err", "保険料ファイル（CSV）を選んでください")
        path = Path(file_path if isinstance(file_path, str) else getattr(file_path, "name", str(file_path)))
        try:
            with self.ctx.session() as s:
                u = self.ctx.user(request, s, ("sv", "admin"))
                r = import_file(s, u, path, self.cfg())
                b = r.batch
                if r.already_imported:
                    return msg("info", f"このファイルは取込 {b.id}（{_jst(b.imported_at)}、{b.imported_by}）で取込済みです。"
                                       "何も変更していません")
                rows = [[d.id, d.row, d.case.case_number, d.case.cw.username, d.person_name, d.fiscal_year,
                         "普通" if d.collection == "normal" else "特別", KIND_LABELS[d.kind],
                         "" if d.kind == "none" else d.effective_month, _amounts_change(d.previous, d.amounts),
                         d.reason] for d in r.drafts]
                unmatched = [[x["row"], x["case_number"], x["name"], x["reason"]] for x in b.unmatched]
                head = (f"取込 {b.id}: {b.row_count} 行・下書き {len(r.drafts)} 件・変更なし {r.unchanged} 件・"
                        f"照合できない行 {len(b.unmatched)} 件（決定方法: {MODE_LABELS[b.approval_mode]}）")
                superseded = r.superseded
        except gr.Error:
            raise
        except KaigoFileError as e:
            return msg("err", f"{path.name} に誤りが {len(e.problems)} 件あります。何も取り込んでいません。"
                              "ファイルを直してから、もう一度取り込んでください", e.problems)
        except ValueError as e:
            return msg("err", str(e))
        return (msg("ok", head + (f"\n以前の取込の決定待ち {superseded} 件は、この取込の下書きで置き換えました"
                                  if superseded else ""))
                + '<div class="kbc-head">下書き</div>'
                + table(["下書き", "行", "ケース番号", "担当CW", "被保険者", "年度", "徴収方法", "内容", "適用月",
                         "加算の変更（月: 変更前→変更後）", "理由"], rows, num_cols=(0, 1), nowrap_cols=(2, 3, 4, 5, 6, 7, 8),
                        elem_id="kbc-kaigo-import-drafts")
                + '<div class="kbc-head">照合できない行</div>'
                + table(["行", "ケース番号", "氏名", "理由"], unmatched, num_cols=(0,), elem_id="kbc-kaigo-unmatched"))

    def kaigo_view(self, batch_id: Any, show_all: bool, request: Any) -> tuple[str, Choices]:
        """(the drafts with each case's decision status, pending drafts this user may pick)."""
        from kb_bot.claims.kaigo import KIND_LABELS, STATUS_LABELS, list_drafts
        from kb_bot.claims.models import KaigoDecision

        with self.ctx.session() as s:
            u = self.ctx.user(request, s, KAIGO_ROLES)
            batch = int(batch_id) if batch_id not in (None, "") else None
            drafts = list_drafts(s, u, batch_id=batch, status=None if show_all else "pending")
            decisions = {d.draft_id: d for d in s.scalars(
                select(KaigoDecision).where(KaigoDecision.draft_id.in_([d.id for d in drafts])))} if drafts else {}
            rows, cls = [], []
            for d in drafts:
                dec = decisions.get(d.id)
                status = STATUS_LABELS[d.status]
                if dec is not None:
                    outcome = "承認" if dec.outcome == "approved" else "却下"
                    note = f"・{dec.note}" if dec.note else ""
                    status += f"（{outcome} {dec.decision_date}・{dec.decider.username}{note}）"
                rows.append([d.id, d.batch_id, d.case.case_number, d.case.cw.username, d.person_name, d.fiscal_year,
                             KIND_LABELS[d.kind], "" if d.kind == "none" else d.effective_month,
                             _amounts_change(d.previous, d.amounts), status, d.reason])
                cls.append({"pending": "kbc-soon", "approved": "", "rejected": "kbc-done", "superseded": "kbc-muted",
                            "no_action": "kbc-done"}.get(d.status, ""))
            pending = [(f"下書き {d.id}: {d.case.case_number} {d.person_name} {KIND_LABELS[d.kind]}"
                        f"（{d.effective_month}から）", d.id) for d in drafts if d.status == "pending"]
            n_pending = len(pending) if show_all else len(drafts)
            audit.record(s, u.username, "kaigo.list", str(batch or ""), {"via": "web"})
        head = (f'<div class="kbc-head">下書きと決定（{"すべて" if show_all else "決定待ちのみ"} {len(drafts)} 件・'
                f'うち決定待ち {n_pending} 件）</div>')
        body = table(["下書き", "取込", "ケース番号", "担当CW", "被保険者", "年度", "内容", "適用月",
                      "加算の変更（月: 変更前→変更後）", "決定の状況", "理由"], rows, row_classes=cls,
                     num_cols=(0, 1), nowrap_cols=(1, 2, 3, 4, 5, 6, 7), elem_id="kbc-kaigo-drafts")
        return head + body, Choices(pending)

    def kaigo_decide(self, draft_id: Any, decision_date: str, note: str, approve: bool, request: Any) -> str:
        from kb_bot.claims.kaigo import KIND_LABELS, decide, get_draft

        def run(s: Session, u: User) -> str:
            if draft_id in (None, ""):
                raise ClaimsError("決定する下書きを選んでください")
            draft = get_draft(s, u, int(draft_id))
            on = parse_day(decision_date, "決定日")
            decide(s, u, draft, approve, on, note or "")
            return (f"下書き {draft.id}（ケース {draft.case.case_number}・{KIND_LABELS[draft.kind]}）を"
                    f"{'承認' if approve else '却下'}しました（決定日 {on}）")

        return self.act(request, KAIGO_ROLES, run)

    def kaigo_approve_batch(self, batch_id: Any, decision_date: str, request: Any) -> str:
        from kb_bot.claims.kaigo import approve_batch, get_batch

        def run(s: Session, u: User) -> str:
            if batch_id in (None, ""):
                raise ClaimsError("一括承認する取込を選んでください")
            on = parse_day(decision_date, "決定日")
            decisions = approve_batch(s, u, get_batch(s, int(batch_id)), on)
            return (f"取込 {batch_id} の下書き {len(decisions)} 件を承認しました（決定日 {on}）。"
                    "各ケースの決定として記録しました")

        return self.act(request, ("sv", "admin"), run)

    def kaigo_notices(self, batch_id: Any, request: Any) -> tuple[str, str | None]:
        from kb_bot.claims.kaigo import get_batch, notices_csv

        try:
            with self.ctx.session() as s:
                u = self.ctx.user(request, s, KAIGO_ROLES)
                if batch_id in (None, ""):
                    raise ClaimsError("取込を選んでください")
                text = notices_csv(s, u, get_batch(s, int(batch_id)))
        except gr.Error:
            raise
        except ValueError as e:
            return msg("err", str(e)), None
        n = text.count("\r\n") - 1
        return (msg("ok", f"取込 {batch_id} の決定通知データ {n} 件を出力しました（決定済のもの）"),
                _csv_file(text, f"kaigo-notices-{int(batch_id)}.csv", "kbbot-kaigo-"))


MODE_LABELS = {"cw": "担当CWが1件ずつ", "sv_batch": "班のSVが一括"}


def _jst(when: dt.datetime | None) -> str:
    if when is None:
        return ""
    return when.astimezone(dt.timezone(dt.timedelta(hours=9))).strftime("%Y-%m-%d %H:%M")


def _amounts_change(before: Sequence[int], after: Sequence[int]) -> str:
    from kb_bot.claims.kaigo import MONTH_COLUMNS

    changes = [f"{m} {b:,}→{a:,}" for m, b, a in zip(MONTH_COLUMNS, before, after, strict=True) if a != b]
    if not changes:
        return "変更なし" if any(after) else "加算なし"
    return "・".join(changes)


# -- the wiring -------------------------------------------------------------------------------------------


def build(ctx: Any) -> None:
    """Create the four tabs inside the app's ``gr.Tabs()`` (see ``kb_bot.web.app``)."""
    tabs = ClaimsTabs(ctx)
    with ctx.tab("期限", roles=DEADLINE_ROLES, id="kbc-deadlines") as t:
        load = _deadlines_ui(tabs)
    t.select(*load, api_visibility="private")
    with ctx.tab("債権", roles=CLAIM_ROLES, id="kbc-claims") as t:
        load = _claims_ui(tabs)
    t.select(*load, api_visibility="private")
    with ctx.tab("督促データ出力", roles=EXPORT_ROLES, id="kbc-dunning") as t:
        load = _dunning_ui(tabs)
    t.select(*load, api_visibility="private")
    with ctx.tab("介護保険料加算", roles=KAIGO_ROLES, id="kbc-kaigo") as t:
        load = _kaigo_ui(tabs)
    t.select(*load, api_visibility="private")


def _html(elem_id: str, value: str = "") -> Any:
    return gr.HTML(value, elem_id=elem_id, css_template=CSS, js_on_load=None)


def _dropdown(c: Choices, keep: Any = None) -> Any:
    values = [v for _, v in c.items]
    return gr.Dropdown(choices=c.items, value=keep if keep in values else None)


def _today() -> str:
    return dt.date.today().isoformat()


def _deadlines_ui(tabs: ClaimsTabs) -> tuple[Callable, list, list]:
    from kb_bot.claims.deadlines import APPLICATION_KINDS, APPLICATION_RESULTS

    gr.Markdown("申告・届出の処理期限と、保護の申請（法第24条）の決定期限。CWは担当ケース、SVは班のケースが表示されます。"
                "期限切れは赤、期限間近は黄色です。")
    with gr.Row(equal_height=True):
        as_of = gr.Textbox(label="基準日（YYYY-MM-DD）", max_lines=1, elem_id="kbc-dl-asof", scale=1)
        show_done = gr.Checkbox(label="処理済の申告も表示", value=False, elem_id="kbc-dl-done", scale=1)
        refresh = gr.Button("一覧を更新", variant="primary", elem_id="kbc-dl-refresh", scale=0, min_width=180)
    status = _html("kbc-dl-status")
    alerts_box = _html("kbc-dl-alerts")
    decl_box = _html("kbc-dl-decls")
    with gr.Accordion("申告・届出を登録する", open=False, elem_id="kbc-decl-add"):
        with gr.Row():
            d_case = gr.Dropdown(choices=[], label="ケース", elem_id="kbc-decl-case", filterable=True)
            d_type = gr.Dropdown(choices=[(v, k) for k, v in DECLARATION_TYPES.items()], label="種類",
                                 elem_id="kbc-decl-type")
            d_received = gr.Textbox(label="受理日（空欄は今日）", max_lines=1, elem_id="kbc-decl-received")
            d_note = gr.Textbox(label="備考（任意）", max_lines=1)
        d_add = gr.Button("登録する", elem_id="kbc-decl-submit")
    with gr.Accordion("申告の処理状況を更新する（処理済には処理日と結果）", open=False, elem_id="kbc-decl-update"):
        with gr.Row():
            u_decl = gr.Dropdown(choices=[], label="申告（未処理・処理中）", elem_id="kbc-decl-pick", filterable=True)
            u_status = gr.Dropdown(choices=DECL_STATUS_CHOICES, value="done", label="状況", elem_id="kbc-decl-status")
            u_on = gr.Textbox(label="処理日（空欄は今日）", max_lines=1, elem_id="kbc-decl-processed")
        u_result = gr.Textbox(label="処理結果（処理済のとき必須。例: 8月分から収入認定）", max_lines=2,
                              elem_id="kbc-decl-result")
        u_go = gr.Button("更新する", elem_id="kbc-decl-update-submit")
    apps_box = _html("kbc-dl-apps")
    with gr.Accordion("保護の申請を登録する", open=False, elem_id="kbc-app-add"):
        with gr.Row():
            a_name = gr.Textbox(label="申請者の氏名", max_lines=1, elem_id="kbc-app-name")
            a_kind = gr.Dropdown(choices=[(v, k) for k, v in APPLICATION_KINDS.items()], value="start", label="種類")
            a_cw = gr.Dropdown(choices=[], label="担当CW", elem_id="kbc-app-cw")
            a_on = gr.Textbox(label="申請日（空欄は今日）", max_lines=1, elem_id="kbc-app-applied")
            a_case = gr.Dropdown(choices=[], label="ケース（変更申請など。任意）", elem_id="kbc-app-case")
        a_add = gr.Button("登録する", elem_id="kbc-app-submit")
    with gr.Accordion("決定期限の延長（30日）・決定を記録する", open=False, elem_id="kbc-app-act"):
        a_pick = gr.Dropdown(choices=[], label="申請（未決定）", elem_id="kbc-app-pick")
        with gr.Row():
            e_reason = gr.Textbox(label="延長の理由（必須。通知書にも書きます。例: 扶養義務者の資産調査に日数を要するため）",
                                  max_lines=2, elem_id="kbc-app-reason", scale=3)
            e_on = gr.Textbox(label="延長を決めた日（空欄は今日）", max_lines=1, scale=1)
            e_go = gr.Button("30日に延長する", elem_id="kbc-app-extend", scale=1)
        with gr.Row():
            c_result = gr.Dropdown(choices=[(v, k) for k, v in APPLICATION_RESULTS.items()], label="決定の結果",
                                   elem_id="kbc-app-result", scale=2)
            c_on = gr.Textbox(label="決定日（空欄は今日）", max_lines=1, scale=1)
            c_go = gr.Button("決定を記録する", elem_id="kbc-app-decide", scale=1)
    action = _html("kbc-dl-action")

    def load(as_of_text: str, done: bool, request: gr.Request):  # noqa: ANN202
        text = as_of_text or _today()
        st, al, de, ap, decls, apps, cases, cws = tabs.deadlines_view(text, done, request)
        return (text, st, al, de, ap, _dropdown(decls), _dropdown(apps), _dropdown(cases), _dropdown(cases),
                gr.Dropdown(choices=cws.items, value=cws.items[0][1] if len(cws.items) == 1 else None))

    outs = [as_of, status, alerts_box, decl_box, apps_box, u_decl, a_pick, d_case, a_case, a_cw]
    ins = [as_of, show_done]
    refresh.click(load, ins, outs, api_visibility="private")
    as_of.submit(load, ins, outs, api_visibility="private")
    show_done.input(load, ins, outs, api_visibility="private")

    def wire(button: Any, fn: Callable, inputs: list) -> None:
        button.click(fn, inputs, action, api_visibility="private").then(load, ins, outs, api_visibility="private")

    wire(d_add, _req(lambda c, t, r, n, request: tabs.add_declaration(c, t, r, n, request)),
         [d_case, d_type, d_received, d_note])
    wire(u_go, _req(lambda d, st, on, res, request: tabs.update_declaration(d, st, on, res, request)),
         [u_decl, u_status, u_on, u_result])
    wire(a_add, _req(lambda n, k, cw, on, c, request: tabs.add_application(n, k, cw, on, c, request)),
         [a_name, a_kind, a_cw, a_on, a_case])
    wire(e_go, _req(lambda a, r, on, request: tabs.extend_application(a, r, on, request)), [a_pick, e_reason, e_on])
    wire(c_go, _req(lambda a, on, r, request: tabs.decide_application(a, on, r, request)), [a_pick, c_on, c_result])
    return load, ins, outs


def _claims_ui(tabs: ClaimsTabs) -> tuple[Callable, list, list]:
    gr.Markdown("返還金・徴収金（第63条・第77条の2・第78条）の債権。残高・状態・時効完成日は記録から計算され、"
                "記録は追記のみです（誤りは取消の記録で訂正）。金額は円単位の整数で入力します。")
    with gr.Row(equal_height=True):
        as_of = gr.Textbox(label="基準日（YYYY-MM-DD）", max_lines=1, elem_id="kbc-cl-asof", scale=1)
        kind = gr.Dropdown(choices=LIST_CHOICES, value="unpaid", label="一覧", elem_id="kbc-cl-kind", scale=2)
        months = gr.Textbox(label="時効完成まで何か月以内", placeholder="空欄は設定値", max_lines=1, visible=False,
                            elem_id="kbc-cl-months", scale=1)
        show = gr.Button("一覧を表示", variant="primary", elem_id="kbc-cl-show", scale=0, min_width=180)
    list_head = _html("kbc-cl-head")
    list_box = _html("kbc-cl-table")
    list_file = gr.File(label="CSV", visible=False, elem_id="kbc-cl-csv", interactive=False)

    gr.Markdown("#### 債権の詳細")
    with gr.Row(equal_height=True):
        claim_id = gr.Textbox(label="債権番号（一覧の左端の番号）", max_lines=1, elem_id="kbc-claim-id", scale=1)
        open_btn = gr.Button("詳細を表示", elem_id="kbc-claim-open", scale=0, min_width=180)
    detail = _html("kbc-claim-detail")

    with gr.Accordion("この債権に記録を追加する（収納・督促・分納・訂正など）", open=False, elem_id="kbc-ev"):
        with gr.Row():
            ev_kind = gr.Dropdown(choices=EVENT_CHOICES, value="payment", label="記録の種類", elem_id="kbc-ev-kind")
            ev_on = gr.Textbox(label="収納日（空欄は今日）", max_lines=1, elem_id="kbc-ev-on")
        with gr.Row():
            f = {
                "amount": gr.Textbox(label="金額（円）", max_lines=1, elem_id="kbc-ev-amount"),
                "route": gr.Dropdown(choices=ROUTE_CHOICES, value="counter", label="収納の方法", elem_id="kbc-ev-route"),
                "refund": gr.Checkbox(label="時効完成後に受けた納付（全額を還付予定として記録）", value=False),
                "deadline": gr.Textbox(label="指定期限（空欄は設定の日数後の開庁日）", max_lines=1, visible=False),
                "due": gr.Textbox(label="納期限（閉庁日なら翌開庁日）", max_lines=1, visible=False),
                "first_due": gr.Textbox(label="最初の納期", max_lines=1, visible=False),
                "count": gr.Textbox(label="回数（残高を毎月に分けます）", max_lines=1, visible=False),
                "method": gr.Dropdown(choices=["電話", "文書", "訪問"], label="催告の方法", visible=False),
                "event_no": gr.Textbox(label="取り消す記録番号（記録の一覧の左端）", max_lines=1, visible=False),
                "name": gr.Textbox(label="新しい債務者の氏名", max_lines=1, visible=False),
                "relation": gr.Textbox(label="続柄（例: 相続人（長男））", max_lines=1, visible=False),
                "phone": gr.Textbox(label="電話番号", max_lines=1, visible=False),
                "text": gr.Textbox(label="メモ", max_lines=2, visible=False, elem_id="kbc-ev-text"),
            }
        ev_go = gr.Button("記録する", variant="primary", elem_id="kbc-ev-submit")
    ev_msg = _html("kbc-ev-msg")

    with gr.Accordion("債権を登録する（決定・調定）", open=False, elem_id="kbc-add"):
        with gr.Row():
            n_case = gr.Dropdown(choices=[], label="ケース", elem_id="kbc-add-case", filterable=True)
            n_basis = gr.Radio(choices=BASIS_CHOICES, label="根拠条文", elem_id="kbc-add-basis")
            n_cause = gr.Radio(choices=CAUSE_CHOICES, value="other", label="原因", elem_id="kbc-add-cause")
        with gr.Row():
            n_decided = gr.Textbox(label="決定日", max_lines=1, elem_id="kbc-add-decided")
            n_assessed = gr.Textbox(label="調定日（空欄なら調定は後で）", max_lines=1, elem_id="kbc-add-assessed")
            n_due = gr.Textbox(label="納期限（閉庁日なら翌開庁日）", max_lines=1, elem_id="kbc-add-due")
        with gr.Row():
            n_months = gr.Textbox(label="対象の支給月と額（1行に1か月: 2024-10=60000）", lines=3,
                                  elem_id="kbc-add-months")
            n_deductions = gr.Textbox(label="自立更生費の控除（第63条・第77条の2のみ。1行に1件: 冷蔵庫=20000=見積書）",
                                      lines=3, elem_id="kbc-add-deductions")
        with gr.Row():
            n_surcharge = gr.Textbox(label="第78条の加算額（円。徴収額の40%以下）", max_lines=1,
                                     elem_id="kbc-add-surcharge")
            n_surcharge_max = gr.Checkbox(label="加算を上限（徴収額×40%、円未満切捨て）にする", value=False)
        with gr.Row():
            n_debtor = gr.Textbox(label="債務者（空欄は世帯主）", max_lines=1)
            n_relation = gr.Textbox(label="続柄", max_lines=1, value="")
            n_phone = gr.Textbox(label="債務者の電話番号", max_lines=1)
        n_go = gr.Button("債権を登録する", variant="primary", elem_id="kbc-add-submit")
    n_msg = _html("kbc-add-msg")

    def load(as_of_text: str, k: str, m: Any, request: gr.Request):  # noqa: ANN202
        text = as_of_text or _today()
        cases, kinds, _ = tabs.claims_setup(request)
        head, body, path = tabs.claims_list(text, k or "unpaid", m, request)
        return (text, head, body, gr.File(value=path, visible=bool(path)), _dropdown(cases),
                gr.Dropdown(choices=kinds.items))

    def show_list(as_of_text: str, k: str, m: Any, request: gr.Request):  # noqa: ANN202
        head, body, path = tabs.claims_list(as_of_text, k, m, request)
        return head, body, gr.File(value=path, visible=bool(path))

    def open_claim(cid: Any, as_of_text: str, request: gr.Request) -> str:
        return tabs.claim_detail(cid, as_of_text, request)

    def switch(k: str):  # noqa: ANN202
        shown = FIELDS_BY_KIND.get(k, ())
        ups = [gr.update(visible=name in shown) for name in EVENT_FIELDS]
        text_i = EVENT_FIELDS.index("text")
        if "text" in shown:
            ups[text_i] = gr.update(visible=True, label=TEXT_LABELS.get(k, "メモ"))
        return [gr.update(label=f"{DATE_LABELS.get(k, '日付')}（空欄は今日）"), *ups]

    def record(cid: Any, k: str, on: str, *values: Any) -> Any:
        *vals, as_of_text, request = values
        out = tabs.record_event(cid, k, on, dict(zip(EVENT_FIELDS, vals, strict=True)), request)
        ok = "kbc-ok" in out
        return out, (tabs.claim_detail(cid, as_of_text, request) if ok else gr.skip())

    def add(*values: Any) -> Any:
        *vals, as_of_text, request = values
        keys = ("case", "basis", "cause", "decided_on", "assessed_on", "due", "months", "deductions", "surcharge",
                "surcharge_max", "debtor_name", "debtor_relation", "debtor_phone")
        out, new_id = tabs.add_claim(dict(zip(keys, vals, strict=True)), request)
        if new_id is None:
            return out, gr.skip(), gr.skip()
        return out, new_id, tabs.claim_detail(new_id, as_of_text, request)

    _req(record, ["cid", "k", "on", *EVENT_FIELDS, "as_of_text"])
    _req(add, [f"v{i}" for i in range(14)])

    list_ins = [as_of, kind, months]
    list_outs = [list_head, list_box, list_file]
    show.click(show_list, list_ins, list_outs, api_visibility="private")
    kind.input(show_list, list_ins, list_outs, api_visibility="private").then(
        lambda k: gr.update(visible=k == "prescription"), [kind], [months], api_visibility="private")
    as_of.submit(show_list, list_ins, list_outs, api_visibility="private")
    open_btn.click(open_claim, [claim_id, as_of], detail, api_visibility="private")
    claim_id.submit(open_claim, [claim_id, as_of], detail, api_visibility="private")
    ev_kind.change(switch, [ev_kind], [ev_on, *[f[n] for n in EVENT_FIELDS]], api_visibility="private")
    ev_go.click(record, [claim_id, ev_kind, ev_on, *[f[n] for n in EVENT_FIELDS], as_of], [ev_msg, detail],
                api_visibility="private").then(show_list, list_ins, list_outs, api_visibility="private")
    n_go.click(add, [n_case, n_basis, n_cause, n_decided, n_assessed, n_due, n_months, n_deductions, n_surcharge,
                     n_surcharge_max, n_debtor, n_relation, n_phone, as_of], [n_msg, claim_id, detail],
               api_visibility="private").then(show_list, list_ins, list_outs, api_visibility="private")
    return load, [as_of, kind, months], [as_of, list_head, list_box, list_file, n_case, ev_kind]


def _req(fn: Callable, names: Sequence[str] | None = None) -> Callable:
    """Mark the last parameter ``request`` as ``gr.Request`` (Gradio finds it by its type hint, which a lambda
    or a ``*values`` handler cannot carry); ``names`` gives a ``*values`` handler its positional parameters."""
    import inspect

    if names is not None:
        P = inspect.Parameter
        fn.__signature__ = inspect.Signature(  # type: ignore[attr-defined]
            [P(n, P.POSITIONAL_OR_KEYWORD) for n in [*names, "request"]])
    fn.__annotations__ = {**getattr(fn, "__annotations__", {}), "request": gr.Request}
    return fn


def _dunning_ui(tabs: ClaimsTabs) -> tuple[Callable, list, list]:
    gr.Markdown("メッセージ配信サービス用の督促データ（携帯電話番号・テンプレートID・納期限・金額・問合せ先・送信管理番号だけ。"
                "氏名・ケース番号・個人番号や生活保護がわかる語は含みません）と、そのチェックサム（.sha256）を出力します。"
                "滞納・分納不履行の債権が対象で、携帯電話番号のない分は手紙用の内部一覧になります。出力は記録に残ります。")
    with gr.Row(equal_height=True):
        as_of = gr.Textbox(label="基準日（YYYY-MM-DD）", max_lines=1, elem_id="kbc-dn-asof", scale=1)
        go = gr.Button("督促データを出力する", variant="primary", elem_id="kbc-dn-export", scale=0, min_width=180)
    result = _html("kbc-dn-result")
    with gr.Row():
        files = gr.File(label="送信用ファイルとチェックサム（外部媒体へ）", file_count="multiple", visible=False,
                        interactive=False, elem_id="kbc-dn-files")
        letters = gr.File(label="手紙で送る分（内部用・外部媒体に入れない）", visible=False, interactive=False,
                          elem_id="kbc-dn-letters")
    history = _html("kbc-dn-history")
    with gr.Accordion("送信管理番号から債権を調べる（配信結果の照合）", open=False):
        with gr.Row(equal_height=True):
            number = gr.Textbox(label="送信管理番号（16桁）", max_lines=1, scale=3)
            look = gr.Button("調べる", scale=0, min_width=180)
        look_msg = _html("kbc-dn-lookup")

    def load(as_of_text: str, request: gr.Request):  # noqa: ANN202
        return as_of_text or _today(), tabs.dunning_history(request)

    def export(as_of_text: str, request: gr.Request):  # noqa: ANN202
        out, paths, letter = tabs.export_dunning(as_of_text, request)
        return (out, gr.File(value=paths or None, visible=bool(paths)),
                gr.File(value=letter, visible=bool(letter)), tabs.dunning_history(request))

    go.click(export, [as_of], [result, files, letters, history], api_visibility="private")
    look.click(_req(lambda n, request: tabs.send_lookup(n, request)), [number], look_msg, api_visibility="private")
    return load, [as_of], [as_of, history]


def _kaigo_ui(tabs: ClaimsTabs) -> tuple[Callable, list, list]:
    gr.Markdown("介護保険の保険料ファイル（CSV。列は docs/claims.md）を取り込み、ケースごとの加算の下書きを作ります。"
                "誤りのある行が1行でもあれば何も取り込みません。同じファイルをもう一度取り込んでも変わりません。")
    setting = _html("kbc-kg-setting")
    with gr.Group(visible=False, elem_id="kbc-kg-import-box") as import_box:
        with gr.Row(equal_height=True):
            upload = gr.File(label="保険料ファイル（CSV、UTF-8 または Shift_JIS）", file_types=[".csv"],
                             type="filepath", elem_id="kbc-kg-file", scale=3)
            go = gr.Button("検査して取り込む", variant="primary", elem_id="kbc-kg-import", scale=0, min_width=180)
    report = _html("kbc-kg-report")
    with gr.Row(equal_height=True):
        batch = gr.Dropdown(choices=[], label="取込（空欄はすべて）", elem_id="kbc-kg-batch", scale=3)
        show_all = gr.Checkbox(label="決定済・対応不要も表示", value=True, elem_id="kbc-kg-all", scale=1)
        refresh = gr.Button("下書きを表示", elem_id="kbc-kg-refresh", scale=0, min_width=180)
    drafts = _html("kbc-kg-drafts")
    with gr.Accordion("下書きを決定する（1件ずつ）", open=False, elem_id="kbc-kg-decide"):
        with gr.Row():
            pick = gr.Dropdown(choices=[], label="下書き（決定待ち）", elem_id="kbc-kg-pick", scale=3)
            on = gr.Textbox(label="決定日（空欄は今日）", max_lines=1, scale=1)
        note = gr.Textbox(label="メモ（却下のときは理由が必須）", max_lines=2, elem_id="kbc-kg-note")
        with gr.Row():
            approve = gr.Button("承認する", variant="primary", elem_id="kbc-kg-approve")
            reject = gr.Button("却下する", variant="stop", elem_id="kbc-kg-reject")
    with gr.Group(visible=False, elem_id="kbc-kg-batch-box") as batch_box:
        with gr.Row(equal_height=True):
            b_on = gr.Textbox(label="決定日（空欄は今日）", max_lines=1, scale=1)
            b_go = gr.Button("選んだ取込の班の決定待ちを一括承認する（SV）", elem_id="kbc-kg-approve-batch", scale=2)
    with gr.Row(equal_height=True):
        notices = gr.Button("決定通知データ（CSV）を出力", elem_id="kbc-kg-notices", scale=0, min_width=300)
        notices_file = gr.File(label="決定通知データ", visible=False, interactive=False, scale=2)
    action = _html("kbc-kg-action")

    def view(b: Any, everything: bool, request: gr.Request):  # noqa: ANN202
        body, pending = tabs.kaigo_view(b, everything, request)
        return body, _dropdown(pending)

    def load(b: Any, everything: bool, request: gr.Request):  # noqa: ANN202
        line, batches, manager, batch_mode = tabs.kaigo_setup(request)
        body, pending = tabs.kaigo_view(b, everything, request)
        return (line, gr.Group(visible=manager), gr.Group(visible=batch_mode),
                gr.Dropdown(choices=[("（すべて）", "")] + batches.items, value=b if b else ""), body,
                _dropdown(pending))

    def do_import(path: Any, b: Any, everything: bool, request: gr.Request):  # noqa: ANN202
        out = tabs.kaigo_import(path, request)
        _, batches, _, _ = tabs.kaigo_setup(request)
        body, pending = tabs.kaigo_view(b, everything, request)
        return out, gr.Dropdown(choices=[("（すべて）", "")] + batches.items), body, _dropdown(pending)

    def notices_fn(b: Any, request: gr.Request):  # noqa: ANN202
        out, path = tabs.kaigo_notices(b, request)
        return out, gr.File(value=path, visible=bool(path))

    view_ins, view_outs = [batch, show_all], [drafts, pick]
    go.click(do_import, [upload, batch, show_all], [report, batch, drafts, pick], api_visibility="private")
    refresh.click(view, view_ins, view_outs, api_visibility="private")
    batch.input(view, view_ins, view_outs, api_visibility="private")
    show_all.input(view, view_ins, view_outs, api_visibility="private")
    approve.click(_req(lambda d, o, n, request: tabs.kaigo_decide(d, o, n, True, request)), [pick, on, note], action,
                  api_visibility="private").then(view, view_ins, view_outs, api_visibility="private")
    reject.click(_req(lambda d, o, n, request: tabs.kaigo_decide(d, o, n, False, request)), [pick, on, note], action,
                 api_visibility="private").then(view, view_ins, view_outs, api_visibility="private")
    b_go.click(_req(lambda b, o, request: tabs.kaigo_approve_batch(b, o, request)), [batch, b_on], action,
               api_visibility="private").then(view, view_ins, view_outs, api_visibility="private")
    notices.click(notices_fn, [batch], [action, notices_file], api_visibility="private")
    return load, view_ins, [setting, import_box, batch_box, batch, drafts, pick]
