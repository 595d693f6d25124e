"""Bulk 介護保険料加算: validation, drafts, the two approval modes, idempotent re-import, notices."""

from __future__ import annotations

import csv
import dataclasses
import datetime as dt
import io
from pathlib import Path

import pytest

from kb_bot import audit
from kb_bot.claims.cases import ClaimsError, close_case
from kb_bot.claims.kaigo import (
    COLUMNS,
    KaigoFileError,
    approve_batch,
    current_amounts,
    decide,
    get_draft,
    import_file,
    list_drafts,
    notices_csv,
)
from kb_bot.claims.models import KaigoBatch, KaigoDecision, KaigoDraft
from kb_bot.users import PermissionDenied

D = dt.date
NORMAL = [6_000, 0, 6_000, 0, 6_000, 0, 6_000, 0, 6_000, 0, 6_000, 0]


def row(
    case: str,
    insured: str,
    name: str = "山田 太郎",
    birth: str = "1955-05-01",
    year: str = "2025",
    method: str = "普通",
    special_from: str = "",
    amounts: list[int | str] | None = None,
) -> list[str]:
    return [case, insured, name, birth, year, method, special_from, *(str(a) for a in (amounts or NORMAL))]


def write(path: Path, rows: list[list[str]], encoding: str = "utf-8") -> Path:
    out = io.StringIO()
    w = csv.writer(out)
    w.writerow(COLUMNS)
    w.writerows(rows)
    path.write_bytes(out.getvalue().encode(encoding))
    return path


def test_invalid_rows_are_all_reported_and_nothing_is_stored(session, office, tmp_path):
    path = write(
        tmp_path / "bad.csv",
        [
            row("A-0001", "0000000001"),
            row("A-0002", "12345", name=""),
            row("A-0003", "0000000003", birth="1970-01-01", method="天引き"),
            row("A-0003", "0000000004", amounts=[0] * 12),
            row("A-0001", "0000000001"),
            row("B-0001", "0000000005", method="特別", special_from="2025-10", amounts=[0] * 7 + [6_000] + [0] * 4),
            row("B-0001", "0000000006", amounts=["6,000", "x"] + [0] * 10),
        ],
    )
    with pytest.raises(KaigoFileError) as err:
        import_file(session, office.sv1, path, office.cfg)
    problems = "\n".join(err.value.problems)
    for expected in [
        "3行目: 被保険者番号 '12345'",
        "3行目: 氏名が空",
        "4行目: 生年月日 1970-01-01 では 2025年度中に65歳にならず",
        "4行目: 徴収方法 '天引き'",
        "5行目: 普通徴収なのに",
        "6行目: 被保険者番号 0000000001 の 2025年度 は 2行目",
        "7行目: 特別徴収開始月 2025-10 以後の 11月",
        "8行目: 5月 の保険料額 'x'",
    ]:
        assert expected in problems, expected
    session.rollback()
    assert session.query(KaigoBatch).count() == 0 and session.query(KaigoDraft).count() == 0
    with pytest.raises(KaigoFileError, match=r"列 .*3月"):
        (tmp_path / "cols.csv").write_text("ケース番号,被保険者番号\nA-0001,0000000001\n", encoding="utf-8")
        import_file(session, office.sv1, tmp_path / "cols.csv", office.cfg)


def test_first_insured_age_counts_to_the_end_of_the_fiscal_year(session, office, tmp_path):
    # born 1961-04-01: reaches 65 on 2026-03-31 (the day before the birthday) → within FY2025
    path = write(
        tmp_path / "age.csv",
        [row("A-0001", "0000000001", birth="1961-04-01"), row("A-0002", "0000000002", birth="1961-04-02")],
    )
    with pytest.raises(KaigoFileError) as err:
        import_file(session, office.sv1, path, office.cfg)
    assert len(err.value.problems) == 1 and err.value.problems[0].startswith("3行目")


def _first_import(session, office, tmp_path):
    path = write(
        tmp_path / "kaigo-2025.csv",
        [
            row("A-0001", "0000000001"),  # 普通 → new
            row("A-0003", "0000000003", name="鈴木 一郎", method="特別", amounts=[0] * 12),  # 特別 → none
            row("Z-9999", "0000000009", name="不明 者"),  # unmatched
        ],
        encoding="cp932",
    )
    return import_file(session, office.admin, path, office.cfg)


def test_cw_mode_drafts_decisions_and_idempotent_reimport(session, office, tmp_path):
    result = _first_import(session, office, tmp_path)
    session.commit()
    assert [(d.case.case_number, d.kind, d.status) for d in result.drafts] == [
        ("A-0001", "new", "pending"),
        ("A-0003", "none", "no_action"),
    ]
    assert "特別徴収" in result.drafts[1].reason and "収入認定で控除" in result.drafts[1].reason
    assert result.batch.unmatched == [
        {"row": 4, "case_number": "Z-9999", "name": "不明 者", "reason": "ケース番号が登録されていません"}
    ]
    again = import_file(session, office.admin, tmp_path / "kaigo-2025.csv", office.cfg)
    assert again.already_imported and again.batch.id == result.batch.id
    assert session.query(KaigoDraft).count() == 2

    draft = result.drafts[0]
    with pytest.raises(PermissionDenied, match="担当CWが1件ずつ"):
        decide(session, office.sv1, draft, True, D(2025, 4, 1))
    with pytest.raises(ClaimsError, match="閲覧の権限"):
        get_draft(session, office.cw3, draft.id)
    with pytest.raises(ClaimsError, match="理由"):
        decide(session, office.cw1, draft, False, D(2025, 4, 1))
    decision = decide(session, office.cw1, draft, True, D(2025, 4, 1))
    session.commit()
    assert (decision.outcome, decision.mode, draft.status) == ("approved", "cw", "approved")
    assert current_amounts(session, office.case1.id, "0000000001", 2025) == NORMAL
    with pytest.raises(ClaimsError, match="決定済"):
        decide(session, office.cw1, draft, True, D(2025, 4, 2))
    assert audit.entries(session, action_prefix="kaigo.decide")[0].detail["outcome"] == "approved"
    assert [d.id for d in list_drafts(session, office.cw1)] == []


