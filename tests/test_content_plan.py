"""How planned items answer the brief: an asked item done in depth (its text, goal and milestones), a
family of activity held to its number across the plan, the assembly named by the union's size, a
date the chair is still to give listed apart in the schedule, and an opening that does not repeat
the guiding thought. A small catalogue of its own keeps these tests off the shipped wording."""

from __future__ import annotations

import pytest

from drafter.domain import catalogue as cat
from drafter.domain.assembly import assembly_words, size_assumption
from drafter.domain.catalogue import Asked, Step, When, WorkItem
from drafter.domain.facts import Facts, check_facts
from drafter.domain.request import build_request
from drafter.draft import content
from drafter.draft.assemble import preamble
from drafter.draft.document import build_schedule
from drafter.draft.outline import outline_for
from drafter.errors import ConfigError
from drafter.models import Item

CARE = WorkItem(
    id="t_psych",
    section="worker_care",
    text="全年举办不少于2次心理健康讲座。",
    tier="common",
    asks=("心理健康",),
    asked=Asked(
        text="3月完成1次{staff}心理状况问卷调查，9月开展1次团体辅导。",
        goal="{staff}心理健康讲座参与率达到80%以上。",
        steps=(Step(3, "开展心理状况问卷调查"), Step(9, "开展心理团体辅导")),
    ),
)
OTHER = WorkItem(id="t_visit", section="worker_care", text="春节前走访慰问困难{staff}。", tier="must", asks=("走访",))
NURSES = WorkItem(
    id="t_nurses",
    section="culture_sports",
    text="护士节召开表彰大会。",
    tier="common",
    when=When(event="国际护士节"),
    schedule="召开护士节表彰大会",
    asks=("护士节",),
    asked=Asked(
        text="4月举办护理技能竞赛，5月开展家属开放日。", steps=(Step(4, "举办护理技能竞赛"), Step(5, "开展家属开放日"))
    ),
)
SURVEY = WorkItem(
    id="t_survey",
    section="worker_care",
    text="年内开展不少于1次健康讲座。",
    tier="common",
    asks=("健康讲座",),
    asked=Asked(text="4月、10月各举办1次健康讲座，由生活福利委员牵头。", replace=True),
)
JOINT = WorkItem(
    id="t_joint",
    section="safeguards",
    text="年内召开2次联席会议，分别于6月、12月。",
    tier="must",
    schedule="召开工会与行政联席会议",
)
GOAL = WorkItem(id="t_goal", section="goals", text="健康讲座参与率达到80%以上。", tier="must", asks=("健康讲座",))
DRIVERS = WorkItem(
    id="t_drivers", section="worker_care", text="为货车司机设立休息点。", tier="common", sectors=("logistics",)
)
QUOTA = WorkItem(
    id="t_quota", section="worker_care", text="参与劳动定额修订。", tier="common", not_sectors=("logistics", "power")
)
TALK = WorkItem(id="t_talk", section="political_guidance", text="五一前后举办劳模事迹分享会。", tier="common")
TALK_AGAIN = WorkItem(
    id="t_talk2", section="culture_sports", text="组织学习劳模事迹。", tier="common", excludes=("t_talk",)
)
AWARDS = [
    WorkItem(id=f"t_award{i}", section=s, text=f"年底评选表彰第{i}类先进。", tier="common", family="评选表彰")
    for i, s in enumerate(["skills_competition", "culture_sports", "worker_care"], 1)
]
CONGRESS = WorkItem(
    id="t_congress",
    section="democratic_management",
    text="于{大会召开时间}召开{staff_assembly}。",
    tier="must",
    when=When(months=(3,), fact="大会召开时间"),
    schedule="召开{staff_assembly}",
    owner="工会委员会",
)


@pytest.fixture
def small_catalogue(monkeypatch):
    items = (CARE, OTHER, *AWARDS, CONGRESS, NURSES, TALK, TALK_AGAIN, SURVEY, JOINT, GOAL, DRIVERS, QUOTA)
    monkeypatch.setattr(cat, "catalogue", lambda: items)
    monkeypatch.setattr(cat, "_by_id", lambda: {it.id: it for it in items})
    monkeypatch.setattr(cat, "families", lambda: {"评选表彰": 2})
    return items


def _plan(unit="kindergarten", brief="", facts=None, name=None):
    req = build_request(unit, 2025, brief=brief, facts=facts, name=name)
    return req, content.plan_items(req, outline_for(req))


