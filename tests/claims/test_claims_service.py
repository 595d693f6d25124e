"""The ledger on SQLite and PostgreSQL: recording, roles, append-only storage, replay, lists."""

from __future__ import annotations

import datetime as dt
import random

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from kb_bot import audit
from kb_bot.claims import service
from kb_bot.claims.cases import ClaimsError, add_case, close_case, get_case, import_cases
from kb_bot.claims.ledger import Basis, Cause, Kind, LedgerError, Status, fold
from kb_bot.claims.lists import (
    dunning_due,
    installments_missed,
    load_rows,
    prescription_within,
    render_csv,
    totals,
    unpaid,
)
from kb_bot.claims.service import DecisionInput
from kb_bot.users import PermissionDenied

D = dt.date
DUE = D(2025, 4, 30)


def new_claim(
    session, office, actor, case, basis=Basis.ART63, months=(("2024-04", 50_000), ("2024-05", 50_000)), due=DUE, **kw
):
    decision = DecisionInput(basis=basis, decided_on=D(2025, 3, 1), months=list(months), **kw)
    claim, notes = service.create_claim(
        session, actor, case, decision, cfg=office.cfg, calendar=office.calendar, assessed_on=D(2025, 3, 10), due=due
    )
    session.commit()
    return claim, notes


def test_claim_lifecycle_is_stored_and_audited(session, office):
    claim, notes = new_claim(session, office, office.cw1, office.case1, due=D(2025, 5, 3))
    assert notes == ["納期限 2025-05-03 は閉庁日のため翌開庁日 2025-05-07 にしました"]
    s = service.state_of(session, claim, office.cfg)
    assert (s.assessed, s.due, s.debtor.name, s.debtor.phone) == (100_000, D(2025, 5, 7), "山田 太郎", "09012345678")
    service.record_payment(session, office.cw1, claim, D(2025, 5, 1), 30_000, "counter", cfg=office.cfg)
    rec = service.record_dunning(session, office.cw1, claim, D(2025, 5, 8), cfg=office.cfg, calendar=office.calendar)
    assert rec.event.data == {"deadline": "2025-05-19", "for_due": "2025-05-07"}  # 5/18 is a Sunday
    assert rec.notes and "2025-05-19" in rec.notes[0]
    rec = service.record_payment(session, office.cw1, claim, D(2025, 6, 1), 80_000, "account", cfg=office.cfg)
    assert (rec.state.balance, rec.state.refund_due) == (0, 10_000)
    assert "還付すべき額は 10,000円" in rec.notes[0]
    session.commit()
    actions = [e.action for e in audit.entries(session, target=f"claim:{claim.id}")]
    assert actions == ["claim.payment", "claim.dunning", "claim.payment", "claim.assessment", "claim.decision"]


def test_events_table_is_append_only(session, office, engine):
    claim, _ = new_claim(session, office, office.cw1, office.case1)
    with engine.connect() as conn:
        for statement in ("UPDATE claim_events SET on_date = '2020-01-01'", "DELETE FROM claim_events"):
            with pytest.raises(DBAPIError, match="append-only"):
                conn.execute(text(statement))
            conn.rollback()
    assert len(service.load_events(session, claim.id)) == 2


def test_roles_cw_own_cases_sv_team_admin_all(session, office):
    with pytest.raises(PermissionDenied):
        new_claim(session, office, office.cw2, office.case1)
    session.rollback()
    claim, _ = new_claim(session, office, office.cw1, office.case1)
    with pytest.raises(ClaimsError, match="閲覧の権限"):
        service.get_claim(session, office.cw2, claim.id)
    with pytest.raises(ClaimsError, match="閲覧の権限"):
        service.get_claim(session, office.sv2, claim.id)
    assert service.get_claim(session, office.sv1, claim.id) is claim
    assert service.get_claim(session, office.admin, claim.id) is claim
    with pytest.raises(PermissionDenied, match="査察指導員・管理者"):
        service.record_event(
            session,
            office.cw1,
            claim,
            Kind.WRITE_OFF,
            D(2025, 6, 1),
            {"amount": 1_000, "reason": "免責"},
            cfg=office.cfg,
        )
    service.record_event(
        session, office.sv1, claim, Kind.WRITE_OFF, D(2025, 6, 1), {"amount": 1_000, "reason": "免責"}, cfg=office.cfg
    )
    with pytest.raises(ClaimsError, match="閲覧の権限"):
        get_case(session, office.cw3, "A-0001")


