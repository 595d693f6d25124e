"""The claims ledger as pure functions: events in, state out. No database here.

A claim's history is an append-only list of :class:`Event`. :func:`fold` derives the state (balance,
過誤納, 時効完成日, installment plan …) from it; :func:`check` says whether a new event may be added,
with an error message a caseworker can act on. A mistaken event is never edited: a ``reversal`` event
names it, and :func:`fold` leaves the reversed event out.

Money is integer yen. Identities (tested as properties):
``balance − overpaid_net = assessed − paid − written_off − succeeded`` where ``overpaid_net = max(0,
−(assessed − paid − written_off − succeeded))``; ``balance ≥ 0``; ``refund_due = overpaid_net +
paid_past_prescription − refunded ≥ 0``. ``succeeded`` (the balance passed to heirs) is 0 until a death.
"""

from __future__ import annotations

import datetime as dt
import sys
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from fractions import Fraction
from operator import itemgetter
from types import MappingProxyType
from typing import Any, NamedTuple

from kb_bot.claims.calendar import add_months, add_years, parse_month
from kb_bot.claims.config import ClaimsSettings
from kb_bot.claims.money import MAX_YEN
from kb_bot.errors import UserError

NEW_EVENT_ID = sys.maxsize
"""Id for an event not stored yet: it sorts after every stored one on its date."""
ENFORCEMENT_77_2 = dt.date(2018, 10, 1)
"""第77条の2 applies to benefits paid on or after this date."""
SURCHARGE_CAP_PERCENT = 40
"""第78条 加算: at most 40 % of the 徴収額, floored to the yen."""
SURCHARGE_FROM = dt.date(2014, 7, 1)
"""第78条 加算 applies only to 不正受給 of benefit months from this date (the 2014 amendment)."""
PRESCRIPTION_YEARS = 5
"""地方自治法第236条."""


class Basis(StrEnum):
    ART63 = "63"
    ART77_2 = "77-2"
    ART78 = "78"


BASIS_LABELS = {Basis.ART63: "第63条 返還金", Basis.ART77_2: "第77条の2 徴収金", Basis.ART78: "第78条 徴収金"}


class Cause(StrEnum):
    OFFICE_ERROR = "office_error"
    """実施機関の過誤 (認定漏れ・計算誤り): never 第77条の2 (施行規則第22条の3)."""
    OTHER = "other"


class Route(StrEnum):
    COUNTER = "counter"
    ACCOUNT = "account"
    BENEFIT = "benefit"
    """保護費からの充当 (第78条の2)."""


ROUTE_LABELS = {Route.COUNTER: "窓口", Route.ACCOUNT: "口座", Route.BENEFIT: "保護費からの充当"}


class Kind(StrEnum):
    DECISION = "decision"
    ASSESSMENT = "assessment"
    INSTALLMENT_PLAN = "installment_plan"
    PAYMENT = "payment"
    OFFSET_REQUEST = "offset_request"
    DUNNING = "dunning"
    REMINDER = "reminder"
    RENEWAL = "renewal"
    WRITE_OFF = "write_off"
    REFUND = "refund"
    DEBTOR_CHANGE = "debtor_change"
    TRANSFER_NOTE = "transfer_note"
    SUCCESSION = "succession"
    """The debtor died: the balance passes to the heirs, each heir's part a claim of its own."""
    REVERSAL = "reversal"


KIND_LABELS = {
    Kind.DECISION: "決定",
    Kind.ASSESSMENT: "調定",
    Kind.INSTALLMENT_PLAN: "分納計画",
    Kind.PAYMENT: "収納",
    Kind.OFFSET_REQUEST: "充当の申出",
    Kind.DUNNING: "督促",
    Kind.REMINDER: "催告",
    Kind.RENEWAL: "時効更新",
    Kind.WRITE_OFF: "不納欠損",
    Kind.REFUND: "還付",
    Kind.DEBTOR_CHANGE: "債務者変更",
    Kind.TRANSFER_NOTE: "移管メモ",
    Kind.SUCCESSION: "相続（承継）",
    Kind.REVERSAL: "取消",
}


class Status(StrEnum):
    CANCELLED = "cancelled"
    UNASSESSED = "unassessed"
    NOT_DUE = "not_due"
    OVERDUE = "overdue"
    INSTALLMENTS = "installments"
    INSTALLMENTS_MISSED = "installments_missed"
    PRESCRIBED = "prescribed"
    PAID = "paid"
    WRITTEN_OFF = "written_off"
    SUCCEEDED = "succeeded"


STATUS_LABELS = {
    Status.CANCELLED: "決定取消",
    Status.UNASSESSED: "未調定",
    Status.NOT_DUE: "納期限前",
    Status.OVERDUE: "滞納",
    Status.INSTALLMENTS: "分納中",
    Status.INSTALLMENTS_MISSED: "分納不履行",
    Status.PRESCRIBED: "時効完成（不納欠損が必要）",
    Status.PAID: "完納",
    Status.WRITTEN_OFF: "不納欠損済",
    Status.SUCCEEDED: "相続人に承継済",
}


class LedgerError(UserError, ValueError):
    """An event that the rules do not allow; the message says why and what to do instead."""


