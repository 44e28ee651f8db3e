"""k hits when k are asked: the pool widens past near-duplicates, then the per-plan cap is lifted.

Issue 13: on the scaled benchmark corpus most queries got fewer than k hits, because the
near-duplicate filter emptied a fixed pool of candidates. Here twenty near-identical plans
flood the top of the ranking and the first pool is made as small as k, so every search
below has to widen it to find k distinct passages.
"""

from __future__ import annotations

from itertools import combinations
from pathlib import Path

import pytest
from conftest import parse_simple

from drafter.config import IndexConfig
from drafter.index import retrieve
from drafter.index.build import ingest
from drafter.index.retrieve import Retriever

FLOOD = "开展送温暖活动，春节前走访慰问困难职工家庭，送去慰问金和慰问品，帮助困难职工解决实际困难"
DISTINCT = {
    "hospital": [
        ("一、关爱职工[care]", "为一线医护人员送温暖，夜班科室送去热饮和夜宵，慰问加班的医生护士。"),
        ("二、文体活动[culture]", "举办医院职工运动会，设立羽毛球、乒乓球比赛项目，慰问参赛的困难职工。"),
        ("三、经费管理[finance]", "送温暖经费专款专用，困难职工慰问资金按季度公开，接受会员监督审查。"),
        ("一、关爱职工[care]", "建立困难职工档案一人一档，住院职工由工会小组长上门探望送温暖。"),
        ("二、文体活动[culture]", "组织读书分享会与书法摄影展览，丰富医务职工业余生活，送温暖到科室。"),
        ("三、经费管理[finance]", "严格执行工会经费收支预算，困难帮扶支出单独列账，年底审计后公示。"),
    ],
    "kindergarten": [
        ("一、关爱教职工[care]", "教师节为全体教职工送温暖，走访慰问退休老教师和生病住院的保育员。"),
        ("二、文化活动[culture]", "开展幼儿园教职工趣味运动会和亲子游园活动，慰问困难职工子女。"),
        ("三、经费[finance]", "慰问困难职工所用经费在年初预算中列支，由经费审查委员会按月检查。"),
        ("一、关爱教职工[care]", "三八节组织女教职工健康体检，为哺乳期教师设立爱心妈咪小屋送温暖。"),
        ("二、文化活动[culture]", "组织青年教师技能比武，评选最美保育员，困难职工优先参加疗休养。"),
        ("三、经费[finance]", "建立送温暖专项资金台账，帮扶对象、金额和发放时间逐项登记备查。"),
    ],
}


def _bigrams(text: str) -> set[str]:
    t = "".join(text.split())
    return {t[i : i + 2] for i in range(len(t) - 1)}


def _jaccard(a: str, b: str) -> float:
    x, y = _bigrams(a), _bigrams(b)
    return len(x & y) / len(x | y)


def _write(folder: Path, stem: str, unit: str, sections: list[tuple[str, str]]) -> None:
    lines = [f"单位：{unit}", "类型：plan"]
    for heading, body in sections:
        lines += [heading, body]
    (folder / f"{stem}.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")


@pytest.fixture(scope="module")
def flooded(tmp_path_factory: pytest.TempPathFactory) -> IndexConfig:
    src = tmp_path_factory.mktemp("flood-src")
    for i in range(20):
        _write(src, f"flood{i:02d}", "hospital", [("一、关爱职工[care]", f"{FLOOD}（第{i}批）。")])
    for unit, sections in DISTINCT.items():
        _write(src, f"{unit}-a", unit, sections[:3])
        _write(src, f"{unit}-b", unit, sections[3:])
    config = IndexConfig.resolve(tmp_path_factory.mktemp("flood-index"))
    ingest([src], config=config, parse=parse_simple)
    return config


