"""Bulk 介護保険料加算 from the premium file of the 介護保険 system.

The file (CSV, UTF-8 or Shift_JIS, header row) has one row per insured person and fiscal year:

=================  =========================================================================
ケース番号          the welfare office's case number, sent to the insurer with the yearly list of
                   recipients aged 65+; **rows are matched to cases on it** (exact match)
被保険者番号        10 digits; identifies the person within the case
氏名               name of the insured person
生年月日            YYYY-MM-DD (or YYYY/MM/DD); the person must be 65 by the end of the fiscal year
年度               fiscal year, e.g. 2026 (April 2026 – March 2027)
徴収方法            普通 (paid with a payment slip) or 特別 (deducted from the pension)
特別徴収開始月      YYYY-MM the pension deduction starts (特別 only; empty = April of the year)
4月 … 3月           twelve columns: the 普通徴収 premium falling due in that month, integer yen
                   (empty = 0); for 特別, months from the start month must be 0
=================  =========================================================================

Every row is checked first; one invalid row → a report of every problem and nothing is stored.
Each valid, matched row becomes a draft per case: new or changed 加算 (普通), no 加算 with the reason
(特別), 加算 ended (switched to 特別). Unmatched rows are reported. The drafts are decided per case — by
the case's CW, or by the SV for the whole batch (``[claims] kaigo_approval``) — and each decision is
stored (append-only) with its notice data. A file is imported once per scope (file hash + scope): an
administrator's import covers the office, an SV's the teams they lead, so each team's SV can import the
office-wide file for their team, and the same file again for the same teams changes nothing.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from kb_bot import audit
from kb_bot.claims.cases import ClaimsError, can_manage, csv_records, decode_csv
from kb_bot.claims.config import ClaimsSettings
from kb_bot.claims.models import Case, KaigoBatch, KaigoDecision, KaigoDraft
from kb_bot.claims.money import check_yen
from kb_bot.users import PermissionDenied, Role, Team, User, can_see, require_role, visible_user_ids

MONTH_COLUMNS = ("4月", "5月", "6月", "7月", "8月", "9月", "10月", "11月", "12月", "1月", "2月", "3月")
COLUMNS = ("ケース番号", "被保険者番号", "氏名", "生年月日", "年度", "徴収方法", "特別徴収開始月", *MONTH_COLUMNS)
METHODS = {"普通": "normal", "特別": "special"}
FIRST_INSURED_AGE = 65

KIND_LABELS = {"new": "加算の新規計上", "changed": "加算額の変更", "ended": "加算の終了", "none": "加算なし"}
STATUS_LABELS = {
    "pending": "決定待ち",
    "approved": "決定済",
    "rejected": "却下",
    "superseded": "新しい取込で置換",
    "no_action": "対応不要",
}
REASONS = {
    "new": "普通徴収の第1号被保険者のため介護保険料加算を計上",
    "changed": "保険料額の変更（所得段階の変更・再算定）による加算額の変更",
    "ended": "特別徴収（年金からの天引き）への切替えにより加算を終了",
    "none": "特別徴収（年金からの天引き）のため加算なし。保険料は年金の収入認定で控除する",
}
OTHER_TEAM = "取り込んだ人の班のケースではありません（その班のSVか管理者が取り込みます）"
NOTICE_BASIS = "生活保護法第25条第2項（職権による保護の変更）"
CONCURRENT_DRAFTS = (
    "{file} の取込中に、別の取込が同じ人の下書きを作りました。何も取り込んでいません。もう一度実行してください"
)


class KaigoFileError(ClaimsError):
    """The file has invalid rows; ``problems`` lists every one of them. Nothing was stored."""

    def __init__(self, file_name: str, problems: list[str]):
        self.problems = problems
        super().__init__(
            f"{file_name} に誤りが {len(problems)} 件あります。何も取り込んでいません:\n" + "\n".join(problems)
        )


@dataclass(frozen=True)
class KaigoRow:
    row: int
    case_number: str
    insured_number: str
    name: str
    birth_date: dt.date
    fiscal_year: int
    method: str
    special_from: str
    amounts: tuple[int, ...]


@dataclass
class ImportResult:
    batch: KaigoBatch
    already_imported: bool
    drafts: list[KaigoDraft] = field(default_factory=list)
    unchanged: int = 0
    superseded: int = 0
    covered: int = 0
    """Rows of the importer's cases left alone: an earlier import of the file already covered their team."""
    earlier: list[KaigoBatch] = field(default_factory=list)
    """The earlier imports of the same file (other teams)."""


