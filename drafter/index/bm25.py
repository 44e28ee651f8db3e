"""BM25 over jieba tokens, stored as numpy postings — also the index's table of chunks.

At ingest, chunk texts are cut with jieba (stopwords, punctuation and whitespace
dropped). ``bm25.npz`` holds term-major postings (term → chunk rows, term frequency,
precomputed BM25 weight), each chunk's id and length, per-chunk codes for unit,
kind, section and plan so that filters are boolean masks, and the chunk table
(:class:`~drafter.index.chunktable.ChunkTable`: texts, provenance, MinHash signatures)
from which the retriever serves passages.

At query time jieba is not loaded (its dictionary costs 1–2.5 s): the query is cut
with the index's own vocabulary by jieba's algorithm — the maximum-probability route
through the DAG of vocabulary words, word probabilities being their corpus
frequencies. Terms outside the vocabulary have no BM25 weight anyway. Scoring is a
vectorised scatter-add over the postings of the query's terms.

Kept over ``bm25s`` (``benchmarks/bench_search.py``, same chunks and tokens, same
scores): faster queries at both scales, in-place updates (bm25s re-indexes
everything), row masks for filters, and the chunk table in the same file; bm25s builds
faster and its index is smaller (see the README's benchmark table).

Score: ``idf(t) · tf·(k1+1) / (tf + k1·(1 − b + b·len/avglen))`` with
``idf = ln(1 + (N − df + 0.5)/(df + 0.5))``, k1 = 1.5, b = 0.75.
"""

from __future__ import annotations

import logging
import math
import re
import unicodedata
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from drafter.index.chunktable import ChunkTable, label_codes
from drafter.models import Chunk

log = logging.getLogger(__name__)

K1 = 1.5
B = 0.75

STOPWORDS = frozenset(
    [
        "的",
        "了",
        "和",
        "与",
        "及",
        "或",
        "是",
        "在",
        "对",
        "为",
        "以",
        "等",
        "把",
        "被",
        "将",
        "从",
        "向",
        "由",
        "于",
        "之",
        "其",
        "这",
        "那",
        "此",
        "并",
        "而",
        "且",
        "也",
        "都",
        "就",
        "又",
        "要",
        "能",
        "会",
        "可",
        "各",
        "每",
        "个",
        "我们",
        "你们",
        "他们",
        "我",
        "你",
        "他",
        "她",
        "它",
        "一",
        "一个",
        "一些",
        "这些",
        "那些",
        "有",
        "没有",
        "不",
        "上",
        "下",
        "中",
        "里",
        "着",
        "过",
        "让",
        "使",
        "给",
        "则",
        "但",
        "还",
        "即",
        "如",
        "若",
        "因",
        "所",
        "以及",
        "通过",
        "进行",
    ]
)

_PUNCT_CATS = {"P", "S", "Z", "C"}
_NUMERIC = re.compile(r"^[\d.%/:\-]+$")


def keep_token(token: str) -> bool:
    token = token.strip()
    if not token or token in STOPWORDS or _NUMERIC.match(token):
        return False
    return not all(unicodedata.category(ch)[0] in _PUNCT_CATS for ch in token)


def jieba_tokens(texts: Sequence[str]) -> list[list[str]]:
    """Index-time tokens: jieba's cut, lower-cased, stopwords and punctuation dropped."""
    import jieba

    jieba.setLogLevel(logging.ERROR)
    return [[t.lower() for t in jieba.lcut(text) if keep_token(t)] for text in texts]


def _pack(strings: Sequence[str]) -> np.ndarray:
    return np.frombuffer("\n".join(s.replace("\n", " ") for s in strings).encode("utf-8"), dtype=np.uint8)


def _unpack(data: np.ndarray, n: int) -> list[str]:
    if n == 0:
        return []
    return data.tobytes().decode("utf-8").split("\n")


FIELDS = ("unit", "kind", "section", "plan")


