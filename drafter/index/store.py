"""The vector store: one chroma collection, in the local index folder or on a chroma server.

``chromadb.PersistentClient(path=<index>/chroma)`` by default; ``chromadb.HttpClient``
when ``IndexConfig.chroma_url`` is set (the sidecar files still live in the local
index folder). Collections are created with ``embedding_function=None`` and cosine
space: drafter always passes its own embeddings, so chroma never loads or downloads
its default model. Telemetry is off.
"""

from __future__ import annotations

import logging
import os
import re
from collections.abc import Sequence
from typing import Any
from urllib.parse import urlparse

import numpy as np

from drafter.config import IndexConfig
from drafter.errors import ConfigError, StoreError
from drafter.index.layout import IndexPaths
from drafter.models import Chunk

log = logging.getLogger(__name__)

BATCH = 1000
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{1,58}[A-Za-z0-9]$")  # room for "-<fit id>" within chroma's limits


def _settings():  # noqa: ANN202
    os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")
    from chromadb.config import Settings

    return Settings(anonymized_telemetry=False, allow_reset=False)


def _unreachable(url: str) -> StoreError:
    port = urlparse(url).port or 8000
    return StoreError(
        f"cannot reach chroma server at {url}: start it with `chroma run --path DIR --port {port}` or drop --chroma-url"
    )