def test_an_asked_item_is_done_in_depth_and_the_same_item_unasked_is_not(small_catalogue):
    req, asked = _plan(brief="今年重点：教职工心理健康")
    care = next(it for it in asked["worker_care"] if it.origin == "catalogue:t_psych")
    assert care.ask and care.text.startswith("全年举办不少于2次心理健康讲座。3月完成1次教职工心理状况问卷调查")
    assert [(s.month, s.line) for s in care.steps] == [(3, "开展心理状况问卷调查"), (9, "开展心理团体辅导")]
    assert [it.text for it in asked["goals"] if it.ask] == ["教职工心理健康讲座参与率达到80%以上。"]
    schedule = build_schedule(req, "具体活动安排", [it for items in asked.values() for it in items])
    lines = [it.text for it in schedule.items]
    assert any(t.startswith("3月：") and "开展心理状况问卷调查" in t for t in lines)
    assert any(t.startswith("9月：") and "开展心理团体辅导" in t for t in lines)
    _, plain = _plan()
    same = next(it for it in plain["worker_care"] if it.origin == "catalogue:t_psych")
    assert same.text == "全年举办不少于2次心理健康讲座。" and not same.steps and not same.ask
    assert not any(it.ask for it in plain["goals"])


def test_an_ask_no_item_answers_gets_its_own_item_with_milestones_and_a_goal(small_catalogue):
    _, planned = _plan(brief="今年重点：筹建职工之家")
    own = [it for items in planned.values() for it in items if it.origin == "ask" and it.steps]
    assert own and [s.month for s in own[0].steps] == [3, 6, 11]
    assert any("教职工之家" in it.text for it in planned["goals"])  # in the unit's words


def test_a_family_of_activity_is_held_to_its_number_across_sections(small_catalogue):
    _, planned = _plan("enterprise")
    awards = [it for items in planned.values() for it in items if it.origin.startswith("catalogue:t_award")]
    assert len(awards) == 2


def test_the_assembly_is_named_by_the_unions_size():
    assert assembly_words("kindergarten", Facts({"职工人数": "58", "会员人数": "52"})) == {
        "members_assembly": "会员大会",
        "staff_assembly": "教职工大会",
        "assembly": "教职工大会暨工会会员大会",  # a school's two assemblies meet together
    }
    assert assembly_words("hospital", Facts({"职工人数": "1860", "会员人数": "1702"})) == {
        "members_assembly": "会员代表大会",
        "staff_assembly": "职工代表大会",
        "assembly": "职工代表大会暨工会会员代表大会",
    }
    assert assembly_words("government", Facts({"会员人数": "40"}))["assembly"] == "会员大会"
    assert assembly_words("enterprise", None)["staff_assembly"] == "职工（代表）大会"  # unknown: the chair strikes one
    assert assembly_words("hospital", None)["staff_assembly"] == "职工代表大会"  # a hospital is assumed large
    assert assembly_words("kindergarten", None)["assembly"] == "教职工大会暨工会会员大会"  # a kindergarten small
    # a given headcount overrides what is assumed
    assert (
        assembly_words("kindergarten", Facts({"职工人数": "130", "会员人数": "120"}))["staff_assembly"]
        == "教职工代表大会"
    )


def test_what_is_assumed_about_the_size_is_said_with_the_fact_that_decides():
    said = size_assumption("kindergarten", None)
    assert said is not None and "fewer than 100" in said and "职工人数" in said and "教职工大会" in said
    assert "100 or more" in (size_assumption("hospital", Facts({"会员人数": "900"})) or "")
    assert size_assumption("hospital", Facts({"会员人数": "900", "职工人数": "1000"})) is None  # nothing assumed
    assert size_assumption("enterprise", None) is None  # hedged in the text, not assumed


def test_a_facts_file_may_use_a_fields_former_name():
    facts = check_facts({"代表大会召开时间": "4月"})
    assert facts.to_dict() == {"大会召开时间": "4月"}


def test_a_date_still_to_be_given_is_listed_apart_not_under_a_month(small_catalogue):
    req, planned = _plan()
    items = [it for its in planned.values() for it in its]
    sched = [it.text for it in build_schedule(req, "具体活动安排", items).items]
    assert sched[-1] == "【待填：大会召开时间】：召开教职工大会（工会委员会牵头）。"  # a kindergarten is assumed small
    assert not any(t.startswith("3月：") and "大会" in t for t in sched)
    req, planned = _plan(facts={"大会召开时间": "4月", "职工人数": "58"})
    sched = [it.text for it in build_schedule(req, "x", [it for its in planned.values() for it in its]).items]
    assert "4月：召开教职工大会（工会委员会牵头）。" in sched and not any(t.startswith("时间待定") for t in sched)


