"""The demo office of ``kb-bot serve --demo``: seeded once, on SQLite and PostgreSQL, with something on every list."""

from __future__ import annotations

import datetime as dt
import os

from sqlalchemy import func, select

from kb_bot import demo
from kb_bot.claims.cases import add_case
from kb_bot.claims.config import claims_settings
from kb_bot.claims.deadlines import alerts
from kb_bot.claims.dunning import export_dunning
from kb_bot.claims.kaigo import import_file
from kb_bot.claims.ledger import Basis, Status
from kb_bot.claims.lists import dunning_due, installments_missed, load_rows, prescription_within
from kb_bot.claims.models import Application, Case, Claim, ClaimEvent, Declaration
from kb_bot.commands.serve import ensure_demo_users
from kb_bot.db import session_scope
from kb_bot.settings import Settings, validate
from kb_bot.users import get_user

TODAY = dt.date(2026, 12, 1)
CONTACT_ENV = "KB_BOT_CLAIMS_OFFICE_CONTACT"
TABLES = (Case, Claim, ClaimEvent, Declaration, Application)


def counts(engine) -> list[int]:
    with session_scope(engine) as s:
        return [s.scalar(select(func.count()).select_from(t)) for t in TABLES]


def test_demo_office_is_seeded_once_with_every_list_filled(engine, tmp_path, monkeypatch):
    monkeypatch.delenv(CONTACT_ENV, raising=False)
    ensure_demo_users(engine)
    settings = validate(Settings(home=tmp_path))  # as `kb-bot serve` has it: every section read before the hook
    assert claims_settings(settings).office_contact == ""
    first = demo.start(engine, settings, TODAY)
    seeded = counts(engine)
    second = demo.start(engine, settings, TODAY)
    assert first.startswith("デモ事務所のデータ（ケース・申告・債権）を作成しました")
    assert second.startswith("デモ事務所のデータは作成済みです")
    assert counts(engine) == seeded and seeded[:2] == [4, 5]

    cfg = claims_settings(settings)  # what the app's tabs read from then on
    assert cfg.office_contact == demo.DEMO_OFFICE_CONTACT and CONTACT_ENV not in os.environ
    with session_scope(engine) as s:
        admin, sv1 = get_user(s, "admin"), get_user(s, "sv1")
        rows = load_rows(s, admin, TODAY, cfg)
        by_case = {(r.case_number, r.basis): r for r in rows}
        assert {r.basis for r in rows} == {Basis.ART63, Basis.ART77_2, Basis.ART78}
        assert by_case["D-0001", Basis.ART78].state.surcharge == 76_800  # 40 % of 192,000
        assert [r.case_number for r in installments_missed(rows)] == ["D-0004"]
        near = prescription_within(rows, TODAY, cfg.prescription_alert_months)
        assert [(r.case_number, r.status) for r in near] == [("D-0002", Status.OVERDUE)]
        assert near[0].state.prescription_date - TODAY < dt.timedelta(days=60)
        assert {r.case_number for r, _ in dunning_due(rows)} >= {"D-0001", "D-0004"}
        overdue = [a for a in alerts(s, admin, TODAY, cfg) if a.overdue and a.kind == "declaration"]
        assert [a.case_number for a in overdue] == ["D-0001"]
        # the tabs' actions work on the demo data: the dunning export and the kaigo file
        export = export_dunning(s, sv1, TODAY, tmp_path / "media", tmp_path / "letters", cfg)
        assert export.rows >= 1
        assert demo.DEMO_OFFICE_CONTACT in export.path.read_text(encoding="utf-8")
        kaigo = import_file(s, admin, tmp_path / "demo" / "kaigo-premiums-2026.csv", cfg)
        assert [d.case.case_number for d in kaigo.drafts] == ["D-0001", "D-0003"]
        assert kaigo.batch.unmatched == []


def test_demo_office_leaves_a_database_with_cases_alone(engine, tmp_path, monkeypatch):
    monkeypatch.setenv(CONTACT_ENV, "中央市 収納係 03-1111-1111")  # an office's own setting wins
    ensure_demo_users(engine)
    with session_scope(engine) as s:
        add_case(s, get_user(s, "admin"), "A-0001", get_user(s, "cw1"), "既存 世帯")
    assert demo.seed(engine, claims_settings(Settings(home=tmp_path)), TODAY) is False
    assert counts(engine)[:2] == [1, 0]
    settings = Settings(home=tmp_path)
    demo.start(engine, settings, TODAY)
    assert claims_settings(settings).office_contact == "中央市 収納係 03-1111-1111"
