"""The claims ledger on the database: create claims and append events, checked by the rules in
:mod:`kb_bot.claims.ledger`, each in the caller's transaction together with its audit entry.

Every function takes the session and the acting user: a CW works on their own cases, an SV on the
team's, admin on all; 不納欠損 is for SV and admin only.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from kb_bot import audit
from kb_bot.claims.calendar import CalendarError, HolidayCalendar
from kb_bot.claims.cases import ClaimsError, normalize_phone, require_can_manage, visible_cases
from kb_bot.claims.config import ClaimsSettings
from kb_bot.claims.ledger import (
    NEW_EVENT_ID,
    NON_DISCHARGEABLE_CONFIRMED,
    Basis,
    Cause,
    ClaimState,
    Context,
    Event,
    Kind,
    LedgerError,
    check,
    default_due,
    fold,
    monthly_schedule,
    plan_prescription_warning,
    split_shares,
    upto,
)
from kb_bot.claims.models import Case, Claim, ClaimEvent
from kb_bot.users import Role, User, require_role


@dataclass(frozen=True)
class DecisionInput:
    """What a 返還金・徴収金 decision says."""

    basis: Basis
    decided_on: dt.date
    months: Sequence[tuple[str, int]]
    """Benefit months covered, ``("2024-04", 52000)``."""
    debtor_name: str = ""
    """Empty: the case's household head."""
    debtor_relation: str = "本人"
    debtor_phone: str = ""
    deductions: Sequence[tuple[str, int, str]] = ()
    """自立更生費 (category, amount, evidence note); 第63条 and 第77条の2 only."""
    surcharge: int = 0
    """第78条 加算."""
    cause: Cause = Cause.OTHER

    def data(self, case: Case) -> dict[str, Any]:
        return {
            "basis": Basis(self.basis).value,
            "cause": Cause(self.cause).value,
            "debtor": {
                "name": self.debtor_name or case.head_name,
                "relation": self.debtor_relation if self.debtor_name else "本人",
                "phone": normalize_phone(self.debtor_phone) if self.debtor_name else case.phone,
            },
            "months": [[m, a] for m, a in self.months],
            "deductions": [{"category": c, "amount": a, "note": n} for c, a, n in self.deductions],
            "surcharge": self.surcharge,
        }


@dataclass
class Recorded:
    """An appended event, the claim's state after it and notes for the person who recorded it."""

    event: ClaimEvent
    state: ClaimState
    notes: list[str] = field(default_factory=list)


def to_event(row: ClaimEvent) -> Event:
    return Event(row.id, Kind(row.kind), row.on, row.data, row.reverses_id)


def load_events(session: Session, claim_id: int) -> list[Event]:
    rows = session.scalars(select(ClaimEvent).where(ClaimEvent.claim_id == claim_id).order_by(ClaimEvent.id))
    return [to_event(r) for r in rows]


def get_claim(session: Session, actor: User, claim_id: int) -> Claim:
    claim = session.get(Claim, claim_id)
    if claim is None or session.scalar(visible_cases(session, actor).where(Case.id == claim.case_id)) is None:
        raise ClaimsError(f"債権 {claim_id} は見つからないか、閲覧の権限がありません")
    return claim


def state_of(session: Session, claim: Claim, cfg: ClaimsSettings, as_of: dt.date | None = None) -> ClaimState:
    events = load_events(session, claim.id)
    return fold(upto(events, as_of) if as_of else events, cfg)


def _roll(day: dt.date, calendar: HolidayCalendar, what: str, notes: list[str]) -> dt.date:
    rolled = calendar.next_business_day(day)
    if rolled != day:
        notes.append(f"{what} {day} は閉庁日のため翌開庁日 {rolled} にしました")
    return rolled


