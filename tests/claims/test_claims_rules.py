"""The claims rules of issue 10, through the service on SQLite and PostgreSQL."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest

from kb_bot import audit
from kb_bot.claims import kaigo, service
from kb_bot.claims.cases import close_case
from kb_bot.claims.ledger import Basis, Cause, Kind, LedgerError, Status, describe_event, split_shares, standing
from kb_bot.claims.lists import load_rows, totals
from kb_bot.claims.models import Claim
from kb_bot.claims.service import DecisionInput, Heir
from kb_bot.errors import UserError

D = dt.date
DUE = D(2025, 4, 30)


def add_claim(session, office, basis, months, *, due=DUE, **kw):
    """Decided 60 days and assessed 50 days before ``due``."""
    decision = DecisionInput(basis=basis, decided_on=due - dt.timedelta(days=60), months=list(months), **kw)
    claim, _notes = service.create_claim(
        session,
        office.cw1,
        office.case1,
        decision,
        cfg=office.cfg,
        calendar=office.calendar,
        assessed_on=due - dt.timedelta(days=50),
        due=due,
    )
    session.commit()
    return claim


def claim_count(session) -> int:
    return session.query(Claim).count()


def event(session, office, claim, kind, on, actor=None, **data):
    return service.record_event(session, actor or office.cw1, claim, kind, on, data, cfg=office.cfg)


# --- 第78条 -----------------------------------------------------------------------------------------


def test_surcharge_on_months_before_2014_07_is_refused_with_the_reason(session, office):
    with pytest.raises(LedgerError, match=r"2014年7月1日以後の不正受給分.*2014-06 は対象外") as refused:
        add_claim(session, office, Basis.ART78, [("2014-06", 50_000), ("2014-07", 50_000)], surcharge=10_000)
    assert isinstance(refused.value, UserError)
    session.rollback()
    assert claim_count(session) == 0
    # without the 加算 the same months are a valid 第78条 claim; from 2014-07 the 加算 is allowed
    add_claim(session, office, Basis.ART78, [("2014-06", 50_000), ("2014-07", 50_000)])
    claim = add_claim(session, office, Basis.ART78, [("2014-07", 50_000)], surcharge=20_000)
    assert service.state_of(session, claim, office.cfg).surcharge == 20_000


def test_an_office_error_is_not_fraud(session, office):
    with pytest.raises(LedgerError, match=r"不正受給ではない.*第63条で登録"):
        add_claim(session, office, Basis.ART78, [("2024-10", 50_000)], cause=Cause.OFFICE_ERROR)
    session.rollback()
    assert claim_count(session) == 0
    claim = add_claim(session, office, Basis.ART63, [("2024-10", 50_000)], cause=Cause.OFFICE_ERROR)
    assert service.state_of(session, claim, office.cfg).cause == Cause.OFFICE_ERROR


# --- 第78条の2 充当 ----------------------------------------------------------------------------------


def test_offset_from_benefits_ends_when_the_debtor_changes_to_an_heir(session, office):
    claim = add_claim(session, office, Basis.ART78, [("2024-10", 100_000)])
    event(session, office, claim, Kind.OFFSET_REQUEST, D(2025, 4, 1))
    service.record_payment(session, office.cw1, claim, D(2025, 4, 10), 5_000, "benefit", cfg=office.cfg)
    event(session, office, claim, Kind.DEBTOR_CHANGE, D(2025, 5, 1), name="山田 一郎", relation="長男", reason="相続")
    session.commit()
    with pytest.raises(LedgerError, match=r"債務者が 2025-05-01 に変わった.*充当はできません"):
        service.record_payment(session, office.cw1, claim, D(2025, 5, 10), 5_000, "benefit", cfg=office.cfg)
    session.rollback()
    with pytest.raises(LedgerError, match="充当はできません"):
        event(session, office, claim, Kind.OFFSET_REQUEST, D(2025, 5, 2))
    session.rollback()
    # the heir pays by slip; the claim stays collectible
    rec = service.record_payment(session, office.cw1, claim, D(2025, 5, 10), 5_000, "account", cfg=office.cfg)
    assert rec.state.balance == 90_000


def test_a_debtor_change_of_phone_only_keeps_the_offset(session, office):
    claim = add_claim(session, office, Basis.ART78, [("2024-10", 100_000)])
    event(session, office, claim, Kind.OFFSET_REQUEST, D(2025, 4, 1))
    event(
        session, office, claim, Kind.DEBTOR_CHANGE, D(2025, 4, 5), name="山田 太郎", phone="09099998888", reason="電話番号の変更"
    )
    rec = service.record_payment(session, office.cw1, claim, D(2025, 4, 10), 5_000, "benefit", cfg=office.cfg)
    assert (rec.state.balance, rec.state.debtor_changed_on) == (95_000, None)


def test_offset_from_benefits_ends_when_the_case_is_closed(session, office):
    claim = add_claim(session, office, Basis.ART77_2, [("2024-10", 100_000)])
    event(session, office, claim, Kind.OFFSET_REQUEST, D(2025, 4, 1))
    service.record_payment(session, office.cw1, claim, D(2025, 4, 10), 5_000, "benefit", cfg=office.cfg)
    close_case(session, office.cw1, office.case1, D(2025, 6, 1))
    session.commit()
    with pytest.raises(LedgerError, match="保護廃止（2025-06-01）後"):
        service.record_payment(session, office.cw1, claim, D(2025, 6, 10), 5_000, "benefit", cfg=office.cfg)
    session.rollback()
    assert service.state_of(session, claim, office.cfg).paid == 5_000


# --- 時効 -------------------------------------------------------------------------------------------


def test_a_partial_payment_renews_the_prescription_by_default(session, office):
    claim = add_claim(session, office, Basis.ART63, [("2019-04", 100_000)], due=D(2020, 4, 30))
    assert service.state_of(session, claim, office.cfg).prescription_date == D(2025, 5, 1)
    rec = service.record_payment(session, office.cw1, claim, D(2021, 1, 10), 1_000, "counter", cfg=office.cfg)
    assert rec.state.prescription_date == D(2026, 1, 11)
    # the setting stays: an office may turn it off
    off = office.cfg.__class__(prescription_renewal_events=())
    assert service.state_of(session, claim, off).prescription_date == D(2025, 5, 1)


def test_a_live_plan_warns_before_payments_would_be_refused_as_time_barred(session, office):
    claim = add_claim(session, office, Basis.ART63, [("2019-04", 120_000)], due=D(2020, 4, 30))
    rec = service.record_plan(
        session, office.cw1, claim, D(2024, 5, 1), D(2024, 6, 1), 24, cfg=office.cfg, calendar=office.calendar
    )
    assert any("時効完成日 2025-05-01 が分納の最終納期" in n for n in rec.notes), rec.notes
    rec = service.record_payment(session, office.cw1, claim, D(2024, 6, 3), 5_000, "counter", cfg=office.cfg)
    assert rec.state.prescription_date == D(2029, 6, 4)
    assert not any("時効完成日" in n for n in rec.notes)  # the payment (承認) moved it past the plan
    # with payments not renewing, the warning stays on every payment until it is too late
    off = office.cfg.__class__(prescription_renewal_events=())
    rec = service.record_payment(session, office.cw1, claim, D(2024, 7, 1), 5_000, "counter", cfg=off)
    assert any("時効完成日 2025-05-01" in n for n in rec.notes)
    with pytest.raises(LedgerError, match="時効完成日（2025-05-01）を過ぎた"):
        service.record_payment(session, office.cw1, claim, D(2025, 5, 1), 5_000, "counter", cfg=off)


# --- 破産免責 -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("basis", [Basis.ART78, Basis.ART77_2])
def test_bankruptcy_write_off_of_a_non_dischargeable_claim_needs_a_confirmation(session, office, basis):
    claim = add_claim(session, office, basis, [("2024-10", 100_000)])
    with pytest.raises(LedgerError, match=r"免責されない債権.*--confirm-non-dischargeable"):
        event(session, office, claim, Kind.WRITE_OFF, D(2025, 6, 1), office.sv1, amount=100_000, reason="破産免責")
    session.rollback()
    assert service.state_of(session, claim, office.cfg).written_off == 0
    rec = event(
        session, office, claim, Kind.WRITE_OFF, D(2025, 6, 1), office.sv1,
        amount=100_000, reason="破産免責", non_dischargeable_confirmed=True,
    )
    session.commit()
    assert rec.event.data["confirmed_by"] == "sv1"
    assert any("確認: sv1" in n for n in rec.notes)
    entry = audit.entries(session, target=f"claim:{claim.id}", action_prefix="claim.write_off")[0]
    assert entry.detail["non_dischargeable_confirmed_by"] == "sv1"
    assert standing(rec.state, D(2025, 6, 2)).status == Status.WRITTEN_OFF


def test_bankruptcy_write_off_of_a_63_claim_needs_no_confirmation(session, office):
    claim = add_claim(session, office, Basis.ART63, [("2024-10", 100_000)])
    rec = event(
        session, office, claim, Kind.WRITE_OFF, D(2025, 6, 1), office.sv1,
        amount=100_000, reason="破産免責", confirmed_by="admin",  # a name from the caller is never stored
    )
    assert "confirmed_by" not in rec.event.data


# --- 相続 -------------------------------------------------------------------------------------------


def test_split_shares_gives_the_remainder_to_the_first_heir():
    assert split_shares(100_001, [(1, 2), (1, 4), (1, 4)]) == [50_001, 25_000, 25_000]
    assert split_shares(10, [(1, 3), (1, 3), (1, 3)]) == [4, 3, 3]
    assert split_shares(0, [(1, 2), (1, 2)]) == [0, 0]


def test_death_passes_the_claim_to_heirs_in_their_shares(session, office):
    claim = add_claim(session, office, Basis.ART78, [("2024-10", 100_000)], surcharge=40_000)
    service.record_payment(session, office.cw1, claim, D(2025, 5, 1), 30_001, "counter", cfg=office.cfg)
    before = service.state_of(session, claim, office.cfg)
    assert (before.principal_balance, before.surcharge_balance) == (69_999, 40_000)
    totals_before = totals(load_rows(session, office.admin, D(2025, 7, 2), office.cfg), lambda r: r.cw)
    heirs = [
        Heir("山田 花子", "配偶者", (1, 2), "090-1111-2222"),
        Heir("山田 一郎", "長男", (1, 4)),
        Heir("山田 次郎", "次男", (1, 4)),
    ]
    rec, parts = service.record_succession(
        session, office.cw1, claim, D(2025, 7, 1), D(2025, 6, 15), heirs, cfg=office.cfg
    )
    session.commit()
    assert rec.state.balance == 0 and rec.state.succeeded == 109_999
    assert standing(rec.state, D(2025, 7, 2)).status == Status.SUCCEEDED
    states = [service.state_of(session, p, office.cfg) for p in parts]
    assert [(s.principal_balance, s.surcharge_balance) for s in states] == [
        (35_001, 20_000),  # 69,999 / 2 = 34,999.5: floored, and the 1 yen left over goes to the first heir
        (17_499, 10_000),
        (17_499, 10_000),
    ]
    assert sum(s.balance for s in states) == before.balance
    # the office's totals neither gain nor lose a yen by the succession
    assert totals(load_rows(session, office.admin, D(2025, 7, 2), office.cfg), lambda r: r.cw) == [
        dataclasses.replace(totals_before[0], claims=4, open_claims=3)
    ]
    assert next((s.debtor.name, s.debtor.phone) for s in states) == ("山田 花子", "09011112222")
    assert {p.basis for p in parts} == {"78"} and {p.case_id for p in parts} == {claim.case_id}
    # 納期限 and 時効 carry over: the death neither restarts nor extends the prescription
    assert {(s.due, s.prescription_date) for s in states} == {(before.due, before.prescription_date)}
    # each part has its own balance and status
    service.record_payment(session, office.cw1, parts[1], D(2025, 7, 10), 27_499, "counter", cfg=office.cfg)
    statuses = [standing(service.state_of(session, p, office.cfg), D(2025, 7, 11)).status for p in parts]
    assert statuses == [Status.OVERDUE, Status.PAID, Status.OVERDUE]
    # the deceased's claim takes nothing more; the heirs' parts are never offset from benefits
    with pytest.raises(LedgerError, match="相続人に承継済み"):
        service.record_payment(session, office.cw1, claim, D(2025, 7, 10), 1_000, "counter", cfg=office.cfg)
    session.rollback()
    with pytest.raises(LedgerError, match="相続で承継した債権"):
        event(session, office, parts[0], Kind.OFFSET_REQUEST, D(2025, 7, 10))
    session.rollback()
    # undoing the death is refused while an heir's part holds a payment; nothing of the attempt is stored
    service.record_payment(session, office.cw1, parts[1], D(2025, 7, 10), 1_000, "counter", cfg=office.cfg)
    session.commit()
    with pytest.raises(LedgerError, match=f"相続人の債権 {parts[1].id}: この相続人の債権には収納などの記録があります"):
        service.reverse_event(session, office.cw1, claim, rec.event.id, D(2025, 7, 10), "誤り", cfg=office.cfg)
    session.rollback()
    assert service.state_of(session, claim, office.cfg).succeeded == 109_999
    assert all(service.state_of(session, p, office.cfg).decided for p in parts)
    entries = audit.entries(session, action_prefix="claim.succession")
    assert [e.target for e in entries] == [f"claim:{claim.id}"]
    # both sides of the succession read in the claim's history (app and CLI)
    assert describe_event("succession", rec.event.data) == (
        "死亡 2025-06-15・109,999円 を承継: 山田 花子 1/2 55,001円、山田 一郎 1/4 27,499円、山田 次郎 1/4 27,499円"
    )
    heir_decision = service.load_events(session, parts[1].id)[0]
    assert describe_event("decision", heir_decision.data).endswith(f"債権 {claim.id} の相続分 1/4 を承継")


def test_a_death_recorded_by_mistake_is_undone_with_the_heirs_parts(session, office):
    """The succession is reversed on the deceased's claim: its balance and status come back, the heirs' claims
    are cancelled (their decisions reversed, kept in the ledger), and the office's totals are as before."""
    claim = add_claim(session, office, Basis.ART63, [("2024-10", 90_000)])
    before = service.state_of(session, claim, office.cfg)
    totals_before = totals(load_rows(session, office.admin, D(2025, 7, 20), office.cfg), lambda r: r.cw)
    heirs = [Heir("山田 花子", "配偶者", (1, 2)), Heir("山田 一郎", "長男", (1, 2))]
    rec, parts = service.record_succession(session, office.cw1, claim, D(2025, 7, 1), D(2025, 6, 15), heirs,
                                           cfg=office.cfg)
    session.commit()
    with pytest.raises(UserError, match=f"元の債権 {claim.id} の相続（承継）の記録を取り消す"):
        service.reverse_event(session, office.cw1, parts[0], service.load_events(session, parts[0].id)[0].id,
                              D(2025, 7, 10), "誤り", cfg=office.cfg)
    session.rollback()
    undone = service.reverse_event(session, office.cw1, claim, rec.event.id, D(2025, 7, 10), "別人の死亡を記録",
                                   cfg=office.cfg)
    session.commit()
    assert undone.notes == [f"相続人の債権 {parts[0].id}、{parts[1].id} も取り消しました（決定取消）。残高は元の債権に戻りました"]
    after = service.state_of(session, claim, office.cfg)
    assert (after.balance, after.succeeded, after.due) == (before.balance, 0, before.due)
    assert standing(after, D(2025, 7, 20)).status == standing(before, D(2025, 7, 20)).status
    assert [standing(service.state_of(session, p, office.cfg), D(2025, 7, 20)).status for p in parts] == [
        Status.CANCELLED, Status.CANCELLED]
    assert totals(load_rows(session, office.admin, D(2025, 7, 20), office.cfg), lambda r: r.cw)[0].open_claims == (
        totals_before[0].open_claims)
    # every step is in the ledger and the audit log; the claim can take payments again
    reversals = [e for p in parts for e in service.load_events(session, p.id) if e.kind == Kind.REVERSAL]
    assert [e.data["reason"] for e in reversals] == [f"元の債権 {claim.id} の相続（承継）の取消: 別人の死亡を記録"] * 2
    assert len(audit.entries(session, action_prefix="claim.reversal")) == 3
    service.record_payment(session, office.cw1, claim, D(2025, 7, 21), 10_000, "counter", cfg=office.cfg)


