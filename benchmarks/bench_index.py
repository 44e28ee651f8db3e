"""Benchmark of the index stage: ingest time, scaled ingest, search latency, peak memory.

    .venv/bin/python benchmarks/bench_index.py            # full run (~50,000 chunks)
    .venv/bin/python benchmarks/bench_index.py --quick    # small scale, for a smoke check

Measures
1. imports (drafter.index + chromadb, sklearn, langchain splitters, tiktoken, the ingest
   stage) and jieba's dictionary load, then ingest of the built-in seed corpus into a
   fresh temporary index (target ≤ 5 s after imports);
2. a scaled corpus of ~2,000 plans made by recombining sections of the seed plans
   (fixed random seed; unit tags varied, text varied slightly so chunks differ):
   ingest time and chunk count;
3. more recombined plans added until the index holds ~50,000 chunks (incremental
   ingest), then search latency p50/p95 over ≥ 200 varied queries with and without
   filters (target p95 ≤ 50 ms), and peak RSS;
4. reliability costs: an unchanged re-ingest of the big index (every ingest checks the
   sidecars and lists the store's ids against bm25.npz), a repair after a third of the
   vectors are lost, and how long a search takes to fail against a chroma server that
   accepts connections and never answers (the DRAFTER_CHROMA_TIMEOUT deadline, default 15 s).

Prints a table and writes ``benchmarks/results/index.json``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import resource
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")

SEED = 20240101
UNITS = [
    "kindergarten",
    "primary_school",
    "middle_school",
    "university",
    "hospital",
    "enterprise",
    "government",
    "community",
]
SWAPS = [
    ("职工", "教职工"),
    ("职工", "员工"),
    ("开展", "组织开展"),
    ("活动", "系列活动"),
    ("加强", "进一步加强"),
    ("工会", "本单位工会"),
    ("积极", "主动"),
    ("认真", "切实"),
    ("组织", "精心组织"),
    ("提高", "不断提高"),
]
TOPICS = [
    "送温暖",
    "职工之家",
    "劳动竞赛",
    "女职工权益",
    "经费审计",
    "师德师风",
    "健康体检",
    "困难职工帮扶",
    "文体活动",
    "厂务公开",
    "教代会",
    "职代会",
    "安全生产",
    "技能比武",
    "读书活动",
    "工会干部培训",
    "民主管理",
    "心理健康",
    "三八妇女节",
    "五一劳动节",
    "集体协商",
    "会员发展",
    "志愿服务",
    "劳模评选",
    "合理化建议",
    "职工疗休养",
]
MODS = ["", "活动", "工作", "制度", "计划", "开展", "加强", "慰问", "组织"]


def rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def pct(values: list[float], p: float) -> float:
    s = sorted(values)
    return s[min(len(s) - 1, round(p / 100 * (len(s) - 1)))]


def vary(text: str, rng: random.Random, tag: str) -> str:
    for a, b in rng.sample(SWAPS, 3):
        if rng.random() < 0.6:
            text = text.replace(a, b, 1)
    return text.replace("。", f"（{tag}）。", 1) if "。" in text else text + f"（{tag}）"


def make_plans(seed_plans, n: int, start: int, rng: random.Random):
    """``n`` plans recombining the seed plans' sections (each section text slightly varied)."""
    import hashlib

    from drafter.models import Plan, Section, Tag

    pools = [s for p in seed_plans for s in p.sections if s.body.strip() and s.heading]
    out = []
    for i in range(start, start + n):
        unit = rng.choice(UNITS)
        picked = rng.sample(pools, min(len(pools), rng.randint(8, 16)))
        title = f"合成{i}号{unit}工会工作计划"
        text = title + "\n"
        sections = []
        for j, s in enumerate(picked):
            body = vary(s.body, rng, f"{i}-{j}")
            block = f"{s.heading}\n{body}"
            st = len(text)
            text += block + "\n"
            sections.append(
                Section(
                    heading=s.heading,
                    level=s.level,
                    body=body,
                    path=[s.heading],
                    number=s.number,
                    section_id=s.section_id,
                    own_label=s.own_label,
                    start=st,
                    end=st + len(block),
                )
            )
        out.append(
            Plan(
                id=f"syn{i:05d}#1",
                source=f"syn{i:05d}.txt",
                index=1,
                title=title,
                text=text,
                unit=Tag(unit, ["synthetic"]),
                kind=Tag(rng.choice(["plan", "plan", "plan", "summary"])),
                year=Tag(rng.choice([2021, 2022, 2023, 2024, 2025])),
                script=Tag("simplified"),
                sections=sections,
                content_hash=hashlib.sha256(text.encode("utf-8")).hexdigest(),
            )
        )
    return out


