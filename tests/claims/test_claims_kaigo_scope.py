"""The office-wide premium file imported once per scope (an administrator: the office; an SV: their teams),
one pending draft per person even when imports run at once, the migrations that brought the scope and that
rule to existing data, and the late-decision flag on the command line.

On SQLite and PostgreSQL (the ``session`` / ``db_url`` fixtures).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import threading
import time

import pytest
from alembic import command
from sqlalchemy import func, select, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from kb_bot import audit, users
from kb_bot.claims.cases import ClaimsError, add_case
from kb_bot.claims.config import ClaimsSettings
from kb_bot.claims.kaigo import decide, import_file, late_change_notice, list_drafts
from kb_bot.claims.models import KaigoBatch, KaigoDraft
from kb_bot.db import alembic_config, make_engine, migrate, session_scope
from test_claims_cli import setup_office
from test_claims_kaigo import row, write

D = dt.date


@pytest.fixture
def office_file(tmp_path):
    """The office-wide file: two cases of 保護1班 (sv1), one of 保護2班 (sv2)."""
    return write(
        tmp_path / "premiums-office.csv",
        [
            row("A-0001", "0000000001"),
            row("A-0003", "0000000003", name="鈴木 一郎"),
            row("B-0001", "0000000004", name="高橋 次郎"),
        ],
    )


def cases_of(result) -> list[str]:
    return sorted(d.case.case_number for d in result.drafts)


def drafts(session) -> int:
    return session.scalar(select(func.count()).select_from(KaigoDraft))


def test_each_teams_sv_imports_the_office_file_for_their_team(session, office, office_file):
    first = import_file(session, office.sv1, office_file, office.cfg)
    session.commit()
    assert cases_of(first) == ["A-0001", "A-0003"] and first.batch.scope.startswith("team:")
    second = import_file(session, office.sv2, office_file, office.cfg)
    session.commit()
    assert not second.already_imported and cases_of(second) == ["B-0001"]
    assert [d.case.case_number for d in list_drafts(session, office.cw3)] == ["B-0001"]
    assert second.batch.unmatched[0]["case_number"] == "A-0001"  # the other team's rows: reported, left alone
    for sv, batch in ((office.sv1, first.batch), (office.sv2, second.batch)):  # the same scope again
        again = import_file(session, sv, office_file, office.cfg)
        assert again.already_imported and again.batch.id == batch.id
    assert drafts(session) == 3
    [entry] = audit.entries(session, actor="sv2", action_prefix="kaigo.import")
    assert entry.detail["scope"] == second.batch.scope


def test_an_administrators_import_covers_every_team(session, office, office_file):
    result = import_file(session, office.admin, office_file, office.cfg)
    session.commit()
    assert cases_of(result) == ["A-0001", "A-0003", "B-0001"] and result.batch.scope == "office"
    for actor in (office.sv1, office.sv2, office.admin):
        again = import_file(session, actor, office_file, office.cfg)
        assert again.already_imported and again.batch.id == result.batch.id
    assert drafts(session) == 3


def test_an_administrator_after_one_team_drafts_only_for_the_others(session, office, office_file):
    team1 = import_file(session, office.sv1, office_file, office.cfg)
    session.commit()
    result = import_file(session, office.admin, office_file, office.cfg)
    session.commit()
    assert cases_of(result) == ["B-0001"] and (result.covered, result.superseded) == (2, 0)
    assert [b.id for b in result.earlier] == [team1.batch.id]
    assert [d.status for d in team1.drafts] == ["pending", "pending"]  # sv1's drafts are not replaced
    assert import_file(session, office.sv2, office_file, office.cfg).already_imported  # the office is covered


def test_an_sv_leading_two_teams_imports_for_the_one_not_yet_covered(session, office, office_file):
    team2 = session.scalar(select(users.Team).where(users.Team.name == "保護2班"))
    import_file(session, office.sv2, office_file, office.cfg)
    session.commit()
    team2.sv_user_id = office.sv1.id  # sv1 now leads both teams
    session.commit()
    result = import_file(session, office.sv1, office_file, office.cfg)
    assert cases_of(result) == ["A-0001", "A-0003"] and result.covered == 1
    assert result.batch.scope == f"team:{office.cw1.team_id}"
    session.commit()
    assert import_file(session, office.sv1, office_file, office.cfg).already_imported


def test_an_sv_without_a_team_is_told_who_imports(session, office, office_file):
    lone = users.add_user(session, "sv9", "sv", actor="setup")
    with pytest.raises(ClaimsError, match="班を担当していないため取り込めません"):
        import_file(session, lone, office_file, office.cfg)


def test_the_database_refuses_a_second_batch_for_the_same_file_and_scope(session, office, office_file):
    first = import_file(session, office.sv1, office_file, office.cfg)
    session.commit()
    session.add(
        KaigoBatch(
            file_sha256=first.batch.file_sha256,
            scope=first.batch.scope,
            file_name="again.csv",
            imported_by="sv1",
            row_count=3,
            approval_mode="cw",
            unmatched=[],
        )
    )
    with pytest.raises(IntegrityError):
        session.flush()


def import_meanwhile(session, engine, username: str, office_file, cfg) -> list[str]:
    """``username`` imports ``office_file`` in another session while ``session`` holds an import flushed but not
    committed; ``session`` commits after 3 s (the other import has found no batch and waits to write). The
    other import's error messages (none when it went through and committed)."""
    errors: list[str] = []

    def the_other_import() -> None:
        with Session(engine) as other:
            try:
                import_file(other, users.require_user(other, username), office_file, cfg)
                other.commit()
            except ClaimsError as e:
                errors.append(str(e))

    thread = threading.Thread(target=the_other_import)
    thread.start()
    time.sleep(3)
    session.commit()
    thread.join(timeout=60)
    session.expire_all()
    return errors


