"""``kb-bot serve``: the web app (chat, history, SV queue, admin). ``python app.py`` runs the same.

``--demo`` is for a local try-out: it ingests the bundled sample corpus when there is no index yet and
creates the demo users below (only if they do not exist). Demo passwords are public, so the server refuses
to start on anything but a loopback address when ``--demo`` is given — or when any demo user still has
its demo password.
"""

from __future__ import annotations

import argparse
import errno
import ipaddress
import socket
import sys
from typing import TYPE_CHECKING

from kb_bot.errors import UserError
from kb_bot.settings import Settings

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine

DEMO_TEAM = "第1班"
DEMO_TEAM_2 = "第2班"
DEMO_USERS = [
    # username, role, display name, team, password
    ("admin", "admin", "管理者（デモ）", None, "admin-demo-pass"),
    ("sv1", "sv", "佐藤SV（デモ）", None, "sv1-demo-pass"),
    ("cw1", "cw", "鈴木CW（デモ）", DEMO_TEAM, "cw1-demo-pass"),
    ("cw2", "cw", "高橋CW（デモ）", DEMO_TEAM, "cw2-demo-pass"),
    ("sv2", "sv", "田中SV（デモ・第2班）", None, "sv2-demo-pass"),
    ("cw3", "cw", "伊藤CW（デモ・第2班）", DEMO_TEAM_2, "cw3-demo-pass"),
]
"""sv1 leads 第1班 (cw1, cw2); sv2 leads 第2班 (cw3). Documented in README.md and docs/chat.md."""

DEFAULT_PORT = 7860


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("serve", help="Webアプリ（質問・履歴・SV確認・管理）を起動する")
    p.add_argument("--host", default="127.0.0.1", help="待ち受けるアドレス（既定: 127.0.0.1 = この端末だけ）")
    p.add_argument("--port", type=int, default=DEFAULT_PORT, help=f"待ち受けるポート番号（既定: {DEFAULT_PORT}）")
    p.add_argument("--demo", action="store_true",
                   help="お試し用: 索引がなければ同梱の corpus/ を取り込み、デモ用ユーザーを作る（127.0.0.1 でのみ）")
    p.set_defaults(func=_serve)


class PortInUse(UserError):
    """The address to serve on is taken or not allowed; the message names the flag that changes it."""


