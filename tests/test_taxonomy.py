"""The canonical section taxonomy: data file, labels for typical headings, stats over the seeds."""

from __future__ import annotations

import functools

import pytest

from drafter.domain.taxonomy import CanonicalSection, label_sections, load_taxonomy, section_stats
from drafter.ingestion.pipeline import load_plans
from drafter.ingestion.segment import segment
from drafter.models import Plan

REQUIRED_IDS = [
    "guiding_ideology",
    "goals",
    "political_guidance",
    "democratic_management",
    "rights_protection",
    "professional_ethics",
    "skills_competition",
    "safety_production",
    "worker_care",
    "women_workers",
    "culture_sports",
    "union_building",
    "finance_audit",
    "safeguards",
    "schedule",
    "achievements",
    "shortcomings",
    "next_steps",
]


@functools.lru_cache(maxsize=1)
def corpus() -> tuple[Plan, ...]:
    return tuple(load_plans())


def test_taxonomy_has_the_agreed_ids_and_complete_entries() -> None:
    tax = load_taxonomy()
    assert sorted(tax.ids()) == sorted(REQUIRED_IDS)
    orders = [s.order for s in tax.sections]
    assert orders == sorted(orders) and len(set(orders)) == len(orders)
    for s in tax.sections:
        assert isinstance(s, CanonicalSection)
        assert s.name and s.aliases and s.description and s.kinds
        assert set(s.kinds) <= {"plan", "summary", "summary_and_plan"}
        d = s.to_dict()
        assert set(d) == {"id", "name", "aliases", "keywords", "order", "units", "kinds", "description"}
    assert tax.get("worker_care").name == "关爱职工"
    assert tax.get("nope") is None


def test_for_unit_gives_the_usual_order_and_respects_units_and_kinds() -> None:
    tax = load_taxonomy()
    kg = [s.id for s in tax.for_unit("kindergarten")]
    assert kg[0] == "guiding_ideology" and kg[-1] == "schedule"
    assert "safety_production" not in kg
    assert not {"achievements", "shortcomings", "next_steps"} & set(kg)
    assert "safety_production" in [s.id for s in tax.for_unit("enterprise")]
    summary = [s.id for s in tax.for_unit("hospital", "summary")]
    assert {"achievements", "shortcomings", "next_steps"} <= set(summary)
    assert "schedule" not in summary and "guiding_ideology" not in summary


@pytest.mark.parametrize(
    ("heading", "expected"),
    [
        ("指导思想", "guiding_ideology"),
        ("工作目标", "goals"),
        ("目标计划", "goals"),
        ("加强职工的思想政治工作", "political_guidance"),
        ("完善职代会制度，推进院务公开工作", "democratic_management"),
        ("推进民主管理，推行校务公开", "democratic_management"),
        ("以教代会制度为基础，加大民主管理和民主监督力度", "democratic_management"),
        ("强化法制维权，发挥工会作用，构建和谐关系", "rights_protection"),
        ("加强集体协商机制建设", "rights_protection"),
        ("以师德师风建设为重点，推动“三育人”工作的开展", "professional_ethics"),
        ("开展创造劳动竞赛", "skills_competition"),
        ("围绕一个重点——劳动竞赛", "skills_competition"),
        ("继续开展安康杯竞赛活动，推行“一法三卡”活动", "safety_production"),
        ("继续做好送温暖工作", "worker_care"),
        ("关心教职工生活，为教职工办实事、办好事", "worker_care"),
        ("健全女工组织，规范女职工工作制度", "women_workers"),
        ("开展职工文体竞赛", "culture_sports"),
        ("开展丰富多彩的文体活动，活跃教职工文化生活", "culture_sports"),
        ("加强工会自身建设，增强工会工作活力", "union_building"),
        ("以建家活动为抓手，加强工会自身建设", "union_building"),
        ("做好工会经费的管理和使用", "finance_audit"),
        ("突出重点，依法开展工会经费的审查监督", "finance_audit"),
        ("活动实施", "safeguards"),
        ("保障措施", "safeguards"),
        ("具体活动安排", "schedule"),
        ("7月8月份", "schedule"),
        ("存在的问题", "shortcomings"),
        ("今后的工作思路", "next_steps"),
        ("主要工作", "achievements"),
    ],
)
def test_labels_of_typical_headings(heading: str, expected: str) -> None:
    assert load_taxonomy().label(heading) == expected


def test_unclear_headings_stay_unlabelled() -> None:
    tax = load_taxonomy()
    for heading in ("活动内容", "零缺陷", "儿童节", "今年的主要工作"):
        assert tax.label(heading, kind="plan") is None, heading
    # a plan's 主要工作 is not a summary's achievements
    assert tax.label("主要工作", kind="plan") is None
    assert tax.label("主要工作", kind="summary") == "achievements"


def test_anchored_alias_and_label_bonus() -> None:
    tax = load_taxonomy()
    # ^工作要求 counts only at the start: "总工会工作要求" is not the safeguards section
    assert tax.label("工作要求") == "safeguards"
    assert tax.label("按照省、市总工会工作要求，继续深入开展“五比一创”等劳动竞赛活动") == "skills_competition"
    assert "工作要求" in tax.get("safeguards").aliases  # shown without the marker
    # who the work is for outweighs the generic topic
    assert tax.label("做好一年一次的女职工体检服务工作") == "women_workers"
    assert tax.label("要坚持和完善计划生育目标管理责任制，确保全面完成全年计生目标任务") == "women_workers"