def test_two_imports_of_one_file_for_one_scope_at_once(session, office, office_file, engine):
    """The second of two concurrent imports by the same SV waits for the first, then gets one line."""
    import_file(session, office.sv1, office_file, office.cfg)  # flushed, not yet committed
    errors = import_meanwhile(session, engine, "sv1", office_file, office.cfg)
    assert errors == ["premiums-office.csv は同じ範囲で同時に取り込まれました。もう一度実行すると取込済みと表示されます"]
    assert session.scalar(select(func.count()).select_from(KaigoBatch)) == 1


def test_an_sv_and_an_administrator_importing_at_once_leave_one_pending_draft_per_person(
    session, office, office_file, engine
):
    """The administrator's import (the office) and sv1's (their team) run at once. Whichever way the database
    orders them, each person of 保護1班 ends with one pending draft: the later import replaces the earlier
    one's drafts or stops with nothing stored and a line saying to run it again."""
    import_file(session, office.admin, office_file, office.cfg)  # flushed, not yet committed
    errors = import_meanwhile(session, engine, "sv1", office_file, office.cfg)
    pending = session.execute(
        select(KaigoDraft.insured_number, func.count()).where(KaigoDraft.status == "pending")
        .group_by(KaigoDraft.insured_number).order_by(KaigoDraft.insured_number)
    ).all()
    assert pending == [("0000000001", 1), ("0000000003", 1), ("0000000004", 1)]
    batches = session.scalars(select(KaigoBatch.scope).order_by(KaigoBatch.id)).all()
    if errors:  # PostgreSQL: the SV's drafts collide with the administrator's on the unique index
        assert errors == [("premiums-office.csv の取込中に、別の取込が同じ人の下書きを作りました。何も取り込んでいません。"
                           "もう一度実行してください")]
        assert batches == ["office"]
        assert import_file(session, office.sv1, office_file, office.cfg).already_imported  # the retry
    else:  # SQLite: the SV's import waited for the lock, then saw the administrator's drafts and replaced them
        assert batches == ["office", f"team:{office.cw1.team_id}"]


