"""Hybrid retrieval: BM25 + vectors, filtered by unit/section/kind, fused by RRF, diversified.

For a query, :class:`Retriever`

1. takes the top ``n`` BM25 hits (numpy postings, metadata filters as row masks) and
   the top ``n`` vector hits from chroma, with the same filters applied as an id
   restriction computed from the same masks (chroma evaluates a ``where`` clause in
   its metadata database on every query: 30–55 ms at 50,000 chunks, against 2–5 ms
   for an id restriction; ``ChromaStore.query(..., where)`` is still there for others);
2. fuses the two rankings by reciprocal-rank fusion: a chunk's fused score is
   ``Σ 1 / (RRF_K + rank)`` over the lists it appears in (rank from 1, ``RRF_K`` =
   60, the usual constant), so a chunk ranked well by both beats one ranked first
   by only one, and the two scores' different scales never need calibrating;
3. walks the fused ranking greedily (MMR-like, :mod:`drafter.index.diversify`): at most
   ``per_plan`` passages per plan, and a candidate too similar to one already taken
   (character-bigram Jaccard ≥ ``DUPLICATE``, estimated from the MinHash signatures in
   the index's chunk table) is skipped as a near-duplicate; among the rest the pick
   maximises ``λ·relevance − (1 − λ)·max similarity`` to those taken;
4. when fewer than ``k`` pass, takes ``WIDEN`` times more from the BM25 ranking (a few
   ms even at 50,000 chunks) and walks again; once BM25 has no more, more from the
   vector ranking (among allowed ids all of them at once: chroma's cost there hardly
   depends on ``n``), until ``k`` pass or both rankings are exhausted; then lifts the
   ``per_plan`` cap for the passages still missing. So a search returns ``k``
   passages whenever the index holds ``k`` distinct ones that match; the
   :class:`~drafter.models.SearchResult` says how many were asked for and returned.

The passages' texts and provenance come from the chunk table in ``bm25.npz``
(:mod:`drafter.index.chunktable`), not from a second call to the vector store (an
index written before that table is read from the store until the next ingest
rebuilds it).

Each :class:`~drafter.models.Passage` carries ``score`` (the fused score) and
``scores`` {"bm25", "vector", "rrf"} (raw BM25 score, cosine similarity, fused).
The BM25 table is the index's authority on which chunks exist: vector hits it does
not know (left by an interrupted write) are ignored.

A Retriever is safe to share between threads. It checks the index when it opens it
(a damaged sidecar or missing vectors: one line naming ``drafter ingest --repair``) and
opens it again when another process has committed an update since (one ``stat`` of
the manifest per search).
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

import numpy as np

from drafter.config import IndexConfig
from drafter.domain.kinds import KINDS
from drafter.domain.taxonomy import load_taxonomy
from drafter.errors import DrafterError, InputError, MissingIndexError
from drafter.index import layout
from drafter.index.chunktable import signatures
from drafter.index.diversify import DUPLICATE, MMR_LAMBDA, diversify, pick
from drafter.index.layout import IndexPaths
from drafter.models import Chunk, Passage, Plan, SearchResult

log = logging.getLogger(__name__)

__all__ = ["DUPLICATE", "MMR_LAMBDA", "Retriever", "diversify", "known_sections", "search"]

RRF_K = 60
POSTFILTER_SHARE = 0.5
POOL = 50  # candidates taken from each ranking at first: POOL, or POOL_PER_HIT·k if more
POOL_PER_HIT = 6
WIDEN = 4  # how much the pool grows when too few distinct passages pass
BRUTE_FORCE = 256  # allowed chunks at most this many: their vectors are read from the store and compared directly
EXACT = 20_000  # allowed chunks at most this many: compared directly with the chunk table's vectors
ALL_AMONG = 5000  # a filtered vector search takes every allowed chunk when they are at most this many

Warn = Callable[[str], None]


def _as_list(value: str | Iterable[str] | None) -> list[str] | None:
    if value is None:
        return None
    items = [value] if isinstance(value, str) else list(value)
    items = [v.strip() for v in items if v and v.strip()]
    return items or None


def known_sections(index_labels: Iterable[str] = ()) -> list[str]:
    """Canonical section ids: the taxonomy's (if the ingest stage provides it) and the index's."""
    ids: list[str] = []
    try:
        from drafter.domain.taxonomy import load_taxonomy

        ids = [s.id for s in load_taxonomy().sections]
    except ImportError:  # the taxonomy module is part of the ingest stage
        log.debug("no taxonomy available; using the index's section ids")
    for s in index_labels:
        if s and s not in ids:
            ids.append(s)
    return ids


@dataclass(frozen=True)
class _Opened:
    """One consistent view of the index (swapped whole when the index changes)."""

    manifest: dict[str, Any]
    embedder: Any
    bm25: Any
    store: Any
    stamp: tuple[str, int, int]  # the manifest file (path, mtime, size) it was loaded from


class Retriever:
    """An open index: load once (embedder, BM25, chroma collection), answer many queries, from many threads."""

    def __init__(self, config: IndexConfig | None = None, *, warn: Warn | None = None):
        self.config = config or IndexConfig.resolve()
        self.paths = IndexPaths.of(self.config)
        self._warn = warn
        self._lock = threading.Lock()
        self._opened: _Opened | None = self._open()
        self._plans: list[Plan] | None = None
        self._sections: list[str] | None = None

    def _stamp(self) -> tuple[str, int, int]:
        path = layout.committed(self.paths, self.paths.manifest)
        try:
            st = os.stat(path)
        except OSError:
            return (str(path), 0, 0)
        return (str(path), st.st_mtime_ns, st.st_size)

    def _open(self) -> _Opened:
        from drafter.index.bm25 import BM25Index
        from drafter.index.embed import check_spec, load_embedder
        from drafter.index.store import ChromaStore, shared_client

        lp = self.paths
        with layout.index_lock(lp, shared=True, warn=self._warn):
            stamp = self._stamp()
            manifest = layout.load_manifest(lp)
            if manifest is None or not manifest["counts"]["chunks"] or not manifest["embedder"]:
                raise MissingIndexError(f"no index at {lp.root}: run `drafter ingest` first (or pass --index DIR)")
            layout.check_vectors_location(manifest, self.config)
            check_spec(manifest["embedder"]["spec"])
            fit = lp.embedder / manifest["embedder"]["fit_id"]
            if not (fit / "embedder.json").is_file():
                raise layout.damaged(lp, f"the fitted embedder {fit.name} is missing")
            try:
                embedder = load_embedder(fit)
            except DrafterError:
                raise
            except Exception as exc:
                raise layout.damaged(lp, f"the fitted embedder is unreadable ({type(exc).__name__})") from None
            try:
                bm25 = BM25Index.load(layout.committed(lp, lp.bm25))
            except FileNotFoundError:
                raise layout.damaged(lp, f"{layout.BM25} is missing") from None
            except (OSError, ValueError) as exc:
                raise layout.damaged(lp, f"{layout.BM25} is unreadable: {exc}") from None
            if len(bm25) != manifest["counts"]["chunks"]:
                raise layout.damaged(
                    lp, f"{layout.BM25} holds {len(bm25)} chunks; the manifest records {manifest['counts']['chunks']}"
                )
            if not self.config.chroma_url:  # another process may have written the folder since this one looked
                shared_client(self.config, fresh=True)
        store = ChromaStore(self.config, name=manifest["embedder"]["collection"], create=False)
        have = store.count()
        if have < len(bm25):
            where = self.config.chroma_url or "its chroma folder"
            raise layout.damaged(lp, f"{len(bm25) - have} of its {len(bm25)} vectors are missing from {where}")
        return _Opened(manifest=manifest, embedder=embedder, bm25=bm25, store=store, stamp=stamp)

    def _current(self) -> _Opened:
        """The open index, opened again first if another process has committed an update since."""
        opened = self._opened
        if opened is None:
            raise InputError("this Retriever is closed; make a new one")
        if self._stamp() != opened.stamp:
            with self._lock:
                if self._opened is not None and self._stamp() != self._opened.stamp:
                    self._opened = self._open()
                    self._plans = None
                    self._sections = None
                opened = self._opened or opened
        return opened

    # the parts of the open index, for callers that look inside
    @property
    def manifest(self) -> dict[str, Any]:
        return self._current().manifest

    @property
    def embedder(self) -> Any:
        return self._current().embedder

    @property
    def bm25(self) -> Any:
        return self._current().bm25

    @property
    def store(self) -> Any:
        return self._current().store

    # -- public ---------------------------------------------------------------------
    def plans(self) -> list[Plan]:
        self._current()
        plans = self._plans
        if plans is None:
            with layout.index_lock(self.paths, shared=True, warn=self._warn):
                plans = layout.read_plans_file(self.paths.plans)
                layout.check_plans(self.paths, self.manifest, plans)
            self._plans = plans
        return plans

    def close(self) -> None:
        self._opened = None
        self._plans = None

    def __enter__(self) -> Retriever:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def search(
        self,
        query: str,
        *,
        unit: str | list[str] | None = None,
        section: str | list[str] | None = None,
        kind: str | list[str] | None = None,
        k: int = 8,
        per_plan: int = 2,
        exclude_plans: set[str] | None = None,
    ) -> SearchResult:
        """The ``k`` best passages for ``query`` among chunks matching the filters.

        Fewer than ``k`` only when the index holds no more distinct passages matching the
        filters: when near-duplicates and the ``per_plan`` cap leave too few, the pool of
        candidates is widened (``WIDEN``-fold each time, BM25 first) until ``k`` pass or
        every matching chunk has been seen, and then the ``per_plan`` cap is lifted.
        """
        query = (query or "").strip()
        if not query:
            raise InputError("empty search query: give some words to look for, e.g. 送温暖")
        if k < 1:
            return SearchResult(requested=k)
        index = self._current()
        units, sections, kinds = self._filters(index, unit, section, kind)
        bm25 = index.bm25
        mask = bm25.mask(unit=units, kind=kinds, section=sections)
        if exclude_plans:
            excl = bm25.mask(plan=set(exclude_plans))
            if excl is not None:
                mask = ~excl if mask is None else (mask & ~excl)
        allowed = len(bm25) if mask is None else int(mask.sum())
        if not allowed:
            return SearchResult(requested=k, exhausted=True)
        n = min(allowed, max(POOL, POOL_PER_HIT * k))
        terms = bm25.segment(query)
        vector = index.embedder.embed([query])[0]
        n_bm = n_vec = n
        if mask is not None and allowed <= ALL_AMONG:  # the same cost for any n: never ask twice
            n_vec = allowed
        vec_hits = self._vector_hits(index, vector, n_vec, mask)
        while True:
            bm_hits = bm25.top(terms, k=n_bm, mask=mask)
            bm_done = n_bm >= allowed or len(bm_hits) < n_bm
            vec_done = n_vec >= allowed or len(vec_hits) < n_vec
            rows, scores = _fuse(bm_hits, vec_hits, bm25.row_index)
            pool = _Pool(index, rows, scores)
            taken = pick(pool.rrf, pool.plans, pool.signatures, k=k, per_plan=per_plan)
            if len(taken) >= k or (bm_done and vec_done):
                break
            # widen the cheap ranking first; the vector store is asked again only when BM25 has no more
            if not bm_done:
                n_bm = min(allowed, n_bm * WIDEN)
            else:  # among allowed ids a query costs the same for any n: take them all at once
                n_vec = allowed if mask is not None else min(allowed, n_vec * WIDEN)
                vec_hits = self._vector_hits(index, vector, n_vec, mask)
        if len(taken) < k and per_plan:  # the index is exhausted under the cap: relax it
            taken = pick(pool.rrf, pool.plans, pool.signatures, k=k, per_plan=0, start=taken)
        return SearchResult(pool.passages(taken), requested=k, exhausted=len(taken) < k)

    # -- helpers ----------------------------------------------------------------------
    def _vector_hits(
        self, index: _Opened, vector: np.ndarray, n: int, mask: np.ndarray | None
    ) -> list[tuple[str, float]]:
        """Top ``n`` (chunk id, cosine distance) from chroma among the rows ``mask`` allows.

        Filters are applied as an id restriction computed from the BM25 table's
        per-chunk arrays (fast in chroma, unlike a ``where`` clause). When the filter
        keeps most chunks, an unrestricted query for more neighbours is post-filtered
        instead, falling back to the id restriction if too few survive.
        """
        if not np.any(vector):  # nothing of the query is in the embedder's vocabulary
            return []
        known = index.bm25.row_index
        if mask is None:
            return [(cid, d) for cid, d in index.store.nearest(vector, n) if cid in known][:n]
        allowed = int(mask.sum())
        if allowed >= POSTFILTER_SHARE * len(mask):
            wide = min(len(mask), int(n / (allowed / len(mask)) * 1.5) + 1)
            hits = [(cid, d) for cid, d in index.store.nearest(vector, wide) if cid in known and mask[known[cid]]]
            if len(hits) >= min(n, allowed):
                return hits[:n]
        table = index.bm25.table
        if table is not None and table.has_vectors and allowed <= EXACT and table.vectors.shape[1] == len(vector):
            # the allowed chunks' vectors from the index's own table (chroma's filtered graph search wanders
            # when few allowed chunks lie near the query: 30–60 ms at 50,000 chunks; this is under 1 ms)
            rows = np.flatnonzero(mask)
            q = np.asarray(vector, dtype=np.float32)
            sims = table.vectors[rows].astype(np.float32) @ (q / (float(np.linalg.norm(q)) or 1.0))
            top = np.argsort(-sims, kind="stable")[:n]
            ids = index.bm25.ids
            return [(ids[int(rows[i])], float(1.0 - sims[i])) for i in top]
        ids = [index.bm25.ids[r] for r in np.flatnonzero(mask)]
        if len(ids) <= BRUTE_FORCE:
            # a handful of allowed vectors compared directly: chroma's filtered graph search can wander
            # the whole graph (50 ms at 50,000 chunks) when few allowed chunks lie near the query
            found, vecs = index.store.vectors(ids)
            if len(found):
                norms = np.linalg.norm(vecs, axis=1) * (float(np.linalg.norm(vector)) or 1.0)
                dist = 1.0 - (vecs @ np.asarray(vector, dtype=np.float32)) / np.where(norms > 0, norms, 1.0)
                order = np.argsort(dist, kind="stable")[:n]
                return [(found[i], float(dist[i])) for i in order]
            return []
        return index.store.nearest(vector, min(n, len(ids)), ids=ids)

    def _filters(
        self, index: _Opened, unit: Any, section: Any, kind: Any
    ) -> tuple[set[str] | None, set[str] | None, set[str] | None]:
        from drafter.domain.units import resolve_unit

        units = _as_list(unit)
        unit_set = {resolve_unit(u) for u in units} if units else None
        taxonomy = load_taxonomy()
        sections = [taxonomy.resolve(s) or s for s in _as_list(section) or []]  # ids or Chinese names
        section_set = None
        if sections:
            known = self._sections
            if known is None:
                known = self._sections = known_sections(index.bm25.labels.get("section", []))
            bad = [s for s in sections if s not in known]
            if bad:
                raise InputError(f"unknown section {bad[0]!r}; known sections: {', '.join(known)}")
            section_set = set(sections)
        kinds = _as_list(kind)
        kind_set = None
        if kinds:
            bad = [x for x in kinds if x not in KINDS]
            if bad:
                raise InputError(f"unknown kind {bad[0]!r}; known kinds: {', '.join(KINDS)}")
            kind_set = set(kinds)
        return unit_set, section_set, kind_set


def _fuse(
    bm_hits: list[tuple[int, float]], vec_hits: list[tuple[str, float]], row_of: dict[str, int]
) -> tuple[list[int], list[dict[str, float]]]:
    """Rows ranked by reciprocal-rank fusion of the two rankings, with each row's scores."""
    fused: dict[int, dict[str, float]] = {}
    for rank, (row, score) in enumerate(bm_hits, 1):
        s = fused.setdefault(row, {"bm25": 0.0, "vector": 0.0, "rrf": 0.0})
        s["bm25"] = score
        s["rrf"] += 1.0 / (RRF_K + rank)
    for rank, (cid, dist) in enumerate(vec_hits, 1):
        vrow = row_of.get(cid)
        if vrow is None:
            continue
        s = fused.setdefault(vrow, {"bm25": 0.0, "vector": 0.0, "rrf": 0.0})
        s["vector"] = 1.0 - dist
        s["rrf"] += 1.0 / (RRF_K + rank)
    rows = sorted(fused, key=lambda r: -fused[r]["rrf"])
    return rows, [fused[r] for r in rows]


