"""The vector store: one chroma collection, in the local index folder or on a chroma server.

``chromadb.PersistentClient(path=<index>/chroma)`` by default; ``chromadb.HttpClient``
when ``IndexConfig.chroma_url`` is set (the sidecar files still live in the local
index folder). Collections are created with ``embedding_function=None`` and cosine
space: drafter always passes its own embeddings, so chroma never loads or downloads
its default model. Telemetry is off.

Clients are shared: one per local chroma folder (or per server) in a process, created
under a process-wide lock (chromadb's own client cache is not safe to fill from two
threads at once) and used by every :class:`ChromaStore`, Retriever and ingest.

Every call to a chroma server runs under a total deadline (``IndexConfig.chroma_timeout``,
``DRAFTER_CHROMA_TIMEOUT``, default 15 s) covering the connection, the request and the
whole answer: a server that accepts connections and never answers, or answers a byte at
a time, costs at most that long before a one-line :class:`StoreError`.
"""

from __future__ import annotations

import functools
import logging
import os
import re
import threading
import time
from collections.abc import Callable, Sequence
from typing import Any, TypeVar
from urllib.parse import urlsplit

import numpy as np

from drafter.config import IndexConfig
from drafter.errors import ConfigError, StoreError
from drafter.index.layout import IndexPaths
from drafter.models import Chunk

log = logging.getLogger(__name__)

BATCH = 1000
PAGE = 5000
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{1,58}[A-Za-z0-9]$")  # room for "-<fit id>" within chroma's limits
REPAIR_HINT = "run `drafter ingest --repair` to restore it from the recorded plans"

T = TypeVar("T")


def _settings():
    os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")
    from chromadb.config import Settings

    return Settings(anonymized_telemetry=False, allow_reset=False)


def _unreachable(url: str) -> StoreError:
    port = urlsplit(url).port or 8000
    return StoreError(
        f"cannot reach chroma server at {url}: start it with `chroma run --path DIR --port {port}` or drop --chroma-url"
    )


def _timed_out(url: str, seconds: float) -> StoreError:
    return StoreError(
        f"chroma server at {url} did not answer within {seconds:g} s: check that it is running and healthy, "
        "or raise DRAFTER_CHROMA_TIMEOUT (seconds)"
    )


def _is_connection_error(exc: BaseException) -> bool:
    text = f"{type(exc).__name__} {exc}".lower()
    return any(w in text for w in ("connect", "connection", "refused", "unreachable", "remoteprotocol", "readerror"))


def _is_timeout(exc: BaseException) -> bool:
    return "timeout" in type(exc).__name__.lower()


def with_deadline(fn: Callable[[], T], seconds: float, url: str) -> T:
    """``fn()`` if it finishes within ``seconds``; else :class:`StoreError` naming the server.

    The call runs in a daemon thread, so a server that never answers cannot hold the
    caller past the deadline (the thread ends when the client's own timeout fires).
    """
    box: dict[str, Any] = {}
    done = threading.Event()

    def run() -> None:
        try:
            box["value"] = fn()
        except BaseException as exc:
            box["error"] = exc
        finally:
            done.set()

    threading.Thread(target=run, name="drafter-chroma", daemon=True).start()
    if not done.wait(seconds):
        raise _timed_out(url, seconds)
    if "error" in box:
        raise box["error"]
    return box["value"]


# --------------------------------------------------------------------------- shared clients

_CLIENTS: dict[str, tuple[Any, Any]] = {}  # key -> (client, stamp of the index it has seen)
_CREATING: dict[str, threading.Lock] = {}
_CLIENTS_LOCK = threading.Lock()


def _client_key(config: IndexConfig) -> str:
    if config.chroma_url:
        return f"server:{config.chroma_url}"
    return f"local:{IndexPaths.of(config).chroma.resolve()}"


def _index_stamp(config: IndexConfig) -> Any:
    """What identifies the committed state of a local index: its manifest file's identity (None on a server)."""
    if config.chroma_url:
        return None
    from drafter.index.layout import committed

    lp = IndexPaths.of(config)
    try:
        st = committed(lp, lp.manifest).stat()
    except OSError:
        return None
    return (st.st_ino, st.st_mtime_ns, st.st_size)


