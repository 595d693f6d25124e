"""A small office on the test database: two teams, three CWs, a few cases."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pytest

from kb_bot import users
from kb_bot.claims.calendar import HolidayCalendar, load_calendar
from kb_bot.claims.cases import add_case
from kb_bot.claims.config import ClaimsSettings
from kb_bot.claims.models import Case
from kb_bot.users import User


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
