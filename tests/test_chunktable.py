"""The chunk table in bm25.npz: passages served from it, signatures, and the upgrade of older files."""

from __future__ import annotations

import shutil
from itertools import combinations

import numpy as np
import pytest
from conftest import parse_simple, write_sample

from drafter.config import IndexConfig
from drafter.index.bm25 import BM25Index
from drafter.index.build import ingest
from drafter.index.chunktable import SIGNATURE, ChunkTable, signatures, similarity
from drafter.index.retrieve import Retriever
from drafter.index.store import ChromaStore


def _jaccard(a: str, b: str) -> float:
    x = {a[i : i + 2] for i in range(len(a) - 1)}
    y = {b[i : i + 2] for i in range(len(b) - 1)}
    return len(x & y) / len(x | y)


def test_signatures_estimate_bigram_jaccard():
    base = "开展送温暖活动，春节前走访慰问困难职工家庭，送去慰问金和慰问品，帮助解决实际困难。"
    texts = [
        base,
        base.replace("春节前", "元旦前"),
        base[:30] + "组织职工健康体检和疗休养。",
        "规范工会经费管理，严格执行预算。",
    ]
    sigs = signatures(texts)
    assert sigs.shape == (4, SIGNATURE) and sigs.dtype == np.uint32
    for i, j in combinations(range(4), 2):
        est = similarity(sigs[[i]], sigs[j])[0]
        assert abs(est - _jaccard(texts[i], texts[j])) < 0.2, (i, j)
    assert similarity(sigs, sigs[0])[0] == 1.0
    # whitespace does not count; a text without bigrams has its own signature
    assert (signatures(["送 温\n暖"]) == signatures(["送温暖"])).all()
    assert signatures([""]).shape == (1, SIGNATURE)


def test_passages_come_from_the_table_exactly_as_the_store_has_them(small_index):
    with Retriever(small_index) as r:
        assert r.bm25.table is not None and len(r.bm25.table) == len(r.bm25)
        hits = r.search("送温暖 困难职工", k=6)
        stored = {c.id: c for c in ChromaStore.of_index(small_index).get([h.chunk.id for h in hits])}
    assert hits and all(h.chunk == stored[h.chunk.id] for h in hits)


def test_a_search_asks_the_store_only_for_neighbours(small_index, monkeypatch):
    calls: list[str] = []
    with Retriever(small_index) as r:
        store = r.store
        monkeypatch.setattr(store, "get", lambda ids: calls.append("get") or [])
        assert r.search("送温暖", k=4, unit="hospital").returned == 4
    assert calls == []


def test_the_table_survives_save_load_and_updates(small_index, tmp_path):
    bm = BM25Index.load(small_index.index_dir / "bm25.npz")
    assert bm.table is not None
    bm.save(tmp_path / "bm25.npz")
    again = BM25Index.load(tmp_path / "bm25.npz")
    assert [again.chunk(r) for r in range(len(again))] == [bm.chunk(r) for r in range(len(bm))]
    gone = set(bm.ids[:3])
    smaller = bm.updated(remove=gone, chunks=[], tokens=[])
    assert smaller.ids == bm.ids[3:]
    assert [smaller.chunk(r) for r in range(len(smaller))] == [bm.chunk(r) for r in range(3, len(bm))]
    assert np.array_equal(smaller.table.minhash, bm.table.minhash[3:])
    back = smaller.updated(remove=set(), chunks=[bm.chunk(r) for r in range(3)], tokens=[["送温暖"]] * 3)
    assert [back.chunk(r) for r in range(len(back))] == [bm.chunk(r) for r in range(3, len(bm))] + [
        bm.chunk(r) for r in range(3)
    ]


def test_a_damaged_table_is_an_unreadable_file(small_index, tmp_path):
    bm = BM25Index.load(small_index.index_dir / "bm25.npz")
    assert bm.table is not None
    bm.table = ChunkTable(**{**bm.table.__dict__, "year": bm.table.year[:-1]})
    bm.save(tmp_path / "bm25.npz")
    with pytest.raises(ValueError, match="chunk table of the wrong length"):
        BM25Index.load(tmp_path / "bm25.npz")


