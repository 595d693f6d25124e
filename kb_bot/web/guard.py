"""What a person sees when a web handler fails, and what the server log gets.

Every event handler of the app is wrapped (:func:`guard_blocks`) so that

- a :class:`kb_bot.errors.UserError` is shown as its own (Japanese) message, and a permission refusal
  (:func:`refuse`) is logged as one line — no traceback for an ordinary refusal;
- anything else is logged with its traceback and the person sees :data:`GENERIC` only: never the exception
  text, which may carry SQL parameters, hashes or paths.
"""

import functools
import html
import inspect
import logging
from collections.abc import Callable, Iterator
from typing import Any, NoReturn

from kb_bot.errors import UserError

log = logging.getLogger("kb_bot.web")

GENERIC = "処理中に予期しないエラーが発生しました。もう一度試し、続くときは管理者に連絡してください（詳細はサーバーの記録にあります）"


TITLE = "エラー"


def _error(message: str) -> Exception:
    """Gradio's error box with a Japanese title; the message is escaped (Gradio renders it as HTML)."""
    import gradio as gr

    return gr.Error(html.escape(message, quote=False), title=TITLE, print_exception=False)


def refuse(message: str, who: str | None = None) -> NoReturn:
    """Stop a handler: ``message`` goes to the person, one line to the log."""
    log.warning("kb-bot: 拒否しました（%s）: %s", who or "未ログイン", message)
    raise _error(message)


def shown(error: Exception) -> Exception:
    """The ``gr.Error`` a person sees for ``error`` (logged here unless it is meant for a person)."""
    import gradio as gr

    if isinstance(error, gr.Error):
        return error
    if isinstance(error, UserError):
        return _error(str(error))
    log.error("kb-bot: 画面の処理で予期しないエラー", exc_info=error)
    return _error(GENERIC)


def guarded(fn: Callable) -> Callable:
    """``fn`` (a plain function or a generator) with its failures turned into :func:`shown` errors."""
    if inspect.isgeneratorfunction(fn):
        @functools.wraps(fn)
        def gen(*args: Any, **kwargs: Any) -> Iterator[Any]:
            try:
                yield from fn(*args, **kwargs)
            except Exception as e:  # the one place that decides what a person sees
                raise shown(e) from e
        return gen

    @functools.wraps(fn)
    def call(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except Exception as e:  # the one place that decides what a person sees
            raise shown(e) from e
    return call


def guard_blocks(blocks: Any) -> None:
    """Wrap every event handler registered on ``blocks`` (a ``gr.Blocks``) with :func:`guarded`."""
    for block_fn in blocks.fns.values():
        if block_fn.fn is not None and not getattr(block_fn.fn, "_kb_guarded", False):
            block_fn.fn = guarded(block_fn.fn)
            block_fn.fn._kb_guarded = True