def test_body_decides_only_weakly_for_long_item_headings() -> None:
    tax = load_taxonomy()
    heading = "积极履行工会的基本职责，抓住重点"
    assert tax.label(heading) is None
    body = "进一步完善职代会制度，依法规范职代会组织，确保每年召开两次职工代表大会，推进院务公开。"
    assert tax.label(heading, body) == "democratic_management"
    assert tax.label(heading, "做好各项常规工作。") is None


def test_label_sections_inherits_from_ancestors() -> None:
    sections = segment("具体活动安排\n3月份\n1、组织职工春季一日游\n2、收缴会费\n一、活动内容\n1、零缺陷")
    label_sections(sections, kind="plan")
    got = [(s.heading, s.section_id, s.own_label) for s in sections]
    assert got == [
        ("具体活动安排", "schedule", True),
        ("3月份", "schedule", True),
        ("组织职工春季一日游", "schedule", False),
        ("收缴会费", "schedule", False),  # activities inside a schedule are not sections of their own
        ("活动内容", None, False),
        ("零缺陷", None, False),
    ]


def test_corpus_sections_are_labelled() -> None:
    plans = {f"{p.source[:3]}#{p.index}": p for p in corpus()}
    ids = lambda key: {s.section_id for s in plans[key].sections if s.section_id}  # noqa: E731
    assert {"guiding_ideology", "union_building"} <= ids("000#5")
    assert {"democratic_management", "worker_care", "culture_sports", "union_building", "next_steps"} <= ids("003#3")
    assert ids("004#7") == {"women_workers"}
    assert ids("004#9") >= {"finance_audit"}
    assert {
        "democratic_management",
        "professional_ethics",
        "rights_protection",
        "culture_sports",
        "union_building",
    } <= ids("004#8")
    assert ids("000#3") == set()  # a hospital's business plan is not labelled as a union plan


def test_section_stats_are_believable() -> None:
    plans = list(corpus())
    stats = section_stats(plans)
    assert set(stats) == {"units", "sections", "plans_per_unit", "headings", "labelled_headings"}
    assert stats["units"] == [
        "primary_school",
        "school",
        "university",
        "hospital",
        "enterprise",
        "government",
        "community",
    ]
    assert sum(stats["plans_per_unit"].values()) == len(plans) == 22
    assert stats["plans_per_unit"]["hospital"] == 10
    assert list(stats["sections"]) == load_taxonomy().ids()
    rows = stats["sections"]
    for _sid, row in rows.items():
        assert row["total"] == sum(row["by_unit"].values())
        assert all(row["by_unit"][u] <= stats["plans_per_unit"][u] for u in stats["units"])
    assert rows["schedule"]["by_unit"]["hospital"] == 1 and rows["schedule"]["total"] == 1  # only 004#2 has one
    assert rows["union_building"]["total"] >= 12
    assert rows["democratic_management"]["by_unit"]["hospital"] >= 4
    assert rows["women_workers"]["by_unit"]["hospital"] >= 4
    # both summary_and_plan documents have a next-steps part; only they do
    assert rows["next_steps"]["by_unit"] == {**{u: 0 for u in stats["units"]}, "enterprise": 1, "primary_school": 1}
    assert rows["achievements"]["by_unit"]["government"] == 1
    assert rows["safety_production"]["by_unit"]["enterprise"] == 2
    assert 0.85 * stats["headings"] <= stats["labelled_headings"] <= stats["headings"]
    assert section_stats([])["units"] == []


def test_schedule_holds_its_month_items_and_a_work_list_is_not_a_schedule() -> None:
    plans = {f"{p.source[:3]}#{p.index}": p for p in corpus()}
    sched = [s for s in plans["004#2"].sections if s.path[:1] == ["具体活动安排"]]
    assert len(sched) > 20 and all(s.section_id == "schedule" for s in sched)
    assert all(s.own_label == (s.level <= 2) for s in sched)  # the heading and month blocks
    # 004#1's 具体工作安排如下： lists work items, not months: they keep their own labels
    work = [s for s in plans["004#1"].sections if s.path[:1] == ["具体工作安排"]]
    assert work[0].section_id is None
    assert {"worker_care", "democratic_management", "culture_sports"} <= {s.section_id for s in work}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("三、具体工作安排\n3月：召开教代会。9月：庆祝教师节。", [("具体工作安排", "schedule"), ("3月", "schedule")]),
        (
            "具体工作安排如下：\n1、开展送温暖活动\n2、收缴会费",
            [("具体工作安排", None), ("开展送温暖活动", "worker_care"), ("收缴会费", "finance_audit")],
        ),
        (
            "具体工作安排\n3月份\n1、召开教代会",
            [("具体工作安排", "schedule"), ("3月份", "schedule"), ("召开教代会", "schedule")],
        ),
        ("具体活动安排\n1、召开教代会", [("具体活动安排", "schedule"), ("召开教代会", "schedule")]),
    ],
)
def test_work_arrangement_is_a_schedule_only_with_months(text: str, expected: list) -> None:
    got = [(s.heading, s.section_id) for s in label_sections(segment(text), kind="plan")]
    assert got == expected


def test_a_section_is_named_by_its_id_its_chinese_name_or_a_heading():
    from drafter.domain.taxonomy import load_taxonomy

    t = load_taxonomy()
    assert t.resolve("worker_care") == "worker_care"
    assert t.resolve(t.get("worker_care").name) == "worker_care"  # type: ignore[union-attr]
    assert t.resolve("关心教职工生活，竭诚为教职工办实事") == "worker_care"
    assert t.resolve("无此部分") is None and t.resolve("") is None