def test_rule_errors_reach_the_caller_and_nothing_is_stored(session, office):
    claim, _ = new_claim(session, office, office.cw1, office.case1, basis=Basis.ART63)
    with pytest.raises(LedgerError, match="納付書"):
        service.record_payment(session, office.cw1, claim, D(2025, 4, 1), 1_000, "benefit", cfg=office.cfg)
    with pytest.raises(LedgerError, match="自立更生費の控除はできません"):
        new_claim(
            session,
            office,
            office.cw1,
            office.case1,
            basis=Basis.ART78,
            months=(("2024-10", 10_000),),
            deductions=[("冷蔵庫", 1_000, "")],
        )
    session.rollback()
    assert len(service.load_events(session, claim.id)) == 2


def test_a_cancelled_decision_can_be_redone_only_with_the_same_basis(session, office):
    claim, _ = new_claim(session, office, office.cw1, office.case1, basis=Basis.ART63)
    decision, assessment = service.load_events(session, claim.id)
    with pytest.raises(LedgerError, match="先に調定を取り消して"):
        service.reverse_event(session, office.cw1, claim, decision.id, D(2025, 3, 20), "額の誤り", cfg=office.cfg)
    service.reverse_event(session, office.cw1, claim, assessment.id, D(2025, 3, 20), "額の誤り", cfg=office.cfg)
    rec = service.reverse_event(session, office.cw1, claim, decision.id, D(2025, 3, 20), "額の誤り", cfg=office.cfg)
    assert rec.state.basis is None and rec.state.balance == 0
    redo = DecisionInput(basis=Basis.ART78, decided_on=D(2025, 3, 21), months=[("2024-04", 90_000)])
    with pytest.raises(ClaimsError, match="新しい債権として"):
        service.record_event(
            session, office.cw1, claim, Kind.DECISION, D(2025, 3, 21), redo.data(office.case1), cfg=office.cfg
        )
    redo = DecisionInput(basis=Basis.ART63, decided_on=D(2025, 3, 21), months=[("2024-04", 90_000)])
    service.record_event(
        session, office.cw1, claim, Kind.DECISION, D(2025, 3, 21), redo.data(office.case1), cfg=office.cfg
    )
    rec = service.assess(
        session, office.cw1, claim, D(2025, 3, 21), D(2025, 4, 30), cfg=office.cfg, calendar=office.calendar
    )
    assert (rec.state.assessed, rec.state.balance, len(rec.state.reversed_ids)) == (90_000, 90_000, 2)


def test_offset_ends_when_the_case_is_closed(session, office):
    claim, _ = new_claim(session, office, office.cw1, office.case1, basis=Basis.ART78, months=(("2024-10", 100_000),))
    service.record_event(session, office.cw1, claim, Kind.OFFSET_REQUEST, D(2025, 4, 1), {}, cfg=office.cfg)
    service.record_payment(session, office.cw1, claim, D(2025, 4, 5), 10_000, "benefit", cfg=office.cfg)
    close_case(session, office.cw1, office.case1, D(2025, 6, 1))
    with pytest.raises(LedgerError, match="保護廃止"):
        service.record_payment(session, office.cw1, claim, D(2025, 6, 5), 10_000, "benefit", cfg=office.cfg)


