"""The index's table of chunks: every chunk's text and provenance, and a MinHash signature of it.

Held in ``bm25.npz`` beside the postings (arrays prefixed ``t_``), so a search reads the
passages it returns from the index's own sidecar instead of asking the vector store for
them a second time (a round trip of 2–3 ms at the seed scale, more against a server).

A chunk's **signature** is a MinHash of the set of its character bigrams (whitespace
removed): ``SIGNATURE`` hash functions ``h(x) = (a·x + b) mod 2⁶⁴ >> 32`` with fixed odd
``a`` and any ``b``, and the minimum of each over the chunk's bigrams. The share of
positions where two signatures agree estimates the Jaccard similarity of the two bigram
sets (standard error ≈ √(J(1−J)/64), 0.05 at J = 0.8), so the retriever tells
near-duplicates apart with one vectorised comparison per passage it takes, linear in its
pool of candidates, instead of pairwise set intersections.

Strings are stored as UTF-8 bytes with offsets; repeated ones (source, script, heading
path) as codes into a list of labels, like the postings' filter fields.

A chunk's **vector** (the unit vector the vector store holds for it, as float16) is kept too,
so a search filtered down to a few thousand chunks compares them directly (well under a
millisecond) instead of making chroma walk its graph for the few allowed ones near the
query (30–60 ms at 50,000 chunks). The ingest writes the store's vectors and the table's in
the same update, from the same embedder; a table without them (``vectors`` of width 0: an
index written before, or an interrupted fill) is searched through the store.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from drafter.models import Chunk

SIGNATURE = 64
_rng = np.random.default_rng(20240607)  # fixed: signatures written at ingest are compared at query time
_A = _rng.integers(1, 2**63, SIGNATURE, dtype=np.uint64) | np.uint64(1)
_B = _rng.integers(0, 2**63, SIGNATURE, dtype=np.uint64)
_SHIFT = np.uint64(32)
_BASE = np.uint64(0x110000)  # one more than the largest code point
_BATCH = 2000  # chunks hashed at once (bounds the temporary arrays)

LABELLED = ("source", "script", "heading")
PREFIX = "t_"


def signatures(texts: Sequence[str]) -> np.ndarray:
    """MinHash signatures, one row of ``SIGNATURE`` uint32 per text (a text without bigrams: all ones)."""
    out = np.full((len(texts), SIGNATURE), np.iinfo(np.uint32).max, dtype=np.uint32)
    for lo in range(0, len(texts), _BATCH):
        batch = ["".join(t.split()) for t in texts[lo : lo + _BATCH]]
        # every text's code points in one array, each text followed by a 0 that no bigram may span
        c = np.frombuffer("\0".join(batch).encode("utf-32-le"), dtype=np.uint32).astype(np.uint64)
        owner = np.repeat(np.arange(len(batch), dtype=np.uint64), [len(t) + 1 for t in batch])[: len(c)]
        ok = (c[:-1] != 0) & (c[1:] != 0)
        single = [i for i, t in enumerate(batch) if len(t) == 1]  # one character: its own "bigram"
        x = np.concatenate([(c[:-1] * _BASE + c[1:])[ok], np.asarray([ord(batch[i]) for i in single], np.uint64)])
        who = np.concatenate([owner[:-1][ok], np.asarray(single, dtype=np.uint64)])
        if not len(x):
            continue
        key = np.unique((who << np.uint64(42)) | x)  # distinct bigrams per text, grouped by text
        who, x = key >> np.uint64(42), key & np.uint64((1 << 42) - 1)
        starts = np.flatnonzero(np.r_[True, who[1:] != who[:-1]])
        block = np.empty((len(starts), SIGNATURE), dtype=np.uint32)
        for h in range(SIGNATURE):
            block[:, h] = np.minimum.reduceat(((x * _A[h] + _B[h]) >> _SHIFT).astype(np.uint32), starts)
        out[lo + who[starts].astype(np.int64)] = block
    return out


def similarity(sigs: np.ndarray, one: np.ndarray) -> np.ndarray:
    """Estimated Jaccard similarity of each row of ``sigs`` to the signature ``one``."""
    return np.count_nonzero(sigs == one, axis=1) / SIGNATURE


def _offsets(parts: Sequence[bytes]) -> np.ndarray:
    ptr = np.zeros(len(parts) + 1, dtype=np.int64)
    np.cumsum([len(p) for p in parts], out=ptr[1:])
    return ptr


@dataclass
class ChunkTable:
    """Text, provenance and signature of each row (chunk) of the index, in the postings' row order."""

    text_data: np.ndarray = field(default_factory=lambda: np.zeros(0, np.uint8))
    text_ptr: np.ndarray = field(default_factory=lambda: np.zeros(1, np.int64))
    year: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int32))  # -1: none
    start: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    end: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    codes: dict[str, np.ndarray] = field(default_factory=lambda: {f: np.zeros(0, np.int32) for f in LABELLED})
    labels: dict[str, list[str]] = field(default_factory=lambda: {f: [] for f in LABELLED})
    minhash: np.ndarray = field(default_factory=lambda: np.zeros((0, SIGNATURE), np.uint32))
    vectors: np.ndarray = field(default_factory=lambda: np.zeros((0, 0), np.float16))  # (rows, dim); dim 0: none

    def __len__(self) -> int:
        return len(self.text_ptr) - 1

    @classmethod
    def from_chunks(cls, chunks: Sequence[Chunk]) -> ChunkTable:
        texts = [c.text.encode("utf-8") for c in chunks]
        labels: dict[str, list[str]] = {f: [] for f in LABELLED}
        values = {
            "source": [c.source for c in chunks],
            "script": [c.script for c in chunks],
            "heading": [" > ".join(c.heading_path) for c in chunks],
        }
        codes = {f: label_codes(values[f], labels[f]) for f in LABELLED}
        return cls(
            text_data=np.frombuffer(b"".join(texts), dtype=np.uint8).copy(),
            text_ptr=_offsets(texts),
            year=np.asarray([c.year if c.year is not None else -1 for c in chunks], dtype=np.int32),
            start=np.asarray([c.start for c in chunks], dtype=np.int64),
            end=np.asarray([c.end for c in chunks], dtype=np.int64),
            codes=codes,
            labels=labels,
            minhash=signatures([c.text for c in chunks]),
            vectors=np.zeros((len(chunks), 0), np.float16),
        )

    def _texts(self, rows: Sequence[int] | np.ndarray) -> list[bytes]:
        data, ptr = self.text_data, self.text_ptr
        return [data[ptr[r] : ptr[r + 1]].tobytes() for r in rows]

    def select(self, keep: np.ndarray) -> ChunkTable:
        """The rows where ``keep`` is true, in order."""
        rows = np.flatnonzero(keep)
        texts = self._texts(rows)
        return ChunkTable(
            text_data=np.frombuffer(b"".join(texts), dtype=np.uint8).copy(),
            text_ptr=_offsets(texts),
            year=self.year[rows],
            start=self.start[rows],
            end=self.end[rows],
            codes={f: self.codes[f][rows] for f in LABELLED},
            labels={f: list(self.labels[f]) for f in LABELLED},
            minhash=self.minhash[rows],
            vectors=self.vectors[rows] if len(self.vectors) == len(self) else np.zeros((len(rows), 0), np.float16),
        )

    def concat(self, other: ChunkTable) -> ChunkTable:
        """This table's rows, then ``other``'s."""
        labels = {f: list(self.labels[f]) for f in LABELLED}
        codes = {}
        for f in LABELLED:
            theirs = label_codes([other.labels[f][c] for c in other.codes[f]], labels[f])
            codes[f] = np.concatenate([self.codes[f], theirs]).astype(np.int32)
        return ChunkTable(
            text_data=np.concatenate([self.text_data, other.text_data]),
            text_ptr=np.concatenate([self.text_ptr, other.text_ptr[1:] + self.text_ptr[-1]]),
            year=np.concatenate([self.year, other.year]),
            start=np.concatenate([self.start, other.start]),
            end=np.concatenate([self.end, other.end]),
            codes=codes,
            labels=labels,
            minhash=np.concatenate([self.minhash, other.minhash]),
            vectors=(
                np.concatenate([self.vectors, other.vectors])
                if self.vectors.shape[1:] == other.vectors.shape[1:]
                else np.zeros((len(self) + len(other), 0), np.float16)
            ),
        )

    @property
    def has_vectors(self) -> bool:
        """Whether every row has its vector."""
        return self.vectors.ndim == 2 and self.vectors.shape[1] > 0 and len(self.vectors) == len(self)

    def text(self, row: int) -> str:
        return self.text_data[self.text_ptr[row] : self.text_ptr[row + 1]].tobytes().decode("utf-8")

    def chunk(self, row: int, *, id: str, plan_id: str, unit: str, kind: str, section_id: str) -> Chunk:
        """The :class:`Chunk` of ``row`` (the fields the postings hold are passed in)."""
        year = int(self.year[row])
        heading = self.labels["heading"][int(self.codes["heading"][row])]
        return Chunk(
            id=id,
            text=self.text(row),
            plan_id=plan_id,
            source=self.labels["source"][int(self.codes["source"][row])],
            unit=unit,
            kind=kind,
            section_id=section_id or None,
            heading_path=[p for p in heading.split(" > ") if p],
            year=year if year >= 0 else None,
            script=self.labels["script"][int(self.codes["script"][row])],
            start=int(self.start[row]),
            end=int(self.end[row]),
        )

    # -- persistence (inside bm25.npz) -----------------------------------------------------
    def arrays(self) -> dict[str, np.ndarray]:
        out = {
            "text_data": self.text_data,
            "text_ptr": self.text_ptr,
            "year": self.year,
            "start": self.start,
            "end": self.end,
            "minhash": self.minhash,
            "vectors": self.vectors,
        }
        for f in LABELLED:
            out[f"code_{f}"] = self.codes[f]
            parts = [v.encode("utf-8") for v in self.labels[f]]
            out[f"labels_{f}"] = np.frombuffer(b"".join(parts), dtype=np.uint8)
            out[f"labels_ptr_{f}"] = _offsets(parts)
        return {PREFIX + k: v for k, v in out.items()}

    @classmethod
    def from_arrays(cls, d: Any) -> ChunkTable | None:
        """The table stored in an open ``.npz`` (None: the file predates chunk tables)."""
        if PREFIX + "text_ptr" not in d.files:
            return None

        def get(name: str) -> np.ndarray:
            return d[PREFIX + name]

        labels = {}
        for f in LABELLED:
            data, ptr = get(f"labels_{f}").tobytes(), get(f"labels_ptr_{f}")
            labels[f] = [data[ptr[i] : ptr[i + 1]].decode("utf-8") for i in range(len(ptr) - 1)]
        return cls(
            text_data=get("text_data"),
            text_ptr=get("text_ptr"),
            year=get("year"),
            start=get("start"),
            end=get("end"),
            codes={f: get(f"code_{f}") for f in LABELLED},
            labels=labels,
            minhash=get("minhash"),
            vectors=get("vectors") if PREFIX + "vectors" in d.files else np.zeros((len(get("year")), 0), np.float16),
        )

    def problems(self, n: int) -> list[str]:
        """What contradicts a table of ``n`` rows (empty when consistent)."""
        out = []
        arrays = (self.year, self.start, self.end, self.minhash, *(self.codes[f] for f in LABELLED))
        if len(self) != n or any(len(a) != n for a in arrays):
            out.append("chunk table of the wrong length")
        if self.minhash.ndim != 2 or (n and self.minhash.shape[1] != SIGNATURE):
            out.append("chunk signatures of the wrong shape")
        if self.vectors.ndim != 2 or len(self.vectors) != n:
            out.append("chunk vectors of the wrong shape")
        if len(self.text_ptr) and (
            int(self.text_ptr[0]) != 0
            or int(self.text_ptr[-1]) != len(self.text_data)
            or bool(np.any(np.diff(self.text_ptr) < 0))
        ):
            out.append("chunk text offsets out of range")
        for f in LABELLED:
            codes = self.codes[f]
            if len(codes) and (int(codes.min()) < 0 or int(codes.max()) >= len(self.labels[f])):
                out.append(f"chunk {f} codes without labels")
        return out


def label_codes(values: Sequence[str], labels: list[str]) -> np.ndarray:
    """Codes of ``values`` into ``labels`` (extended with values it lacks)."""
    index = {v: i for i, v in enumerate(labels)}
    out = np.empty(len(values), dtype=np.int32)
    for i, v in enumerate(values):
        if v not in index:
            index[v] = len(labels)
            labels.append(v)
        out[i] = index[v]
    return out
