"""The ``kb-bot`` command line.

Each feature lives in its own module under ``kb_bot.commands`` exposing ``register(subparsers)``;
that function only declares arguments, and heavy imports happen inside the handler it sets with
``parser.set_defaults(func=...)`` so that ``kb-bot ask`` starts fast.
A handler takes ``(args, settings)`` and returns the process exit code.

:func:`main` is the one place that decides what a person sees when a command fails: a
:class:`kb_bot.errors.UserError` is printed as its message (exit 1; a settings error exits 2); anything else is
a defect — its traceback goes to ``<home>/logs/errors.log`` and the terminal shows a generic line without
the exception text (which may carry SQL parameters or a password hash).
"""

from __future__ import annotations

import argparse
import datetime as dt
import importlib
import re
import sys
import traceback
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from kb_bot import __version__
from kb_bot.errors import UserError
from kb_bot.settings import Settings, SettingsError, load_settings, validate

COMMAND_MODULES = [
    "kb_bot.commands.search",
    "kb_bot.commands.users",
    "kb_bot.commands.claims",
    "kb_bot.commands.deadlines",
    "kb_bot.commands.kaigo",
    "kb_bot.commands.evaluate",
    "kb_bot.commands.serve",
]


ERROR_LOG = Path("logs") / "errors.log"
"""Relative to the data home: where :func:`main` writes the traceback of an unexpected error."""

_ARGPARSE_ERRORS = [
    (re.compile(r"the following arguments are required: (.*)"), r"次の引数を指定してください: \1"),
    (re.compile(r"unrecognized arguments: (.*)"), r"不明な引数です: \1"),
    (re.compile(r"argument (.*?): invalid choice: (.*?) \(choose from (.*)\)"), r"\1: \2 は選べません（選択肢: \3）"),
    (re.compile(r"argument (.*?): expected one argument"), r"\1: 値を1つ指定してください"),
    (re.compile(r"argument (.*?): expected at least one argument"), r"\1: 値を1つ以上指定してください"),
    (re.compile(r"argument (.*?): invalid (\w+) value: (.*)"), r"\1: \3 は正しい値ではありません"),
    (re.compile(r"argument (.*?): not allowed with argument (.*)"), r"\1 と \2 は同時に指定できません"),
    (re.compile(r"argument (.*?): (.*)"), r"\1: \2"),
]


class JapaneseArgumentParser(argparse.ArgumentParser):
    """argparse with Japanese headings (使い方・引数・オプション), help line and common error messages; the
    sub-command parsers inherit it."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        add_help = kwargs.pop("add_help", True)
        super().__init__(*args, add_help=False, **kwargs)
        self._positionals.title = "引数"
        self._optionals.title = "オプション"
        if add_help:
            self.add_argument("-h", "--help", action="help", default=argparse.SUPPRESS,
                              help="この説明を表示して終了します")

    def _get_formatter(self) -> argparse.HelpFormatter:
        formatter = super()._get_formatter()
        add_usage = formatter.add_usage

        def japanese_usage(usage: str | None, actions: Iterable[argparse.Action],
                           groups: Iterable[argparse._MutuallyExclusiveGroup], prefix: str | None = None) -> None:
            return add_usage(usage, actions, groups, "使い方: " if prefix is None else prefix)

        formatter.add_usage = japanese_usage  # type: ignore[method-assign]
        return formatter

    def add_subparsers(self, **kwargs: Any) -> argparse._SubParsersAction:
        kwargs.setdefault("title", "コマンド")
        return super().add_subparsers(**kwargs)

    def error(self, message: str) -> None:  # type: ignore[override]
        for pattern, japanese in _ARGPARSE_ERRORS:
            if pattern.fullmatch(message):
                message = pattern.sub(japanese, message)
                break
        self.print_usage(sys.stderr)
        self.exit(2, f"{self.prog}: エラー: {message}\n")


def build_parser() -> argparse.ArgumentParser:
    parser = JapaneseArgumentParser(
        prog="kb-bot",
        description="生活保護業務の参考情報検索（kb-bot）。回答は参考情報です。根拠の原文を確認してください。",
    )
    parser.add_argument("--version", action="version", version=f"kb-bot {__version__}",
                        help="バージョンを表示して終了します")
    parser.add_argument("--data-dir", dest="home", help="索引とデータベースを置くフォルダ（既定: $KB_BOT_HOME）")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for name in COMMAND_MODULES:
        importlib.import_module(name).register(sub)
    return parser


def _log_unexpected(settings: Settings | None) -> Path | None:
    """Append the current exception's traceback to the error log; None when it cannot be written."""
    if settings is None:
        return None
    path = settings.home / ERROR_LOG
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("a", encoding="utf-8") as log:
            log.write(f"--- {dt.datetime.now(dt.UTC).isoformat(timespec='seconds')} kb-bot {' '.join(sys.argv[1:2])}\n")
            log.write(traceback.format_exc())
    except OSError:
        return None
    return path


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    settings: Settings | None = None
    try:
        settings = validate(load_settings(home=args.home))
        return int(args.func(args, settings) or 0)
    except SettingsError as e:
        print(f"設定エラー: {e}", file=sys.stderr)
        return 2
    except UserError as e:
        print(f"エラー: {e}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
    except Exception:  # noqa: BLE001 - the one place that decides what a person sees
        log = _log_unexpected(settings)
        where = f"詳細は {log} に記録しました。" if log else "詳細を記録できませんでした（保存先に書き込めません）。"
        print(f"エラー: 予期しない問題で処理を中止しました。変更は保存していません。{where}"
              "続くときは管理者に連絡してください", file=sys.stderr)
        return 70


if __name__ == "__main__":
    sys.exit(main())
