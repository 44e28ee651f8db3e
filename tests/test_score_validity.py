"""Validity of the score on the real corpus: damaging a real union plan must lower its score.

The corpus plans come from the ingest stage (``load_plans``); each damaged copy is scored
as the same unit and year, with the plan itself excluded from the copying check.
"""

from __future__ import annotations

import random
import re

import pytest

from drafter.evaluate.metrics import top_level
from drafter.evaluate.reference import PLAN_KINDS, corpus_plans
from drafter.evaluate.score import score


@pytest.fixture(autouse=True)
def _private_cache(tmp_path_factory, monkeypatch):
    """The reference cache goes to a temporary folder, not the user's cache dir."""
    monkeypatch.setenv("DRAFTER_CACHE_DIR", str(tmp_path_factory.getbasetemp() / "eval-cache"))


def _plans():
    return {p.id: p for p in corpus_plans()}


def _blocks(plan) -> tuple[str, list[str], list[str | None]]:
    """The plan's text before its first top-level heading, its top-level blocks, their section ids."""
    top = top_level(plan.sections)
    starts = [s.start for s in top]
    head = plan.text[: starts[0]]
    ends = starts[1:] + [len(plan.text)]
    blocks = [plan.text[a:b].rstrip() + "\n" for a, b in zip(starts, ends)]
    return head, blocks, [s.section_id for s in top]


def _score(plan, text: str, **kw):
    year = plan.year.value if isinstance(plan.year.value, int) else None
    return score(text, unit=plan.unit.value, year=year, exclude_plans=[plan.id], **kw)


def _union_plans(min_blocks: int):
    """Union plans (kind plan) with at least ``min_blocks`` labelled top-level sections."""
    out = []
    for p in corpus_plans():
        if p.kind.value != "plan":
            continue
        _, _, ids = _blocks(p) if top_level(p.sections) else ("", [], [])
        if len({i for i in ids if i}) >= min_blocks:
            out.append(p)
    return out


@pytest.fixture(scope="module")
def rich_plans():
    plans = _union_plans(4)
    assert len(plans) >= 3, "the corpus should hold several plans with four or more labelled sections"
    return plans


def test_corpus_has_the_expected_documents():
    plans = _plans()
    assert plans["000_6730a1776034bbae#3"].kind.value == "not_union"
    assert plans["003_8d4fa66b4d0276a5#1"].kind.value == "summary"
    assert any(p.kind.value in PLAN_KINDS for p in plans.values())


def test_removing_three_sections_lowers_the_score(rich_plans):
    for plan in rich_plans:
        original = _score(plan, plan.text)
        head, blocks, ids = _blocks(plan)
        weights = original.metrics["coverage"].details["weights"]
        # drop the three labelled blocks whose sections matter most for this unit
        ranked = sorted((i for i, sid in enumerate(ids) if sid), key=lambda i: -weights.get(ids[i], 0))[:3]
        damaged = head + "".join(b for i, b in enumerate(blocks) if i not in ranked)
        worse = _score(plan, damaged)
        assert worse.overall < original.overall, plan.id
        assert worse.value("coverage") < original.value("coverage"), plan.id


def test_shuffling_sections_lowers_the_score(rich_plans):
    for plan in rich_plans:
        original = _score(plan, plan.text)
        head, blocks, _ = _blocks(plan)
        shuffled_scores = []
        for seed in range(4):
            order = list(range(len(blocks)))
            random.Random(seed).shuffle(order)
            if order == sorted(order):
                order.reverse()
            shuffled_scores.append(_score(plan, head + "".join(blocks[i] for i in order)).overall)
        reversed_score = _score(plan, head + "".join(reversed(blocks))).overall
        assert sum(shuffled_scores) / len(shuffled_scores) < original.overall, plan.id
        assert reversed_score < original.overall, plan.id


def test_another_units_words_lower_the_score(rich_plans):
    from drafter.domain.units import load_profile

    for plan in rich_plans:
        unit = plan.unit.value
        words = [w for w in load_profile(unit).forbidden if len(w) >= 2][:6]
        assert words, unit
        original = _score(plan, plan.text)
        head, blocks, _ = _blocks(plan)
        sentence = "组织" + "、".join(words) + "等相关人员开展交流活动。"
        blocks[1] = blocks[1].rstrip() + sentence + "\n"
        worse = _score(plan, head + "".join(blocks))
        assert worse.overall < original.overall, plan.id
        assert worse.value("foreign_words") > original.value("foreign_words")


def test_placeholders_left_in_lower_the_score(rich_plans):
    for plan in rich_plans:
        original = _score(plan, plan.text)
        year = plan.year.value
        if isinstance(year, int) and f"{year}年" in plan.text:
            damaged = plan.text.replace(f"{year}年", "20xx年")
        else:
            head, blocks, _ = _blocks(plan)
            damaged = head + "20xx年，" + "".join(blocks)
        worse = _score(plan, damaged)
        assert worse.value("placeholders") > original.value("placeholders")
        assert worse.overall < original.overall, plan.id


def test_business_plan_scores_low():
    plan = _plans()["000_6730a1776034bbae#3"]
    report = score(plan.text, exclude_plans=[plan.id])
    assert report.kind == "not_union"
    assert report.overall < 0.3
    assert "not_union" in report.metrics["kind"].reason


def test_summary_is_told_apart_from_a_plan():
    plans = _plans()
    summary = plans["003_8d4fa66b4d0276a5#1"]
    unit = summary.unit.value
    s = score(summary.text, unit=unit, exclude_plans=[summary.id])
    assert s.kind == "summary"
    assert s.to_dict()["kind"] == "summary"
    # every union plan of the corpus, scored as a plan of the same unit, beats the summary
    # unless it is tiny; and the best of them beats it by far
    plan_scores = [
        score(p.text, unit=unit, exclude_plans=[p.id]).overall
        for p in plans.values()
        if p.kind.value == "plan" and len(p.text) > 900
    ]
    assert max(plan_scores) > s.overall + 0.2
    assert sum(plan_scores) / len(plan_scores) > s.overall
    # the same summary forced to count as a plan scores higher: the kind is what costs it
    assert score(summary.text, unit=unit, kind="plan", exclude_plans=[summary.id]).overall > s.overall


def test_scoring_a_corpus_plan_counts_copying_unless_excluded():
    plan = next(p for p in corpus_plans() if p.kind.value == "plan" and len(p.text) > 900)
    copied = score(plan.text, unit=plan.unit.value)
    own = score(plan.text, unit=plan.unit.value, exclude_plans=[plan.id])
    assert copied.value("copying") > 0.9
    assert copied.metrics["copying"].details["longest_span"] > 200
    assert own.value("copying") < copied.value("copying")
    assert copied.overall < own.overall


def test_placeholder_text_in_the_corpus_is_caught():
    # the scraped corpus really does contain 20xx/xx年 placeholders and 篇1-style boilerplate
    hits = [
        score(p.text, unit=p.unit.value, exclude_plans=[p.id])
        for p in corpus_plans()
        if re.search(r"20xx|xx年", p.text)
    ]
    assert hits and all(r.value("placeholders") >= 1 for r in hits)