@dataclass
class BM25Index:
    """Postings and per-chunk arrays. Rows are chunks; ``ids[row]`` is the chunk id."""

    ids: list[str] = field(default_factory=list)
    terms: list[str] = field(default_factory=list)
    term_count: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))  # corpus frequency
    term_ptr: np.ndarray = field(default_factory=lambda: np.zeros(1, np.int64))
    post_row: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int32))
    post_tf: np.ndarray = field(default_factory=lambda: np.zeros(0, np.float32))
    post_w: np.ndarray = field(default_factory=lambda: np.zeros(0, np.float32))
    doc_len: np.ndarray = field(default_factory=lambda: np.zeros(0, np.float32))
    codes: dict[str, np.ndarray] = field(default_factory=dict)
    labels: dict[str, list[str]] = field(default_factory=dict)
    table: ChunkTable | None = None  # texts and signatures (None: a file from before chunk tables)
    _term_index: dict[str, int] | None = field(default=None, repr=False)
    _row_index: dict[str, int] | None = field(default=None, repr=False)
    _segmenter: tuple[int, float] | None = field(default=None, repr=False)

    def __len__(self) -> int:
        return len(self.ids)

    # -- building -----------------------------------------------------------------
    @classmethod
    def build(cls, chunks: Sequence[Chunk], tokens: Sequence[Sequence[str]]) -> BM25Index:
        return cls().updated(remove=set(), chunks=chunks, tokens=tokens)

    def _triples(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(term id, row, tf) of every posting."""
        lengths = np.diff(self.term_ptr)
        term = np.repeat(np.arange(len(self.terms), dtype=np.int64), lengths)
        return term, self.post_row.astype(np.int64), self.post_tf

    def updated(self, *, remove: set[str], chunks: Sequence[Chunk], tokens: Sequence[Sequence[str]]) -> BM25Index:
        """A new index without the chunks in ``remove`` and with ``chunks`` (tokenised) added."""
        keep = np.array([cid not in remove for cid in self.ids], dtype=bool) if self.ids else np.zeros(0, bool)
        new_row_of_old = np.cumsum(keep) - 1
        ids = [cid for cid, k in zip(self.ids, keep, strict=True) if k]
        meta = (
            {f: [self.labels[f][c] for c, k in zip(self.codes[f], keep, strict=True) if k] for f in FIELDS}
            if self.ids
            else {f: [] for f in FIELDS}
        )
        doc_len = [float(x) for x, k in zip(self.doc_len, keep, strict=True) if k]

        # old postings of kept rows, as (old term id, row, tf)
        term, row, tf = self._triples()
        sel = keep[row] if len(row) else np.zeros(0, bool)
        old_tid, old_rows, old_tf = term[sel], new_row_of_old[row[sel]], tf[sel]

        have = set(ids)
        added: list[Chunk] = []
        added_tokens: list[Sequence[str]] = []
        for chunk, toks in zip(chunks, tokens, strict=True):
            if chunk.id in have:
                continue
            have.add(chunk.id)
            added.append(chunk)
            added_tokens.append(toks)
            ids.append(chunk.id)
            meta["unit"].append(chunk.unit)
            meta["kind"].append(chunk.kind)
            meta["section"].append(chunk.section_id or "")
            meta["plan"].append(chunk.plan_id)
            doc_len.append(float(len(toks)))

        # the new postings, vectorised: every token as (row, provisional term id), counted by unique pairs
        local: dict[str, int] = {}
        flat = np.fromiter(
            (local.setdefault(t, len(local)) for toks in added_tokens for t in toks),
            dtype=np.int64,
            count=sum(len(t) for t in added_tokens),
        )
        owner = np.repeat(np.arange(len(added_tokens), dtype=np.int64), [len(t) for t in added_tokens])
        pairs, pair_tf = np.unique(owner * max(len(local), 1) + flat, return_counts=True)
        add_rows = pairs // max(len(local), 1) + len(ids) - len(added)
        add_local = pairs % max(len(local), 1)

        # one sorted vocabulary; old and new postings are remapped with arrays, not term by term
        new_terms = list(local)
        vocab = sorted(set(self.terms).union(new_terms))
        tindex = {t: i for i, t in enumerate(vocab)}
        old_map = np.fromiter((tindex[t] for t in self.terms), dtype=np.int64, count=len(self.terms))
        new_map = np.fromiter((tindex[t] for t in new_terms), dtype=np.int64, count=len(new_terms))
        tid = np.concatenate(
            [
                old_map[old_tid] if len(old_tid) else np.zeros(0, np.int64),
                new_map[add_local] if len(add_local) else np.zeros(0, np.int64),
            ]
        )
        all_rows = np.concatenate([old_rows.astype(np.int64), add_rows])
        all_tf = np.concatenate([old_tf.astype(np.float32), pair_tf.astype(np.float32)])

        # drop terms no chunk uses any more
        used = np.bincount(tid, minlength=len(vocab)) > 0
        if not used.all():
            remap = np.cumsum(used) - 1
            tid = remap[tid]
            vocab = [t for t, u in zip(vocab, used, strict=True) if u]
        order = np.lexsort((all_rows, tid))
        tid, all_rows, all_tf = tid[order], all_rows[order], all_tf[order]
        counts = np.bincount(tid, minlength=len(vocab))
        ptr = np.zeros(len(vocab) + 1, dtype=np.int64)
        np.cumsum(counts, out=ptr[1:])
        term_count = np.bincount(tid, weights=all_tf, minlength=len(vocab)).astype(np.int64)

        out = BM25Index(
            ids=ids,
            terms=vocab,
            term_count=term_count,
            term_ptr=ptr,
            post_row=all_rows.astype(np.int32),
            post_tf=all_tf,
            doc_len=np.asarray(doc_len, dtype=np.float32),
        )
        for f in FIELDS:
            labels: list[str] = []
            out.codes[f] = label_codes(meta[f], labels)
            out.labels[f] = labels
        out._weigh()
        if self.table is not None or not keep.any():  # a table-less index stays so until it is rebuilt
            kept = self.table.select(keep) if self.table is not None else ChunkTable()
            out.table = kept.concat(ChunkTable.from_chunks(added))
        return out

    def _weigh(self) -> None:
        n = len(self.ids)
        if n == 0 or len(self.post_row) == 0:
            self.post_w = np.zeros(len(self.post_row), np.float32)
            return
        df = np.diff(self.term_ptr).astype(np.float64)
        idf = np.log1p((n - df + 0.5) / (df + 0.5))
        avg = float(self.doc_len.mean()) or 1.0
        lengths = np.diff(self.term_ptr)
        idf_post = np.repeat(idf, lengths)
        dl = self.doc_len[self.post_row].astype(np.float64)
        tf = self.post_tf.astype(np.float64)
        self.post_w = (idf_post * tf * (K1 + 1) / (tf + K1 * (1 - B + B * dl / avg))).astype(np.float32)

    # -- persistence ----------------------------------------------------------------
    def save(self, path: Path) -> None:
        arrays: dict[str, np.ndarray] = {
            "ids": _pack(self.ids),
            "n_ids": np.array(len(self.ids)),
            "terms": _pack(self.terms),
            "n_terms": np.array(len(self.terms)),
            "term_count": self.term_count,
            "term_ptr": self.term_ptr,
            "post_row": self.post_row,
            "post_tf": self.post_tf,
            "post_w": self.post_w,
            "doc_len": self.doc_len,
        }
        for f in FIELDS:  # an index that never had a chunk has no per-field arrays yet
            labels = self.labels.get(f, [])
            arrays[f"code_{f}"] = self.codes.get(f, np.zeros(0, np.int32))
            arrays[f"labels_{f}"] = _pack(labels)
            arrays[f"n_labels_{f}"] = np.array(len(labels))
        if self.table is not None:
            arrays.update(self.table.arrays())
        with open(path, "wb") as fh:
            np.savez(fh, **arrays)  # type: ignore[arg-type]  # numpy's stub types the first keyword as allow_pickle

    @classmethod
    def load(cls, path: Path) -> BM25Index:
        """Read ``bm25.npz``; a truncated, foreign or inconsistent file raises ``ValueError``."""
        try:
            with np.load(path, allow_pickle=False) as d:
                out = cls(
                    ids=_unpack(d["ids"], int(d["n_ids"])),
                    terms=_unpack(d["terms"], int(d["n_terms"])),
                    term_count=d["term_count"],
                    term_ptr=d["term_ptr"],
                    post_row=d["post_row"],
                    post_tf=d["post_tf"],
                    post_w=d["post_w"],
                    doc_len=d["doc_len"],
                )
                for f in FIELDS:
                    out.codes[f] = d[f"code_{f}"]
                    out.labels[f] = _unpack(d[f"labels_{f}"], int(d[f"n_labels_{f}"]))
                out.table = ChunkTable.from_arrays(d)
        except OSError:
            raise
        except Exception as exc:  # zipfile, numpy and unicode errors of a damaged file
            raise ValueError(f"unreadable ({type(exc).__name__})") from None
        out.check()
        return out

    def check(self) -> None:
        """Raise ``ValueError`` when the arrays contradict each other (a damaged or foreign file)."""
        n, t = len(self.ids), len(self.terms)
        problems = []
        if len(set(self.ids)) != n:
            problems.append("repeated chunk ids")
        if len(self.doc_len) != n or any(len(self.codes.get(f, ())) != n for f in FIELDS):
            problems.append("per-chunk arrays of the wrong length")
        if (
            len(self.term_ptr) != t + 1
            or len(self.term_count) != t
            or (t and int(self.term_ptr[-1]) != len(self.post_row))
        ):
            problems.append("term pointers of the wrong length")
        if not (len(self.post_row) == len(self.post_tf) == len(self.post_w)):
            problems.append("postings of different lengths")
        if len(self.post_row) and (int(self.post_row.min()) < 0 or int(self.post_row.max()) >= n):
            problems.append("postings pointing past the chunks")
        for f in FIELDS:
            codes = self.codes.get(f)
            if (
                codes is not None
                and len(codes)
                and (int(codes.min()) < 0 or int(codes.max()) >= len(self.labels.get(f, [])))
            ):
                problems.append(f"{f} codes without labels")
        if self.table is not None:
            problems += self.table.problems(n)
        if problems:
            raise ValueError("; ".join(problems))

    def plans(self) -> set[str]:
        """The plan ids that have chunks here."""
        labels = self.labels.get("plan", [])
        return {labels[c] for c in np.unique(self.codes["plan"])} if self.ids else set()

    def plan_of(self, chunk_ids: set[str]) -> set[str]:
        """The plans these chunks belong to."""
        index = self.row_index
        rows = [index[c] for c in chunk_ids if c in index]
        labels = self.labels.get("plan", [])
        return {labels[int(self.codes["plan"][r])] for r in rows}

    def chunk(self, row: int) -> Chunk | None:
        """The chunk of ``row`` from the table (None when the file has no table)."""
        if self.table is None:
            return None
        c = self.codes
        return self.table.chunk(
            row,
            id=self.ids[row],
            plan_id=self.labels["plan"][int(c["plan"][row])],
            unit=self.labels["unit"][int(c["unit"][row])],
            kind=self.labels["kind"][int(c["kind"][row])],
            section_id=self.labels["section"][int(c["section"][row])],
        )

    # -- lookups ----------------------------------------------------------------------
    @property
    def term_index(self) -> dict[str, int]:
        if self._term_index is None:
            self._term_index = {t: i for i, t in enumerate(self.terms)}
        return self._term_index

    @property
    def row_index(self) -> dict[str, int]:
        if self._row_index is None:
            self._row_index = {cid: i for i, cid in enumerate(self.ids)}
        return self._row_index

    def rows_of_plans(self, plan_ids: set[str]) -> list[str]:
        """Ids of the chunks of these plans."""
        wanted = {i for i, p in enumerate(self.labels.get("plan", [])) if p in plan_ids}
        if not wanted:
            return []
        codes = self.codes["plan"]
        rows = np.nonzero(np.isin(codes, np.fromiter(wanted, dtype=np.int32)))[0]
        return [self.ids[r] for r in rows]

    def mask(self, **allowed: set[str] | None) -> np.ndarray | None:
        """Boolean row mask for ``unit=``, ``kind=``, ``section=``, ``plan=`` value sets (None: no filter)."""
        m: np.ndarray | None = None
        for f, values in allowed.items():
            if values is None:
                continue
            codes = [i for i, lab in enumerate(self.labels.get(f, [])) if lab in values]
            fm = np.isin(self.codes.get(f, np.zeros(len(self.ids), np.int32)), np.asarray(codes, dtype=np.int32))
            m = fm if m is None else (m & fm)
        return m

    # -- query ------------------------------------------------------------------------
    def segment(self, query: str) -> list[str]:
        """Cut ``query`` with the index vocabulary (max-probability DAG route, like jieba)."""
        text = query.lower()
        index = self.term_index
        if not text or not index:
            return []
        seg = self._segmenter
        if seg is None:  # one assignment, so that another thread never sees half of it
            seg = (
                min(max((len(t) for t in self.terms), default=1), 16),
                math.log(max(float(self.term_count.sum()), 1.0)),
            )
            self._segmenter = seg
        maxlen, logtotal = seg
        n = len(text)
        route: list[tuple[float, int]] = [(0.0, 0)] * (n + 1)
        route[n] = (0.0, n)
        counts = self.term_count
        for i in range(n - 1, -1, -1):
            best = (-math.inf, i + 1)
            for j in range(i + 1, min(n, i + maxlen) + 1):
                word = text[i:j]
                tid = index.get(word)
                if tid is None and j > i + 1:
                    continue
                freq = float(counts[tid]) if tid is not None else 0.0
                score = math.log(freq or 1.0) - logtotal + route[j][0]
                if score > best[0]:
                    best = (score, j)
            route[i] = best
        out: list[str] = []
        i = 0
        while i < n:
            j = route[i][1]
            word = text[i:j]
            if word in index and keep_token(word):
                out.append(word)
            i = j
        return out

    def search(self, query: str, *, k: int = 50, mask: np.ndarray | None = None) -> list[tuple[int, float]]:
        """Top ``k`` (row, score) with score > 0, among rows where ``mask`` is true."""
        return self.top(self.segment(query), k=k, mask=mask)

    def top(self, tokens: Sequence[str], *, k: int = 50, mask: np.ndarray | None = None) -> list[tuple[int, float]]:
        """Top ``k`` (row, score) for query ``tokens`` already cut (terms outside the vocabulary count nothing)."""
        index = self.term_index
        terms = Counter(t for t in tokens if t in index)
        if not terms or not self.ids:
            return []
        scores = np.zeros(len(self.ids), dtype=np.float32)
        for t, qtf in terms.items():
            tid = self.term_index[t]
            lo, hi = self.term_ptr[tid], self.term_ptr[tid + 1]
            scores[self.post_row[lo:hi]] += qtf * self.post_w[lo:hi]
        if mask is not None:
            scores = np.where(mask, scores, 0.0)
        nz = int(np.count_nonzero(scores))
        if nz == 0:
            return []
        k = min(k, nz)
        top = np.argpartition(-scores, k - 1)[:k]
        top = top[np.argsort(-scores[top], kind="stable")]
        return [(int(r), float(scores[r])) for r in top]