class Event(NamedTuple):
    """One ledger entry. ``data`` holds JSON values only (dates as ISO strings, money as int).

    Value types here are named tuples: a fold builds hundreds of thousands of them for the lists.
    """

    id: int
    kind: Kind
    on: dt.date
    data: Mapping[str, Any] = MappingProxyType({})
    reverses: int | None = None


class Debtor(NamedTuple):
    name: str
    relation: str = "本人"
    phone: str = ""


class Deduction(NamedTuple):
    category: str
    amount: int
    note: str = ""


class Installment(NamedTuple):
    due: dt.date
    amount: int


class Inheritance(NamedTuple):
    """Where an heir's claim comes from: the deceased debtor's claim and the heir's statutory share."""

    from_claim: int
    died_on: dt.date
    share: tuple[int, int]
    """(numerator, denominator), e.g. (1, 4)."""


@dataclass(frozen=True)
class ClaimState:
    basis: Basis | None = None
    decided_on: dt.date | None = None
    cause: Cause = Cause.OTHER
    debtor: Debtor | None = None
    months: tuple[tuple[dt.date, int], ...] = ()
    """Benefit months covered (first of month, amount)."""
    deductions: tuple[Deduction, ...] = ()
    principal: int = 0
    """徴収額 / 返還額: Σ months − Σ deductions."""
    surcharge: int = 0
    """第78条 加算, its own line."""
    assessed: int = 0
    assessed_on: dt.date | None = None
    due: dt.date | None = None
    """納期限."""
    paid: int = 0
    """Payments applied to the claim (all routes)."""
    paid_past_prescription: int = 0
    """Payments taken after 時効 with the refund flag: all of it is to be refunded."""
    refunded: int = 0
    written_off: int = 0
    succeeded: int = 0
    """The balance passed to the heirs by a ``succession`` event (the heirs' claims hold it now)."""
    debtor_changed_on: dt.date | None = None
    """The first day another person became the debtor (相続): 第78条の2 充当 ends with it."""
    inherited: Inheritance | None = None
    """Set on an heir's claim: the balance was inherited, not decided on this person."""
    plan: tuple[Installment, ...] = ()
    plan_on: dt.date | None = None
    paid_since_plan: int = 0
    dunnings: tuple[tuple[dt.date, dt.date, dt.date], ...] = ()
    """(督促 date, designated deadline, the due date it enforces)."""
    reminders: int = 0
    last_reminder_on: dt.date | None = None
    offset_requests: tuple[dt.date, ...] = ()
    reckoning: dt.date | None = None
    """起算日 of the prescription: the day after 納期限, moved by renewals."""
    reversed_ids: frozenset[int] = frozenset()

    @property
    def decided(self) -> bool:
        return self.basis is not None

    @property
    def total(self) -> int:
        return self.principal + self.surcharge

    @property
    def net(self) -> int:
        """What the debtor owes on the claim; negative when overpaid."""
        return self.assessed - self.paid - self.written_off - self.succeeded

    @property
    def balance(self) -> int:
        return max(self.net, 0)

    @property
    def overpaid(self) -> int:
        """過誤納 arisen: paid beyond the claim, plus payments taken after 時効."""
        return max(-self.net, 0) + self.paid_past_prescription

    @property
    def refund_due(self) -> int:
        return self.overpaid - self.refunded

    @property
    def surcharge_balance(self) -> int:
        """Payments and write-offs go to the principal first, then to the 加算."""
        if not self.assessed:
            return 0
        beyond_principal = max(0, self.paid + self.written_off + self.succeeded - (self.assessed - self.surcharge))
        return max(0, self.surcharge - beyond_principal)

    @property
    def principal_balance(self) -> int:
        return self.balance - self.surcharge_balance

    @property
    def prescription_date(self) -> dt.date | None:
        """時効完成日: from this day on the claim can no longer be collected."""
        return add_years(self.reckoning, PRESCRIPTION_YEARS) if self.reckoning else None


def surcharge_cap(principal: int) -> int:
    return principal * SURCHARGE_CAP_PERCENT // 100


def _date(value: str) -> dt.date:
    return dt.date.fromisoformat(value)


_BY_DATE_THEN_ID = itemgetter(2, 0)
_DAY = dt.timedelta(days=1)


