"""One upper bound for money typed in (issue 11 item 6): a benefit month, a payment or a premium of
10^23 yen is refused at input, with the same parser on the command line, in the app and in the premium file."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from kb_bot.claims.cases import ClaimsError
from kb_bot.claims.forms import parse_deductions, parse_months
from kb_bot.claims.kaigo import KaigoFileError, import_file
from kb_bot.claims.models import Claim, ClaimEvent, KaigoBatch
from kb_bot.claims.money import MAX_YEN, parse_yen
from test_claims_cli import setup_office
from test_claims_kaigo import NORMAL, row, write

HUGE = str(10**23)


def test_the_bound_is_a_billion_yen_and_inclusive():
    assert MAX_YEN == 10**9 < 2**31 - 1
    assert parse_yen("1,000,000,000円", "収納額") == MAX_YEN
    with pytest.raises(ClaimsError, match="上限 1,000,000,000円 を超えています"):
        parse_yen("1000000001", "収納額")


def test_the_app_forms_refuse_a_huge_month_or_deduction():
    with pytest.raises(ClaimsError, match=r"支給月 2024-10 の額 .*上限"):
        parse_months(f"2024-10={HUGE}")
    with pytest.raises(ClaimsError, match=r"自立更生費 冷蔵庫 の額 .*上限"):
        parse_deductions(f"冷蔵庫={HUGE}=見積書")


def test_the_command_line_refuses_a_huge_month_and_payment(kb, db_url):
    setup_office(kb)
    base = ("claims", "add", "--case", "A-0001", "--basis", "63", "--decided-on", "2025-04-10", "--actor", "cw1")
    code, _, err = kb(*base, "--month", f"2024-10={HUGE}")
    assert code == 1 and "上限 1,000,000,000円 を超えています" in err
    code, _, err = kb(*base, "--month", "2024-10=50000", "--assessed-on", "2025-04-15", "--due", "2025-05-30")
    assert code == 0, err
    with pytest.raises(SystemExit) as exit_:
        kb("claims", "event", "1", "payment", "--on", "2025-06-01", "--amount", HUGE, "--actor", "cw1")
    assert exit_.value.code == 2
    from kb_bot.db import make_engine, session_scope

    engine = make_engine(db_url)
    with session_scope(engine) as s:
        assert s.scalar(select(func.count()).select_from(Claim)) == 1
        assert s.scalar(select(func.count()).select_from(ClaimEvent).where(ClaimEvent.kind == "payment")) == 0
    engine.dispose()


def test_a_huge_premium_refuses_the_whole_file(session, office, tmp_path):
    huge = [HUGE, *NORMAL[1:]]
    path = write(tmp_path / "premiums.csv", [row("A-0001", "0000000001"), row("A-0002", "0000000002", amounts=huge)])
    with pytest.raises(KaigoFileError) as err:
        import_file(session, office.sv1, path, office.cfg)
    assert err.value.problems == [f"3行目: 4月 の保険料額 {10**23:,}円 は上限 1,000,000,000円 を超えています。桁を確認してください"]
    session.rollback()
    assert session.scalar(select(func.count()).select_from(KaigoBatch)) == 0


def test_the_ledger_refuses_a_huge_amount_that_bypasses_the_parsers():
    from kb_bot.claims.ledger import Kind, LedgerError, monthly_schedule
    from ledger_helpers import assessed_claim

    ledger = assessed_claim()
    with pytest.raises(LedgerError, match=r"収納額 .*上限 1,000,000,000円"):
        ledger.add(Kind.PAYMENT, ledger.events[-1].on, amount=10**23, route="counter")
    with pytest.raises(LedgerError, match="分納回数 1000000000 回は多すぎます"):
        monthly_schedule(100_000, ledger.events[-1].on, 10**9, lambda d: d)
