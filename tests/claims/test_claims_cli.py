"""The command line as an administrator, a CW and an SV would use it (kb_bot.cli.main), on both backends."""

from __future__ import annotations

import csv
import io
import json
import re

import pytest

from kb_bot.cli import main
from kb_bot.db import make_engine, session_scope
from kb_bot.users import authenticate


def setup_office(kb) -> None:
    assert kb("users", "add", "admin", "--role", "admin", "--password-stdin", stdin="admin-password-1\n")[0] == 0
    assert (
        kb(
            "users",
            "add",
            "sv1",
            "--role",
            "sv",
            "--display-name",
            "指導 一郎",
            "--password-stdin",
            stdin="sv1-password-1\n",
        )[0]
        == 0
    )
    assert kb("teams", "add", "保護1班", "--sv", "sv1")[0] == 0
    for name in ("cw1", "cw2"):
        assert (
            kb(
                "users",
                "add",
                name,
                "--role",
                "cw",
                "--team",
                "保護1班",
                "--password-stdin",
                stdin=f"{name}-password-1\n",
            )[0]
            == 0
        )
    assert (
        kb(
            "cases",
            "add",
            "A-0001",
            "--cw",
            "cw1",
            "--head-name",
            "山田 太郎",
            "--phone",
            "090-1234-5678",
            "--actor",
            "sv1",
        )[0]
        == 0
    )
    assert kb("cases", "add", "A-0002", "--cw", "cw2", "--head-name", "佐藤 花子", "--actor", "sv1")[0] == 0


def test_users_and_teams(kb, db_url):
    setup_office(kb)
    code, out, _ = kb("users", "list")
    assert code == 0 and "cw1\t-\tケースワーカー\t保護1班\t有効" in out and "sv1\t指導 一郎\t査察指導員" in out
    assert "保護1班\tsv1\t2" in kb("teams", "list")[1]
    code, _, err = kb("users", "add", "cw1", "--role", "cw", "--password-stdin", stdin="another-password\n")
    assert code == 1 and "すでに登録" in err
    code, _, err = kb("users", "add", "cw9", "--role", "cw", "--team", "9班", "--password-stdin", stdin="x" * 12)
    assert code == 1 and "teams add 9班" in err
    assert kb("users", "passwd", "cw1", "--password-stdin", stdin="new-password-22\n")[0] == 0
    assert kb("users", "disable", "cw2")[0] == 0
    engine = make_engine(db_url)
    with session_scope(engine) as s:
        assert authenticate(s, "cw1", "new-password-22") is not None
        assert authenticate(s, "cw1", "cw1-password-1") is None
        assert authenticate(s, "cw2", "cw2-password-1") is None
    engine.dispose()