@pytest.fixture
def retriever(flooded: IndexConfig, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setattr(retrieve, "POOL", 1)  # the first pool holds k candidates per ranking
    monkeypatch.setattr(retrieve, "POOL_PER_HIT", 1)
    r = Retriever(flooded)
    yield r
    r.close()


def test_the_flood_is_near_duplicate_and_the_rest_distinct():
    floods = [f"{FLOOD}（第{i}批）。" for i in range(20)]
    assert min(_jaccard(a, b) for a, b in combinations(floods, 2)) >= 0.8
    texts = [FLOOD] + [b for sections in DISTINCT.values() for _, b in sections]
    assert max(_jaccard(a, b) for a, b in combinations(texts, 2)) < 0.5


@pytest.mark.parametrize(
    ("filters", "k"),
    [({}, 8), ({}, 13), ({"unit": "hospital"}, 5), ({"unit": "hospital", "section": "care"}, 3)],
)
def test_k_distinct_passages_come_back_when_the_index_holds_them(retriever, filters, k):
    hits = retriever.search("送温暖 慰问困难职工", k=k, **filters)
    assert hits.requested == k and hits.returned == len(hits) == k and not hits.exhausted
    assert sum(FLOOD in h.text for h in hits) == 1  # the twenty near-duplicates count once
    assert max(_jaccard(a.text, b.text) for a, b in combinations(hits, 2)) < 0.8
    if filters.get("unit"):
        assert {h.chunk.unit for h in hits} == {filters["unit"]}


@pytest.mark.parametrize(
    ("filters", "exists"),
    [({}, 13), ({"unit": "hospital"}, 7), ({"unit": "kindergarten"}, 6), ({"unit": "hospital", "section": "care"}, 3)],
)
def test_a_small_index_returns_what_exists(retriever, filters, exists):
    hits = retriever.search("送温暖 慰问困难职工", k=20, **filters)
    assert hits.requested == 20 and hits.returned == exists and hits.exhausted


def test_the_per_plan_cap_holds_until_the_index_is_exhausted(retriever):
    hits = retriever.search("送温暖 慰问困难职工", k=6, unit="kindergarten", per_plan=1)
    assert hits.returned == 6  # two plans of three passages each: the cap was lifted for the last four
    assert len({h.chunk.plan_id for h in hits[:2]}) == 2
    capped = retriever.search("送温暖 慰问困难职工", k=2, unit="kindergarten", per_plan=1)
    assert len({h.chunk.plan_id for h in capped}) == 2


def test_the_default_pool_gives_the_same_passages(flooded):
    with Retriever(flooded) as r:
        wide = r.search("送温暖 慰问困难职工", k=8)
    assert wide.returned == 8 and sum(FLOOD in h.text for h in wide) == 1


def test_the_pool_widened(retriever, monkeypatch):
    """The searches above needed more than the first pool (so they test the widening)."""
    sizes: list[int] = []
    top = retriever.bm25.top

    def spy(tokens, *, k=50, mask=None):
        sizes.append(k)
        return top(tokens, k=k, mask=mask)

    monkeypatch.setattr(retriever.bm25, "top", spy)
    assert retriever.search("送温暖 慰问困难职工", k=8).returned == 8
    assert sizes[0] == 8 and len(sizes) > 1 and sizes[1] == 8 * retrieve.WIDEN


def test_comparing_few_allowed_vectors_directly_agrees_with_the_store(flooded):
    """Narrow filters compare the allowed vectors directly instead of chroma's filtered graph search."""
    import numpy as np

    with Retriever(flooded) as r:
        mask = r.bm25.mask(unit={"hospital"})
        ids = [r.bm25.ids[i] for i in np.flatnonzero(mask)]
        assert 0 < len(ids) <= retrieve.BRUTE_FORCE
        vector = r.embedder.embed(["送温暖 慰问困难职工"])[0]
        direct = r._vector_hits(r._current(), vector, 6, mask)
        chroma = r.store.nearest(vector, 6, ids=ids)
    assert [d for _, d in direct] == pytest.approx([d for _, d in chroma], abs=1e-5)
    assert {c for c, _ in direct[:3]} == {c for c, _ in chroma[:3]} or direct[2][1] == pytest.approx(direct[3][1])