def shared_client(config: IndexConfig, *, fresh: bool = False) -> Any:
    """The process's chroma client for ``config``'s folder or server (created once, under a lock).

    ``fresh``: for a local folder that another process has committed an update to since this
    process's client last looked, open a new client (chromadb keeps a local collection's state
    in memory and would not see the other process's vectors); users of the old one keep it.
    """
    key = _client_key(config)
    stamp = _index_stamp(config) if fresh else None
    with _CLIENTS_LOCK:
        entry = _CLIENTS.get(key)
        if entry is not None and not (fresh and not config.chroma_url and entry[1] != stamp):
            return entry[0]
        creating = _CREATING.setdefault(key, threading.Lock())
    deadline = time.monotonic() + config.chroma_timeout
    if not creating.acquire(timeout=config.chroma_timeout if config.chroma_url else -1):
        raise _timed_out(config.chroma_url or "", config.chroma_timeout)
    try:
        with _CLIENTS_LOCK:
            entry = _CLIENTS.get(key)
        if entry is not None and not (fresh and not config.chroma_url and entry[1] != stamp):
            return entry[0]
        if entry is not None:  # stale: a new chromadb System for the folder, the old one left to its users
            _forget_system(config, stop=False)
            log.debug("another process changed %s: opening its chroma folder again", config.index_dir)
        client = _new_client(config, max(0.1, deadline - time.monotonic()))
        with _CLIENTS_LOCK:
            _CLIENTS[key] = (client, _index_stamp(config))
        return client
    finally:
        creating.release()


def note_written(config: IndexConfig) -> None:
    """Record that this process's client has seen the index as committed now (after this process wrote it)."""
    key = _client_key(config)
    with _CLIENTS_LOCK:
        entry = _CLIENTS.get(key)
        if entry is not None:
            _CLIENTS[key] = (entry[0], _index_stamp(config))


def forget_client(config: IndexConfig) -> None:
    """Drop and stop the shared client of ``config`` (before its local chroma folder is moved or removed)."""
    with _CLIENTS_LOCK:
        _CLIENTS.pop(_client_key(config), None)
    if not config.chroma_url:
        _forget_system(config, stop=True)


def _forget_system(config: IndexConfig, *, stop: bool) -> None:
    """Take the folder's System out of chromadb's per-process cache, so that the next client opens it anew."""
    try:
        from chromadb.api.shared_system_client import SharedSystemClient

        system = SharedSystemClient._identifier_to_system.pop(str(IndexPaths.of(config).chroma), None)
        if system is not None and stop:
            system.stop()
    except Exception as exc:  # best effort: chromadb internals
        log.debug("could not reset the chroma system of %s: %s", config.index_dir, exc)


