"""Alerts shown when a CW or an SV logs in. Providers are listed in ``kb_bot.web.app.ALERT_PROVIDERS``.

A provider is ``fn(session, user, settings) -> list[str | tuple[bool, str]]``: a line of text, or
``(overdue, text)`` — overdue lines are shown in red. It runs inside the login's database session, must
only return what ``user`` may see, and should be quick (it runs on every page load).
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy.orm import Session

from kb_bot.settings import Settings
from kb_bot.users import Role, User


def claims_alerts(session: Session, user: User, settings: Settings) -> list[tuple[bool, str]]:
    """Declaration / application / dunning / prescription deadlines (kb_bot.claims.deadlines) for a CW
    (own cases) and an SV (the team)."""
    if user.role not in (Role.CW, Role.SV):
        return []
    from kb_bot.claims.config import claims_settings
    from kb_bot.claims.deadlines import ALERT_KINDS, alerts

    found = alerts(session, user, dt.date.today(), claims_settings(settings))
    lines: list[tuple[bool, str]] = []
    for a in found[:30]:
        when = f"{-a.days_left}日超過" if a.overdue else ("本日期限" if a.days_left == 0 else f"あと{a.days_left}日")
        head = "【期限超過】" if a.overdue else "【期限間近】"
        cw = f"（{a.cw}）" if user.role == Role.SV else ""
        lines.append((a.overdue, (f"{head}{ALERT_KINDS.get(a.kind, a.kind)} ケース {a.case_number}{cw}: {a.subject}"
                                  f" 期限 {a.deadline.isoformat()}（{when}） {a.detail}")))
    if len(found) > 30:
        lines.append((False, f"ほか {len(found) - 30} 件（期限の一覧で確認してください）"))
    return lines
