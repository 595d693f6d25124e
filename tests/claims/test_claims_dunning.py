"""The dunning export: minimum fields only, checksum, export record, letters list kept apart."""

from __future__ import annotations

import csv
import dataclasses
import datetime as dt
import hashlib
import io
from pathlib import Path

import pytest

from kb_bot import audit
from kb_bot.claims import service
from kb_bot.claims.cases import ClaimsError
from kb_bot.claims.dunning import EXPORT_HEADER, claim_for_send_number, export_dunning
from kb_bot.claims.ledger import Basis, Kind
from kb_bot.claims.models import DunningExport, DunningExportRow
from kb_bot.claims.service import DecisionInput
from kb_bot.users import PermissionDenied

D = dt.date
AS_OF = D(2025, 7, 1)


def _read(path: Path) -> list[list[str]]:
    return list(csv.reader(io.StringIO(path.read_text(encoding="utf-8"))))


def test_export_contains_only_the_minimum_fields(session, office, claims, tmp_path):
    result = export_dunning(session, office.admin, AS_OF, tmp_path / "media", tmp_path / "internal", office.cfg)
    session.commit()
    rows = _read(result.path)
    assert rows[0] == list(EXPORT_HEADER)
    body = sorted(rows[1:])
    assert [(r[0], r[1], r[2], r[3], r[4]) for r in body] == [
        ("08011112222", "DUN01", "2025-05-30", "80000", "中央市 収納係 03-0000-0000"),
        ("09012345678", "DUN01", "2025-05-30", str(112_000 - 12_345), "中央市 収納係 03-0000-0000"),
    ]
    assert all(len(r[5]) == 16 and r[5].isdigit() for r in body) and body[0][5] != body[1][5]
    raw = result.path.read_bytes().decode("utf-8")
    # nothing that identifies the case or reveals public assistance
    for word in [
        "生活保護",
        "保護",
        "福祉",
        "ケース",
        "マイナンバー",
        "返還",
        "徴収",
        "山田",
        "鈴木",
        "佐藤",
        "高橋",
        "A-0001",
        "A-0003",
        "cw1",
        "第78条",
    ]:
        assert word not in raw, word
    for claim in claims.values():
        assert f",{claim.id}," not in raw


def test_checksum_record_audit_and_mapping_back(session, office, claims, tmp_path):
    result = export_dunning(session, office.sv1, AS_OF, tmp_path / "media", tmp_path / "internal", office.cfg)
    session.commit()
    digest = hashlib.sha256(result.path.read_bytes()).hexdigest()
    assert result.checksum_path.read_text() == f"{digest}  {result.path.name}\n"
    record = session.get(DunningExport, result.export_id)
    assert (record.actor, record.row_count, record.letter_count, record.sha256) == ("sv1", 2, 1, digest)
    entry = audit.entries(session, action_prefix="dunning.export")[0]
    assert entry.actor == "sv1" and entry.detail["sha256"] == digest and entry.detail["rows"] == 2
    send = {r.claim_id: r.send_number for r in session.query(DunningExportRow)}
    assert set(send) == {claims["mobile"].id, claims["fullwidth"].id}  # sv1's team only
    assert claim_for_send_number(session, office.sv1, send[claims["mobile"].id]) == claims["mobile"].id
    with pytest.raises(ClaimsError, match="出力記録にありません"):
        claim_for_send_number(session, office.sv1, "0000")


def test_letters_list_is_internal_and_separate(session, office, claims, tmp_path):
    result = export_dunning(session, office.admin, AS_OF, tmp_path / "media", tmp_path / "internal", office.cfg)
    assert result.letters_path is not None and result.letters_path.parent == tmp_path / "internal"
    assert sorted(p.name for p in (tmp_path / "media").iterdir()) == sorted(
        [result.path.name, result.checksum_path.name]
    )
    letters = list(csv.reader(io.StringIO(result.letters_path.read_text(encoding="utf-8-sig"))))
    assert [(r[1], r[3], r[7]) for r in letters[1:]] == [
        ("A-0002", "佐藤 花子", "携帯電話番号（070/080/090・11桁）ではない"),
        ("B-0001", "高橋 三郎", "電話番号なし"),
    ]
    with pytest.raises(ClaimsError, match="別のフォルダ"):
        export_dunning(session, office.admin, AS_OF, tmp_path / "x", tmp_path / "x", office.cfg)


def test_installment_default_uses_its_template_and_missed_amount(session, office, claims, tmp_path):
    service.record_plan(
        session,
        office.cw2,
        claims["fullwidth"],
        D(2025, 6, 1),
        D(2025, 6, 10),
        4,
        cfg=office.cfg,
        calendar=office.calendar,
    )
    session.commit()
    result = export_dunning(session, office.sv1, AS_OF, tmp_path / "m", tmp_path / "i", office.cfg)
    row = next(r for r in _read(result.path)[1:] if r[0] == "08011112222")
    assert (row[1], row[2], row[3]) == ("DUN02", "2025-06-10", "20000")


def test_export_refuses_without_role_or_with_a_revealing_setting(session, office, claims, tmp_path):
    with pytest.raises(PermissionDenied):
        export_dunning(session, office.cw1, AS_OF, tmp_path / "m", tmp_path / "i", office.cfg)
    with pytest.raises(ClaimsError, match="office_contact に問合せ先"):
        export_dunning(
            session,
            office.admin,
            AS_OF,
            tmp_path / "m",
            tmp_path / "i",
            dataclasses.replace(office.cfg, office_contact=""),
        )
    with pytest.raises(ClaimsError, match="外部へ出せない語（福祉）"):
        export_dunning(
            session,
            office.admin,
            AS_OF,
            tmp_path / "m",
            tmp_path / "i",
            dataclasses.replace(office.cfg, office_contact="中央市福祉事務所 03-0000-0000"),
        )


def test_prescribed_claims_are_not_dunned(session, office, tmp_path):
    decision = DecisionInput(basis=Basis.ART78, decided_on=D(2019, 3, 1), months=[("2018-10", 10_000)])
    claim, _ = service.create_claim(
        session,
        office.cw1,
        office.case1,
        decision,
        cfg=office.cfg,
        calendar=office.calendar,
        assessed_on=D(2019, 3, 10),
        due=D(2019, 4, 30),
    )
    service.record_event(session, office.cw1, claim, Kind.REMINDER, D(2019, 6, 1), {"method": "文書"}, cfg=office.cfg)
    session.commit()
    result = export_dunning(session, office.admin, AS_OF, tmp_path / "m", tmp_path / "i", office.cfg)
    assert result.rows == 0 and len(_read(result.path)) == 1
