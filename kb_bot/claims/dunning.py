"""Export of overdue claims for an SMS-style message-delivery service (moved to LGWAN on physical media).

The file carries only: mobile number, template id, due date, amount, office contact and a random
send-management number. The number maps back to the claim only inside kb-bot (``dunning_export_rows``).
No My Number, no case number, no name, no word revealing 生活保護: the text is scanned for the words in
``[claims] export_forbidden_words`` before it is written. Debtors without a usable mobile number go to a
separate internal list for letters, written elsewhere (never in or under the folder that leaves the network).

The files are written under temporary names, the export is recorded, and only then do they get their
names; any failure (an unwritable folder, a database error, a rollback of the transaction) removes them, so
the media never carries a file without its record. A file name carries the export's id and a random
part: SQLite hands the id of a rolled-back export out again, and a name must never repeat.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import secrets
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import event, select
from sqlalchemy.orm import Session

from kb_bot import audit
from kb_bot.claims.cases import ClaimsError, is_mobile, normalize_phone, visible_cases
from kb_bot.claims.config import ClaimsSettings
from kb_bot.claims.ledger import Status
from kb_bot.claims.lists import load_rows
from kb_bot.claims.models import Case, Claim, DunningExport, DunningExportRow
from kb_bot.users import Role, User, require_role

EXPORT_HEADER = ("phone_number", "template_id", "due_date", "amount", "contact", "send_id")
LETTERS_HEADER = ("債権番号", "ケース番号", "担当CW", "債務者", "電話番号", "納期限", "金額", "理由")


@dataclass(frozen=True)
class ExportResult:
    export_id: int
    path: Path
    checksum_path: Path
    letters_path: Path | None
    rows: int
    letters: int
    sha256: str


def _forbidden(text: str, cfg: ClaimsSettings) -> list[str]:
    return [w for w in cfg.export_forbidden_words if w and w in text]


def _new_send_number(session: Session, taken: set[str]) -> str:
    while True:
        number = f"{secrets.randbelow(10**16):016d}"
        if (
            number not in taken
            and session.scalar(select(DunningExportRow.id).where(DunningExportRow.send_number == number)) is None
        ):
            taken.add(number)
            return number


PART = ".part"


def _remove(paths: list[Path]) -> None:
    for path in paths:
        path.unlink(missing_ok=True)


def _unwritable(error: OSError) -> ClaimsError:
    where = error.filename or "出力先"
    return ClaimsError(f"{where} に書き込めません（{error.strerror}）。フォルダの場所と書き込みの権限を確認してください")


def _check_folders(out_dir: Path, letters_dir: Path) -> None:
    out, letters = out_dir.resolve(), letters_dir.resolve()
    if letters == out or letters.is_relative_to(out):
        raise ClaimsError(
            "手紙用の一覧（内部用・氏名や電話番号を含む）は、送信ファイルの出力先（外部媒体）の外の別のフォルダに出力してください"
        )


def _write_files(files: dict[Path, bytes]) -> list[Path]:
    """Write each file under its temporary name; the temporary paths, or nothing left behind on failure."""
    parts: list[Path] = []
    try:
        for path, data in files.items():
            path.parent.mkdir(parents=True, exist_ok=True)
            if path.exists():
                raise ClaimsError(
                    f"{path} がすでにあります（記録のない以前の出力の残りです）。内容を確認して移してから出力し直してください"
                )
            part = path.with_name(path.name + PART)
            parts.append(part)
            part.write_bytes(data)
    except OSError as e:
        _remove(parts)
        raise _unwritable(e) from None
    except BaseException:
        _remove(parts)
        raise
    return parts


def _publish(session: Session, files: list[Path]) -> None:
    """Give the written files their names (letters first, the checksum last); if the transaction that
    records them is rolled back, they are removed again."""
    named: list[Path] = []
    try:
        for path in files:
            path.with_name(path.name + PART).replace(path)
            named.append(path)
    except OSError as e:
        _remove(named + [p.with_name(p.name + PART) for p in files])
        raise _unwritable(e) from None
    committed = False

    def on_commit(_: Session) -> None:
        nonlocal committed
        committed = True

    def on_rollback(_: Session) -> None:
        if not committed:
            _remove(named)

    event.listen(session, "after_commit", on_commit, once=True)
    event.listen(session, "after_rollback", on_rollback, once=True)


def export_dunning(
    session: Session, actor: User, as_of: dt.date, out_dir: Path, letters_dir: Path, cfg: ClaimsSettings
) -> ExportResult:
    """Write the message file (+ ``.sha256``) to ``out_dir`` and the letters list to ``letters_dir``; record both."""
    require_role(actor, Role.SV, Role.ADMIN)
    if not cfg.office_contact.strip():
        raise ClaimsError("設定 [claims] office_contact に問合せ先（例: ○○市 収納係 03-0000-0000）を設定してください")
    for name in ("office_contact", "dunning_template_id", "installment_template_id"):
        bad = _forbidden(getattr(cfg, name), cfg)
        if bad:
            raise ClaimsError(
                f"設定 [claims] {name} に外部へ出せない語（{'・'.join(bad)}）が含まれています。変更してください"
            )
    _check_folders(out_dir, letters_dir)

    export = DunningExport(actor=actor.username, as_of=as_of, row_count=0, letter_count=0, file_name="", sha256="")
    session.add(export)
    session.flush()
    stem = f"{as_of:%Y%m%d}-{export.id:05d}-{secrets.token_hex(4)}"

    messages = io.StringIO()
    w = csv.writer(messages, lineterminator="\r\n")
    w.writerow(EXPORT_HEADER)
    letters = io.StringIO()
    lw = csv.writer(letters, lineterminator="\r\n")
    lw.writerow(LETTERS_HEADER)
    taken: set[str] = set()
    n_rows = n_letters = 0
    for r in load_rows(session, actor, as_of, cfg):
        if r.status not in (Status.OVERDUE, Status.INSTALLMENTS_MISSED):
            continue
        amount, due = r.standing.overdue, r.standing.due_in_default
        if amount <= 0 or due is None:
            continue
        phone = normalize_phone(r.state.debtor.phone if r.state.debtor else "")
        if not is_mobile(phone):
            reason = "電話番号なし" if not phone else "携帯電話番号（070/080/090・11桁）ではない"
            debtor = r.state.debtor.name if r.state.debtor else ""
            lw.writerow([r.claim_id, r.case_number, r.cw, debtor, phone, due.isoformat(), amount, reason])
            n_letters += 1
            continue
        template = cfg.installment_template_id if r.status == Status.INSTALLMENTS_MISSED else cfg.dunning_template_id
        number = _new_send_number(session, taken)
        w.writerow([phone, template, due.isoformat(), amount, cfg.office_contact, number])
        session.add(
            DunningExportRow(
                export_id=export.id, send_number=number, claim_id=r.claim_id, phone=phone, amount=amount, due=due
            )
        )
        n_rows += 1

    text = messages.getvalue()
    bad = _forbidden(text, cfg)
    if bad:
        raise ClaimsError(f"出力内容に外部へ出せない語（{'・'.join(bad)}）が含まれるため中止しました")
    data = text.encode("utf-8")
    digest = hashlib.sha256(data).hexdigest()
    path = out_dir / f"messages-{stem}.csv"
    checksum_path = out_dir / f"messages-{stem}.csv.sha256"
    letters_path = letters_dir / f"internal-letters-{stem}.csv" if n_letters else None
    files = {path: data, checksum_path: f"{digest}  {path.name}\n".encode("ascii")}
    if letters_path is not None:
        files[letters_path] = letters.getvalue().encode("utf-8-sig")
    parts = _write_files(files)
    try:
        export.row_count, export.letter_count, export.file_name, export.sha256 = n_rows, n_letters, path.name, digest
        session.flush()
        audit.record(
            session,
            actor.username,
            "dunning.export",
            f"export:{export.id}",
            {"as_of": as_of.isoformat(), "rows": n_rows, "letters": n_letters, "file": path.name, "sha256": digest},
        )
        session.flush()
    except BaseException:
        _remove(parts)
        raise
    _publish(session, [p for p in (letters_path, path, checksum_path) if p is not None])
    return ExportResult(export.id, path, checksum_path, letters_path, n_rows, n_letters, digest)


def claim_for_send_number(session: Session, actor: User, send_number: str) -> int:
    """The claim a send-management number (e.g. from the service's delivery report) stands for."""
    require_role(actor, Role.SV, Role.ADMIN)
    claim_id = session.scalar(
        select(DunningExportRow.claim_id)
        .join(Claim, Claim.id == DunningExportRow.claim_id)
        .where(
            DunningExportRow.send_number == send_number.strip(),
            Claim.case_id.in_(visible_cases(session, actor).with_only_columns(Case.id).order_by(None)),
        )
    )
    if claim_id is None:
        raise ClaimsError(f"送信管理番号 {send_number} は出力記録にありません（あなたの班の債権の出力記録だけを調べられます）")
    audit.record(session, actor.username, "dunning.lookup", send_number.strip(), {"claim": claim_id})
    return claim_id