OFFICE_SCOPE = "office"


def _scope_teams(scope: str) -> set[int] | None:
    """The team ids a batch's scope covers; None for the whole office."""
    if scope == OFFICE_SCOPE:
        return None
    return {int(t) for t in scope.removeprefix("team:").split(",")}


def _import_teams(session: Session, actor: User) -> set[int] | None:
    """What an import by ``actor`` covers: an administrator the whole office (None), an SV the teams they lead."""
    if actor.role == Role.ADMIN:
        return None
    teams = set(session.scalars(select(Team.id).where(Team.sv_user_id == actor.id)))
    if not teams:
        raise ClaimsError(f"{actor.username} は班を担当していないため取り込めません（管理者が班のSVに設定するか、管理者が取り込みます）")
    return teams


def fiscal_months(year: int) -> list[str]:
    """``YYYY-MM`` for April of ``year`` … March of ``year + 1``."""
    return [f"{year + (m < 4)}-{m:02d}" for m in (4, 5, 6, 7, 8, 9, 10, 11, 12, 1, 2, 3)]


def _age_reached_on(birth: dt.date, age: int) -> dt.date:
    """The day a person legally reaches ``age``: the day before the birthday (年齢計算ニ関スル法律)."""
    try:
        birthday = birth.replace(year=birth.year + age)
    except ValueError:  # born on 29 February
        birthday = dt.date(birth.year + age, 3, 1)
    return birthday - dt.timedelta(days=1)


def _parse_date(text: str) -> dt.date:
    return dt.date.fromisoformat(text.strip().replace("/", "-"))


def _parse_row(n: int, row: dict[str, str | None], problems: list[str]) -> KaigoRow | None:
    errors: list[str] = []

    def cell(name: str) -> str:
        return (row.get(name) or "").strip()

    case_number = cell("ケース番号")
    if not case_number:
        errors.append("ケース番号が空です")
    insured = cell("被保険者番号")
    if not re.fullmatch(r"\d{10}", insured):
        errors.append(f"被保険者番号 {insured!r} は10桁の数字にしてください")
    name = cell("氏名")
    if not name:
        errors.append("氏名が空です")
    year = 0
    try:
        year = int(cell("年度"))
        if not 2000 <= year <= 2100:
            raise ValueError
    except ValueError:
        errors.append(f"年度 {cell('年度')!r} は西暦4桁（例: 2026）で書いてください")
    birth = dt.date.min
    try:
        birth = _parse_date(cell("生年月日"))
    except ValueError:
        errors.append(f"生年月日 {cell('生年月日')!r} は YYYY-MM-DD で書いてください")
    if year and birth != dt.date.min and _age_reached_on(birth, FIRST_INSURED_AGE) > dt.date(year + 1, 3, 31):
        errors.append(f"生年月日 {birth} では {year}年度中に65歳にならず、第1号被保険者ではありません")
    method = METHODS.get(cell("徴収方法"), "")
    if not method:
        errors.append(f"徴収方法 {cell('徴収方法')!r} は 普通 か 特別 にしてください")
    amounts: list[int] = []
    unreadable = len(errors)
    for col in MONTH_COLUMNS:
        text = cell(col).replace(",", "")
        if not text:
            amounts.append(0)
        elif text.isdigit():
            try:
                amounts.append(check_yen(int(text), f"{col} の保険料額"))
            except ClaimsError as e:
                errors.append(str(e))
                amounts.append(0)
        else:
            errors.append(f"{col} の保険料額 {cell(col)!r} は0以上の整数（円）にしてください")
            amounts.append(0)
    amounts_ok = len(errors) == unreadable
    special_from = cell("特別徴収開始月")
    if year and method == "special":
        months = fiscal_months(year)
        special_from = special_from.replace("/", "-") or months[0]
        if re.fullmatch(r"\d{4}-\d", special_from):
            special_from = f"{special_from[:5]}0{special_from[5:]}"
        if special_from not in months:
            errors.append(f"特別徴収開始月 {special_from!r} は {year}年度の YYYY-MM にしてください")
        else:
            start = months.index(special_from)
            late = [MONTH_COLUMNS[i] for i in range(start, 12) if amounts[i]]
            if late:
                errors.append(f"特別徴収開始月 {special_from} 以後の {'・'.join(late)} に普通徴収の額があります")
    elif method == "normal":
        if special_from:
            errors.append("普通徴収の行に特別徴収開始月が書かれています")
        if amounts_ok and not any(amounts):
            errors.append("普通徴収なのに納期ごとの保険料額がありません")
    if errors:
        problems.extend(f"{n}行目: {e}" for e in errors)
        return None
    return KaigoRow(n, case_number, insured, name, birth, year, method, special_from, tuple(amounts))