def fold(events: Iterable[Event], cfg: ClaimsSettings | None = None) -> ClaimState:
    """The state after ``events`` (any order: they are applied by date, then id)."""
    cfg = cfg or ClaimsSettings()
    renew_on_plan = "installment_plan" in cfg.prescription_renewal_events
    renew_on_payment = "payment" in cfg.prescription_renewal_events
    renew_after_deadline = cfg.dunning_renewal_start == "after_deadline"
    day = dt.date.fromisoformat
    ordered = sorted(events, key=_BY_DATE_THEN_ID)
    reversed_ids = frozenset(e.reverses for e in ordered if e.reverses is not None)
    s: dict[str, Any] = {"reversed_ids": reversed_ids}
    renewals: list[dt.date] = []
    paid = paid_past = refunded = written_off = succeeded = reminders = 0
    debtor_changed_on: dt.date | None = None
    inherited_reckoning: dt.date | None = None
    dunnings: list[tuple[dt.date, dt.date, dt.date]] = []
    offsets: list[dt.date] = []
    payments: list[tuple[dt.date, int]] = []
    last_reminder: dt.date | None = None
    # plain if/elif on local names, most frequent kinds first: this loop runs for every event in the lists
    payment, reminder, dunning, plan, assessment, decision = (
        Kind.PAYMENT,
        Kind.REMINDER,
        Kind.DUNNING,
        Kind.INSTALLMENT_PLAN,
        Kind.ASSESSMENT,
        Kind.DECISION,
    )
    for e in ordered:
        kind = e.kind
        if e.id in reversed_ids or kind == Kind.REVERSAL:
            continue
        d = e.data
        if kind == payment:
            if d.get("refund"):
                paid_past += d["amount"]
            else:
                paid += d["amount"]
                payments.append((e.on, d["amount"]))
                if renew_on_payment:
                    renewals.append(e.on + _DAY)
        elif kind == reminder:
            reminders += 1
            last_reminder = e.on
        elif kind == dunning:
            deadline = day(d["deadline"])
            dunnings.append((e.on, deadline, day(d["for_due"])))
            renewals.append((deadline if renew_after_deadline else e.on) + _DAY)
        elif kind == plan:
            s["plan"] = tuple(Installment(day(x), a) for x, a in d["schedule"])
            s["plan_on"] = e.on
            if renew_on_plan:
                renewals.append(e.on + _DAY)
        elif kind == assessment:
            s.update(assessed=d["amount"], assessed_on=e.on, due=day(d["due"]))
        elif kind == decision:
            months = tuple((parse_month(m), a) for m, a in d["months"])
            deductions = tuple(
                Deduction(x["category"], x["amount"], x.get("note", "")) for x in d.get("deductions", ())
            )
            s.update(
                basis=Basis(d["basis"]),
                decided_on=e.on,
                cause=Cause(d.get("cause", Cause.OTHER)),
                debtor=Debtor(**d["debtor"]),
                months=months,
                deductions=deductions,
                principal=sum(a for _, a in months) - sum(x.amount for x in deductions),
                surcharge=d.get("surcharge", 0),
            )
            inh = d.get("succession")
            if inh is not None:
                # an heir's part: assessed at once, 納期限 and 時効 carried over from the deceased's claim
                s.update(
                    principal=inh["principal"],
                    assessed=inh["principal"] + s["surcharge"],
                    assessed_on=e.on,
                    due=day(inh["due"]),
                    inherited=Inheritance(inh["from_claim"], day(inh["died_on"]), tuple(inh["share"])),
                )
                inherited_reckoning = day(inh["reckoning"])
        elif kind == Kind.OFFSET_REQUEST:
            offsets.append(e.on)
        elif kind == Kind.RENEWAL:
            renewals.append(e.on + _DAY)
        elif kind == Kind.WRITE_OFF:
            written_off += d["amount"]
        elif kind == Kind.REFUND:
            refunded += d["amount"]
        elif kind == Kind.DEBTOR_CHANGE:
            current = s.get("debtor")
            if debtor_changed_on is None and current is not None and d["name"] != current.name:
                debtor_changed_on = e.on
            s["debtor"] = Debtor(d["name"], d.get("relation", ""), d.get("phone", ""))
        elif kind == Kind.SUCCESSION:
            succeeded += d["amount"]
            debtor_changed_on = debtor_changed_on or e.on
        # TRANSFER_NOTE changes nothing in the state
    due = s.get("due")
    if due is not None:
        s["reckoning"] = max([inherited_reckoning or due + _DAY, *renewals])
    plan_on = s.get("plan_on")
    if plan_on is not None:
        s["paid_since_plan"] = sum(a for on, a in payments if on >= plan_on)
    return ClaimState(
        **s,
        paid=paid,
        paid_past_prescription=paid_past,
        refunded=refunded,
        written_off=written_off,
        succeeded=succeeded,
        debtor_changed_on=debtor_changed_on,
        dunnings=tuple(dunnings),
        reminders=reminders,
        last_reminder_on=last_reminder,
        offset_requests=tuple(offsets),
    )


def upto(events: Iterable[Event], day: dt.date) -> list[Event]:
    """The events dated on or before ``day`` (the ledger as it stood at the end of that day)."""
    return [e for e in events if e.on <= day]


@dataclass(frozen=True)
class InstallmentStatus:
    scheduled: int
    """Σ installments due before the as-of date."""
    paid: int
    missed: int
    first_missed_due: dt.date | None


def installment_status(state: ClaimState, as_of: dt.date) -> InstallmentStatus | None:
    """How the plan stands on ``as_of`` (an installment is missed the day after its due date)."""
    if not state.plan:
        return None
    scheduled = 0
    first_missed: dt.date | None = None
    for inst in state.plan:
        if inst.due >= as_of:
            break
        scheduled += inst.amount
        if first_missed is None and state.paid_since_plan < scheduled:
            first_missed = inst.due
    missed = max(0, scheduled - state.paid_since_plan)
    return InstallmentStatus(scheduled, state.paid_since_plan, missed, first_missed if missed else None)