def record_event(
    session: Session,
    actor: User,
    claim: Claim,
    kind: Kind,
    on: dt.date,
    data: dict[str, Any] | None = None,
    *,
    cfg: ClaimsSettings,
    reverses: int | None = None,
) -> Recorded:
    """Append one event after checking the rules; the claim's row is locked meanwhile (PostgreSQL)."""
    kind = Kind(kind)
    case = claim.case
    require_can_manage(session, actor, case.cw)
    if kind == Kind.WRITE_OFF:
        require_role(actor, Role.SV, Role.ADMIN)
    if kind == Kind.DECISION and (data or {}).get("basis") != claim.basis:
        raise ClaimsError(
            f"債権 {claim.id} の根拠条文は {claim.basis} です。別の条文の決定は新しい債権として登録してください"
        )
    session.execute(select(Claim.id).where(Claim.id == claim.id).with_for_update())
    events = load_events(session, claim.id)
    data = dict(data or {})
    data.pop("confirmed_by", None)  # never taken from the caller
    if kind == Kind.WRITE_OFF and data.get(NON_DISCHARGEABLE_CONFIRMED):
        data["confirmed_by"] = actor.username  # the SV/admin recording it is the one confirming
    check(events, Event(NEW_EVENT_ID, kind, on, data, reverses), Context(case_closed_on=case.closed_on), cfg)
    row = ClaimEvent(claim_id=claim.id, kind=kind.value, on=on, data=data, reverses_id=reverses, recorded_by=actor.id)
    session.add(row)
    session.flush()
    audit.record(
        session,
        actor.username,
        f"claim.{kind.value}",
        f"claim:{claim.id}",
        {
            "event": row.id,
            "on": on.isoformat(),
            "case": case.case_number,
            **({"reverses": reverses} if reverses else {}),
            **({"non_dischargeable_confirmed_by": data["confirmed_by"]} if "confirmed_by" in data else {}),
        },
    )
    state = fold([*events, to_event(row)], cfg)
    notes = []
    if kind == Kind.PAYMENT and state.overpaid > fold(events, cfg).overpaid:
        notes.append(f"過誤納が生じました。還付すべき額は {state.refund_due:,}円 です（他の債権には充当していません）")
    if kind in (Kind.PAYMENT, Kind.INSTALLMENT_PLAN):
        warning = plan_prescription_warning(state)
        if warning:
            notes.append(warning)
    if "confirmed_by" in data:
        notes.append(f"非免責の債権を破産免責の理由で不納欠損としました（確認: {actor.username}、監査記録済み）")
    return Recorded(row, state, notes)


def create_claim(
    session: Session,
    actor: User,
    case: Case,
    decision: DecisionInput,
    *,
    cfg: ClaimsSettings,
    calendar: HolidayCalendar,
    assessed_on: dt.date | None = None,
    due: dt.date | None = None,
) -> tuple[Claim, list[str]]:
    """A new claim with its decision and, when ``assessed_on`` is given, its 調定 (納期限 ``due``)."""
    require_can_manage(session, actor, case.cw)
    claim = Claim(case_id=case.id, basis=Basis(decision.basis).value, created_by=actor.id)
    session.add(claim)
    session.flush()
    recorded = record_event(session, actor, claim, Kind.DECISION, decision.decided_on, decision.data(case), cfg=cfg)
    notes: list[str] = []
    if assessed_on is not None:
        if due is None:
            raise ClaimsError("調定するときは納期限も指定してください")
        notes += assess(session, actor, claim, assessed_on, due, cfg=cfg, calendar=calendar).notes
    elif due is not None:
        raise ClaimsError("納期限は調定日と一緒に指定してください")
    if decision.basis == Basis.ART78 and recorded.state.surcharge:
        notes.append(
            f"加算 {recorded.state.surcharge:,}円 を別の行として記録しました（徴収額 {recorded.state.principal:,}円）"
        )
    return claim, notes


def assess(
    session: Session,
    actor: User,
    claim: Claim,
    on: dt.date,
    due: dt.date,
    *,
    cfg: ClaimsSettings,
    calendar: HolidayCalendar,
) -> Recorded:
    """調定 for the decided amount; 納期限 falling on a closed day moves to the next business day."""
    notes: list[str] = []
    due = _roll(due, calendar, "納期限", notes)
    total = state_of(session, claim, cfg).total
    recorded = record_event(
        session, actor, claim, Kind.ASSESSMENT, on, {"amount": total, "due": due.isoformat()}, cfg=cfg
    )
    recorded.notes[:0] = notes
    return recorded


def record_payment(
    session: Session,
    actor: User,
    claim: Claim,
    on: dt.date,
    amount: int,
    route: str,
    *,
    cfg: ClaimsSettings,
    refund: bool = False,
) -> Recorded:
    data: dict[str, Any] = {"amount": amount, "route": route}
    if refund:
        data["refund"] = True
    return record_event(session, actor, claim, Kind.PAYMENT, on, data, cfg=cfg)


