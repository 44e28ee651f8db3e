"""Splitting files into plans and tagging them: the lead's hand-checked table for the seed corpus."""

from __future__ import annotations

import functools

import pytest

from drafter.ingestion.pipeline import load_plans, trim_truncated_end
from drafter.ingestion.split import marker, split_text
from drafter.ingestion.tag import tag_kind, tag_unit, tag_year
from drafter.models import Plan

# (unit, kind, year) per plan, in file order; script per file
EXPECTED: dict[str, tuple[str, list[tuple[str, str, int | None]]]] = {
    "000": (
        "simplified",
        [
            ("enterprise", "summary", None),  # 首钢 union summary
            ("school", "plan", None),  # 我校, 校务公开, 教代会
            ("hospital", "not_union", None),  # a hospital's business plan
            ("enterprise", "summary", None),  # mining work area (工区, 入井)
            ("hospital", "plan", None),  # hospital union plan
        ],
    ),
    "001": (
        "simplified",
        [
            ("school", "plan", None),  # 教学人员, 新教案
            ("community", "plan", None),  # 骆驼街道, 楼宇商圈, 村(社区)
            ("school", "plan", 2005),  # 大佘太总校 (中小学), 二00五年
        ],
    ),
    "002": (
        "simplified",
        [
            ("school", "plan", None),  # 教工, 教研组, 教代会
            ("enterprise", "plan", None),  # the appended 贵铝 plan
        ],
    ),
    "003": (
        "simplified",
        [
            ("government", "summary", None),  # 市总工会
            ("enterprise", "summary_and_plan", None),
            ("primary_school", "summary_and_plan", None),
        ],
    ),
    "004": (
        "traditional",
        [
            ("hospital", "plan", 2023),
            ("hospital", "plan", 2023),
            ("hospital", "plan", 2023),
            ("hospital", "plan", 2023),
            ("hospital", "plan", 2023),  # 女工委
            ("hospital", "plan", 2023),
            ("hospital", "plan", 2023),  # 女工委
            ("university", "plan", 2023),  # 校教代会, 高校教师, 学院
            ("hospital", "plan", 2023),  # 经审
        ],
    ),
}


@functools.lru_cache(maxsize=1)
def corpus() -> tuple[Plan, ...]:
    return tuple(load_plans())


def plans_of(prefix: str) -> list[Plan]:
    return [p for p in corpus() if p.source.startswith(prefix)]


@pytest.mark.parametrize("prefix", sorted(EXPECTED))
def test_plan_counts_and_tags_match_the_hand_checked_table(prefix: str) -> None:
    script, rows = EXPECTED[prefix]
    plans = plans_of(prefix)
    got = [(p.unit.value, p.kind.value, p.year.value) for p in plans]
    assert got == rows
    assert {p.script.value for p in plans} == {script}


def test_every_tag_has_evidence_found_in_the_plan() -> None:
    for p in corpus():
        for name in ("unit", "kind"):
            tag = getattr(p, name)
            assert tag.evidence, f"{p.id} {name} has no evidence"
        phrases = [e for e in p.unit.evidence] + [e for e in p.kind.evidence if e != "无工会内容"]
        for phrase in phrases:
            assert phrase in p.text, f"{p.id}: evidence {phrase!r} not in text"
        if p.year.value is not None:
            assert p.year.evidence and all(e in p.text or e == p.title for e in p.year.evidence)
        assert len(p.script.evidence) >= 3  # traditional-only (or simplified-only) characters


def test_specific_evidence() -> None:
    p = {x.id.split("_")[0] + "#" + str(x.index): x for x in corpus()}
    assert p["001#3"].year.evidence == ["二00五年"]
    assert "总校" in p["001#3"].unit.evidence
    assert {"街道", "楼宇"} <= set(p["001#2"].unit.evidence)
    assert "工区" in p["000#4"].unit.evidence
    assert "诊疗人次" in p["000#3"].kind.evidence
    assert "今后的工作思路" in p["003#3"].kind.evidence
    assert "高校" in p["004#8"].unit.evidence
    assert p["004#3"].year.evidence == ["2023年医院工会工作计划3"]


def test_ids_titles_and_hashes() -> None:
    plans = corpus()
    assert len({p.id for p in plans}) == len(plans) == 22
    p = plans_of("004")[2]
    assert p.id == "004_6288eb8b2ae7295e#3" and p.index == 3 and p.source == "004_6288eb8b2ae7295e.txt"
    assert p.title == "2023年医院工会工作计划3"  # own numbered heading, in simplified script
    assert plans_of("000")[4].title == "幼儿园工会工作计划 篇5"
    assert plans_of("001")[0].title == "工会工作计划模板 篇1"
    assert plans_of("003")[1].title == "学校工会工作总结及明年工作计划 篇二"
    assert plans_of("002")[0].title == "初中学校工会工作计划精选"
    assert plans_of("002")[1].title == "初中学校工会工作计划精选 篇2"  # appended plan: no title of its own
    import hashlib

    assert all(p.content_hash == hashlib.sha256(p.text.encode("utf-8")).hexdigest() for p in plans)
    assert all(p.text == p.text.strip() and p.text for p in plans)


