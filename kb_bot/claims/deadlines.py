"""Deadlines: the register of received declarations (申告・届出), applications decided under 法第24条,
and the alerts a CW (own cases) and an SV (the team) see — with what the claims ledger needs done.

Declaration processing deadlines are an office choice (settings, default 14 days from receipt).
第24条's 14 days (30 with a recorded reason) are statutory calendar days and never move.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass
from enum import StrEnum

from sqlalchemy import select
from sqlalchemy.orm import Session

from kb_bot import audit
from kb_bot.claims.calendar import add_months
from kb_bot.claims.cases import ClaimsError, require_can_manage
from kb_bot.claims.config import DECLARATION_TYPES, ClaimsSettings
from kb_bot.claims.ledger import BASIS_LABELS
from kb_bot.claims.lists import ClaimRow, load_rows
from kb_bot.claims.models import Application, Case, Declaration
from kb_bot.users import Role, User, visible_user_ids

DECISION_DAYS = 14
"""法第24条第5項: notify within 14 days of the application."""
EXTENDED_DECISION_DAYS = 30
"""法第24条第5項ただし書: up to 30 days for a special reason, written in the notice."""


class DeclarationStatus(StrEnum):
    PENDING = "pending"
    IN_PROGRESS = "in_progress"
    DONE = "done"


DECLARATION_STATUS_LABELS = {
    DeclarationStatus.PENDING: "未処理",
    DeclarationStatus.IN_PROGRESS: "処理中",
    DeclarationStatus.DONE: "処理済",
}

APPLICATION_KINDS = {"start": "保護開始申請", "change": "保護変更申請"}
APPLICATION_RESULTS = {"granted": "決定（開始・変更）", "rejected": "却下", "withdrawn": "取下げ"}


def declaration_days(cfg: ClaimsSettings, type_: str) -> int:
    return cfg.declaration_deadline_days_by_type.get(type_, cfg.declaration_deadline_days)


def register_declaration(
    session: Session, actor: User, case: Case, type_: str, received_on: dt.date, cfg: ClaimsSettings, note: str = ""
) -> Declaration:
    if type_ not in DECLARATION_TYPES:
        raise ClaimsError(f"申告の種類 {type_!r} はありません（{', '.join(DECLARATION_TYPES)}）")
    require_can_manage(session, actor, case.cw)
    deadline = received_on + dt.timedelta(days=declaration_days(cfg, type_))
    decl = Declaration(
        case=case,
        type=type_,
        received_on=received_on,
        deadline=deadline,
        status=DeclarationStatus.PENDING,
        result="",
        note=note,
        created_by=actor.id,
    )
    session.add(decl)
    session.flush()
    audit.record(
        session,
        actor.username,
        "declaration.add",
        case.case_number,
        {
            "declaration": decl.id,
            "type": type_,
            "received_on": received_on.isoformat(),
            "deadline": deadline.isoformat(),
        },
    )
    return decl


def get_declaration(session: Session, actor: User, declaration_id: int) -> Declaration:
    decl = session.get(Declaration, declaration_id)
    ids = visible_user_ids(session, actor)
    if decl is None or (ids is not None and decl.case.cw_user_id not in ids):
        raise ClaimsError(f"申告 {declaration_id} は見つからないか、閲覧の権限がありません")
    return decl


def update_declaration(
    session: Session,
    actor: User,
    decl: Declaration,
    status: DeclarationStatus | str,
    *,
    processed_on: dt.date | None = None,
    result: str = "",
) -> None:
    """未処理 → 処理中 → 処理済. 処理済 needs the processed date and the result (e.g. 認定済 2025年6月分から)."""
    status = DeclarationStatus(status)
    require_can_manage(session, actor, decl.case.cw)
    if decl.status == DeclarationStatus.DONE:
        raise ClaimsError(
            f"申告 {decl.id} は処理済です。結果の訂正は新しい申告として記録し、備考に訂正の旨を書いてください"
        )
    if status == DeclarationStatus.DONE:
        if processed_on is None or not result.strip():
            raise ClaimsError("処理済にするには処理日（--processed-on）と結果（--result）を指定してください")
        if processed_on < decl.received_on:
            raise ClaimsError(f"処理日 {processed_on} が受理日 {decl.received_on} より前です")
    decl.status = status
    decl.processed_on = processed_on if status == DeclarationStatus.DONE else None
    decl.result = result.strip()
    audit.record(
        session,
        actor.username,
        "declaration.update",
        decl.case.case_number,
        {
            "declaration": decl.id,
            "status": status.value,
            "processed_on": processed_on.isoformat() if processed_on else None,
            "result": decl.result,
        },
    )


def list_declarations(session: Session, actor: User, *, open_only: bool = False) -> list[Declaration]:
    query = select(Declaration).join(Case).order_by(Declaration.deadline, Declaration.id)
    ids = visible_user_ids(session, actor)
    if ids is not None:
        query = query.where(Case.cw_user_id.in_(ids))
    if open_only:
        query = query.where(Declaration.status != DeclarationStatus.DONE)
    return list(session.scalars(query))


def decision_deadline(app: Application) -> dt.date:
    days = EXTENDED_DECISION_DAYS if app.extension_reason else DECISION_DAYS
    return app.applied_on + dt.timedelta(days=days)


def deemed_rejection_from(app: Application) -> dt.date:
    """みなし却下: with no notice within 30 days, the applicant may treat the application as rejected from this day."""
    return app.applied_on + dt.timedelta(days=EXTENDED_DECISION_DAYS + 1)


def register_application(
    session: Session,
    actor: User,
    applicant_name: str,
    cw: User,
    applied_on: dt.date,
    *,
    kind: str = "start",
    case: Case | None = None,
) -> Application:
    if kind not in APPLICATION_KINDS:
        raise ClaimsError(f"申請の種類は {' / '.join(APPLICATION_KINDS)} のどれかです")
    if not applicant_name.strip():
        raise ClaimsError("申請者の氏名を指定してください")
    if cw.role != Role.CW:
        raise ClaimsError(f"担当 {cw.username} はケースワーカー（role=cw）ではありません")
    require_can_manage(session, actor, cw)
    app = Application(
        applicant_name=applicant_name.strip(),
        kind=kind,
        cw=cw,
        case=case,
        applied_on=applied_on,
        extension_reason="",
        result="",
    )
    session.add(app)
    session.flush()
    audit.record(
        session,
        actor.username,
        "application.add",
        f"application:{app.id}",
        {"kind": kind, "applied_on": applied_on.isoformat(), "cw": cw.username},
    )
    return app


def get_application(session: Session, actor: User, application_id: int) -> Application:
    app = session.get(Application, application_id)
    ids = visible_user_ids(session, actor)
    if app is None or (ids is not None and app.cw_user_id not in ids):
        raise ClaimsError(f"申請 {application_id} は見つからないか、閲覧の権限がありません")
    return app


def open_applications(session: Session, actor: User) -> list[Application]:
    """Applications not decided yet, oldest first, that ``actor`` may see."""
    query = select(Application).where(Application.decided_on.is_(None)).order_by(Application.applied_on, Application.id)
    ids = visible_user_ids(session, actor)
    if ids is not None:
        query = query.where(Application.cw_user_id.in_(ids))
    return list(session.scalars(query))


def extend_application(session: Session, actor: User, app: Application, reason: str, on: dt.date) -> None:
    """Extend to 30 days. Allowed only with a reason, and only while the 14 days have not run out."""
    require_can_manage(session, actor, app.cw)
    if app.decided_on is not None:
        raise ClaimsError(f"申請 {app.id} は決定済です")
    if app.extension_reason:
        raise ClaimsError(f"申請 {app.id} は延長済です（理由: {app.extension_reason}）")
    if not reason.strip():
        raise ClaimsError(
            "30日への延長には理由（扶養義務者の資産調査に日数を要する等）が必要です。通知にもその理由を書きます"
        )
    limit = app.applied_on + dt.timedelta(days=DECISION_DAYS)
    if on > limit:
        raise ClaimsError(
            f"14日の期限（{limit}）を過ぎています。延長は期限内に決める必要があります。速やかに決定してください"
        )
    app.extension_reason = reason.strip()
    audit.record(
        session,
        actor.username,
        "application.extend",
        f"application:{app.id}",
        {"reason": app.extension_reason, "on": on.isoformat()},
    )


def decide_application(session: Session, actor: User, app: Application, decided_on: dt.date, result: str) -> None:
    require_can_manage(session, actor, app.cw)
    if result not in APPLICATION_RESULTS:
        raise ClaimsError(f"結果は {' / '.join(APPLICATION_RESULTS)} のどれかです")
    if app.decided_on is not None:
        raise ClaimsError(f"申請 {app.id} は {app.decided_on} に決定済です")
    if decided_on < app.applied_on:
        raise ClaimsError(f"決定日 {decided_on} が申請日 {app.applied_on} より前です")
    app.decided_on = decided_on
    app.result = result
    audit.record(
        session,
        actor.username,
        "application.decide",
        f"application:{app.id}",
        {"result": result, "decided_on": decided_on.isoformat(), "late": decided_on > decision_deadline(app)},
    )


@dataclass(frozen=True)
class Alert:
    kind: str
    """declaration / application / dunning / prescription."""
    overdue: bool
    deadline: dt.date
    days_left: int
    """Negative when overdue."""
    case_number: str
    cw: str
    subject: str
    detail: str

    def as_dict(self) -> dict[str, object]:
        d = asdict(self)
        d["deadline"] = self.deadline.isoformat()
        return d


ALERT_KINDS = {"declaration": "申告処理", "application": "申請の決定", "dunning": "督促", "prescription": "時効"}


def _alert(kind: str, deadline: dt.date, as_of: dt.date, case_number: str, cw: str, subject: str, detail: str) -> Alert:
    days = (deadline - as_of).days
    return Alert(kind, days < 0, deadline, days, case_number, cw, subject, detail)


def alerts(
    session: Session, actor: User, as_of: dt.date, cfg: ClaimsSettings, *, rows: list[ClaimRow] | None = None
) -> list[Alert]:
    """What is overdue or due within ``cfg.alert_within_days`` (時効: within ``prescription_alert_months``),
    for the cases ``actor`` may see; overdue first, then by deadline."""
    within = as_of + dt.timedelta(days=cfg.alert_within_days)
    found: list[Alert] = []
    for d in list_declarations(session, actor, open_only=True):
        if d.deadline <= within:
            found.append(
                _alert(
                    "declaration",
                    d.deadline,
                    as_of,
                    d.case.case_number,
                    d.case.cw.username,
                    DECLARATION_TYPES[d.type],
                    f"受理 {d.received_on}・{DECLARATION_STATUS_LABELS[DeclarationStatus(d.status)]}",
                )
            )
    for app in open_applications(session, actor):
        deadline = decision_deadline(app)
        if deadline <= within:
            extended = (
                f"延長理由: {app.extension_reason}" if app.extension_reason else "延長なし（延長には理由の記録が必要）"
            )
            found.append(
                _alert(
                    "application",
                    deadline,
                    as_of,
                    app.case.case_number if app.case else "",
                    app.cw.username,
                    f"{APPLICATION_KINDS[app.kind]}（{app.applicant_name}、申請 {app.applied_on}）",
                    f"{extended}。みなし却下: {deemed_rejection_from(app)} 以降",
                )
            )
    if rows is None:
        rows = load_rows(session, actor, as_of, cfg)
    horizon = add_months(as_of, cfg.prescription_alert_months)
    for r in rows:
        due = r.standing.needs_dunning
        if due is not None:
            send_by = due + dt.timedelta(days=cfg.dunning_within_days)
            found.append(
                _alert(
                    "dunning",
                    send_by,
                    as_of,
                    r.case_number,
                    r.cw,
                    f"債権 {r.claim_id}（{BASIS_LABELS[r.basis]}）",
                    f"納期限 {due} 経過・残高 {r.state.balance:,}円・督促未済",
                )
            )
        p = r.state.prescription_date
        if r.state.balance > 0 and p is not None and p <= horizon:
            what = (
                "時効完成。不納欠損の手続が必要" if p <= as_of else "時効完成が近い（督促・債務承認で更新できるか確認）"
            )
            # the deadline is the last day the claim can still be collected
            found.append(
                _alert(
                    "prescription",
                    p - dt.timedelta(days=1),
                    as_of,
                    r.case_number,
                    r.cw,
                    f"債権 {r.claim_id}（{BASIS_LABELS[r.basis]}）",
                    f"{what}・時効完成日 {p}・残高 {r.state.balance:,}円",
                )
            )
    return sorted(found, key=lambda a: (not a.overdue, a.deadline, a.kind, a.case_number))
