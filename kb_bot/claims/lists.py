"""Claims lists for the office: unpaid, due for 督促, 時効 approaching, installments missed, totals per
CW and per team. :func:`load_rows` reads every visible claim and folds its events once; the list
functions are pure filters over those rows and :func:`list_table` turns them into a typed :class:`Table`,
which the CSV export and the app's HTML both render (the app never parses CSV).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from sqlalchemy import String, Text, case, cast, literal, select
from sqlalchemy.orm import Session

from kb_bot.claims.calendar import add_months
from kb_bot.claims.config import ClaimsSettings
from kb_bot.claims.ledger import (
    BASIS_LABELS,
    STATUS_LABELS,
    Basis,
    ClaimState,
    Event,
    Kind,
    Standing,
    Status,
    fold,
    standing,
)
from kb_bot.claims.models import Case, Claim, ClaimEvent
from kb_bot.users import Team, User, visible_user_ids

DATELESS_KINDS = (Kind.REMINDER.value, Kind.OFFSET_REQUEST.value, Kind.RENEWAL.value, Kind.TRANSFER_NOTE.value)
"""Kinds that count for the state only by their date (see :func:`kb_bot.claims.ledger.fold`)."""


@dataclass(frozen=True)
class ClaimRow:
    claim_id: int
    case_number: str
    cw: str
    team: str
    basis: Basis
    state: ClaimState
    standing: Standing
    """Status, installments, amount in default, 督促 due — on the as-of date."""

    @property
    def status(self) -> Status:
        return self.standing.status


def load_rows(session: Session, actor: User, as_of: dt.date, cfg: ClaimsSettings) -> list[ClaimRow]:
    """Every claim ``actor`` may see, with its state at the end of ``as_of``."""
    heads = (
        select(Claim.id, Case.case_number, User.username, Team.name, Claim.basis)
        .join(Case, Claim.case_id == Case.id)
        .join(User, Case.cw_user_id == User.id)
        .outerjoin(Team, User.team_id == Team.id)
        .order_by(Claim.id)
    )
    ids = visible_user_ids(session, actor)
    # Core columns, JSON as text decoded in one call (the ORM/driver per-row work dominated at 100,000
    # events); kinds whose payload the fold does not read come without it.
    t = ClaimEvent.__table__.c
    payload = case((t.kind.in_(DATELESS_KINDS), literal("{}")), else_=cast(t.data, Text))
    events_query = (
        select(t.claim_id, t.id, t.kind, cast(t.on_date, String), payload, t.reverses_id)
        .where(t.on_date <= as_of)
        .order_by(t.claim_id, t.id)
    )
    if ids is not None:
        heads = heads.where(Case.cw_user_id.in_(ids))
        visible = select(Claim.id).join(Case, Claim.case_id == Case.id).where(Case.cw_user_id.in_(ids))
        events_query = events_query.where(t.claim_id.in_(visible))
    fetched = session.connection().execute(events_query).all()
    payloads = json.loads("[" + ",".join(r[4] for r in fetched) + "]")
    kinds = {k.value: k for k in Kind}
    day = dt.date.fromisoformat
    by_claim: dict[int, list[Event]] = defaultdict(list)
    for (claim_id, event_id, kind, on, _, reverses), data in zip(fetched, payloads, strict=True):
        by_claim[claim_id].append(Event(event_id, kinds[kind], day(on), data, reverses))
    rows = []
    for claim_id, case_number, cw, team, basis in session.execute(heads):
        state = fold(by_claim.get(claim_id, ()), cfg)
        rows.append(ClaimRow(claim_id, case_number, cw, team or "", Basis(basis), state, standing(state, as_of)))
    return rows


@dataclass(frozen=True)
class Column:
    header: str
    value: Callable[[ClaimRow], object]


def _date(d: dt.date | None) -> str:
    return d.isoformat() if d else ""


BASE_COLUMNS = [
    Column("債権番号", lambda r: r.claim_id),
    Column("ケース番号", lambda r: r.case_number),
    Column("担当CW", lambda r: r.cw),
    Column("班", lambda r: r.team),
    Column("種別", lambda r: BASIS_LABELS[r.basis]),
    Column("債務者", lambda r: r.state.debtor.name if r.state.debtor else ""),
    Column("調定額", lambda r: r.state.assessed),
    Column("残高", lambda r: r.state.balance),
    Column("納期限", lambda r: _date(r.state.due)),
    Column("状態", lambda r: STATUS_LABELS[r.status]),
    Column("時効完成日", lambda r: _date(r.state.prescription_date)),
]


def unpaid(rows: Iterable[ClaimRow]) -> list[ClaimRow]:
    """Claims with a balance, oldest 納期限 first."""
    found = [r for r in rows if r.state.balance > 0 and r.state.due is not None]
    return sorted(found, key=lambda r: (r.state.due, r.claim_id))


def dunning_due(rows: Iterable[ClaimRow]) -> list[tuple[ClaimRow, dt.date]]:
    """Claims whose default has no 督促 yet, with the due date it is for (oldest first)."""
    found = [(r, d) for r in rows if (d := r.standing.needs_dunning) is not None]
    return sorted(found, key=lambda x: (x[1], x[0].claim_id))


def prescription_within(rows: Iterable[ClaimRow], as_of: dt.date, months: int) -> list[ClaimRow]:
    """Claims with a balance whose 時効 completes within ``months`` (or has completed: 不納欠損 needed)."""
    limit = add_months(as_of, months)
    found = [
        r for r in rows if r.state.balance > 0 and r.state.prescription_date and r.state.prescription_date <= limit
    ]
    return sorted(found, key=lambda r: (r.state.prescription_date, r.claim_id))


def installments_missed(rows: Iterable[ClaimRow]) -> list[ClaimRow]:
    found = [r for r in rows if r.status == Status.INSTALLMENTS_MISSED]
    return sorted(found, key=lambda r: (r.standing.due_in_default, r.claim_id))


@dataclass(frozen=True)
class Totals:
    key: str
    claims: int
    open_claims: int
    assessed: int
    balance: int
    overdue: int
    refund_due: int


def totals(rows: Iterable[ClaimRow], key: Callable[[ClaimRow], str]) -> list[Totals]:
    acc: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0, 0, 0, 0])
    for r in rows:
        t = acc[key(r)]
        t[0] += 1
        t[1] += r.state.balance > 0
        t[2] += r.state.assessed - r.state.succeeded  # a part passed to heirs is counted in their claims
        t[3] += r.state.balance
        t[4] += r.standing.overdue
        t[5] += r.state.refund_due
    return [Totals(k, *v) for k, v in sorted(acc.items())]


LIST_KINDS = {
    "unpaid": "未納の債権",
    "dunning-due": "督促が必要な債権",
    "prescription": "時効が近い（完成した）債権",
    "installments-missed": "分納が不履行の債権",
    "totals-cw": "担当CW別の集計",
    "totals-team": "班別の集計",
}


Cell = str | int
"""A list cell: amounts, counts and numbers as ``int`` (integer yen), everything else as text."""


@dataclass(frozen=True)
class Table:
    """A list as data: Japanese column headers and typed rows; :meth:`csv` and the app's HTML render it."""

    header: list[str]
    rows: list[list[Cell]]

    def numeric_columns(self) -> list[int]:
        """Columns holding numbers (right-aligned on screen)."""
        return [i for i in range(len(self.header))
                if self.rows and all(isinstance(r[i], int) and not isinstance(r[i], bool) for r in self.rows)]

    def csv(self) -> str:
        out = io.StringIO()
        w = csv.writer(out, lineterminator="\n")
        w.writerow(self.header)
        w.writerows(self.rows)
        return out.getvalue()