def test_claims_workflow(kb, tmp_path):
    setup_office(kb)
    code, out, err = kb(
        "claims",
        "add",
        "--case",
        "A-0001",
        "--basis",
        "78",
        "--decided-on",
        "2025-04-10",
        "--month",
        "2024-10=60000",
        "--month",
        "2024-11=61,729",
        "--surcharge-max",
        "--assessed-on",
        "2025-04-15",
        "--due",
        "2025-05-03",
        "--actor",
        "cw1",
    )
    assert code == 0, err
    assert "債権 1 を登録しました" in out and "翌開庁日 2025-05-07" in out and "加算 48,691円" in out
    code, _, err = kb(
        "claims",
        "add",
        "--case",
        "A-0001",
        "--basis",
        "78",
        "--decided-on",
        "2025-04-10",
        "--month",
        "2024-10=1000",
        "--deduction",
        "冷蔵庫=500=見積書",
        "--actor",
        "cw1",
    )
    assert code == 1 and "自立更生費の控除はできません" in err
    code, _, err = kb(
        "claims",
        "add",
        "--case",
        "A-0002",
        "--basis",
        "63",
        "--decided-on",
        "2025-04-10",
        "--month",
        "2024-10=1000",
        "--actor",
        "cw1",
    )
    assert code == 1 and "閲覧の権限" in err

    assert kb("claims", "event", "1", "payment", "--on", "2025-05-07", "--amount", "20000", "--actor", "cw1")[0] == 0
    code, out, _ = kb("claims", "event", "1", "dunning", "--on", "2025-05-08", "--actor", "cw1")
    assert code == 0 and "督促を記録しました" in out and "2025-05-19" in out
    from_benefit = ("claims", "event", "1", "payment", "--on", "2025-06-01", "--amount", "5000",
                    "--route", "benefit", "--actor", "cw1")
    code, _, err = kb(*from_benefit)
    assert code == 1 and "申出" in err  # 保護費からの充当 needs a 申出 first
    assert kb("claims", "event", "1", "offset-request", "--on", "2025-05-20", "--actor", "cw1")[0] == 0
    assert kb(*from_benefit)[0] == 0
    code, _, err = kb(
        "claims", "event", "1", "write-off", "--on", "2025-06-02", "--amount", "1", "--reason", "x", "--actor", "cw1"
    )
    assert code == 1 and "査察指導員・管理者だけ" in err
    code, _, err = kb("claims", "event", "1", "reminder", "--on", "2025-06-02", "--actor", "cw1")
    assert code == 1 and "--method" in err
    assert (
        kb(
            "claims",
            "event",
            "1",
            "reverse",
            "--event",
            "6",
            "--on",
            "2025-06-03",
            "--reason",
            "二重入力",
            "--actor",
            "sv1",
        )[0]
        == 0
    )

    code, out, _ = kb("claims", "show", "1", "--json", "--as-of", "2025-07-01")
    info = json.loads(out)
    assert (info["assessed"], info["paid"], info["balance"], info["surcharge"]) == (170_420, 20_000, 150_420, 48_691)
    assert info["prescription_date"] == "2030-05-20" and info["bankruptcy"].startswith("非免責")
    assert [e["reversed"] for e in info["events"]] == [False] * 5 + [True, False]
    code, out, _ = kb("claims", "show", "1", "--user", "cw1")
    assert code == 0 and "記録6を取消" in out and "（取消済）" in out
    assert kb("claims", "show", "1", "--user", "cw2")[0] == 1

    listing = tmp_path / "unpaid.csv"
    code, _, err = kb("claims", "list", "unpaid", "--as-of", "2025-07-01", "--out", listing)
    assert code == 0 and "1 件" in err
    rows = list(csv.DictReader(io.StringIO(listing.read_text(encoding="utf-8-sig"))))
    assert rows[0]["残高"] == "150420" and rows[0]["督促日"] == "2025-05-08" and rows[0]["状態"] == "滞納"
    code, out, _ = kb("claims", "list", "totals-cw", "--as-of", "2025-07-01", "--user", "sv1")
    assert out.splitlines()[1] == "cw1,1,1,170420,150420,150420,0"


def test_deadlines_job_exit_codes_and_formats(kb):
    setup_office(kb)
    assert kb(
        "declarations",
        "add",
        "--case",
        "A-0001",
        "--type",
        "income_monthly",
        "--received",
        "2025-05-01",
        "--actor",
        "cw1",
    )[1].endswith("処理期限 2025-05-15）\n")
    code, out, _ = kb(
        "applications", "add", "--applicant", "中村 三郎", "--cw", "cw2", "--applied-on", "2025-05-08", "--actor", "cw2"
    )
    assert code == 0 and "決定の期限 2025-05-22" in out and "みなし却下 2025-06-08 以降" in out

    assert kb("deadlines", "--as-of", "2025-05-01")[0] == 0
    code, out, _ = kb("deadlines", "--as-of", "2025-05-21", "--format", "json")
    data = json.loads(out)
    assert code == 1 and data["overdue"] == 1
    assert [(a["kind"], a["overdue"]) for a in data["alerts"]] == [("declaration", True), ("application", False)]
    code, out, _ = kb("deadlines", "--as-of", "2025-05-21", "--user", "cw2", "--format", "csv")
    assert code == 0 and out.splitlines()[1].startswith("申請の決定,,2025-05-22,1,,cw2,")
    code, out, _ = kb("deadlines", "--as-of", "2025-05-21", "--user", "sv1")
    assert code == 1 and "期限切れ 1 件・期限間近 1 件" in out and "6日超過" in out

    code, _, err = kb("applications", "extend", "1", "--reason", "資産調査", "--on", "2025-05-23", "--actor", "cw2")
    assert code == 1 and "14日の期限" in err
    assert (
        kb("applications", "extend", "1", "--reason", "扶養義務者の資産調査", "--on", "2025-05-20", "--actor", "cw2")[0]
        == 0
    )
    assert "2025-06-07" in kb("applications", "list", "--user", "sv1")[1]
    assert (
        kb(
            "declarations",
            "update",
            "1",
            "--status",
            "done",
            "--processed-on",
            "2025-05-20",
            "--result",
            "6月分から認定",
            "--actor",
            "cw1",
        )[0]
        == 0
    )
    assert kb("applications", "decide", "1", "--on", "2025-05-30", "--result", "granted", "--actor", "cw2")[0] == 0
    assert kb("deadlines", "--as-of", "2025-05-31")[0] == 0
    assert "処理済" in kb("declarations", "list")[1]


