"""Each metric on small hand-made plans: no corpus, no index, no model."""

from __future__ import annotations

import re

import pytest

from drafter.evaluate import content as C
from drafter.evaluate import metrics as M
from drafter.evaluate.blocks import plan_blocks
from drafter.evaluate.metrics import METRICS, MetricResult, PlanContext
from drafter.evaluate.score import combine
from drafter.models import Section

BODY = "每季度组织全体教职工开展1次政治理论学习，结合本园实际开展专题学习讨论，由工会宣传委员负责记录。"  # > 40 chars
USUAL = [
    "guiding_ideology",
    "goals",
    "political_guidance",
    "democratic_management",
    "worker_care",
    "culture_sports",
    "union_building",
    "schedule",
]


def sec(heading: str, sid: str | None, body: str = BODY, level: int = 1, own: bool = True) -> Section:
    return Section(heading=heading, level=level, body=body, section_id=sid, own_label=own and sid is not None)


def ctx(sections: list[Section] | None = None, text: str | None = None, **kw) -> PlanContext:
    sections = sections if sections is not None else []
    if text is None:
        text = "\n".join(s.heading + "\n" + s.body for s in sections)
    kw.setdefault("usual_order", USUAL)
    kw.setdefault("blocks", plan_blocks(sections))
    kw.setdefault("body_text", text)
    return PlanContext(text=text, sections=sections, **kw)


def full_plan() -> list[Section]:
    return [
        sec(
            "一、指导思想",
            "guiding_ideology",
            body="坚持以习近平新时代中国特色社会主义思想为指导，全面贯彻党的二十大精神，团结动员广大教职工建功立业。",
        ),
        sec(
            "二、工作目标",
            "goals",
            body="会员入会率达到100%，教职工健康体检覆盖率达到100%，全年开展文体活动不少于10次，会员满意率达到90%以上。",
        ),
        sec(
            "三、加强民主管理",
            "democratic_management",
            body="3月召开教职工代表大会，审议园务工作报告和绩效工资方案，会前征集提案，每学期公开1次园务公开事项。",
        ),
        sec(
            "四、关心教职工生活",
            "worker_care",
            body="春节前走访慰问困难教职工，建立困难教职工档案；7月组织全体教职工健康体检；每学期举办1次心理健康讲座。",
        ),
        sec(
            "五、工会自身建设",
            "union_building",
            body="做好会员发展和实名制管理，新入职教职工当月入会；工会委员每年参加1次上级工会培训；年底开展会员评家。",
        ),
    ]


WEIGHTS = {
    "guiding_ideology": 1.0,
    "goals": 0.5,
    "democratic_management": 0.9,
    "worker_care": 1.0,
    "union_building": 0.6,
}


def test_metrics_dict_is_uniform():
    c = ctx(full_plan(), weights=WEIGHTS)
    for name, fn in METRICS.items():
        r = fn(c)
        assert isinstance(r, MetricResult), name
        assert isinstance(r.reason, str) and r.reason, name
        assert set(r.to_dict()) == {"value", "reason", "details"}
    assert set(METRICS) == set(M.METRIC_KIND)


# --------------------------------------------------------------------------- structure


def test_coverage_full_and_missing_weighted():
    full = C.coverage(ctx(full_plan(), weights=WEIGHTS))
    assert full.value == pytest.approx(1.0), full.details
    assert full.details["missing"] == []
    partial = [s for s in full_plan() if s.section_id not in {"worker_care"}]
    r = C.coverage(ctx(partial, weights=WEIGHTS))
    assert r.value == pytest.approx(3.0 / 4.0)  # 1.0 of 4.0 weight missing
    assert r.details["missing"] == ["worker_care"]
    assert "worker_care" in r.reason
    # missing a rarer section costs less than missing a common one
    rare_missing = [s for s in full_plan() if s.section_id != "goals"]
    assert C.coverage(ctx(rare_missing, weights=WEIGHTS)).value > r.value


def test_coverage_needs_a_body_that_speaks_of_its_heading_and_says_something():
    plan = full_plan()
    plan[3] = sec("四、关心教职工生活", "worker_care", body="略。")
    assert C.coverage(ctx(plan, weights=WEIGHTS)).details["credit"]["worker_care"] == 0
    plan[3] = sec("四、关心教职工生活", "worker_care", body="进一步提高认识，加强领导，狠抓落实，确保取得实效。")
    assert C.coverage(ctx(plan, weights=WEIGHTS)).details["credit"]["worker_care"] == 0
    plan[3] = sec(
        "四、关心教职工生活",
        "worker_care",
        body="3月召开教职工代表大会，审议绩效工资方案；每学期公开1次园务事项；会前征集代表提案20件。",
    )
    off = C.coverage(ctx(plan, weights=WEIGHTS)).details["credit"]["worker_care"]
    assert off < 0.5  # democratic management under the worker-care heading