def parse_file(data: bytes, file_name: str) -> list[KaigoRow]:
    """Every row, or :class:`KaigoFileError` listing every problem in the file."""
    header, records, problems = csv_records(decode_csv(data, file_name), file_name)
    missing = [c for c in COLUMNS if c not in header]
    if missing:
        raise KaigoFileError(
            file_name, [f"1行目: 列 {'・'.join(missing)} がありません（列の順は自由、名前は docs/claims.md のとおり）"]
        )
    rows: list[KaigoRow] = []
    seen: dict[tuple[str, int], int] = {}
    for n, raw in records:
        row = _parse_row(n, raw, problems)
        if row is None:
            continue
        key = (row.insured_number, row.fiscal_year)
        if key in seen:
            problems.append(
                f"{n}行目: 被保険者番号 {row.insured_number} の {row.fiscal_year}年度 は {seen[key]}行目 と重複しています"
            )
            continue
        seen[key] = n
        rows.append(row)
    if not rows and not problems:
        problems.append("データ行がありません")
    if problems:
        raise KaigoFileError(file_name, problems)
    return rows


def current_amounts(session: Session, case_id: int, insured_number: str, fiscal_year: int) -> list[int]:
    """The 加算 in force: the amounts of the latest approved draft for the person and year (zeros if none)."""
    amounts = session.scalar(
        select(KaigoDraft.amounts)
        .join(KaigoDecision, KaigoDecision.draft_id == KaigoDraft.id)
        .where(
            KaigoDraft.case_id == case_id,
            KaigoDraft.insured_number == insured_number,
            KaigoDraft.fiscal_year == fiscal_year,
            KaigoDecision.outcome == "approved",
        )
        .order_by(KaigoDecision.id.desc())
        .limit(1)
    )
    return list(amounts) if amounts is not None else [0] * 12


def _draft_kind(row: KaigoRow, previous: list[int], known: bool) -> str | None:
    """The change the row asks for; None when nothing changes for a person seen before."""
    target = list(row.amounts)
    if target == previous:
        return None if known or any(target) else "none"
    if not any(previous):
        return "new"
    return "ended" if row.method == "special" else "changed"