class _Pool:
    """The fused candidates of one search, as arrays for :func:`pick`; passages made only for those picked."""

    def __init__(self, index: _Opened, rows: list[int], scores: list[dict[str, float]]):
        bm25 = index.bm25
        self._chunks: dict[str, Chunk] | None = None
        if bm25.table is None:  # an index written before chunk tables: texts from the vector store
            self._chunks = {c.id: c for c in index.store.get([bm25.ids[r] for r in rows])}
            kept = [i for i, r in enumerate(rows) if bm25.ids[r] in self._chunks]
            rows, scores = [rows[i] for i in kept], [scores[i] for i in kept]
        self.bm25 = bm25
        self.rows = np.asarray(rows, dtype=np.int64)
        self.scores = scores
        self.rrf = np.asarray([s["rrf"] for s in scores], dtype=np.float64)
        self.plans = bm25.codes["plan"][self.rows] if len(rows) else np.zeros(0, np.int32)
        if self._chunks is None:
            self.signatures = bm25.table.minhash[self.rows]
        else:
            self.signatures = signatures([self._chunks[bm25.ids[r]].text for r in rows])

    def passages(self, picked: list[int]) -> list[Passage]:
        out = []
        for i in picked:
            row = int(self.rows[i])
            chunk = self._chunks[self.bm25.ids[row]] if self._chunks is not None else self.bm25.chunk(row)
            out.append(Passage(chunk=chunk, score=self.scores[i]["rrf"], scores=self.scores[i]))
        return out


def search(
    query: str,
    *,
    unit: str | list[str] | None = None,
    section: str | list[str] | None = None,
    kind: str | list[str] | None = None,
    k: int = 5,
    config: IndexConfig | None = None,
    warn: Warn | None = None,
) -> SearchResult:
    """One-shot search (indexes the built-in corpus first if the index is empty)."""
    from drafter.index.catalog import ensure_index

    config = ensure_index(config, warn=warn)
    retriever = Retriever(config, warn=warn)
    try:
        return retriever.search(query, unit=unit, section=section, kind=kind, k=k)
    finally:
        retriever.close()
