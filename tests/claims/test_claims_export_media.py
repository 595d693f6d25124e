"""The dunning export and the media that leaves the network (issue 11 item 5), on SQLite and PostgreSQL:
the internal letters list never goes onto the media, a failed export leaves nothing there, and an
unwritable folder is one line for the person, not a traceback."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select

from kb_bot.claims.cases import ClaimsError
from kb_bot.claims.dunning import export_dunning
from kb_bot.claims.models import DunningExport
from test_claims_cli import setup_office
from test_claims_dunning import AS_OF


def exports(session) -> int:
    return session.scalar(select(func.count()).select_from(DunningExport))


@pytest.mark.parametrize("letters", ["media", "media/internal", "media/../media/x"])
def test_letters_inside_the_media_folder_are_refused(session, office, claims, tmp_path, letters):
    with pytest.raises(ClaimsError, match="外部媒体）の外の別のフォルダ"):
        export_dunning(session, office.sv1, AS_OF, tmp_path / "media", tmp_path / letters, office.cfg)
    session.rollback()
    assert not (tmp_path / "media").exists() and exports(session) == 0


def test_letters_through_a_symlink_into_the_media_are_refused(session, office, claims, tmp_path):
    (tmp_path / "media").mkdir()
    (tmp_path / "shortcut").symlink_to(tmp_path / "media")
    with pytest.raises(ClaimsError, match="外の別のフォルダ"):
        export_dunning(session, office.sv1, AS_OF, tmp_path / "media", tmp_path / "shortcut", office.cfg)


def test_a_failure_after_the_message_file_leaves_nothing_on_the_media(session, office, claims, tmp_path):
    media = tmp_path / "media"
    blocked = tmp_path / "internal"
    blocked.write_text("a file where the letters folder should be")
    with pytest.raises(ClaimsError, match="書き込めません") as err:
        export_dunning(session, office.sv1, AS_OF, media, blocked, office.cfg)
    assert "\n" not in str(err.value)
    session.rollback()
    assert sorted(p.name for p in media.iterdir()) == [] and exports(session) == 0
    result = export_dunning(session, office.sv1, AS_OF, media, tmp_path / "letters", office.cfg)
    session.commit()
    assert sorted(p.name for p in media.iterdir()) == [result.path.name, result.checksum_path.name]
    assert session.scalar(select(DunningExport.file_name)) == result.path.name


def test_a_rolled_back_export_removes_its_files(session, office, claims, tmp_path):
    result = export_dunning(session, office.sv1, AS_OF, tmp_path / "media", tmp_path / "letters", office.cfg)
    assert result.path.is_file() and result.checksum_path.is_file() and result.letters_path.is_file()
    session.rollback()  # e.g. the commit failed
    assert list((tmp_path / "media").iterdir()) == [] and list((tmp_path / "letters").iterdir()) == []


def test_an_existing_file_of_an_unrecorded_export_is_never_overwritten(session, office, claims, tmp_path, monkeypatch):
    monkeypatch.setattr("kb_bot.claims.dunning.secrets.token_hex", lambda n: "0" * 2 * n)  # a name already taken
    media = tmp_path / "media"
    media.mkdir()
    stray = media / f"messages-{AS_OF:%Y%m%d}-00001-00000000.csv"
    stray.write_text("left by an export that was never recorded")
    with pytest.raises(ClaimsError, match="すでにあります"):
        export_dunning(session, office.sv1, AS_OF, media, tmp_path / "letters", office.cfg)
    session.rollback()
    assert stray.read_text() == "left by an export that was never recorded"
    assert sorted(p.name for p in media.iterdir()) == [stray.name]


def test_export_names_never_repeat_after_a_failed_export(session, office, claims, tmp_path):
    """SQLite gives a rolled-back export's id to the next one; its files (here kept from a run killed
    between naming them and the commit) must not block the next export nor share its name."""
    media = tmp_path / "media"
    failed = export_dunning(session, office.sv1, AS_OF, media, tmp_path / "letters", office.cfg)
    kept = {p: p.read_bytes() for p in (failed.path, failed.checksum_path)}
    session.rollback()
    for path, data in kept.items():
        path.write_bytes(data)
    result = export_dunning(session, office.sv1, AS_OF, media, tmp_path / "letters", office.cfg)
    session.commit()
    assert result.path.name != failed.path.name
    assert sorted(p.name for p in media.iterdir()) == sorted(
        [failed.path.name, failed.checksum_path.name, result.path.name, result.checksum_path.name]
    )
    assert session.scalars(select(DunningExport.file_name)).all() == [result.path.name]
    again = export_dunning(session, office.sv1, AS_OF, media, tmp_path / "letters", office.cfg)
    session.commit()
    assert len({failed.path.name, result.path.name, again.path.name}) == 3


def test_an_unwritable_media_folder_is_one_line_from_the_command_line(kb, tmp_path):
    setup_office(kb)
    assert kb("claims", "add", "--case", "A-0001", "--basis", "78", "--decided-on", "2025-04-10",
              "--month", "2024-10=60000", "--assessed-on", "2025-04-15", "--due", "2025-05-30", "--actor", "cw1")[0] == 0
    (tmp_path / "not-a-folder").write_text("")
    code, out, err = kb("claims", "export-dunning", "--as-of", dt.date(2025, 7, 1).isoformat(),
                        "--out", tmp_path / "not-a-folder" / "media", "--actor", "sv1")
    assert code == 1 and out == ""
    assert err.startswith("エラー: ") and "書き込めません" in err and err.count("\n") == 1 and "Traceback" not in err
    assert kb("claims", "export-dunning", "--as-of", "2025-07-01", "--out", tmp_path / "media",
              "--letters-dir", tmp_path / "media" / "letters", "--actor", "sv1")[0] == 1



def test_send_lookup_stays_within_the_team(session, office, claims, tmp_path):
    from kb_bot.claims.dunning import claim_for_send_number
    from kb_bot.claims.models import DunningExportRow

    export_dunning(session, office.admin, AS_OF, tmp_path / "media", tmp_path / "letters", office.cfg)
    session.commit()
    number = session.scalar(select(DunningExportRow.send_number).where(DunningExportRow.claim_id == claims["mobile"].id))
    assert claim_for_send_number(session, office.sv1, number) == claims["mobile"].id
    with pytest.raises(ClaimsError, match="出力記録にありません"):
        claim_for_send_number(session, office.sv2, number)
