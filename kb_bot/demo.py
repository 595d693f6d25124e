"""The demo office for ``kb-bot serve --demo`` (``make run``): something to try on every tab.

On a database with no cases yet, :func:`seed` adds cases for the demo CWs, declarations (one overdue), an
application, and claims of each kind — 第78条 with 加算, 第77条の2 with an offset and a 督促, 第63条 with a
自立更生費 deduction, one in 分納 with a missed installment and one whose 時効 is near — all through the
service functions the app uses, dated relative to today. :func:`write_kaigo_file` puts a premium file in
the demo home to import from the 介護保険料加算 tab. A second start adds nothing. Never used without
``--demo`` (which runs on a loopback address only).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from kb_bot.claims import service
from kb_bot.claims.calendar import HolidayCalendar, add_months, add_years, load_calendar
from kb_bot.claims.cases import add_case
from kb_bot.claims.config import ClaimsSettings, claims_settings
from kb_bot.claims.deadlines import register_application, register_declaration
from kb_bot.claims.kaigo import COLUMNS as KAIGO_COLUMNS
from kb_bot.claims.ledger import Basis, Kind, surcharge_cap
from kb_bot.claims.models import Case, Claim
from kb_bot.db import session_scope
from kb_bot.settings import Settings
from kb_bot.users import User, get_user

DEMO_OFFICE_CONTACT = "デモ市 収納係 03-0000-0000"
"""問合せ先 for the dunning export in demo mode (an office's own setting wins)."""

DEMO_CASES = [
    # case number, CW, household head, phone, birth date
    ("D-0001", "cw1", "山田 太郎", "090-1234-5678", dt.date(1955, 5, 1)),
    ("D-0002", "cw1", "佐藤 花子", "03-1234-5678", dt.date(1962, 8, 15)),
    ("D-0003", "cw2", "鈴木 一郎", "080-1111-2222", dt.date(1958, 7, 7)),
    ("D-0004", "cw3", "高橋 次郎", "070-3333-4444", dt.date(1970, 1, 20)),
]


def start(engine: Engine, settings: Settings, today: dt.date | None = None) -> str:
    """The ``serve --demo`` hook: the demo contact setting, the demo data, the kaigo file; one line to print."""
    cfg = claims_settings(settings)
    if not cfg.office_contact:
        cfg = dataclasses.replace(cfg, office_contact=DEMO_OFFICE_CONTACT)
        settings.set_section("claims", cfg)
    today = today or dt.date.today()
    seeded = seed(engine, cfg, today)
    path = write_kaigo_file(settings.home, today)
    done = "デモ事務所のデータ（ケース・申告・債権）を作成しました" if seeded else "デモ事務所のデータは作成済みです"
    return f"{done}。介護保険料加算タブで取り込むファイル: {path}"


def _day(today: dt.date, days: int) -> dt.date:
    return today + dt.timedelta(days=days)


def _month(day: dt.date, back: int) -> str:
    m = add_months(day.replace(day=1), -back)
    return f"{m.year:04d}-{m.month:02d}"


@dataclass(frozen=True)
class _Office:
    session: Session
    users: dict[str, User]
    cases: dict[str, Case]
    cfg: ClaimsSettings
    calendar: HolidayCalendar


def seed(engine: Engine, cfg: ClaimsSettings, today: dt.date) -> bool:
    """Seed the demo office on a database without cases; False (nothing added) when there are cases already
    or the demo users are missing."""
    with session_scope(engine) as s:
        if s.scalar(select(func.count()).select_from(Case)):
            return False
        users = {name: get_user(s, name) for name in ("admin", "cw1", "cw2", "cw3")}
        if any(u is None for u in users.values()):
            return False
        admin = users["admin"]
        cases = {
            number: add_case(s, admin, number, users[cw], head, phone=phone, birth_date=birth)
            for number, cw, head, phone, birth in DEMO_CASES
        }
        office = _Office(s, users, cases, cfg, load_calendar(cfg))  # type: ignore[arg-type]
        _declarations(office, today)
        _claims(office, today)
    return True


def _declarations(o: _Office, today: dt.date) -> None:
    cw1, cw2 = o.users["cw1"], o.users["cw2"]
    # received three weeks ago and not processed: overdue under the default 14 days
    register_declaration(o.session, cw1, o.cases["D-0001"], "income_monthly", _day(today, -20), o.cfg,
                         note="デモ: 4月分の給与明細")
    register_declaration(o.session, cw2, o.cases["D-0003"], "assets", _day(today, -2), o.cfg, note="デモ: 預金通帳の写し")
    register_application(o.session, cw2, "中村 三郎", cw2, _day(today, -5))


def _claim(o: _Office, case: str, decision: service.DecisionInput, assessed_on: dt.date, due: dt.date) -> Claim:
    c = o.cases[case]
    claim, _ = service.create_claim(
        o.session, c.cw, c, decision, cfg=o.cfg, calendar=o.calendar, assessed_on=assessed_on, due=due
    )
    return claim


def _claims(o: _Office, today: dt.date) -> None:
    cw2, cw3 = o.users["cw2"], o.users["cw3"]
    # 第78条 with the full 加算: past its 納期限, waiting for its 督促 (a mobile phone: in the dunning export)
    months78 = [(_month(today, back), 64_000) for back in (8, 7, 6)]
    _claim(
        o,
        "D-0001",
        service.DecisionInput(Basis.ART78, _day(today, -75), months78, surcharge=surcharge_cap(3 * 64_000)),
        _day(today, -70),
        _day(today, -40),
    )
    # 第77条の2: 充当 on request (第78条の2), then a 督促 for the rest
    c772 = _claim(
        o,
        "D-0003",
        service.DecisionInput(Basis.ART77_2, _day(today, -120), [(_month(today, b), 45_000) for b in (6, 5)]),
        _day(today, -115),
        _day(today, -90),
    )
    service.record_event(o.session, cw2, c772, Kind.OFFSET_REQUEST, _day(today, -100), {"note": "デモ: 申出書受理"},
                         cfg=o.cfg)
    service.record_payment(o.session, cw2, c772, _day(today, -95), 10_000, "benefit", cfg=o.cfg)
    service.record_dunning(o.session, cw2, c772, _day(today, -85), cfg=o.cfg, calendar=o.calendar)
    # 第63条 with a 自立更生費 deduction, not yet due (a landline: a letter, not a message)
    _claim(
        o,
        "D-0002",
        service.DecisionInput(
            Basis.ART63,
            _day(today, -20),
            [(_month(today, 4), 52_000), (_month(today, 3), 52_000)],
            deductions=[("冷蔵庫", 30_000, "見積書・領収書")],
        ),
        _day(today, -15),
        _day(today, 25),
    )
    # 第63条 in 分納: two installments paid, the third missed
    c_plan = _claim(
        o,
        "D-0004",
        service.DecisionInput(Basis.ART63, _day(today, -200), [(_month(today, b), 60_000) for b in (11, 10)]),
        _day(today, -190),
        _day(today, -160),
    )
    plan = service.record_plan(o.session, cw3, c_plan, _day(today, -150), _day(today, -120), 12, cfg=o.cfg,
                               calendar=o.calendar)
    for due, amount in plan.state.plan[:2]:
        service.record_payment(o.session, cw3, c_plan, due, amount, "account", cfg=o.cfg)
    # 第63条 whose 時効 completes in about six weeks: no payment, no 督促 for five years
    due = add_years(today, -5) + dt.timedelta(days=45)
    decided = due - dt.timedelta(days=60)
    _claim(
        o,
        "D-0002",
        service.DecisionInput(Basis.ART63, decided, [(_month(decided, 8), 38_000), (_month(decided, 7), 38_000)]),
        decided + dt.timedelta(days=10),
        due,
    )


def write_kaigo_file(home: Path, today: dt.date) -> Path:
    """The insurer's premium file for this fiscal year, for the demo cases aged 65 or more (kept if present)."""
    year = today.year if today.month >= 4 else today.year - 1
    path = home / "demo" / f"kaigo-premiums-{year}.csv"
    if path.exists():
        return path
    normal = ["6200" if i % 2 == 0 else "" for i in range(12)]
    special = ["5800" if i < 6 and i % 2 == 0 else "" for i in range(12)]
    rows = [
        ["D-0001", "1000000001", "山田 太郎", "1955-05-01", str(year), "普通", "", *normal],
        ["D-0003", "1000000003", "鈴木 一郎", "1958-07-07", str(year), "特別", f"{year}-10", *special],
    ]
    path.parent.mkdir(parents=True, exist_ok=True)
    text = "\r\n".join(",".join(r) for r in [list(KAIGO_COLUMNS), *rows]) + "\r\n"
    path.write_text(text, encoding="utf-8")
    return path