def test_coverage_counts_subsections_under_their_parent():
    plan = [
        sec("一、关心职工生活", "worker_care", body=""),
        sec(
            "（一）送温暖",
            "worker_care",
            body="春节前走访慰问困难职工30户，7月组织全体职工健康体检，建立困难职工档案。",
            level=2,
            own=False,
        ),
    ]
    r = C.coverage(ctx(plan, weights={"worker_care": 1.0}))
    assert r.value == 1.0


def test_relevance_and_substance_per_block():
    rows = C.relevance(ctx(full_plan(), weights=WEIGHTS)).details["blocks"]
    assert all(r["relevance"] >= 0.5 and r["substance"] >= 0.5 for r in rows), rows
    noise = full_plan()
    noise[2] = sec("三、加强民主管理", "democratic_management", body="蠲鬻黼黻彧鑫犇骉淼焱垚曌" * 6)
    rows = C.relevance(ctx(noise, weights=WEIGHTS)).details["blocks"]
    assert rows[2]["relevance"] == 0 and rows[2]["substance"] == 0


def test_order_usual_and_reversed():
    assert M.order(ctx(full_plan())).value == pytest.approx(1.0)
    rev = M.order(ctx(list(reversed(full_plan()))))
    assert rev.value == pytest.approx(0.0)
    assert rev.details["out_of_place"]
    swapped = full_plan()
    swapped[0], swapped[1] = swapped[1], swapped[0]
    assert 0.5 < M.order(ctx(swapped)).value < 1.0
    assert M.order(ctx(full_plan()[:1])).value == 1.0  # too few to judge


def test_kendall_tau():
    assert M.kendall_tau(["a", "b", "c"], ["a", "b", "c"]) == 1.0
    assert M.kendall_tau(["c", "b", "a"], ["a", "b", "c"]) == -1.0
    assert M.kendall_tau(["a"], ["a", "b"]) is None


def test_duplicates_and_unrecognised():
    plan = full_plan() + [sec("六、关心职工生活", "worker_care"), sec("七、其他事项", None)]
    d = M.duplicates(ctx(plan))
    assert d.value == 1 and d.details["duplicated"] == {"worker_care": 2}
    u = M.unrecognised(ctx(plan))
    assert u.details["headings"] == ["七、其他事项"]
    assert u.value == pytest.approx(1 / 7)
    assert M.duplicates(ctx(full_plan())).value == 0


def test_section_lengths():
    plan = full_plan() + [sec("六、其他", None, body="无。")]
    r = M.section_lengths(ctx(plan))
    assert r.value == pytest.approx(5 / 6)
    assert [x["chars"] for x in r.details["sections"]][-1] == 2
    assert "六、其他" in r.reason


# --------------------------------------------------------------------------- faults


@pytest.mark.parametrize(
    "text,n",
    [
        ("20xx年工会工作计划", 1),
        ("xx年，我园工会", 1),
        ("召开第XX届职代会，由某某同志主持", 2),
        ("联系人：____", 1),
        ("2024年工会工作计划", 0),
        ("开展Excel培训和xxx", 1),
    ],
)
def test_placeholders(text, n):
    assert M.placeholders(ctx(text=text)).value == n


def test_boilerplate_patterns_and_finder():
    text = "下面是小编整理的幼儿园工会工作计划范文，供大家参考。\n幼儿园工会工作计划 篇1：\n一、指导思想"
    r = M.boilerplate(ctx(text=text))
    assert r.value == 2  # two lines
    assert {"下面是小编整理", "范文", "供大家参考"} <= set(r.details["matches"])
    assert M.boilerplate(ctx(text="一、指导思想\n以习近平新时代中国特色社会主义思想为指导。")).value == 0
    assert M.boilerplate(ctx(text="做好工会文档资料的整理归档。开篇布局，全年推进。")).value == 0
    extra = M.boilerplate(
        ctx(
            text="一、指导思想\n更多精彩内容请关注本站。",
            boilerplate_finder=lambda t: ["关注本站"] if "关注本站" in t else [],
        )
    )
    assert extra.value == 1


