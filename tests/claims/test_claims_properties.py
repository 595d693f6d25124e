"""Property-based tests of the ledger: random histories, accepted or refused by the rules, always
keep the money identities, and replaying the accepted events gives the same state."""

from __future__ import annotations

import datetime as dt
import random

from hypothesis import given, settings
from hypothesis import strategies as st

from kb_bot.claims.ledger import ClaimState, Event, Kind, LedgerError, default_due, fold, upto
from tests.claims.ledger_helpers import Ledger, assessed_claim

OPS = (
    "pay",
    "pay",
    "pay",
    "benefit",
    "refund_flag_pay",
    "dunning",
    "plan",
    "write_off",
    "refund",
    "refund",
    "refund",
    "reverse",
    "reverse",
    "renewal",
    "offset_request",
    "reminder",
)

op_strategy = st.tuples(
    st.sampled_from(OPS),
    st.integers(min_value=0, max_value=500),  # days after the previous event
    st.integers(min_value=1, max_value=150_000),  # an amount
    st.integers(min_value=0, max_value=10_000),  # picks an event / a count
)


def _apply(ledger: Ledger, op: str, on: dt.date, amount: int, pick: int) -> None:
    s = fold(ledger.events, ledger.cfg)
    match op:
        case "pay":
            ledger.add(Kind.PAYMENT, on, amount=amount, route="counter")
        case "benefit":
            ledger.add(Kind.PAYMENT, on, amount=amount, route="benefit")
        case "refund_flag_pay":
            ledger.add(Kind.PAYMENT, on, amount=amount, route="account", refund=True)
        case "dunning":
            due = default_due(fold(upto(ledger.events, on), ledger.cfg), on)
            ledger.add(
                Kind.DUNNING, on, deadline=(on + dt.timedelta(days=10)).isoformat(), for_due=(due or on).isoformat()
            )
        case "plan":
            count = pick % 6 + 1
            base, rest = divmod(s.balance, count)
            schedule = [
                [(on + dt.timedelta(days=30 * (i + 1))).isoformat(), base + (rest if i == 0 else 0)]
                for i in range(count)
            ]
            ledger.add(Kind.INSTALLMENT_PLAN, on, schedule=schedule)
        case "write_off":
            ledger.add(Kind.WRITE_OFF, on, amount=min(amount, max(s.balance, 1)), reason="テスト")
        case "refund":
            ledger.add(Kind.REFUND, on, amount=min(amount, max(s.refund_due, 1)))
        case "reverse":
            target = ledger.events[pick % len(ledger.events)]
            ledger.add(Kind.REVERSAL, on, reverses=target.id, reason="訂正")
        case "renewal":
            ledger.add(Kind.RENEWAL, on, reason="債務承認")
        case "offset_request":
            ledger.add(Kind.OFFSET_REQUEST, on)
        case "reminder":
            ledger.add(Kind.REMINDER, on, method="電話")


def _independent_sums(events: list[Event]) -> dict[str, int]:
    """Totals straight from the event list: reversed events (corrections) do not count."""
    reversed_ids = {e.reverses for e in events if e.kind == Kind.REVERSAL}
    live = [e for e in events if e.id not in reversed_ids and e.kind != Kind.REVERSAL]

    def total(kind: Kind, refund: bool | None = None) -> int:
        return sum(
            e.data["amount"]
            for e in live
            if e.kind == kind and (refund is None or bool(e.data.get("refund")) == refund)
        )

    return {
        "assessed": total(Kind.ASSESSMENT),
        "paid": total(Kind.PAYMENT, refund=False),
        "paid_past": total(Kind.PAYMENT, refund=True),
        "written_off": total(Kind.WRITE_OFF),
        "refunded": total(Kind.REFUND),
    }


def _check_identities(s: ClaimState, events: list[Event]) -> None:
    t = _independent_sums(events)
    net = t["assessed"] - t["paid"] - t["written_off"]
    # balance = 調定 − payments (− write-offs), corrections excluded; any excess is 過誤納, never a negative balance
    assert s.balance - max(0, -net) == net
    assert s.balance >= 0
    assert s.balance == 0 or net > 0
    assert s.overpaid == max(0, -net) + t["paid_past"]
    assert s.refund_due == s.overpaid - t["refunded"] >= 0
    assert s.principal_balance + s.surcharge_balance == s.balance
    assert s.principal_balance >= 0 and s.surcharge_balance >= 0


@settings(max_examples=300, deadline=None)
@given(
    basis=st.sampled_from(["63", "78"]), ops=st.lists(op_strategy, min_size=3, max_size=40), seed=st.integers(0, 2**32)
)
def test_random_histories_keep_the_money_identities_and_replay(basis: str, ops, seed: int) -> None:
    months = [("2019-04", 60_000), ("2019-05", 40_000)]
    extra = {"surcharge": 40_000} if basis == "78" else {}
    ledger = assessed_claim(basis, months, due=dt.date(2020, 4, 30), **extra)
    on = dt.date(2020, 3, 11)
    refused = 0
    for op, days, amount, pick in ops:
        on += dt.timedelta(days=days)
        try:
            _apply(ledger, op, on, amount, pick)
        except LedgerError:
            refused += 1
        _check_identities(fold(ledger.events, ledger.cfg), ledger.events)

    final = fold(ledger.events, ledger.cfg)
    # the input order does not matter: events are applied by date, then id
    shuffled = ledger.events[:]
    random.Random(seed).shuffle(shuffled)
    assert fold(shuffled, ledger.cfg) == final
    # replaying the accepted events through the rules accepts every one and ends in the same state
    replay = Ledger(ledger.cfg, ledger.ctx)
    for e in ledger.events:
        replay.add(e.kind, e.on, e.reverses, **e.data)
    assert fold(replay.events, replay.cfg) == final
    # the state as of any day is the fold of the events up to that day
    for e in ledger.events:
        past = fold(upto(ledger.events, e.on), ledger.cfg)
        _check_identities(past, upto(ledger.events, e.on))
