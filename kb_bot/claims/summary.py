"""One claim as data: what ``kb-bot claims show`` (text and JSON) and the app's 債権 detail both render.

:func:`summarize` derives everything once from the folded state (:mod:`kb_bot.claims.ledger`); the surfaces
only lay it out.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from kb_bot.claims.ledger import (
    BASIS_LABELS,
    KIND_LABELS,
    STATUS_LABELS,
    ClaimState,
    Kind,
    MonthSplit,
    Standing,
    bankruptcy_treatment,
    describe_event,
    month_split,
    standing,
)
from kb_bot.claims.models import Claim, ClaimEvent


@dataclass(frozen=True)
class EventLine:
    """One recorded event as shown: its kind in Japanese and its payload in words."""

    id: int
    on: dt.date
    kind: str
    label: str
    text: str
    recorded_by: str
    data: Mapping[str, Any]
    reverses: int | None
    reversed: bool
    after_as_of: bool


@dataclass(frozen=True)
class ClaimSummary:
    claim_id: int
    case_number: str
    cw: str
    as_of: dt.date
    state: ClaimState
    now: Standing
    split: MonthSplit
    deductions: int
    """自立更生費 deducted, integer yen."""
    events: list[EventLine]

    @property
    def basis_label(self) -> str:
        return BASIS_LABELS[self.state.basis] if self.state.basis else ""

    @property
    def status_label(self) -> str:
        return STATUS_LABELS[self.now.status]

    @property
    def bankruptcy(self) -> str:
        return bankruptcy_treatment(self.state) if self.state.basis else ""

    def to_json(self) -> dict[str, Any]:
        """The ``kb-bot claims show --json`` object."""
        s, inst = self.state, self.now.installments
        return {
            "claim_id": self.claim_id,
            "case_number": self.case_number,
            "basis": self.basis_label,
            "status": self.status_label,
            "debtor": s.debtor.name if s.debtor else "",
            "principal": s.principal,
            "surcharge": s.surcharge,
            "deductions": self.deductions,
            "assessed": s.assessed,
            "due": s.due.isoformat() if s.due else None,
            "paid": s.paid,
            "written_off": s.written_off,
            "balance": s.balance,
            "principal_balance": s.principal_balance,
            "surcharge_balance": s.surcharge_balance,
            "overpaid": s.overpaid,
            "refund_due": s.refund_due,
            "prescription_date": s.prescription_date.isoformat() if s.prescription_date else None,
            "months_before_2018_10": self.split.before,
            "months_from_2018_10": self.split.after,
            "bankruptcy": self.bankruptcy,
            "installments_missed": inst.missed if inst else None,
            "events": [{"id": e.id, "kind": e.kind, "on": e.on.isoformat(), "data": e.data, "reverses": e.reverses,
                        "reversed": e.reversed} for e in self.events],
        }


def summarize(claim: Claim, rows: Sequence[ClaimEvent], state: ClaimState, as_of: dt.date,
              recorders: Mapping[int, str]) -> ClaimSummary:
    """The summary of ``claim`` (events ``rows`` folded into ``state``) on ``as_of``; ``recorders`` maps user
    ids to user names."""
    events = []
    for r in rows:
        events.append(EventLine(r.id, r.on, r.kind, KIND_LABELS[Kind(r.kind)], describe_event(r.kind, r.data),
                                recorders.get(r.recorded_by, ""), r.data, r.reverses_id, r.id in state.reversed_ids,
                                r.on > as_of))
    return ClaimSummary(claim.id, claim.case.case_number, claim.case.cw.username, as_of, state, standing(state, as_of),
                        month_split(state), sum(d.amount for d in state.deductions), events)