def write_plans(folder: Path, plans) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for p in plans:
        path = folder / p.source
        path.write_text(json.dumps(p.to_dict(), ensure_ascii=False), encoding="utf-8")
        paths.append(path)
    return paths


def parse_json_plan(path: Path):
    from drafter.models import Plan

    return [Plan.from_dict(json.loads(path.read_text(encoding="utf-8")))]


def queries(rng: random.Random, chunk_texts: list[str], n: int) -> list[str]:
    out = []
    for i in range(n):
        r = i % 3
        if r == 0:
            out.append(rng.choice(TOPICS) + rng.choice(MODS))
        elif r == 1:
            out.append(" ".join(rng.sample(TOPICS, 2)))
        else:
            t = rng.choice(chunk_texts).replace("\n", "")
            a = rng.randrange(max(1, len(t) - 20))
            out.append(t[a : a + rng.randint(6, 20)] or rng.choice(TOPICS))
    return out


def search_latency(big_cfg, seed_plans, rng: random.Random, n_queries: int, total_chunks: int) -> dict:
    """Search p50/p95 and hits returned at k=8 over varied queries: no filter, by unit, by unit+section+kind."""
    from drafter.index.retrieve import Retriever

    t = time.perf_counter()
    retriever = Retriever(big_cfg)
    load_s = time.perf_counter() - t
    sample = [s.body for p in seed_plans for s in p.sections if s.body.strip()]
    qs = queries(rng, sample, n_queries)
    sections = [s for s in retriever.bm25.labels["section"] if s]
    retriever.search("预热 送温暖", k=8)  # first-call warm-up (chroma segment load)

    def timed(filters_for) -> dict:
        lat = []
        n_hits = 0
        short = 0
        for q in qs:
            f = filters_for()
            t0 = time.perf_counter()
            hits = retriever.search(q, k=8, **f)
            lat.append((time.perf_counter() - t0) * 1000)
            n_hits += len(hits)
            short += hits.returned < hits.requested and not hits.exhausted
        return {
            "queries": len(lat),
            "p50_ms": round(pct(lat, 50), 2),
            "p95_ms": round(pct(lat, 95), 2),
            "max_ms": round(max(lat), 2),
            "mean_hits": round(n_hits / len(lat), 2),
            "k": 8,
            "short_while_more_exist": short,
        }

    frng = random.Random(SEED + 1)
    out = {
        "chunks": total_chunks,
        "retriever_load_s": round(load_s, 3),
        "no_filter": timed(lambda: {}),
        "unit": timed(lambda: {"unit": frng.choice(UNITS)}),
        "unit_section_kind": timed(
            lambda: {"unit": frng.choice(UNITS), "section": frng.choice(sections), "kind": "plan"}
        ),
        "target_p95_ms": 50.0,
    }
    retriever.close()
    return out


