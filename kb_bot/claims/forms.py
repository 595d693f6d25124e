"""The claims module's input forms: one parser per kind of input (amounts: :mod:`kb_bot.claims.money`), used by the web tabs and (through
argparse types) by ``kb-bot cases``/``claims``/``deadlines``/``kaigo``; and the event form
(:class:`EventForm`, :func:`record_event`): which fields each kind of event needs, checked in one place for
the 債権 tab and ``kb-bot claims event``.

Every parser takes what a person typed (full-width digits included), returns a typed value and raises
:class:`kb_bot.claims.cases.ClaimsError` with a Japanese message naming the field when it cannot.
"""

from __future__ import annotations

import argparse
import datetime as dt
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar

from kb_bot.claims.cases import ClaimsError
from kb_bot.claims.money import parse_yen

if TYPE_CHECKING:
    from collections.abc import Iterable

    from sqlalchemy.orm import Session

    from kb_bot.claims.calendar import HolidayCalendar
    from kb_bot.claims.config import ClaimsSettings
    from kb_bot.claims.models import Claim
    from kb_bot.claims.service import Heir, Recorded
    from kb_bot.users import User

T = TypeVar("T")

EVENT_CHOICES = [
    ("収納（納付・充当）", "payment"),
    ("督促", "dunning"),
    ("分納計画", "installment_plan"),
    ("催告", "reminder"),
    ("時効更新（債務承認など）", "renewal"),
    ("保護費からの充当の申出", "offset_request"),
    ("調定（未調定の債権）", "assessment"),
    ("過誤納の還付", "refund"),
    ("債務者の変更（相続など）", "debtor_change"),
    ("債務者の死亡（相続人への承継）", "succession"),
    ("移管メモ", "transfer_note"),
    ("誤った記録の取消（訂正）", "reversal"),
    ("不納欠損（SV・管理者）", "write_off"),
]
EVENT_FIELDS = ("amount", "route", "refund", "deadline", "due", "first_due", "count", "method", "text",
                "event_no", "name", "relation", "phone", "died_on", "heirs", "confirm")
"""The event form's inputs, in the order the handler takes them (after claim, kind and date)."""
FIELDS_BY_KIND: dict[str, tuple[str, ...]] = {
    "payment": ("amount", "route", "refund"),
    "dunning": ("deadline",),
    "installment_plan": ("first_due", "count"),
    "reminder": ("method", "text"),
    "renewal": ("text",),
    "offset_request": ("text",),
    "assessment": ("due",),
    "refund": ("amount", "text"),
    "debtor_change": ("name", "relation", "phone", "text"),
    "transfer_note": ("text",),
    "reversal": ("event_no", "text"),
    "write_off": ("amount", "text", "confirm"),
    "succession": ("died_on", "heirs"),
}
TEXT_LABELS = {
    "reminder": "メモ（任意）",
    "renewal": "理由（必須。例: 債務承認書を受領）",
    "offset_request": "メモ（任意）",
    "refund": "メモ（任意）",
    "debtor_change": "理由（必須。例: 相続）",
    "transfer_note": "メモ（必須）",
    "reversal": "取消の理由（必須。例: 二重入力）",
    "write_off": "理由（必須。例: 時効完成）",
}
DATE_LABELS = {
    "payment": "収納日", "dunning": "督促日", "installment_plan": "分納の承認日", "reminder": "催告日",
    "renewal": "更新の日（債務承認の日など）", "offset_request": "申出の日", "assessment": "調定日",
    "refund": "還付日", "debtor_change": "変更日", "succession": "承継を記録する日", "transfer_note": "日付",
    "reversal": "取消の日", "write_off": "不納欠損の日",
}


def parse_day(text: Any, what: str, *, default_today: bool = True) -> dt.date:
    """``2025-07-15``, ``2025/7/15``, ``2025年7月15日`` or full-width digits; empty = today (or an error when
    ``default_today`` is false)."""
    raw = unicodedata.normalize("NFKC", str(text or "")).strip()
    if not raw:
        if default_today:
            return dt.date.today()
        raise ClaimsError(f"{what}を入力してください（YYYY-MM-DD）")
    m = re.fullmatch(r"(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?", raw)
    try:
        if not m:
            raise ValueError
        return dt.date(int(m[1]), int(m[2]), int(m[3]))
    except ValueError:
        raise ClaimsError(f"{what} {raw!r} は YYYY-MM-DD（例: 2025-07-15）で書いてください") from None


