"""Declarations, 第24条 applications and the alerts for CW and SV, on SQLite and PostgreSQL."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest

from kb_bot.claims import service
from kb_bot.claims.cases import ClaimsError
from kb_bot.claims.deadlines import (
    alerts,
    decide_application,
    decision_deadline,
    deemed_rejection_from,
    extend_application,
    list_declarations,
    register_application,
    register_declaration,
    update_declaration,
)
from kb_bot.claims.ledger import Basis
from kb_bot.claims.service import DecisionInput
from kb_bot.users import PermissionDenied

D = dt.date


def test_declaration_deadline_from_settings_per_type(session, office):
    cfg = dataclasses.replace(office.cfg, declaration_deadline_days_by_type={"assets": 30})
    income = register_declaration(session, office.cw1, office.case1, "income_monthly", D(2025, 5, 2), cfg)
    assets = register_declaration(session, office.cw1, office.case1, "assets", D(2025, 5, 2), cfg)
    assert income.deadline == D(2025, 5, 16)  # 14 calendar days, not moved for the holiday week
    assert assets.deadline == D(2025, 6, 1)
    with pytest.raises(ClaimsError, match="申告の種類"):
        register_declaration(session, office.cw1, office.case1, "pension", D(2025, 5, 2), cfg)
    with pytest.raises(PermissionDenied):
        register_declaration(session, office.cw3, office.case1, "assets", D(2025, 5, 2), cfg)


def test_declaration_status_flow(session, office):
    decl = register_declaration(session, office.cw1, office.case1, "tax_survey", D(2025, 6, 10), office.cfg)
    update_declaration(session, office.cw1, decl, "in_progress")
    with pytest.raises(ClaimsError, match=r"処理日.*結果"):
        update_declaration(session, office.cw1, decl, "done", processed_on=D(2025, 6, 20))
    with pytest.raises(ClaimsError, match="受理日"):
        update_declaration(session, office.cw1, decl, "done", processed_on=D(2025, 6, 1), result="認定")
    update_declaration(session, office.sv1, decl, "done", processed_on=D(2025, 6, 20), result="8月分から収入認定")
    assert (decl.status, decl.processed_on) == ("done", D(2025, 6, 20))
    with pytest.raises(ClaimsError, match="処理済です"):
        update_declaration(session, office.cw1, decl, "pending")
    assert list_declarations(session, office.cw1, open_only=True) == []


def test_application_deadlines_are_statutory_calendar_days(session, office):
    app = register_application(session, office.cw1, "中村 三郎", office.cw1, D(2025, 4, 28))
    assert decision_deadline(app) == D(2025, 5, 12)
    assert deemed_rejection_from(app) == D(2025, 5, 29)
    with pytest.raises(ClaimsError, match="理由"):
        extend_application(session, office.cw1, app, " ", D(2025, 5, 1))
    with pytest.raises(ClaimsError, match="14日の期限（2025-05-12）を過ぎて"):
        extend_application(session, office.cw1, app, "扶養義務者の資産調査", D(2025, 5, 13))
    extend_application(session, office.cw1, app, "扶養義務者の資産調査に日数を要するため", D(2025, 5, 12))
    assert decision_deadline(app) == D(2025, 5, 28)
    with pytest.raises(ClaimsError, match="延長済"):
        extend_application(session, office.cw1, app, "再延長", D(2025, 5, 12))
    decide_application(session, office.cw1, app, D(2025, 5, 20), "granted")
    with pytest.raises(ClaimsError, match="決定済"):
        decide_application(session, office.cw1, app, D(2025, 5, 21), "rejected")


def _setup_alerts(session, office):
    register_declaration(session, office.cw1, office.case1, "income_monthly", D(2025, 5, 1), office.cfg)  # due 5/15
    register_declaration(session, office.cw2, office.case3, "assets", D(2025, 5, 10), office.cfg)  # due 5/24
    register_declaration(session, office.cw3, office.case4, "assets", D(2025, 5, 20), office.cfg)  # due 6/3
    register_application(session, office.cw2, "小林 四郎", office.cw2, D(2025, 5, 8))  # due 5/22
    decision = DecisionInput(basis=Basis.ART63, decided_on=D(2025, 3, 1), months=[("2024-04", 10_000)])
    service.create_claim(
        session,
        office.cw1,
        office.case2,
        decision,
        cfg=office.cfg,
        calendar=office.calendar,
        assessed_on=D(2025, 3, 10),
        due=D(2025, 4, 30),
    )
    session.commit()


def test_alerts_for_cw_sv_and_everyone(session, office):
    _setup_alerts(session, office)
    as_of = D(2025, 5, 21)
    everyone = alerts(session, office.admin, as_of, office.cfg)
    assert [(a.kind, a.overdue, a.deadline) for a in everyone] == [
        ("declaration", True, D(2025, 5, 15)),
        ("dunning", True, D(2025, 5, 20)),  # 納期限 4/30 + 20 days, no 督促 yet
        ("application", False, D(2025, 5, 22)),
        ("declaration", False, D(2025, 5, 24)),
    ]
    assert everyone[0].days_left == -6 and everyone[2].days_left == 1
    assert "みなし却下: 2025-06-08 以降" in everyone[2].detail
    assert {a.cw for a in alerts(session, office.cw1, as_of, office.cfg)} == {"cw1"}
    assert {a.cw for a in alerts(session, office.sv1, as_of, office.cfg)} == {"cw1", "cw2"}
    assert alerts(session, office.sv2, as_of, office.cfg) == []  # 6/3 is more than 3 days away
    soon = dataclasses.replace(office.cfg, alert_within_days=14)
    assert [a.case_number for a in alerts(session, office.sv2, as_of, soon)] == ["B-0001"]


def test_prescription_alerts(session, office):
    decision = DecisionInput(basis=Basis.ART63, decided_on=D(2020, 3, 1), months=[("2019-04", 10_000)])
    service.create_claim(
        session,
        office.cw1,
        office.case1,
        decision,
        cfg=office.cfg,
        calendar=office.calendar,
        assessed_on=D(2020, 3, 10),
        due=D(2020, 4, 30),
    )
    session.commit()
    upcoming = [a for a in alerts(session, office.cw1, D(2025, 1, 10), office.cfg) if a.kind == "prescription"]
    assert len(upcoming) == 1 and not upcoming[0].overdue and upcoming[0].deadline == D(2025, 4, 30)
    done = [a for a in alerts(session, office.cw1, D(2025, 5, 1), office.cfg) if a.kind == "prescription"]
    assert done[0].overdue and "不納欠損" in done[0].detail
