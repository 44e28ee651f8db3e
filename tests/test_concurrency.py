"""The library is thread-safe: many threads (or coroutines) draft and search one index at once.

Probe: Drafter.write from 8 threads on a local index failed in 2–8 of them ("cannot open the chroma
folder … rebuild with drafter ingest --rebuild"). Each test opens an index no client of this process has
opened yet, so the threads race to open it.
"""

from __future__ import annotations

import asyncio
import shutil
import threading
from collections.abc import Callable
from pathlib import Path

import pytest

import drafter
from drafter.config import IndexConfig
from drafter.index.retrieve import Retriever

THREADS = 8
UNITS = [
    "kindergarten",
    "hospital",
    "enterprise",
    "university",
    "community",
    "government",
    "middle_school",
    "primary_school",
]


def in_threads(work: Callable[[int], object], n: int = THREADS) -> list[object]:
    """Run ``work(i)`` in ``n`` threads released at once; re-raise the first error."""
    start = threading.Barrier(n)
    results: list[object] = [None] * n
    errors: list[BaseException] = []

    def run(i: int) -> None:
        try:
            start.wait()
            results[i] = work(i)
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert not errors, f"{len(errors)} of {n} threads failed: {errors[0]!r}"
    return results


def fresh_copy(corpus_index: IndexConfig, tmp_path: Path, chroma_url: str | None = None) -> IndexConfig:
    target = tmp_path / "index"
    shutil.copytree(corpus_index.index_dir, target, ignore=shutil.ignore_patterns(".lock"))
    return IndexConfig.resolve(target, chroma_url=chroma_url)


def check_drafts(drafts: list[object]) -> None:
    """Every draft complete. (The offline writer opens the index only for sections that need corpus passages,
    so the search tests below are what make sure the index itself is hit from many threads.)"""
    for d in drafts:
        assert d.markdown.count("\n") > 20 and not d.failed  # type: ignore[attr-defined]


def test_write_from_eight_threads_on_a_local_index(corpus_index, tmp_path):
    config = fresh_copy(corpus_index, tmp_path)
    drafts = in_threads(lambda i: drafter.Drafter(index=config, provider="offline").write(unit=UNITS[i], year=2025))
    check_drafts(drafts)
    shared = drafter.Drafter(index=config, provider="offline")  # one Drafter shared by the threads too
    check_drafts(in_threads(lambda i: shared.write(unit=UNITS[i], year=2024)))


def test_search_from_eight_threads(corpus_index, tmp_path):
    config = fresh_copy(corpus_index, tmp_path)
    queries = ["送温暖", "职工之家", "劳动竞赛", "女职工", "经费审计", "师德师风", "健康体检", "文体活动"]
    first = in_threads(lambda i: [h.chunk.id for h in drafter.search(queries[i], k=5, config=config)])
    assert all(len(ids) == 5 for ids in first)  # type: ignore[arg-type]
    retriever = Retriever(config)
    again = in_threads(lambda i: [h.chunk.id for h in retriever.search(queries[i], k=5)])
    assert again == first  # the same answers from one shared Retriever as from eight of their own


def test_awrites_gathered(corpus_index, tmp_path):
    config = fresh_copy(corpus_index, tmp_path)

    async def many() -> list[object]:
        each = [drafter.Drafter(index=config, provider="offline").awrite(unit=u, year=2025) for u in UNITS]
        one = drafter.Drafter(index=config, provider="offline")
        shared = [one.awrite(unit=u, year=2026) for u in UNITS]
        return list(await asyncio.gather(*each, *shared))

    check_drafts(asyncio.run(many()))


def test_the_query_segmenter_is_built_once_safely(corpus_index):
    from drafter.index.bm25 import BM25Index

    bm = BM25Index.load(Path(corpus_index.index_dir) / "bm25.npz")  # its segmenter not built yet
    cuts = in_threads(lambda i: bm.segment("工会送温暖活动职工之家"), n=16)
    assert len({tuple(c) for c in cuts}) == 1  # type: ignore[arg-type]


def test_a_long_lived_process_sees_another_process_update(tmp_path):
    """chromadb keeps a local collection's state in memory per process: a web app's Retriever must still see
    what a `drafter ingest` in another process added (a fresh client is opened when the index was committed to)."""
    import subprocess
    import sys
    import textwrap

    from conftest import parse_simple, write_sample

    src = tmp_path / "src"
    src.mkdir()
    write_sample(src, "a", "kindergarten", ["guiding", "care"])
    write_sample(src, "b", "hospital", ["guiding", "finance"])
    config = IndexConfig.resolve(tmp_path / "index")
    drafter.ingest([src], config=config, parse=parse_simple)
    old = Retriever(config)
    assert not any("金秋助学" in h.text for h in old.search("金秋助学", k=5))
    write_sample(src, "a", "kindergarten", ["guiding", "culture"], extra="开展金秋助学活动。")
    code = textwrap.dedent(f"""
        import sys
        sys.path.insert(0, {str(Path(__file__).resolve().parent)!r})
        from pathlib import Path
        from conftest import parse_simple
        from drafter.config import IndexConfig
        from drafter.index.build import ingest
        print(ingest([Path({str(src)!r})], config=IndexConfig.resolve({str(config.index_dir)!r}), parse=parse_simple).files_changed)
        """)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0 and "a.txt" in out.stdout, out.stderr
    for retriever in (Retriever(config), old):  # a new one, and the one opened before the other process wrote
        hits = retriever.search("金秋助学", k=5)
        assert any(h.chunk.plan_id == "a#1" and "金秋助学" in h.text for h in hits)
    rep = drafter.ingest([src], config=config, parse=parse_simple)  # and this process's writer agrees
    assert not rep.repairs and len(rep.files_unchanged) == 2


@pytest.mark.server
@pytest.mark.integration
def test_threads_and_coroutines_against_a_chroma_server(chroma_server, tmp_path):
    config = IndexConfig.resolve(tmp_path / "srv", chroma_url=chroma_server, collection="concurrency")
    drafter.ingest(config=config)
    check_drafts(
        in_threads(lambda i: drafter.Drafter(index=config, provider="offline").write(unit=UNITS[i], year=2025))
    )
    retriever = Retriever(config)
    hits = in_threads(lambda i: retriever.search(["送温暖", "职工之家"][i % 2], k=4))
    assert all(len(h) == 4 for h in hits)  # type: ignore[arg-type]
    hits = in_threads(lambda i: drafter.search("劳动竞赛", k=3, config=config))
    assert len({tuple(x.chunk.id for x in h) for h in hits}) == 1  # type: ignore[union-attr]

    async def many() -> list[object]:
        return list(
            await asyncio.gather(
                *[drafter.Drafter(index=config, provider="offline").awrite(unit=u, year=2024) for u in UNITS]
            )
        )

    check_drafts(asyncio.run(many()))