def list_table(kind: str, rows: list[ClaimRow], as_of: dt.date, cfg: ClaimsSettings,
               months: int | None = None) -> Table:
    """The list ``kind`` (a key of ``LIST_KINDS``) with Japanese headers."""
    if kind in ("totals-cw", "totals-team"):
        label = "担当CW" if kind == "totals-cw" else "班"
        key: Callable[[ClaimRow], str] = (lambda r: r.cw) if kind == "totals-cw" else (lambda r: r.team or "（班なし）")
        return Table([label, "債権数", "残高のある債権数", "調定額計", "残高計", "納期経過額計", "還付すべき額計"],
                     [[t.key, t.claims, t.open_claims, t.assessed, t.balance, t.overdue, t.refund_due]
                      for t in totals(rows, key)])
    header = [c.header for c in BASE_COLUMNS]

    def base(r: ClaimRow) -> list[Cell]:
        return [c.value(r) for c in BASE_COLUMNS]  # type: ignore[misc]

    if kind == "unpaid":
        return Table([*header, "納期経過額", "督促日"],
                     [[*base(r), r.standing.overdue, _date(r.state.dunnings[-1][0] if r.state.dunnings else None)]
                      for r in unpaid(rows)])
    if kind == "dunning-due":
        body = []
        for r, due in dunning_due(rows):
            send_by = due + dt.timedelta(days=cfg.dunning_within_days)
            body.append([*base(r), _date(due), _date(send_by), "はい" if as_of > send_by else ""])
        return Table([*header, "督促対象の納期限", "督促の期限", "督促期限を過ぎている"], body)
    if kind == "prescription":
        within = cfg.prescription_alert_months if months is None else months
        found = prescription_within(rows, as_of, within)
        return Table([*header, "時効完成まで（日）"],
                     [[*base(r), (r.state.prescription_date - as_of).days] for r in found
                      if r.state.prescription_date is not None])
    if kind == "installments-missed":
        return Table([*header, "最初の不履行の納期", "不履行額"],
                     [[*base(r), _date(r.standing.due_in_default), r.standing.installments.missed]
                      for r in installments_missed(rows) if r.standing.installments is not None])
    raise ValueError(f"一覧の種類 {kind!r} はありません（{', '.join(LIST_KINDS)}）")


def render_csv(kind: str, rows: list[ClaimRow], as_of: dt.date, cfg: ClaimsSettings, months: int | None = None) -> str:
    """The list ``kind`` as CSV text (what ``kb-bot claims list`` prints and the app offers for download)."""
    return list_table(kind, rows, as_of, cfg, months).csv()