def test_heir_shares_must_add_up_to_one(session, office):
    claim = add_claim(session, office, Basis.ART63, [("2024-10", 100_000)])
    heirs = [Heir("山田 花子", "配偶者", (1, 2)), Heir("山田 一郎", "長男", (1, 3))]
    with pytest.raises(LedgerError, match="相続分の合計が 5/6"):
        service.record_succession(session, office.cw1, claim, D(2025, 7, 1), D(2025, 6, 15), heirs, cfg=office.cfg)
    session.rollback()
    with pytest.raises(LedgerError, match="相続分 0/2"):
        service.record_succession(
            session, office.cw1, claim, D(2025, 7, 1), D(2025, 6, 15), [Heir("山田 花子", "配偶者", (0, 2))],
            cfg=office.cfg,
        )
    session.rollback()
    assert claim_count(session) == 1


# --- calendar -------------------------------------------------------------------------------------


def test_a_plan_past_the_holiday_calendar_is_recorded_with_a_warning(session, office):
    claim = add_claim(session, office, Basis.ART63, [("2024-10", 600_000)], due=D(2025, 4, 30))
    rec = service.record_plan(
        session, office.cw1, claim, D(2025, 5, 1), D(2028, 1, 1), 60, cfg=office.cfg, calendar=office.calendar
    )
    last_year = office.calendar.last_year
    assert rec.notes[0].startswith(f"祝日データ（kb_bot/data/holidays.csv）は{last_year}年まで")
    dues = [d for d, _ in rec.state.plan]
    assert len(dues) == 60 and dues[-1].year == 2032
    beyond = [d for d in dues if d.year > last_year]
    assert f"納期 {len(beyond)} 回" in rec.notes[0]
    assert all(d.weekday() < 5 for d in dues)
    assert D(2031, 1, 6) in dues  # 1/1–1/3 closed (closed_days), 1/4–1/5 a weekend