def test_dunning_export_cli(kb, tmp_path):
    setup_office(kb)
    kb(
        "claims",
        "add",
        "--case",
        "A-0001",
        "--basis",
        "63",
        "--decided-on",
        "2025-04-10",
        "--month",
        "2024-10=50000",
        "--assessed-on",
        "2025-04-15",
        "--due",
        "2025-05-30",
        "--actor",
        "cw1",
    )
    kb(
        "claims",
        "add",
        "--case",
        "A-0002",
        "--basis",
        "63",
        "--decided-on",
        "2025-04-10",
        "--month",
        "2024-10=30000",
        "--assessed-on",
        "2025-04-15",
        "--due",
        "2025-05-30",
        "--actor",
        "cw2",
    )
    code, _, err = kb(
        "claims", "export-dunning", "--as-of", "2025-07-01", "--out", tmp_path / "media", "--actor", "cw1"
    )
    assert code == 1 and "査察指導員・管理者" in err
    code, out, _ = kb(
        "claims", "export-dunning", "--as-of", "2025-07-01", "--out", tmp_path / "media", "--actor", "sv1"
    )
    assert code == 0 and "（1 件）" in out and "手紙で" in out
    files = sorted(p.name for p in (tmp_path / "media").iterdir())
    assert len(files) == 2 and re.fullmatch(r"messages-20250701-00001-[0-9a-f]{8}\.csv", files[0])
    assert files[1] == files[0] + ".sha256"
    line = (tmp_path / "media" / files[0]).read_text(encoding="utf-8").splitlines()[1].split(",")
    assert line[:5] == ["09012345678", "DUN01", "2025-05-30", "50000", "中央市 収納係 03-0000-0000"]
    letters = list((tmp_path / "home" / "exports").iterdir())
    assert len(letters) == 1 and "A-0002" in letters[0].read_text(encoding="utf-8-sig")
    code, out, _ = kb("claims", "send-lookup", line[5], "--actor", "sv1")
    assert code == 0 and out.strip() == "債権 1"