def record_dunning(
    session: Session,
    actor: User,
    claim: Claim,
    on: dt.date,
    *,
    cfg: ClaimsSettings,
    calendar: HolidayCalendar,
    deadline: dt.date | None = None,
) -> Recorded:
    """督促 for the due date in default on ``on``; the designated deadline defaults to the setting."""
    notes: list[str] = []
    if deadline is None:
        deadline = on + dt.timedelta(days=cfg.dunning_deadline_days)
    deadline = _roll(deadline, calendar, "指定期限", notes)
    at_date = fold(upto(load_events(session, claim.id), on), cfg)
    for_due = default_due(at_date, on)
    if for_due is None:
        raise LedgerError(f"{on} の時点で納期限を過ぎた未納はありません。督促は納期限の翌日以降にしかできません")
    data = {"deadline": deadline.isoformat(), "for_due": for_due.isoformat()}
    recorded = record_event(session, actor, claim, Kind.DUNNING, on, data, cfg=cfg)
    recorded.notes[:0] = notes
    return recorded


def record_plan(
    session: Session,
    actor: User,
    claim: Claim,
    on: dt.date,
    first_due: dt.date,
    count: int,
    *,
    cfg: ClaimsSettings,
    calendar: HolidayCalendar,
) -> Recorded:
    """分納: the balance in ``count`` monthly installments from ``first_due`` (each on a business day).

    Installments beyond the holiday calendar avoid weekends and ``closed_days`` only, with a warning.
    """
    balance = state_of(session, claim, cfg).balance
    beyond: list[dt.date] = []

    def roll(day: dt.date) -> dt.date:
        try:
            return calendar.next_business_day(day)
        except CalendarError:
            beyond.append(day)
            return calendar.next_weekday_open(day)

    schedule = monthly_schedule(balance, first_due, count, roll)
    data = {"schedule": [[d.isoformat(), a] for d, a in schedule]}
    recorded = record_event(session, actor, claim, Kind.INSTALLMENT_PLAN, on, data, cfg=cfg)
    if beyond:
        recorded.notes.insert(
            0,
            f"祝日データ（{calendar.source}）は{calendar.last_year}年までです。それより後の納期 {len(beyond)} 回は"
            "土日と閉庁日だけを避けて決めました（祝日は反映していません）。祝日データを更新したら納期を確認してください",
        )
    return recorded


def reverse_event(
    session: Session, actor: User, claim: Claim, event_id: int, on: dt.date, reason: str, *, cfg: ClaimsSettings
) -> Recorded:
    """Correct a mistaken event by a reversal that names it (the original stays in the ledger).

    Undoing a succession (a death recorded on the wrong claim, wrong heirs or shares) also cancels the heirs'
    claims it created, by reversing their decisions: refused while anything else is recorded on one of them.
    An heir's claim is cancelled only that way, never on its own. Nothing is stored unless every part succeeds
    (the caller's transaction rolls back on an error)."""
    target = next((e for e in load_events(session, claim.id) if e.id == event_id), None)
    if target is not None and target.kind == Kind.DECISION and "succession" in target.data:
        raise ClaimsError(
            f"相続人の債権の決定は単独では取り消せません。元の債権 {target.data['succession']['from_claim']} の"
            "相続（承継）の記録を取り消すと、相続人の債権もあわせて取り消されます"
        )
    recorded = record_event(session, actor, claim, Kind.REVERSAL, on, {"reason": reason}, cfg=cfg, reverses=event_id)
    if target is None or target.kind != Kind.SUCCESSION:
        return recorded
    cancelled = []
    for part, decision in _heir_parts(session, claim, cfg):
        why = f"元の債権 {claim.id} の相続（承継）の取消: {reason}"
        try:
            record_event(session, actor, part, Kind.REVERSAL, on, {"reason": why}, cfg=cfg, reverses=decision.id)
        except LedgerError as e:
            raise LedgerError(f"相続の記録は取り消せません。相続人の債権 {part.id}: {e}") from None
        cancelled.append(str(part.id))
    if cancelled:
        recorded.notes.append(f"相続人の債権 {'、'.join(cancelled)} も取り消しました（決定取消）。残高は元の債権に戻りました")
    return recorded


def _heir_parts(session: Session, claim: Claim, cfg: ClaimsSettings) -> list[tuple[Claim, Event]]:
    """The heirs' claims created from ``claim`` by its succession and not cancelled, with their decisions."""
    parts = []
    others = session.scalars(select(Claim).where(Claim.case_id == claim.case_id, Claim.id != claim.id).order_by(Claim.id))
    for other in others:
        events = load_events(session, other.id)
        state = fold(events, cfg)
        if state.decided and state.inherited is not None and state.inherited.from_claim == claim.id:
            parts.append((other, next(e for e in events if e.kind == Kind.DECISION and e.id not in state.reversed_ids)))
    return parts