def test_foreign_words():
    r = M.foreign_words(ctx(text="关心医护人员，看望住院病人和幼儿", forbidden=["幼儿", "学生"]))
    assert r.value == 1 and r.details["words"] == {"幼儿": 1}
    assert M.foreign_words(ctx(text="关心医护人员", forbidden=["幼儿"])).value == 0
    # 金秋助学 for children who got into university is fine in any unit's plan
    assert M.foreign_words(ctx(text="资助考入大学的困难教职工子女", forbidden=["大学"])).value == 0
    assert M.foreign_words(ctx(text="与大学开展联谊", forbidden=["大学"])).value == 1


@pytest.mark.parametrize(
    "text,n",
    [
        ("2024年工会工作计划，总结2023年工作", 0),
        ("二00五年工会工作计划", 1),
        ("二〇二四年工作", 0),
        ("2018年召开职代会", 1),
        ("2024—2025学年第一学期", 0),
        ("2021-2025年职工素质建设工程", 0),
        ("到2035年远景目标", 0),
        ("全园2000余名家长", 0),
        ("1925年中华全国总工会成立", 0),
        ("2026年要完成", 1),
    ],
)
def test_wrong_years(text, n):
    r = M.wrong_years(ctx(text=text, year=2024))
    assert r.value == n, r.details


def test_wrong_years_without_a_year():
    assert M.wrong_years(ctx(text="二00五年工会工作计划")).value == 0


def test_stale_terms_list_and_pattern():
    text = "认真贯彻“三个代表”重要思想，落实科学发展观"
    assert M.stale_terms(ctx(text=text, stale=["三个代表", "十三五"])).value == 1
    r = M.stale_terms(ctx(text=text, stale_pattern=re.compile("三个代表|科学发展观")))
    assert r.value == 2 and set(r.details["terms"]) == {"三个代表", "科学发展观"}


def test_repeats_within_and_across_sections():
    same = "切实维护教职工的合法权益，每月安排1次主席接待日，为教职工办实事、做好事、解难事"
    plan = [
        sec("一、维权", "rights_protection", body=same + "。"),
        sec("二、关爱", "worker_care", body="1、" + same + "！"),
        sec("三、建设", "union_building", body="加强工会自身建设。"),
    ]
    assert C.repeats(ctx(plan)).value == 1
    one_section = [sec("一、维权", "rights_protection", body=same + "。\n" + same + "。")]
    assert C.repeats(ctx(one_section)).value == 1
    schedule = [
        *plan[:1],
        sec("九、具体活动安排", "schedule", body="3月：" + same + "。\n4月：组织春季健步走。\n5月：两癌筛查。"),
    ]
    assert C.repeats(ctx(schedule)).value == 0  # the schedule may echo a section


def test_copying_share_and_longest_span():
    corpus = M.normalize_for_ngrams("工会要充分发挥桥梁纽带作用，切实维护广大职工的合法权益，推动单位健康发展。")
    grams = {corpus[i : i + 13]: ("c#1",) for i in range(len(corpus) - 12)}
    copied = "工会要充分发挥桥梁纽带作用,切实维护广大职工的合法权益"  # different comma, same text
    r = M.copying(ctx(text=copied, ngrams=grams))
    assert r.value == pytest.approx(1.0)
    assert r.details["longest_span"] == len(M.normalize_for_ngrams(copied))
    assert r.details["top_sources"] == ["c#1"]
    fresh = M.copying(ctx(text="今年我们计划组织一次春季健步走和一次教职工趣味运动会，丰富业余生活。", ngrams=grams))
    assert fresh.value == 0 and fresh.details["longest_span"] == 0
    # a corpus plan scored against the corpus does not count itself
    assert M.copying(ctx(text=copied, ngrams=grams, exclude_plans=frozenset({"c#1"}))).value == 0


def test_asks_are_acted_on_not_only_mentioned():
    acted = "四、关心教职工生活\n3月起每学期邀请心理咨询师开展1次教职工心理健康讲座，工会生活委员负责组织。\n6月前筹建教职工之家，由工会主席牵头。"
    asks = ["教职工心理健康", "筹建职工之家", "师德师风建设"]
    r = C.asks(ctx(plan_from(acted), asks=asks))
    assert r.value == pytest.approx(2 / 3) and "师德师风建设" in r.reason
    mentioned = "四、关心教职工生活\n本年度把教职工心理健康作为工作重点，突出抓好筹建职工之家。"
    r = C.asks(ctx(plan_from(mentioned), asks=asks[:2]))
    assert r.value == 0 and "only mentioned" in r.reason
    assert C.asks(ctx(plan_from(acted))).value == 1.0