def search_again(args: argparse.Namespace) -> None:
    """Section 3 again on a kept index: the same queries (the random plans are made again to get there)."""
    from drafter.config import IndexConfig
    from drafter.index.build import read_plans_file

    rng = random.Random(SEED)
    seed_plans = read_plans_file(args.search_only / "seed" / "plans.jsonl")
    made = make_plans(seed_plans, args.plans, 0, rng)
    per = 31499 / 2000  # chunks per plan of the full run's scaled corpus
    make_plans(seed_plans, max(0, int((args.chunks - len(made) * per) / per) + 1), args.plans, rng)
    big_cfg = IndexConfig.resolve(args.search_only / "big")
    total = json.loads((args.search_only / "big" / "manifest.json").read_text(encoding="utf-8"))["counts"]["chunks"]
    results = json.loads(args.out.read_text(encoding="utf-8")) if args.out.is_file() else {}
    results["search"] = search_latency(big_cfg, seed_plans, rng, args.queries, total)
    results["search"]["rerun_on_kept_index"] = True
    args.out.write_text(json.dumps(results, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(results["search"], ensure_ascii=False, indent=2))


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true", help="small scale (300 plans, ~8k chunks)")
    ap.add_argument("--plans", type=int, default=2000)
    ap.add_argument("--chunks", type=int, default=50000)
    ap.add_argument("--queries", type=int, default=240)
    ap.add_argument(
        "--keep", type=Path, default=None, help="build in this folder and keep it (default: a temp folder, removed)"
    )
    ap.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results" / "index.json")
    ap.add_argument(
        "--search-only",
        type=Path,
        default=None,
        help="a folder an earlier run left with --keep: time the searches again only (same queries)",
    )
    args = ap.parse_args()
    if args.quick:
        args.plans, args.chunks, args.queries = 300, 8000, 200
    rng = random.Random(SEED)
    if args.search_only:
        search_again(args)
        return
    results: dict = {
        "machine": {"python": platform.python_version(), "cpus": os.cpu_count(), "platform": platform.platform()}
    }

    # 1. imports, then the seed corpus ----------------------------------------------------
    t = time.perf_counter()
    import chromadb  # noqa: F401
    import langchain_text_splitters  # noqa: F401
    import sklearn.decomposition  # noqa: F401
    import tiktoken  # noqa: F401

    import drafter.ingestion.pipeline  # noqa: F401
    from drafter.config import IndexConfig
    from drafter.index.build import ingest, read_plans_file
    from drafter.index.chunk import count_tokens
    from drafter.index.retrieve import Retriever  # noqa: F401 - part of the timed imports

    results["import_s"] = round(time.perf_counter() - t, 3)
    t = time.perf_counter()
    import jieba

    jieba.setLogLevel(60)
    jieba.initialize()
    results["jieba_init_s"] = round(time.perf_counter() - t, 3)
    count_tokens("预热")  # tiktoken's BPE table

    tmp = args.keep or Path(tempfile.mkdtemp(prefix="drafter-bench-"))
    if args.keep and tmp.exists():
        import shutil

        shutil.rmtree(tmp)
    seed_cfg = IndexConfig.resolve(tmp / "seed")
    t = time.perf_counter()
    rep = ingest(None, config=seed_cfg)
    results["seed"] = {
        "seconds": round(time.perf_counter() - t, 3),
        "plans": rep.plans_total,
        "chunks": rep.chunks_total,
        "target_s": 5.0,
    }
    t = time.perf_counter()
    again = ingest(None, config=seed_cfg)
    results["seed"]["reingest_unchanged_s"] = round(time.perf_counter() - t, 3)
    assert again.chunks_added == 0
    seed_plans = read_plans_file(seed_cfg.index_dir / "plans.jsonl")
    print(
        f"seed corpus: {rep.plans_total} plans, {rep.chunks_total} chunks in {results['seed']['seconds']} s", flush=True
    )

    # 2. the scaled corpus -----------------------------------------------------------------
    big_cfg = IndexConfig.resolve(tmp / "big")
    plans = make_plans(seed_plans, args.plans, 0, rng)
    files = write_plans(tmp / "syn", plans)
    t = time.perf_counter()
    rep = ingest(files, config=big_cfg, parse=parse_json_plan)
    secs = time.perf_counter() - t
    results["scaled"] = {
        "plans": rep.plans_total,
        "chunks": rep.chunks_total,
        "seconds": round(secs, 1),
        "chunks_per_s": round(rep.chunks_total / secs, 1),
    }
    print(f"scaled corpus: {rep.plans_total} plans, {rep.chunks_total} chunks in {secs:.1f} s", flush=True)

    # 3. grow to ~N chunks, then search latency ------------------------------------------------
    per_plan = rep.chunks_total / max(1, rep.plans_total)
    more = max(0, int((args.chunks - rep.chunks_total) / per_plan) + 1)
    if more:
        extra = make_plans(seed_plans, more, args.plans, rng)
        files2 = write_plans(tmp / "syn2", extra)
        t = time.perf_counter()
        rep2 = ingest(files2, config=big_cfg, parse=parse_json_plan)
        secs2 = time.perf_counter() - t
        results["grow"] = {
            "plans_added": len(extra),
            "chunks_added": rep2.chunks_added,
            "seconds": round(secs2, 1),
            "refitted": rep2.refitted,
            "chunks_total": rep2.chunks_total,
        }
        print(
            f"grown by {len(extra)} plans (+{rep2.chunks_added} chunks) in {secs2:.1f} s: {rep2.chunks_total} chunks",
            flush=True,
        )
    total_chunks = rep2.chunks_total if more else rep.chunks_total

    results["search"] = search_latency(big_cfg, seed_plans, rng, args.queries, total_chunks)

    # 4. reliability costs -----------------------------------------------------------------
    from drafter.errors import StoreError
    from drafter.index.build import repair_index
    from drafter.index.store import ChromaStore

    t = time.perf_counter()
    unchanged = ingest(files, config=big_cfg, parse=parse_json_plan)
    results["verify"] = {"unchanged_reingest_s": round(time.perf_counter() - t, 2), "chunks": unchanged.chunks_total}
    store = ChromaStore.of_index(big_cfg)
    lost = sorted(store.ids())[::3]
    store.delete(lost)
    t = time.perf_counter()
    repaired = repair_index(big_cfg, parse=parse_json_plan)
    results["verify"].update(
        lost_vectors=len(lost), repair_s=round(time.perf_counter() - t, 1), repaired=repaired.repairs[:1]
    )
    print(
        f"unchanged re-ingest at {unchanged.chunks_total} chunks: {results['verify']['unchanged_reingest_s']} s; "
        f"repair of {len(lost)} lost vectors: {results['verify']['repair_s']} s",
        flush=True,
    )
    import socket

    frozen = socket.socket()
    frozen.bind(("127.0.0.1", 0))
    frozen.listen(8)  # the kernel completes the handshake; nobody ever answers
    hang_cfg = IndexConfig.resolve(tmp / "hang", chroma_url=f"http://127.0.0.1:{frozen.getsockname()[1]}")
    t = time.perf_counter()
    try:
        ChromaStore(hang_cfg).count()
    except StoreError as exc:
        results["hang"] = {
            "deadline_s": hang_cfg.chroma_timeout,
            "failed_after_s": round(time.perf_counter() - t, 2),
            "error": str(exc),
        }
    frozen.close()
    print(f"frozen chroma server: one-line error after {results['hang']['failed_after_s']} s", flush=True)
    results["peak_rss_mb"] = round(rss_mb(), 1)
    results["index_dir_mb"] = round(sum(f.stat().st_size for f in (tmp / "big").rglob("*") if f.is_file()) / 2**20, 1)

    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(results, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")

    rows = [
        ("imports (index stage + chromadb, sklearn, splitters, ingest)", f"{results['import_s']} s"),
        ("jieba dictionary load", f"{results['jieba_init_s']} s"),
        (
            f"seed ingest ({results['seed']['plans']} plans, {results['seed']['chunks']} chunks)",
            f"{results['seed']['seconds']} s (target ≤ 5 s)",
        ),
        ("seed re-ingest, unchanged", f"{results['seed']['reingest_unchanged_s']} s"),
        (
            f"scaled ingest ({results['scaled']['plans']} plans, {results['scaled']['chunks']} chunks)",
            f"{results['scaled']['seconds']} s",
        ),
    ]
    if "grow" in results:
        g = results["grow"]
        rows.append(
            (f"incremental ingest (+{g['plans_added']} plans, +{g['chunks_added']} chunks)", f"{g['seconds']} s")
        )
    s = results["search"]
    rows.append((f"Retriever load at {s['chunks']} chunks", f"{s['retriever_load_s']} s"))
    for key, label in (("no_filter", "no filter"), ("unit", "unit filter"), ("unit_section_kind", "unit+section+kind")):
        r = s[key]
        rows.append(
            (
                f"search p50 / p95, {label} ({r['queries']} queries)",
                f"{r['p50_ms']} / {r['p95_ms']} ms (target p95 ≤ 50); {r['mean_hits']} hits of 8",
            )
        )
    v = results["verify"]
    rows.append(
        (
            f"unchanged re-ingest at {v['chunks']} chunks (checks every sidecar and the store)",
            f"{v['unchanged_reingest_s']} s",
        )
    )
    rows.append((f"repair after {v['lost_vectors']} vectors were lost", f"{v['repair_s']} s"))
    rows.append(
        (
            "search against a chroma server that never answers",
            f"{results['hang']['failed_after_s']} s (deadline {results['hang']['deadline_s']:g} s)",
        )
    )
    rows.append(("peak RSS", f"{results['peak_rss_mb']} MB"))
    rows.append(("index folder size", f"{results['index_dir_mb']} MB"))
    w = max(len(a) for a, _ in rows)
    print()
    for a, b in rows:
        print(f"{a.ljust(w)}  {b}")
    print(f"\nwrote {args.out}")
    if not args.keep:
        import shutil

        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
