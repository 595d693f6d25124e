"""``kb-bot users add|list|disable|passwd`` and ``kb-bot teams add|list`` (for administrators).

Also :func:`db_handler`, which the claims, cases, deadlines and kaigo commands use too: it migrates the
database, runs the handler in one transaction and prints what the handler printed only after the commit (a
rule violation rolls it back; ``kb_bot.cli.main`` turns it into a message and exit code 1).
"""

from __future__ import annotations

import argparse
import contextlib
import functools
import getpass
import io
import os
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from kb_bot.settings import Settings

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

DbHandler = Callable[[argparse.Namespace, Settings, "Session"], int | None]


def db_handler(fn: DbHandler) -> Callable[[argparse.Namespace, Settings], int]:
    """Wrap ``fn(args, settings, session)``: commit when it returns, roll back on an error.

    What the handler prints is held until the commit: a success message never appears for a change
    that was then rolled back, and a reader that goes away (``| head -1``) cannot undo a committed one.
    A :class:`kb_bot.errors.UserError` (a rule violation) is reported by ``kb_bot.cli.main``.
    """

    @functools.wraps(fn)
    def run(args: argparse.Namespace, settings: Settings) -> int:
        from sqlalchemy.exc import OperationalError

        from kb_bot.db import open_database, session_scope

        try:
            engine = open_database(settings.db_url)
        except OperationalError as e:
            print(
                f"エラー: データベースに接続できません（{settings.db_url.split('@')[-1]}）: {e.orig}", file=sys.stderr
            )
            print("database_url の設定（KB_BOT_DATABASE_URL）とサーバーの状態を確認してください", file=sys.stderr)
            return 2
        output = io.StringIO()
        try:
            with session_scope(engine) as session, contextlib.redirect_stdout(output):
                code = int(fn(args, settings, session) or 0)
        finally:
            engine.dispose()
        emit(output.getvalue())
        return code

    return run


def emit(text: str) -> None:
    """Write the output of a committed command; a closed pipe is not an error (the work is done)."""
    try:
        sys.stdout.write(text)
        sys.stdout.flush()
    except BrokenPipeError:
        # Point stdout at /dev/null so the interpreter's final flush does not report the pipe again.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)


def cli_actor() -> str:
    """Audit name for an administrator working at the server's command line."""
    return f"cli:{getpass.getuser()}"


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("users", help="利用者の登録・一覧・無効化（管理者用）")
    usub = p.add_subparsers(dest="users_command", required=True)
    a = usub.add_parser("add", help="利用者を登録する（パスワードは入力を求めます）")
    a.add_argument("username")
    a.add_argument(
        "--role", required=True, choices=["cw", "sv", "admin"], help="cw=ケースワーカー, sv=査察指導員, admin=管理者"
    )
    a.add_argument("--team", help="所属する班の名前（CW）")
    a.add_argument("--display-name", default="", help="画面に出す氏名")
    a.add_argument("--password-stdin", action="store_true", help="パスワードを標準入力の1行目から読む（自動処理用）")
    a.set_defaults(func=_add)
    ls = usub.add_parser("list", help="利用者の一覧")
    ls.set_defaults(func=_list)
    d = usub.add_parser("disable", help="利用者を無効にする（ログインできなくなる。記録は残る）")
    d.add_argument("username")
    d.set_defaults(func=_disable)
    pw = usub.add_parser("passwd", help="パスワードを変更する")
    pw.add_argument("username")
    pw.add_argument("--password-stdin", action="store_true")
    pw.set_defaults(func=_passwd)
    st = usub.add_parser("set-team", help="所属する班を変える（--team を省くと所属なし）")
    st.add_argument("username")
    st.add_argument("--team")
    st.set_defaults(func=_set_team)

    t = sub.add_parser("teams", help="班（SV と CW のまとまり）の登録・一覧")
    tsub = t.add_subparsers(dest="teams_command", required=True)
    ta = tsub.add_parser("add", help="班を登録する")
    ta.add_argument("name")
    ta.add_argument("--sv", required=True, help="班の査察指導員のユーザー名（role=sv）")
    ta.set_defaults(func=_team_add)
    tl = tsub.add_parser("list", help="班の一覧")
    tl.set_defaults(func=_team_list)


def _read_password(from_stdin: bool) -> str:
    if from_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    first = getpass.getpass("パスワード: ")
    if getpass.getpass("もう一度: ") != first:
        from kb_bot.users import UserError

        raise UserError("2回の入力が一致しません")
    return first


def _team_or_none(session: Session, name: str | None) -> Any:
    from kb_bot.users import UserError, get_team

    if not name:
        return None
    team = get_team(session, name)
    if team is None:
        raise UserError(f"班 {name} がありません（`kb-bot teams add {name} --sv USERNAME` で登録してください）")
    return team


@db_handler
def _add(args: argparse.Namespace, settings: Settings, session: Session) -> int:
    from kb_bot.users import add_user

    team = _team_or_none(session, args.team)
    user = add_user(
        session,
        args.username,
        args.role,
        actor=cli_actor(),
        password=_read_password(args.password_stdin),
        display_name=args.display_name,
        team=team,
    )
    print(f"登録しました: {user.username}（{user.role}{'・' + team.name if team else ''}）")
    return 0


@db_handler
def _list(args: argparse.Namespace, settings: Settings, session: Session) -> int:
    from kb_bot.users import ROLE_LABELS, Role, list_users

    print("ユーザー名\t氏名\t役割\t班\t状態")
    for u in list_users(session):
        team = u.team.name if u.team else "-"
        print(
            f"{u.username}\t{u.display_name or '-'}\t{ROLE_LABELS[Role(u.role)]}\t{team}\t{'有効' if u.active else '無効'}"
        )
    return 0


@db_handler
def _disable(args: argparse.Namespace, settings: Settings, session: Session) -> int:
    from kb_bot.users import disable_user, require_user

    disable_user(session, require_user(session, args.username), actor=cli_actor())
    print(f"無効にしました: {args.username}")
    return 0


@db_handler
def _passwd(args: argparse.Namespace, settings: Settings, session: Session) -> int:
    from kb_bot.users import require_user, set_password

    set_password(session, require_user(session, args.username), _read_password(args.password_stdin), actor=cli_actor())
    print(f"パスワードを変更しました: {args.username}")
    return 0


@db_handler
def _set_team(args: argparse.Namespace, settings: Settings, session: Session) -> int:
    from kb_bot.users import require_user, set_team

    set_team(session, require_user(session, args.username), _team_or_none(session, args.team), actor=cli_actor())
    print(f"所属を変更しました: {args.username} → {args.team or '所属なし'}")
    return 0


@db_handler
def _team_add(args: argparse.Namespace, settings: Settings, session: Session) -> int:
    from kb_bot.users import add_team, require_user

    team = add_team(session, args.name, require_user(session, args.sv), actor=cli_actor())
    print(f"班を登録しました: {team.name}（SV: {args.sv}）")
    return 0


@db_handler
def _team_list(args: argparse.Namespace, settings: Settings, session: Session) -> int:
    from kb_bot.users import list_teams, list_users

    everyone = list_users(session)
    print("班\tSV\t人数")
    for t in list_teams(session):
        print(f"{t.name}\t{t.sv.username if t.sv else '-'}\t{sum(1 for u in everyone if u.team_id == t.id)}")
    return 0
