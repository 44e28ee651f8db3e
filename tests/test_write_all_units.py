"""Offline drafts for every drafting unit and several years, against the real corpus index."""

from __future__ import annotations

import re

import pytest

from drafter.draft.drafter import Drafter
from drafter.draft.era import stale_regex
from drafter.draft.outline import plan_outline
from drafter.draft.units import list_units, load_profile

UNITS = [u.id for u in list_units()]
YEARS = [2019, 2024, 2026]
BOILERPLATE = ("小编", "范文", "篇1", "篇一", "供大家参考", "喜欢就分享", "网友", "精选", "模板")


@pytest.fixture(scope="module")
def drafter(corpus_index):
    d = Drafter(index=corpus_index, provider="offline")
    yield d
    d.close()


def body_of(md: str) -> str:
    """The whole plan, its sources appendix included: a reader sees that too."""
    return md


@pytest.mark.parametrize("year", YEARS)
@pytest.mark.parametrize("unit", UNITS)
def test_offline_draft_is_clean(drafter, unit, year):
    draft = drafter.write(unit, year)
    md = draft.markdown
    body = body_of(md)
    profile = load_profile(unit)
    outline = plan_outline(unit, year)
    # every outline section is there with a real body
    assert [s.id for s in draft.sections] == [s.id for s in outline.sections]
    assert not draft.failed
    for s in draft.sections:
        assert len(s.intro) + sum(len(i) for i in [*s.items, *(x for b in s.subsections for x in b.items)]) >= 30, s.id
    assert len([s for s in draft.sections if s.items or s.subsections]) >= len(draft.sections) - 2
    # title and structure
    lines = md.splitlines()
    assert lines[0] == f"# {profile.name}{year}年工会工作计划"
    assert sum(1 for l in lines if l.startswith("# ")) == 1
    # no placeholders, boilerplate, forbidden words or stale terms
    assert not re.search(r"20xx|xx年|XX|某某", md)
    for w in BOILERPLATE:
        assert w not in md, w
    hits = profile.forbidden_in(body)
    assert not hits, hits
    m = stale_regex(year).search(body)
    assert m is None, m.group(0) if m else ""
    # nothing that names one source plan's own rules, bureau or campaign
    titles = re.findall(r"《[^》]*》", md)
    assert all(re.search(r"(?:法|条例|章程|规范)》$|^《关于构建和谐劳动关系的意见》$", t) for t in titles), titles
    for w in ("局工作要点", "县局", "大行动", "群众教职工", "十分注重", "高度重视"):
        assert w not in md, w
    # one voice: the items call the workforce what the frame calls it
    if unit in ("hospital", "community"):
        assert "医务职工" not in md and "社区工作者" not in md
    if profile.women == "女教职工":
        assert not re.search(r"(?<!教)女职工", md)
    # full sentences
    for l in lines:
        if re.match(r"^\d+\. ", l):
            assert l.endswith("。"), l


def test_kindergarten_2024_reads_as_a_kindergarten_plan(drafter):
    md = drafter.write("kindergarten", 2024, brief="今年重点：教职工心理健康、筹建职工之家").markdown
    body = body_of(md)
    for w in ("园务公开", "教代会", "师德师风", "教职工", "党的二十大", "中国工会十八大", "心理健康", "教职工之家",
              "春节（2月10日）", "教师节"):
        assert w in body, w
    for w in ("医院", "患者", "首钢", "炼钢", "安康杯", "学生", "车间", "班组", "十三五", "三个代表"):
        assert w not in body, w
    # union building is split into organisation and finance sub-sections, each with items
    assert "### （一）加强组织建设" in body and "### （二）规范经费管理" in body
    finance = body.split("### （二）规范经费管理")[1].split("##")[0]
    assert "1. " in finance and ("经费" in finance or "经审" in finance or "财务" in finance)


def test_sections_do_not_repeat_each_other(drafter):
    from drafter.draft.text import is_duplicate, bigrams

    draft = drafter.write("hospital", 2026)
    seen = []
    for s in draft.sections:
        for item in s.items:
            assert not is_duplicate(item, seen), item
            seen.append(bigrams(item))