# --- 介護保険料加算 decided late ------------------------------------------------------------------------

KAIGO_HEADER = "ケース番号,被保険者番号,氏名,生年月日,年度,徴収方法,特別徴収開始月,4月,5月,6月,7月,8月,9月,10月,11月,12月,1月,2月,3月\n"


def kaigo_file(path, premium: int):
    months = ",".join(str(premium if i % 2 == 0 else 0) for i in range(12))
    path.write_text(KAIGO_HEADER + f"A-0001,0000000001,山田 太郎,1955-05-01,2025,普通,,{months}\n", encoding="utf-8")
    return path


def test_a_kaigo_change_decided_after_its_months_is_flagged(session, office, tmp_path):
    first = kaigo_file(tmp_path / "2025-1.csv", 6_200)
    draft = kaigo.import_file(session, office.sv1, first, office.cfg).drafts[0]
    assert kaigo.late_change(draft, D(2025, 4, 1)) is None  # decided in its first month: on time
    late = kaigo.late_change(draft, D(2025, 7, 10))
    assert late == kaigo.LateChange(("2025-04", "2025-06"), 12_400, 0)
    assert "追加支給" in late.message() and "第63条" not in late.message()
    kaigo.decide(session, office.cw1, draft, True, D(2025, 4, 1))
    session.commit()
    # the insurer lowers the premium; the change is decided in August for April on
    second = kaigo.import_file(session, office.sv1, kaigo_file(tmp_path / "2025-2.csv", 5_000), office.cfg).drafts[0]
    kaigo.decide(session, office.cw1, second, True, D(2025, 8, 20))
    session.commit()
    late = kaigo.late_change(second, D(2025, 8, 20))
    assert late == kaigo.LateChange(("2025-04", "2025-06"), 0, 2_400)  # 2025-08 is the decision's month
    assert "第63条の返還" in late.message()
    entries = audit.entries(session, action_prefix="kaigo.decide")
    assert entries[0].detail["late_months"] == ["2025-04", "2025-06"]
    assert (entries[0].detail["additional_payment"], entries[0].detail["art63_excess"]) == (0, 2_400)
    assert "late_months" not in entries[1].detail


def test_heirs_are_parsed_from_the_command_line_form():
    assert service.parse_heir("山田 一郎=長男=1/4=090-1234-5678") == Heir("山田 一郎", "長男", (1, 4), "090-1234-5678")
    assert service.parse_heir(" 山田 花子 = 配偶者 = 1 ") == Heir("山田 花子", "配偶者", (1, 1))
    with pytest.raises(UserError, match="氏名=続柄=相続分"):
        service.parse_heir("山田 一郎=1/4")
    with pytest.raises(UserError, match="相続分 '四分の一' は分数"):
        service.parse_heir("山田 一郎=長男=四分の一")