class Standing(NamedTuple):
    """Where a claim stands on a day: everything the lists, alerts and the export ask, computed once."""

    status: Status
    installments: InstallmentStatus | None
    due_in_default: dt.date | None
    """The due date a 督促 on this day would enforce: the earliest missed installment, else 納期限."""
    overdue: int
    """Due and unpaid: the missed installments under a plan, else the balance once 納期限 passed."""
    needs_dunning: dt.date | None
    """``due_in_default`` when no 督促 has been recorded for it (and the claim is not past 時効)."""


def standing(state: ClaimState, as_of: dt.date) -> Standing:
    plan = installment_status(state, as_of)
    if plan is not None:
        due_in_default = plan.first_missed_due
        overdue = min(plan.missed, state.balance)
    elif state.due is not None and as_of > state.due:
        due_in_default, overdue = state.due, state.balance
    else:
        due_in_default, overdue = None, 0
    if not state.decided:
        st = Status.CANCELLED
    elif state.assessed_on is None:
        st = Status.UNASSESSED
    elif state.balance == 0:
        st = Status.SUCCEEDED if state.succeeded else Status.WRITTEN_OFF if state.written_off else Status.PAID
    elif state.prescription_date is not None and as_of >= state.prescription_date:
        st = Status.PRESCRIBED
    elif plan is not None:
        st = Status.INSTALLMENTS_MISSED if plan.missed else Status.INSTALLMENTS
    else:
        st = Status.OVERDUE if overdue else Status.NOT_DUE
    waiting = None
    if st in (Status.OVERDUE, Status.INSTALLMENTS_MISSED) and not any(
        for_due == due_in_default for _, _, for_due in state.dunnings
    ):
        waiting = due_in_default
    return Standing(st, plan, due_in_default, overdue, waiting)


def status(state: ClaimState, as_of: dt.date) -> Status:
    return standing(state, as_of).status


def default_due(state: ClaimState, as_of: dt.date) -> dt.date | None:
    """The due date a 督促 on ``as_of`` would enforce: the earliest missed installment, else 納期限."""
    return standing(state, as_of).due_in_default


def plan_prescription_warning(state: ClaimState) -> str | None:
    """A warning while an installment plan is live and 時効 would complete before its last installment.

    From the 時効完成日 on, every payment is refused (it must be refunded), so the plan must be kept
    alive by payments (承認, when ``payment`` renews) or an explicit 時効更新 before that day.
    """
    if not state.plan or state.balance == 0 or state.prescription_date is None:
        return None
    last = state.plan[-1].due
    if state.prescription_date > last:
        return None
    return (
        f"時効完成日 {state.prescription_date} が分納の最終納期 {last} 以前です。その日までに納付（債務の承認）か"
        "時効更新の記録がないと、以後の分納は時効完成後の収納として受けられず還付の対象になります"
    )


@dataclass(frozen=True)
class MonthSplit:
    before: int
    """Benefit months before 2018-10-01."""
    after: int


def month_split(state: ClaimState) -> MonthSplit:
    before = sum(a for m, a in state.months if m < ENFORCEMENT_77_2)
    return MonthSplit(before, sum(a for _, a in state.months) - before)


def bankruptcy_treatment(state: ClaimState) -> str:
    """How the claim stands if the debtor goes bankrupt (破産法第253条第1項第1号)."""
    split = month_split(state)
    if state.basis in (Basis.ART78, Basis.ART77_2):
        return "非免責（国税徴収の例により徴収できる請求権）"
    if state.cause == Cause.OFFICE_ERROR:
        return "免責されうる（実施機関の過誤による第63条返還金。第77条の2の対象外）"
    if split.after:
        return (
            f"免責されうる（第63条返還金）。2018年10月以後の支給分 {split.after:,}円 は第77条の2の"
            "徴収金として決定していれば非免責"
        )
    return "免責されうる（2018年10月前の支給分の第63条返還金）"


@dataclass(frozen=True)
class Context:
    """Facts outside the ledger that a rule needs."""

    case_closed_on: dt.date | None = None
    """保護廃止: 第78条の2 充当 ends with it."""


def _need(data: Mapping[str, Any], key: str, label: str) -> Any:
    value = data.get(key)
    if value in (None, "", [], ()):
        raise LedgerError(f"{label}を指定してください")
    return value


MAX_INSTALLMENTS = 600
"""The most monthly installments one plan may have (50 years); more is a typing error, not a plan."""


