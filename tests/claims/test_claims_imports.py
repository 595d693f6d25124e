"""Case and kaigo imports (issue 11 items 1 and 7): the team rule on every row, truncated files, Shift_JIS.

On SQLite and PostgreSQL (the ``session`` fixture).
"""

from __future__ import annotations

import pytest
from sqlalchemy import select

from kb_bot import audit
from kb_bot.claims.cases import ClaimsError, get_case, import_cases
from kb_bot.claims.kaigo import KaigoFileError, import_file, list_drafts
from kb_bot.claims.models import KaigoBatch, KaigoDraft
from test_claims_cli import setup_office
from test_claims_kaigo import row, write

HEADER = "case_number,cw,head_name,phone,birth_date,closed_on\n"


def test_sv_cannot_take_over_another_teams_case_by_import(session, office, tmp_path):
    # B-0001 belongs to cw3 (team 2); sv1 names their own CW for it and changes its data.
    path = tmp_path / "cases.csv"
    path.write_text(HEADER + "B-0001,cw1,書き換え 太郎,090-9999-9999,,2025-01-31\n", encoding="utf-8")
    with pytest.raises(ClaimsError, match="B-0001: 他の班のケース"):
        import_cases(session, office.sv1, path)
    session.rollback()
    case = get_case(session, office.admin, "B-0001")
    assert (case.cw.username, case.head_name, case.phone, case.closed_on) == ("cw3", "高橋 次郎", "07033334444", None)
    assert audit.entries(session, action_prefix="case.update") == []


def test_import_of_own_teams_cases_still_updates(session, office, tmp_path):
    path = tmp_path / "cases.csv"
    path.write_text(HEADER + "A-0003,cw1,鈴木 一郎,080-1111-2222,,\n", encoding="utf-8")
    assert import_cases(session, office.sv1, path).updated == 1
    assert get_case(session, office.admin, "A-0003").cw.username == "cw1"
    # the other team's SV may not pull the case into their team, nor admin-only rules apply to sv2
    path.write_text(HEADER + "A-0003,cw3,鈴木 一郎,,,\n", encoding="utf-8")
    with pytest.raises(ClaimsError, match="他の班のケース"):
        import_cases(session, office.sv2, path)


def test_kaigo_import_by_sv_drafts_only_for_the_team(session, office, tmp_path):
    path = write(tmp_path / "premiums.csv", [row("A-0001", "0000000001"), row("B-0001", "0000000004", name="高橋 次郎")])
    result = import_file(session, office.sv1, path, office.cfg)
    assert [d.case.case_number for d in result.drafts] == ["A-0001"]
    assert [(u["case_number"], u["reason"]) for u in result.batch.unmatched] == [
        ("B-0001", "取り込んだ人の班のケースではありません（その班のSVか管理者が取り込みます）")
    ]
    assert list_drafts(session, office.cw3) == []
    assert session.scalars(select(KaigoDraft).where(KaigoDraft.case_id == office.case4.id)).all() == []


def test_kaigo_import_by_admin_drafts_for_every_team(session, office, tmp_path):
    path = write(tmp_path / "premiums.csv", [row("A-0001", "0000000001"), row("B-0001", "0000000004", name="高橋 次郎")])
    result = import_file(session, office.admin, path, office.cfg)
    assert sorted(d.case.case_number for d in result.drafts) == ["A-0001", "B-0001"]


def test_truncated_kaigo_file_is_refused_whole(session, office, tmp_path):
    path = write(tmp_path / "premiums.csv", [row("A-0001", "0000000001"), row("A-0002", "0000000002", name="佐藤 花子")])
    data = path.read_bytes().rstrip(b"\r\n")
    path.write_bytes(data[: data.rindex(b",6000,0,6000")])  # the last row cut after its 6月 column
    with pytest.raises(KaigoFileError) as err:
        import_file(session, office.sv1, path, office.cfg)
    assert err.value.problems == ["3行目: 列の数が見出しより少ないです（行が途中で切れていないか確認してください）"]
    session.rollback()
    assert session.scalars(select(KaigoBatch)).all() == []
    assert session.scalars(select(KaigoDraft)).all() == []


def test_truncated_cases_file_is_refused_whole(session, office, tmp_path):
    path = tmp_path / "cases.csv"
    path.write_text(HEADER + "A-0100,cw1,田中 一,090-0000-1111,1950-01-02,\nA-0101,cw1,田中", encoding="utf-8")
    with pytest.raises(ClaimsError, match="3行目: 列の数が見出しより少ない"):
        import_cases(session, office.sv1, path)
    session.rollback()
    with pytest.raises(ClaimsError):
        get_case(session, office.admin, "A-0100")


def test_cases_import_reads_shift_jis_like_the_kaigo_import(session, office, tmp_path):
    path = tmp_path / "cases-sjis.csv"
    path.write_bytes((HEADER + "A-0100,cw1,渡邉 髙子,090-0000-1111,1950-01-02,\n").encode("cp932"))
    assert import_cases(session, office.sv1, path).added == 1
    assert get_case(session, office.admin, "A-0100").head_name == "渡邉 髙子"
    kaigo = write(tmp_path / "premiums-sjis.csv", [row("A-0100", "0000000009", name="渡邉 髙子")], encoding="cp932")
    assert [d.person_name for d in import_file(session, office.sv1, kaigo, office.cfg).drafts] == ["渡邉 髙子"]


def test_the_command_line_applies_the_team_rule_to_both_imports(kb, db_url, tmp_path):
    setup_office(kb)
    assert kb("users", "add", "sv2", "--role", "sv", "--password-stdin", stdin="sv2-password-1\n")[0] == 0
    assert kb("teams", "add", "保護2班", "--sv", "sv2")[0] == 0
    assert kb("users", "add", "cw3", "--role", "cw", "--team", "保護2班", "--password-stdin", stdin="cw3-password-1\n")[0] == 0
    assert kb("cases", "add", "B-0001", "--cw", "cw3", "--head-name", "高橋 次郎", "--actor", "sv2")[0] == 0
    cases = tmp_path / "cases.csv"
    cases.write_text(HEADER + "B-0001,cw1,書き換え 太郎,090-9999-9999,,2025-01-31\n", encoding="utf-8")
    code, out, err = kb("cases", "import", cases, "--actor", "sv1")
    assert code == 1 and out == "" and "B-0001: 他の班のケース" in err
    premiums = write(tmp_path / "premiums.csv", [row("B-0001", "0000000004", name="高橋 次郎")])
    code, out, err = kb("kaigo", "import", premiums, "--actor", "sv1")
    assert code == 0, err
    assert "下書き 0 件" in out and "照合できない: 2行目 ケース番号 B-0001 高橋 次郎 — 取り込んだ人の班のケースではありません" in out
    code, out, _ = kb("cases", "list", "--user", "sv2")
    assert "B-0001\tcw3\t高橋 次郎\t-\t-" in out
    assert kb("kaigo", "drafts", "--user", "cw3")[1].count("\n") == 1  # the header only