def test_an_index_from_before_the_table_is_searched_then_upgraded(small_corpus, small_index, tmp_path):
    idx = tmp_path / "old"
    shutil.copytree(small_index.index_dir, idx)
    config = IndexConfig.resolve(idx)
    bm = BM25Index.load(idx / "bm25.npz")
    want = Retriever(config).search("送温暖 困难职工", k=5)
    bm.table = None
    bm.save(idx / "bm25.npz")  # what a drafter before chunk tables wrote
    assert BM25Index.load(idx / "bm25.npz").table is None
    with Retriever(config) as r:  # read from the vector store meanwhile
        got = r.search("送温暖 困难职工", k=5)
    assert [h.chunk for h in got] == [h.chunk for h in want]
    said: list[str] = []
    report = ingest([small_corpus], config=config, parse=parse_simple, warn=said.append)
    assert any("no table of chunk texts" in s for s in said)
    assert report.chunks_total == len(bm) and report.chunks_added == report.chunks_removed == 0
    assert BM25Index.load(idx / "bm25.npz").table is not None
    with Retriever(config) as r:
        assert [h.chunk for h in r.search("送温暖 困难职工", k=5)] == [h.chunk for h in want]


def _table_matches_store(config: IndexConfig) -> None:
    bm = BM25Index.load(config.index_dir / "bm25.npz")
    assert bm.table is not None and bm.table.has_vectors
    found, stored = ChromaStore.of_index(config).vectors(bm.ids)
    assert sorted(found) == sorted(bm.ids)
    rows = [bm.row_index[i] for i in found]
    cos = np.sum(bm.table.vectors[rows].astype(np.float32) * stored, axis=1)
    assert cos.min() > 0.999  # the same unit vectors, to float16 precision


def test_the_table_holds_the_vectors_the_store_holds(small_index):
    _table_matches_store(small_index)


def test_a_narrow_filter_is_answered_from_the_table_as_the_store_would(small_index, monkeypatch):
    query = "送温暖 困难职工 慰问"
    with Retriever(small_index) as r:
        asked: list[object] = []
        real = r.store.nearest
        monkeypatch.setattr(r.store, "nearest", lambda *a, **kw: asked.append(kw) or real(*a, **kw))
        monkeypatch.setattr(r.store, "vectors", lambda ids: pytest.fail("the table has the vectors"))
        got = r.search(query, k=4, unit="hospital")
        assert asked == [] and got.returned == 4
        table = r.bm25.table
        saved = table.vectors
        table.vectors = np.zeros((len(table), 0), np.float16)  # as an index without them: the store answers
        monkeypatch.undo()
        try:
            via_store = r.search(query, k=4, unit="hospital")
        finally:
            table.vectors = saved
    assert [h.chunk.id for h in got] == [h.chunk.id for h in via_store]


def test_the_vectors_follow_an_update_and_fill_an_index_that_had_none(small_corpus, small_index, tmp_path):
    idx = tmp_path / "grown"
    shutil.copytree(small_index.index_dir, idx)
    config = IndexConfig.resolve(idx)
    bm = BM25Index.load(idx / "bm25.npz")
    bm.table.vectors = np.zeros((len(bm), 0), np.float16)  # what a drafter before table vectors wrote
    bm.save(idx / "bm25.npz")
    more = tmp_path / "more"
    more.mkdir()
    write_sample(more, "h3", "hospital", ["care", "finance"], extra="护理部夜班护士慰问。")
    said: list[str] = []
    report = ingest([small_corpus, more], config=config, parse=parse_simple, warn=said.append)
    assert report.chunks_added > 0
    assert any("no chunk vectors" in s for s in said)
    _table_matches_store(config)
    # an unchanged index that lacks them gets them on its next ingest, with a word
    bm = BM25Index.load(idx / "bm25.npz")
    bm.table.vectors = np.zeros((len(bm), 0), np.float16)
    bm.save(idx / "bm25.npz")
    said.clear()
    report = ingest([small_corpus, more], config=config, parse=parse_simple, warn=said.append)
    assert report.chunks_added == report.chunks_removed == 0 and any("no chunk vectors" in s for s in said)
    _table_matches_store(config)
