"""``kb-bot deadlines`` (the daily alert job), ``kb-bot declarations …`` and ``kb-bot applications …``.

``deadlines`` exits with 1 when anything is overdue and 0 otherwise, so a scheduler can notify.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import json
import sys
from typing import TYPE_CHECKING

from kb_bot.claims.config import DECLARATION_TYPES
from kb_bot.commands.claims import parse_date, viewer
from kb_bot.commands.users import db_handler
from kb_bot.settings import Settings

if TYPE_CHECKING:
    from sqlalchemy.orm import Session


def register(sub: argparse._SubParsersAction) -> None:
    d = sub.add_parser(
        "deadlines", help="期限が近い・過ぎた申告処理・申請の決定・督促・時効を表示する（期限切れがあれば終了コード1）"
    )
    d.add_argument("--as-of", type=parse_date, default=dt.date.today(), help="基準日（既定: 今日）")
    d.add_argument("--format", choices=["text", "csv", "json"], default="text")
    d.add_argument("--user", help="この利用者が見る範囲（CW は担当ケース、SV は班）。省略時は全件")
    d.add_argument("--within", type=int, help="何日以内の期限を出すか（既定: 設定 alert_within_days）")
    d.set_defaults(func=_deadlines)

    p = sub.add_parser("declarations", help="受理した申告・届出の登録と処理状況")
    psub = p.add_subparsers(dest="declarations_command", required=True)
    a = psub.add_parser("add", help="受理した申告を登録する（処理期限は種類ごとの設定から）")
    a.add_argument("--case", required=True)
    a.add_argument(
        "--type",
        required=True,
        choices=list(DECLARATION_TYPES),
        help="収入申告（毎月/定期）・資産申告・世帯変動・課税調査の判明・その他",
    )
    a.add_argument("--received", required=True, type=parse_date, help="受理日")
    a.add_argument("--note", default="")
    a.add_argument("--actor", required=True)
    a.set_defaults(func=_decl_add)
    u = psub.add_parser("update", help="処理状況を更新する（pending → in_progress → done）")
    u.add_argument("declaration_id", type=int)
    u.add_argument("--status", required=True, choices=["pending", "in_progress", "done"])
    u.add_argument("--processed-on", type=parse_date)
    u.add_argument("--result", default="", help="処理結果（例: 6月分から収入認定）")
    u.add_argument("--actor", required=True)
    u.set_defaults(func=_decl_update)
    ls = psub.add_parser("list", help="申告の一覧（期限順）")
    ls.add_argument("--user")
    ls.add_argument("--open", action="store_true", help="処理済を除く")
    ls.set_defaults(func=_decl_list)

    q = sub.add_parser("applications", help="保護の申請（法第24条の14日・30日）")
    qsub = q.add_subparsers(dest="applications_command", required=True)
    qa = qsub.add_parser("add", help="申請を登録する")
    qa.add_argument("--applicant", required=True, help="申請者の氏名")
    qa.add_argument("--cw", required=True)
    qa.add_argument("--applied-on", required=True, type=parse_date)
    qa.add_argument("--kind", choices=["start", "change"], default="start")
    qa.add_argument("--case", help="ケース番号（変更申請や、開始後に紐づけるとき）")
    qa.add_argument("--actor", required=True)
    qa.set_defaults(func=_app_add)
    qe = qsub.add_parser("extend", help="30日に延長する（理由の記録が必須。14日以内に）")
    qe.add_argument("application_id", type=int)
    qe.add_argument("--reason", required=True)
    qe.add_argument("--on", type=parse_date, default=dt.date.today())
    qe.add_argument("--actor", required=True)
    qe.set_defaults(func=_app_extend)
    qd = qsub.add_parser("decide", help="決定を記録する")
    qd.add_argument("application_id", type=int)
    qd.add_argument("--on", required=True, type=parse_date)
    qd.add_argument("--result", required=True, choices=["granted", "rejected", "withdrawn"])
    qd.add_argument("--actor", required=True)
    qd.set_defaults(func=_app_decide)
    ql = qsub.add_parser("list", help="未決定の申請と期限")
    ql.add_argument("--user")
    ql.set_defaults(func=_app_list)


@db_handler
def _deadlines(args: argparse.Namespace, settings: Settings, session: Session) -> int:
    import dataclasses

    from kb_bot import audit
    from kb_bot.claims.config import claims_settings
    from kb_bot.claims.deadlines import ALERT_KINDS, alerts

    cfg = claims_settings(settings)
    if args.within is not None:
        cfg = dataclasses.replace(cfg, alert_within_days=args.within)
    user = viewer(session, args.user)
    found = alerts(session, user, args.as_of, cfg)
    audit.record(session, user.username, "deadlines.view", "", {"as_of": args.as_of.isoformat(), "alerts": len(found)})
    overdue = sum(a.overdue for a in found)
    if args.format == "json":
        print(
            json.dumps(
                {"as_of": args.as_of.isoformat(), "overdue": overdue, "alerts": [a.as_dict() for a in found]},
                ensure_ascii=False,
                indent=1,
            )
        )
    elif args.format == "csv":
        w = csv.writer(sys.stdout, lineterminator="\n")
        w.writerow(["区分", "期限切れ", "期限", "残り日数", "ケース番号", "担当CW", "内容", "詳細"])
        for a in found:
            w.writerow(
                [
                    ALERT_KINDS[a.kind],
                    "はい" if a.overdue else "",
                    a.deadline.isoformat(),
                    a.days_left,
                    a.case_number,
                    a.cw,
                    a.subject,
                    a.detail,
                ]
            )
    else:
        print(f"{args.as_of} 現在: 期限切れ {overdue} 件・期限間近 {len(found) - overdue} 件")
        for a in found:
            when = (
                f"{-a.days_left}日超過" if a.overdue else ("今日まで" if a.days_left == 0 else f"あと{a.days_left}日")
            )
            print(
                f"{'!' if a.overdue else ' '} [{ALERT_KINDS[a.kind]}] {a.deadline}（{when}）{a.case_number or '-'} "
                f"{a.cw} {a.subject} — {a.detail}"
            )
    return 1 if overdue else 0


@db_handler
def _decl_add(args: argparse.Namespace, settings: Settings, session: Session) -> int:
    from kb_bot.claims.cases import get_case
    from kb_bot.claims.config import claims_settings
    from kb_bot.claims.deadlines import DECLARATION_TYPES, register_declaration
    from kb_bot.users import require_user

    actor = require_user(session, args.actor)
    decl = register_declaration(
        session,
        actor,
        get_case(session, actor, args.case),
        args.type,
        args.received,
        claims_settings(settings),
        note=args.note,
    )
    print(f"申告 {decl.id} を登録しました（{DECLARATION_TYPES[decl.type]}・処理期限 {decl.deadline}）")
    return 0


@db_handler
def _decl_update(args: argparse.Namespace, settings: Settings, session: Session) -> int:
    from kb_bot.claims.deadlines import (
        DECLARATION_STATUS_LABELS,
        DeclarationStatus,
        get_declaration,
        update_declaration,
    )
    from kb_bot.users import require_user

    actor = require_user(session, args.actor)
    decl = get_declaration(session, actor, args.declaration_id)
    update_declaration(session, actor, decl, args.status, processed_on=args.processed_on, result=args.result)
    print(f"申告 {decl.id} を{DECLARATION_STATUS_LABELS[DeclarationStatus(args.status)]}にしました")
    return 0


@db_handler
def _decl_list(args: argparse.Namespace, settings: Settings, session: Session) -> int:
    from kb_bot import audit
    from kb_bot.claims.deadlines import (
        DECLARATION_STATUS_LABELS,
        DECLARATION_TYPES,
        DeclarationStatus,
        list_declarations,
    )

    user = viewer(session, args.user)
    print("番号\tケース番号\t担当CW\t種類\t受理日\t処理期限\t状況\t処理日\t結果")
    for d in list_declarations(session, user, open_only=args.open):
        print(
            f"{d.id}\t{d.case.case_number}\t{d.case.cw.username}\t{DECLARATION_TYPES[d.type]}\t{d.received_on}\t"
            f"{d.deadline}\t{DECLARATION_STATUS_LABELS[DeclarationStatus(d.status)]}\t{d.processed_on or '-'}\t{d.result or '-'}"
        )
    audit.record(session, user.username, "declaration.list", "")
    return 0


@db_handler
def _app_add(args: argparse.Namespace, settings: Settings, session: Session) -> int:
    from kb_bot.claims.cases import get_case
    from kb_bot.claims.deadlines import decision_deadline, deemed_rejection_from, register_application
    from kb_bot.users import require_user

    actor = require_user(session, args.actor)
    case = get_case(session, actor, args.case) if args.case else None
    app = register_application(
        session, actor, args.applicant, require_user(session, args.cw), args.applied_on, kind=args.kind, case=case
    )
    print(
        f"申請 {app.id} を登録しました。決定の期限 {decision_deadline(app)}（14日）・"
        f"みなし却下 {deemed_rejection_from(app)} 以降"
    )
    return 0


@db_handler
def _app_extend(args: argparse.Namespace, settings: Settings, session: Session) -> int:
    from kb_bot.claims.deadlines import decision_deadline, extend_application, get_application
    from kb_bot.users import require_user

    actor = require_user(session, args.actor)
    app = get_application(session, actor, args.application_id)
    extend_application(session, actor, app, args.reason, args.on)
    print(
        f"申請 {app.id} の決定期限を {decision_deadline(app)}（30日）に延長しました。通知書に延長の理由を書いてください"
    )
    return 0


@db_handler
def _app_decide(args: argparse.Namespace, settings: Settings, session: Session) -> int:
    from kb_bot.claims.deadlines import APPLICATION_RESULTS, decide_application, decision_deadline, get_application
    from kb_bot.users import require_user

    actor = require_user(session, args.actor)
    app = get_application(session, actor, args.application_id)
    decide_application(session, actor, app, args.on, args.result)
    late = args.on > decision_deadline(app)
    print(
        f"申請 {app.id}: {APPLICATION_RESULTS[args.result]}（{args.on}）を記録しました"
        + (f"。期限 {decision_deadline(app)} を過ぎています" if late else "")
    )
    return 0


@db_handler
def _app_list(args: argparse.Namespace, settings: Settings, session: Session) -> int:
    from kb_bot import audit
    from kb_bot.claims.deadlines import APPLICATION_KINDS, decision_deadline, deemed_rejection_from, open_applications

    user = viewer(session, args.user)
    print("番号\t申請者\t種類\t担当CW\t申請日\t決定期限\tみなし却下\t延長理由")
    for app in open_applications(session, user):
        print(
            f"{app.id}\t{app.applicant_name}\t{APPLICATION_KINDS[app.kind]}\t{app.cw.username}\t{app.applied_on}\t"
            f"{decision_deadline(app)}\t{deemed_rejection_from(app)}以降\t{app.extension_reason or '-'}"
        )
    audit.record(session, user.username, "application.list", "")
    return 0