def test_plans_start_and_end_where_they_should() -> None:
    p0, p4 = plans_of("000")[0], plans_of("004")
    assert p0.text.startswith("20xx年，首钢工会在党委领导下")
    assert p0.text.endswith("减轻了生活困难。")
    assert "我校工会" not in p0.text  # the next plan is not glued on
    assert p4[0].text.startswith("我院今年工会组织的工作任务")
    assert p4[-1].text.endswith("保证工会资产的安全完整和工会事业的健康发展。")
    assert all("2023年医院工会工作计划" not in p.text.split("\n")[0] for p in p4)
    # the collection's title line is not a plan, nor part of the first plan
    assert not any(p.text.startswith(("实用幼儿园工会工作计划", "2023年医院工会工作计划\n")) for p in corpus())
    # the file is cut off mid-plan-3: the dangling half sentence is dropped
    p13 = plans_of("001")[2]
    assert p13.text.endswith("对考核不称职的干部建议及时撤换。") and "中学、" not in p13.text


def test_the_appended_plan_in_002_is_split_off() -> None:
    school, company = plans_of("002")
    assert school.text.endswith("加强离退休教工的家访慰问工作。")
    assert company.text.startswith("一、围绕一个重点——劳动竞赛")
    assert "贵铝" in company.text and "贵铝" not in school.text
    assert company.text.endswith("班组记录内容的真实性、针对性和实用性。")  # cut-off tail trimmed


def test_the_collection_title_is_not_content_evidence() -> None:
    # 000 is titled 幼儿园 but holds no kindergarten plan; 002's title says 初中
    assert all(p.unit.value != "kindergarten" for p in corpus())
    assert plans_of("002")[0].unit.value == "school"


# --------------------------------------------------------------------------- split units


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("幼儿园工会工作计划 篇1:", ("幼儿园工会工作计划 篇1", "篇1", 1)),
        ("幼儿园工会工作计划篇 篇5:", ("幼儿园工会工作计划 篇5", "篇5", 5)),
        ("工会工作计划模板篇3", ("工会工作计划模板 篇3", "篇3", 3)),
        ("学校工会工作总结及明年工作计划篇一", ("学校工会工作总结及明年工作计划 篇一", "篇一", 1)),
        ("篇2", ("篇2", "篇2", 2)),
        ("2023年醫院工會工作計劃9", ("2023年醫院工會工作計劃9", "9", 9)),
        ("2023年醫院工會工作計劃", None),
        ("一、加强工会组织建设", None),
        ("实用幼儿园工会工作计划优质5篇", None),
        ("医院工会工作计划(精选9篇),欢迎大家分享。", None),
    ],
)
def test_plan_markers(line: str, expected) -> None:
    assert marker(line) == expected


def test_restart_splits_only_when_the_unit_changes() -> None:
    text = "一、甲\n正文\n二、乙\n正文\n一、丙\n正文"
    assert len(split_text(text).plans) == 1
    assert len(split_text(text, differs=lambda a, b: False).plans) == 1
    parts = split_text(text, differs=lambda a, b: True).plans
    assert [p.text.split("\n")[0] for p in parts] == ["一、甲", "一、丙"]


def test_trim_truncated_end() -> None:
    assert (
        trim_truncated_end("一、甲\n完整的一句话。后面是被截断的半句话，没有结束的标点符号而且很长很长")
        == "一、甲\n完整的一句话。"
    )
    assert trim_truncated_end("甲乙丙。\n3月份\n组织夏季旅游") == "甲乙丙。\n3月份\n组织夏季旅游"


# --------------------------------------------------------------------------- tag units


def test_tag_year_rules() -> None:
    unknown = tag_year("20xx年是改革的一年，xx年完成，xxxx年规划")
    assert unknown.value is None and unknown.evidence == ["20xx年", "xxxx年", "xx年"]
    assert tag_year("制定二00五年大佘太总校工会工作计划").value == 2005
    assert tag_year("二〇二四年工作要点").value == 2024
    assert tag_year("一年来", title="2023年医院工会工作计划3").value == 2023
    tag = tag_year("2024年工会工作计划。2024年将继续，2023年已完成")
    assert tag.value == 2024 and tag.evidence == ["2024年"]
    assert tag_year("共收到提案1200余件，5000年前").value is None