def test_kaigo_cli(kb, tmp_path):
    setup_office(kb)
    header = "ケース番号,被保険者番号,氏名,生年月日,年度,徴収方法,特別徴収開始月,4月,5月,6月,7月,8月,9月,10月,11月,12月,1月,2月,3月"
    path = tmp_path / "premiums.csv"
    path.write_text(
        f"{header}\nA-0001,0000000001,山田 太郎,1955-05-01,2025,普通,,6000,,6000,,6000,,6000,,6000,,6000,\n"
        f"A-0002,0000000002,佐藤 花子,1950/01/01,2025,特別,,,,,,,,,,,,,\n"
        f"Z-0001,0000000003,不明,1950-01-01,2025,普通,,1000,,,,,,,,,,,\n",
        encoding="utf-8",
    )
    code, _, err = kb("kaigo", "import", path, "--actor", "cw1")
    assert code == 1 and "査察指導員・管理者" in err
    code, out, _ = kb("kaigo", "import", path, "--actor", "sv1")
    assert code == 0 and "下書き 2 件" in out and "照合できない行 1 件" in out and "Z-0001" in out
    code, out, _ = kb("kaigo", "import", path, "--actor", "sv1")
    assert code == 0 and "取込済み" in out
    code, out, _ = kb("kaigo", "drafts", "--user", "cw1")
    assert code == 0 and len(out.splitlines()) == 2 and "加算の新規計上" in out
    # before deciding: what approving on a given date would mean (April and June paid at the old 加算)
    code, out, _ = kb("kaigo", "drafts", "--user", "cw1", "--on", "2025-07-01")
    columns, row = out.splitlines()
    assert columns.endswith("決定日 2025-07-01 で承認した場合")
    assert row.endswith("2025-04〜2025-06 の 2 か月分は決定日より前の月の変更です。増額 計 12,000円 は追加支給が必要です")
    assert kb("kaigo", "drafts", "--user", "cw1", "--on", "2025-04-01")[1].splitlines()[1].endswith("\t")
    code, _, err = kb("kaigo", "decide", "1", "--actor", "sv1", "--on", "2025-04-01")
    assert code == 1 and "担当CW" in err
    assert kb("kaigo", "decide", "1", "--actor", "cw1", "--on", "2025-04-01")[0] == 0
    assert kb("kaigo", "notices", "1", "--out", tmp_path / "notices.csv")[0] == 0
    notices = (tmp_path / "notices.csv").read_text(encoding="utf-8-sig").splitlines()
    assert len(notices) == 2 and notices[1].startswith(
        "1,A-0001,山田 太郎,山田 太郎,0000000001,2025,加算の新規計上,2025-04,"
    )
    bad = tmp_path / "bad.csv"
    bad.write_text(f"{header}\nA-0001,1,山田 太郎,1955-05-01,2025,普通,,x,,,,,,,,,,,\n", encoding="utf-8")
    code, _, err = kb("kaigo", "import", bad, "--actor", "sv1")
    assert code == 1 and "誤りが 2 件" in err and "何も取り込んでいません" in err