def test_the_opening_does_not_repeat_the_guiding_thought():
    req = build_request(
        "hospital", 2026, brief="今年重点：加强医务人员暴力伤医防范", facts={"上年主要成绩": ["获评市级模范职工之家"]}
    )
    text = preamble(req)
    assert text.startswith("2026年是“十五五”规划开局之年。2025年，院工会获评市级模范职工之家。")
    assert text.endswith("本年度工会工作的重点是：加强医务人员暴力伤医防范。")
    guiding = req.guiding_thought
    assert "二十大" in guiding and "二十大" not in text and "建功立业" not in text


@pytest.mark.parametrize(
    "raw, words",
    [
        ({"asked": {"txt": "x"}}, "asked"),
        ({"asked": {"steps": [{"month": 13, "schedule": "x"}]}}, "month 1–12"),
        ({"asked": {}}, "empty"),
        ({"asked": {"goal": "x", "replace": True}}, "replace"),
        ({"family": "无此类"}, "unknown family"),
    ],
)
def test_a_broken_asked_or_family_names_the_item(monkeypatch, raw, words):
    item = {"id": "t_bad", "section": "worker_care", "text": "开展活动。", **raw}
    monkeypatch.setattr(cat, "load_data", lambda name: {"items": [item]} if name == "work_items.yaml" else {})
    cat.catalogue.cache_clear()
    cat.families.cache_clear()
    try:
        with pytest.raises(ConfigError, match=words):
            cat.catalogue()
    finally:
        cat.catalogue.cache_clear()
        cat.families.cache_clear()
        cat._by_id.cache_clear()


def test_items_keep_their_steps_through_json():
    from drafter.models import Milestone

    it = Item(text="x", steps=[Milestone(3, "定方案")])
    assert Item.from_dict(it.to_dict()) == it


def test_a_step_in_the_month_of_the_items_own_line_joins_it_with_its_date(small_catalogue):
    req, planned = _plan("hospital", brief="今年重点：办好护士节系列活动")
    sched = [it.text for it in build_schedule(req, "x", [it for its in planned.values() for it in its]).items]
    may = next(t for t in sched if t.startswith("5月："))
    assert "召开护士节表彰大会，开展家属开放日（5月12日" in may
    assert any(t.startswith("4月：") and "举办护理技能竞赛" in t for t in sched)


def test_excludes_hold_across_sections(small_catalogue):
    _, planned = _plan("hospital")
    ids = [it.origin for items in planned.values() for it in items]
    assert "catalogue:t_talk" in ids and "catalogue:t_talk2" not in ids


def test_the_level_of_the_model_home_to_strive_for_is_read_from_last_years_results():
    req = build_request("hospital", 2026, facts={"上年主要成绩": ["护理竞赛320人", "获评区级模范职工之家"]})
    assert req.facts.get("争创模范之家级别") == "市级"
    given = build_request("hospital", 2026, facts={"上年主要成绩": "获评区级模范职工之家", "争创模范之家级别": "省级"})
    assert given.facts.get("争创模范之家级别") == "省级"
    assert build_request("hospital", 2026).facts.get("争创模范之家级别") is None


def test_an_asked_text_that_replaces_is_the_whole_item_and_not_said_twice(small_catalogue):
    _, planned = _plan(brief="今年重点：办好健康讲座")
    it = next(x for x in planned["worker_care"] if x.origin == "catalogue:t_survey")
    assert it.text == "4月、10月各举办1次健康讲座，由生活福利委员牵头。"
    # a goal of the catalogue answers the ask: no second goal line for it
    goals = [x.text for x in planned["goals"]]
    assert goals.count("健康讲座参与率达到80%以上。") == 1 and len([g for g in goals if "健康讲座" in g]) == 1


def test_an_item_whose_text_names_its_months_is_scheduled_in_them(small_catalogue):
    req, planned = _plan("hospital")
    joint = next(x for x in planned["safeguards"] if x.origin == "catalogue:t_joint")
    assert joint.months == [6, 12]
    sched = [x.text for x in build_schedule(req, "x", [i for its in planned.values() for i in its]).items]
    assert any(t.startswith("6月：") and "召开工会与行政联席会议" in t for t in sched)
    assert any(t.startswith("12月：") and "召开工会与行政联席会议" in t for t in sched)