def view_claim(
    session: Session, actor: User, claim_id: int, cfg: ClaimsSettings, as_of: dt.date | None = None
) -> tuple[Claim, list[ClaimEvent], ClaimState]:
    """A claim with its events and state, for display; the view is audited."""
    claim = get_claim(session, actor, claim_id)
    rows = list(session.scalars(select(ClaimEvent).where(ClaimEvent.claim_id == claim.id).order_by(ClaimEvent.id)))
    events = [to_event(r) for r in rows]
    state = fold(upto(events, as_of) if as_of else events, cfg)
    audit.record(session, actor.username, "claim.view", f"claim:{claim.id}", {"case": claim.case.case_number})
    return claim, rows, state


@dataclass(frozen=True)
class Heir:
    """One heir and their statutory share (法定相続分), e.g. ``Heir("山田 一郎", "長男", (1, 2))``."""

    name: str
    relation: str
    share: tuple[int, int]
    phone: str = ""


def record_succession(
    session: Session,
    actor: User,
    claim: Claim,
    on: dt.date,
    died_on: dt.date,
    heirs: Sequence[Heir],
    *,
    cfg: ClaimsSettings,
) -> tuple[Recorded, list[Claim]]:
    """The debtor died: the balance passes to ``heirs`` by their shares, each part a new claim of the same
    basis (its own debtor, balance, status and 督促; 納期限 and 時効 carried over). The deceased's claim
    keeps its history and ends as 相続人に承継済. Parts are split by :func:`ledger.split_shares`."""
    state = state_of(session, claim, cfg)
    shares = [h.share for h in heirs]
    principal = split_shares(state.principal_balance, shares)
    surcharge = split_shares(state.surcharge_balance, shares)
    data = {
        "died_on": died_on.isoformat(),
        "amount": state.balance,
        "heirs": [
            {
                "name": h.name.strip(),
                "relation": h.relation.strip(),
                "phone": normalize_phone(h.phone),
                "share": list(h.share),
                "principal": p,
                "surcharge": x,
            }
            for h, p, x in zip(heirs, principal, surcharge, strict=True)
        ],
    }
    recorded = record_event(session, actor, claim, Kind.SUCCESSION, on, data, cfg=cfg)
    events = load_events(session, claim.id)
    decision = next(e for e in events if e.kind == Kind.DECISION and e.id not in state.reversed_ids)
    created: list[Claim] = []
    for heir in data["heirs"]:
        if heir["principal"] + heir["surcharge"] == 0:
            continue  # a share too small to carry a yen of this balance
        part = Claim(case_id=claim.case_id, basis=claim.basis, created_by=actor.id)
        session.add(part)
        session.flush()
        part_data = {
            **decision.data,
            "debtor": {"name": heir["name"], "relation": heir["relation"], "phone": heir["phone"]},
            "deductions": [],  # already taken off the principal being split
            "surcharge": heir["surcharge"],
            "succession": {
                "from_claim": claim.id,
                "died_on": died_on.isoformat(),
                "share": heir["share"],
                "principal": heir["principal"],
                "due": state.due.isoformat() if state.due else None,
                "reckoning": state.reckoning.isoformat() if state.reckoning else None,
            },
        }
        record_event(session, actor, part, Kind.DECISION, on, part_data, cfg=cfg)
        created.append(part)
    recorded.notes.append(
        f"残高 {state.balance:,}円 を相続人 {len(created)} 人の債権（"
        + "、".join(str(c.id) for c in created)
        + "）に承継しました。端数（1円未満の切捨て分の合計）は最初に記載した相続人に加えています"
    )
    return recorded, created


def parse_heir(text: str) -> Heir:
    """``氏名=続柄=相続分[=電話]``, the share as a fraction: ``山田 一郎=長男=1/4=090-1234-5678``."""
    parts = [p.strip() for p in text.split("=")]
    if len(parts) not in (3, 4) or not parts[0]:
        raise LedgerError(f"相続人 {text!r} は 氏名=続柄=相続分[=電話]（例: 山田 一郎=長男=1/4）で書いてください")
    num, _, den = parts[2].partition("/")
    try:
        share = (int(num), int(den or "1"))
    except ValueError:
        raise LedgerError(f"相続人 {parts[0]} の相続分 {parts[2]!r} は分数（例: 1/4）で書いてください") from None
    return Heir(parts[0], parts[1], share, parts[3] if len(parts) == 4 else "")
