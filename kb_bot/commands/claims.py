"""``kb-bot cases …`` and ``kb-bot claims …``: cases, the 返還金・徴収金 ledger, lists and the dunning export.

Commands that change something need ``--actor USERNAME`` (who is recorded in the ledger and the audit
log; role rules apply). Read-only commands take ``--user USERNAME`` to see what that user sees;
without it they show every case (the command line runs on the server, as an administrator).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from kb_bot.commands.users import cli_actor, db_handler
from kb_bot.settings import Settings

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from kb_bot.users import User

EVENT_KINDS = {
    "assess": "調定（--on 調定日 --due 納期限）",
    "payment": "収納（--amount --route counter|account|benefit [--refund]）",
    "offset-request": "保護費からの充当の申出（第77条の2・第78条のみ）",
    "plan": "分納計画（--first-due 最初の納期 --count 回数。残高を毎月に分ける）",
    "dunning": "督促（[--deadline 指定期限]。既定は設定の日数後の開庁日）",
    "reminder": "催告（--method 電話|文書|訪問 [--note]）",
    "renewal": "時効更新（--reason。債務承認書の受領など）",
    "write-off": "不納欠損（--amount --reason [--confirm-non-dischargeable]。SV・管理者のみ）",
    "refund": "過誤納の還付（--amount）",
    "debtor-change": "債務者の変更（--name --relation --phone --reason。相続など）",
    "transfer-note": "移管メモ（--note）",
    "succession": "債務者の死亡による相続人への承継（--died-on --heir 氏名=続柄=相続分[=電話] を相続人ごとに）",
    "reverse": "誤った記録の取消（--event 記録番号 --reason）",
}


def parse_date(text: str) -> dt.date:
    """A date argument: the same parser as the web forms (2025-07-15, 2025/7/15, 2025年7月15日)."""
    from kb_bot.claims.forms import argparse_type, parse_day

    return argparse_type(lambda t: parse_day(t, "日付", default_today=False))(text)


def yen(text: str) -> int:
    """An amount argument in integer yen (20000, 20,000, 20000円, at most the money bound), as in the web forms."""
    from kb_bot.claims.forms import argparse_type
    from kb_bot.claims.money import parse_yen

    return argparse_type(lambda t: parse_yen(t, "金額"))(text)


def viewer(session: Session, username: str | None) -> User:
    """The named user, or (no name) an all-seeing administrator for the server's command line."""
    from kb_bot.users import Role, User, require_user

    if username:
        return require_user(session, username)
    return User(username=cli_actor(), role=Role.ADMIN.value, display_name="コマンドライン")


