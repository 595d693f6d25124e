"""Cases (ケース): register, import, close, and who may see which (CW own, SV team, admin all)."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from kb_bot import audit
from kb_bot.claims.models import Case
from kb_bot.errors import UserError
from kb_bot.users import PermissionDenied, Role, User, get_user, require_role, visible_user_ids

MOBILE = re.compile(r"0[789]0\d{8}")
CASE_NUMBER = re.compile(r"[0-9A-Za-z\-]{1,30}")
CASE_CSV_COLUMNS = ("case_number", "cw", "head_name", "phone", "birth_date", "closed_on")


class ClaimsError(UserError, ValueError):
    """A request the claims module cannot carry out; the message says what to do instead."""


def normalize_phone(text: str) -> str:
    """Digits only (full-width digits, hyphens and spaces removed): ``０９０-1234-5678`` → ``09012345678``."""
    return "".join(c for c in unicodedata.normalize("NFKC", text or "") if c.isdigit())


def is_mobile(phone: str) -> bool:
    """A number a message service can reach: 070/080/090 and 11 digits."""
    return MOBILE.fullmatch(normalize_phone(phone)) is not None


def decode_csv(data: bytes, file_name: str) -> str:
    """The text of an imported CSV file: UTF-8 (with or without BOM) or Shift_JIS (CP932, as Excel saves it)."""
    for encoding in ("utf-8-sig", "cp932"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise ClaimsError(f"{file_name} の文字コードが読めません（UTF-8 か Shift_JIS で保存してください）")


def csv_records(text: str, file_name: str) -> tuple[list[str], list[tuple[int, dict[str, str]]], list[str]]:
    """Header, ``(line number, row)`` pairs and the problems of rows whose cell count differs from the
    header's: a row cut short (a truncated file) or one with extra cells is never read with guessed values."""
    reader = csv.DictReader(io.StringIO(text))
    rows: list[tuple[int, dict[str, str]]] = []
    problems: list[str] = []
    try:
        for n, raw in enumerate(reader, start=2):
            if None in raw:
                problems.append(f"{n}行目: 列の数が見出しより多いです")
            elif None in raw.values():
                problems.append(f"{n}行目: 列の数が見出しより少ないです（行が途中で切れていないか確認してください）")
            else:
                rows.append((n, raw))
    except csv.Error as e:
        raise ClaimsError(f"{file_name} をCSVとして読めません（{reader.line_num}行目付近: {e}）") from None
    return list(reader.fieldnames or []), rows, problems


def visible_cases(session: Session, actor: User) -> Select[tuple[Case]]:
    query = select(Case).order_by(Case.case_number)
    ids = visible_user_ids(session, actor)
    return query if ids is None else query.where(Case.cw_user_id.in_(ids))


def get_case(session: Session, actor: User, case_number: str) -> Case:
    """The case, if ``actor`` may see it; the same message whether it is missing or not visible."""
    case = session.scalar(visible_cases(session, actor).where(Case.case_number == case_number.strip()))
    if case is None:
        raise ClaimsError(f"ケース {case_number} は見つからないか、閲覧の権限がありません")
    return case


def can_manage(session: Session, actor: User, cw: User) -> bool:
    """The team rule for every change to a case and what hangs on it: a CW their own cases, an SV the
    team's, admin all."""
    ids = visible_user_ids(session, actor)
    return ids is None or cw.id in ids


def require_can_manage(session: Session, actor: User, cw: User) -> None:
    if not can_manage(session, actor, cw):
        raise PermissionDenied(
            f"{actor.username} は {cw.username} の担当ケースを扱えません（CW は自分の、SV は班のケースだけ）"
        )


def _check_case_number(case_number: str) -> str:
    case_number = case_number.strip()
    if not CASE_NUMBER.fullmatch(case_number):
        raise ClaimsError(f"ケース番号 {case_number!r} は英数字とハイフン（30文字まで）で書いてください")
    return case_number


def add_case(
    session: Session,
    actor: User,
    case_number: str,
    cw: User,
    head_name: str,
    *,
    phone: str = "",
    birth_date: dt.date | None = None,
) -> Case:
    case_number = _check_case_number(case_number)
    if cw.role != Role.CW or not cw.active:
        raise ClaimsError(f"担当 {cw.username} は有効なケースワーカー（role=cw）ではありません")
    require_can_manage(session, actor, cw)
    if not head_name.strip():
        raise ClaimsError("世帯主の氏名を指定してください")
    if session.scalar(select(Case.id).where(Case.case_number == case_number)) is not None:
        raise ClaimsError(f"ケース番号 {case_number} はすでに登録されています")
    case = Case(
        case_number=case_number, cw=cw, head_name=head_name.strip(), phone=normalize_phone(phone), birth_date=birth_date
    )
    session.add(case)
    session.flush()
    audit.record(session, actor.username, "case.add", case_number, {"cw": cw.username})
    return case