@pytest.mark.parametrize(
    "name, sector, has",
    [
        ("恒通物流股份有限公司", "logistics", {"t_drivers"}),
        ("国网清河县供电公司", "power", set()),
        ("宏达机械制造有限公司", "manufacturing", {"t_quota"}),
        (None, None, {"t_quota"}),
    ],
)
def test_the_units_name_tells_its_sector_and_items_follow_it(small_catalogue, name, sector, has):
    req, planned = _plan("enterprise", name=name)
    assert req.sector == sector
    ids = {it.origin.split(":", 1)[1] for its in planned.values() for it in its if ":" in it.origin}
    assert ids & {"t_drivers", "t_quota"} == has


def test_an_unknown_sector_in_the_catalogue_names_the_item(monkeypatch):
    item = {"id": "t_bad", "section": "worker_care", "text": "开展活动。", "sectors": ["shipyard"]}
    monkeypatch.setattr(cat, "load_data", lambda name: {"items": [item]} if name == "work_items.yaml" else {})
    cat.catalogue.cache_clear()
    try:
        with pytest.raises(ConfigError, match="unknown sector 'shipyard'"):
            cat.catalogue()
    finally:
        cat.catalogue.cache_clear()
        cat._by_id.cache_clear()


def test_a_goal_never_removes_the_activity_it_measures_and_an_asked_item_is_kept():
    from drafter.draft.document import dedupe
    from drafter.models import SectionDraft

    goals = SectionDraft(id="goals", title="工作目标", items=[Item("年内建成职工创新工作室1个，形成成果不少于3项。")])
    work = SectionDraft(
        id="skills_competition",
        title="技能竞赛",
        items=[
            Item("年内建成职工创新工作室1个，形成成果不少于3项，9月举办成果交流会。", ask="职工创新工作室"),
            Item("年内建成职工创新工作室1个，形成成果不少于3项。"),
        ],
    )
    dedupe([goals, work])
    assert len(goals.items) == 1 and [it.ask for it in work.items] == ["职工创新工作室"]


def test_a_result_two_goal_lines_aim_at_is_stated_once():
    from drafter.draft.document import dedupe
    from drafter.models import SectionDraft

    goals = SectionDraft(
        id="goals",
        title="工作目标",
        items=[
            Item("夜班集中科室每季度走访慰问全覆盖，年内改善值班室不少于3间。", ask="夜班医护关爱"),
            Item("会员入会率达到95%以上（含编外职工），新入职职工入会率达到100%。"),
            Item("夜班集中科室每季度走访慰问全覆盖，防范暴力伤医应急演练参训率达到100%。"),
            Item("夜班集中科室每季度走访慰问全覆盖。"),
        ],
    )
    dedupe([goals])
    assert [it.text for it in goals.items] == [
        "夜班集中科室每季度走访慰问全覆盖，年内改善值班室不少于3间。",
        "会员入会率达到95%以上（含编外职工），新入职职工入会率达到100%。",
        "防范暴力伤医应急演练参训率达到100%。",
    ]


def test_a_festival_on_a_weekend_is_held_near_it():
    req = build_request("hospital", 2025)  # 2025-03-08 is a Saturday; 2025-05-12 a Monday
    items = [
        Item("三八节活动。", months=[3], event="三八国际妇女节", schedule="开展“三八”节活动"),
        Item("护士节表彰。", months=[5], event="国际护士节", schedule="召开护士节表彰大会"),
    ]
    sched = [x.text for x in build_schedule(req, "x", items).items]
    assert any("开展“三八”节活动（3月8日前后" in t for t in sched)
    assert any("召开护士节表彰大会（5月12日）" in t for t in sched)


def test_an_asks_preparations_come_before_the_items_own_later_step():
    from drafter.draft.content import in_month_order

    own = "10月组织1次保育员岗位技能比赛，对优胜者给予表彰。"
    added = "3月开展1次专题培训；比赛设理论和实操两部分；12月通报结果。"
    assert in_month_order(own, added) == (
        "3月开展1次专题培训；10月组织1次保育员岗位技能比赛，对优胜者给予表彰。比赛设理论和实操两部分；12月通报结果。"
    )
    assert in_month_order("3月制定方案。", "6月举办比赛。") == "3月制定方案。6月举办比赛。"  # already in order
    assert in_month_order("组织比赛。", "3月培训。") == "组织比赛。3月培训。"  # no month of its own: nothing moves