class ChromaStore:
    """The chunks' vectors, texts and flat metadata in one chroma collection.

    ``ChromaStore(config)`` opens the collection the index at ``config.index_dir``
    uses — ``<collection>-<fit id>``, a new one per embedder fit, since a refit may
    change the vectors' dimension — or ``config.collection`` when there is no index.
    """

    def __init__(self, config: IndexConfig, *, name: str | None = None, create: bool = True):
        if not _NAME.match(config.collection):
            raise ConfigError(
                f"collection name {config.collection!r} is not valid for chroma: use 3–60 letters, digits, '.', '_' or '-' "
                "(DRAFTER_COLLECTION), starting and ending with a letter or digit"
            )
        self.config = config
        self.name = name or _manifest_collection(config) or config.collection
        self._client = self._connect()
        self._collection: Any = None
        self._create = create

    @classmethod
    def of_index(cls, config: IndexConfig) -> "ChromaStore":
        """The collection the index's manifest names (each embedder fit has its own); it must exist."""
        from drafter.errors import MissingIndexError

        name = _manifest_collection(config)
        if not name:
            raise MissingIndexError(f"no index at {config.index_dir}: run `drafter ingest` first (or pass --index DIR)")
        return cls(config, name=name, create=False)

    def _connect(self) -> Any:
        import chromadb

        url = self.config.chroma_url
        try:
            if url:
                parsed = urlparse(url if "://" in url else f"http://{url}")
                if not parsed.hostname:
                    raise StoreError(f"bad chroma URL {url!r}: use http://HOST:PORT")
                client = chromadb.HttpClient(
                    host=parsed.hostname, port=parsed.port or 8000, ssl=parsed.scheme == "https", settings=_settings()
                )
                client.heartbeat()
                return client
            path = IndexPaths.of(self.config).chroma
            path.mkdir(parents=True, exist_ok=True)
            return chromadb.PersistentClient(path=str(path), settings=_settings())
        except StoreError:
            raise
        except Exception as exc:  # chromadb raises ValueError/ConnectionError/httpx errors
            if url:
                raise _unreachable(url) from None
            raise StoreError(f"cannot open the chroma folder in {self.config.index_dir}: {exc}; rebuild with `drafter ingest --rebuild`") from None

    @property
    def collection(self) -> Any:
        if self._collection is None:
            try:
                if self._create:
                    self._collection = self._client.get_or_create_collection(
                        self.name, embedding_function=None, configuration={"hnsw": {"space": "cosine"}},
                        metadata={"app": "drafter"},
                    )
                else:
                    self._collection = self._client.get_collection(self.name, embedding_function=None)
            except Exception as exc:
                raise self._error("open the collection", exc) from None
        return self._collection

    def _error(self, what: str, exc: Exception) -> StoreError:
        if self.config.chroma_url and _is_connection_error(exc):
            return _unreachable(self.config.chroma_url)
        where = self.config.chroma_url or str(IndexPaths.of(self.config).chroma)
        return StoreError(f"chroma failed to {what} ({where}): {str(exc).splitlines()[0] if str(exc) else type(exc).__name__}; "
                          "rebuild with `drafter ingest --rebuild`")

    # -- writing --------------------------------------------------------------------
    def add(self, chunks: Sequence[Chunk], embeddings: np.ndarray, progress: Any = None) -> None:
        """Upsert chunks with their embeddings, in batches."""
        if len(chunks) != len(embeddings):
            raise ValueError("chunks and embeddings differ in length")
        total = len(chunks)
        for i in range(0, total, BATCH):
            batch = chunks[i : i + BATCH]
            try:
                self.collection.upsert(
                    ids=[c.id for c in batch],
                    embeddings=np.asarray(embeddings[i : i + BATCH], dtype=np.float32),
                    documents=[c.text for c in batch],
                    metadatas=[c.metadata() for c in batch],
                )
            except StoreError:
                raise
            except Exception as exc:
                raise self._error("store vectors", exc) from None
            if progress:
                progress(min(i + BATCH, total), total, "storing vectors")

    def delete(self, ids: Sequence[str]) -> None:
        ids = list(ids)
        for i in range(0, len(ids), BATCH):
            try:
                self.collection.delete(ids=ids[i : i + BATCH])
            except Exception as exc:
                raise self._error("delete vectors", exc) from None

    def collection_names(self) -> list[str]:
        try:
            return [c if isinstance(c, str) else c.name for c in self._client.list_collections()]
        except Exception as exc:
            raise self._error("list collections", exc) from None

    def drop(self) -> None:
        """Delete the whole collection (``--rebuild``)."""
        try:
            self._client.delete_collection(self.name)
        except Exception as exc:  # absent already
            if self.config.chroma_url and _is_connection_error(exc):
                raise _unreachable(self.config.chroma_url) from None
            log.debug("delete_collection(%s): %s", self.name, exc)
        self._collection = None

    # -- reading --------------------------------------------------------------------
    def count(self) -> int:
        try:
            return int(self.collection.count())
        except StoreError:
            raise
        except Exception as exc:
            raise self._error("count vectors", exc) from None

    def query(self, embedding: np.ndarray, k: int, where: dict[str, Any] | None = None) -> list[tuple[Chunk, float]]:
        """Nearest ``k`` chunks (cosine distance, smaller is closer) matching ``where``."""
        try:
            res = self.collection.query(
                query_embeddings=[np.asarray(embedding, dtype=np.float32).ravel()], n_results=max(1, k),
                where=where or None, include=["documents", "metadatas", "distances"],
            )
        except Exception as exc:
            raise self._error("search", exc) from None
        return self._chunks(res)

    def nearest(self, embedding: np.ndarray, k: int, ids: Sequence[str] | None = None) -> list[tuple[str, float]]:
        """Ids and cosine distances of the nearest ``k`` chunks, among ``ids`` when given.

        Restricting by ids (computed from the index's per-chunk arrays) is how the
        retriever filters: chroma evaluates a ``where`` clause in its metadata database
        on every query (30–55 ms at 50,000 chunks), an id restriction in 2–5 ms.
        """
        try:
            res = self.collection.query(
                query_embeddings=[np.asarray(embedding, dtype=np.float32).ravel()], n_results=max(1, k),
                ids=list(ids) if ids is not None else None, include=["distances"],
            )
        except Exception as exc:
            raise self._error("search", exc) from None
        found = res["ids"][0] if res.get("ids") else []
        dists = res["distances"][0] if res.get("distances") else [0.0] * len(found)
        return [(i, float(d)) for i, d in zip(found, dists)]

    @staticmethod
    def _chunks(res: dict[str, Any]) -> list[tuple[Chunk, float]]:
        ids = res["ids"][0] if res.get("ids") else []
        docs = res["documents"][0] if res.get("documents") else [""] * len(ids)
        metas = res["metadatas"][0] if res.get("metadatas") else [{}] * len(ids)
        dists = res["distances"][0] if res.get("distances") else [0.0] * len(ids)
        return [(Chunk.from_metadata(i, d or "", m or {}), float(x)) for i, d, m, x in zip(ids, docs, metas, dists)]

    def get(self, ids: Sequence[str]) -> list[Chunk]:
        """The chunks with these ids (missing ids are left out), in the order asked."""
        if not ids:
            return []
        try:
            res = self.collection.get(ids=list(ids), include=["documents", "metadatas"])
        except Exception as exc:
            raise self._error("read chunks", exc) from None
        found = {i: Chunk.from_metadata(i, d or "", m or {}) for i, d, m in zip(res["ids"], res["documents"], res["metadatas"])}
        return [found[i] for i in ids if i in found]

    def get_all(self) -> tuple[list[str], list[str], list[dict[str, Any]]]:
        """Every chunk's id, text and metadata (paged)."""
        ids: list[str] = []
        texts: list[str] = []
        metas: list[dict[str, Any]] = []
        total = self.count()
        page = 5000
        for offset in range(0, total, page):
            try:
                res = self.collection.get(limit=page, offset=offset, include=["documents", "metadatas"])
            except Exception as exc:
                raise self._error("read chunks", exc) from None
            ids.extend(res["ids"])
            texts.extend(d or "" for d in res["documents"])
            metas.extend(m or {} for m in res["metadatas"])
        return ids, texts, metas


def _manifest_collection(config: IndexConfig) -> str | None:
    """The vector collection an existing index uses (``<collection>-<fit id>``), if any."""
    from drafter.index.layout import load_manifest

    try:
        manifest = load_manifest(IndexPaths.of(config))
    except Exception:  # an unreadable manifest is reported by whoever reads the index
        return None
    return ((manifest or {}).get("embedder") or {}).get("collection")


def _is_connection_error(exc: Exception) -> bool:
    text = f"{type(exc).__name__} {exc}".lower()
    return any(w in text for w in ("connect", "connection", "refused", "timeout", "unreachable"))
