"""Building ledgers in memory for the rule tests: each helper checks the event like the service does."""

from __future__ import annotations

import datetime as dt
from typing import Any

from kb_bot.claims.config import ClaimsSettings
from kb_bot.claims.ledger import Context, Event, Kind, check

D = dt.date
DUE = D(2025, 4, 30)


class Ledger:
    def __init__(self, cfg: ClaimsSettings | None = None, ctx: Context | None = None):
        self.events: list[Event] = []
        self.cfg = cfg or ClaimsSettings()
        self.ctx = ctx or Context()

    def add(self, kind: Kind, on: dt.date, reverses: int | None = None, **data: Any) -> Event:
        event = Event(len(self.events) + 1, kind, on, data, reverses)
        check(self.events, event, self.ctx, self.cfg)
        self.events.append(event)
        return event


def decision(basis: str = "63", months: list[tuple[str, int]] | None = None, **extra: Any) -> dict[str, Any]:
    return {
        "basis": basis,
        "debtor": {"name": "山田 太郎", "relation": "本人", "phone": "09012345678"},
        "months": [list(m) for m in (months or [("2024-04", 50_000), ("2024-05", 50_000)])],
        **extra,
    }


def assessed_claim(
    basis: str = "63",
    months: list[tuple[str, int]] | None = None,
    due: dt.date = DUE,
    cfg: ClaimsSettings | None = None,
    ctx: Context | None = None,
    **extra: Any,
) -> Ledger:
    """A decided and assessed claim (decided 60 days and assessed 50 days before ``due``)."""
    ledger = Ledger(cfg, ctx)
    ledger.add(Kind.DECISION, due - dt.timedelta(days=60), **decision(basis, months, **extra))
    total = (
        sum(a for _, a in (months or [("", 100_000)]))
        + extra.get("surcharge", 0)
        - sum(x["amount"] for x in extra.get("deductions", []))
    )
    ledger.add(Kind.ASSESSMENT, due - dt.timedelta(days=50), amount=total, due=due.isoformat())
    return ledger