def _draft_rows(
    session: Session, actor: User, batch: KaigoBatch, rows: list[KaigoRow], covered: set[int], result: ImportResult
) -> list[dict[str, Any]]:
    """Add the batch's drafts to ``result``, superseding the pending drafts they replace; the rows matched
    to no case of ``actor``'s (their reasons) are returned."""
    unmatched: list[dict[str, Any]] = []
    for row in rows:
        case = session.scalar(select(Case).where(Case.case_number == row.case_number))
        if case is None:
            unmatched.append(
                {
                    "row": row.row,
                    "case_number": row.case_number,
                    "name": row.name,
                    "reason": "ケース番号が登録されていません",
                }
            )
            continue
        if not can_manage(session, actor, case.cw):  # the team rule of every change to a case
            unmatched.append(
                {"row": row.row, "case_number": row.case_number, "name": row.name, "reason": OTHER_TEAM}
            )
            continue
        if case.cw.team_id in covered:
            result.covered += 1
            continue
        if case.closed_on is not None:
            unmatched.append(
                {
                    "row": row.row,
                    "case_number": row.case_number,
                    "name": row.name,
                    "reason": f"保護廃止（{case.closed_on}）のケースです。加算は廃止で終了しています",
                }
            )
            continue
        previous = current_amounts(session, case.id, row.insured_number, row.fiscal_year)
        known = (
            session.scalar(
                select(KaigoDraft.id)
                .where(
                    KaigoDraft.case_id == case.id,
                    KaigoDraft.insured_number == row.insured_number,
                    KaigoDraft.fiscal_year == row.fiscal_year,
                )
                .limit(1)
            )
            is not None
        )
        kind = _draft_kind(row, previous, known)
        if kind is None:
            result.unchanged += 1
            continue
        for old in session.scalars(
            select(KaigoDraft).where(
                KaigoDraft.case_id == case.id,
                KaigoDraft.insured_number == row.insured_number,
                KaigoDraft.fiscal_year == row.fiscal_year,
                KaigoDraft.status == "pending",
            )
        ):
            old.status = "superseded"
            audit.record(
                session, actor.username, "kaigo.supersede", case.case_number, {"draft": old.id, "batch": batch.id}
            )
            result.superseded += 1
        changed = next((i for i in range(12) if row.amounts[i] != previous[i]), 0)
        reason = REASONS[kind]
        if kind == "ended":
            reason += f"（{row.special_from}から）"
        elif row.method == "special" and kind != "none":
            reason += f"。{row.special_from}から特別徴収のため、その月以後は加算なし"
        draft = KaigoDraft(
            batch_id=batch.id,
            case_id=case.id,
            row=row.row,
            insured_number=row.insured_number,
            person_name=row.name,
            fiscal_year=row.fiscal_year,
            collection=row.method,
            kind=kind,
            amounts=list(row.amounts),
            previous=previous,
            effective_month=fiscal_months(row.fiscal_year)[changed],
            reason=reason,
            status="no_action" if kind == "none" else "pending",
        )
        session.add(draft)
        result.drafts.append(draft)
    return unmatched


def import_file(session: Session, actor: User, path: Path, cfg: ClaimsSettings) -> ImportResult:
    """Check the whole file, then store the batch and its drafts (or return the batch already imported)."""
    require_role(actor, Role.SV, Role.ADMIN)
    data = path.read_bytes()
    digest = hashlib.sha256(data).hexdigest()
    teams = _import_teams(session, actor)
    earlier = list(session.scalars(select(KaigoBatch).where(KaigoBatch.file_sha256 == digest).order_by(KaigoBatch.id)))
    covered: set[int] = set()
    for b in earlier:
        b_teams = _scope_teams(b.scope)
        if b_teams is None:
            return ImportResult(b, already_imported=True)
        covered |= b_teams
        if teams is not None and teams <= covered:
            return ImportResult(b, already_imported=True)
    rows = parse_file(data, path.name)

    batch = KaigoBatch(
        file_sha256=digest,
        scope=OFFICE_SCOPE if teams is None else "team:" + ",".join(str(t) for t in sorted(teams - covered)),
        file_name=path.name,
        imported_by=actor.username,
        row_count=len(rows),
        approval_mode=cfg.kaigo_approval,
        unmatched=[],
    )
    session.add(batch)
    try:
        session.flush()
    except IntegrityError:
        raise ClaimsError(f"{path.name} は同じ範囲で同時に取り込まれました。もう一度実行すると取込済みと表示されます") from None
    result = ImportResult(batch, already_imported=False, earlier=earlier)
    try:
        batch.unmatched = _draft_rows(session, actor, batch, rows, covered, result)
        session.flush()
    except IntegrityError:  # another import drafted for one of these persons meanwhile (one pending draft each)
        raise ClaimsError(CONCURRENT_DRAFTS.format(file=path.name)) from None
    audit.record(
        session,
        actor.username,
        "kaigo.import",
        f"kaigo_batch:{batch.id}",
        {
            "file": path.name,
            "sha256": digest,
            "scope": batch.scope,
            "covered_by_earlier": result.covered,
            "rows": len(rows),
            "drafts": len(result.drafts),
            "unchanged": result.unchanged,
            "unmatched": len(batch.unmatched),
            "mode": batch.approval_mode,
        },
    )
    return result


