"""The chroma store, against a temporary local folder and a real chroma server."""

from __future__ import annotations

import uuid

import numpy as np
import pytest

from drafter.config import IndexConfig
from drafter.errors import StoreError
from drafter.index.chunk import chunk_plan
from drafter.index.store import ChromaStore


@pytest.fixture(params=["local", pytest.param("server", marks=pytest.mark.server)])
def store(request, tmp_path) -> ChromaStore:
    url = request.getfixturevalue("chroma_server") if request.param == "server" else None
    # a fresh collection per test (the server is shared by the session)
    config = IndexConfig(index_dir=tmp_path / "idx", chroma_url=url, collection=f"t-{uuid.uuid4().hex[:10]}")
    s = ChromaStore(config)
    yield s
    s.drop()


@pytest.fixture
def chunks(make_plan):
    k = make_plan(
        "k#1", [("一、关爱职工", "开展送温暖活动。慰问困难职工。", "care"), ("二、经费", "规范经费管理。", "finance")]
    )
    h = make_plan("h#1", [("一、关爱职工", "医院开展送温暖活动。", "care")], unit="hospital", year=None)
    return chunk_plan(k) + chunk_plan(h)


def _vectors(n: int, dim: int = 4) -> np.ndarray:
    v = np.zeros((n, dim), dtype=np.float32)
    for i in range(n):
        v[i, i % dim] = 1.0
        v[i, (i + 1) % dim] = 0.1 * i
    return v / np.linalg.norm(v, axis=1, keepdims=True)


def test_add_query_get_delete(store, chunks):
    vecs = _vectors(len(chunks))
    store.add(chunks, vecs)
    assert store.count() == len(chunks)
    store.add(chunks, vecs)  # upsert: idempotent
    assert store.count() == len(chunks)

    hits = store.query(vecs[0], k=2)
    assert hits[0][0] == chunks[0] and hits[0][1] == pytest.approx(0.0, abs=1e-5)  # round trip of text + metadata

    hits = store.query(vecs[0], k=10, where={"unit": {"$in": ["hospital"]}})
    assert hits and all(c.unit == "hospital" for c, _ in hits)
    assert all(c.year is None for c, _ in hits)  # None survives the flat metadata
    hits = store.query(
        vecs[0], k=10, where={"$and": [{"unit": {"$in": ["kindergarten"]}}, {"section_id": {"$in": ["finance"]}}]}
    )
    assert [c.section_id for c, _ in hits] == ["finance"]

    assert store.get([chunks[1].id, "missing", chunks[0].id]) == [chunks[1], chunks[0]]
    ids, _, metas = store.get_all()
    assert sorted(ids) == sorted(c.id for c in chunks)
    assert {m["plan_id"] for m in metas} == {"k#1", "h#1"}

    store.delete([chunks[0].id])
    assert store.count() == len(chunks) - 1
    assert store.get([chunks[0].id]) == []


def test_cosine_distances(store, chunks):
    store.add(chunks[:2], np.array([[1, 0, 0, 0], [0, 1, 0, 0]], dtype=np.float32))
    (first, d0), (_, d1) = store.query(np.array([1, 0, 0, 0], dtype=np.float32), k=2)
    assert first.id == chunks[0].id and d0 == pytest.approx(0.0, abs=1e-5) and d1 == pytest.approx(1.0, abs=1e-5)


def test_unreachable_server_is_one_line_store_error(tmp_path):
    config = IndexConfig(index_dir=tmp_path, chroma_url="http://127.0.0.1:9")
    with pytest.raises(StoreError) as info:
        ChromaStore(config)
    msg = str(info.value)
    assert "cannot reach chroma server at http://127.0.0.1:9" in msg and "chroma run --path DIR --port 9" in msg
    assert "\n" not in msg


def test_bad_collection_name_is_a_config_error(tmp_path):
    from drafter.errors import ConfigError

    with pytest.raises(ConfigError, match="not valid for chroma"):
        ChromaStore(IndexConfig(index_dir=tmp_path, collection="工会 计划"))


# --------------------------------------------------------------------------- deadlines


@pytest.mark.parametrize("server", ["never_accepts", "accepts_and_never_answers", "answers_slowly"])
def test_a_hanging_server_costs_at_most_the_deadline(tmp_path, server):
    import time

    import hanging_servers

    with getattr(hanging_servers, server)() as url:
        config = IndexConfig(index_dir=tmp_path, chroma_url=url, chroma_timeout=1.0)
        t = time.monotonic()
        with pytest.raises(StoreError) as info:
            ChromaStore(config).count()
        took = time.monotonic() - t
    msg = str(info.value)
    assert took < 2.5, took
    assert f"chroma server at {url} did not answer within 1 s" in msg and "DRAFTER_CHROMA_TIMEOUT" in msg
    assert "\n" not in msg


def test_with_deadline_returns_and_raises_like_the_call():
    from drafter.index.store import with_deadline

    assert with_deadline(lambda: 42, 1.0, "http://x:1") == 42
    with pytest.raises(KeyError):
        with_deadline(lambda: {}["missing"], 1.0, "http://x:1")


# --------------------------------------------------------------------------- one client per folder, many threads


def test_one_client_per_folder_shared_by_threads(tmp_path, chunks):
    import threading

    from drafter.index.store import shared_client

    config = IndexConfig(index_dir=tmp_path / "idx", collection="threads")
    ChromaStore(config).add(chunks, _vectors(len(chunks)))
    clients, errors, results = [], [], []
    start = threading.Barrier(8)

    def work():
        try:
            start.wait()
            store = ChromaStore(IndexConfig(index_dir=tmp_path / "idx", collection="threads"))
            clients.append(store._client)
            for _ in range(5):
                results.append(len(store.query(_vectors(1)[0], k=3)))
        except Exception as exc:
            errors.append(exc)

    threads = [threading.Thread(target=work) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors[:2]
    assert len({id(c) for c in clients}) == 1 and clients[0] is shared_client(config)
    assert results == [3] * 40
