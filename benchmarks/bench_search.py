"""Search against its references, in one run: LangChain's ensemble, and bm25s for the BM25 part.

    .venv/bin/python benchmarks/bench_search.py            # seed corpus + BM25 at ~50,000 chunks
    .venv/bin/python benchmarks/bench_search.py --quick    # BM25 at ~8,000 chunks

Needs the ``bench`` extra (``pip install -e ".[bench]"``: langchain-community, rank_bm25,
bm25s). Measures, with the compared systems interleaved query by query so that the load of
a shared machine falls on both alike:

1. **search at the seed scale** (the built-in corpus, ~350 chunks): drafter's
   ``Retriever.search`` against the stack a user would otherwise build — LangChain
   ``EnsembleRetriever`` of ``Chroma`` (same chunks, same fitted embeddings, cosine) and
   ``BM25Retriever`` over jieba tokens, equal weights — p50/p95 latency and the ratio
   drafter / ensemble (target: p95 ratio ≤ 1), and hits returned per query (drafter, no
   filter and by unit, against k asked);
2. **BM25**: drafter's ``index/bm25.py`` against ``bm25s`` (same chunks, same jieba
   tokens, same k1/b and Lucene idf; the query cut once, both given the same tokens) at
   the seed scale and at ~50,000 chunks (recombined seed plans, as in ``bench_index.py``):
   build time, p50/p95 query time (top 50), memory of the built index, and whether the
   top-10 rows agree.

Writes ``benchmarks/results/search.json`` and prints a table.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import platform
import random
import statistics
import sys
import tempfile
import time
import tracemalloc
import warnings
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))
os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")
warnings.filterwarnings("ignore", category=DeprecationWarning)

from bench_index import SEED, UNITS, make_plans, pct, queries  # noqa: E402

K = 8


def stats(ms: list[float]) -> dict[str, float]:
    return {"p50_ms": round(pct(ms, 50), 2), "p95_ms": round(pct(ms, 95), 2), "mean_ms": round(statistics.mean(ms), 2)}


def ensemble_for(texts: list[str], ids: list[str], metas: list[dict[str, Any]], embedder: Any, folder: Path) -> Any:
    """LangChain: Chroma (the same fitted embedder) + BM25Retriever over jieba, in an EnsembleRetriever."""
    import jieba
    from langchain_chroma import Chroma
    from langchain_classic.retrievers import EnsembleRetriever
    from langchain_community.retrievers import BM25Retriever
    from langchain_core.embeddings import Embeddings

    class Same(Embeddings):
        def embed_documents(self, docs: list[str]) -> list[list[float]]:
            return [list(map(float, v)) for v in embedder.embed(docs)]

        def embed_query(self, text: str) -> list[float]:
            return [float(x) for x in embedder.embed([text])[0]]

    jieba.setLogLevel(60)
    vectors = Chroma(
        collection_name="ensemble",
        embedding_function=Same(),
        persist_directory=str(folder),
        collection_metadata={"hnsw:space": "cosine"},
    )
    for lo in range(0, len(texts), 1000):
        vectors.add_texts(texts[lo : lo + 1000], metadatas=metas[lo : lo + 1000], ids=ids[lo : lo + 1000])
    bm25 = BM25Retriever.from_texts(texts, metadatas=metas, preprocess_func=jieba.lcut, k=K)
    return EnsembleRetriever(retrievers=[bm25, vectors.as_retriever(search_kwargs={"k": K})], weights=[0.5, 0.5])


def seed_search(cfg: Any, qs: list[str], tmp: Path) -> dict[str, Any]:
    from drafter.index.retrieve import Retriever

    retriever = Retriever(cfg)
    bm, table = retriever.bm25, retriever.bm25.table
    rows = range(len(bm))
    chunks = [bm.chunk(r) for r in rows]
    texts = [c.text for c in chunks]
    metas = [{"unit": c.unit, "plan_id": c.plan_id} for c in chunks]
    ensemble = ensemble_for(texts, list(bm.ids), metas, retriever.embedder, tmp / "lc")
    assert table is not None
    frng = random.Random(SEED + 2)
    for q in qs[:10]:  # warm both (first-call segment loads, jieba's dictionary)
        retriever.search(q, k=K)
        ensemble.invoke(q)
    ours: list[float] = []
    ours_unit: list[float] = []
    theirs: list[float] = []
    hits: list[int] = []
    hits_unit: list[int] = []
    unfounded = 0  # searches that came back short while the index held more distinct passages
    hits_theirs: list[int] = []
    for i, q in enumerate(qs):
        unit = frng.choice(UNITS)

        def run_ours(q: str = q, unit: str = unit) -> None:
            nonlocal unfounded
            t = time.perf_counter()
            found = retriever.search(q, k=K)
            ours.append((time.perf_counter() - t) * 1000)
            hits.append(found.returned)
            unfounded += found.returned < K and not found.exhausted
            t = time.perf_counter()
            found = retriever.search(q, k=K, unit=unit)
            ours_unit.append((time.perf_counter() - t) * 1000)
            hits_unit.append(found.returned)
            unfounded += found.returned < K and not found.exhausted

        def run_theirs(q: str = q) -> None:
            t = time.perf_counter()
            docs = ensemble.invoke(q)
            theirs.append((time.perf_counter() - t) * 1000)
            hits_theirs.append(len(docs))

        for f in (run_ours, run_theirs) if i % 2 == 0 else (run_theirs, run_ours):
            f()
    retriever.close()
    out = {
        "chunks": len(texts),
        "queries": len(qs),
        "k": K,
        "drafter": {**stats(ours), "mean_hits": round(statistics.mean(hits), 2), "short": sum(h < K for h in hits)},
        "drafter_unit_filter": {
            **stats(ours_unit),
            "mean_hits": round(statistics.mean(hits_unit), 2),
            "short": sum(h < K for h in hits_unit),
        },
        "langchain_ensemble": {**stats(theirs), "mean_hits": round(statistics.mean(hits_theirs), 2)},
        "short_while_more_exist": unfounded,
    }
    out["p50_ratio"] = round(out["drafter"]["p50_ms"] / out["langchain_ensemble"]["p50_ms"], 2)
    out["p95_ratio"] = round(out["drafter"]["p95_ms"] / out["langchain_ensemble"]["p95_ms"], 2)
    out["target_p95_ratio"] = 1.0
    return out


def nbytes(obj: Any) -> int:
    import numpy as np

    if isinstance(obj, np.ndarray):
        return int(obj.nbytes)
    if isinstance(obj, dict):
        return sum(nbytes(k) + nbytes(v) for k, v in obj.items())
    if isinstance(obj, list | tuple):
        return sum(nbytes(v) for v in obj) + 8 * len(obj)
    if isinstance(obj, str):
        return sys.getsizeof(obj)
    return 0


def bm25_compare(chunks: list[Any], tokens: list[list[str]], qs: list[str]) -> dict[str, Any]:
    """drafter's BM25 postings against bm25s on the same tokens: build, query, memory, agreement."""
    import bm25s
    import numpy as np

    from drafter.index.bm25 import K1, BM25Index
    from drafter.index.chunktable import ChunkTable

    def build_ours() -> BM25Index:
        return BM25Index.build(chunks, tokens)

    def build_theirs() -> Any:
        r = bm25s.BM25(k1=1.5, b=0.75, method="lucene")
        r.index(tokens, show_progress=False)
        return r

    builds: dict[str, list[float]] = {"drafter": [], "bm25s": [], "table": []}
    peaks: dict[str, int] = {}
    for rep in range(3):  # interleaved, best of three
        for name, fn in (("drafter", build_ours), ("bm25s", build_theirs))[:: 1 if rep % 2 == 0 else -1]:
            gc.collect()
            tracemalloc.start()
            t = time.perf_counter()
            built = fn()
            builds[name].append(time.perf_counter() - t)
            peaks[name] = max(peaks.get(name, 0), tracemalloc.get_traced_memory()[1])
            tracemalloc.stop()
            if name == "drafter":
                ours = built
            else:
                theirs = built
        t = time.perf_counter()
        ChunkTable.from_chunks(chunks)  # part of drafter's build, not of BM25: measured to subtract it
        builds["table"].append(time.perf_counter() - t)
    ours_size = nbytes([ours.term_count, ours.term_ptr, ours.post_row, ours.post_tf, ours.post_w, ours.doc_len])
    ours_size += nbytes(ours.terms)
    theirs_size = nbytes(dict(theirs.scores)) + nbytes(dict(theirs.vocab_dict))

    cut = [ours.segment(q) for q in qs]
    cut = [c for c in cut if c]
    lat: dict[str, list[float]] = {"drafter": [], "bm25s": []}
    agree = 0
    segment_ms: list[float] = []
    for i, (q, toks) in enumerate(zip(qs, cut, strict=False)):
        t = time.perf_counter()
        ours.segment(q)
        segment_ms.append((time.perf_counter() - t) * 1000)
        got: dict[str, list[float]] = {}
        for name in ("drafter", "bm25s") if i % 2 == 0 else ("bm25s", "drafter"):
            t = time.perf_counter()
            if name == "drafter":
                top = [x for _, x in ours.top(toks, k=50)[:10]]
            else:
                _, scores = theirs.retrieve([toks], k=min(50, len(chunks)), show_progress=False, n_threads=0)
                top = [float(x) for x in scores[0][:10] if x > 0]
            lat[name].append((time.perf_counter() - t) * 1000)
            got[name] = top
        a, b = got["drafter"], got["bm25s"]
        # the same ten best scores (rows may differ among equal scores); Lucene's BM25, which bm25s
        # implements, leaves out the constant factor (k1 + 1) of the classic formula drafter uses
        agree += len(a) == len(b) and bool(np.allclose(np.asarray(a) / (K1 + 1), b, rtol=1e-4, atol=1e-6))
    build_ours_s = min(builds["drafter"]) - min(builds["table"])
    out = {
        "chunks": len(chunks),
        "queries": len(lat["drafter"]),
        "drafter": {
            "build_s": round(build_ours_s, 3),
            **stats(lat["drafter"]),
            "index_mb": round(ours_size / 2**20, 1),
            "build_peak_mb": round(peaks["drafter"] / 2**20, 1),
            "query_segmentation_p50_ms": round(pct(segment_ms, 50), 3),
        },
        "bm25s": {
            "build_s": round(min(builds["bm25s"]), 3),
            **stats(lat["bm25s"]),
            "index_mb": round(theirs_size / 2**20, 1),
            "build_peak_mb": round(peaks["bm25s"] / 2**20, 1),
        },
        "top10_agree": round(agree / max(1, len(lat["drafter"])), 3),
        "chunk_table_build_s": round(min(builds["table"]), 3),
    }
    out["p95_ratio"] = round(out["drafter"]["p95_ms"] / out["bm25s"]["p95_ms"], 2)
    out["build_ratio"] = round(out["drafter"]["build_s"] / out["bm25s"]["build_s"], 2)
    out["memory_ratio"] = round(out["drafter"]["index_mb"] / max(out["bm25s"]["index_mb"], 0.01), 2)
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true", help="BM25 at ~8,000 chunks instead of ~50,000")
    ap.add_argument("--chunks", type=int, default=50000)
    ap.add_argument("--queries", type=int, default=240)
    ap.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results" / "search.json")
    args = ap.parse_args()
    if args.quick:
        args.chunks = 8000
    from drafter.config import IndexConfig
    from drafter.index.bm25 import jieba_tokens
    from drafter.index.build import ingest, read_plans_file
    from drafter.index.chunk import chunk_plans

    rng = random.Random(SEED)
    results: dict[str, Any] = {
        "machine": {"python": platform.python_version(), "cpus": os.cpu_count(), "platform": platform.platform()}
    }
    with tempfile.TemporaryDirectory(prefix="drafter-bench-search-") as name:
        tmp = Path(name)
        cfg = IndexConfig.resolve(tmp / "seed")
        ingest(None, config=cfg)
        seed_plans = read_plans_file(cfg.index_dir / "plans.jsonl")
        sample = [s.body for p in seed_plans for s in p.sections if s.body.strip()]
        qs = queries(rng, sample, args.queries)
        results["seed_search"] = seed_search(cfg, qs, tmp)
        print("seed search:", json.dumps(results["seed_search"], ensure_ascii=False), flush=True)

        seed_chunks = chunk_plans(seed_plans)
        results["bm25_seed"] = bm25_compare(seed_chunks, jieba_tokens([c.text for c in seed_chunks]), qs)
        print("bm25 seed:", json.dumps(results["bm25_seed"], ensure_ascii=False), flush=True)
        plans = make_plans(seed_plans, max(1, args.chunks // 16), 0, rng)
        chunks = chunk_plans(plans)
        while len(chunks) < args.chunks:
            more = make_plans(seed_plans, max(1, (args.chunks - len(chunks)) // 14 + 1), len(plans), rng)
            plans += more
            chunks += chunk_plans(more)
        chunks = chunks[: args.chunks]
        t = time.perf_counter()
        tokens = jieba_tokens([c.text for c in chunks])
        results["jieba_tokens_s"] = round(time.perf_counter() - t, 1)
        results["bm25_scaled"] = bm25_compare(chunks, tokens, qs)
        print("bm25 scaled:", json.dumps(results["bm25_scaled"], ensure_ascii=False), flush=True)

    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(results, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    s = results["seed_search"]
    rows = [
        (
            f"search at the seed scale ({s['chunks']} chunks, k={s['k']}), p50 / p95",
            f"drafter {s['drafter']['p50_ms']} / {s['drafter']['p95_ms']} ms; LangChain ensemble "
            f"{s['langchain_ensemble']['p50_ms']} / {s['langchain_ensemble']['p95_ms']} ms; "
            f"p95 ratio {s['p95_ratio']} (target ≤ 1)",
        ),
        (
            "hits returned at k=8 (no filter / by unit)",
            f"{s['drafter']['mean_hits']} / {s['drafter_unit_filter']['mean_hits']} "
            f"({s['drafter']['short']} / {s['drafter_unit_filter']['short']} queries short, "
            f"{s['short_while_more_exist']} of them while the index held more)",
        ),
    ]
    for key in ("bm25_seed", "bm25_scaled"):
        b = results[key]
        rows.append(
            (
                f"BM25 at {b['chunks']} chunks: build / p95 / memory",
                f"drafter {b['drafter']['build_s']} s / {b['drafter']['p95_ms']} ms / {b['drafter']['index_mb']} MB; "
                f"bm25s {b['bm25s']['build_s']} s / {b['bm25s']['p95_ms']} ms / {b['bm25s']['index_mb']} MB; "
                f"top-10 agree {b['top10_agree']}",
            )
        )
    w = max(len(a) for a, _ in rows)
    print()
    for a, b in rows:
        print(f"{a.ljust(w)}  {b}")
    print(f"\nwrote {args.out}")


if __name__ == "__main__":
    main()