def _money(value: Any, label: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise LedgerError(f"{label}は円単位の整数で指定してください（{value!r}）")
    if value <= 0:
        raise LedgerError(f"{label}は1円以上にしてください（{value}）")
    if value > MAX_YEN:
        raise LedgerError(f"{label} {value:,}円 は上限 {MAX_YEN:,}円 を超えています。桁を確認してください")
    return value


def _check_decision(state: ClaimState, e: Event) -> None:
    if state.decided:
        raise LedgerError("この債権には決定が記録済みです。誤りなら先に決定を取り消してください")
    try:
        basis = Basis(e.data.get("basis"))
    except ValueError:
        raise LedgerError("根拠条文は 63 / 77-2 / 78 のどれかを指定してください") from None
    debtor = _need(e.data, "debtor", "債務者")
    if not isinstance(debtor, Mapping) or not str(debtor.get("name", "")).strip():
        raise LedgerError("債務者の氏名を指定してください")
    if "succession" in e.data:
        _check_inherited_decision(e.data["succession"], e.data.get("surcharge", 0))
        return
    months = _need(e.data, "months", "対象となる支給月と金額")
    seen: set[dt.date] = set()
    for m, amount in months:
        try:
            month = parse_month(m)
        except ValueError as err:
            raise LedgerError(str(err)) from None
        if month in seen:
            raise LedgerError(f"支給月 {m} が重複しています。同じ月は1行にまとめてください")
        seen.add(month)
        _money(amount, f"支給月 {m} の金額")
        if month > e.on.replace(day=1):
            raise LedgerError(f"支給月 {m} が決定日 {e.on} より後です")
    cause = e.data.get("cause", Cause.OTHER)
    if cause not in tuple(Cause):
        raise LedgerError("発生原因は office_error（実施機関の過誤）か other を指定してください")
    if basis == Basis.ART78 and cause == Cause.OFFICE_ERROR:
        raise LedgerError(
            "実施機関の過誤による過払いは不正受給ではないため、第78条の徴収金にはできません。第63条で登録してください"
        )
    deductions = e.data.get("deductions") or []
    if deductions and basis == Basis.ART78:
        raise LedgerError("第78条の徴収金には自立更生費の控除はできません（全額が徴収対象です）")
    for x in deductions:
        if not str(x.get("category", "")).strip():
            raise LedgerError("自立更生費の控除には用途（品目）を指定してください")
        _money(x.get("amount"), f"自立更生費（{x.get('category')}）の額")
    gross = sum(a for _, a in months)
    principal = gross - sum(x["amount"] for x in deductions)
    if principal <= 0:
        raise LedgerError(
            f"自立更生費の控除（計 {gross - principal:,}円）が支給額 {gross:,}円 以上です。返還額が残りません"
        )
    surcharge = e.data.get("surcharge", 0)
    if surcharge:
        if basis != Basis.ART78:
            raise LedgerError("加算（100分の40以下の上乗せ）は第78条の徴収金にだけ付けられます")
        _money(surcharge, "加算額")
        early = sorted(m for m, _ in months if parse_month(m) < SURCHARGE_FROM)
        if early:
            raise LedgerError(
                f"第78条の加算は2014年7月1日以後の不正受給分にだけ付けられます（{', '.join(early)} は対象外）。"
                "2014年6月以前の月は加算なしの別の債権として登録してください"
            )
        if surcharge > surcharge_cap(principal):
            raise LedgerError(
                f"加算額 {surcharge:,}円 が上限（徴収額 {principal:,}円 の100分の40、円未満切捨て: "
                f"{surcharge_cap(principal):,}円）を超えています"
            )
    if basis == Basis.ART77_2:
        early = sorted(m for m, _ in months if parse_month(m) < ENFORCEMENT_77_2)
        if early:
            raise LedgerError(
                f"第77条の2は2018年10月1日以後に支弁した保護費にだけ適用されます（{', '.join(early)} は対象外）。"
                "その月の分は第63条の債権として別に登録してください"
            )
        if cause == Cause.OFFICE_ERROR:
            raise LedgerError(
                "実施機関の過誤による過払いは第77条の2の対象外です（施行規則第22条の3）。第63条で登録してください"
            )


def _check_inherited_decision(inh: Any, surcharge: Any) -> None:
    """An heir's part, as the ``succession`` service writes it from the deceased debtor's claim."""
    if not isinstance(inh, Mapping):
        raise LedgerError("相続による承継の内容を指定してください")
    for key in ("from_claim", "died_on", "share", "principal", "due", "reckoning"):
        _need(inh, key, f"承継の {key}")
    if isinstance(inh["principal"], bool) or not isinstance(inh["principal"], int) or inh["principal"] < 0:
        raise LedgerError(f"承継する徴収額（返還額）は0円以上の整数にしてください（{inh['principal']!r}）")
    if surcharge:
        _money(surcharge, "承継する加算額")
    if inh["principal"] + (surcharge or 0) <= 0:
        raise LedgerError("承継する額が0円です。相続人の債権は作れません")
    _share(inh["share"])


def _check_payment(before: ClaimState, at_date: ClaimState, e: Event, ctx: Context) -> None:
    _money(e.data.get("amount"), "収納額")
    try:
        route = Route(e.data.get("route"))
    except ValueError:
        raise LedgerError(
            "収納の経路は counter（窓口）/ account（口座）/ benefit（保護費からの充当）のどれかです"
        ) from None
    prescribed_on = at_date.prescription_date
    past = prescribed_on is not None and e.on >= prescribed_on
    if e.data.get("refund"):
        if not past:
            raise LedgerError("時効完成前の収納に還付指定（--refund）は使えません")
        if route == Route.BENEFIT:
            raise LedgerError("時効完成後は保護費からの充当はできません")
    elif past:
        raise LedgerError(
            f"時効完成日（{prescribed_on}）を過ぎた債権は収納できません（時効の利益の放棄はできず、受けた納付は"
            "還付の対象です）。受領済みのお金を還付予定として記録するときは --refund を付けてください"
        )
    if route == Route.BENEFIT:
        if before.basis not in (Basis.ART77_2, Basis.ART78):
            raise LedgerError(
                "保護費からの充当（第78条の2）は第77条の2・第78条の徴収金だけです。第63条返還金は納付書で返還を求めてください"
            )
        _refuse_offset_after_debtor_change(before)
        if not any(day < e.on for day in before.offset_requests):
            raise LedgerError(
                f"保護費からの充当には、充当日（{e.on}）より前の日付の申出（施行規則第22条の4の申出書）の記録が必要です"
            )
        if ctx.case_closed_on is not None and e.on >= ctx.case_closed_on:
            raise LedgerError(
                f"保護廃止（{ctx.case_closed_on}）後は保護費からの充当はできません。納付書で納付を求めてください"
            )


def _refuse_offset_after_debtor_change(state: ClaimState) -> None:
    """第78条の2 充当 is from the benefits of the 被保護者 who asked: it ends with the debtor's death."""
    if state.inherited is not None:
        raise LedgerError(
            f"相続で承継した債権（元の債権 {state.inherited.from_claim}）は保護費からの充当はできません。"
            "納付書で納付を求めてください"
        )
    if state.debtor_changed_on is not None:
        raise LedgerError(
            f"債務者が {state.debtor_changed_on} に変わった（相続など）ため、保護費からの充当はできません。"
            "第78条の2の充当は申し出た被保護者本人の保護費からだけです。納付書で納付を求めてください"
        )


def check(events: Sequence[Event], new: Event, ctx: Context | None = None, cfg: ClaimsSettings | None = None) -> None:
    """Raise :class:`LedgerError` unless ``new`` may be appended to ``events``."""
    ctx = ctx or Context()
    before = fold(events, cfg)
    if new.kind == Kind.REVERSAL:
        _check_reversal(events, new, cfg)
        return
    if new.kind == Kind.DECISION:
        _check_decision(before, new)
        return
    if not before.decided:
        raise LedgerError("決定が記録されていません。先に決定を記録してください")
    if before.decided_on and new.on < before.decided_on:
        raise LedgerError(f"日付 {new.on} が決定日 {before.decided_on} より前です")
    if before.succeeded and new.kind not in (Kind.REFUND, Kind.TRANSFER_NOTE):
        raise LedgerError(
            "この債権は相続人に承継済みです（残高は相続人ごとの債権にあります）。相続人の債権に記録してください"
        )
    if new.kind == Kind.ASSESSMENT:
        if before.assessed_on is not None:
            raise LedgerError("調定は記録済みです。額や納期限の誤りは、調定を取り消してから記録し直してください")
        amount = _money(new.data.get("amount"), "調定額")
        if amount != before.total:
            raise LedgerError(f"調定額 {amount:,}円 が決定額 {before.total:,}円（徴収額＋加算）と一致しません")
        due = _date(_need(new.data, "due", "納期限"))
        if due < new.on:
            raise LedgerError(f"納期限 {due} が調定日 {new.on} より前です")
        return
    if new.kind in (Kind.DEBTOR_CHANGE, Kind.TRANSFER_NOTE, Kind.OFFSET_REQUEST):
        if new.kind == Kind.DEBTOR_CHANGE:
            _need(new.data, "name", "新しい債務者の氏名")
            _need(new.data, "reason", "変更の理由（相続など）")
        elif new.kind == Kind.TRANSFER_NOTE:
            _need(new.data, "note", "移管の内容")
        elif before.basis not in (Basis.ART77_2, Basis.ART78):
            raise LedgerError("保護費からの充当の申出は第77条の2・第78条の徴収金にだけ記録できます")
        else:
            _refuse_offset_after_debtor_change(before)
        return
    if before.assessed_on is None:
        raise LedgerError(f"調定前の債権には{KIND_LABELS[new.kind]}を記録できません。先に調定を記録してください")
    at_date = fold(upto(events, new.on), cfg)
    match new.kind:
        case Kind.PAYMENT:
            _check_payment(before, at_date, new, ctx)
        case Kind.INSTALLMENT_PLAN:
            _check_plan(before, new)
        case Kind.DUNNING:
            _check_dunning(at_date, new)
        case Kind.REMINDER:
            _need(new.data, "method", "催告の方法（電話・文書・訪問など）")
        case Kind.RENEWAL:
            _need(new.data, "reason", "時効更新の理由（債務承認書の受領など）")
        case Kind.WRITE_OFF:
            amount = _money(new.data.get("amount"), "不納欠損額")
            reason = _need(new.data, "reason", "不納欠損の理由（時効完成・免責など）")
            if amount > before.balance:
                raise LedgerError(f"不納欠損額 {amount:,}円 が残高 {before.balance:,}円 を超えています")
            if needs_non_dischargeable_confirmation(before, reason) and not new.data.get(NON_DISCHARGEABLE_CONFIRMED):
                raise LedgerError(
                    f"{BASIS_LABELS[before.basis]}は破産しても免責されない債権です（破産法第253条第1項第1号、国税徴収の例に"
                    "よる請求権）。破産免責を理由に不納欠損とするのは誤りの可能性があります。SV・係長が確認したうえで"
                    "行うときは、非免責の確認を付けて記録してください（コマンドでは --confirm-non-dischargeable）"
                )
        case Kind.SUCCESSION:
            _check_succession(before, new)
        case Kind.REFUND:
            amount = _money(new.data.get("amount"), "還付額")
            if amount > before.refund_due:
                raise LedgerError(f"還付額 {amount:,}円 が還付すべき過誤納額 {before.refund_due:,}円 を超えています")


NON_DISCHARGEABLE_CONFIRMED = "non_dischargeable_confirmed"
"""Write-off payload flag: an SV/係長 confirmed a 破産免責 write-off of a non-dischargeable claim."""
BANKRUPTCY_WORDS = ("破産", "免責")


def needs_non_dischargeable_confirmation(state: ClaimState, reason: str) -> bool:
    """A write-off of a 第77条の2 / 第78条 claim (非免責) giving bankruptcy as its reason."""
    return state.basis in (Basis.ART77_2, Basis.ART78) and any(w in reason for w in BANKRUPTCY_WORDS)


def _share(value: Any) -> tuple[int, int]:
    try:
        num, den = value
    except (TypeError, ValueError):
        raise LedgerError(f"相続分 {value!r} は分数（例: 1/2）で指定してください") from None
    if not all(isinstance(x, int) and not isinstance(x, bool) for x in (num, den)) or not 0 < num <= den:
        raise LedgerError(f"相続分 {num}/{den} は0より大きく1以下の分数にしてください")
    return num, den


def split_shares(amount: int, shares: Sequence[tuple[int, int]]) -> list[int]:
    """``amount`` yen split by statutory shares: each part floored to the yen, the remaining yen (fewer
    than the number of heirs) all go to the first heir listed, so the parts always add up to ``amount``."""
    parts = [amount * num // den for num, den in shares]
    if parts:
        parts[0] += amount - sum(parts)
    return parts


def _check_succession(before: ClaimState, e: Event) -> None:
    died_on = _date(_need(e.data, "died_on", "債務者の死亡日"))
    if died_on > e.on:
        raise LedgerError(f"死亡日 {died_on} が承継の記録日 {e.on} より後です")
    heirs = _need(e.data, "heirs", "相続人")
    if before.balance == 0:
        raise LedgerError("残高がないので相続人への承継は記録できません")
    shares = []
    for heir in heirs:
        if not str(heir.get("name", "")).strip():
            raise LedgerError("相続人の氏名を指定してください")
        shares.append(_share(heir.get("share")))
    total = sum(Fraction(n, d) for n, d in shares)
    if total != 1:
        raise LedgerError(f"相続分の合計が {total} です。法定相続分の合計が1になるように指定してください")
    principal = split_shares(before.principal_balance, shares)
    surcharge = split_shares(before.surcharge_balance, shares)
    stated = [(h.get("principal"), h.get("surcharge")) for h in heirs]
    if stated != list(zip(principal, surcharge, strict=True)) or e.data.get("amount") != before.balance:
        raise LedgerError("相続人ごとの額が残高と相続分から計算した額と一致しません")


def _check_plan(before: ClaimState, e: Event) -> None:
    schedule = _need(e.data, "schedule", "分納の納期と金額")
    if before.balance == 0:
        raise LedgerError("残高がないので分納計画は立てられません")
    dues = [_date(d) for d, _ in schedule]
    if dues != sorted(set(dues)):
        raise LedgerError("分納の納期は日付順に、同じ日を重ねずに並べてください")
    if dues[0] < e.on:
        raise LedgerError(f"最初の納期 {dues[0]} が計画日 {e.on} より前です")
    total = sum(_money(a, "分納額") for _, a in schedule)
    if total != before.balance:
        raise LedgerError(f"分納額の合計 {total:,}円 が残高 {before.balance:,}円 と一致しません")


def _check_dunning(at_date: ClaimState, e: Event) -> None:
    deadline = _date(_need(e.data, "deadline", "督促の指定期限"))
    for_due = _date(_need(e.data, "for_due", "督促の対象とする納期限"))
    if deadline <= e.on:
        raise LedgerError(f"指定期限 {deadline} は督促日 {e.on} より後にしてください")
    if at_date.balance == 0:
        raise LedgerError("残高がないので督促はできません")
    if at_date.prescription_date is not None and e.on >= at_date.prescription_date:
        raise LedgerError(
            f"時効完成日（{at_date.prescription_date}）を過ぎています。督促ではなく不納欠損の手続をしてください"
        )
    expected = default_due(at_date, e.on)
    if expected is None:
        if at_date.plan:
            raise LedgerError(f"{e.on} の時点で不履行の分納はありません。督促は納期を過ぎた分納にだけできます")
        raise LedgerError(f"督促は納期限（{at_date.due}）の翌日以降にしかできません")
    if for_due != expected:
        raise LedgerError(f"督促の対象の納期限は {expected} です（{for_due} ではありません）")
    for day, _, done in at_date.dunnings:
        if done == for_due:
            raise LedgerError(
                f"納期限 {for_due} の督促は {day} に記録済みです。督促は一度だけです。重ねての請求は催告として記録してください"
            )


def _check_reversal(events: Sequence[Event], e: Event, cfg: ClaimsSettings | None) -> None:
    _need(e.data, "reason", "取消の理由")
    target = next((x for x in events if x.id == e.reverses), None)
    if target is None:
        raise LedgerError(f"取り消す記録 {e.reverses} はこの債権にありません")
    if target.kind == Kind.REVERSAL:
        raise LedgerError("取消の記録は取り消せません。元の内容をもう一度記録してください")
    if fold(events, cfg).succeeded and target.kind != Kind.SUCCESSION:
        raise LedgerError(
            "相続人に承継済みの債権の記録は取り消せません（残高は相続人ごとの債権にあります）。"
            "相続の記録が誤りなら、先に相続（承継）の記録を取り消してください"
        )
    if any(x.kind == Kind.REVERSAL and x.reverses == target.id for x in events):
        raise LedgerError(f"記録 {target.id} はすでに取り消されています")
    if e.on < target.on:
        raise LedgerError(f"取消日 {e.on} が元の記録の日付 {target.on} より前です")
    before = fold(events, cfg)
    after = fold([*events, e], cfg)
    if target.kind == Kind.DECISION and before.inherited is not None:  # an heir's part, assessed by its decision
        live = [x for x in events if x.id != target.id and x.kind != Kind.REVERSAL and x.id not in before.reversed_ids]
        if live:
            raise LedgerError(
                f"この相続人の債権には{KIND_LABELS[live[0].kind]}などの記録があります。先にそれらを取り消してください"
            )
    elif target.kind == Kind.DECISION and before.assessed_on is not None:
        raise LedgerError("調定が記録されています。先に調定を取り消してください")
    if after.refund_due < 0:
        raise LedgerError(
            f"取り消すと還付済み額 {after.refunded:,}円 が過誤納額 {after.overpaid:,}円 を超えます。先に還付の記録を取り消してください"
        )


def monthly_schedule(
    total: int, first_due: dt.date, count: int, roll: Callable[[dt.date], dt.date]
) -> list[tuple[dt.date, int]]:
    """``count`` monthly installments from ``first_due``; the remainder of the division goes to the first.

    Each due date is moved by ``roll`` (the next business day) — a due date is the resident's deadline.
    """
    if count > MAX_INSTALLMENTS:
        raise LedgerError(f"分納回数 {count} 回は多すぎます（上限 {MAX_INSTALLMENTS} 回 = 50年）")
    if count < 1 or total < count:
        raise LedgerError(f"分納回数 {count} 回では {total:,}円 を1円以上ずつに分けられません")
    base, rest = divmod(total, count)
    return [(roll(add_months(first_due, i)), base + (rest if i == 0 else 0)) for i in range(count)]


def _yen(value: int) -> str:
    return f"{value:,}円"


def describe_event(kind: str, data: Mapping[str, Any]) -> str:
    """One line describing an event's payload (claim detail in the app and in ``kb-bot claims show``)."""

    parts: list[str] = []
    if kind == "decision":
        debtor = data.get("debtor") or {}
        months = data.get("months") or []
        if debtor:
            parts.append(f"債務者 {debtor.get('name', '')}（{debtor.get('relation', '')}）")
        if months:
            parts.append(f"支給月 {months[0][0]}〜{months[-1][0]} 計 {_yen(sum(a for _, a in months))}")
        for d in data.get("deductions") or []:
            parts.append(f"自立更生費 {d['category']} {_yen(d['amount'])}" + (f"（{d['note']}）" if d.get("note") else ""))
        if data.get("surcharge"):
            parts.append(f"加算 {_yen(data['surcharge'])}")
        if data.get("cause") == "office_error":
            parts.append("実施機関の過誤")
        inh = data.get("succession")
        if inh:
            parts.append(f"債権 {inh['from_claim']} の相続分 {inh['share'][0]}/{inh['share'][1]} を承継")
        return "・".join(parts)
    if kind == "succession":
        heirs = "、".join(
            f"{h['name']} {h['share'][0]}/{h['share'][1]} {_yen(h['principal'] + h['surcharge'])}"
            for h in data.get("heirs") or []
        )
        return f"死亡 {data.get('died_on', '')}・{_yen(data.get('amount', 0))} を承継: {heirs}"
    if "amount" in data:
        parts.append(_yen(data["amount"]))
    if "route" in data:
        parts.append(ROUTE_LABELS[Route(data["route"])])
    if data.get("refund"):
        parts.append("時効完成後・要還付")
    if "due" in data:
        parts.append(f"納期限 {data['due']}")
    if "deadline" in data:
        parts.append(f"指定期限 {data['deadline']}（対象の納期限 {data.get('for_due', '')}）")
    if "schedule" in data:
        sched = data["schedule"]
        more = " …" if len(sched) > 3 else ""
        parts.append(f"{len(sched)}回: " + "、".join(f"{d} {a:,}円" for d, a in sched[:3]) + more)
    if kind == "debtor_change":
        parts.append(f"新しい債務者 {data.get('name', '')}（{data.get('relation', '')}）")
    for key in ("method", "reason", "note"):
        if data.get(key):
            parts.append(str(data[key]))
    return "・".join(parts)