def test_replay_from_the_database_gives_the_in_memory_state(session, office):
    """Random valid histories stored through the service fold to the same state after a reload."""
    rng = random.Random(5)
    claim, _ = new_claim(
        session, office, office.sv1, office.case3, basis=Basis.ART78, months=(("2024-10", 90_000),), surcharge=36_000
    )
    service.record_event(session, office.cw2, claim, Kind.OFFSET_REQUEST, D(2025, 3, 12), {}, cfg=office.cfg)
    expected = None
    on = D(2025, 3, 15)
    for _ in range(60):
        on += dt.timedelta(days=rng.randint(0, 40))
        kind = rng.choice(["pay", "pay", "benefit", "reverse", "refund", "dunning", "reminder"])
        try:
            if kind in ("pay", "benefit"):
                rec = service.record_payment(
                    session,
                    office.cw2,
                    claim,
                    on,
                    rng.randint(1, 30_000),
                    "counter" if kind == "pay" else "benefit",
                    cfg=office.cfg,
                )
            elif kind == "reverse":
                events = service.load_events(session, claim.id)
                rec = service.reverse_event(
                    session, office.cw2, claim, rng.choice(events).id, on, "訂正", cfg=office.cfg
                )
            elif kind == "refund":
                due = service.state_of(session, claim, office.cfg).refund_due
                rec = service.record_event(
                    session, office.cw2, claim, Kind.REFUND, on, {"amount": max(due, 1)}, cfg=office.cfg
                )
            elif kind == "dunning":
                rec = service.record_dunning(session, office.cw2, claim, on, cfg=office.cfg, calendar=office.calendar)
            else:
                rec = service.record_event(
                    session, office.cw2, claim, Kind.REMINDER, on, {"method": "訪問"}, cfg=office.cfg
                )
            expected = rec.state
            session.commit()
        except LedgerError:
            session.rollback()
    session.expire_all()
    reloaded = fold(service.load_events(session, claim.id), office.cfg)
    assert expected is not None and reloaded == expected
    assert reloaded.balance >= 0 and reloaded.refund_due >= 0


def test_cases_import_checks_every_row_first(session, office, tmp_path):
    path = tmp_path / "cases.csv"
    path.write_text(
        "case_number,cw,head_name,phone,birth_date,closed_on\n"
        "A-0100,cw1,田中 一,090-0000-1111,1950-01-02,\n"
        "A-0101,nobody,田中 二,,,\n"
        "A-0102,cw2,,,1950-13-01,\n",
        encoding="utf-8",
    )
    with pytest.raises(ClaimsError) as err:
        import_cases(session, office.sv1, path)
    assert "3行目" in str(err.value) and "4行目" in str(err.value) and "nobody" in str(err.value)
    session.rollback()
    assert session.query(type(office.case1)).count() == 4
    path.write_text(
        "case_number,cw,head_name,phone,birth_date,closed_on\n"
        "A-0100,cw1,田中 一,090-0000-1111,1950-01-02,\n"
        "A-0001,cw2,山田 太郎,090-1234-5678,1955-05-01,\n",
        encoding="utf-8",
    )
    result = import_cases(session, office.sv1, path)
    assert (result.added, result.updated, result.unchanged) == (1, 1, 0)
    assert get_case(session, office.admin, "A-0001").cw is office.cw2
    with pytest.raises(PermissionDenied):
        import_cases(session, office.cw1, path)
    path.write_text("case_number,cw,head_name\nB-0100,cw3,他班\n", encoding="utf-8")
    with pytest.raises(ClaimsError, match="sv1 の班ではありません"):
        import_cases(session, office.sv1, path)
    with pytest.raises(ClaimsError, match="すでに登録"):
        add_case(session, office.admin, "A-0100", office.cw1, "重複")


# --- lists ----------------------------------------------------------------------------------------


@pytest.fixture
def portfolio(session, office):
    """Claims in various states on 2025-07-01."""
    c = {}
    c["paid"], _ = new_claim(session, office, office.cw1, office.case1)
    service.record_payment(session, office.cw1, c["paid"], D(2025, 4, 1), 100_000, "counter", cfg=office.cfg)
    c["overdue"], _ = new_claim(session, office, office.cw1, office.case2, due=D(2025, 5, 30))
    c["dunned"], _ = new_claim(session, office, office.cw2, office.case3, due=D(2025, 4, 30))
    service.record_dunning(session, office.cw2, c["dunned"], D(2025, 5, 10), cfg=office.cfg, calendar=office.calendar)
    c["plan"], _ = new_claim(session, office, office.cw2, office.case3, due=D(2025, 4, 30))
    service.record_plan(
        session, office.cw2, c["plan"], D(2025, 4, 1), D(2025, 5, 30), 4, cfg=office.cfg, calendar=office.calendar
    )
    service.record_payment(session, office.cw2, c["plan"], D(2025, 5, 29), 25_000, "account", cfg=office.cfg)
    old = DecisionInput(
        basis=Basis.ART63, decided_on=D(2020, 3, 1), months=[("2019-04", 70_000)], cause=Cause.OFFICE_ERROR
    )
    c["old"], _ = service.create_claim(
        session,
        office.cw3,
        office.case4,
        old,
        cfg=office.cfg,
        calendar=office.calendar,
        assessed_on=D(2020, 3, 10),
        due=D(2020, 9, 30),
    )
    c["future"], _ = new_claim(session, office, office.cw3, office.case4, due=D(2025, 8, 29))
    session.commit()
    return c