def test_the_database_refuses_a_second_pending_draft_for_one_person_and_year(session, office, office_file):
    [first, *_] = import_file(session, office.sv1, office_file, office.cfg).drafts
    session.commit()
    twin = KaigoDraft(**{c: getattr(first, c) for c in ("batch_id", "case_id", "row", "insured_number", "person_name",
                                                         "fiscal_year", "collection", "kind", "amounts", "previous",
                                                         "effective_month", "reason", "status")})
    session.add(twin)
    with pytest.raises(IntegrityError):
        session.flush()
    session.rollback()
    twin.status = "superseded"  # a replaced draft beside the pending one is what every re-import leaves
    session.add(twin)
    session.flush()


def test_migration_gives_existing_batches_their_importers_scope(db_url, tmp_path, office_file):
    """A database with batches from before 0005 (one by an SV, one by an administrator, each with a pending
    draft for the same person): the upgrade keeps every row, gives each batch a scope, leaves the newer draft
    pending and the older superseded (0006), and the other team can then import the file."""
    command.upgrade(alembic_config(db_url), "0002_claims")
    engine = make_engine(db_url)
    try:
        with session_scope(engine) as s:
            admin = users.add_user(s, "admin", "admin", actor="setup")
            sv1 = users.add_user(s, "sv1", "sv", actor="setup")
            sv2 = users.add_user(s, "sv2", "sv", actor="setup")
            team1 = users.add_team(s, "保護1班", sv1, actor="setup")
            team2 = users.add_team(s, "保護2班", sv2, actor="setup")
            cw1 = users.add_user(s, "cw1", "cw", actor="setup", team=team1)
            cw3 = users.add_user(s, "cw3", "cw", actor="setup", team=team2)
            case1 = add_case(s, admin, "A-0001", cw1, "山田 太郎")
            add_case(s, admin, "A-0003", cw1, "鈴木 一郎")
            add_case(s, admin, "B-0001", cw3, "高橋 次郎")
            s.flush()
            digest = hashlib.sha256(office_file.read_bytes()).hexdigest()
            for who, sha in (("sv1", digest), ("admin", "0" * 64)):
                s.execute(
                    text(
                        "INSERT INTO kaigo_batches (file_sha256, file_name, imported_by, imported_at, row_count,"
                        " approval_mode, unmatched) VALUES (:sha, 'f.csv', :who, :at, 1, 'cw', '[]')"
                    ),
                    {"sha": sha, "who": who, "at": dt.datetime(2025, 4, 1, tzinfo=dt.UTC)},
                )
                s.execute(
                    text(
                        "INSERT INTO kaigo_drafts (batch_id, case_id, row, insured_number, person_name, fiscal_year,"
                        " collection, kind, amounts, previous, effective_month, reason, status) VALUES ("
                        "(SELECT id FROM kaigo_batches WHERE file_sha256 = :sha), :c, 2,"
                        " '0000000001', '山田 太郎', 2025, 'normal', 'new', '[1,0,0,0,0,0,0,0,0,0,0,0]',"
                        " '[0,0,0,0,0,0,0,0,0,0,0,0]', '2025-04', 'r', 'pending')"
                    ),
                    {"sha": sha, "c": case1.id},
                )
            team1_id = team1.id
    finally:
        engine.dispose()

    migrate(db_url)

    engine = make_engine(db_url)
    try:
        with session_scope(engine) as s:
            assert s.execute(select(KaigoBatch.imported_by, KaigoBatch.scope).order_by(KaigoBatch.id)).all() == [
                ("sv1", f"team:{team1_id}"),
                ("admin", "office"),
            ]
            assert s.scalars(select(KaigoDraft.batch_id).order_by(KaigoDraft.id)).all() == list(
                s.scalars(select(KaigoBatch.id).order_by(KaigoBatch.id))
            )
            # both batches drafted for the same person: the older draft is replaced by the newer one (0006)
            assert s.scalars(select(KaigoDraft.status).order_by(KaigoDraft.id)).all() == ["superseded", "pending"]
            sv2 = users.require_user(s, "sv2")
            result = import_file(s, sv2, office_file, ClaimsSettings())
            assert not result.already_imported and cases_of(result) == ["B-0001"]
            assert import_file(s, users.require_user(s, "sv1"), office_file, ClaimsSettings()).already_imported
        with pytest.raises(IntegrityError), session_scope(engine) as s:  # foreign keys are enforced again
            s.execute(text("UPDATE kaigo_drafts SET batch_id = 9999"))
    finally:
        engine.dispose()


