"""Settings are read once and checked when the CLI or the server starts."""

from __future__ import annotations

from pathlib import Path

import pytest

from kb_bot.cli import main
from kb_bot.settings import SettingsError, load_settings, validate


@pytest.mark.parametrize(("toml", "said"), [
    ('[claims]\nkaigo_aproval = "cw"\n', "kaigo_aproval"),  # a misspelt key
    ('[claims]\nkaigo_approval = "everyone"\n', "kaigo_approval"),  # a value outside its rules
    ('[claim]\nkaigo_approval = "cw"\n', "[claim]"),  # a misspelt table
    ('[chat]\nmode = "magic"\n', "mode"),
    ('[web]\nallowed_origin = ["https://kb.example.jp"]\n', "allowed_origin"),
    ('[chat]\nlow_confidence = 0.6\n', "caution_threshold"),  # a key that moved: where it went
])
def test_a_typo_in_a_section_stops_the_start(home: Path, monkeypatch, capsys, toml: str, said: str) -> None:
    home.mkdir(parents=True)
    (home / "kb-bot.toml").write_text(toml, encoding="utf-8")
    with pytest.raises(SettingsError, match=said.replace("[", r"\[").replace("]", r"\]")):
        validate(load_settings())
    assert main(["serve", "--port", "1"]) == 2  # the server never starts
    err = capsys.readouterr().err
    assert err.startswith("設定エラー: ") and said in err and len(err.strip().splitlines()) == 1


def test_every_documented_section_is_accepted(home: Path) -> None:
    from kb_bot.web.config import web_settings

    home.mkdir(parents=True)
    (home / "kb-bot.toml").write_text('[chat]\nmode = "extractive"\n[claims]\nkaigo_approval = "cw"\n'
                                      '[web]\nallowed_origins = ["https://kb.example.jp"]\n', encoding="utf-8")
    settings = validate(load_settings())
    assert web_settings(settings).allowed_origins == ("https://kb.example.jp",)


def test_a_section_is_read_once(home: Path, monkeypatch) -> None:
    from kb_bot.claims.config import claims_settings

    settings = validate(load_settings())
    first = claims_settings(settings)
    monkeypatch.setenv("KB_BOT_CLAIMS_KAIGO_APPROVAL", "sv_batch")
    assert claims_settings(settings) is first and first.kaigo_approval == "cw"
    assert claims_settings(load_settings()).kaigo_approval == "sv_batch"  # a new start reads it again


def test_the_sample_corpus_is_found_in_the_checkout_or_where_the_environment_says(
        monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    from kb_bot.settings import SampleCorpusMissing, sample_corpus, sample_corpus_folders

    monkeypatch.delenv("KB_BOT_SAMPLE_CORPUS", raising=False)
    assert [p.name for p in sample_corpus_folders()] == ["casebook", "handbook", "notices"]
    (tmp_path / "office" / "notices").mkdir(parents=True)
    (tmp_path / "office" / "notices" / "manifest.toml").write_text("", encoding="utf-8")
    (tmp_path / "office" / "drafts").mkdir()
    monkeypatch.setenv("KB_BOT_SAMPLE_CORPUS", str(tmp_path / "office"))
    assert sample_corpus() == tmp_path / "office"
    assert sample_corpus_folders() == [tmp_path / "office" / "notices"]
    monkeypatch.setenv("KB_BOT_SAMPLE_CORPUS", str(tmp_path / "gone"))
    with pytest.raises(SampleCorpusMissing, match="KB_BOT_SAMPLE_CORPUS"):
        sample_corpus()


def test_serve_demo_without_the_sample_corpus_says_so_in_one_line(
        home: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    monkeypatch.setenv("KB_BOT_SAMPLE_CORPUS", str(tmp_path / "gone"))
    assert main(["serve", "--demo", "--port", "0"]) == 1
    err = capsys.readouterr().err
    assert err.startswith("エラー: サンプル資料のフォルダ ") and len(err.strip().splitlines()) == 1
    assert not home.exists() or not any(home.rglob("*.sqlite3"))  # nothing was created for a start that failed
