"""The handlers behind the claims tabs (期限, 債権, 督促データ出力, 介護保険料加算), without Gradio.

Every action goes through the service functions of this package (:mod:`.deadlines`, :mod:`.service`,
:mod:`.lists`, :mod:`.dunning`, :mod:`.kaigo`), so the same role rules (CW: own cases, SV: the team, admin:
all), ledger rules and audit entries apply as on the command line. Each handler looks the user up again
from the request (``ctx.user``); hiding a tab is only convenience.

The handlers are methods of :class:`ClaimsTabs` that take plain values and return plain values (HTML,
lists of choices, :class:`kb_bot.web.exports.Download` files), so tests call them with a stand-in request;
:mod:`kb_bot.claims.web` wires them to Gradio components. A rule violation (a
:class:`kb_bot.errors.UserError`) is shown as the service's Japanese message, and nothing is stored: the
database session is rolled back before the message is shown. Any other error reaches the app, which logs it.
"""

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from kb_bot import audit
from kb_bot.claims.calendar import HolidayCalendar, load_calendar
from kb_bot.claims.cases import ClaimsError, get_case, visible_cases
from kb_bot.claims.config import DECLARATION_TYPES, ClaimsSettings, claims_settings
from kb_bot.claims.forms import (
    DATE_LABELS,
    EVENT_CHOICES,
    FIELDS_BY_KIND,
    REASON_KINDS,
    EventForm,
    parse_day,
    parse_deductions,
    parse_heirs,
    parse_int,
    parse_months,
    parse_yen,
    record_event,
)
from kb_bot.claims.ledger import Debtor
from kb_bot.claims.models import Claim
from kb_bot.errors import UserError
from kb_bot.users import Role, User, require_user, team_members
from kb_bot.web.exports import Download
from kb_bot.web.render import esc, kv, msg, table, yen

DEADLINE_ROLES = ("cw", "sv")
CLAIM_ROLES = ("cw", "sv", "admin")
EXPORT_ROLES = ("sv", "admin")
KAIGO_ROLES = ("cw", "sv", "admin")


