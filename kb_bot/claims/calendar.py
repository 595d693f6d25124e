"""Dates: the office's holiday calendar, business days, month arithmetic, parsing.

Statutory periods (第24条's 14/30 days) run in calendar days and do not move. Deadlines for an act of
the resident (納期限, a 督促's designated deadline) that fall on a closed day move to the next business day.
"""

from __future__ import annotations

import csv
import datetime as dt
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path

from kb_bot.claims.config import ClaimsSettings
from kb_bot.errors import UserError


class CalendarError(UserError, ValueError):
    """The holiday calendar is missing or does not cover a date; the message says how to fix it."""


@dataclass(frozen=True)
class HolidayCalendar:
    holidays: dict[dt.date, str]
    closed_days: frozenset[tuple[int, int]]
    first_year: int
    last_year: int
    source: str

    def is_business_day(self, day: dt.date) -> bool:
        if not self.first_year <= day.year <= self.last_year:
            raise CalendarError(
                f"祝日データ（{self.source}）は{self.first_year}〜{self.last_year}年分です。{day.year}年の"
                "祝日を追加したファイルを設定 [claims] holidays_file に指定してください"
            )
        return day.weekday() < 5 and day not in self.holidays and (day.month, day.day) not in self.closed_days

    def covers(self, day: dt.date) -> bool:
        return self.first_year <= day.year <= self.last_year

    def next_business_day(self, day: dt.date) -> dt.date:
        """``day`` itself when the office is open, else the next day it is."""
        while not self.is_business_day(day):
            day += dt.timedelta(days=1)
        return day

    def next_weekday_open(self, day: dt.date) -> dt.date:
        """Like :meth:`next_business_day` but for any year: only weekends and ``closed_days`` count, holidays
        do not (used for installment dates beyond the calendar, with a warning to the person)."""
        while day.weekday() >= 5 or (day.month, day.day) in self.closed_days:
            day += dt.timedelta(days=1)
        return day


@lru_cache(maxsize=8)
def _read_holidays(path: str | None) -> tuple[dict[dt.date, str], str]:
    if path is None:
        text = resources.files("kb_bot").joinpath("data/holidays.csv").read_text(encoding="utf-8")
        source = "kb_bot/data/holidays.csv"
    else:
        try:
            text = Path(path).read_text(encoding="utf-8-sig")
        except OSError as e:
            raise CalendarError(
                f"祝日ファイル {path} を読めません（{e.strerror}）。[claims] holidays_file を確認してください"
            ) from None
        source = path
    lines = [line for line in text.splitlines() if line.strip() and not line.lstrip().startswith("#")]
    holidays: dict[dt.date, str] = {}
    for n, row in enumerate(csv.DictReader(lines), start=2):
        try:
            holidays[dt.date.fromisoformat(row["date"].strip())] = (row.get("name") or "").strip()
        except (KeyError, AttributeError, ValueError):
            raise CalendarError(
                f"祝日ファイル {source} の {n} 行目が読めません（列 date,name、日付は YYYY-MM-DD）"
            ) from None
    if not holidays:
        raise CalendarError(f"祝日ファイル {source} に日付がありません")
    return holidays, source


def load_calendar(cfg: ClaimsSettings) -> HolidayCalendar:
    holidays, source = _read_holidays(str(cfg.holidays_file) if cfg.holidays_file else None)
    closed = set()
    for md in cfg.closed_days:
        try:
            month, day = (int(x) for x in md.split("-"))
            dt.date(2000, month, day)
        except ValueError:
            raise CalendarError(f"[claims] closed_days の {md!r} は MM-DD で書いてください") from None
        closed.add((month, day))
    years = [d.year for d in holidays]
    return HolidayCalendar(holidays, frozenset(closed), min(years), max(years), source)


def add_months(day: dt.date, months: int) -> dt.date:
    """Same day ``months`` later; the last day of the month when that month is shorter (1/31 + 1 → 2/28)."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    month += 1
    last = (dt.date(year + month // 12, month % 12 + 1, 1) - dt.timedelta(days=1)).day
    return dt.date(year, month, min(day.day, last))


def add_years(day: dt.date, years: int) -> dt.date:
    return add_months(day, 12 * years)


def parse_month(text: str) -> dt.date:
    """``2024-04`` → 2024-04-01."""
    try:
        year, month = text.strip().split("-")
        return dt.date(int(year), int(month), 1)
    except ValueError:
        raise ValueError(f"年月 {text!r} は YYYY-MM で書いてください") from None


def parse_date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text.strip())
    except ValueError:
        raise ValueError(f"日付 {text!r} は YYYY-MM-DD で書いてください") from None