def list_drafts(
    session: Session, actor: User, *, batch_id: int | None = None, status: str | None = "pending"
) -> list[KaigoDraft]:
    query = select(KaigoDraft).join(Case).order_by(KaigoDraft.batch_id, Case.case_number, KaigoDraft.id)
    ids = visible_user_ids(session, actor)
    if ids is not None:
        query = query.where(Case.cw_user_id.in_(ids))
    if batch_id is not None:
        query = query.where(KaigoDraft.batch_id == batch_id)
    if status is not None:
        query = query.where(KaigoDraft.status == status)
    return list(session.scalars(query))


def get_draft(session: Session, actor: User, draft_id: int) -> KaigoDraft:
    draft = session.get(KaigoDraft, draft_id)
    if draft is None or not can_see(session, actor, draft.case.cw_user_id):
        raise ClaimsError(f"下書き {draft_id} は見つからないか、閲覧の権限がありません")
    return draft


def get_batch(session: Session, batch_id: int) -> KaigoBatch:
    batch = session.get(KaigoBatch, batch_id)
    if batch is None:
        raise ClaimsError(f"取込 {batch_id} はありません（`kb-bot kaigo drafts` で番号を確認してください）")
    return batch


def _may_decide(session: Session, actor: User, draft: KaigoDraft) -> None:
    mode = draft.batch.approval_mode
    if actor.role == Role.ADMIN:
        return
    if mode == "cw" and actor.id != draft.case.cw_user_id:
        raise PermissionDenied(
            f"この取込は担当CWが1件ずつ決定する設定です（ケース {draft.case.case_number} の担当は {draft.case.cw.username}）"
        )
    if mode == "sv_batch" and (actor.role != Role.SV or not can_see(session, actor, draft.case.cw_user_id)):
        raise PermissionDenied("この取込は班のSVが一括で決定する設定です")


def decide(
    session: Session, actor: User, draft: KaigoDraft, approve: bool, decision_date: dt.date, note: str = ""
) -> KaigoDecision:
    """Decide one draft. Approval makes its amounts the 加算 in force; the decision is kept for good."""
    _may_decide(session, actor, draft)
    if draft.status != "pending":
        raise ClaimsError(f"下書き {draft.id} は{STATUS_LABELS[draft.status]}です（決定待ちではありません）")
    if not approve and not note.strip():
        raise ClaimsError("却下するときは理由（--note）を書いてください")
    if approve and current_amounts(session, draft.case_id, draft.insured_number, draft.fiscal_year) != draft.previous:
        raise ClaimsError(f"下書き {draft.id} の作成後に加算が変わっています。最新のファイルを取り込み直してください")
    outcome = "approved" if approve else "rejected"
    decision = KaigoDecision(
        draft_id=draft.id,
        outcome=outcome,
        mode=draft.batch.approval_mode,
        decided_by=actor.id,
        decision_date=decision_date,
        note=note.strip(),
    )
    session.add(decision)
    draft.status = outcome
    session.flush()
    audit.record(
        session,
        actor.username,
        "kaigo.decide",
        draft.case.case_number,
        {
            "draft": draft.id,
            "outcome": outcome,
            "kind": draft.kind,
            "decision_date": decision_date.isoformat(),
            "mode": decision.mode,
            **late_change_audit(draft, decision_date, approve),
        },
    )
    return decision


def approve_batch(session: Session, actor: User, batch: KaigoBatch, decision_date: dt.date) -> list[KaigoDecision]:
    """The SV approves every pending draft of the batch for the cases of their team (admin: all)."""
    if batch.approval_mode != "sv_batch":
        raise ClaimsError(
            f"取込 {batch.id} は担当CWが1件ずつ決定する設定（cw）で取り込まれています。`kb-bot kaigo decide` を使ってください"
        )
    require_role(actor, Role.SV, Role.ADMIN)
    drafts = list_drafts(session, actor, batch_id=batch.id)
    if not drafts:
        raise ClaimsError(f"取込 {batch.id} にあなたの班の決定待ちの下書きはありません")
    return [decide(session, actor, d, True, decision_date, note="一括承認") for d in drafts]