def test_database_errors_are_explained(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("KB_BOT_HOME", str(tmp_path))
    monkeypatch.setenv("KB_BOT_DATABASE_URL", "postgresql+psycopg://nobody@127.0.0.1:1/none")
    assert main(["users", "list"]) == 2
    assert "データベースに接続できません" in capsys.readouterr().err


def test_cli_reads_claims_settings_from_the_config_file(kb, tmp_path, monkeypatch):
    config = tmp_path / "kb-bot.toml"
    config.write_text(
        "[claims]\ndeclaration_deadline_days = 10\n[claims.declaration_deadline_days_by_type]\nassets = 30\n",
        encoding="utf-8",
    )
    monkeypatch.setenv("KB_BOT_CONFIG", str(config))
    setup_office(kb)
    assert (
        "処理期限 2025-05-11"
        in kb(
            "declarations",
            "add",
            "--case",
            "A-0001",
            "--type",
            "income_monthly",
            "--received",
            "2025-05-01",
            "--actor",
            "cw1",
        )[1]
    )
    assert (
        "処理期限 2025-05-31"
        in kb(
            "declarations", "add", "--case", "A-0001", "--type", "assets", "--received", "2025-05-01", "--actor", "cw1"
        )[1]
    )
    monkeypatch.setenv("KB_BOT_CLAIMS_KAIGO_APPROVAL", "everyone")
    code, _, err = kb("deadlines", "--as-of", "2025-05-01")
    assert code == 2 and "kaigo_approval" in err


def test_the_cli_reads_dates_months_and_amounts_like_the_web_forms(kb):
    """One parser per input: 2025/4/10 and 2025年4月15日 as in the web tabs, months and amounts alike."""
    setup_office(kb)
    code, out, err = kb("claims", "add", "--case", "A-0001", "--basis", "63", "--decided-on", "2025/4/10",
                        "--month", "2024/10,60,000", "--deduction", "冷蔵庫=２０，０００円=見積書",
                        "--assessed-on", "2025年4月15日", "--due", "2025-05-30", "--actor", "cw1")
    assert code == 0, err
    code, out, _ = kb("claims", "show", "1", "--json")
    shown = json.loads(out)
    assert "2025-04-10" in out and "2025-04-15" in out and shown["deductions"] == 20000

def test_a_bad_date_argument_is_refused_in_japanese(kb, capsys):
    with pytest.raises(SystemExit) as refused:
        kb("claims", "event", "1", "payment", "--on", "7/15", "--amount", "100", "--actor", "cw1")
    err = capsys.readouterr().err
    assert refused.value.code == 2 and "--on: 日付 '7/15' は YYYY-MM-DD" in err and "argument" not in err


def test_the_cli_and_the_tab_record_events_with_one_form():
    from kb_bot.claims.forms import CLI_EVENT_KINDS, FIELDS_BY_KIND
    from kb_bot.commands.claims import EVENT_KINDS

    assert set(CLI_EVENT_KINDS) == set(EVENT_KINDS)  # every command-line kind is documented in --help
    assert set(CLI_EVENT_KINDS.values()) == set(FIELDS_BY_KIND)  # … and is a kind the tab offers


def add_63_claim(kb) -> None:
    """The office of :func:`setup_office` and claim 1: a 63条 claim of 60,000 yen on case A-0001, by cw1."""
    setup_office(kb)
    code, _, err = kb("claims", "add", "--case", "A-0001", "--basis", "63", "--decided-on", "2025-04-10",
                      "--month", "2024-10=60000", "--assessed-on", "2025-04-15", "--due", "2025-05-30",
                      "--actor", "cw1")
    assert code == 0, err


def test_a_missing_event_field_is_named_the_same_way_on_both_surfaces(kb):
    add_63_claim(kb)
    code, _, err = kb("claims", "event", "1", "renewal", "--on", "2025-06-01", "--actor", "cw1")
    assert code == 1 and err.strip() == "エラー: 時効更新の理由を入力してください（--reason）"


def test_succession_on_the_command_line_uses_the_event_form(kb):
    add_63_claim(kb)
    code, _, err = kb("claims", "event", "1", "succession", "--on", "2025-07-10", "--died-on", "2025-06-20",
                      "--actor", "cw1")
    assert code == 1 and err.strip() == "エラー: 相続人（氏名=続柄=相続分）を入力してください（--heir）"
    code, _, err = kb("claims", "event", "1", "succession", "--on", "2025-07-10", "--heir", "山田 一郎=長男=1/1",
                      "--actor", "cw1")
    assert code == 1 and err.strip() == "エラー: 債務者の死亡日を入力してください（--died-on）"
    code, out, err = kb("claims", "event", "1", "succession", "--on", "2025-07-10", "--died-on", "2025-06-20",
                        "--heir", "山田 一郎=長男=2/3", "--heir", "山田 花子＝長女＝１／３", "--actor", "cw1")
    assert code == 0, err
    assert "残高 0円" in out and "相続人 2 人の債権（2、3）に承継しました" in out
    code, out, _ = kb("claims", "show", "3", "--user", "cw1")
    assert code == 0 and "山田 花子" in out and "20,000" in out
    # recorded by mistake: reversing the succession cancels both heirs' claims
    event_id = next(line.split()[0] for line in kb("claims", "show", "1", "--user", "cw1")[1].splitlines()
                    if "相続（承継）" in line)
    code, out, err = kb("claims", "event", "1", "reverse", "--event", event_id, "--on", "2025-07-11",
                        "--reason", "別人の死亡を記録", "--actor", "cw1")
    assert code == 0, err
    assert "相続人の債権 2、3 も取り消しました（決定取消）。残高は元の債権に戻りました" in out
    assert "決定取消" in kb("claims", "show", "3", "--user", "cw1")[1]
