"""Hybrid retrieval: filters, fusion, diversity, errors, a lean query path, the real corpus."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import numpy as np
import pytest

from drafter.errors import ConfigError, InputError, UnknownUnitError
from drafter.index.bm25 import BM25Index
from drafter.index.retrieve import Retriever, diversify, search
from drafter.models import Chunk, Passage


@pytest.fixture(scope="module")
def retriever(small_index):
    r = Retriever(small_index)
    yield r
    r.close()


def test_hits_carry_fused_scores(retriever):
    hits = retriever.search("送温暖 慰问困难职工", k=3)
    assert hits and "送温暖" in hits[0].text
    for h in hits:
        assert set(h.scores) == {"bm25", "vector", "rrf"} and h.score == h.scores["rrf"] > 0
    assert [h.score for h in hits] == sorted((h.score for h in hits), reverse=True) or len(hits) < 3


def test_unit_filter_accepts_ids_and_chinese_names(retriever):
    for unit in ("hospital", "医院", ["hospital"]):
        hits = retriever.search("送温暖", unit=unit, k=5)
        assert hits and {h.chunk.unit for h in hits} == {"hospital"}
    both = retriever.search("送温暖", unit=["hospital", "幼儿园"], k=8, per_plan=1)
    assert {h.chunk.unit for h in both} == {"hospital", "kindergarten"}


def test_section_and_kind_filters(retriever):
    hits = retriever.search("职工", section="finance", k=8)
    assert hits and {h.chunk.section_id for h in hits} == {"finance"}
    hits = retriever.search("工作", kind="summary", k=8)
    assert hits and {h.chunk.kind for h in hits} == {"summary"} and {h.chunk.plan_id for h in hits} == {"e2#1"}
    hits = retriever.search("经费", section=["finance", "guiding"], unit="enterprise", k=8)
    assert hits and all(h.chunk.unit == "enterprise" and h.chunk.section_id in {"finance", "guiding"} for h in hits)


def test_per_plan_limit_and_exclusion(retriever):
    hits = retriever.search("职工活动", k=6, per_plan=1)  # the index has 6 plans
    plans = [h.chunk.plan_id for h in hits]
    assert len(plans) == len(set(plans)) == 6
    # more asked than plans: the cap holds for the first passages, then is lifted for the rest
    more = retriever.search("职工活动", k=10, per_plan=1)
    assert more.requested == 10 and more.returned == len(more) > 6
    assert [h.chunk.id for h in more[:6]] == [h.chunk.id for h in hits]
    excluded = retriever.search("职工活动", k=10, exclude_plans={"k1#1", "h1#1"})
    assert not {"k1#1", "h1#1"} & {h.chunk.plan_id for h in excluded}


def test_near_duplicates_are_dropped(retriever):
    # the sample plans share section texts; with per_plan high, identical passages must not repeat
    hits = retriever.search("开展送温暖活动，春节前走访慰问困难职工家庭", k=10, per_plan=5)
    bodies = [h.text.split("\n", 1)[-1] for h in hits]
    assert len(bodies) == len(set(bodies))


def test_bad_filters_are_one_line_input_errors(retriever):
    with pytest.raises(InputError, match=r"unknown section 'nonsense'; known sections: .*finance"):
        retriever.search("x", section="nonsense")
    with pytest.raises(UnknownUnitError, match="unknown unit"):
        retriever.search("x", unit="spaceship")
    with pytest.raises(InputError, match="unknown kind"):
        retriever.search("x", kind="poem")
    with pytest.raises(InputError, match="empty search query"):
        retriever.search("  ")


def test_no_match_gives_empty_list(retriever):
    assert retriever.search("送温暖", unit="university") == []
    assert retriever.search("🙂🙂") == []  # nothing of it in the vocabulary: no arbitrary neighbours
    assert len(retriever.plans()) == 6


def test_bm25_query_segmentation_uses_index_vocabulary(retriever):
    bm: BM25Index = retriever.bm25
    terms = bm.segment("开展送温暖活动，关心困难职工")
    assert "送温暖" in terms or {"送", "温暖"} & set(terms)
    assert all(t in bm.term_index for t in terms)
    assert "，" not in terms


def test_diversify_caps_plans_and_keeps_order():
    def p(pid, text, score):
        return Passage(
            chunk=Chunk(
                id=pid + text,
                text=text,
                plan_id=pid,
                source="s",
                unit="u",
                kind="plan",
                section_id=None,
                heading_path=[],
                year=None,
                script="simplified",
                start=0,
                end=len(text),
            ),
            score=score,
        )

    cands = [
        p("a", "开展送温暖活动慰问职工", 0.9),
        p("a", "组织职工体检", 0.8),
        p("a", "读书分享会", 0.7),
        p("b", "开展送温暖活动慰问职工", 0.6),
        p("c", "规范经费管理", 0.5),
    ]
    out = diversify(cands, k=4, per_plan=2)
    assert [(x.chunk.plan_id, x.text) for x in out] == [
        ("a", "开展送温暖活动慰问职工"),
        ("a", "组织职工体检"),
        ("c", "规范经费管理"),
    ]


def test_query_path_loads_neither_jieba_nor_sklearn(small_index):
    code = textwrap.dedent(
        f"""
        import sys
        from drafter.config import IndexConfig
        from drafter.index.retrieve import Retriever
        r = Retriever(IndexConfig.resolve({str(small_index.index_dir)!r}))
        assert r.search("送温暖", unit="hospital", k=3)
        print(",".join(m for m in ("jieba", "sklearn", "scipy", "langchain_text_splitters") if m in sys.modules))
        """
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == ""


def test_real_corpus_hospital_songwennuan(corpus_index):
    hits = search("送温暖", unit="hospital", k=5, config=corpus_index)
    assert len(hits) >= 3
    assert all(h.chunk.unit == "hospital" for h in hits)
    assert all("送温暖" in h.text for h in hits[:3])
    assert len({h.chunk.plan_id for h in hits}) >= 2  # diversity across plans


def test_retriever_over_a_chroma_server(chroma_server, small_corpus, tmp_path, small_index):
    from conftest import parse_simple

    from drafter.config import IndexConfig
    from drafter.index.build import ingest
    from drafter.index.store import ChromaStore

    config = IndexConfig.resolve(tmp_path / "srv-index", chroma_url=chroma_server, collection="retrieve-test")
    ingest([small_corpus], config=config, parse=parse_simple)
    assert not (tmp_path / "srv-index" / "chroma").exists()  # vectors on the server, sidecars local
    assert (tmp_path / "srv-index" / "bm25.npz").is_file()
    local = [h.chunk.id for h in Retriever(small_index).search("送温暖", unit="hospital", k=3)]
    remote = [h.chunk.id for h in Retriever(config).search("送温暖", unit="hospital", k=3)]
    assert remote == local
    with pytest.raises(ConfigError, match="keeps its vectors on the chroma server"):
        Retriever(IndexConfig.resolve(tmp_path / "srv-index"))
    with pytest.raises(ConfigError, match="keeps its vectors in its local chroma folder"):
        ingest(
            [small_corpus],
            config=IndexConfig.resolve(small_index.index_dir, chroma_url=chroma_server),
            parse=parse_simple,
        )
    rebuilt = ingest([small_corpus], config=config, parse=parse_simple, rebuild=True)
    assert rebuilt.refitted
    names = ChromaStore(config).collection_names()
    assert sum(n.startswith("retrieve-test-") for n in names) == 1  # the old fit's collection was dropped


test_retriever_over_a_chroma_server = pytest.mark.server(test_retriever_over_a_chroma_server)


def test_bm25_update_matches_a_fresh_build(make_plan):
    from drafter.index.chunk import chunk_plan

    plans = [
        make_plan(
            f"b{i}#1",
            [
                ("一、关爱职工", f"开展送温暖活动，第{i}次慰问困难职工。", "care"),
                ("二、经费", f"规范经费管理{i}。", "finance"),
            ],
            unit=u,
        )
        for i, u in enumerate(["hospital", "kindergarten", "enterprise"])
    ]
    chunks = [c for p in plans for c in chunk_plan(p)]
    toks = [
        [w for w in ("送温暖", "慰问", "困难职工", "经费", "管理", str(i)) if w in c.text or w == str(i)]
        for i, c in enumerate(chunks)
    ]
    full = BM25Index.build(chunks, toks)
    half = BM25Index.build(chunks[:3], toks[:3]).updated(remove=set(), chunks=chunks[3:], tokens=toks[3:])
    removed = full.updated(remove={chunks[0].id}, chunks=[], tokens=[])
    rebuilt = BM25Index.build(chunks[1:], toks[1:])
    for a, b in ((full, half), (removed, rebuilt)):
        assert a.ids == b.ids and a.terms == b.terms
        assert np.array_equal(a.term_ptr, b.term_ptr) and np.array_equal(a.post_row, b.post_row)
        assert np.allclose(a.post_w, b.post_w)
        assert [a.labels["unit"][c] for c in a.codes["unit"]] == [b.labels["unit"][c] for c in b.codes["unit"]]
    assert "0" not in removed.terms  # a term only the removed chunk had is gone
    assert [full.ids[r] for r, _ in full.search("送温暖", mask=full.mask(unit={"hospital"}))] == [chunks[0].id]
