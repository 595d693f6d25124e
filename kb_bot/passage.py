"""The unit of retrieval: one passage a caseworker would cite, and the document it comes from."""

from __future__ import annotations

import hashlib
from dataclasses import asdict, dataclass, field

COLLECTIONS = {
    "handbook": "生活保護手帳",
    "casebook": "生活保護手帳 別冊問答集",
    "notices": "生活保護関係法令通知集",
    "office": "SV確認済み回答",
}
"""Collection key -> the name a caseworker knows it by."""

KINDS = ("law", "youryou", "qa", "notice")
"""Document kinds; each has its own segmenter (ingest.segment)."""


@dataclass(frozen=True)
class DocumentMeta:
    """What the manifest (or the loader) knows about one source document."""

    source: str
    """Path of the file, relative to the folder it was ingested from (posix separators)."""
    collection: str
    kind: str
    title: str
    short_title: str = ""
    issuer: str = ""
    date: str = ""
    """Issue date as written (e.g. 平成24年7月23日) or ISO."""
    number: str = ""
    """Notice / law number, e.g. 社援保発0723第1号."""
    effective: str = ""
    """ISO date from which the document applies; empty = since always."""
    replaces: tuple[str, ...] = ()
    """Sources of documents this one supersedes from ``effective`` on."""
    status: str = "in_force"
    """in_force | superseded (as declared by the manifest)."""
    ref_prefix: str = ""
    """実施要領 layer: 次 / 局 / 課 (used to build labels such as 局第8-3-(2)-ア)."""
    sample: bool = False
    """Written by the kb-bot team as a summary sample (manifest ``sample = true``), not official text."""


@dataclass(frozen=True)
class Passage:
    """One citable unit. ``label`` is what a CW would write in a decision, e.g. 「生活保護法 第63条」."""

    collection: str
    title: str
    label: str
    text: str
    source: str
    headings: tuple[str, ...] = ()
    page: int | None = None
    part: int = 0
    """0 for a whole unit; 1, 2, ... for the pieces of a long unit split with overlap."""
    id: str = field(default="")

    def __post_init__(self) -> None:
        if not self.id:
            object.__setattr__(self, "id", passage_id(self.source, self.label, self.part))

    def to_dict(self) -> dict:
        d = asdict(self)
        d["headings"] = list(self.headings)
        return d

    @classmethod
    def from_dict(cls, d: dict) -> Passage:
        return cls(**{**d, "headings": tuple(d.get("headings", ()))})


def passage_id(source: str, label: str, part: int) -> str:
    """Stable across re-ingests as long as the file keeps its path and the unit keeps its label."""
    digest = hashlib.sha1(f"{source}\x1f{label}\x1f{part}".encode()).hexdigest()
    return digest[:16]
