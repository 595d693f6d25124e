"""Ingestion: load source files, segment them into citable passages (docs/source-formats.md)."""

from ingest.collect import CollectResult, IngestedDocument, SkippedFile, collect
from ingest.loaders import Line, LoadError, load
from ingest.manifest import ManifestError, read_manifest
from ingest.segment import segment

__all__ = [
    "CollectResult",
    "IngestedDocument",
    "Line",
    "LoadError",
    "ManifestError",
    "SkippedFile",
    "collect",
    "load",
    "read_manifest",
    "segment",
]
