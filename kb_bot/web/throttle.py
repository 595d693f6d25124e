"""Limits on password guessing, kept in the database so they hold across threads, workers and restarts.

Three counters per login attempt (table ``login_throttle``, one row per key):

- ``pair:<name>@<address>`` — failures for one user name from one client address. At
  ``[web] login_max_failures`` (5) that pair is locked: a correct password is not even checked.
- ``client:<address>`` — failures from one address over all names. At ``login_max_failures_per_client``
  (20) the address is locked (password spraying).
- ``name:<name>`` — failures for one name from anywhere. After ``login_slow_after`` (5) each further
  attempt for the name must wait 1, 2, 4 … s (at most ``login_max_delay_s``); an attempt inside the wait
  is refused unchecked. There is no lock on the name itself, so nobody can lock a CW out from another
  desk: they can only slow the name down.

A lock lasts ``login_lock_minutes`` after the last attempt; older failures are forgotten (and their rows
deleted at the next attempt).

The pair and client counters are raised *before* the password is checked, in one atomic
``UPDATE … SET failures = failures + 1 … RETURNING failures`` each (a row lock on PostgreSQL, the write
lock on SQLite), so 40 parallel guesses are at most ``login_max_failures`` checks. A success gives the
reserved failure back (the pair and the name start again from zero, the client counter drops by one).
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from sqlalchemy import Float, Integer, String, case, delete, select, update
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Mapped, Session, mapped_column

from kb_bot.db import Base, session_scope
from kb_bot.web.config import WebSettings


class LoginThrottle(Base):
    __tablename__ = "login_throttle"

    key: Mapped[str] = mapped_column(String(300), primary_key=True)
    failures: Mapped[int] = mapped_column(Integer, default=0)
    last_at: Mapped[float] = mapped_column(Float, default=0.0)
    """Epoch seconds of the last counted attempt."""
    next_at: Mapped[float] = mapped_column(Float, default=0.0)
    """Epoch seconds before which no attempt is checked (the growing delay of a name)."""


@dataclass(frozen=True)
class Admission:
    allowed: bool
    message: str = ""
    reason: str = ""
    """``pair`` / ``client`` (locked) or ``slow`` (inside the delay of the name): for the audit log."""


def _keys(name: str, address: str) -> tuple[str, str, str]:
    return f"pair:{name}@{address}"[:300], f"client:{address}"[:300], f"name:{name}"[:300]


def _forget(engine: Engine, now: float, window: float) -> None:
    """Delete the rows with nothing left to remember, so guessed names do not pile up (rows another attempt
    holds right now are skipped on PostgreSQL: waiting for them could deadlock)."""
    t = LoginThrottle
    with session_scope(engine) as s:
        stale = select(t.key).where(t.last_at < now - window, t.next_at < now)
        if s.get_bind().dialect.name == "postgresql":
            stale = stale.with_for_update(skip_locked=True)
        s.execute(delete(t).where(t.key.in_(stale)))


def _ensure(session: Session, keys: tuple[str, ...], now: float) -> None:
    """Create the rows that do not exist yet (a write first, so SQLite takes its write lock at once)."""
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    for key in keys:
        session.execute(insert(LoginThrottle).values(key=key, failures=0, last_at=now, next_at=0.0)
                        .on_conflict_do_nothing(index_elements=["key"]))


def _bump(session: Session, key: str, now: float, window: float) -> int:
    """Count one more failure for ``key`` (forgetting failures older than ``window``); the new count."""
    t = LoginThrottle
    stmt = (
        update(t).where(t.key == key)
        .values(failures=case((t.last_at < now - window, 1), else_=t.failures + 1), last_at=now)
        .returning(t.failures)
    )
    return int(session.execute(stmt).scalar_one())


def _recent(row: LoginThrottle, now: float, window: float) -> int:
    return row.failures if row.last_at >= now - window else 0


def _delay(failures: int, cfg: WebSettings) -> float:
    if failures < cfg.login_slow_after:
        return 0.0
    return min(2.0 ** (failures - cfg.login_slow_after), cfg.login_max_delay_s)


def admit(engine: Engine, cfg: WebSettings, name: str, address: str) -> Admission:
    """Whether the password of this attempt may be checked; if so its failure is already counted."""
    pair, client, by_name = _keys(name, address)
    window = cfg.login_lock_minutes * 60
    minutes = f"{cfg.login_lock_minutes:g}分間"
    now = time.time()
    locked_pair = Admission(False, f"ログインの失敗が続いたため、このユーザー名はこの端末から{minutes}ログインできません", "pair")
    _forget(engine, now, window)
    with session_scope(engine) as s:
        _ensure(s, (pair, by_name, client), now)
        rows = {k: s.get(LoginThrottle, k, populate_existing=True) for k in (pair, by_name)}
        if _recent(rows[pair], now, window) >= cfg.login_max_failures:
            _bump(s, pair, now, window)  # the lock lasts from the last attempt
            return locked_pair
        name_row = rows[by_name]
        if name_row.next_at > now:
            wait = int(name_row.next_at - now) + 1
            return Admission(False, f"ログインの失敗が続いています。{wait}秒ほど待ってからもう一度お試しください", "slow")
        delay = _delay(_recent(name_row, now, window), cfg)
        if delay:
            claimed = s.execute(update(LoginThrottle).where(LoginThrottle.key == by_name,
                                                            LoginThrottle.next_at == name_row.next_at)
                                .values(next_at=now + delay)).rowcount
            if claimed != 1:  # another attempt for this name got there first
                return Admission(False, "ログインの失敗が続いています。少し待ってからもう一度お試しください", "slow")
        if _bump(s, pair, now, window) > cfg.login_max_failures:
            return locked_pair
        if _bump(s, client, now, window) > cfg.login_max_failures_per_client:
            return Admission(False, f"この端末からのログインの失敗が多すぎるため、{minutes}ログインできません", "client")
    return Admission(True)


def record(engine: Engine, cfg: WebSettings, name: str, address: str, success: bool) -> None:
    """The outcome of a checked attempt admitted by :func:`admit`."""
    pair, client, by_name = _keys(name, address)
    t = LoginThrottle
    now = time.time()
    with session_scope(engine) as s:
        if not success:
            _ensure(s, (by_name,), now)
            _bump(s, by_name, now, cfg.login_lock_minutes * 60)
            return
        s.execute(update(t).where(t.key.in_((pair, by_name))).values(failures=0, next_at=0.0))
        s.execute(update(t).where(t.key == client, t.failures > 0).values(failures=t.failures - 1))