def bind(host: str, port: int) -> socket.socket:
    """A listening socket on ``host:port``, taken before any slow start-up work so that a taken port fails at
    once and nobody can grab it between the check and the server start."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as e:
        sock.close()
        if e.errno == errno.EADDRINUSE:
            raise PortInUse(f"ポート {port} は他のプログラムが使用中です。--port {port + 11} のように空いている番号を"
                            f"指定してください（make run なら make run PORT={port + 11}）") from None
        raise PortInUse(f"{host}:{port} で待ち受けできません（{e.strerror}）。--host / --port を確認してください") from None
    sock.listen(2048)
    sock.set_inheritable(True)
    return sock


def is_loopback(host: str) -> bool:
    if host in ("localhost", "ip6-localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def ensure_demo_users(engine: Engine) -> list[str]:
    """Create the demo users and teams that are missing; returns the names created."""
    from kb_bot import users
    from kb_bot.db import session_scope

    created = []
    with session_scope(engine) as s:
        for name, role, display, team, password in DEMO_USERS:
            if users.get_user(s, name) is None:
                t = users.get_team(s, team) if team else None
                users.add_user(s, name, role, actor="demo", password=password, display_name=display, team=t)
                created.append(name)
            if name == "sv1" and users.get_team(s, DEMO_TEAM) is None:
                users.add_team(s, DEMO_TEAM, users.get_user(s, "sv1"), actor="demo")
            if name == "sv2" and users.get_team(s, DEMO_TEAM_2) is None:
                users.add_team(s, DEMO_TEAM_2, users.get_user(s, "sv2"), actor="demo")
    return created


def users_with_demo_passwords(engine: Engine) -> list[str]:
    """Active users that still log in with their published demo password."""
    from argon2 import PasswordHasher
    from argon2.exceptions import InvalidHashError, VerificationError

    from kb_bot import users
    from kb_bot.db import session_scope

    hasher = PasswordHasher()
    found = []
    with session_scope(engine) as s:
        for name, *_, password in DEMO_USERS:
            u = users.get_user(s, name)
            if u is None or not u.active or not u.password_hash:
                continue
            try:
                hasher.verify(u.password_hash, password)
                found.append(name)
            except (VerificationError, InvalidHashError):
                pass
    return found


def demo_note() -> str:
    rows = "".join(f"<li><code>{n}</code> / <code>{p}</code> — {d}</li>" for n, _, d, _, p in DEMO_USERS)
    return f"<strong>お試し用のデモユーザー</strong>（この端末だけで使えます）<ul style='margin:4px 0 0 0'>{rows}</ul>"


def _serve(args: argparse.Namespace, settings: Settings) -> int:
    from kb_bot.chat.config import chat_settings

    chat_settings(settings)  # settings errors before anything starts
    if args.demo and not is_loopback(args.host):
        print(f"エラー: --demo はデモ用の公開パスワードを使うため、{args.host} では起動できません。"
              "127.0.0.1 で起動するか、--demo を外して kb-bot users add で利用者を登録してください", file=sys.stderr)
        return 2
    try:
        sock = bind(args.host, args.port)
    except PortInUse as e:
        print(f"エラー: {e}", file=sys.stderr)
        return 2
    with sock:
        return _start(args, settings, sock)


def _start(args: argparse.Namespace, settings: Settings, sock: socket.socket) -> int:
    """Everything after the port is held: the demo corpus and users, checks, then the server on ``sock``."""
    from kb_bot.db import open_database
    from kb_bot.index.store import IndexStore

    if IndexStore(settings.index_dir).current_name() is None:
        if args.demo:
            from ingest.pipeline import IngestFailed, ingest
            from kb_bot.settings import SampleCorpusMissing, sample_corpus, sample_corpus_folders

            try:
                folders = sample_corpus_folders()
                print(f"索引がないため、同梱のサンプル資料 {sample_corpus()} を取り込みます…", flush=True)
                report = ingest(folders, settings, progress=False)
            except (SampleCorpusMissing, IngestFailed) as e:
                print(f"エラー: {e}", file=sys.stderr)
                return 1
            print(report.to_text().splitlines()[0], flush=True)
        else:
            print("注意: 索引がまだありません。kb-bot ingest corpus/* で資料を取り込むまで、質問には答えられません",
                  file=sys.stderr)
    engine = open_database(settings.db_url)
    note = ""
    if args.demo:
        created = ensure_demo_users(engine)
        if created:
            print(f"デモユーザーを作成しました: {', '.join(created)}（パスワードは「ユーザー名-demo-pass」、例: cw1 / cw1-demo-pass。ローカルでの試用専用です）")
        note = demo_note()
        from kb_bot import demo

        print(demo.start(engine, settings), flush=True)
    elif not is_loopback(args.host):
        weak = users_with_demo_passwords(engine)
        if weak:
            print(f"エラー: デモ用パスワードのままのユーザー（{', '.join(weak)}）がいるため、{args.host} では起動しません。"
                  "kb-bot users disable で無効にするか、パスワードを変更してください", file=sys.stderr)
            return 2
    _hint_first_admin(engine)

    import uvicorn

    from kb_bot.web.app import create_app
    from kb_bot.web.security import SERVER_OPTIONS

    app = create_app(settings, engine, demo_note=note)
    shown = f"[{args.host}]" if ":" in args.host else args.host
    print(f"kb-bot を http://{shown}:{args.port}/ で起動します（終了は Ctrl+C）", flush=True)
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", access_log=False, **SERVER_OPTIONS))
    server.run(sockets=[sock])
    return 0


def _hint_first_admin(engine: Engine) -> None:
    from sqlalchemy import func, select

    from kb_bot.db import session_scope
    from kb_bot.users import User

    with session_scope(engine) as s:
        if not s.scalar(select(func.count()).select_from(User)):
            print("利用者がまだいません。最初の管理者を登録してください: kb-bot users add admin --role admin（または kb-bot serve --demo でお試し）",
                  file=sys.stderr)