NOTICE_HEADER = (
    "下書き番号",
    "ケース番号",
    "世帯主",
    "被保険者",
    "被保険者番号",
    "年度",
    "変更の内容",
    "適用月",
    *(f"変更前{m}" for m in MONTH_COLUMNS),
    *(f"変更後{m}" for m in MONTH_COLUMNS),
    "理由",
    "根拠",
    "決定日",
    "決定者",
)


def notices_csv(session: Session, actor: User, batch: KaigoBatch) -> str:
    """Notice data (決定通知書の差し込み項目) for the approved decisions of ``batch`` that ``actor`` may see."""
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\r\n")
    w.writerow(NOTICE_HEADER)
    for d in list_drafts(session, actor, batch_id=batch.id, status="approved"):
        decision = session.scalar(select(KaigoDecision).where(KaigoDecision.draft_id == d.id))
        assert decision is not None
        w.writerow(
            [
                d.id,
                d.case.case_number,
                d.case.head_name,
                d.person_name,
                d.insured_number,
                d.fiscal_year,
                KIND_LABELS[d.kind],
                d.effective_month,
                *d.previous,
                *d.amounts,
                d.reason,
                NOTICE_BASIS,
                decision.decision_date.isoformat(),
                decision.decider.label,
            ]
        )
    audit.record(session, actor.username, "kaigo.notices", f"kaigo_batch:{batch.id}")
    return out.getvalue()


@dataclass(frozen=True)
class LateChange:
    """An approved change decided after months it applies to: those months were paid at the old 加算."""

    months: tuple[str, ...]
    """The months (YYYY-MM) before the decision's month whose 加算 changes."""
    additional: int
    """Σ increases: to pay as 追加支給."""
    excess: int
    """Σ decreases: paid in excess, to recover under 第63条 (or by 戻入 where the office allows it)."""

    def message(self) -> str:
        parts = [f"{self.months[0]}〜{self.months[-1]} の {len(self.months)} か月分は決定日より前の月の変更です"]
        if self.additional:
            parts.append(f"増額 計 {self.additional:,}円 は追加支給が必要です")
        if self.excess:
            parts.append(f"減額 計 {self.excess:,}円 は支給済みのため第63条の返還（または戻入）の検討が必要です")
        return "。".join(parts)


def late_change(draft: KaigoDraft, decision_date: dt.date) -> LateChange | None:
    """The months of the draft's fiscal year before the month of ``decision_date`` whose amount changes.

    A month's benefit is paid at its start, so a change for a month before the decision's month is retroactive.
    """
    decided_month = f"{decision_date.year:04d}-{decision_date.month:02d}"
    late = [
        (month, new - old)
        for month, new, old in zip(fiscal_months(draft.fiscal_year), draft.amounts, draft.previous, strict=True)
        if month < decided_month and new != old
    ]
    if not late:
        return None
    return LateChange(
        tuple(m for m, _ in late), sum(d for _, d in late if d > 0), -sum(d for _, d in late if d < 0)
    )


def late_change_notice(draft: KaigoDraft, decision_date: dt.date) -> str:
    """The late-decision flag as one line for a person ('' when the change is on time): what
    ``kb-bot kaigo decide`` / ``approve-batch`` print after an approval, and what the app shows beside a
    draft for the decision date entered (before or after approving)."""
    late = late_change(draft, decision_date)
    if late is None:
        return ""
    return f"注意: 下書き {draft.id}（ケース {draft.case.case_number}）: {late.message()}"


def late_change_audit(draft: KaigoDraft, decision_date: dt.date, approved: bool) -> dict[str, Any]:
    """The flag as audit detail of an approval (empty when the change is not retroactive)."""
    late = late_change(draft, decision_date) if approved else None
    if late is None:
        return {}
    return {"late_months": list(late.months), "additional_payment": late.additional, "art63_excess": late.excess}
