"""The ``kb-bot`` command line.

Each feature lives in its own module under ``kb_bot.commands`` exposing ``register(subparsers)``;
that function only declares arguments, and heavy imports happen inside the handler it sets with
``parser.set_defaults(func=...)`` so that ``kb-bot ask`` starts fast.
A handler takes ``(args, settings)`` and returns the process exit code.
"""

from __future__ import annotations

import argparse
import importlib
import sys

from kb_bot import __version__
from kb_bot.settings import SettingsError, load_settings

COMMAND_MODULES = [
    "kb_bot.commands.search",
    "kb_bot.commands.users",
    "kb_bot.commands.claims",
    "kb_bot.commands.deadlines",
    "kb_bot.commands.kaigo",
    "kb_bot.commands.evaluate",
    "kb_bot.commands.serve",
]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="kb-bot",
        description="生活保護業務の参考情報検索（kb-bot）。回答は参考情報です。根拠の原文を確認してください。",
    )
    parser.add_argument("--version", action="version", version=f"kb-bot {__version__}")
    parser.add_argument("--data-dir", dest="home", help="索引とデータベースを置くフォルダ（既定: $KB_BOT_HOME）")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for name in COMMAND_MODULES:
        importlib.import_module(name).register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        settings = load_settings(home=args.home)
        return int(args.func(args, settings) or 0)
    except SettingsError as e:
        print(f"設定エラー: {e}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