def when_text(days_left: int) -> str:
    if days_left < 0:
        return f"{-days_left}日超過"
    return "本日期限" if days_left == 0 else f"あと{days_left}日"


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

    def calendar(self, cfg: ClaimsSettings) -> HolidayCalendar:
        return load_calendar(cfg)

    def act(self, request: Any, roles: tuple[str, ...], fn: Callable[[Session, User], str]) -> str:
        """Run ``fn`` in one transaction; a rule violation rolls everything back and comes back as a message.
        A user who may not use the tab is refused by ``ctx.user`` (the app shows it as a one-line message)."""
        try:
            with self.ctx.session() as s:
                u = self.ctx.user(request, s, roles)
                text = fn(s, u)
        except UserError as e:  # a message for the person; anything else is logged by the app
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
            decl_choices = [((f"申告 {d.id}: {d.case.case_number} {DECLARATION_TYPES.get(d.type, d.type)} 期限 {d.deadline}"
                              f"（{DECLARATION_STATUS_LABELS[DeclarationStatus(d.status)]}）"), d.id)
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

    def claims_list(self, as_of_text: str, kind: str, months: Any, request: Any) -> tuple[str, str, Download | None]:
        """(heading/status, table, CSV path)."""
        from kb_bot.claims.lists import LIST_KINDS, list_table, load_rows

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
            listed = list_table(kind, rows, as_of, cfg, within)
            audit.record(s, u.username, "claims.list", kind, {"as_of": as_of.isoformat(), "via": "web"})
        header, body = listed.header, listed.rows
        classes = [self._list_row_class(kind, dict(zip(header, r, strict=True))) for r in body]
        title = LIST_KINDS[kind] + (f"（{cfg.prescription_alert_months if within is None else within}か月以内）"
                                    if kind == "prescription" else "")
        scope = {"cw": "担当ケース", "sv": "班のケース", "admin": "すべてのケース"}[u.role]
        total = ""
        if "残高" in header:
            total = f"・残高計 {yen(sum(int(r[header.index('残高')]) for r in body))}"
        head = (f'<div class="kbc-head" id="kbc-list-title">{esc(as_of)} 現在 {esc(title)}: {len(body)} 件{esc(total)}'
                f'</div><div class="kbc-sub">{esc(scope)}。金額は円。CSV（Excel用、UTF-8 BOM付き）は下のリンクから。</div>')
        download = Download.csv(f"claims-{kind}-{as_of:%Y%m%d}.csv", listed.csv())
        return head, table(header, body, row_classes=classes, num_cols=listed.numeric_columns(),
                           elem_id="kbc-list-table"), download

    @staticmethod
    def _list_row_class(kind: str, cell: dict[str, Any]) -> str:
        if kind == "dunning-due":
            return "kbc-overdue" if cell.get("督促期限を過ぎている") else "kbc-soon"
        if kind == "prescription":
            return "kbc-overdue" if int(cell.get("時効完成まで（日）") or 0) <= 0 else "kbc-soon"
        if kind == "installments-missed":
            return "kbc-overdue"
        status = str(cell.get("状態", ""))
        if status.startswith("時効完成"):
            return "kbc-overdue"
        return "kbc-soon" if status in ("滞納", "分納不履行") else ""

    def claim_detail(self, claim_id: Any, as_of_text: str, request: Any) -> str:
        from kb_bot.claims import service
        from kb_bot.claims.summary import summarize

        try:
            with self.ctx.session() as s:
                u = self.ctx.user(request, s, CLAIM_ROLES)
                number = parse_int(claim_id, "債権番号")
                assert number is not None
                as_of = parse_day(as_of_text, "基準日")
                claim, rows, st = service.view_claim(s, u, number, self.cfg(), as_of)
                names = {x.id: x.username for x in s.scalars(select(User).where(
                    User.id.in_({r.recorded_by for r in rows})))}
                info = summarize(claim, rows, st, as_of, names)
                heir_claims = self._heir_claims(s, claim) if st.succeeded else []
        except UserError as e:  # a message for the person; anything else is logged by the app
            return msg("err", str(e))
        now, status = info.now, info.status_label
        tag = {"滞納": "red", "分納不履行": "red", "時効完成（不納欠損が必要）": "red", "完納": "green",
               "分納中": "blue", "納期限前": "blue"}.get(status, "")
        debtor = f"{st.debtor.name}（{st.debtor.relation}）" + (f" 電話 {st.debtor.phone}" if st.debtor.phone else "") \
            if st.debtor else ""
        pairs = [
            ("債務者", debtor),
            ("徴収額（返還額）", yen(st.principal) + (f"・加算 {yen(st.surcharge)}" if st.surcharge else "")
             + (f"・自立更生費控除 {yen(info.deductions)}" if info.deductions else "")),
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
            ("支給月の内訳", f"2018年10月前 {yen(info.split.before)}・以後 {yen(info.split.after)}"),
            ("破産時の扱い", info.bankruptcy),
            ("承継元", f"債権 {st.inherited.from_claim}（債務者の死亡 {st.inherited.died_on}・相続分 "
                     f"{st.inherited.share[0]}/{st.inherited.share[1]}）" if st.inherited else ""),
            ("相続人への承継", (f"{yen(st.succeeded)} を承継: " + "、".join(
                f"債権 {c.id}（{d.name}・{d.relation}）" for c, d in heir_claims)) if st.succeeded else ""),
        ]
        ev_rows = [[e.id, e.on.isoformat(), e.label + (f"（記録 {e.reverses} を取消）" if e.reverses else ""), e.text,
                    e.recorded_by, "取消済" if e.reversed else ("基準日より後" if e.after_as_of else "")]
                   for e in info.events]
        ev_cls = ["kbc-muted" if e.reversed else ("kbc-done" if e.after_as_of else "") for e in info.events]
        basis = info.basis_label or "（決定取消）"
        return (
            f'<div class="kbc-title" id="kbc-claim-title">債権 {info.claim_id}（ケース {esc(info.case_number)}・担当 '
            f'{esc(info.cw)}）{esc(basis)} <span class="kbc-tag kbc-tag-{tag}">{esc(status)}</span>'
            f' <span class="kbc-sub">{esc(as_of)} 現在</span></div>'
            + kv(pairs)
            + '<div class="kbc-head">記録（追記のみ。誤りは「取消」の記録で訂正します）</div>'
            + table(["記録番号", "日付", "種類", "内容", "記録者", "備考"], ev_rows, row_classes=ev_cls, num_cols=(0,),
                    nowrap_cols=(1, 2, 4, 5), elem_id="kbc-events-table")
        )

    def _heir_claims(self, s: Session, claim: Claim) -> list[tuple[Claim, Debtor | None]]:
        """(claim, debtor) of each heir's claim that a succession on ``claim`` created (same case, later id)."""
        from kb_bot.claims import service

        cfg = self.cfg()
        later = s.scalars(select(Claim).where(Claim.case_id == claim.case_id, Claim.id > claim.id).order_by(Claim.id))
        states = ((c, service.state_of(s, c, cfg)) for c in later)
        return [(c, st.debtor) for c, st in states if st.inherited and st.inherited.from_claim == claim.id]

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
        """``form`` holds the inputs named in ``EVENT_FIELDS``; only those of ``FIELDS_BY_KIND[kind]`` are read
        (the free text is the reason for the kinds in ``REASON_KINDS``, otherwise a note)."""
        from kb_bot.claims import service
        from kb_bot.claims.ledger import KIND_LABELS, Kind

        def text(name: str) -> str:
            return str(form.get(name) or "").strip()

        def day(name: str, label: str) -> dt.date | None:
            return parse_day(text(name), label) if text(name) else None

        def run(s: Session, u: User) -> str:
            number = parse_int(claim_id, "債権番号")
            assert number is not None
            if kind not in FIELDS_BY_KIND:
                raise ClaimsError("記録の種類を選んでください")
            cfg = self.cfg()
            claim = service.get_claim(s, u, number)
            free = text("text")
            entered = EventForm(
                kind=kind, on=parse_day(on, DATE_LABELS[kind]),
                amount=parse_yen(form.get("amount"), "金額", required=False), route=text("route") or "counter",
                refund=bool(form.get("refund")), deadline=day("deadline", "指定期限"), due=day("due", "納期限"),
                first_due=day("first_due", "最初の納期"), count=parse_int(form.get("count"), "分納の回数", required=False),
                method=text("method"), note="" if kind in REASON_KINDS else free,
                reason=free if kind in REASON_KINDS else "",
                event_no=parse_int(form.get("event_no"), "取り消す記録番号", required=False),
                name=text("name"), relation=text("relation"), phone=text("phone"),
                confirm_non_dischargeable=bool(form.get("confirm")), died_on=day("died_on", "債務者の死亡日"),
                heirs=parse_heirs(str(form.get("heirs") or "").splitlines()),
            )
            rec = record_event(s, u, claim, entered, cfg, self.calendar(cfg))
            st = rec.state
            done = (f"債権 {claim.id} に{KIND_LABELS[Kind(rec.event.kind)]}を記録しました（記録番号 {rec.event.id}）。"
                    f"残高 {yen(st.balance)}" + (f"・還付すべき額 {yen(st.refund_due)}" if st.refund_due else ""))
            return done + "".join(f"\n注意: {n}" for n in rec.notes)

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
            rows = [[e.id, jst_time(e.created_at), e.actor, e.as_of.isoformat(), e.row_count, e.letter_count, e.file_name,
                     e.sha256[:16] + "…"] for e in exports]
        return ('<div class="kbc-head">これまでの出力（新しい順・20件）</div>'
                + table(["出力番号", "日時", "実行者", "基準日", "送信件数", "手紙", "ファイル", "SHA-256"], rows,
                        num_cols=(0, 4, 5), nowrap_cols=(1, 2, 3, 6, 7), elem_id="kbc-export-history"))

    def export_dunning(self, as_of_text: str, request: Any) -> tuple[str, list[Download], Download | None]:
        """(message, [CSV, .sha256] for download, letters list for download or None). A CW is refused."""
        from kb_bot.claims.dunning import export_dunning

        out_dir, letters_dir = self.export_dirs()
        try:
            with self.ctx.session() as s:
                u = self.ctx.user(request, s, EXPORT_ROLES)
                as_of = parse_day(as_of_text, "基準日")
                r = export_dunning(s, u, as_of, out_dir, letters_dir, self.cfg())
        except UserError as e:  # a message for the person; anything else is logged by the app
            return msg("err", str(e)), [], None
        files = [Download(p.name, p.read_bytes()) for p in (r.path, r.checksum_path)]
        letters = Download(r.letters_path.name, r.letters_path.read_bytes()) if r.letters_path else None
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
            batches = [(f"取込 {b.id}: {b.file_name}（{jst_time(b.imported_at)}・{MODE_LABELS[b.approval_mode]}）", b.id)
                       for b in rows]
            manager = u.role in (Role.SV, Role.ADMIN)
            batch_mode = manager and (mode == "sv_batch" or any(b.approval_mode == "sv_batch" for b in rows))
        how = MODE_LABELS[mode]
        line = (f"決定の方法（事務所の設定）: {how}。"
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
                    return msg("info", f"このファイルは取込 {b.id}（{jst_time(b.imported_at)}、{b.imported_by}）で取込済みです。"
                                       "何も変更していません")
                rows = [[d.id, d.row, d.case.case_number, d.case.cw.username, d.person_name, d.fiscal_year,
                         "普通" if d.collection == "normal" else "特別", KIND_LABELS[d.kind],
                         "" if d.kind == "none" else d.effective_month, amounts_change(d.previous, d.amounts),
                         d.reason] for d in r.drafts]
                unmatched = [[x["row"], x["case_number"], x["name"], x["reason"]] for x in b.unmatched]
                head = (f"取込 {b.id}: {b.row_count} 行・下書き {len(r.drafts)} 件・変更なし {r.unchanged} 件・"
                        f"照合できない行 {len(b.unmatched)} 件（決定方法: {MODE_LABELS[b.approval_mode]}）")
                superseded = r.superseded
                if r.covered:
                    head += (f"・取込 {'・'.join(str(e.id) for e in r.earlier)} で取込済みの班の行 {r.covered} 件は"
                             "そのままにしました")
        except KaigoFileError as e:
            return msg("err", f"{path.name} に誤りが {len(e.problems)} 件あります。何も取り込んでいません。"
                              "ファイルを直してから、もう一度取り込んでください", e.problems)
        except UserError as e:
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
                             amounts_change(d.previous, d.amounts), status, d.reason])
                cls.append({"pending": "kbc-soon", "approved": "", "rejected": "kbc-done", "superseded": "kbc-muted",
                            "no_action": "kbc-done"}.get(d.status, ""))
            pending = [((f"下書き {d.id}: {d.case.case_number} {d.person_name} {KIND_LABELS[d.kind]}"
                         f"（{d.effective_month}から）"), d.id) for d in drafts if d.status == "pending"]
            n_pending = len(pending) if show_all else len(drafts)
            audit.record(s, u.username, "kaigo.list", str(batch or ""), {"via": "web"})
        head = (f'<div class="kbc-head">下書きと決定（{"すべて" if show_all else "決定待ちのみ"} {len(drafts)} 件・'
                f'うち決定待ち {n_pending} 件）</div>')
        body = table(["下書き", "取込", "ケース番号", "担当CW", "被保険者", "年度", "内容", "適用月",
                      "加算の変更（月: 変更前→変更後）", "決定の状況", "理由"], rows, row_classes=cls,
                     num_cols=(0, 1), nowrap_cols=(1, 2, 3, 4, 5, 6, 7), elem_id="kbc-kaigo-drafts")
        return head + body, Choices(pending)

    def kaigo_preview(self, draft_id: Any, decision_date: str, request: Any) -> str:
        """Before deciding: what approving the picked draft on the decision date entered would mean (the
        late-decision flag, or that no month before the decision changes); '' while no draft is picked."""
        from kb_bot.claims.kaigo import get_draft, late_change_notice

        if draft_id in (None, ""):
            return ""
        try:
            with self.ctx.session() as s:
                draft = get_draft(s, self.ctx.user(request, s, KAIGO_ROLES), int(draft_id))
                on = parse_day(decision_date, "決定日")
                notice = late_change_notice(draft, on)
        except UserError as e:
            return msg("err", str(e))
        return msg("info", f"決定日 {on} で承認すると — " + (notice or "決定日より前の月の変更はありません"))

    def kaigo_decide(self, draft_id: Any, decision_date: str, note: str, approve: bool, request: Any) -> str:
        from kb_bot.claims.kaigo import KIND_LABELS, decide, get_draft, late_change_notice

        def run(s: Session, u: User) -> str:
            if draft_id in (None, ""):
                raise ClaimsError("決定する下書きを選んでください")
            draft = get_draft(s, u, int(draft_id))
            on = parse_day(decision_date, "決定日")
            decide(s, u, draft, approve, on, note or "")
            notice = late_change_notice(draft, on) if approve else ""
            return (f"下書き {draft.id}（ケース {draft.case.case_number}・{KIND_LABELS[draft.kind]}）を"
                    f"{'承認' if approve else '却下'}しました（決定日 {on}）" + (f"\n{notice}" if notice else ""))

        return self.act(request, KAIGO_ROLES, run)

    def kaigo_approve_batch(self, batch_id: Any, decision_date: str, request: Any) -> str:
        from kb_bot.claims.kaigo import approve_batch, get_batch, late_change_notice

        def run(s: Session, u: User) -> str:
            if batch_id in (None, ""):
                raise ClaimsError("一括承認する取込を選んでください")
            on = parse_day(decision_date, "決定日")
            decisions = approve_batch(s, u, get_batch(s, int(batch_id)), on)
            notices = [n for n in (late_change_notice(d.draft, on) for d in decisions) if n]
            return (f"取込 {batch_id} の下書き {len(decisions)} 件を承認しました（決定日 {on}）。"
                    "各ケースの決定として記録しました" + "".join(f"\n{n}" for n in notices))

        return self.act(request, ("sv", "admin"), run)

    def kaigo_notices(self, batch_id: Any, request: Any) -> tuple[str, Download | None]:
        from kb_bot.claims.kaigo import get_batch, notices_csv

        try:
            with self.ctx.session() as s:
                u = self.ctx.user(request, s, KAIGO_ROLES)
                if batch_id in (None, ""):
                    raise ClaimsError("取込を選んでください")
                text = notices_csv(s, u, get_batch(s, int(batch_id)))
        except UserError as e:  # a message for the person; anything else is logged by the app
            return msg("err", str(e)), None
        n = text.count("\r\n") - 1
        return (msg("ok", f"取込 {batch_id} の決定通知データ {n} 件を出力しました（決定済のもの）"),
                Download.csv(f"kaigo-notices-{int(batch_id)}.csv", text))


MODE_LABELS = {"cw": "担当CWが1件ずつ", "sv_batch": "班のSVが一括"}


def jst_time(when: dt.datetime | None) -> str:
    if when is None:
        return ""
    return when.astimezone(dt.timezone(dt.timedelta(hours=9))).strftime("%Y-%m-%d %H:%M")


def amounts_change(before: Sequence[int], after: Sequence[int]) -> str:
    from kb_bot.claims.kaigo import MONTH_COLUMNS

    changes = [f"{m} {b:,}→{a:,}" for m, b, a in zip(MONTH_COLUMNS, before, after, strict=True) if a != b]
    if not changes:
        return "変更なし" if any(after) else "加算なし"
    return "・".join(changes)
