"""Segmenting plans into a heading tree."""

from __future__ import annotations

import functools

import pytest

from drafter.ingestion.pipeline import load_plans
from drafter.ingestion.segment import parse_heading, segment
from drafter.models import Plan


@functools.lru_cache(maxsize=1)
def corpus() -> dict[str, Plan]:
    return {f"{p.source[:3]}#{p.index}": p for p in load_plans()}


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("一、指导思想", (1, "一", "指导思想", "")),
        ("一，指导思想", (1, "一", "指导思想", "")),
        ("三. 活动经费", (1, "三", "活动经费", "")),
        ("第二部分 主要工作", (1, "第二部分", "主要工作", "")),
        ("（一）充分发挥基层组织的作用", (2, "（一）", "充分发挥基层组织的作用", "")),
        ("(二)、加强了工会组建力度", (2, "(二)", "加强了工会组建力度", "")),
        ("1、开展创造劳动竞赛", (3, "1", "开展创造劳动竞赛", "")),
        ("2．组织职工春季一日游", (3, "2", "组织职工春季一日游", "")),
        ("3.关心关爱单亲家庭", (3, "3", "关心关爱单亲家庭", "")),
        ("1、38妇女节活动：保铃球比赛，厨艺比赛", (3, "1", "38妇女节活动", "保铃球比赛，厨艺比赛")),
        ("3、5.12护士节庆祝活动", (3, "3", "5.12护士节庆祝活动", "")),
        ("①女职工开展跑步机跑步比赛。", (4, "①", "女职工开展跑步机跑步比赛", "")),
        ("a)切实推进校务公开工作", (4, "a)", "切实推进校务公开工作", "")),
        ("(1)做好慰问", (4, "1", "做好慰问", "")),
        ("指导思想", (1, "", "指导思想", "")),
        ("工作任务", (1, "", "工作任务", "")),
        ("具体活动安排", (1, "", "具体活动安排", "")),
        ("具体工作安排如下：", (1, "", "具体工作安排", "")),
        ("3月份", (2, "3月份", "3月份", "")),
        ("4月份：", (2, "4月份", "4月份", "")),
        ("7月8月份：", (2, "7月8月份", "7月8月份", "")),
        ("三月份：召开教代会，组织三八节活动", (2, "三月份", "三月份", "召开教代会，组织三八节活动")),
        ("十二月：年终总结", (2, "十二月", "十二月", "年终总结")),
        ("9-10月", (2, "9-10月", "9-10月", "")),
        ("第一季度", (2, "第一季度", "第一季度", "")),
    ],
)
def test_parse_heading(line: str, expected: tuple) -> None:
    assert parse_heading(line) == expected


@pytest.mark.parametrize(
    "line",
    [
        "一是不断推进医院工会群众化、民主化进程",
        "二是成功召开职代会。审议通过了工区《行政工作报告》",
        "时限：3月25日前",
        "3月25日前完成",
        "九月份开学后组织教职工体检",
        "组织夏季旅游",
        "5.12是护士节",
        "主要从以下几个方面开展工作：",
        "2023年我院工会工作总的指导思想：在上级工会的领导下",
        "",
    ],
)
def test_not_headings(line: str) -> None:
    assert parse_heading(line) is None


def test_long_numbered_paragraph_is_a_node_headed_by_its_first_clause() -> None:
    level, number, heading, body = parse_heading(
        "1、加强学习，提高认识。认真学习贯彻市、区总工会关于《进一步推进厂务公开工作》等文件。"
    )
    assert (level, number, heading) == (3, "1", "加强学习，提高认识")
    assert body.startswith("认真学习贯彻") and body.endswith("等文件。")
    level, _, heading, body = parse_heading("5、开展宣传教育：充分利用报纸、橱窗等宣传阵地。")
    assert heading == "开展宣传教育" and body == "充分利用报纸、橱窗等宣传阵地。"


