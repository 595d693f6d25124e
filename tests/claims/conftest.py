"""A small office on the test database: two teams, three CWs, a few cases; the claims the dunning tests use;
the ``kb`` fixture that runs the command line."""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass

import pytest

from kb_bot import users
from kb_bot.claims import service
from kb_bot.claims.calendar import HolidayCalendar, load_calendar
from kb_bot.claims.cases import add_case
from kb_bot.claims.config import ClaimsSettings
from kb_bot.claims.ledger import Basis
from kb_bot.claims.models import Case
from kb_bot.claims.service import DecisionInput
from kb_bot.cli import main
from kb_bot.users import User

DUNNING_DUE = dt.date(2025, 5, 30)
"""The due date of the ``claims`` fixture's claims."""


@dataclass
class Office:
    admin: User
    sv1: User
    sv2: User
    cw1: User
    cw2: User
    cw3: User
    case1: Case
    """cw1, mobile phone."""
    case2: Case
    """cw1, landline."""
    case3: Case
    """cw2 (same team as cw1)."""
    case4: Case
    """cw3 (the other team)."""
    cfg: ClaimsSettings
    calendar: HolidayCalendar


@pytest.fixture
def office(session) -> Office:
    admin = users.add_user(session, "admin", "admin", actor="setup")
    sv1 = users.add_user(session, "sv1", "sv", actor="setup", display_name="指導 一郎")
    sv2 = users.add_user(session, "sv2", "sv", actor="setup")
    team_a = users.add_team(session, "保護1班", sv1, actor="setup")
    team_b = users.add_team(session, "保護2班", sv2, actor="setup")
    cw1 = users.add_user(session, "cw1", "cw", actor="setup", team=team_a, display_name="山田 CW")
    cw2 = users.add_user(session, "cw2", "cw", actor="setup", team=team_a)
    cw3 = users.add_user(session, "cw3", "cw", actor="setup", team=team_b)
    case1 = add_case(session, admin, "A-0001", cw1, "山田 太郎", phone="090-1234-5678", birth_date=dt.date(1955, 5, 1))
    case2 = add_case(session, admin, "A-0002", cw1, "佐藤 花子", phone="03-1234-5678")
    case3 = add_case(session, admin, "A-0003", cw2, "鈴木 一郎", phone="０８０１１１１２２２２")
    case4 = add_case(session, admin, "B-0001", cw3, "高橋 次郎", phone="07033334444")
    session.commit()
    cfg = ClaimsSettings(office_contact="中央市 収納係 03-0000-0000")
    return Office(admin, sv1, sv2, cw1, cw2, cw3, case1, case2, case3, case4, cfg, load_calendar(cfg))


@pytest.fixture
def kb(db_url, tmp_path, monkeypatch, capsys):
    """Run ``kb-bot`` with a fresh home and the test database; returns (exit code, stdout, stderr)."""
    monkeypatch.setenv("KB_BOT_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("KB_BOT_DATABASE_URL", db_url)
    monkeypatch.setenv("KB_BOT_CLAIMS_OFFICE_CONTACT", "中央市 収納係 03-0000-0000")
    monkeypatch.delenv("KB_BOT_CONFIG", raising=False)

    def run(*argv: str, stdin: str = "") -> tuple[int, str, str]:
        monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
        code = main([str(a) for a in argv])
        out, err = capsys.readouterr()
        return code, out, err

    return run


@pytest.fixture
def claims(session, office):
    """The dunning tests' claims: a mobile (overdue, part paid), a landline, a full-width number, one not yet due,
    an heir without a phone, one paid in full."""
    def make(actor, case, basis=Basis.ART78, months=(("2024-10", 80_000),), due=DUNNING_DUE, **kw):
        decision = DecisionInput(basis=basis, decided_on=dt.date(2025, 3, 1), months=list(months), **kw)
        claim, _ = service.create_claim(
            session,
            actor,
            case,
            decision,
            cfg=office.cfg,
            calendar=office.calendar,
            assessed_on=dt.date(2025, 3, 10),
            due=due,
        )
        return claim

    c = {
        "mobile": make(office.cw1, office.case1, surcharge=32_000),  # 090…, overdue
        "landline": make(office.cw1, office.case2, basis=Basis.ART63),  # 03…: letter
        "fullwidth": make(office.cw2, office.case3),  # ０８０… normalised
        "not_due": make(office.cw3, office.case4, due=dt.date(2025, 8, 29)),
        "heir": make(office.cw3, office.case4, debtor_name="高橋 三郎", debtor_relation="相続人", debtor_phone=""),
        "paid": make(office.cw1, office.case1),
    }
    service.record_payment(session, office.cw1, c["mobile"], dt.date(2025, 6, 1), 12_345, "counter", cfg=office.cfg)
    service.record_payment(session, office.cw1, c["paid"], dt.date(2025, 5, 1), 80_000, "counter", cfg=office.cfg)
    session.commit()
    return c