def parse_int(value: Any, what: str, *, required: bool = True) -> int | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            raise ClaimsError(f"{what}を入力してください")
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise ClaimsError(f"{what} {value!r} は整数で書いてください") from None
    if number != int(number):
        raise ClaimsError(f"{what} {value!r} は整数で書いてください")
    return int(number)


def parse_months(text: str) -> list[tuple[str, int]]:
    """One benefit month per line: ``2024-10=60000`` (also ``2024-10 60,000`` or ``2024/10,60000``)."""
    out: list[tuple[str, int]] = []
    for n, line in enumerate(unicodedata.normalize("NFKC", text or "").splitlines(), start=1):
        line = line.strip()
        if not line:
            continue
        m = re.fullmatch(r"(\d{4})[-/年](\d{1,2})月?\s*[=＝:\s,\t]\s*(.+)", line)
        if not m:
            raise ClaimsError(f"支給月の {n}行目 {line!r} は「YYYY-MM=金額」の形で書いてください")
        month = f"{m[1]}-{int(m[2]):02d}"
        amount = parse_yen(m[3], f"支給月 {month} の額")
        assert amount is not None
        out.append((month, amount))
    if not out:
        raise ClaimsError("対象の支給月と額を1行に1か月ずつ入力してください（例: 2024-10=60000）")
    return out


def parse_deductions(text: str) -> list[tuple[str, int, str]]:
    """自立更生費: ``用途=金額=証拠`` per line."""
    out: list[tuple[str, int, str]] = []
    for n, line in enumerate(unicodedata.normalize("NFKC", text or "").splitlines(), start=1):
        line = line.strip()
        if not line:
            continue
        parts = [p.strip() for p in line.split("=")]
        if not 2 <= len(parts) <= 3 or not parts[0]:
            raise ClaimsError(f"自立更生費の {n}行目 {line!r} は「用途=金額=証拠」の形で書いてください")
        amount = parse_yen(parts[1], f"自立更生費 {parts[0]} の額")
        assert amount is not None
        out.append((parts[0], amount, parts[2] if len(parts) == 3 else ""))
    return out


def parse_heirs(lines: Iterable[str]) -> tuple[Heir, ...]:
    """相続人: ``氏名=続柄=相続分[=電話]`` per entry (one per ``--heir`` or one per line of the tab's box),
    full-width characters allowed; empty lines are skipped."""
    from kb_bot.claims.service import parse_heir

    return tuple(parse_heir(line) for line in (unicodedata.normalize("NFKC", x).strip() for x in lines) if line)


def argparse_type(parse: Callable[[str], T]) -> Callable[[str], T]:
    """``parse`` as an argparse ``type=``: its message becomes argparse's one-line error."""

    def convert(text: str) -> T:
        try:
            return parse(text)
        except ClaimsError as e:
            raise argparse.ArgumentTypeError(str(e)) from None

    convert.__name__ = getattr(parse, "__name__", "value")
    return convert


# -- the event form: one set of rules for the web tab and ``kb-bot claims event`` ------------------------

CLI_EVENT_KINDS = {
    "assess": "assessment", "payment": "payment", "offset-request": "offset_request", "plan": "installment_plan",
    "dunning": "dunning", "reminder": "reminder", "renewal": "renewal", "write-off": "write_off", "refund": "refund",
    "debtor-change": "debtor_change", "transfer-note": "transfer_note", "reverse": "reversal",
    "succession": "succession",
}
"""The command line's event names and the event kinds they record."""
REASON_KINDS = ("renewal", "debtor_change", "reversal", "write_off")
"""Kinds whose free text is a required reason (the others take an optional note, except 移管メモ)."""
_REASON_LABELS = {"renewal": "時効更新の理由", "debtor_change": "変更の理由", "reversal": "取消の理由",
                  "write_off": "不納欠損の理由"}
_AMOUNT_LABELS = {"payment": "収納額", "refund": "還付額", "write_off": "不納欠損額"}


