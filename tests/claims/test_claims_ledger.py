"""The ledger rules, without a database."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest

from kb_bot.claims.config import ClaimsSettings
from kb_bot.claims.ledger import (
    Context,
    Kind,
    LedgerError,
    MonthSplit,
    Status,
    bankruptcy_treatment,
    fold,
    installment_status,
    month_split,
    monthly_schedule,
    standing,
    status,
    surcharge_cap,
)
from tests.claims.ledger_helpers import D, Ledger, assessed_claim, decision

OLD_MONTHS = [("2019-04", 50_000), ("2019-05", 50_000)]


def state(ledger: Ledger):
    return fold(ledger.events, ledger.cfg)


# --- decision ---------------------------------------------------------------------------------


def test_surcharge_cap_is_40_percent_floored_to_the_yen():
    assert surcharge_cap(123_457) == 49_382  # 49,382.8
    assert surcharge_cap(100_000) == 40_000
    assert surcharge_cap(2) == 0


def test_surcharge_up_to_the_cap_is_its_own_line():
    months = [("2024-10", 61_728), ("2024-11", 61_729)]  # 123,457
    ledger = assessed_claim("78", months, surcharge=49_382)
    s = state(ledger)
    assert (s.principal, s.surcharge, s.assessed) == (123_457, 49_382, 172_839)
    with pytest.raises(LedgerError, match=r"上限.*49,382円"):
        Ledger().add(Kind.DECISION, D(2025, 3, 1), **decision("78", months, surcharge=49_383))


def test_surcharge_only_on_article_78():
    with pytest.raises(LedgerError, match="第78条の徴収金にだけ"):
        Ledger().add(Kind.DECISION, D(2025, 3, 1), **decision("63", surcharge=1_000))


def test_self_support_deductions_reduce_63_and_are_refused_for_78():
    deductions = [{"category": "冷蔵庫", "amount": 45_000, "note": "見積書"}]
    ledger = assessed_claim("63", deductions=deductions)
    assert state(ledger).principal == 55_000 and state(ledger).assessed == 55_000
    with pytest.raises(LedgerError, match="第78条の徴収金には自立更生費の控除はできません"):
        Ledger().add(Kind.DECISION, D(2025, 3, 1), **decision("78", deductions=deductions))
    with pytest.raises(LedgerError, match="返還額が残りません"):
        Ledger().add(
            Kind.DECISION, D(2025, 3, 1), **decision("63", deductions=[{"category": "家屋補修", "amount": 100_000}])
        )


def test_77_2_only_for_benefits_from_2018_10_and_never_for_office_error():
    with pytest.raises(LedgerError, match=r"2018-09 は対象外.*第63条"):
        Ledger().add(Kind.DECISION, D(2025, 3, 1), **decision("77-2", [("2018-09", 1), ("2018-10", 1)]))
    with pytest.raises(LedgerError, match="施行規則第22条の3"):
        Ledger().add(Kind.DECISION, D(2025, 3, 1), **decision("77-2", [("2019-01", 1)], cause="office_error"))
    Ledger().add(Kind.DECISION, D(2025, 3, 1), **decision("77-2", [("2018-10", 1)]))


def test_decision_input_errors_are_explained():
    for data, message in [
        (decision(months=[("2024-04", 0)]), "1円以上"),
        (decision(months=[("2024-04", 10.5)]), "円単位の整数"),
        (decision(months=[("2024-04", 1), ("2024-04", 2)]), "重複"),
        (decision(months=[("2025-04", 1)]), "決定日 2025-03-01 より後"),
        (decision(months=[("24/4", 1)]), "YYYY-MM"),
        ({**decision(), "basis": "99"}, "63 / 77-2 / 78"),
        ({**decision(), "debtor": {"name": " "}}, "債務者の氏名"),
    ]:
        with pytest.raises(LedgerError, match=message):
            Ledger().add(Kind.DECISION, D(2025, 3, 1), **data)


def test_events_need_a_decision_and_an_assessment_first():
    with pytest.raises(LedgerError, match="決定が記録されていません"):
        Ledger().add(Kind.PAYMENT, D(2025, 3, 1), amount=1, route="counter")
    ledger = Ledger()
    ledger.add(Kind.DECISION, D(2025, 3, 1), **decision())
    with pytest.raises(LedgerError, match="調定前"):
        ledger.add(Kind.PAYMENT, D(2025, 3, 2), amount=1, route="counter")
    with pytest.raises(LedgerError, match="決定額 100,000円"):
        ledger.add(Kind.ASSESSMENT, D(2025, 3, 2), amount=99_999, due="2025-04-30")
    ledger.add(Kind.ASSESSMENT, D(2025, 3, 2), amount=100_000, due="2025-04-30")
    with pytest.raises(LedgerError, match="調定は記録済み"):
        ledger.add(Kind.ASSESSMENT, D(2025, 3, 3), amount=100_000, due="2025-04-30")


# --- payments -----------------------------------------------------------------------------------


def test_overpayment_becomes_refund_due_never_applied_elsewhere():
    ledger = assessed_claim()
    ledger.add(Kind.PAYMENT, D(2025, 4, 1), amount=30_000, route="counter")
    ledger.add(Kind.PAYMENT, D(2025, 4, 2), amount=90_000, route="account")
    s = state(ledger)
    assert (s.balance, s.overpaid, s.refund_due, s.paid) == (0, 20_000, 20_000, 120_000)
    assert status(s, D(2025, 5, 1)) == Status.PAID
    with pytest.raises(LedgerError, match="過誤納額 20,000円 を超えて"):
        ledger.add(Kind.REFUND, D(2025, 4, 10), amount=20_001)
    ledger.add(Kind.REFUND, D(2025, 4, 10), amount=20_000)
    assert state(ledger).refund_due == 0


def test_offset_from_benefits_needs_77_2_or_78_and_an_earlier_request():
    ledger63 = assessed_claim("63")
    with pytest.raises(LedgerError, match="第63条返還金は納付書で"):
        ledger63.add(Kind.PAYMENT, D(2025, 4, 1), amount=5_000, route="benefit")
    with pytest.raises(LedgerError, match="申出は第77条の2・第78条"):
        ledger63.add(Kind.OFFSET_REQUEST, D(2025, 3, 15))

    ledger = assessed_claim("78", [("2024-10", 100_000)], ctx=Context(case_closed_on=D(2025, 6, 30)))
    with pytest.raises(LedgerError, match="より前の日付の申出"):
        ledger.add(Kind.PAYMENT, D(2025, 4, 1), amount=5_000, route="benefit")
    ledger.add(Kind.OFFSET_REQUEST, D(2025, 4, 1))
    with pytest.raises(LedgerError, match="より前の日付の申出"):  # same day is not "before"
        ledger.add(Kind.PAYMENT, D(2025, 4, 1), amount=5_000, route="benefit")
    ledger.add(Kind.PAYMENT, D(2025, 4, 2), amount=5_000, route="benefit")
    assert state(ledger).balance == 95_000
    with pytest.raises(LedgerError, match="保護廃止（2025-06-30）後"):
        ledger.add(Kind.PAYMENT, D(2025, 7, 1), amount=5_000, route="benefit")


def test_withdrawn_offset_request_stops_offsets():
    ledger = assessed_claim("77-2", [("2019-01", 100_000)])
    request = ledger.add(Kind.OFFSET_REQUEST, D(2025, 4, 1))
    ledger.add(Kind.REVERSAL, D(2025, 4, 5), reverses=request.id, reason="申出の撤回")
    with pytest.raises(LedgerError, match="申出"):
        ledger.add(Kind.PAYMENT, D(2025, 4, 10), amount=5_000, route="benefit")


def test_payment_input_errors():
    ledger = assessed_claim()
    for data, message in [
        ({"amount": 0, "route": "counter"}, "1円以上"),
        ({"amount": 100.0, "route": "counter"}, "整数"),
        ({"amount": 100, "route": "cash"}, "counter"),
    ]:
        with pytest.raises(LedgerError, match=message):
            ledger.add(Kind.PAYMENT, D(2025, 4, 1), **data)


# --- 督促 and 時効 --------------------------------------------------------------------------------


def test_dunning_only_after_due_date_and_once_per_due_date():
    ledger = assessed_claim(due=D(2025, 4, 30))
    with pytest.raises(LedgerError, match="納期限（2025-04-30）の翌日以降"):
        ledger.add(Kind.DUNNING, D(2025, 4, 30), deadline="2025-05-12", for_due="2025-04-30")
    assert standing(state(ledger), D(2025, 5, 1)).needs_dunning == D(2025, 4, 30)
    ledger.add(Kind.DUNNING, D(2025, 5, 1), deadline="2025-05-12", for_due="2025-04-30")
    assert standing(state(ledger), D(2025, 5, 2)).needs_dunning is None
    with pytest.raises(LedgerError, match=r"督促は一度だけ.*催告"):
        ledger.add(Kind.DUNNING, D(2025, 6, 1), deadline="2025-06-12", for_due="2025-04-30")
    with pytest.raises(LedgerError, match=r"指定期限.*より後"):
        assessed_claim().add(Kind.DUNNING, D(2025, 5, 1), deadline="2025-05-01", for_due="2025-04-30")
    ledger.add(Kind.REMINDER, D(2025, 6, 1), method="電話")
    assert state(ledger).reminders == 1


def test_prescription_is_five_years_from_the_day_after_due_date_and_renewed_by_dunning():
    ledger = assessed_claim(months=OLD_MONTHS, due=D(2020, 4, 30))
    assert state(ledger).reckoning == D(2020, 5, 1)
    assert state(ledger).prescription_date == D(2025, 5, 1)
    ledger.add(Kind.DUNNING, D(2020, 5, 20), deadline="2020-06-01", for_due="2020-04-30")
    assert state(ledger).prescription_date == D(2025, 6, 2)  # after_deadline (default)
    after_dunning = dataclasses.replace(ledger.cfg, dunning_renewal_start="after_dunning")
    assert fold(ledger.events, after_dunning).prescription_date == D(2025, 5, 21)


NO_PAYMENT_RENEWAL = ClaimsSettings(prescription_renewal_events=())


def test_past_prescription_a_payment_is_refused_unless_marked_for_refund():
    ledger = assessed_claim(months=OLD_MONTHS, due=D(2020, 4, 30), cfg=NO_PAYMENT_RENEWAL)
    ledger.add(Kind.PAYMENT, D(2025, 4, 30), amount=10_000, route="counter")  # last day: still collectible
    assert status(state(ledger), D(2025, 4, 30)) == Status.OVERDUE
    assert status(state(ledger), D(2025, 5, 1)) == Status.PRESCRIBED
    with pytest.raises(LedgerError, match=r"時効完成日（2025-05-01）を過ぎた.*--refund"):
        ledger.add(Kind.PAYMENT, D(2025, 5, 1), amount=5_000, route="counter")
    ledger.add(Kind.PAYMENT, D(2025, 5, 1), amount=5_000, route="counter", refund=True)
    s = state(ledger)
    assert (s.balance, s.refund_due, s.paid_past_prescription) == (90_000, 5_000, 5_000)
    with pytest.raises(LedgerError, match="時効完成前の収納に還付指定"):
        assessed_claim().add(Kind.PAYMENT, D(2025, 4, 1), amount=1, route="counter", refund=True)
    with pytest.raises(LedgerError, match="不納欠損の手続"):
        ledger.add(Kind.DUNNING, D(2025, 6, 1), deadline="2025-06-12", for_due="2020-04-30")
    ledger.add(Kind.WRITE_OFF, D(2025, 6, 1), amount=90_000, reason="時効完成")
    assert status(state(ledger), D(2025, 6, 2)) == Status.WRITTEN_OFF


def test_other_renewals_only_where_settings_say_so():
    def ledger_with(cfg: ClaimsSettings) -> Ledger:
        ledger = assessed_claim(months=OLD_MONTHS, due=D(2020, 4, 30), cfg=cfg)
        ledger.add(Kind.PAYMENT, D(2021, 1, 10), amount=1_000, route="counter")
        ledger.add(Kind.INSTALLMENT_PLAN, D(2021, 2, 1), schedule=[["2021-03-01", 50_000], ["2021-04-01", 49_000]])
        return ledger

    assert state(ledger_with(NO_PAYMENT_RENEWAL)).prescription_date == D(2025, 5, 1)
    assert state(ledger_with(ClaimsSettings())).prescription_date == D(2026, 1, 11)  # 一部納付 = 承認 by default
    plan = ClaimsSettings(prescription_renewal_events=("installment_plan", "payment"))
    assert state(ledger_with(plan)).prescription_date == D(2026, 2, 2)
    explicit = ledger_with(NO_PAYMENT_RENEWAL)
    with pytest.raises(LedgerError, match="理由"):
        explicit.add(Kind.RENEWAL, D(2022, 3, 1))
    explicit.add(Kind.RENEWAL, D(2022, 3, 1), reason="債務承認書を受領")
    assert state(explicit).prescription_date == D(2027, 3, 2)


# --- installments, write-off, reversal ---------------------------------------------------------


def test_installment_plan_must_cover_the_balance_and_missed_installments_are_found():
    ledger = assessed_claim(due=D(2025, 4, 30))
    ledger.add(Kind.PAYMENT, D(2025, 4, 1), amount=10_000, route="counter")
    with pytest.raises(LedgerError, match="残高 90,000円 と一致しません"):
        ledger.add(Kind.INSTALLMENT_PLAN, D(2025, 5, 1), schedule=[["2025-05-31", 10_000]])
    with pytest.raises(LedgerError, match="日付順"):
        ledger.add(Kind.INSTALLMENT_PLAN, D(2025, 5, 1), schedule=[["2025-06-30", 45_000], ["2025-05-31", 45_000]])
    ledger.add(
        Kind.INSTALLMENT_PLAN,
        D(2025, 5, 1),
        schedule=[["2025-05-30", 30_000], ["2025-06-30", 30_000], ["2025-07-31", 30_000]],
    )
    ledger.add(Kind.PAYMENT, D(2025, 5, 29), amount=30_000, route="account")
    s = state(ledger)
    assert status(s, D(2025, 6, 30)) == Status.INSTALLMENTS
    assert status(s, D(2025, 7, 1)) == Status.INSTALLMENTS_MISSED
    inst = installment_status(s, D(2025, 7, 1))
    assert (inst.scheduled, inst.paid, inst.missed, inst.first_missed_due) == (60_000, 30_000, 30_000, D(2025, 6, 30))
    assert standing(s, D(2025, 7, 1)).overdue == 30_000
    with pytest.raises(LedgerError, match="不履行の分納はありません"):
        ledger.add(Kind.DUNNING, D(2025, 6, 15), deadline="2025-06-25", for_due="2025-06-30")
    ledger.add(Kind.DUNNING, D(2025, 7, 1), deadline="2025-07-11", for_due="2025-06-30")
    assert standing(state(ledger), D(2025, 7, 2)).needs_dunning is None
    assert standing(state(ledger), D(2025, 8, 1)).needs_dunning is None  # the 6/30 default is still the earliest


def test_write_off_limited_to_balance():
    ledger = assessed_claim()
    with pytest.raises(LedgerError, match="残高 100,000円 を超えて"):
        ledger.add(Kind.WRITE_OFF, D(2025, 6, 1), amount=100_001, reason="免責")
    ledger.add(Kind.WRITE_OFF, D(2025, 6, 1), amount=40_000, reason="免責（一部）")
    assert state(ledger).balance == 60_000


def test_reversal_rules():
    ledger = assessed_claim()
    pay = ledger.add(Kind.PAYMENT, D(2025, 4, 1), amount=120_000, route="counter")
    refund = ledger.add(Kind.REFUND, D(2025, 4, 5), amount=20_000)
    with pytest.raises(LedgerError, match="先に還付の記録を取り消して"):
        ledger.add(Kind.REVERSAL, D(2025, 4, 6), reverses=pay.id, reason="二重計上")
    with pytest.raises(LedgerError, match="理由"):
        ledger.add(Kind.REVERSAL, D(2025, 4, 6), reverses=refund.id)
    with pytest.raises(LedgerError, match="元の記録の日付"):
        ledger.add(Kind.REVERSAL, D(2025, 4, 4), reverses=refund.id, reason="誤り")
    undo = ledger.add(Kind.REVERSAL, D(2025, 4, 6), reverses=refund.id, reason="誤り")
    with pytest.raises(LedgerError, match="すでに取り消されて"):
        ledger.add(Kind.REVERSAL, D(2025, 4, 7), reverses=refund.id, reason="誤り")
    with pytest.raises(LedgerError, match="取消の記録は取り消せません"):
        ledger.add(Kind.REVERSAL, D(2025, 4, 7), reverses=undo.id, reason="誤り")
    with pytest.raises(LedgerError, match="この債権にありません"):
        ledger.add(Kind.REVERSAL, D(2025, 4, 7), reverses=999, reason="誤り")
    ledger.add(Kind.REVERSAL, D(2025, 4, 7), reverses=pay.id, reason="二重計上")
    s = state(ledger)
    assert (s.balance, s.paid, s.refund_due, s.reversed_ids) == (100_000, 0, 0, frozenset({pay.id, refund.id}))
    with pytest.raises(LedgerError, match="先に調定を取り消して"):
        ledger.add(Kind.REVERSAL, D(2025, 4, 8), reverses=1, reason="決定の誤り")
    ledger.add(Kind.REVERSAL, D(2025, 4, 8), reverses=2, reason="調定の誤り")
    ledger.add(Kind.REVERSAL, D(2025, 4, 8), reverses=1, reason="決定の誤り")
    assert status(state(ledger), D(2025, 4, 9)) == Status.CANCELLED


def test_payments_go_to_principal_first_then_surcharge():
    ledger = assessed_claim("78", [("2024-10", 100_000)], surcharge=40_000)
    ledger.add(Kind.PAYMENT, D(2025, 4, 1), amount=90_000, route="counter")
    s = state(ledger)
    assert (s.principal_balance, s.surcharge_balance) == (10_000, 40_000)
    ledger.add(Kind.PAYMENT, D(2025, 4, 2), amount=25_000, route="counter")
    s = state(ledger)
    assert (s.principal_balance, s.surcharge_balance, s.balance) == (0, 25_000, 25_000)


def test_debtor_change_keeps_the_claim_and_changes_the_contact():
    ledger = assessed_claim()
    with pytest.raises(LedgerError, match="理由"):
        ledger.add(Kind.DEBTOR_CHANGE, D(2025, 5, 1), name="山田 花子")
    ledger.add(
        Kind.DEBTOR_CHANGE,
        D(2025, 5, 1),
        name="山田 花子",
        relation="相続人（長女）",
        phone="08011112222",
        reason="債務者死亡による相続",
    )
    assert state(ledger).debtor.name == "山田 花子" and state(ledger).debtor.phone == "08011112222"
    ledger.add(Kind.TRANSFER_NOTE, D(2025, 6, 1), note="○○市へ転出。債権は当市に残る")
    assert state(ledger).balance == 100_000


def test_statuses_over_time():
    ledger = assessed_claim(due=D(2025, 4, 30))
    s = state(ledger)
    assert status(s, D(2025, 4, 30)) == Status.NOT_DUE
    assert status(s, D(2025, 5, 1)) == Status.OVERDUE
    unassessed = Ledger()
    unassessed.add(Kind.DECISION, D(2025, 3, 1), **decision())
    assert status(state(unassessed), D(2025, 4, 1)) == Status.UNASSESSED


# --- bankruptcy split --------------------------------------------------------------------------


def test_month_split_and_bankruptcy_treatment():
    mixed = assessed_claim("63", [("2018-08", 30_000), ("2018-09", 30_000), ("2018-10", 30_000)])
    assert month_split(state(mixed)) == MonthSplit(before=60_000, after=30_000)
    assert "免責されうる" in bankruptcy_treatment(state(mixed)) and "30,000円" in bankruptcy_treatment(state(mixed))
    assert bankruptcy_treatment(state(assessed_claim("78", [("2017-01", 10_000)]))).startswith("非免責")
    assert bankruptcy_treatment(state(assessed_claim("77-2", [("2019-01", 10_000)]))).startswith("非免責")
    error = assessed_claim("63", [("2020-01", 10_000)], cause="office_error")
    assert "過誤" in bankruptcy_treatment(state(error))
    old = assessed_claim("63", [("2017-01", 10_000)])
    assert bankruptcy_treatment(state(old)) == "免責されうる（2018年10月前の支給分の第63条返還金）"


# --- schedules ----------------------------------------------------------------------------------


def test_monthly_schedule_puts_remainder_first_and_rolls_due_dates():
    def roll(d: dt.date) -> dt.date:
        return d + dt.timedelta(days=2) if d.weekday() == 5 else d

    schedule = monthly_schedule(100_001, D(2025, 1, 31), 3, roll)
    assert [a for _, a in schedule] == [33_335, 33_333, 33_333]
    assert [d for d, _ in schedule] == [D(2025, 1, 31), D(2025, 2, 28), D(2025, 3, 31)]
    assert monthly_schedule(10, D(2025, 3, 1), 1, roll) == [(D(2025, 3, 3), 10)]  # Saturday → Monday
    with pytest.raises(LedgerError, match="分けられません"):
        monthly_schedule(2, D(2025, 1, 1), 3, roll)