def test_lists_on_a_date(session, office, portfolio):
    as_of = D(2025, 7, 1)
    rows = load_rows(session, office.admin, as_of, office.cfg)
    by_id = {r.claim_id: r for r in rows}
    c = portfolio
    assert by_id[c["paid"].id].status == Status.PAID
    assert by_id[c["overdue"].id].status == Status.OVERDUE
    assert by_id[c["plan"].id].status == Status.INSTALLMENTS_MISSED  # 6/30 installment unpaid
    assert by_id[c["future"].id].status == Status.NOT_DUE
    assert {r.claim_id for r in unpaid(rows)} == {c[k].id for k in ("overdue", "dunned", "plan", "old", "future")}
    assert [(r.claim_id, due) for r, due in dunning_due(rows)] == [
        (c["old"].id, D(2020, 9, 30)),
        (c["overdue"].id, D(2025, 5, 30)),
        (c["plan"].id, D(2025, 6, 30)),
    ]
    assert [r.claim_id for r in prescription_within(rows, as_of, 6)] == [c["old"].id]  # 2025-10-01
    assert [r.claim_id for r in installments_missed(rows)] == [c["plan"].id]
    per_cw = {t.key: t for t in totals(rows, lambda r: r.cw)}
    assert (per_cw["cw1"].claims, per_cw["cw1"].balance, per_cw["cw1"].overdue) == (2, 100_000, 100_000)
    assert (per_cw["cw2"].balance, per_cw["cw2"].overdue) == (175_000, 125_000)
    per_team = {t.key: t for t in totals(rows, lambda r: r.team)}
    assert per_team["保護1班"].balance == 275_000 and per_team["保護2班"].balance == 170_000
    # the past is reproducible: on 2025-05-31 the plan was kept and nothing was due on "overdue" until 5/30
    earlier = {r.claim_id: r for r in load_rows(session, office.admin, D(2025, 5, 31), office.cfg)}
    assert earlier[c["plan"].id].status == Status.INSTALLMENTS
    assert earlier[c["paid"].id].state.paid == 100_000


def test_lists_respect_who_is_looking(session, office, portfolio):
    as_of = D(2025, 7, 1)
    assert {r.cw for r in load_rows(session, office.cw1, as_of, office.cfg)} == {"cw1"}
    assert {r.cw for r in load_rows(session, office.sv1, as_of, office.cfg)} == {"cw1", "cw2"}
    assert {r.cw for r in load_rows(session, office.sv2, as_of, office.cfg)} == {"cw3"}


def test_list_csv(session, office, portfolio):
    as_of = D(2025, 7, 1)
    rows = load_rows(session, office.admin, as_of, office.cfg)
    csv_text = render_csv("dunning-due", rows, as_of, office.cfg)
    lines = csv_text.splitlines()
    assert lines[0].startswith("債権番号,ケース番号,担当CW,班,種別") and lines[0].endswith("督促期限を過ぎている")
    assert len(lines) == 4 and lines[1].endswith(",2020-09-30,2020-10-20,はい")
    assert render_csv("totals-team", rows, as_of, office.cfg).splitlines()[1].startswith("保護1班,4,3,")
    assert len(render_csv("prescription", rows, as_of, office.cfg, months=0).splitlines()) == 1
    with pytest.raises(ValueError, match="一覧の種類"):
        render_csv("nothing", rows, as_of, office.cfg)
