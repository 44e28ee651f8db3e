"""Each metric on small hand-made plans: no corpus, no index, no model."""

from __future__ import annotations

import re

import pytest

from drafter.evaluate import metrics as M
from drafter.evaluate.metrics import METRICS, MetricResult, PlanContext
from drafter.evaluate.score import combine
from drafter.models import Section

BODY = "组织全体教职工深入学习党的二十大精神，结合本园实际开展专题学习讨论，把学习成果转化为工作动力。"  # > 40 chars
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
    return PlanContext(text=text, sections=sections, **kw)


def full_plan() -> list[Section]:
    return [
        sec("一、指导思想", "guiding_ideology"),
        sec(
            "二、工作目标",
            "goals",
            body="建设教职工信赖的职工之家，让每一位教职工在工会组织中感受到温暖，全年开展活动不少于十次。",
        ),
        sec(
            "三、加强民主管理",
            "democratic_management",
            body="按时召开教职工代表大会，审议园务工作报告，落实园务公开制度，保障教职工的知情权参与权。",
        ),
        sec(
            "四、关心教职工生活",
            "worker_care",
            body="坚持困难教职工帮扶制度，做好生日慰问和住院探望，组织年度健康体检，关注教职工心理健康。",
        ),
        sec(
            "五、工会自身建设",
            "union_building",
            body="加强工会委员的学习培训，规范工会经费的使用管理，完善会员档案，做好工会各项台账工作。",
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
    full = M.coverage(ctx(full_plan(), weights=WEIGHTS))
    assert full.value == pytest.approx(1.0)
    assert full.details["missing"] == []
    partial = [s for s in full_plan() if s.section_id not in {"worker_care"}]
    r = M.coverage(ctx(partial, weights=WEIGHTS))
    assert r.value == pytest.approx(3.0 / 4.0)  # 1.0 of 4.0 weight missing
    assert r.details["missing"] == ["worker_care"]
    assert "worker_care" in r.reason
    # missing a rarer section costs less than missing a common one
    rare_missing = [s for s in full_plan() if s.section_id != "goals"]
    assert M.coverage(ctx(rare_missing, weights=WEIGHTS)).value > r.value


def test_coverage_needs_a_real_body():
    plan = full_plan()
    plan[3] = sec("四、关心教职工生活", "worker_care", body="略。")
    r = M.coverage(ctx(plan, weights=WEIGHTS))
    assert r.value == pytest.approx(0.75)
    assert r.details["thin"] == ["worker_care"]


def test_coverage_counts_subsections_under_their_parent():
    plan = [
        sec("一、关心职工生活", "worker_care", body=""),
        sec("（一）送温暖", "worker_care", body=BODY, level=2, own=False),
    ]
    r = M.coverage(ctx(plan, weights={"worker_care": 1.0}))
    assert r.value == 1.0


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


def test_repeated_sentences_across_sections_only():
    same = "切实维护教职工的合法权益，努力为教职工办实事、做好事、解难事"
    plan = [
        sec("一、维权", "rights_protection", body=same + "。"),
        sec("二、关爱", "worker_care", body="1、" + same + "！"),
        sec("三、建设", "union_building", body="加强工会自身建设。"),
    ]
    r = M.repeated_sentences(ctx(plan))
    assert r.value == 1
    one_section = [sec("一、维权", "rights_protection", body=same + "。" + same + "。")]
    assert M.repeated_sentences(ctx(one_section)).value == 0


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


def test_brief_asks():
    text = "四、关心教职工生活\n关注教职工心理健康，开设心理讲座。积极筹建职工之家。"
    r = M.brief_asks(ctx(text=text, asks=["教职工心理健康", "筹建职工之家", "师德师风建设"]))
    assert r.value == pytest.approx(2 / 3)
    assert "师德师风建设" in r.reason
    assert M.brief_asks(ctx(text=text)).value == 1.0


def test_kind_factor_orders_kinds():
    vals = [M.kind(ctx(text="x", kind=k)).value for k in ("plan", "summary_and_plan", "summary", "not_union")]
    assert vals == sorted(vals, reverse=True) and vals[0] == 1.0


# --------------------------------------------------------------------------- overall


def _results(c: PlanContext) -> dict[str, MetricResult]:
    return {name: fn(c) for name, fn in METRICS.items()}


def test_overall_rewards_structure_and_punishes_faults():
    good = ctx(full_plan(), weights=WEIGHTS, year=2024)
    base, penalties, _comp = combine(_results(good))
    assert base == pytest.approx(1.0) and not penalties
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


def test_a_labelled_sub_heading_covers_its_own_section_but_schedule_items_do_not():
    weights = dict(WEIGHTS, finance_audit=0.5, schedule=0.5)
    plan = [s for s in full_plan()] + [
        sec("（一）加强组织建设", "union_building", level=2),
        sec(
            "（二）规范经费管理，加强经费审查监督",
            "finance_audit",
            level=2,
            body="严格执行工会经费预算，定期开展经费审查，做到收好、管好、用好工会经费，账目公开透明接受监督。",
        ),
    ]
    cov = M.coverage(ctx(plan, weights=weights))
    assert "finance_audit" in cov.details["present"]
    schedule = [
        sec("六、具体活动安排", "schedule", body=""),
        sec("3月份", "schedule", level=2, body=""),
        sec(
            "审查工会经费收支情况",
            "finance_audit",
            level=3,
            body="审查工会经费收支情况，向会员代表报告经费使用，接受会员监督，确保经费用在教职工身上。",
        ),
    ]
    cov = M.coverage(ctx(full_plan() + schedule, weights=weights))
    assert "finance_audit" in cov.details["missing"] and "schedule" in cov.details["present"]
