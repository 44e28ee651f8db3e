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
3. walks the fused ranking greedily (MMR-like): at most ``per_plan`` passages per
   plan, and a candidate too similar to one already taken (character-bigram
   Jaccard ≥ ``DUPLICATE``) is skipped as a near-duplicate; among the rest the
   pick maximises ``λ·relevance − (1 − λ)·max similarity`` to those taken.

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
from drafter.index.layout import IndexPaths
from drafter.models import Passage, Plan

log = logging.getLogger(__name__)

RRF_K = 60
DUPLICATE = 0.8
MMR_LAMBDA = 0.75
POSTFILTER_SHARE = 0.5

Warn = Callable[[str], None]


def _as_list(value: str | Iterable[str] | None) -> list[str] | None:
    if value is None:
        return None
    items = [value] if isinstance(value, str) else list(value)
    items = [v.strip() for v in items if v and v.strip()]
    return items or None


def _bigrams(text: str) -> set[str]:
    t = "".join(text.split())
    return {t[i : i + 2] for i in range(len(t) - 1)} or {t}


def _jaccard(a: set[str], b: set[str]) -> float:
    if not a or not b:
        return 0.0
    return len(a & b) / len(a | b)


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
    ) -> list[Passage]:
        """The ``k`` best passages for ``query`` among chunks matching the filters."""
        query = (query or "").strip()
        if not query:
            raise InputError("empty search query: give some words to look for, e.g. 送温暖")
        if k < 1:
            return []
        index = self._current()
        units, sections, kinds = self._filters(index, unit, section, kind)
        n = max(50, 6 * k)
        bm25 = index.bm25

        mask = bm25.mask(unit=units, kind=kinds, section=sections)
        if exclude_plans:
            excl = bm25.mask(plan=set(exclude_plans))
            if excl is not None:
                mask = ~excl if mask is None else (mask & ~excl)
        bm_hits = bm25.search(query, k=n, mask=mask) if mask is None or mask.any() else []

        vec_hits = self._vector_hits(index, query, n, mask) if mask is None or mask.any() else []

        fused: dict[str, dict[str, float]] = {}
        for rank, (row, score) in enumerate(bm_hits, 1):
            s = fused.setdefault(bm25.ids[row], {"bm25": 0.0, "vector": 0.0, "rrf": 0.0})
            s["bm25"] = score
            s["rrf"] += 1.0 / (RRF_K + rank)
        for rank, (cid, dist) in enumerate(vec_hits, 1):
            s = fused.setdefault(cid, {"bm25": 0.0, "vector": 0.0, "rrf": 0.0})
            s["vector"] = 1.0 - dist
            s["rrf"] += 1.0 / (RRF_K + rank)
        ranked = sorted(fused, key=lambda cid: -fused[cid]["rrf"])
        # fetch texts for the best candidates; fetch more only if diversity left too few
        first = max(40, 4 * k)
        candidates: list[Passage] = []
        picked: list[Passage] = []
        for ids in (ranked[:first], ranked[first:]):
            if not ids:
                break
            chunks = {c.id: c for c in index.store.get(ids)}
            candidates += [
                Passage(chunk=chunks[cid], score=fused[cid]["rrf"], scores=fused[cid]) for cid in ids if cid in chunks
            ]
            picked = diversify(candidates, k=k, per_plan=per_plan)
            if len(picked) >= k:
                break
        return picked

    # -- helpers ----------------------------------------------------------------------
    def _vector_hits(self, index: _Opened, query: str, n: int, mask: np.ndarray | None) -> list[tuple[str, float]]:
        """Top ``n`` (chunk id, cosine distance) from chroma among the rows ``mask`` allows.

        Filters are applied as an id restriction computed from the BM25 table's
        per-chunk arrays (fast in chroma, unlike a ``where`` clause). When the filter
        keeps most chunks, an unrestricted query for more neighbours is post-filtered
        instead, falling back to the id restriction if too few survive.
        """
        vector = index.embedder.embed([query])[0]
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
        ids = [index.bm25.ids[r] for r in np.flatnonzero(mask)]
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


def diversify(candidates: list[Passage], *, k: int, per_plan: int = 2) -> list[Passage]:
    """Pick ``k`` passages from a ranked list: ≤ ``per_plan`` per plan, no near-duplicates, MMR order."""
    if not candidates:
        return []
    top = max(p.score for p in candidates) or 1.0
    grams = [_bigrams(p.text) for p in candidates]
    taken: list[int] = []
    per: dict[str, int] = {}
    left = list(range(len(candidates)))
    while left and len(taken) < k:
        best, best_value = -1, -np.inf
        for i in list(left):
            p = candidates[i]
            if per_plan and per.get(p.chunk.plan_id, 0) >= per_plan:
                left.remove(i)
                continue
            sim = max((_jaccard(grams[i], grams[j]) for j in taken), default=0.0)
            if sim >= DUPLICATE:
                left.remove(i)
                continue
            value = MMR_LAMBDA * (p.score / top) - (1 - MMR_LAMBDA) * sim
            if value > best_value:
                best, best_value = i, value
        if best < 0:
            break
        taken.append(best)
        left.remove(best)
        pid = candidates[best].chunk.plan_id
        per[pid] = per.get(pid, 0) + 1
    return [candidates[i] for i in taken]


def search(
    query: str,
    *,
    unit: str | list[str] | None = None,
    section: str | list[str] | None = None,
    kind: str | list[str] | None = None,
    k: int = 5,
    config: IndexConfig | None = None,
    warn: Warn | None = None,
) -> list[Passage]:
    """One-shot search (indexes the built-in corpus first if the index is empty)."""
    from drafter.index.catalog import ensure_index

    config = ensure_index(config, warn=warn)
    retriever = Retriever(config, warn=warn)
    try:
        return retriever.search(query, unit=unit, section=section, kind=kind, k=k)
    finally:
        retriever.close()
