"""Benchmark: the claims lists for 10,000 claims with 100,000 events (target: under 2 s).

    python benchmarks/claims_bench.py                      # SQLite in a temporary folder
    python benchmarks/claims_bench.py --url postgresql+psycopg://postgres@127.0.0.1/bench   # an empty database

Builds the office (5 teams, 50 CWs, 4,000 cases), writes valid ledgers straight into the tables, then
times what the app and ``kb-bot claims list`` do: load and fold every visible claim, and compute every
list and total (CSV included) — as admin (all claims) and as one SV (a team).
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import statistics
import tempfile
import time
from pathlib import Path

from sqlalchemy import insert
from sqlalchemy.orm import Session

from kb_bot import users
from kb_bot.claims.config import ClaimsSettings
from kb_bot.claims.lists import (
    LIST_KINDS,
    dunning_due,
    installments_missed,
    load_rows,
    prescription_within,
    render_csv,
    totals,
    unpaid,
)
from kb_bot.claims.models import Case, Claim, ClaimEvent
from kb_bot.db import make_engine, migrate, utcnow

AS_OF = dt.date(2025, 11, 1)


def _ledger(rng: random.Random, n_events: int) -> tuple[str, list[tuple[str, dt.date, dict]]]:
    """A valid history of ``n_events`` events (decision and 調定 first)."""
    basis = rng.choice(["63", "63", "77-2", "78"])
    decided = dt.date(2019, 1, 1) + dt.timedelta(days=rng.randint(0, 2200))
    first = max(dt.date(2018, 10, 1), decided - dt.timedelta(days=365))
    months = sorted({(first + dt.timedelta(days=31 * i)).strftime("%Y-%m") for i in range(rng.randint(1, 6))})
    months = [m for m in months if m <= decided.strftime("%Y-%m")] or [decided.strftime("%Y-%m")]
    amounts = [[m, rng.randint(10, 80) * 1_000] for m in months]
    principal = sum(a for _, a in amounts)
    surcharge = principal * 40 // 100 if basis == "78" and rng.random() < 0.5 else 0
    total = principal + surcharge
    due = decided + dt.timedelta(days=40)
    events = [
        (
            "decision",
            decided,
            {
                "basis": basis,
                "cause": "other",
                "months": amounts,
                "deductions": [],
                "surcharge": surcharge,
                "debtor": {"name": "債務者", "relation": "本人", "phone": f"090{rng.randint(0, 10**8 - 1):08d}"},
            },
        ),
        ("assessment", decided + dt.timedelta(days=5), {"amount": total, "due": due.isoformat()}),
    ]
    on, balance, dunned = due, total, False
    for _ in range(n_events - 2):
        on += dt.timedelta(days=rng.randint(1, 60))
        r = rng.random()
        if r < 0.55 and balance > 0:
            amount = min(balance, rng.randint(1, 20) * 1_000)
            balance -= amount
            events.append(("payment", on, {"amount": amount, "route": "counter"}))
        elif r < 0.65 and not dunned and balance > 0:
            dunned = True
            events.append(
                ("dunning", on, {"deadline": (on + dt.timedelta(days=10)).isoformat(), "for_due": due.isoformat()})
            )
        elif r < 0.72 and balance > 0 and not any(k == "installment_plan" for k, _, _ in events):
            count = rng.randint(2, 12)
            base, rest = divmod(balance, count)
            schedule = (
                [
                    [(on + dt.timedelta(days=30 * (i + 1))).isoformat(), base + (rest if i == 0 else 0)]
                    for i in range(count)
                ]
                if base
                else [[(on + dt.timedelta(days=30)).isoformat(), balance]]
            )
            events.append(("installment_plan", on, {"schedule": schedule}))
        else:
            events.append(("reminder", on, {"method": rng.choice(["電話", "文書", "訪問"]), "note": ""}))
    return basis, events


def build(url: str, n_claims: int, n_events: int, seed: int) -> float:
    migrate(url)
    engine = make_engine(url)
    rng = random.Random(seed)
    started = time.perf_counter()
    with Session(engine) as s:
        admin = users.add_user(s, "admin", "admin", actor="bench")
        cws = []
        for t in range(5):
            sv = users.add_user(s, f"sv{t}", "sv", actor="bench")
            team = users.add_team(s, f"{t + 1}班", sv, actor="bench")
            cws += [users.add_user(s, f"cw{t}{i}", "cw", actor="bench", team=team) for i in range(10)]
        s.flush()
        now = utcnow()
        s.execute(
            insert(Case),
            [
                {
                    "id": i + 1,
                    "case_number": f"C-{i + 1:05d}",
                    "cw_user_id": cws[i % len(cws)].id,
                    "head_name": "世帯主",
                    "phone": "",
                    "created_at": now,
                }
                for i in range(4_000)
            ],
        )
        per_claim = [n_events // n_claims] * n_claims
        for i in range(n_events - sum(per_claim)):
            per_claim[i] += 1
        claims, events = [], []
        event_id = 0
        for claim_id in range(1, n_claims + 1):
            basis, history = _ledger(rng, per_claim[claim_id - 1])
            claims.append(
                {
                    "id": claim_id,
                    "case_id": rng.randint(1, 4_000),
                    "basis": basis,
                    "created_at": now,
                    "created_by": admin.id,
                }
            )
            for kind, on, data in history:
                event_id += 1
                events.append(
                    {
                        "id": event_id,
                        "claim_id": claim_id,
                        "kind": kind,
                        "on": on,
                        "data": data,
                        "recorded_at": now,
                        "recorded_by": admin.id,
                    }
                )
        s.execute(insert(Claim), claims)
        for i in range(0, len(events), 10_000):
            s.execute(insert(ClaimEvent), events[i : i + 10_000])
        s.commit()
    engine.dispose()
    assert event_id == n_events
    return time.perf_counter() - started


def all_lists(session: Session, actor: users.User, cfg: ClaimsSettings) -> dict[str, float]:
    timings = {}
    cpu = time.process_time()
    t0 = time.perf_counter()
    rows = load_rows(session, actor, AS_OF, cfg)
    timings["load+fold"] = time.perf_counter() - t0
    t1 = time.perf_counter()
    counts = {
        "unpaid": len(unpaid(rows)),
        "dunning-due": len(dunning_due(rows)),
        "prescription": len(prescription_within(rows, AS_OF, cfg.prescription_alert_months)),
        "installments-missed": len(installments_missed(rows)),
        "totals-cw": len(totals(rows, lambda r: r.cw)),
        "totals-team": len(totals(rows, lambda r: r.team)),
    }
    timings["lists"] = time.perf_counter() - t1
    t2 = time.perf_counter()
    for kind in LIST_KINDS:
        render_csv(kind, rows, AS_OF, cfg)
    timings["csv"] = time.perf_counter() - t2
    timings["total"] = time.perf_counter() - t0
    timings["cpu"] = time.process_time() - cpu
    timings["rows"] = len(rows)
    timings.update({f"n_{k}": v for k, v in counts.items()})
    return timings


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--url", help="an empty database (default: SQLite in a temporary folder)")
    parser.add_argument("--claims", type=int, default=10_000)
    parser.add_argument("--events", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        url = args.url or f"sqlite:///{Path(tmp) / 'bench.sqlite3'}"
        print(f"database: {url.split('@')[-1]}")
        print(
            f"building {args.claims:,} claims with {args.events:,} events … {build(url, args.claims, args.events, args.seed):.1f} s"
        )
        cfg = ClaimsSettings()
        engine = make_engine(url)
        with Session(engine) as s:
            for who in ("admin", "sv0"):
                actor = users.get_user(s, who)
                runs = [all_lists(s, actor, cfg) for _ in range(args.repeat)]
                last = runs[-1]
                median = {
                    k: statistics.median(r[k] for r in runs) for k in ("load+fold", "lists", "csv", "total", "cpu")
                }
                print(f"\nas {who} ({last['rows']:,} claims), median of {args.repeat} runs:")
                print(f"  load + fold  {median['load+fold']:.3f} s")
                print(
                    f"  lists        {median['lists']:.3f} s   "
                    + ", ".join(
                        f"{k} {last['n_' + k]:,}"
                        for k in ("unpaid", "dunning-due", "prescription", "installments-missed")
                    )
                )
                print(f"  CSV (all 6)  {median['csv']:.3f} s")
                print(
                    f"  total        {median['total']:.3f} s   (target < 2 s: {'OK' if median['total'] < 2 else 'MISSED'};"
                    f" CPU time {median['cpu']:.3f} s)"
                )
        engine.dispose()


if __name__ == "__main__":
    main()