def plan_from(text: str) -> list[Section]:
    head, _, body = text.partition("\n")
    return [sec(head, "worker_care", body=body)]


def test_kind_factor_orders_kinds():
    vals = [M.kind(ctx(text="x", kind=k)).value for k in ("plan", "summary_and_plan", "summary", "not_union")]
    assert vals == sorted(vals, reverse=True) and vals[0] == 1.0


# --------------------------------------------------------------------------- overall


def _results(c: PlanContext) -> dict[str, MetricResult]:
    return {name: fn(c) for name, fn in METRICS.items()}


def test_overall_rewards_structure_and_punishes_faults():
    good = ctx(full_plan(), weights=WEIGHTS, year=2024)
    base, penalties, _comp = combine(_results(good))
    assert base > 0.8 and not penalties, penalties
    bad_text = good.text + "\n20xx年，下面是小编整理的范文。"
    worse, penalties, _ = combine(_results(ctx(full_plan(), text=bad_text, weights=WEIGHTS, year=2024)))
    assert worse < base and "placeholders" in penalties and "boilerplate" in penalties
    fewer, _, _ = combine(_results(ctx(full_plan()[:2], weights=WEIGHTS, year=2024)))
    assert fewer < base
    summary, _, _ = combine(_results(ctx(full_plan(), weights=WEIGHTS, year=2024, kind="summary")))
    assert summary < base


def test_every_extra_fault_costs_something():
    costs = [M.saturate(n, 0.1, 0.4) for n in range(0, 30)]
    assert all(b > a for a, b in zip(costs, costs[1:]))
    assert costs[-1] < 0.4


# --------------------------------------------------------------------------- reference weights


def test_reference_weights_follow_the_unit_and_its_neighbours():
    from drafter.evaluate.reference import Reference, RefPlan

    def plan(pid, unit, sections, kind="plan"):
        return RefPlan(id=pid, unit=unit, kind=kind, year=2024, norm="", sections={s: 100 for s in sections})

    ref = Reference(
        plans=[
            plan("h1", "hospital", ["worker_care", "union_building"]),
            plan("h2", "hospital", ["worker_care"]),
            plan("h3", "hospital", ["worker_care", "schedule"]),
            plan("s1", "hospital", ["achievements", "worker_care"], kind="summary"),  # summaries do not count
            plan("e1", "enterprise", ["safety_production", "skills_competition"]),
        ]
    )
    w = ref.weights("hospital")
    assert w["worker_care"] > w["union_building"] > w.get("goals", 0)
    assert "achievements" not in w and "shortcomings" not in w  # summary-only sections never expected
    assert all(0.25 <= v <= 1 for v in w.values())
    assert ref.weights("enterprise")["safety_production"] > ref.weights("hospital").get("safety_production", 0)
    again = Reference.from_json(ref.to_json())
    assert again.weights("hospital") == w
    grams = Reference(plans=[RefPlan("p", "hospital", "plan", None, "一二三四五六七八九十甲乙丙丁")]).ngrams()
    assert grams["一二三四五六七八九十甲乙丙"] == ("p",) and len(grams) == 2


def test_a_labelled_sub_heading_covers_its_own_section_and_month_lines_are_the_schedule():
    weights = dict(WEIGHTS, finance_audit=0.5, schedule=0.5)
    plan = [
        *full_plan()[:4],
        sec("五、加强工会自身建设", "union_building", body=""),
        sec(
            "（一）加强组织建设",
            "union_building",
            level=2,
            body="做好会员发展和实名制管理，新入职教职工当月入会；工会委员每年参加1次上级工会培训。",
        ),
        sec(
            "（二）规范经费管理，加强经费审查监督",
            "finance_audit",
            level=2,
            body="1月编制年度经费预算，12月完成决算，经费审查委员会每半年审查1次经费收支，全年公开1次。",
        ),
    ]
    cov = C.coverage(ctx(plan, weights=weights))
    assert cov.details["credit"]["finance_audit"] == 1.0 and cov.details["credit"]["union_building"] == 1.0
    months = [
        sec(
            "六、全年工作",
            None,
            body="1月：制定年度工作计划。\n3月：召开教职工代表大会。\n5月：组织两癌筛查。\n9月：教师节表彰。",
        )
    ]
    blocks = plan_blocks(months)
    assert blocks[0].labels == ("schedule",)