# --- the late-decision flag ---------------------------------------------------------------------------------


def test_late_change_notice_names_the_draft_and_is_empty_on_time(session, office, office_file):
    draft = import_file(session, office.sv1, office_file, office.cfg).drafts[0]
    assert late_change_notice(draft, D(2025, 4, 30)) == ""
    notice = late_change_notice(draft, D(2025, 7, 1))
    assert notice == (
        f"注意: 下書き {draft.id}（ケース A-0001）: 2025-04〜2025-06 の 2 か月分は決定日より前の月の変更です。"
        "増額 計 12,000円 は追加支給が必要です"
    )
    decide(session, office.cw1, draft, True, D(2025, 7, 1))
    assert late_change_notice(draft, D(2025, 7, 1)) == notice  # the same line once approved


PREMIUMS = (
    "ケース番号,被保険者番号,氏名,生年月日,年度,徴収方法,特別徴収開始月,4月,5月,6月,7月,8月,9月,10月,11月,12月,1月,2月,3月\n"
    "A-0001,0000000001,山田 太郎,1955-05-01,2025,普通,,6000,,6000,,6000,,6000,,6000,,6000,\n"
)


def test_kaigo_decide_prints_the_late_decision_flag(kb, tmp_path):
    setup_office(kb)
    path = tmp_path / "premiums.csv"
    path.write_text(PREMIUMS, encoding="utf-8")
    assert kb("kaigo", "import", path, "--actor", "sv1")[0] == 0
    code, out, _ = kb("kaigo", "decide", "1", "--actor", "cw1", "--on", "2025-08-20")
    assert code == 0 and out.splitlines() == [
        "下書き 1（ケース A-0001・加算の新規計上）を承認しました（決定日 2025-08-20）",
        ("  注意: 下書き 1（ケース A-0001）: 2025-04〜2025-06 の 2 か月分は決定日より前の月の変更です。"
         "増額 計 12,000円 は追加支給が必要です"),
    ]
    # the insurer lowers the premium; decided in its first month there is nothing to flag
    path.write_text(PREMIUMS.replace("6000", "5000"), encoding="utf-8")
    assert kb("kaigo", "import", path, "--actor", "sv1")[0] == 0
    code, out, _ = kb("kaigo", "decide", "2", "--actor", "cw1", "--on", "2025-04-01")
    assert code == 0 and "注意" not in out


def test_approve_batch_prints_the_flag_of_each_late_draft(kb, tmp_path, monkeypatch):
    monkeypatch.setenv("KB_BOT_CLAIMS_KAIGO_APPROVAL", "sv_batch")
    setup_office(kb)
    path = tmp_path / "premiums.csv"
    path.write_text(PREMIUMS, encoding="utf-8")
    assert kb("kaigo", "import", path, "--actor", "sv1")[0] == 0
    code, out, _ = kb("kaigo", "approve-batch", "1", "--actor", "sv1", "--on", "2025-10-01")
    assert code == 0 and out.splitlines()[1] == (
        "  注意: 下書き 1（ケース A-0001）: 2025-04〜2025-08 の 3 か月分は決定日より前の月の変更です。"
        "増額 計 18,000円 は追加支給が必要です"
    )


def test_the_command_line_reports_rows_another_import_covered(kb, tmp_path):
    setup_office(kb)
    path = tmp_path / "premiums.csv"
    path.write_text(PREMIUMS, encoding="utf-8")
    assert kb("kaigo", "import", path, "--actor", "sv1")[0] == 0
    code, out, _ = kb("kaigo", "import", path, "--actor", "admin")
    assert code == 0 and "下書き 0 件" in out
    assert "このファイルの取込 1 で取込済みの班の行 1 件は、そのままにしました" in out
    code, out, _ = kb("kaigo", "import", path, "--actor", "admin")
    assert code == 0 and "取込 2（" in out and "取込済みです" in out