@dataclass(frozen=True)
class EventForm:
    """What a person entered for one event, already parsed (only the fields of its kind are read)."""

    kind: str
    """A key of :data:`FIELDS_BY_KIND` (the ledger's event kind)."""
    on: dt.date
    amount: int | None = None
    route: str = "counter"
    refund: bool = False
    deadline: dt.date | None = None
    due: dt.date | None = None
    first_due: dt.date | None = None
    count: int | None = None
    method: str = ""
    note: str = ""
    reason: str = ""
    event_no: int | None = None
    name: str = ""
    relation: str = ""
    phone: str = ""
    confirm_non_dischargeable: bool = False
    """write_off: an SV confirmed writing off a non-dischargeable claim (第77条の2・第78条) after a bankruptcy."""
    died_on: dt.date | None = None
    """succession: the debtor's date of death."""
    heirs: tuple[Heir, ...] = ()
    """succession: the heirs and their statutory shares (:func:`parse_heirs`)."""


class MissingField(ClaimsError):
    """A field the event's kind needs was left empty; ``field`` names it (an :class:`EventForm` attribute)."""

    def __init__(self, label: str, field: str) -> None:
        super().__init__(f"{label}を入力してください")
        self.field = field


def _required(value: T | None, label: str, field: str) -> T:
    if value is None or (isinstance(value, str) and not value.strip()):
        raise MissingField(label, field)
    return value


def record_event(session: Session, actor: User, claim: Claim, form: EventForm, cfg: ClaimsSettings,
                 calendar: HolidayCalendar) -> Recorded:
    """Check the fields ``form.kind`` needs and record the event through :mod:`kb_bot.claims.service`."""
    from kb_bot.claims import service
    from kb_bot.claims.ledger import NON_DISCHARGEABLE_CONFIRMED, Kind

    kind = form.kind
    if kind not in FIELDS_BY_KIND:
        raise ClaimsError("記録の種類を選んでください")
    if kind == "payment":
        return service.record_payment(session, actor, claim, form.on, _required(form.amount, "収納額", "amount"), form.route,
                                      cfg=cfg, refund=form.refund)
    if kind == "dunning":
        return service.record_dunning(session, actor, claim, form.on, cfg=cfg, calendar=calendar,
                                      deadline=form.deadline)
    if kind == "installment_plan":
        count = _required(form.count, "分納の回数", "count")
        if count < 1:
            raise ClaimsError("分納の回数は1回以上にしてください")
        return service.record_plan(session, actor, claim, form.on, _required(form.first_due, "最初の納期", "first_due"), count,
                                   cfg=cfg, calendar=calendar)
    if kind == "succession":
        died_on = _required(form.died_on, "債務者の死亡日", "died_on")
        if not form.heirs:
            raise MissingField("相続人（氏名=続柄=相続分）", "heirs")
        recorded, _ = service.record_succession(session, actor, claim, form.on, died_on, form.heirs, cfg=cfg)
        return recorded
    if kind == "assessment":
        return service.assess(session, actor, claim, form.on, _required(form.due, "納期限", "due"), cfg=cfg, calendar=calendar)
    reason = _required(form.reason.strip(), _REASON_LABELS[kind], "reason") if kind in REASON_KINDS else ""
    if kind == "reversal":
        return service.reverse_event(session, actor, claim, _required(form.event_no, "取り消す記録番号", "event_no"), form.on,
                                     reason, cfg=cfg)
    note = form.note.strip()
    data: dict[str, Any]
    if kind == "reminder":
        data = {"method": _required(form.method.strip(), "催告の方法（電話・文書・訪問）", "method"), "note": note}
    elif kind == "renewal":
        data = {"reason": reason}
    elif kind == "offset_request":
        data = {"note": note}
    elif kind in ("refund", "write_off"):
        amount = _required(form.amount, _AMOUNT_LABELS[kind], "amount")
        if kind == "refund":
            data = {"amount": amount, "note": note}
        else:
            data = {"amount": amount, "reason": reason,
                    **({NON_DISCHARGEABLE_CONFIRMED: True} if form.confirm_non_dischargeable else {})}
    elif kind == "debtor_change":
        data = {"name": _required(form.name.strip(), "新しい債務者の氏名", "name"), "relation": form.relation.strip(),
                "phone": form.phone, "reason": reason}
    else:  # transfer_note
        data = {"note": _required(note, "移管メモ", "note")}
    return service.record_event(session, actor, claim, Kind(kind), form.on, data, cfg=cfg)
