"""Dense retrieval: sentence-transformers embeddings stored in a persistent Chroma collection.

The model is named in settings (``embed_model``: a Hugging Face name such as cl-nagoya/ruri-v3-30m or a
local folder). When it cannot be loaded (no network, not installed) :class:`DenseUnavailable` says why,
and the caller serves lexical results instead.
"""

from __future__ import annotations

import os
import socket
from collections.abc import Mapping, Sequence
from pathlib import Path
from urllib.parse import urlparse

import numpy as np
from llama_index.core.retrievers import BaseRetriever
from llama_index.core.schema import NodeWithScore, QueryBundle, TextNode

COLLECTION = "passages"


class DenseUnavailable(RuntimeError):
    """The embedding model cannot be used; the message is a Japanese sentence for the operator."""


class Embedder:
    """A sentence-transformers model with the query/document prefixes the model was trained with."""

    def __init__(self, model, name: str, query_prefix: str, document_prefix: str) -> None:  # noqa: ANN001
        self._model, self.name = model, name
        self.query_prefix, self.document_prefix = query_prefix, document_prefix

    @classmethod
    def load(cls, name: str, query_prefix: str = "", document_prefix: str = "", device: str = "cpu") -> Embedder:
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
        except Exception as e:  # noqa: BLE001 - hub, file and format errors all mean "not available"
            first_line = str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__
            raise DenseUnavailable(
                f"埋め込みモデル {name} を読み込めません（{first_line[:160]}）。"
                "モデルを置いたフォルダを KB_BOT_EMBED_MODEL に指定してください"
            ) from e
        return cls(model, name, query_prefix, document_prefix)

    @property
    def dim(self) -> int:
        return int(self._model.get_embedding_dimension())

    def embed_documents(self, texts: Sequence[str], progress: bool = False) -> np.ndarray:
        return self._model.encode(
            [self.document_prefix + t for t in texts], batch_size=32, normalize_embeddings=True,
            show_progress_bar=progress, convert_to_numpy=True,
        )

    def embed_query(self, text: str) -> np.ndarray:
        return self._model.encode([self.query_prefix + text], normalize_embeddings=True, convert_to_numpy=True)[0]


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
    """The vectors of one index version, in a Chroma collection persisted under ``path``."""

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

    def query(self, vector: np.ndarray, k: int) -> list[tuple[str, float]]:
        """(passage id, cosine similarity), best first."""
        k = min(k, self.count())
        if k == 0:
            return []
        res = self._col.query(query_embeddings=[vector.tolist()], n_results=k, include=["distances"])
        return [(i, 1.0 - d) for i, d in zip(res["ids"][0], res["distances"][0])]


class DenseRetriever(BaseRetriever):
    """Nearest passages by embedding. ``allowed`` (ids) limits results, e.g. to documents in force."""

    def __init__(
        self,
        nodes: Mapping[str, TextNode],
        store: DenseStore,
        embedder: Embedder,
        similarity_top_k: int = 10,
        allowed: set[str] | None = None,
    ) -> None:
        super().__init__()
        self._nodes, self._store, self._embedder = nodes, store, embedder
        self.similarity_top_k, self.allowed = similarity_top_k, allowed

    def _retrieve(self, query_bundle: QueryBundle) -> list[NodeWithScore]:
        vector = self._embedder.embed_query(query_bundle.query_str)
        want = self.similarity_top_k
        hits = self._store.query(vector, want if self.allowed is None else want * 4)
        out = [
            NodeWithScore(node=self._nodes[i], score=s)
            for i, s in hits
            if i in self._nodes and (self.allowed is None or i in self.allowed)
        ]
        return out[:want]