def _new_client(config: IndexConfig, seconds: float) -> Any:
    import chromadb

    url = config.chroma_url
    if not url:
        path = IndexPaths.of(config).chroma
        try:
            path.mkdir(parents=True, exist_ok=True)
            return chromadb.PersistentClient(path=str(path), settings=_settings())
        except Exception as exc:  # chromadb raises many kinds
            reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
            raise StoreError(
                f"cannot open the chroma folder {path} ({reason}): run `drafter ingest --repair` to recreate it "
                "from the recorded plans"
            ) from None
    parts = urlsplit(url)

    def connect() -> Any:
        import httpx

        # a cheap liveness probe with real timeouts first: chromadb's own HTTP session has none
        with httpx.Client(timeout=httpx.Timeout(seconds)) as probe:
            probe.get(f"{url}/api/v2/heartbeat")
        client = chromadb.HttpClient(
            host=parts.hostname or "", port=parts.port or 8000, ssl=parts.scheme == "https", settings=_settings()
        )
        session = getattr(getattr(client, "_server", None), "_session", None)
        if session is not None:  # so that a call abandoned at its deadline ends too
            session.timeout = httpx.Timeout(seconds)
        return client

    try:
        return with_deadline(connect, seconds, url)
    except StoreError:  # the deadline, told as the setting, not what was left of it
        raise _timed_out(url, config.chroma_timeout) from None
    except Exception as exc:
        if _is_timeout(exc):
            raise _timed_out(url, config.chroma_timeout) from None
        raise _unreachable(url) from None


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
        self._client = shared_client(config)
        self._collection: Any = None
        self._create = create

    @classmethod
    def of_index(cls, config: IndexConfig) -> ChromaStore:
        """The collection the index's manifest names (each embedder fit has its own); it must exist."""
        from drafter.errors import MissingIndexError

        name = _manifest_collection(config)
        if not name:
            raise MissingIndexError(f"no index at {config.index_dir}: run `drafter ingest` first (or pass --index DIR)")
        return cls(config, name=name, create=False)

    @property
    def where(self) -> str:
        return self.config.chroma_url or str(IndexPaths.of(self.config).chroma)

    def _call(self, what: str, fn: Callable[[], T]) -> T:
        """Run one chroma call: under the deadline on a server; chroma's errors become one-line StoreErrors."""
        url = self.config.chroma_url
        try:
            if url:
                return with_deadline(fn, self.config.chroma_timeout, url)
            return fn()
        except StoreError:
            raise
        except Exception as exc:
            raise self._error(what, exc) from None

    @property
    def collection(self) -> Any:
        if self._collection is None:
            if self._create:
                self._collection = self._call(
                    "open the collection",
                    lambda: self._client.get_or_create_collection(
                        self.name,
                        embedding_function=None,
                        configuration={"hnsw": {"space": "cosine"}},
                        metadata={"app": "drafter"},
                    ),
                )
            else:
                self._collection = self._call(
                    "open the collection", lambda: self._client.get_collection(self.name, embedding_function=None)
                )
        return self._collection

    def _error(self, what: str, exc: BaseException) -> StoreError:
        url = self.config.chroma_url
        if url and _is_timeout(exc):
            return _timed_out(url, self.config.chroma_timeout)
        if url and _is_connection_error(exc):
            return _unreachable(url)
        reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        if "does not exist" in reason.lower() or type(exc).__name__ == "NotFoundError":
            return StoreError(
                f"the vectors of the index at {self.config.index_dir} are gone from {self.where} "
                f"(collection {self.name}): {REPAIR_HINT}"
            )
        return StoreError(
            f"chroma failed to {what} ({self.where}): {reason}; check the chroma "
            f"{'server' if url else 'folder'}, then run `drafter ingest --repair`"
        )

    # -- writing --------------------------------------------------------------------
    def add(self, chunks: Sequence[Chunk], embeddings: np.ndarray, progress: Any = None) -> None:
        """Upsert chunks with their embeddings, in batches."""
        if len(chunks) != len(embeddings):
            raise ValueError("chunks and embeddings differ in length")
        total = len(chunks)
        for i in range(0, total, BATCH):
            batch = chunks[i : i + BATCH]
            vectors = np.asarray(embeddings[i : i + BATCH], dtype=np.float32)
            self._call("store vectors", functools.partial(self._upsert, batch, vectors))
            if progress:
                progress(min(i + BATCH, total), total, "storing vectors")

    def _upsert(self, batch: Sequence[Chunk], vectors: np.ndarray) -> None:
        self.collection.upsert(
            ids=[c.id for c in batch],
            embeddings=vectors,
            documents=[c.text for c in batch],
            metadatas=[c.metadata() for c in batch],
        )

    def delete(self, ids: Sequence[str]) -> None:
        ids = list(ids)
        for i in range(0, len(ids), BATCH):
            self._call("delete vectors", functools.partial(self._delete, ids[i : i + BATCH]))

    def _delete(self, ids: list[str]) -> None:
        self.collection.delete(ids=ids)

    def _page(self, offset: int, include: list[str]) -> Any:
        return self.collection.get(limit=PAGE, offset=offset, include=include)

    def collection_names(self) -> list[str]:
        names = self._call("list collections", lambda: list(self._client.list_collections()))
        return [c if isinstance(c, str) else c.name for c in names]

    def exists(self) -> bool:
        """Whether the collection is there (without creating it)."""
        return self.name in self.collection_names()

    def drop(self) -> None:
        """Delete the whole collection (absent already: nothing to do)."""
        try:
            self._call("drop the collection", lambda: self._client.delete_collection(self.name))
        except StoreError as exc:
            if self.config.chroma_url and ("cannot reach" in str(exc) or "did not answer" in str(exc)):
                raise
            log.debug("delete_collection(%s): %s", self.name, exc)
        self._collection = None

    # -- reading --------------------------------------------------------------------
    def count(self) -> int:
        return int(self._call("count vectors", lambda: self.collection.count()))

    def ids(self) -> set[str]:
        """Every chunk id in the collection (paged)."""
        out: set[str] = set()
        total = self.count()
        for offset in range(0, total, PAGE):
            res = self._call("read chunk ids", functools.partial(self._page, offset, []))
            out.update(res["ids"])
        return out

    def query(self, embedding: np.ndarray, k: int, where: dict[str, Any] | None = None) -> list[tuple[Chunk, float]]:
        """Nearest ``k`` chunks (cosine distance, smaller is closer) matching ``where``."""
        vector = np.asarray(embedding, dtype=np.float32).ravel()
        res = self._call(
            "search",
            lambda: self.collection.query(
                query_embeddings=[vector],
                n_results=max(1, k),
                where=where or None,
                include=["documents", "metadatas", "distances"],
            ),
        )
        return self._chunks(res)

    def nearest(self, embedding: np.ndarray, k: int, ids: Sequence[str] | None = None) -> list[tuple[str, float]]:
        """Ids and cosine distances of the nearest ``k`` chunks, among ``ids`` when given.

        Restricting by ids (computed from the index's per-chunk arrays) is how the
        retriever filters: chroma evaluates a ``where`` clause in its metadata database
        on every query (30–55 ms at 50,000 chunks), an id restriction in 2–5 ms.
        """
        vector = np.asarray(embedding, dtype=np.float32).ravel()
        allowed = list(ids) if ids is not None else None
        res = self._call(
            "search",
            lambda: self.collection.query(
                query_embeddings=[vector], n_results=max(1, k), ids=allowed, include=["distances"]
            ),
        )
        found = res["ids"][0] if res.get("ids") else []
        dists = res["distances"][0] if res.get("distances") else [0.0] * len(found)
        return [(i, float(d)) for i, d in zip(found, dists, strict=False)]

    @staticmethod
    def _chunks(res: dict[str, Any]) -> list[tuple[Chunk, float]]:
        ids = res["ids"][0] if res.get("ids") else []
        docs = res["documents"][0] if res.get("documents") else [""] * len(ids)
        metas = res["metadatas"][0] if res.get("metadatas") else [{}] * len(ids)
        dists = res["distances"][0] if res.get("distances") else [0.0] * len(ids)
        return [
            (Chunk.from_metadata(i, d or "", m or {}), float(x))
            for i, d, m, x in zip(ids, docs, metas, dists, strict=False)
        ]

    def vectors(self, ids: Sequence[str]) -> tuple[list[str], np.ndarray]:
        """The stored vectors of these ids (missing ids are left out): (ids found, one row each)."""
        if not ids:
            return [], np.zeros((0, 0), np.float32)
        wanted = list(ids)
        res = self._call("read vectors", lambda: self.collection.get(ids=wanted, include=["embeddings"]))
        found = list(res["ids"])
        emb = res.get("embeddings")
        return found, np.asarray(emb if emb is not None and len(found) else np.zeros((0, 0)), dtype=np.float32)

    def get(self, ids: Sequence[str]) -> list[Chunk]:
        """The chunks with these ids (missing ids are left out), in the order asked."""
        if not ids:
            return []
        wanted = list(ids)
        res = self._call("read chunks", lambda: self.collection.get(ids=wanted, include=["documents", "metadatas"]))
        found = {
            i: Chunk.from_metadata(i, d or "", m or {})
            for i, d, m in zip(res["ids"], res["documents"], res["metadatas"], strict=False)
        }
        return [found[i] for i in wanted if i in found]

    def get_all(self) -> tuple[list[str], list[str], list[dict[str, Any]]]:
        """Every chunk's id, text and metadata (paged)."""
        ids: list[str] = []
        texts: list[str] = []
        metas: list[dict[str, Any]] = []
        total = self.count()
        for offset in range(0, total, PAGE):
            res = self._call("read chunks", functools.partial(self._page, offset, ["documents", "metadatas"]))
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