def register(sub: argparse._SubParsersAction) -> None:
    c = sub.add_parser("cases", help="ケースの登録・取込・一覧・廃止")
    csub = c.add_subparsers(dest="cases_command", required=True)
    a = csub.add_parser("add", help="ケースを登録する")
    a.add_argument("case_number")
    a.add_argument("--cw", required=True, help="担当CWのユーザー名")
    a.add_argument("--head-name", required=True, help="世帯主の氏名")
    a.add_argument("--phone", default="", help="電話番号（督促メッセージの送信先になる）")
    a.add_argument("--birth-date", type=parse_date)
    a.add_argument("--actor", required=True)
    a.set_defaults(func=_case_add)
    i = csub.add_parser("import", help="CSV（case_number,cw,head_name,phone,birth_date,closed_on）から登録・更新する")
    i.add_argument("file", type=Path)
    i.add_argument("--actor", required=True)
    i.set_defaults(func=_case_import)
    ls = csub.add_parser("list", help="ケースの一覧")
    ls.add_argument("--user")
    ls.set_defaults(func=_case_list)
    cl = csub.add_parser("close", help="保護廃止を記録する")
    cl.add_argument("case_number")
    cl.add_argument("--on", required=True, type=parse_date)
    cl.add_argument("--actor", required=True)
    cl.set_defaults(func=_case_close)

    p = sub.add_parser("claims", help="返還金・徴収金の債権（登録・収納・督促・一覧・督促データ出力）")
    psub = p.add_subparsers(dest="claims_command", required=True)
    add = psub.add_parser("add", help="債権を決定（と調定）で登録する")
    add.add_argument("--case", required=True, help="ケース番号")
    add.add_argument("--basis", required=True, choices=["63", "77-2", "78"], help="根拠条文")
    add.add_argument("--decided-on", required=True, type=parse_date, help="決定日")
    add.add_argument(
        "--month",
        action="append",
        required=True,
        metavar="YYYY-MM=金額",
        help="対象の支給月と額（繰り返し指定）。2018年10月前後の内訳・破産時の扱いに使う",
    )
    add.add_argument(
        "--deduction",
        action="append",
        default=[],
        metavar="用途=金額[=証拠]",
        help="自立更生費の控除（第63条・第77条の2のみ。繰り返し指定）",
    )
    sur = add.add_mutually_exclusive_group()
    sur.add_argument("--surcharge", type=yen, default=0, help="第78条の加算額（徴収額の100分の40以下）")
    sur.add_argument("--surcharge-max", action="store_true", help="加算を上限（徴収額×40%%、円未満切捨て）にする")
    add.add_argument(
        "--cause",
        choices=["other", "office_error"],
        default="other",
        help="office_error = 実施機関の過誤による過払い（第77条の2・充当の対象外）",
    )
    add.add_argument("--debtor", default="", help="債務者の氏名（省略時は世帯主）")
    add.add_argument("--relation", default="本人", help="債務者と世帯主の関係（相続人など）")
    add.add_argument("--debtor-phone", default="")
    add.add_argument("--assessed-on", type=parse_date, help="調定日（指定すると調定も記録する）")
    add.add_argument("--due", type=parse_date, help="納期限（閉庁日なら翌開庁日になる）")
    add.add_argument("--actor", required=True)
    add.set_defaults(func=_claim_add)

    ev = psub.add_parser(
        "event",
        help="債権に記録を追加する（" + "、".join(EVENT_KINDS) + "）",
        description="\n".join(f"{k}: {v}" for k, v in EVENT_KINDS.items()),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    ev.add_argument("claim_id", type=int)
    ev.add_argument("kind", choices=list(EVENT_KINDS))
    ev.add_argument("--on", required=True, type=parse_date, help="日付（収納日・督促日など）")
    ev.add_argument("--amount", type=yen)
    ev.add_argument("--route", choices=["counter", "account", "benefit"], default="counter")
    ev.add_argument("--refund", action="store_true", help="時効完成後に受けた納付を還付予定として記録する")
    ev.add_argument("--due", type=parse_date)
    ev.add_argument("--deadline", type=parse_date)
    ev.add_argument("--first-due", type=parse_date)
    ev.add_argument("--count", type=int)
    ev.add_argument("--method", default="")
    ev.add_argument("--note", default="")
    ev.add_argument("--reason", default="")
    ev.add_argument("--event", type=int, help="取り消す記録の番号（claims show で確認）")
    ev.add_argument("--name", default="")
    ev.add_argument("--relation", default="")
    ev.add_argument("--phone", default="")
    ev.add_argument("--confirm-non-dischargeable", action="store_true",
                    help="非免責の債権（第77条の2・第78条）を破産免責の理由で不納欠損とすることをSV・係長が確認した")
    ev.add_argument("--died-on", type=parse_date, help="succession: 債務者の死亡日")
    ev.add_argument("--heir", action="append", default=[], help="succession: 相続人（例: 山田 一郎=長男=1/4）")
    ev.add_argument("--actor", required=True)
    ev.set_defaults(func=_claim_event)

    show = psub.add_parser("show", help="債権の状態と記録の一覧")
    show.add_argument("claim_id", type=int)
    show.add_argument("--as-of", type=parse_date, help="この日の終わりの状態（既定: すべての記録）")
    show.add_argument("--user")
    show.add_argument("--json", action="store_true")
    show.set_defaults(func=_claim_show)

    ls = psub.add_parser(
        "list",
        help="一覧を CSV で出力する（unpaid, dunning-due, prescription, installments-missed, totals-cw, totals-team）",
    )
    ls.add_argument(
        "kind", choices=["unpaid", "dunning-due", "prescription", "installments-missed", "totals-cw", "totals-team"]
    )
    ls.add_argument("--as-of", type=parse_date, default=dt.date.today())
    ls.add_argument("--months", type=int, help="prescription: 何か月以内に時効が完成するか（既定: 設定）")
    ls.add_argument("--user")
    ls.add_argument("--out", type=Path, help="出力ファイル（省略時は標準出力）")
    ls.set_defaults(func=_claim_list)

    ex = psub.add_parser("export-dunning", help="督促メッセージ配信用のファイルを出力する（SV・管理者）")
    ex.add_argument("--as-of", type=parse_date, default=dt.date.today())
    ex.add_argument("--out", required=True, type=Path, help="送信ファイルの出力先フォルダ（外部媒体用）")
    ex.add_argument(
        "--letters-dir", type=Path, help="手紙で送る分の内部用一覧の出力先（既定: <データフォルダ>/exports）"
    )
    ex.add_argument("--actor", required=True)
    ex.set_defaults(func=_export)

    lk = psub.add_parser("send-lookup", help="送信管理番号から債権を調べる（SV・管理者）")
    lk.add_argument("send_number")
    lk.add_argument("--actor", required=True)
    lk.set_defaults(func=_send_lookup)


def _cfg_and_calendar(settings: Settings) -> tuple[Any, Any]:
    from kb_bot.claims.calendar import load_calendar
    from kb_bot.claims.config import claims_settings

    cfg = claims_settings(settings)
    return cfg, load_calendar(cfg)


def _print_notes(notes: list[str]) -> None:
    for note in notes:
        print(f"  注意: {note}")


@db_handler
def _case_add(args: argparse.Namespace, settings: Settings, session: Session) -> int:
    from kb_bot.claims.cases import add_case
    from kb_bot.users import require_user

    actor = require_user(session, args.actor)
    case = add_case(
        session,
        actor,
        args.case_number,
        require_user(session, args.cw),
        args.head_name,
        phone=args.phone,
        birth_date=args.birth_date,
    )
    print(f"ケースを登録しました: {case.case_number}（担当 {args.cw}）")
    return 0


@db_handler
def _case_import(args: argparse.Namespace, settings: Settings, session: Session) -> int:
    from kb_bot.claims.cases import import_cases
    from kb_bot.users import require_user

    result = import_cases(session, require_user(session, args.actor), args.file)
    print(f"取り込みました: 新規 {result.added} 件・更新 {result.updated} 件・変更なし {result.unchanged} 件")
    return 0


@db_handler
def _case_list(args: argparse.Namespace, settings: Settings, session: Session) -> int:
    from kb_bot import audit
    from kb_bot.claims.cases import visible_cases

    user = viewer(session, args.user)
    print("ケース番号\t担当CW\t世帯主\t電話\t廃止日")
    for case in session.scalars(visible_cases(session, user)):
        print(f"{case.case_number}\t{case.cw.username}\t{case.head_name}\t{case.phone or '-'}\t{case.closed_on or '-'}")
    audit.record(session, user.username, "case.list", "")
    return 0


@db_handler
def _case_close(args: argparse.Namespace, settings: Settings, session: Session) -> int:
    from kb_bot.claims.cases import close_case, get_case
    from kb_bot.users import require_user

    actor = require_user(session, args.actor)
    close_case(session, actor, get_case(session, actor, args.case_number), args.on)
    print(f"保護廃止を記録しました: {args.case_number}（{args.on}）")
    return 0


@db_handler
def _claim_add(args: argparse.Namespace, settings: Settings, session: Session) -> int:
    from kb_bot.claims.cases import get_case
    from kb_bot.claims.forms import parse_deductions, parse_months
    from kb_bot.claims.ledger import Basis, Cause, surcharge_cap
    from kb_bot.claims.service import DecisionInput, create_claim
    from kb_bot.users import require_user

    cfg, calendar = _cfg_and_calendar(settings)
    actor = require_user(session, args.actor)
    case = get_case(session, actor, args.case)
    months = parse_months("\n".join(args.month))
    deductions = parse_deductions("\n".join(args.deduction))
    surcharge = args.surcharge
    if args.surcharge_max:
        surcharge = surcharge_cap(sum(a for _, a in months))
    decision = DecisionInput(
        basis=Basis(args.basis),
        decided_on=args.decided_on,
        months=months,
        debtor_name=args.debtor,
        debtor_relation=args.relation,
        debtor_phone=args.debtor_phone,
        deductions=deductions,
        surcharge=surcharge,
        cause=Cause(args.cause),
    )
    claim, notes = create_claim(
        session, actor, case, decision, cfg=cfg, calendar=calendar, assessed_on=args.assessed_on, due=args.due
    )
    print(f"債権 {claim.id} を登録しました（ケース {case.case_number}）")
    _print_notes(notes)
    return 0


@db_handler
def _claim_event(args: argparse.Namespace, settings: Settings, session: Session) -> int:
    from kb_bot.claims import service
    from kb_bot.claims.cases import ClaimsError
    from kb_bot.claims.forms import CLI_EVENT_KINDS, EventForm, MissingField, parse_heirs, record_event
    from kb_bot.claims.ledger import KIND_LABELS, Kind
    from kb_bot.users import require_user

    cfg, calendar = _cfg_and_calendar(settings)
    actor = require_user(session, args.actor)
    claim = service.get_claim(session, actor, args.claim_id)
    form = EventForm(
        kind=CLI_EVENT_KINDS[args.kind], on=args.on, amount=args.amount, route=args.route, refund=args.refund,
        deadline=args.deadline, due=args.due, first_due=args.first_due, count=args.count, method=args.method,
        note=args.note, reason=args.reason, event_no=args.event, name=args.name, relation=args.relation,
        phone=args.phone, confirm_non_dischargeable=args.confirm_non_dischargeable, died_on=args.died_on,
        heirs=parse_heirs(args.heir),
    )
    try:
        rec = record_event(session, actor, claim, form, cfg, calendar)
    except MissingField as e:
        option = {"event_no": "--event", "heirs": "--heir"}.get(e.field, "--" + e.field.replace("_", "-"))
        raise ClaimsError(f"{e}（{option}）") from None
    s = rec.state
    print(
        f"債権 {claim.id} に{KIND_LABELS[Kind(rec.event.kind)]}を記録しました（記録番号 {rec.event.id}）。"
        f"残高 {s.balance:,}円" + (f"・還付すべき額 {s.refund_due:,}円" if s.refund_due else "")
    )
    _print_notes(rec.notes)
    return 0


@db_handler
def _claim_show(args: argparse.Namespace, settings: Settings, session: Session) -> int:
    from kb_bot.claims.config import claims_settings
    from kb_bot.claims.service import view_claim
    from kb_bot.claims.summary import summarize

    cfg = claims_settings(settings)
    as_of = args.as_of or dt.date.today()
    claim, rows, s = view_claim(session, viewer(session, args.user), args.claim_id, cfg, args.as_of)
    info = summarize(claim, rows, s, as_of, {})
    if args.json:
        print(json.dumps(info.to_json(), ensure_ascii=False, indent=1))
        return 0
    split, inst = info.split, info.now.installments
    print(f"債権 {claim.id}（ケース {info.case_number}）{info.basis_label}・{info.status_label}（{as_of} 現在）")
    print(f"  債務者: {s.debtor.name if s.debtor else ''}")
    print(
        f"  徴収額（返還額）{s.principal:,}円"
        + (f"・加算 {s.surcharge:,}円" if s.surcharge else "")
        + (f"・自立更生費控除 {info.deductions:,}円" if info.deductions else "")
    )
    due = s.due.isoformat() if s.due else "-"
    print(f"  調定 {s.assessed:,}円・納期限 {due}・収納 {s.paid:,}円・不納欠損 {s.written_off:,}円")
    print(
        f"  残高 {s.balance:,}円"
        + (f"（うち加算 {s.surcharge_balance:,}円）" if s.surcharge else "")
        + (f"・還付すべき過誤納 {s.refund_due:,}円" if s.refund_due else "")
    )
    print(f"  時効完成日: {s.prescription_date.isoformat() if s.prescription_date else '-'}")
    print(f"  支給月の内訳: 2018年10月前 {split.before:,}円・以後 {split.after:,}円 — 破産時: {info.bankruptcy}")
    if s.reminders:
        print(f"  催告: {s.reminders} 回（最終 {s.last_reminder_on}）")
    if inst:
        print(f"  分納: 納期到来分 {inst.scheduled:,}円・計画後の収納 {inst.paid:,}円・不履行 {inst.missed:,}円")
    print("  記録:")
    for e in info.events:
        mark = "（取消済）" if e.reversed else ""
        target = f" 記録{e.reverses}を取消" if e.reverses else ""
        print(f"   {e.id:>6} {e.on} {e.label}{target}{mark} {e.text}".rstrip())
    return 0


@db_handler
def _claim_list(args: argparse.Namespace, settings: Settings, session: Session) -> int:
    from kb_bot import audit
    from kb_bot.claims.config import claims_settings
    from kb_bot.claims.lists import load_rows, render_csv

    cfg = claims_settings(settings)
    user = viewer(session, args.user)
    text = render_csv(args.kind, load_rows(session, user, args.as_of, cfg), args.as_of, cfg, args.months)
    audit.record(session, user.username, "claims.list", args.kind, {"as_of": args.as_of.isoformat()})
    if args.out:
        args.out.write_text(text, encoding="utf-8-sig")
        print(f"{args.out} に出力しました（{text.count(chr(10)) - 1} 件）", file=sys.stderr)
    else:
        sys.stdout.write(text)
    return 0


@db_handler
def _export(args: argparse.Namespace, settings: Settings, session: Session) -> int:
    from kb_bot.claims.config import claims_settings
    from kb_bot.claims.dunning import export_dunning
    from kb_bot.users import require_user

    letters_dir = args.letters_dir or settings.home / "exports"
    result = export_dunning(
        session, require_user(session, args.actor), args.as_of, args.out, letters_dir, claims_settings(settings)
    )
    print(f"送信用ファイル: {result.path}（{result.rows} 件）")
    print(f"チェックサム: {result.checksum_path}（SHA-256 {result.sha256}）")
    if result.letters_path:
        print(
            f"携帯電話番号のない {result.letters} 件は手紙で: {result.letters_path}（内部用。外部媒体に入れないでください）"
        )
    return 0


@db_handler
def _send_lookup(args: argparse.Namespace, settings: Settings, session: Session) -> int:
    from kb_bot.claims.dunning import claim_for_send_number
    from kb_bot.users import require_user

    print(f"債権 {claim_for_send_number(session, require_user(session, args.actor), args.send_number)}")
    return 0
