"""The holiday calendar and business-day rolling of resident-side due dates."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from kb_bot.claims.calendar import CalendarError, add_months, load_calendar
from kb_bot.claims.config import ClaimsSettings
from kb_bot.settings import SettingsError

D = dt.date


@pytest.fixture
def cal():
    return load_calendar(ClaimsSettings())


def test_bundled_calendar_covers_2024_to_2028(cal):
    assert cal.first_year <= 2024 and cal.last_year >= 2028
    for year in range(2024, 2029):
        assert sum(1 for d in cal.holidays if d.year == year) >= 16


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (D(2025, 5, 7), D(2025, 5, 7)),  # an ordinary Wednesday
        (D(2025, 5, 3), D(2025, 5, 7)),  # 憲法記念日 (Sat) → みどりの日 → こどもの日 → 振替休日 5/6
        (D(2025, 3, 1), D(2025, 3, 3)),  # Saturday
        (D(2024, 9, 22), D(2024, 9, 24)),  # 秋分の日 on Sunday + 振替休日
        (D(2026, 9, 19), D(2026, 9, 24)),  # Sat, Sun, 敬老の日, 国民の休日, 秋分の日
        (D(2025, 12, 27), D(2026, 1, 5)),  # weekend + 12/29–1/3
        (D(2026, 12, 28), D(2026, 12, 28)),  # Monday before the year-end closure
        (D(2027, 12, 29), D(2028, 1, 4)),
    ],
)
def test_next_business_day(cal, day, expected):
    assert cal.next_business_day(day) == expected


def test_dates_outside_the_calendar_are_refused_with_a_fix(cal):
    with pytest.raises(CalendarError, match="holidays_file"):
        cal.next_business_day(D(cal.last_year + 1, 6, 1))


def test_office_calendar_and_closed_days_from_settings(tmp_path: Path):
    path = tmp_path / "holidays.csv"
    path.write_text("# 市の休日\ndate,name\n2025-06-02,市制記念日\n2026-01-01,元日\n", encoding="utf-8")
    cal = load_calendar(ClaimsSettings(holidays_file=path, closed_days=("12-31",)))
    assert cal.next_business_day(D(2025, 6, 2)) == D(2025, 6, 3)
    assert cal.next_business_day(D(2025, 5, 5)) == D(2025, 5, 5)  # not a holiday in this calendar
    assert cal.next_business_day(D(2025, 12, 30)) == D(2025, 12, 30)  # only 12/31 closed here
    assert cal.next_business_day(D(2025, 12, 31)) == D(2026, 1, 2)
    with pytest.raises(CalendarError, match="MM-DD"):
        load_calendar(ClaimsSettings(closed_days=("1229",)))
    bad = tmp_path / "bad.csv"
    bad.write_text("date,name\n2025/06/02,x\n", encoding="utf-8")
    with pytest.raises(CalendarError, match="2 行目"):
        load_calendar(ClaimsSettings(holidays_file=bad))
    with pytest.raises(CalendarError, match="読めません"):
        load_calendar(ClaimsSettings(holidays_file=tmp_path / "missing.csv"))


def test_settings_that_are_marked_to_be_confirmed_are_validated():
    with pytest.raises(SettingsError, match="prescription_renewal_events"):
        ClaimsSettings(prescription_renewal_events=("reminder",))
    with pytest.raises(SettingsError, match="kaigo_approval"):
        ClaimsSettings(kaigo_approval="auto")
    with pytest.raises(SettingsError, match="dunning_renewal_start"):
        ClaimsSettings(dunning_renewal_start="never")
    with pytest.raises(SettingsError, match="asset は申告の種類ではありません"):
        ClaimsSettings(declaration_deadline_days_by_type={"asset": 30})
    with pytest.raises(SettingsError, match="0以上の整数"):
        ClaimsSettings(declaration_deadline_days_by_type={"assets": "30"})


def test_add_months_clamps_to_month_end():
    assert add_months(D(2025, 1, 31), 1) == D(2025, 2, 28)
    assert add_months(D(2024, 1, 31), 1) == D(2024, 2, 29)
    assert add_months(D(2025, 11, 30), 3) == D(2026, 2, 28)
    assert add_months(D(2020, 2, 29), 60) == D(2025, 2, 28)