def test_segmentation_of_004_2() -> None:
    plan = corpus()["004#2"]
    sections = plan.sections
    pre = sections[0]
    assert pre.level == 0 and pre.heading == "" and pre.path == []
    assert pre.body.startswith("2023年我院工会工作总的指导思想：")
    assert pre.section_id == "guiding_ideology"
    top = [s for s in sections if s.level == 1]
    assert [s.number for s in top] == ["一", "二", "三", "四", "五", "六", ""]
    assert [s.heading for s in top] == [
        "加强工会组织建设，提高整体工作水平",
        "完善职代会制度，推进院务公开工作",
        "丰富职工文化生活，促进精神文明建设",
        "维护职工利益，竭诚为职工群众服务",
        "评优创先",
        "做好工会经费的管理和使用",
        "具体活动安排",
    ]
    months = [s for s in sections if s.level == 2]
    assert [s.heading for s in months] == [
        "3月份",
        "4月份",
        "5月份",
        "6月份",
        "7月8月份",
        "9月份",
        "10月份",
        "11月份",
        "12月份",
    ]
    assert all(s.path == ["具体活动安排", s.heading] for s in months)
    summer = next(s for s in months if s.heading == "7月8月份")
    assert summer.body == "组织夏季旅游"
    may = [s for s in sections if s.path[:2] == ["具体活动安排", "5月份"] and s.level == 3]
    assert [s.heading for s in may] == [
        "参加医学部教职工足球赛",
        "组织职工春季一日游",
        "5.12护士节庆祝活动",
        "筹备职工代表大会换届，职工代表培训，收集提案",
    ]
    assert all(s.path == ["具体活动安排", "5月份", s.heading] for s in may)
    items = [s for s in sections if s.path[:1] == ["加强工会组织建设，提高整体工作水平"] and s.level == 3]
    assert [s.number for s in items] == ["1", "2", "3"]


def test_offsets_cover_the_text_in_order() -> None:
    for plan in corpus().values():
        last_end = 0
        for s in plan.sections:
            assert last_end <= s.start < s.end <= len(plan.text)
            chunk = plan.text[s.start : s.end]
            if s.level:
                assert s.heading[:4] in chunk.split("\n", 1)[0]
            for line in s.body.split("\n")[-1:]:
                assert line in chunk
            last_end = s.end


def test_unnumbered_headings_and_items_in_004_5() -> None:
    sections = corpus()["004#5"].sections
    assert [(s.level, s.heading) for s in sections[:3]] == [
        (1, "指导思想"),
        (1, "工作任务"),
        (1, "健全女工组织，规范女职工工作制度"),
    ]
    assert sections[0].body.startswith("紧紧围绕院党委确定的工作思路")


def test_one_shi_items_stay_in_the_body() -> None:
    plan = corpus()["000#5"]
    assert not any(s.heading.startswith(("一是", "二是")) for s in plan.sections)
    fourth = next(s for s in plan.sections if s.number == "（四）")
    assert "一是不断推进医院工会群众化、民主化进程" in fourth.body


def test_plan_without_headings_is_one_preamble() -> None:
    sections = segment("围绕中心工作，开展活动。\n一是做好准备。二是召开职代会。")
    assert len(sections) == 1 and sections[0].level == 0
    assert sections[0].start == 0 and sections[0].end == len("围绕中心工作，开展活动。\n一是做好准备。二是召开职代会。")
    assert segment("") == []


def test_paths_nest_by_level() -> None:
    text = "一、甲\n正文\n（一）乙\n1、丙\n①丁\n2、戊\n二、己\n1、庚"
    got = [(s.level, s.path) for s in segment(text)]
    assert got == [
        (1, ["甲"]),
        (2, ["甲", "乙"]),
        (3, ["甲", "乙", "丙"]),
        (4, ["甲", "乙", "丙", "丁"]),
        (3, ["甲", "乙", "戊"]),
        (1, ["己"]),
        (3, ["己", "庚"]),
    ]


def test_lead_paragraphs_head_restarted_item_lists_in_003_2() -> None:
    # the page lost its section headings; a lead sentence introduces each restarted 1、2、3、 list
    sections = corpus()["003#2"].sections
    groups = [s for s in sections if s.level == 2]
    assert [s.heading for s in groups] == [
        "结合全年的施工生产任务，深入持久地开展劳动竞赛活动",
        "20xx年，在公司的领导下，公司工会高度重视帮困救助工作",
        "一年来，工会在夯实基层基础工作方面不断下大功夫，不断推进工会工作规范化、制度化",
        "公司工会十分注重女职工队伍建设，积极倡导女职工参加培训学习",
        "工会以职工活动中心为文化阵地，坚持用丰富多彩的文体活动，丰富职工的业余生活",
        "按照去年工作会议精神，今后要切实把工会的职能落到实处",
    ]
    assert [s.section_id for s in groups] == [
        "skills_competition",
        "worker_care",
        "union_building",
        "women_workers",
        "culture_sports",
        "next_steps",
    ]
    care = [s for s in sections if s.path[:1] == [groups[1].heading] and s.level == 3]
    assert [s.heading for s in care][0] == "开展送温暖活动不间断"
    # the first list (under the preamble) is not a restart; other plans are untouched
    assert all(
        s.level != 2 or s.number or "月" in s.heading
        for p in corpus().values()
        if p.id[:3] != "003"
        for s in p.sections
    )
    assert parse_heading("结合全年的施工生产任务，深入持久地开展劳动竞赛活动。") is None
