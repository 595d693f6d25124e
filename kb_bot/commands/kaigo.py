"""``kb-bot kaigo import|drafts|decide|approve-batch|notices``: the bulk 介護保険料加算 (columns: docs/claims.md)."""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from kb_bot.commands.claims import parse_date, viewer
from kb_bot.commands.users import db_handler
from kb_bot.settings import Settings

if TYPE_CHECKING:
    from sqlalchemy.orm import Session


def register(sub: argparse._SubParsersAction) -> None:
    k = sub.add_parser("kaigo", help="介護保険料加算の一括処理（保険料ファイルの取込・下書き・決定・通知データ）")
    ksub = k.add_subparsers(dest="kaigo_command", required=True)
    i = ksub.add_parser(
        "import", help="保険料ファイル（CSV）を検査して取り込み、ケースごとの下書きを作る（SV・管理者）"
    )
    i.add_argument("file", type=Path)
    i.add_argument("--actor", required=True)
    i.set_defaults(func=_import)
    d = ksub.add_parser("drafts", help="下書きの一覧（既定: 決定待ち）")
    d.add_argument("--batch", type=int)
    d.add_argument("--all", action="store_true", help="決定済・対応不要なども含める")
    d.add_argument("--on", type=parse_date, default=dt.date.today(),
                   help="決定待ちの下書きをこの決定日で承認した場合の遡及を最後の列に示す（既定: 今日）")
    d.add_argument("--user")
    d.set_defaults(func=_drafts)
    c = ksub.add_parser("decide", help="下書きを1件決定する（設定 cw: 担当CW）")
    c.add_argument("draft_id", type=int)
    c.add_argument("--reject", action="store_true", help="承認せず却下する（--note に理由）")
    c.add_argument("--note", default="")
    c.add_argument("--on", type=parse_date, default=dt.date.today(), help="決定日")
    c.add_argument("--actor", required=True)
    c.set_defaults(func=_decide)
    b = ksub.add_parser("approve-batch", help="取込の決定待ちを班ごとに一括承認する（設定 sv_batch: SV）")
    b.add_argument("batch_id", type=int)
    b.add_argument("--on", type=parse_date, default=dt.date.today(), help="決定日")
    b.add_argument("--actor", required=True)
    b.set_defaults(func=_approve_batch)
    n = ksub.add_parser("notices", help="決定済の下書きの決定通知データを CSV で出力する")
    n.add_argument("batch_id", type=int)
    n.add_argument("--out", type=Path, required=True)
    n.add_argument("--user")
    n.set_defaults(func=_notices)


def _money(amounts: list[int]) -> str:
    return "/".join(str(a) for a in amounts)


@db_handler
def _import(args: argparse.Namespace, settings: Settings, session: Session) -> int:
    from kb_bot.claims.config import claims_settings
    from kb_bot.claims.kaigo import KIND_LABELS, import_file
    from kb_bot.users import require_user

    if not args.file.is_file():
        print(f"エラー: ファイル {args.file} がありません", file=sys.stderr)
        return 1
    result = import_file(session, require_user(session, args.actor), args.file, claims_settings(settings))
    batch = result.batch
    if result.already_imported:
        print(
            f"このファイルは取込 {batch.id}（{batch.imported_at:%Y-%m-%d %H:%M} UTC、{batch.imported_by}）で取込済みです。何も変更していません"
        )
        return 0
    print(
        f"取込 {batch.id}: {batch.row_count} 行・下書き {len(result.drafts)} 件・変更なし {result.unchanged} 件"
        f"・照合できない行 {len(batch.unmatched)} 件（決定方法: {'担当CWが1件ずつ' if batch.approval_mode == 'cw' else '班のSVが一括'}）"
    )
    for d in result.drafts:
        since = "" if d.kind == "none" else f"（{d.effective_month}から）"
        print(
            f"  下書き {d.id}: {d.row}行目 ケース {d.case.case_number} {d.person_name} {KIND_LABELS[d.kind]}{since} {d.reason}"
        )
    for u in batch.unmatched:
        print(f"  照合できない: {u['row']}行目 ケース番号 {u['case_number']} {u['name']} — {u['reason']}")
    if result.covered:
        ids = "・".join(str(b.id) for b in result.earlier)
        print(f"  このファイルの取込 {ids} で取込済みの班の行 {result.covered} 件は、そのままにしました")
    if result.superseded:
        print(f"  以前の取込の決定待ち {result.superseded} 件は、この取込の下書きで置き換えました")
    return 0


@db_handler
def _drafts(args: argparse.Namespace, settings: Settings, session: Session) -> int:
    from kb_bot import audit
    from kb_bot.claims.kaigo import KIND_LABELS, STATUS_LABELS, late_change, list_drafts

    user = viewer(session, args.user)
    print(
        "下書き\t取込\tケース番号\t担当CW\t被保険者\t年度\t内容\t適用月\t状況\t変更前(4月〜3月)\t変更後(4月〜3月)\t理由\t"
        f"決定日 {args.on} で承認した場合"
    )
    for d in list_drafts(session, user, batch_id=args.batch, status=None if args.all else "pending"):
        late = late_change(d, args.on) if d.status == "pending" else None
        print(
            f"{d.id}\t{d.batch_id}\t{d.case.case_number}\t{d.case.cw.username}\t{d.person_name}\t{d.fiscal_year}\t"
            f"{KIND_LABELS[d.kind]}\t{d.effective_month}\t{STATUS_LABELS[d.status]}\t{_money(d.previous)}\t"
            f"{_money(d.amounts)}\t{d.reason}\t{late.message() if late else ''}"
        )
    audit.record(session, user.username, "kaigo.list", str(args.batch or ""))
    return 0


@db_handler
def _decide(args: argparse.Namespace, settings: Settings, session: Session) -> int:
    from kb_bot.claims.kaigo import KIND_LABELS, decide, get_draft, late_change_notice
    from kb_bot.users import require_user

    actor = require_user(session, args.actor)
    draft = get_draft(session, actor, args.draft_id)
    decide(session, actor, draft, not args.reject, args.on, args.note)
    print(
        f"下書き {draft.id}（ケース {draft.case.case_number}・{KIND_LABELS[draft.kind]}）を"
        f"{'却下' if args.reject else '承認'}しました（決定日 {args.on}）"
    )
    notice = "" if args.reject else late_change_notice(draft, args.on)
    if notice:
        print(f"  {notice}")
    return 0


@db_handler
def _approve_batch(args: argparse.Namespace, settings: Settings, session: Session) -> int:
    from kb_bot.claims.kaigo import approve_batch, get_batch, late_change_notice
    from kb_bot.users import require_user

    decisions = approve_batch(session, require_user(session, args.actor), get_batch(session, args.batch_id), args.on)
    print(
        f"取込 {args.batch_id} の下書き {len(decisions)} 件を承認しました（決定日 {args.on}）。各ケースの決定として記録しました"
    )
    for notice in (late_change_notice(d.draft, args.on) for d in decisions):
        if notice:
            print(f"  {notice}")
    return 0


@db_handler
def _notices(args: argparse.Namespace, settings: Settings, session: Session) -> int:
    from kb_bot.claims.kaigo import get_batch, notices_csv

    text = notices_csv(session, viewer(session, args.user), get_batch(session, args.batch_id))
    args.out.write_text(text, encoding="utf-8-sig")
    print(f"{args.out} に出力しました（{text.count(chr(10)) - 1} 件）")
    return 0
