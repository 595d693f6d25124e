"""``manifest.toml``: the metadata of the documents in one folder (docs/source-formats.md).

A manifest that cannot be used is a configuration error: :class:`ManifestError`, with a Japanese message
naming the manifest and the entry to fix. Whether the listed files exist is checked by ``collect``.
"""

from __future__ import annotations

import datetime as dt
import tomllib
from pathlib import Path, PurePosixPath

from kb_bot.errors import UserError
from kb_bot.passage import COLLECTIONS, KINDS, DocumentMeta

MANIFEST_NAME = "manifest.toml"
DEFAULT_COLLECTION = "notices"

_TOP_KEYS = {"collection", "document", "sample"}
_REQUIRED = ("file", "kind", "title")
_OPTIONAL = ("short_title", "issuer", "date", "number", "effective", "status", "ref_prefix")
_STATUSES = ("in_force", "superseded")
_REF_PREFIXES = ("", "次", "局", "課")


class ManifestError(UserError):
    """The manifest cannot be used; the message says what to fix."""


def _string(value: object, where: str, key: str) -> str:
    if isinstance(value, dt.date):
        return value.isoformat()
    if not isinstance(value, str):
        raise ManifestError(f"{where}: {key} は文字列で書いてください")
    return value.strip()


def _relative_file(value: str, where: str) -> str:
    path = PurePosixPath(value)
    if not value or path.is_absolute() or ".." in path.parts:
        raise ManifestError(f"{where}: file にはこのフォルダからの相対パスを書いてください（{value!r}）")
    return path.as_posix()


def read_manifest(
    folder: Path, *, prefix: str | None = None, default_collection: str = DEFAULT_COLLECTION
) -> dict[str, DocumentMeta]:
    """The documents ``folder/manifest.toml`` lists, keyed by source (``{prefix}/{file}``; ``prefix``
    defaults to the folder's name; an empty prefix gives the bare file path)."""
    path = folder / MANIFEST_NAME
    prefix = folder.name if prefix is None else prefix
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8-sig"))
    except tomllib.TOMLDecodeError as e:
        raise ManifestError(f"{path}: TOMLの書式が正しくありません（{e}）。書式を直してください") from None
    except (OSError, UnicodeDecodeError) as e:
        raise ManifestError(f"{path}: 読み込めません（{e}）。UTF-8のテキストとして保存してください") from None

    unknown = set(data) - _TOP_KEYS
    if unknown:
        raise ManifestError(
            f"{path}: 不明な項目 {', '.join(sorted(unknown))} があります。collection・sample と [[document]] だけを書いてください"
        )
    sample = data.get("sample", False)
    if not isinstance(sample, bool):
        raise ManifestError(f"{path}: sample は true か false で書いてください（{sample!r}）")
    collection = _string(data.get("collection", default_collection), str(path), "collection")
    if collection not in COLLECTIONS:
        raise ManifestError(f"{path}: collection は {' / '.join(COLLECTIONS)} のいずれかにしてください（{collection!r}）")
    documents = data.get("document")
    if not isinstance(documents, list) or not documents:
        raise ManifestError(f"{path}: [[document]] がありません。取り込むファイルを [[document]] で列挙してください")

    entries: dict[str, dict[str, object]] = {}
    for n, entry in enumerate(documents, start=1):
        where = f"{path} の {n} 番目の [[document]]"
        if not isinstance(entry, dict):
            raise ManifestError(f"{where}: [[document]] の形で書いてください")
        missing = [key for key in _REQUIRED if not entry.get(key)]
        if missing:
            raise ManifestError(f"{where}: {', '.join(missing)} を書いてください")
        unknown = set(entry) - {*_REQUIRED, *_OPTIONAL, "replaces"}
        if unknown:
            raise ManifestError(f"{where}: 不明な項目 {', '.join(sorted(unknown))} があります。綴りを確認してください")
        file = _relative_file(_string(entry["file"], where, "file"), where)
        if file in entries:
            raise ManifestError(f"{where}: {file} が2回書かれています。1つにまとめてください")
        entries[file] = entry

    def source(file: str) -> str:
        return f"{prefix}/{file}" if prefix else file

    out: dict[str, DocumentMeta] = {}
    for file, entry in entries.items():
        where = f"{path} の {file}"
        fields = {key: _string(entry[key], where, key) for key in (*_REQUIRED, *_OPTIONAL) if key in entry}
        if fields["kind"] not in KINDS:
            raise ManifestError(f"{where}: kind は {' / '.join(KINDS)} のいずれかにしてください（{fields['kind']!r}）")
        if fields.get("status", "in_force") not in _STATUSES:
            raise ManifestError(f"{where}: status は in_force か superseded にしてください（{fields['status']!r}）")
        if fields.get("ref_prefix", "") not in _REF_PREFIXES:
            raise ManifestError(f"{where}: ref_prefix は 次 / 局 / 課 のいずれかにしてください（{fields['ref_prefix']!r}）")
        if fields.get("effective"):
            try:
                dt.date.fromisoformat(fields["effective"])
            except ValueError:
                raise ManifestError(f"{where}: effective は 2024-04-01 の形で書いてください（{fields['effective']!r}）") from None
        replaces = entry.get("replaces", [])
        if not isinstance(replaces, list) or not all(isinstance(r, str) for r in replaces):
            raise ManifestError(f"{where}: replaces はファイル名のリストで書いてください（例: [\"old.md\"]）")
        for old in replaces:
            if _relative_file(old, where) not in entries:
                raise ManifestError(
                    f"{where}: replaces の {old} がこの manifest.toml にありません。置き換える文書も [[document]] に書いてください"
                )
        del fields["file"]
        out[source(file)] = DocumentMeta(
            source=source(file),
            collection=collection,
            replaces=tuple(source(_relative_file(r, where)) for r in replaces),
            sample=sample,
            **fields,
        )
    return out