def test_tag_unit_and_kind_on_small_texts() -> None:
    assert tag_unit("我园工会组织全园教职工开展保教技能竞赛，园长带头。").value == "kindergarten"
    assert tag_unit("各车间工会围绕公司生产经营开展劳动竞赛，班组建设。").value == "enterprise"
    assert tag_unit("今天天气很好。").value == "other"
    assert tag_kind("医院要提高床位使用率，业务收入达到一亿元。").value == "not_union"
    assert tag_kind("一年来，工会开展了送温暖活动，组织了文体比赛，取得了好成绩。").value == "summary"
    assert tag_kind("今年工会将继续做好送温暖工作，进一步加强自身建设。").value == "plan"


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("【篇一】幼儿园工会工作计划", ("幼儿园工会工作计划 篇一", "篇一", 1)),
        ("【篇2】", ("篇2", "篇2", 2)),
        ("篇三：幼儿园工会工作计划", ("幼儿园工会工作计划 篇三", "篇三", 3)),
        ("第2篇：医院工会工作计划", ("医院工会工作计划 篇2", "篇2", 2)),
        ("幼儿园工会工作计划（一）", ("幼儿园工会工作计划（一）", "一", 1)),
        ("（一）加强组织建设", None),
        ("篇一是", None),
    ],
)
def test_other_marker_styles(line: str, expected) -> None:
    assert marker(line) == expected


def test_collection_with_bracketed_markers(tmp_path) -> None:
    from drafter.ingestion.pipeline import plans_from_file

    body = "一、指导思想\n以习近平新时代中国特色社会主义思想为指导，全心全意依靠教职工办好幼儿园，组织全园教职工开展保教技能竞赛。\n"
    path = tmp_path / "kg.txt"
    path.write_text(
        "幼儿园工会工作计划范文3篇\n【篇一】幼儿园工会工作计划\n"
        + body
        + "【篇二】幼儿园工会工作计划\n"
        + body
        + "【篇三】2024年幼儿园工会工作计划\n"
        + body,
        encoding="utf-8",
    )
    plans = plans_from_file(path)
    assert [p.title for p in plans] == [
        "幼儿园工会工作计划 篇一",
        "幼儿园工会工作计划 篇二",
        "2024年幼儿园工会工作计划 篇三",
    ]
    assert [p.unit.value for p in plans] == ["kindergarten"] * 3
    assert [p.year.value for p in plans] == [None, None, 2024]


@pytest.mark.parametrize(
    ("text", "unit"),
    [
        ("我园工会在园党支部领导下，组织全园教职工开展保教技能竞赛，关心保育员和幼儿教师的工作生活。", "kindergarten"),
        ("我校工会配合学校做好少先队活动，关心小学教师的身心健康，坚持教代会制度，推进校务公开。", "primary_school"),
        ("学校工会关心初三、高三毕业班教师，做好中考、高考期间的后勤服务，坚持教代会制度。", "middle_school"),
        ("校工会坚持校教代会制度，指导二级学院分工会开展工作，支持教师科研，推进校务公开。", "university"),
        ("医院工会关心一线医护人员，开展护理技能竞赛，慰问门诊和临床科室职工，推进院务公开。", "hospital"),
        ("公司工会围绕生产经营开展劳动竞赛，关心一线员工，推进厂务公开，加强班组建设。", "enterprise"),
        ("局机关工会组织机关干部学习，关心全局干部职工生活，做好公务员的健康体检。", "government"),
        ("街道总工会加强辖区楼宇、社区和非公企业建会工作，服务新就业形态劳动者和社区居民。", "community"),
    ],
)
def test_tag_unit_for_every_unit_type(text: str, unit: str) -> None:
    tag = tag_unit(text)
    assert tag.value == unit, tag
    assert tag.evidence and all(e in text for e in tag.evidence)


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("本学期，在园领导的支持下，我园工会开展了教职工趣味运动会，组织了三八节活动，取得了较好的效果。", "summary"),
        ("本学期工会将继续开展送温暖活动，组织教职工参加文体活动，进一步加强工会自身建设。", "plan"),
        (
            "2023年工会工作总结\n一、主要工作\n工会组织了职工运动会，慰问了困难职工。\n二、存在问题\n活动形式单一。\n"
            "三、明年工作打算\n1、继续开展送温暖活动。\n2、加强工会自身建设。\n3、丰富职工文化生活。",
            "summary_and_plan",
        ),
        ("一年来，工会做了大量工作，取得了一定成绩。今后，我们要继续努力。", "summary"),
    ],
)
def test_tag_kind_on_small_texts(text: str, kind: str) -> None:
    tag = tag_kind(text)
    assert tag.value == kind and tag.evidence