def close_case(session: Session, actor: User, case: Case, closed_on: dt.date) -> None:
    """保護廃止: 第78条の2 の充当 ends and 介護保険料加算 drafts stop for the case."""
    require_can_manage(session, actor, case.cw)
    case.closed_on = closed_on
    audit.record(session, actor.username, "case.close", case.case_number, {"closed_on": closed_on.isoformat()})


@dataclass(frozen=True)
class CaseImport:
    added: int
    updated: int
    unchanged: int


def _parse_rows(
    session: Session, rows: Iterable[tuple[int, dict[str, str]]]
) -> tuple[list[dict[str, object]], list[str]]:
    parsed: list[dict[str, object]] = []
    problems: list[str] = []
    seen: set[str] = set()
    for n, row in rows:
        try:
            number = _check_case_number(row.get("case_number") or "")
            if number in seen:
                raise ClaimsError(f"ケース番号 {number} が重複しています")
            seen.add(number)
            cw = get_user(session, (row.get("cw") or "").strip())
            if cw is None or cw.role != Role.CW or not cw.active:
                raise ClaimsError(f"担当 {row.get('cw')!r} は登録済みの有効なケースワーカーではありません")
            name = (row.get("head_name") or "").strip()
            if not name:
                raise ClaimsError("世帯主の氏名（head_name）が空です")
            dates = {}
            for col in ("birth_date", "closed_on"):
                value = (row.get(col) or "").strip()
                try:
                    dates[col] = dt.date.fromisoformat(value) if value else None
                except ValueError:
                    raise ClaimsError(f"{col} {value!r} は YYYY-MM-DD で書いてください") from None
            parsed.append(
                {
                    "case_number": number,
                    "cw": cw,
                    "head_name": name,
                    "phone": normalize_phone(row.get("phone") or ""),
                    **dates,
                }
            )
        except ClaimsError as e:
            problems.append(f"{n}行目: {e}")
    return parsed, problems


def import_cases(session: Session, actor: User, path: Path) -> CaseImport:
    """Add or update cases from a CSV (columns ``CASE_CSV_COLUMNS``, UTF-8 or Shift_JIS). All rows are
    checked first: any problem (a bad value, a row cut short, another team's case or CW) → nothing is
    changed and the error lists every problem."""
    require_role(actor, Role.SV, Role.ADMIN)
    header, records, problems = csv_records(decode_csv(path.read_bytes(), path.name), path.name)
    missing = [c for c in CASE_CSV_COLUMNS[:3] if c not in header]
    if missing:
        raise ClaimsError(f"{path.name} に列 {', '.join(missing)} がありません（列: {','.join(CASE_CSV_COLUMNS)}）")
    rows, row_problems = _parse_rows(session, records)
    problems += row_problems
    existing = {
        c.case_number: c
        for c in session.scalars(select(Case).where(Case.case_number.in_([r["case_number"] for r in rows])))
    }
    for row in rows:
        cw = row["cw"]
        assert isinstance(cw, User)
        if not can_manage(session, actor, cw):
            problems.append(f"ケース {row['case_number']}: 担当 {cw.username} は {actor.username} の班ではありません")
        case = existing.get(str(row["case_number"]))
        if case is not None and not can_manage(session, actor, case.cw):
            problems.append(
                f"ケース {case.case_number}: 他の班のケースとして登録済みです（{actor.username} は変更できません）"
            )
    if problems:
        raise ClaimsError("取り込みを中止しました（何も変更していません）:\n" + "\n".join(problems))
    added = updated = unchanged = 0
    for row in rows:
        case = existing.get(str(row["case_number"]))
        if case is None:
            session.add(Case(**row))
            audit.record(session, actor.username, "case.add", str(row["case_number"]), {"source": path.name})
            added += 1
            continue
        changes = {k: v for k, v in row.items() if getattr(case, k) != v}
        if not changes:
            unchanged += 1
            continue
        for k, v in changes.items():
            setattr(case, k, v)
        detail = {
            k: (v.username if isinstance(v, User) else str(v) if v is not None else None) for k, v in changes.items()
        }
        audit.record(session, actor.username, "case.update", case.case_number, {"source": path.name, **detail})
        updated += 1
    session.flush()
    return CaseImport(added, updated, unchanged)