def test_changes_and_switch_to_pension_deduction(session, office, tmp_path):
    first = _first_import(session, office, tmp_path)
    decide(session, office.cw1, first.drafts[0], True, D(2025, 4, 1))
    session.commit()
    raised = [*NORMAL[:6], 7_000, 0, 7_000, 0, 7_000, 0]
    path = write(
        tmp_path / "kaigo-2025-10.csv",
        [
            row("A-0001", "0000000001", amounts=raised),
            row("A-0003", "0000000003", name="鈴木 一郎", method="特別", amounts=[0] * 12),  # unchanged
        ],
    )
    second = import_file(session, office.admin, path, office.cfg)
    assert [(d.kind, d.effective_month, d.previous, d.amounts) for d in second.drafts] == [
        ("changed", "2025-10", NORMAL, raised)
    ]
    assert second.unchanged == 1
    decide(session, office.cw1, second.drafts[0], True, D(2025, 9, 20))
    switched = NORMAL[:6] + [0] * 6
    path = write(
        tmp_path / "kaigo-2025-special.csv",
        [row("A-0001", "0000000001", method="特別", special_from="2025-10", amounts=switched)],
    )
    third = import_file(session, office.admin, path, office.cfg)
    (ended,) = third.drafts
    assert (ended.kind, ended.effective_month) == ("ended", "2025-10")
    assert "特別徴収（年金からの天引き）への切替え" in ended.reason and "（2025-10から）" in ended.reason


def test_newer_file_supersedes_pending_drafts(session, office, tmp_path):
    first = _first_import(session, office, tmp_path)
    path = write(tmp_path / "kaigo-fix.csv", [row("A-0001", "0000000001", amounts=[5_000] + [0] * 11)])
    second = import_file(session, office.admin, path, office.cfg)
    assert second.superseded == 1 and first.drafts[0].status == "superseded"
    with pytest.raises(ClaimsError, match="新しい取込で置換"):
        decide(session, office.cw1, first.drafts[0], True, D(2025, 4, 1))


def test_closed_cases_are_reported_not_drafted(session, office, tmp_path):
    close_case(session, office.admin, office.case1, D(2025, 3, 31))
    result = _first_import(session, office, tmp_path)
    assert [d.case.case_number for d in result.drafts] == ["A-0003"]
    assert result.batch.unmatched[0]["reason"].startswith("保護廃止（2025-03-31）")


def test_sv_batch_mode_and_notices(session, office, tmp_path):
    cfg = dataclasses.replace(office.cfg, kaigo_approval="sv_batch")
    path = write(
        tmp_path / "kaigo.csv",
        [
            row("A-0001", "0000000001"),
            row("A-0002", "0000000002", name="佐藤 花子"),
            row("B-0001", "0000000005", name="高橋 次郎"),
        ],
    )
    result = import_file(session, office.admin, path, cfg)
    with pytest.raises(PermissionDenied, match="班のSV"):
        decide(session, office.cw1, result.drafts[0], True, D(2025, 4, 1))
    cw_mode = write(tmp_path / "other.csv", [row("A-0003", "0000000003", method="特別", amounts=[0] * 12)])
    with pytest.raises(ClaimsError, match="kaigo decide"):
        approve_batch(session, office.sv1, import_file(session, office.admin, cw_mode, office.cfg).batch, D(2025, 4, 1))
    decide(session, office.sv1, result.drafts[1], False, D(2025, 4, 1), note="世帯分離の確認中")
    decisions = approve_batch(session, office.sv1, result.batch, D(2025, 4, 1))
    session.commit()
    assert [d.draft.case.case_number for d in decisions] == ["A-0001"]  # sv1's team, still pending
    assert result.drafts[2].status == "pending"  # the other team's SV decides it
    approve_batch(session, office.sv2, result.batch, D(2025, 4, 2))
    with pytest.raises(ClaimsError, match="決定待ちの下書きはありません"):
        approve_batch(session, office.sv2, result.batch, D(2025, 4, 2))
    assert session.query(KaigoDecision).count() == 3
    notices = list(csv.reader(io.StringIO(notices_csv(session, office.sv1, result.batch))))
    assert len(notices) == 2
    header, body = notices
    record = dict(zip(header, body, strict=True))
    assert (record["ケース番号"], record["変更の内容"], record["適用月"], record["変更後4月"], record["決定者"]) == (
        "A-0001",
        "加算の新規計上",
        "2025-04",
        "6000",
        "指導 一郎",
    )
    assert record["根拠"].startswith("生活保護法第25条第2項")
