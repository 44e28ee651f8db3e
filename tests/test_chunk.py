"""Chunking: token limits, sentence boundaries, sections never crossed, offsets, stable ids."""

from __future__ import annotations

import pytest

from drafter.index.chunk import chunk_plan, count_tokens
from drafter.models import Chunk

LONG_BODY = "".join(
    f"第{i}项，组织教职工开展{topic}活动，做到有计划、有检查、有总结。"
    for i, topic in enumerate(
        ["读书", "健步走", "送温暖", "劳动竞赛", "技能比武", "心理健康讲座", "亲子运动会", "师德演讲"] * 4, 1
    )
)
ENDINGS = set("\n。！？；，")


@pytest.fixture
def plan(make_plan):
    return make_plan(
        "t#1",
        [
            ("", "为做好本年度工会工作，特制定本计划。", None),
            ("一、指导思想", "坚持以人为本，服务职工。全面贯彻落实上级工会的部署。", "guiding"),
            ("二、主要工作", LONG_BODY, "work"),
            ("三、经费管理", "严格执行经费管理制度！定期公开账目？接受会员监督；", "finance"),
        ],
    )


def _section_of(plan, chunk: Chunk):
    for s in plan.sections:
        if s.start <= chunk.start and chunk.end <= s.end:
            return s
    return None


@pytest.mark.parametrize("max_tokens,overlap", [(256, 32), (48, 8), (24, 4)])
def test_token_limit_respected(plan, max_tokens, overlap):
    chunks = chunk_plan(plan, max_tokens=max_tokens, overlap_tokens=overlap)
    assert chunks
    assert all(count_tokens(c.text) <= max_tokens for c in chunks)
    if max_tokens < 100:
        assert len(chunks) > 4  # the long section really was split


def test_offsets_point_at_the_chunk_text(plan):
    for c in chunk_plan(plan, max_tokens=40, overlap_tokens=8):
        assert plan.text[c.start : c.end] == c.text


def test_never_across_sections_and_metadata(plan):
    chunks = chunk_plan(plan, max_tokens=40, overlap_tokens=8)
    for c in chunks:
        s = _section_of(plan, c)
        assert s is not None, f"chunk {c.text!r} spans two sections"
        assert c.section_id == s.section_id
        assert c.heading_path == s.path
        assert (c.plan_id, c.unit, c.kind, c.year, c.script, c.source) == (
            "t#1",
            "kindergarten",
            "plan",
            2024,
            "simplified",
            "t.txt",
        )
    # each section's first chunk starts with its heading line
    for s in plan.sections[1:]:
        first = min((c for c in chunks if c.heading_path == s.path), key=lambda c: c.start)
        assert first.text.split("\n", 1)[0] == s.heading


def test_splits_on_sentence_boundaries(plan):
    chunks = chunk_plan(plan, max_tokens=48, overlap_tokens=8)
    section_ends = {s.end for s in plan.sections}
    for c in chunks:
        assert c.text[-1] in ENDINGS or c.end in section_ends, c.text


def test_ids_are_stable_content_hashes(plan, make_plan):
    a = chunk_plan(plan, max_tokens=48)
    b = chunk_plan(plan, max_tokens=48)
    assert [c.id for c in a] == [c.id for c in b]
    assert len({c.id for c in a}) == len(a)
    changed = make_plan("t#1", [("一、指导思想", "坚持以人为本，服务职工。改动了一句。", "guiding")])
    assert chunk_plan(changed)[0].id not in {c.id for c in a}


def test_metadata_round_trip(plan):
    for c in chunk_plan(plan, max_tokens=48):
        assert Chunk.from_metadata(c.id, c.text, c.metadata()) == c


def test_plan_without_sections_is_one_untitled_section(make_plan):
    p = make_plan("n#1", [("", LONG_BODY, None)])
    p.sections = []
    chunks = chunk_plan(p, max_tokens=64)
    assert chunks and all(c.heading_path == [] and c.section_id is None for c in chunks)
    assert all(p.text[c.start : c.end] == c.text for c in chunks)


def test_sections_without_offsets_are_located(make_plan):
    p = make_plan("o#1", [("一、指导思想", "坚持以人为本。", "guiding"), ("二、主要工作", "开展送温暖活动。", "work")])
    for s in p.sections:
        s.start = s.end = 0
    chunks = chunk_plan(p)
    assert [c.section_id for c in chunks] == ["guiding", "work"]
    assert all(p.text[c.start : c.end] == c.text for c in chunks)


def test_nested_sections_do_not_duplicate_text(make_plan):
    """A parent section whose span includes its children is clipped at the first child."""
    p = make_plan("p#1", [("一、主要工作", "总体要求如下。", "work"), ("（一）关爱职工", "开展送温暖活动。", "care")])
    parent, child = p.sections
    parent.end = child.end  # parent's span covers the child too
    texts = [c.text for c in chunk_plan(p)]
    assert sum("送温暖" in t for t in texts) == 1


def test_heading_only_parents_make_no_chunk(make_plan):
    p = make_plan(
        "q#1",
        [
            ("二、活动内容", "", None),
            ("1、开展劳动竞赛", "组织技能比武。", "skills"),
            ("①女职工跑步比赛", "", "culture"),
        ],
    )
    p.sections[1].path = ["二、活动内容", "1、开展劳动竞赛"]
    p.sections[2].path = ["二、活动内容", "1、开展劳动竞赛", "①女职工跑步比赛"]
    texts = [c.text for c in chunk_plan(p)]
    assert texts == [
        "1、开展劳动竞赛\n组织技能比武。",
        "①女职工跑步比赛",
    ]  # the bare parent heading is left out, the one-line item kept
